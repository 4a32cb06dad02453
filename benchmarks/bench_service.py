"""Benchmark of OrderService: the full path of a 20-line order against its pure parts.

Run: ``/work/venv/bin/python benchmarks/bench_service.py`` (one command, ratio from one run).

The library path: ``OrderService`` on the in-memory adapters (``MemoryDatabase``) takes
each order through enter -> submit -> approve -> confirm -> ship -> deliver, every step
in its own unit of work (load a private copy, run the command, save with the expected
version, record the events in the outbox, commit, relay to the notifier).

The floor: the same work with no service around it — ``validate()`` of the payload with
the same context, ``price()``, and the lifecycle command functions applied directly to
the ``Order``, their stock requests carried out by ``StoreReservations`` over a bare
``StockLedger`` (reserve, then confirm with what it left on backorder; ship, then commit
what it asks). No copies, no trial run, no versions, no outbox, no relay.

Budget: the service costs at most 3x the floor.

The second figure: issuing an invoice document for a whole 20-line order through the
service (``issue_invoice``: slice every line of the order's price snapshot, record,
outbox; no repricing since the order keeps its figures) costs at most 1.5x
a ``submit`` of the same order (validate, price, keep the figures, approval); both timed in the same
rounds, on the same orders. Rounds alternate (floor, library) on a
fresh stock position set each, and the best of ``ROUNDS`` is kept, so that a shared,
noisy machine does not decide the result. ``--profile`` prints where the service's
time goes (cProfile, top functions by cumulative and own time).
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import attrs

from salesorder import lifecycle as lc
from salesorder.adapters.memory import (
    FixedClock,
    InMemoryStockStore,
    MemoryDatabase,
    PatternNumbering,
    StockLedger,
)
from salesorder.lifecycle import ApprovalPolicy, LifecyclePolicy
from salesorder.money import Money
from salesorder.notifications import RecordingNotifier
from salesorder.order import new_id
from salesorder.pricing import PriceEntry, PriceList, TaxPolicy, price
from salesorder.records import Status
from salesorder.service import OrderService
from salesorder.settings import PolicySettings, PricingSettings
from salesorder.stockhook import StoreReservations, carry_out
from salesorder.validation import ValidationContext, validate

BUDGET = 3.0
INVOICE_BUDGET = 1.5
LINES = 20
ORDERS = 100  # orders per round
ROUNDS = 5
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SKUS = tuple(f"SKU-{i:03d}" for i in range(LINES))
LOCATIONS = ("SH-01", "GZ-02")
PLENTY = 10_000_000  # per SKU and location: stock never runs out in a round

PRICE_LIST = PriceList(
    "CNY",
    tuple(PriceEntry(sku, Money(f"{10 + i}.50", "CNY")) for i, sku in enumerate(SKUS)),
    name="bench",
)
TAX = TaxPolicy.china_vat()
# One approval level for every order, so the path really includes "approve".
APPROVAL = ApprovalPolicy(amount_levels=((Money("1.00", "CNY"), "finance"),))
POLICY = LifecyclePolicy()


def payload() -> dict[str, Any]:
    """A 20-line order payload (fictitious customer)."""
    return {
        "customer": {"id": "C-BENCH", "name": "Bench Trading Ltd."},
        "currency": "CNY",
        "channel": "phone",
        "shipping_address": {
            "country": "CN",
            "province": "上海市",
            "city": "上海市",
            "street": "示例路 1 号",
        },
        "lines": [
            {
                "line_id": str(i + 1),
                "sku": sku,
                "name": f"Item {i + 1}",
                "quantity": str(1 + i % 7),
                "unit": "pcs",
            }
            for i, sku in enumerate(SKUS)
        ],
    }


PAYLOAD = payload()


def stocked_ledger() -> StockLedger:
    ledger = StockLedger()
    for sku in SKUS:
        for location in LOCATIONS:
            ledger.receive(
                sku, location, quantity=PLENTY, operation_id=f"open:{sku}:{location}", at=START
            )
    ledger.drain_events()
    return ledger


# -- the floor: pure parts, applied directly ---------------------------------------------------


def floor_round() -> float:
    ledger = stocked_ledger()
    now = START
    list_price, price_floor = PRICE_LIST.lookups(at=now)
    gc.collect()
    began = time.perf_counter()
    for _ in range(ORDERS):
        context = ValidationContext(
            today=now.date(),
            availability=ledger.available,
            list_price=list_price,
            price_floor=price_floor,
        )
        report = validate(PAYLOAD, context=context)
        if report.order is None or not report.ok:
            raise RuntimeError("the benchmark payload must be valid")
        order = attrs.evolve(report.order, id=new_id(), number="SO-BENCH", created_at=now)
        breakdown = price(order, price_list=PRICE_LIST, tax=TAX, at=now)
        order.line_totals = tuple((line.line_id, line.gross) for line in breakdown.lines)
        order.grand_total = breakdown.grand_total
        hook = StoreReservations(ledger, at=now, actor="bench")
        lc.submit(
            order,
            actor="bench",
            at=now,
            report=report,
            breakdown=breakdown,
            approval_policy=APPROVAL,
        )
        lc.approve(order, level="finance", actor="bench", at=now, lifecycle_policy=POLICY)
        # The pure parts without the service's trial run: reserve, then confirm with
        # what the reservation left on backorder; ship, then commit what it asks.
        wanted = {line.line_id: line.quantity for line in order.lines}
        outcome = hook.reserve(
            order, lines=wanted, allow_backorder=False, operation_id=f"{order.id}:confirm"
        )
        lc.confirm(
            order, actor="bench", at=now, lifecycle_policy=POLICY, backordered=outcome.backordered
        )
        everything = {line.line_id: line.quantity for line in order.lines}
        shipped = lc.ship(order, lines=everything, actor="bench", at=now, lifecycle_policy=POLICY)
        for request in shipped.stock:
            carry_out(request, hook, order=order)
        lc.deliver(order, lines=everything, actor="bench", at=now)
        ledger.drain_events()
        if order.status is not Status.DELIVERED:
            raise RuntimeError("the floor did not deliver the order")
    return time.perf_counter() - began


# -- the library: OrderService on the embedded default -----------------------------------------


def make_service() -> OrderService:
    database = MemoryDatabase(stock=InMemoryStockStore(stocked_ledger()))
    return OrderService(
        unit_of_work=database.unit_of_work,
        clock=FixedClock(START),
        numbering=PatternNumbering(),
        invoice_numbering=PatternNumbering(prefix="INV"),
        pricing_settings=PricingSettings(price_list=PRICE_LIST, tax=TAX),
        policy_settings=PolicySettings(approval_policy=APPROVAL, lifecycle_policy=POLICY),
        notifier=RecordingNotifier(),
    )


def service_path(service: OrderService, orders: int) -> None:
    for _ in range(orders):
        order = service.enter(PAYLOAD, actor="bench")
        service.submit(order.id, actor="bench")
        service.approve(order.id, level="finance", actor="bench")
        service.confirm(order.id, actor="bench")
        everything = {line.line_id: line.quantity for line in order.lines}
        service.ship(order.id, lines=everything, actor="bench")
        result = service.deliver(order.id, lines=everything, actor="bench")
        if result.target is not Status.DELIVERED:
            raise RuntimeError("the service did not deliver the order")


def library_round() -> float:
    service = make_service()
    gc.collect()
    began = time.perf_counter()
    service_path(service, ORDERS)
    return time.perf_counter() - began


def invoice_round() -> tuple[float, float]:
    """Seconds spent in ``submit`` and in ``issue_invoice`` of the same orders."""
    service = make_service()
    orders = [service.enter(PAYLOAD, actor="bench") for _ in range(ORDERS)]
    gc.collect()
    began = time.perf_counter()
    for order in orders:
        service.submit(order.id, actor="bench")
    submitting = time.perf_counter() - began
    for order in orders:
        service.approve(order.id, level="finance", actor="bench")
        service.confirm(order.id, actor="bench")
    gc.collect()
    began = time.perf_counter()
    for order in orders:
        document = service.issue_invoice(order.id, actor="bench")
        if len(document.lines) != LINES:
            raise RuntimeError("the invoice must bill every line")
    return submitting, time.perf_counter() - began


def best_of(rounds: int, *runs: Callable[[], float]) -> list[float]:
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for index, run in enumerate(runs):
            best[index] = min(best[index], run())
    return best


def profile() -> None:
    service = make_service()
    profiler = cProfile.Profile()
    profiler.enable()
    service_path(service, ORDERS)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


def main() -> int:
    floor_round()  # warm-up: imports, caches, first-call costs
    library_round()
    floor, library = best_of(ROUNDS, floor_round, library_round)
    ratio = library / floor
    print(
        f"full path enter->submit->approve->confirm->ship->deliver, {LINES}-line order, "
        f"{ORDERS} orders per round, best of {ROUNDS}"
    )
    print(
        f"  pure parts (validate+price+lifecycle+StockLedger): "
        f"{floor / ORDERS * 1e3:8.3f} ms/order  {ORDERS / floor:8.1f} orders/s"
    )
    print(
        f"  OrderService on MemoryDatabase:                    "
        f"{library / ORDERS * 1e3:8.3f} ms/order  {ORDERS / library:8.1f} orders/s"
    )
    verdict = "ok" if ratio <= BUDGET else "OVER BUDGET"
    print(f"  ratio service/pure parts: {ratio:.2f}x  (budget {BUDGET:.1f}x)  {verdict}")
    rounds = [invoice_round() for _ in range(ROUNDS)]
    submitting = min(submit for submit, _ in rounds)
    invoicing = min(invoice for _, invoice in rounds)
    invoice_ratio = invoicing / submitting
    print(
        f"issue_invoice vs submit, {LINES}-line order, {ORDERS} orders per round, best of {ROUNDS}"
    )
    print(f"  submit:        {submitting / ORDERS * 1e3:8.3f} ms/order")
    print(f"  issue_invoice: {invoicing / ORDERS * 1e3:8.3f} ms/order")
    invoice_verdict = "ok" if invoice_ratio <= INVOICE_BUDGET else "OVER BUDGET"
    print(
        f"  ratio issue_invoice/submit: {invoice_ratio:.2f}x  "
        f"(budget {INVOICE_BUDGET:.1f}x)  {invoice_verdict}"
    )
    if "--profile" in sys.argv:
        profile()
    return 0 if ratio <= BUDGET and invoice_ratio <= INVOICE_BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
