"""Benchmark of the order lifecycle: transition cost and per-order memory, against floors.

Run: ``/work/venv/bin/python benchmarks/bench_lifecycle.py`` (one command, ratios from one run).

Budgets:
* applying one guarded transition costs at most 10x a plain dict-based transition table
  doing the same checks: checked both against a table that also keeps the records the
  requirements ask of every transition (audit entry, domain event) and against the
  checks alone, without any record. The library builds a result's domain events on the
  first read of ``TransitionResult.events``; the cost with the events read is printed
  for information.
* 100 000 orders in memory cost at most 1.5x the same orders without any lifecycle.

For comparison it also prints what python-statemachine costs per bound instance.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import attrs

from salesorder import lifecycle as lc
from salesorder.events import OrderHeld, OrderResumed
from salesorder.money import Money
from salesorder.order import (
    Address,
    Channel,
    Customer,
    InvoiceInfo,
    Order,
    OrderLine,
    OrderType,
    PaymentTerms,
    new_id,
)
from salesorder.records import AuditEntry, Status

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)
TRANSITION_BUDGET = 10.0
MEMORY_BUDGET = 1.5
TRANSITION_ORDERS = 20_000
MEMORY_ORDERS = 100_000
REPEATS = 5


# -- the order without any lifecycle: Order's original fields only ----------------------------


@attrs.define(eq=False)
class BareOrder:
    id: str
    customer: Customer
    currency: str
    lines: tuple[OrderLine, ...]
    number: str | None = None
    order_type: OrderType = OrderType.STANDARD
    channel: Channel = Channel.OTHER
    billing_address: Address | None = None
    shipping_address: Address | None = None
    payment_terms: PaymentTerms = attrs.Factory(PaymentTerms)
    requested_delivery_date: date | None = None
    invoice: InvoiceInfo = attrs.Factory(InvoiceInfo)
    salesperson: str | None = None
    notes: str | None = None
    external_ref: str | None = None
    revision: int = 1
    version: int = 0
    created_at: datetime | None = None


def build(cls: type[Any], i: int) -> Any:
    return cls(
        id=new_id(),
        customer=Customer(f"C-{i}", f"customer {i}"),
        currency="CNY",
        lines=(
            OrderLine(
                "1", f"SKU-{i % 500}", "Widget", Decimal(i % 7 + 1), unit_price=Money("9.90", "CNY")
            ),
            OrderLine("2", f"SKU-{i % 300}", "Gadget", Decimal(i % 3 + 1)),
        ),
        number=f"SO-202611-{i:06d}",
        salesperson="S-1",
        created_at=AT,
    )


def traced(make: Callable[[], Any]) -> tuple[Any, int]:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    value = make()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return value, after - before


# -- the floor: a plain dict-based transition table doing the same checks ---------------------

ARCHIVED = frozenset({Status.COMPLETED, Status.CANCELLED, Status.CLOSED})
HOLDABLE = (
    Status.PENDING_APPROVAL,
    Status.APPROVED,
    Status.CONFIRMED,
    Status.PARTIALLY_SHIPPED,
    Status.SHIPPED,
    Status.DELIVERED,
)
FLOOR_TABLE: dict[tuple[Status, str], Any] = {(s, "hold"): Status.ON_HOLD for s in HOLDABLE}
FLOOR_TABLE[(Status.ON_HOLD, "resume")] = None  # target: the status held from (the guard)


def floor_apply(
    order: Order, event: str, *, actor: str, at: datetime, key: str | None = None
) -> Any:
    """Same checks and records as the library, written by hand for two events."""
    if key is not None:
        for known, _, result in order.idempotency:
            if known == key:
                return result
    source = order.status
    if source in ARCHIVED or (source, event) not in FLOOR_TABLE:
        raise ValueError(event)
    if event == "hold":
        target, held = Status.ON_HOLD, source
        fact: Any = OrderHeld(
            occurred_at=at,
            event_id=f"{order.id}:{len(order.audit)}:0",
            order_id=order.id,
            actor=actor,
            source=source,
            target=target,
        )
    else:
        target, held = order.held_from, None  # type: ignore[assignment]
        if target not in HOLDABLE:  # the guard: was held from a status it can return to
            raise ValueError(event)
        fact = OrderResumed(
            occurred_at=at,
            event_id=f"{order.id}:{len(order.audit)}:0",
            order_id=order.id,
            actor=actor,
            source=source,
            target=target,
        )
    entry = AuditEntry(at, actor, event, source, target, None, order.revision)
    order.held_from = held
    order.status = target
    order.audit = (*order.audit, entry)
    return (fact,)


def floor_checks_only(order: Order, event: str, *, key: str | None = None) -> None:
    """The same checks, without the audit entry and the domain event the spec requires."""
    if key is not None:
        for known, _, _ in order.idempotency:
            if known == key:
                return
    source = order.status
    if source in ARCHIVED or (source, event) not in FLOOR_TABLE:
        raise ValueError(event)
    if event == "hold":
        order.held_from, order.status = source, Status.ON_HOLD
    else:
        target = order.held_from
        if target not in HOLDABLE:
            raise ValueError(event)
        order.held_from, order.status = None, target  # type: ignore[assignment]


def floor_bare(order: Any, event: str) -> None:
    """Just the table lookup and the status write, for scale."""
    target = FLOOR_TABLE[(order.status, event)]
    if target is None:
        target = order.held_from
    order.held_from = order.status
    order.status = target


def confirmed_orders(n: int) -> list[Order]:
    orders = [build(Order, i) for i in range(n)]
    for order in orders:
        order.status = Status.CONFIRMED
    return orders


def best_per_op(run: Callable[[list[Order]], None], n: int) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        orders = confirmed_orders(n)
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        run(orders)
        elapsed = time.perf_counter() - start
        gc.enable()
        best = min(best, elapsed)
    return best / (2 * n)  # hold + resume per order


def library_run(orders: list[Order]) -> None:
    for order in orders:
        lc.hold(order, actor="u", at=AT)
        lc.resume(order, actor="u", at=AT)


def library_events_run(orders: list[Order]) -> None:
    # The service's path: every result's events are read (recorded in the outbox).
    for order in orders:
        lc.hold(order, actor="u", at=AT).events  # noqa: B018
        lc.resume(order, actor="u", at=AT).events  # noqa: B018


def floor_run(orders: list[Order]) -> None:
    for order in orders:
        floor_apply(order, "hold", actor="u", at=AT)
        floor_apply(order, "resume", actor="u", at=AT)


def checks_run(orders: list[Order]) -> None:
    for order in orders:
        floor_checks_only(order, "hold")
        floor_checks_only(order, "resume")


def bare_run(orders: list[Order]) -> None:
    for order in orders:
        floor_bare(order, "hold")
        floor_bare(order, "resume")


# -- python-statemachine, bound per order -----------------------------------------------------


class MachineModel:
    """A model exposing every guard the machine names, for binding a machine instance."""

    def __init__(self) -> None:
        self.state: Any = None
        self.held: Status = Status.CONFIRMED


def _guard_method(name: str) -> Callable[[MachineModel], bool]:
    if name.startswith("was_held_from_"):
        wanted = name.removeprefix("was_held_from_")
        return lambda self: self.held.value == wanted
    return lambda self: False


for _name in lc.GUARDS:
    setattr(MachineModel, _name, _guard_method(_name))


def statemachine_costs() -> tuple[float, float, float]:
    n = 2_000
    models = [MachineModel() for _ in range(n)]
    gc.collect()
    start = time.perf_counter()
    machines = [lc.OrderLifecycle(m, start_value=Status.CONFIRMED) for m in models]
    create = (time.perf_counter() - start) / n
    _, memory = traced(
        lambda: [
            lc.OrderLifecycle(MachineModel(), start_value=Status.CONFIRMED) for _ in range(500)
        ]
    )
    start = time.perf_counter()
    for machine in machines:
        machine.send("hold")
        machine.send("resume")
    transition = (time.perf_counter() - start) / (2 * n)
    return create, memory / 500, transition


def main() -> int:
    print("salesorder lifecycle benchmark (one run; floors measured alongside)")
    print(f"python {sys.version.split()[0]}")

    library = best_per_op(library_run, TRANSITION_ORDERS)
    with_events = best_per_op(library_events_run, TRANSITION_ORDERS)
    floor = best_per_op(floor_run, TRANSITION_ORDERS)
    checks = best_per_op(checks_run, TRANSITION_ORDERS)
    bare = best_per_op(bare_run, TRANSITION_ORDERS)
    ratio = library / floor
    checks_ratio = library / checks
    print()
    print("transition (hold then resume, guarded; per transition, best of 5):")
    print(f"  library (table compiled from OrderLifecycle): {library * 1e6:8.2f} us")
    print(f"  library, result.events read as well:          {with_events * 1e6:8.2f} us")
    print(f"  floor: dict table, same checks and records:   {floor * 1e6:8.2f} us")
    print(f"  dict table, same checks, no audit/event:       {checks * 1e6:8.2f} us")
    print(f"  bare dict lookup + status write (scale only):  {bare * 1e6:8.2f} us")
    verdict = "OK" if ratio <= TRANSITION_BUDGET else "OVER BUDGET"
    print(f"  ratio library/floor: {ratio:.2f}x (budget {TRANSITION_BUDGET:.0f}x) {verdict}")
    verdict = "OK" if checks_ratio <= TRANSITION_BUDGET else "OVER BUDGET"
    print(
        f"  ratio library/checks without records: {checks_ratio:.2f}x "
        f"(budget {TRANSITION_BUDGET:.0f}x) {verdict}"
    )
    print(
        f"  for information: with events read, {with_events / floor:.2f}x the floor with "
        f"records and {with_events / checks:.1f}x the checks alone (events are built on "
        "first read of TransitionResult.events; the audit entry and result always)"
    )
    bare_orders, bare_bytes = traced(lambda: [build(BareOrder, i) for i in range(MEMORY_ORDERS)])
    del bare_orders
    orders, order_bytes = traced(lambda: [build(Order, i) for i in range(MEMORY_ORDERS)])
    del orders
    memory_ratio = order_bytes / bare_bytes
    print()
    print(f"memory of {MEMORY_ORDERS:,} orders (tracemalloc):")
    for label, size in (("without lifecycle", bare_bytes), ("with lifecycle   ", order_bytes)):
        print(f"  {label}: {size / 1e6:8.1f} MB ({size / MEMORY_ORDERS:6.0f} B/order)")
    verdict = "OK" if memory_ratio <= MEMORY_BUDGET else "OVER BUDGET"
    print(f"  ratio: {memory_ratio:.3f}x (budget {MEMORY_BUDGET}x) {verdict}")

    def confirmed_history() -> list[Order]:
        result = []
        for i in range(MEMORY_ORDERS // 10):
            order = build(Order, i)
            order.status = Status.CONFIRMED
            lc.hold(order, actor="u", at=AT)
            lc.resume(order, actor="u", at=AT)
            result.append(order)
        return result

    _, history_bytes = traced(confirmed_history)
    print(
        f"  (for information: an order with two audited transitions: "
        f"{history_bytes / (MEMORY_ORDERS // 10):.0f} B/order, events not kept)"
    )

    create, memory, transition = statemachine_costs()
    print()
    print("python-statemachine bound to each order (what the design avoids), for comparison:")
    print(f"  create one machine: {create * 1e6:8.1f} us, {memory / 1024:6.1f} KiB per instance")
    times = transition / library
    print(f"  one transition:     {transition * 1e6:8.1f} us ({times:.1f}x the library)")
    print(f"  100,000 orders would need {memory * MEMORY_ORDERS / 1e9:.1f} GB of machines")
    failed = ratio > TRANSITION_BUDGET or checks_ratio > TRANSITION_BUDGET
    failed = failed or memory_ratio > MEMORY_BUDGET
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
