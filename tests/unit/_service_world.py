"""A service on a fresh stocked memory database, driven through an order's life.

Shared by the service tests: ``World`` builds orders up to a given step.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.lifecycle import ApprovalPolicy, LifecyclePolicy
from salesorder.notifications import RecordingNotifier
from salesorder.order import Order
from salesorder.records import Status
from salesorder.service import OrderService

OPENING_STOCK = (
    ("TEA-LJ-250", "SH-01", 30),
    ("TEA-LJ-250", "GZ-02", 50),
    ("CUP-CER-6", "SH-01", 20),
    ("BRG-6204", "SH-01", 400),
    ("BRG-6204", "GZ-02", 200),
    ("OIL-HM46", "GZ-02", 100),
)


def stock_up(database: MemoryDatabase) -> None:
    """The demo's opening stock, its events drained (nothing pending)."""
    for sku, location, quantity in OPENING_STOCK:
        database.stock.receive(
            sku, location, quantity=quantity, operation_id=f"open:{sku}:{location}", at=START
        )
    database.stock.drain_events()


@attrs.define
class World:
    """A service on a fresh stocked database, with its clock and notifier."""

    service: OrderService
    database: MemoryDatabase
    clock: FixedClock
    notifier: RecordingNotifier

    def position(self, sku: str, location: str) -> tuple[Decimal, Decimal]:
        """(on hand, reserved) of a position."""
        found = self.database.stock.position(sku, location)
        return found.on_hand, found.reserved

    def state(self) -> tuple[Any, ...]:
        """Everything a command could change, for "nothing changed" checks."""
        return (
            {k: attrs.asdict(v) for k, v in self.database.orders.snapshot().items()},
            self.database.stock.positions(),
            self.database.stock.reservations(),
            self.database.stock.movements(),
            [entry.event.event_id for entry in self.database.outbox.pending(limit=10_000)],
            [event.event_id for event, _ in self.notifier.sent],
            self.database.quotes.all(),
        )

    def entered(self, *, tea: int = 2, cups: int = 1) -> Order:
        """A tea shop draft (under 5 000 with the defaults: no approval needed)."""
        return self.service.enter(tea_shop_payload(tea=tea, cups=cups), actor="S-LI")

    def approved(self, *, tea: int = 2, cups: int = 1) -> Order:
        """A tea shop order, submitted and (by finance if needed) approved."""
        order = self.entered(tea=tea, cups=cups)
        self.service.submit(order.id, actor="S-LI")
        if self.service.get(order.id).status is Status.PENDING_APPROVAL:
            self.service.approve(order.id, level="finance", actor="F-ZHOU")
        return self.service.get(order.id)

    def confirmed(self, *, tea: int = 2, cups: int = 1) -> Order:
        """A tea shop order with its stock reserved."""
        order = self.approved(tea=tea, cups=cups)
        self.service.confirm(order.id, actor="S-LI")
        return self.service.get(order.id)

    def delivered(self, *, tea: int = 2, cups: int = 1) -> Order:
        """A tea shop order shipped and signed for in full."""
        order = self.confirmed(tea=tea, cups=cups)
        lines = {"1": tea, "2": cups}
        self.service.ship(order.id, lines=lines, actor="W-SH")
        self.service.deliver(order.id, lines=lines, actor="W-SH")
        return self.service.get(order.id)

    def paid(self, *, tea: int = 2, cups: int = 1) -> Order:
        """Delivered, invoiced in full and paid in full."""
        order = self.delivered(tea=tea, cups=cups)
        self.service.invoice(order.id, actor="F-ZHOU")
        total = self.service.get(order.id).grand_total
        assert total is not None
        self.service.record_payment(order.id, amount=total, actor="F-ZHOU")
        return self.service.get(order.id)

    def return_requested(self, *, tea: int = 2, cups: int = 1, returned: int = 1) -> str:
        """A paid order with an approved return of ``returned`` boxes of tea; its id."""
        order = self.paid(tea=tea, cups=cups)
        self.service.request_return(
            order.id, kind="return", lines={"1": returned}, reason="damaged", actor="CS"
        )
        return_id = self.service.get(order.id).returns[-1].return_id
        self.service.approve_return(order.id, return_id=return_id, actor="CS-LEAD")
        return order.id


def make_world(
    *,
    notifier: Any = None,
    lifecycle_policy: LifecyclePolicy | None = None,
    approval_policy: ApprovalPolicy | None = None,
) -> World:
    """A fresh world on the demo's settings.

    ``notifier`` replaces the recording one (any object with ``notify``);
    ``lifecycle_policy`` and ``approval_policy`` replace the demo's.
    """
    clock = FixedClock(START)
    chosen = RecordingNotifier() if notifier is None else notifier
    database = MemoryDatabase()
    service = build_service(clock, chosen, unit_of_work=database.unit_of_work)
    policies = service.policy_settings
    if lifecycle_policy is not None:
        policies = attrs.evolve(policies, lifecycle_policy=lifecycle_policy)
    if approval_policy is not None:
        policies = attrs.evolve(policies, approval_policy=approval_policy)
    if policies is not service.policy_settings:
        service = OrderService(
            unit_of_work=database.unit_of_work,
            clock=clock,
            numbering=PatternNumbering(),
            pricing_settings=service.pricing_settings,
            policy_settings=policies,
            notifier=chosen,
        )
    stock_up(database)
    return World(service, database, clock, chosen)
