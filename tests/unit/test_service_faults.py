"""Fault injection: a use case failing at any step leaves every store exactly as it was.

Each part of the unit of work (orders, stock, outbox, idempotency keys, quotes) and
the service's pricing function are wrapped so that the k-th call of the command
raises ``RuntimeError("injected")`` — once before the call reaches the part, once
after the part did its work — for every k until the command completes without
reaching the fault. After each fault, the orders (field by field), the stock
(positions, reservations, journal, pending events), the outbox, the quotes and the
idempotency keys must be what they were; then the same command, without the fault,
must succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any

import attrs
import pytest

from salesorder.adapters.memory import (
    FixedClock,
    MemoryDatabase,
    MemoryUnitOfWork,
    PatternNumbering,
)
from salesorder.demo import START, cny, demo_price_list, tea_shop_payload
from salesorder.inventory import FixedPriority
from salesorder.lifecycle import ApprovalPolicy, ChangeQuantity, LifecyclePolicy
from salesorder.notifications import RecordingNotifier
from salesorder.order import Order
from salesorder.pricing import PriceBreakdown, Promotion, Target, TaxPolicy, ThresholdOff
from salesorder.service import OrderService
from salesorder.settings import PolicySettings, PricingSettings

OPENING_STOCK = (
    ("TEA-LJ-250", "SH-01", 30),
    ("TEA-LJ-250", "GZ-02", 50),
    ("CUP-CER-6", "SH-01", 20),
)

# What each part may be asked to do; every call is one step where a fault can strike.
WRAPPED = {
    "orders": ("add", "save"),
    "stock": ("reserve", "commit", "release", "restock", "fill_backorders", "drain_events"),
    "outbox": ("add",),
    "idempotency": ("put",),
    "quotes": ("put",),
}


class Faults:
    """Counts steps while armed; the ``fail_at``-th step raises."""

    def __init__(self) -> None:
        self.fail_at: int | None = None
        self.after = False
        self.steps: list[str] = []

    def arm(self, fail_at: int, *, after: bool) -> None:
        self.fail_at, self.after, self.steps = fail_at, after, []

    def disarm(self) -> None:
        self.fail_at = None

    def step(self, name: str, call: Callable[[], Any]) -> Any:
        if self.fail_at is None:
            return call()
        self.steps.append(name)
        striking = len(self.steps) == self.fail_at
        if striking and not self.after:
            raise RuntimeError("injected")
        result = call()
        if striking:
            raise RuntimeError("injected")
        return result


class FaultyPart:
    """A part of the unit of work whose listed methods go through :class:`Faults`."""

    def __init__(self, name: str, target: Any, faults: Faults) -> None:
        self._name = name
        self._target = target
        self._faults = faults

    def __getattr__(self, attribute: str) -> Any:
        found = getattr(self._target, attribute)
        if attribute not in WRAPPED[self._name]:
            return found

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return self._faults.step(f"{self._name}.{attribute}", lambda: found(*args, **kwargs))

        return wrapped


class FaultyUnitOfWork:
    """A memory unit of work whose parts can fail on demand."""

    def __init__(self, inner: MemoryUnitOfWork, faults: Faults) -> None:
        self._inner = inner
        self._faults = faults

    def __enter__(self) -> FaultyUnitOfWork:
        self._inner.__enter__()
        for name in WRAPPED:
            setattr(self, name, FaultyPart(name, getattr(self._inner, name), self._faults))
        self.coupons = self._inner.coupons
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._inner.commit()


@attrs.define
class Rig:
    """A service over a memory database whose every step can be made to fail."""

    service: OrderService
    database: MemoryDatabase
    clock: FixedClock
    faults: Faults

    def state(self) -> dict[str, Any]:
        """Everything a failed command must leave as it was."""
        database = self.database
        return {
            "orders": {k: attrs.asdict(v) for k, v in database.orders.snapshot().items()},
            "positions": database.stock.positions(),
            "reservations": database.stock.reservations(),
            "movements": database.stock.movements(),
            # The ledger's undrained events (no public reader: draining would change them).
            "stock_events": len(database.stock._ledger._pending),
            "outbox": [
                (e.event.event_id, e.attempts, e.last_error)
                for e in database.outbox.pending(limit=10_000)
            ],
            "quotes": database.quotes.all(),
            "keys": dict(database.idempotency._keys),
        }


def make_rig(*, allow_backorder: bool = False) -> Rig:
    clock = FixedClock(START)
    database = MemoryDatabase()
    faults = Faults()
    service = OrderService(
        unit_of_work=lambda: FaultyUnitOfWork(database.unit_of_work(), faults),
        clock=clock,
        numbering=PatternNumbering(),
        quote_numbering=PatternNumbering(prefix="QT"),
        pricing_settings=PricingSettings(
            price_list=demo_price_list(),
            promotions=(
                Promotion(
                    "MJ-2026",
                    "满减",
                    ThresholdOff.of("CNY", (1000, 100), (3000, 300)),
                    target=Target(categories={"tea", "teaware"}),
                ),
            ),
            tax=TaxPolicy.china_vat(),
        ),
        policy_settings=PolicySettings(
            approval_policy=ApprovalPolicy(amount_levels=((cny(5000), "finance"),)),
            lifecycle_policy=LifecyclePolicy(allow_backorder=allow_backorder),
            allocation=FixedPriority(locations=("SH-01", "GZ-02")),  # type: ignore[arg-type]
        ),
        notifier=RecordingNotifier(),
    )
    pricing = service.price_order

    def faulty_pricing(order: Order, *, coupons: Any = ()) -> PriceBreakdown:
        return faults.step("pricing", lambda: pricing(order, coupons=coupons))  # type: ignore[no-any-return]

    # The instance attribute shadows the method: every pricing of the service goes here.
    service.price_order = faulty_pricing  # type: ignore[method-assign]
    for sku, location, quantity in OPENING_STOCK:
        database.stock.receive(
            sku, location, quantity=quantity, operation_id=f"o:{sku}:{location}", at=START
        )
    database.stock.drain_events()
    return Rig(service, database, clock, faults)


def _approved(rig: Rig, *, tea: int = 2, cups: int = 1) -> str:
    order = rig.service.enter(tea_shop_payload(tea=tea, cups=cups), actor="S-LI")
    rig.service.submit(order.id, actor="S-LI")
    if rig.service.get(order.id).status.value == "pending_approval":
        rig.service.approve(order.id, level="finance", actor="F-ZHOU")
    return order.id


def _confirmed(rig: Rig, *, tea: int = 2, cups: int = 1) -> str:
    order_id = _approved(rig, tea=tea, cups=cups)
    rig.service.confirm(order_id, actor="S-LI")
    return order_id


def _returnable(rig: Rig) -> tuple[str, str]:
    order_id = _confirmed(rig, tea=40, cups=6)
    lines = {"1": 40, "2": 6}
    rig.service.ship(order_id, lines=lines, actor="W")
    rig.service.deliver(order_id, lines=lines, actor="W")
    rig.service.request_return(
        order_id, kind="return", lines={"1": 2, "2": 1}, reason="damaged", actor="CS"
    )
    return_id = rig.service.get(order_id).returns[-1].return_id
    rig.service.approve_return(order_id, return_id=return_id, actor="CS-LEAD")
    return order_id, return_id


def _backordered(rig: Rig) -> str:
    order_id = _confirmed(rig, tea=100, cups=1)
    rig.database.stock.receive("TEA-LJ-250", "SH-01", quantity=20, operation_id="late", at=START)
    rig.database.stock.drain_events()
    return order_id


def _quoted(rig: Rig) -> str:
    return rig.service.quote(tea_shop_payload(), actor="S-LI").quote_id


Command = Callable[[], Any]


def enter(rig: Rig) -> Command:
    return lambda: rig.service.enter(tea_shop_payload(), actor="S-LI", idempotency_key="e-1")


def quote(rig: Rig) -> Command:
    return lambda: rig.service.quote(tea_shop_payload(), actor="S-LI", idempotency_key="q-1")


def convert_quote(rig: Rig) -> Command:
    quote_id = _quoted(rig)
    return lambda: rig.service.convert_quote(quote_id, actor="S-LI", idempotency_key="c-1")


def submit(rig: Rig) -> Command:
    order_id = rig.service.enter(tea_shop_payload(), actor="S-LI").id
    return lambda: rig.service.submit(order_id, actor="S-LI")


def confirm_from_two_warehouses(rig: Rig) -> Command:
    order_id = _approved(rig, tea=40, cups=6)
    return lambda: rig.service.confirm(order_id, actor="S-LI")


def ship_from_two_warehouses(rig: Rig) -> Command:
    order_id = _confirmed(rig, tea=40, cups=6)
    return lambda: rig.service.ship(order_id, lines={"1": 40, "2": 3}, actor="W")


def ship_filling_a_backorder(rig: Rig) -> Command:
    order_id = _backordered(rig)
    return lambda: rig.service.ship(order_id, lines={"1": 100}, actor="W")


def cancel(rig: Rig) -> Command:
    order_id = _confirmed(rig, tea=40, cups=6)
    return lambda: rig.service.cancel(order_id, reason="customer_request", actor="S-LI")


def close(rig: Rig) -> Command:
    order_id = _confirmed(rig, tea=40, cups=6)
    rig.service.ship(order_id, lines={"1": 1}, actor="W")
    return lambda: rig.service.close(order_id, reason="short_supply", actor="S-LI")


def receive_return(rig: Rig) -> Command:
    order_id, return_id = _returnable(rig)
    return lambda: rig.service.receive_return(order_id, return_id=return_id, actor="W")


def amend_reserving_more(rig: Rig) -> Command:
    order_id = _confirmed(rig)
    return lambda: rig.service.amend(order_id, [ChangeQuantity("1", Decimal(3))], actor="S-LI")


def amend_back_to_approval(rig: Rig) -> Command:
    order_id = _confirmed(rig)
    return lambda: rig.service.amend(order_id, [ChangeQuantity("1", Decimal(45))], actor="S-LI")


SCENARIOS: dict[str, Callable[[Rig], Command]] = {
    scenario.__name__: scenario
    for scenario in (
        enter,
        quote,
        convert_quote,
        submit,
        confirm_from_two_warehouses,
        ship_from_two_warehouses,
        ship_filling_a_backorder,
        cancel,
        close,
        receive_return,
        amend_reserving_more,
        amend_back_to_approval,
    )
}


class TestFaultInjection:
    @pytest.mark.parametrize("after", [False, True], ids=["before the step", "after the step"])
    @pytest.mark.parametrize("use_case", list(SCENARIOS))
    def test_a_fault_at_any_step_changes_nothing_and_the_retry_succeeds(
        self, use_case: str, *, after: bool
    ) -> None:
        struck: list[str] = []
        for fail_at in range(1, 100):
            rig = make_rig(allow_backorder=use_case.endswith("backorder"))
            command = SCENARIOS[use_case](rig)
            rig.clock.advance(timedelta(hours=1))
            before = rig.state()
            rig.faults.arm(fail_at, after=after)
            try:
                command()
            except RuntimeError as error:
                message = str(error)
            else:
                break
            finally:
                rig.faults.disarm()
            assert message == "injected"
            struck.append(rig.faults.steps[-1])
            assert rig.state() == before, f"fault at step {fail_at} ({struck[-1]})"
            command()  # the same command, without the fault
            assert rig.state() != before
        else:  # pragma: no cover
            pytest.fail("the command never completed")
        assert struck, "no step was wrapped"
        assert any(step != "pricing" for step in struck)

    def test_every_wrapped_kind_of_step_is_reached(self) -> None:
        reached: set[str] = set()
        for use_case, scenario in SCENARIOS.items():
            rig = make_rig(allow_backorder=use_case.endswith("backorder"))
            command = scenario(rig)
            rig.faults.arm(10_000, after=False)
            command()
            reached.update(rig.faults.steps)
        expected = {f"{part}.{name}" for part, names in WRAPPED.items() for name in names}
        assert expected | {"pricing"} == reached
