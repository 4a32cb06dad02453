"""The whole life of orders through the service, on memory, SQLite and PostgreSQL (issue 14).

A Hypothesis state machine enters a few orders and drives them with random commands:
submit, approve, reject, confirm (backorders allowed), ship and deliver in parts,
invoice, pay, refund, returns, exchanges and repairs (received with or without the
short-path refund), amendments after a partial shipment (waiting for approval,
approved or rejected), exchanges for the same or for other goods (their replacement
orders are driven too: shipped, delivered, invoiced, paid), repairs shipped back and
signed for, amendments, reschedules, hold and resume, cancel, close and complete, with
the clock moving on (the after-sales window closes). After every step:

- a refused command raised a coded ``SalesOrderError`` and changed nothing (order and
  stock); any other exception fails the test;
- per line: delivered <= shipped <= ordered, returned <= delivered, invoiced <= ordered;
  refunds never exceed payments;
- derived statuses agree with the ledgers and the status;
- once an order is archived, the stock store holds nothing reserved for it, and at
  every moment the order's ledgers and the store agree on what is held for each line
  (reserved plus backordered);
- every received exchange names a stored replacement order of type ``exchange`` for
  the same customer; like for like, it carries the exchanged quantities at no price;
  for other goods, the credit paid over left the original as a refund and reached the
  replacement as a payment of the same amount;
- a repair shipped back was received first, and only a repair is shipped back.

At the end every order that is still open is driven to an archived status by the
obvious next commands, which must all be accepted (repairs still with the seller are
shipped back first, archived orders included): no order is left without a way out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from salesorder import lifecycle as lc
from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.errors import SalesOrderError
from salesorder.lifecycle import (
    ARCHIVED,
    Change,
    ChangeQuantity,
    LifecyclePolicy,
    RemoveLine,
    ShipmentState,
    Status,
)
from salesorder.money import Money
from salesorder.notifications import RecordingNotifier
from salesorder.order import Order, OrderLine, OrderType
from salesorder.records import PaymentKind, ReturnKind, ReturnState
from salesorder.service import OrderService

OPENING_STOCK = (("TEA-LJ-250", "SH-01", 6), ("TEA-LJ-250", "GZ-02", 3), ("CUP-CER-6", "SH-01", 2))
LINES = ("1", "2")
small = st.integers(min_value=1, max_value=3)
MAX_ORDERS = 3
COMMANDS = (
    "submit",
    "approve",
    "reject",
    "confirm",
    "ship",
    "deliver",
    "invoice",
    "pay",
    "settle_payment",
    "refund",
    "request_return",
    "approve_return",
    "receive_return",
    "amend",
    "reschedule",
    "hold",
    "resume",
    "cancel",
    "close",
    "complete",
    "edit_draft",
    "discard",
    "plan_shipment",
    "ship_plan",
    "cancel_shipment",
    "void_shipment",
    "ship_repair",
    "deliver_repair",
    "approve_amendment",
    "reject_amendment",
)
#: What an exchange for other goods sends instead (priced from the list at receipt).
OTHER_GOODS = (OrderLine("1", "CUP-CER-6", "cup", Decimal(1)),)


def _service(unit_of_work: Callable[[], Any], clock: FixedClock) -> OrderService:
    demo = build_service(clock, RecordingNotifier())
    return OrderService(
        unit_of_work=unit_of_work,
        clock=clock,
        numbering=PatternNumbering(),
        pricing_settings=demo.pricing_settings,
        policy_settings=attrs.evolve(
            demo.policy_settings,
            lifecycle_policy=LifecyclePolicy(
                allow_backorder=True, expire_unconfirmed_after=timedelta(days=20)
            ),
        ),
    )


class WholeLife(RuleBasedStateMachine):
    """Several orders of one tenant, driven through the service on one backend."""

    backend = "memory"
    url: str | None = None  # the PostgreSQL server's, for backend "postgresql"
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(START)
        self.dispose: Callable[[], None] = lambda: None
        if self.backend == "memory":
            self.unit_of_work: Callable[[], Any] = MemoryDatabase().unit_of_work
        else:
            from salesorder.adapters.sql import SqlDatabase

            tenant = f"t-{uuid.uuid4().hex[:12]}"
            url = self.url
            database = SqlDatabase(url, tenant_id=tenant) if url else SqlDatabase(tenant_id=tenant)
            database.create_schema()
            self.unit_of_work = database.unit_of_work
            self.dispose = database.engine.dispose
        self.service = _service(self.unit_of_work, self.clock)
        with self.unit_of_work() as uow:
            for sku, location, quantity in OPENING_STOCK:
                uow.stock.receive(
                    sku, location, quantity=quantity, operation_id=f"in:{sku}:{location}", at=START
                )
            uow.stock.drain_events()
            uow.commit()
        self.known: list[str] = []
        self.replacements: list[str] = []  # opened by exchanges, also in ``known``
        self.arrivals = 0

    # -- the harness ----------------------------------------------------------------------

    def stock_state(self) -> tuple[Any, ...]:
        with self.unit_of_work() as uow:
            return uow.stock.positions(), uow.stock.reservations()

    def attempt(self, order_id: str, command: Callable[[], object]) -> None:
        """Run a command; a refusal must be coded and change neither order nor stock."""
        self.clock.advance(timedelta(hours=1))
        before = (self.service.get(order_id), self.stock_state())
        refused: SalesOrderError | None = None
        try:
            command()
        except SalesOrderError as error:
            refused = error
        if refused is not None:
            assert refused.code, f"uncoded refusal {type(refused).__name__}"
            assert (self.service.get(order_id), self.stock_state()) == before

    def order(self, order_id: str) -> Order:
        return self.service.get(order_id)

    # -- rules ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.known) - len(self.replacements) < MAX_ORDERS)
    @rule(target=orders, tea=small, cups=small)
    def enter(self, tea: int, cups: int) -> str:
        payload = tea_shop_payload(tea=tea, cups=cups)
        payload["requested_delivery_date"] = (
            (self.clock.now() + timedelta(days=12)).date().isoformat()
        )
        order = self.service.enter(payload, actor="S-LI")
        self.known.append(order.id)
        return order.id

    def submit(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.submit(order_id, actor="S-LI"))

    def approve(self, order_id: str, which: int) -> None:
        required = [level for level, _ in self.order(order_id).required_approvals] or ["finance"]
        level = required[which % len(required)]
        actor = f"A-{level}"
        self.attempt(order_id, lambda: self.service.approve(order_id, level=level, actor=actor))

    def reject(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.reject(order_id, reasons=["price"], actor="M"))

    def confirm(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.confirm(order_id, actor="S-LI"))

    def ship(self, order_id: str, line: str, quantity: int) -> None:
        lines = {line: quantity}
        self.attempt(order_id, lambda: self.service.ship(order_id, lines=lines, actor="W"))

    def deliver(self, order_id: str, line: str, quantity: int) -> None:
        lines = {line: quantity}
        self.attempt(order_id, lambda: self.service.deliver(order_id, lines=lines, actor="W"))

    def invoice(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.invoice(order_id, actor="F"))

    def pay(self, order_id: str, cents: int, pending: bool = False) -> None:
        amount = Money(Decimal(cents) / 100, "CNY")
        state = "pending" if pending else "confirmed"
        self.attempt(
            order_id,
            lambda: self.service.record_payment(order_id, amount=amount, actor="F", state=state),
        )

    def settle_payment(self, order_id: str, choice: int) -> None:
        """Confirm, void or fail the latest payment (refused when it is not pending)."""
        payments = [p for p in self.order(order_id).payments if p.kind is PaymentKind.PAYMENT]
        if not payments:
            return
        payment_id = payments[-1].payment_id
        if choice % 3 == 0:
            step = lambda: self.service.confirm_payment(  # noqa: E731
                order_id, payment_id=payment_id, actor="F"
            )
        else:
            step = lambda: self.service.void_payment(  # noqa: E731
                order_id, payment_id=payment_id, actor="F", failed=choice % 3 == 2
            )
        self.attempt(order_id, step)

    def refund(self, order_id: str, cents: int) -> None:
        amount = Money(Decimal(cents) / 100, "CNY")
        self.attempt(
            order_id, lambda: self.service.record_refund(order_id, amount=amount, actor="F")
        )

    def request_return(self, order_id: str, kind: str, line: str, quantity: int) -> None:
        self.attempt(
            order_id,
            lambda: self.service.request_return(
                order_id, kind=kind, lines={line: quantity}, reason="damaged", actor="CS"
            ),
        )

    def approve_return(self, order_id: str) -> None:
        waiting = [r for r in self.order(order_id).returns if r.state is ReturnState.REQUESTED]
        return_id = waiting[0].return_id if waiting else "none"
        self.attempt(
            order_id,
            lambda: self.service.approve_return(order_id, return_id=return_id, actor="CS-LEAD"),
        )

    def receive_return(
        self, order_id: str, pay_back: bool, scrap: bool, other_goods: bool = False
    ) -> None:
        waiting = [r for r in self.order(order_id).returns if r.state is ReturnState.APPROVED]
        return_id = waiting[0].return_id if waiting else "none"
        exchange = bool(waiting) and waiting[0].kind is ReturnKind.EXCHANGE
        replacement = OTHER_GOODS if exchange and other_goods else None
        self.attempt(
            order_id,
            lambda: self.service.receive_return(
                order_id,
                return_id=return_id,
                actor="W",
                disposition="scrap" if scrap else "restock",
                refund=pay_back,
                replacement=replacement,
            ),
        )
        self.adopt_replacements(order_id)

    def adopt_replacements(self, order_id: str) -> None:
        """Watch the replacement orders an order's exchanges opened, as any other order."""
        for record in self.order(order_id).returns:
            replacement = record.replacement_order_id
            if replacement is not None and replacement not in self.known:
                self.known.append(replacement)
                self.replacements.append(replacement)

    def repair_step(self, order_id: str, step: str) -> None:
        repairs = [
            r
            for r in self.order(order_id).returns
            if r.kind is ReturnKind.REPAIR and r.state is ReturnState.RECEIVED
        ]
        return_id = repairs[-1].return_id if repairs else "none"
        if step == "ship":
            self.attempt(
                order_id,
                lambda: self.service.ship_repair(
                    order_id, return_id=return_id, actor="W", carrier="SF"
                ),
            )
        else:
            self.attempt(
                order_id,
                lambda: self.service.deliver_repair(order_id, return_id=return_id, actor="W"),
            )

    def amend(self, order_id: str, line: str, quantity: int) -> None:
        change: list[Change] = (
            [RemoveLine(line)] if quantity == 3 else [ChangeQuantity(line, Decimal(quantity))]
        )
        self.attempt(order_id, lambda: self.service.amend(order_id, change, actor="S-LI"))

    def decide_amendment(self, order_id: str, approve: bool, which: int) -> None:
        if approve:
            required = [level for level, _ in self.order(order_id).required_approvals] or ["x"]
            level = required[which % len(required)]
            self.attempt(
                order_id,
                lambda: self.service.approve_amendment(order_id, level=level, actor=f"A-{level}"),
            )
        else:
            self.attempt(
                order_id,
                lambda: self.service.reject_amendment(order_id, reasons=["price"], actor="M"),
            )

    def reschedule(self, order_id: str, days: int) -> None:
        when = (START + timedelta(days=days)).date()
        self.attempt(
            order_id,
            lambda: self.service.reschedule(
                order_id, requested_delivery_date=when, reason="late", actor="CS"
            ),
        )

    def hold(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.hold(order_id, reason="credit", actor="F"))

    def resume(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.resume(order_id, actor="F"))

    def cancel(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.cancel(order_id, reason="gone", actor="S"))

    def close(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.close(order_id, reason="short", actor="S"))

    def complete(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.complete(order_id, actor="F"))

    @rule(
        order_id=orders,
        name=st.sampled_from(COMMANDS),
        line=st.sampled_from(LINES),
        quantity=small,
        cents=st.integers(min_value=1, max_value=60000),
        choice=st.integers(min_value=0, max_value=5),
    )
    def any_command(  # noqa: PLR0917 - the arguments of every command
        self, order_id: str, name: str, line: str, quantity: int, cents: int, choice: int
    ) -> None:
        """Any command, in any status, with arguments that may be out of bounds."""
        kind = ("return", "exchange", "repair")[choice % 3]
        calls: dict[str, Callable[[], None]] = {
            "submit": lambda: self.submit(order_id),
            "approve": lambda: self.approve(order_id, choice),
            "reject": lambda: self.reject(order_id),
            "confirm": lambda: self.confirm(order_id),
            "ship": lambda: self.ship(order_id, line, quantity),
            "deliver": lambda: self.deliver(order_id, line, quantity),
            "invoice": lambda: self.invoice(order_id),
            "pay": lambda: self.pay(order_id, cents, pending=choice % 3 == 0),
            "settle_payment": lambda: self.settle_payment(order_id, choice),
            "refund": lambda: self.refund(order_id, cents // 3 + 1),
            "request_return": lambda: self.request_return(order_id, kind, line, quantity),
            "approve_return": lambda: self.approve_return(order_id),
            "receive_return": lambda: self.receive_return(
                order_id, choice % 2 == 0, choice == 5, other_goods=choice >= 3
            ),
            "amend": lambda: self.amend(order_id, line, quantity),
            "reschedule": lambda: self.reschedule(order_id, cents % 30 + 1),
            "hold": lambda: self.hold(order_id),
            "resume": lambda: self.resume(order_id),
            "cancel": lambda: self.cancel(order_id),
            "close": lambda: self.close(order_id),
            "complete": lambda: self.complete(order_id),
            "edit_draft": lambda: self.edit_draft(order_id, quantity, choice % 2 + 1),
            "discard": lambda: self.discard(order_id),
            "plan_shipment": lambda: self.plan_shipment(order_id, line, quantity),
            "ship_plan": lambda: self.shipment_step(order_id, "ship", ShipmentState.PLANNED),
            "cancel_shipment": lambda: self.shipment_step(
                order_id, "cancel", ShipmentState.PLANNED
            ),
            "void_shipment": lambda: self.shipment_step(order_id, "void", ShipmentState.SHIPPED),
            "approve_amendment": lambda: self.decide_amendment(order_id, True, choice),
            "reject_amendment": lambda: self.decide_amendment(order_id, False, choice),
            "ship_repair": lambda: self.repair_step(order_id, "ship"),
            "deliver_repair": lambda: self.repair_step(order_id, "deliver"),
        }
        calls[name]()

    @rule(
        order_id=orders,
        moves=st.lists(
            st.tuples(st.integers(min_value=0, max_value=5), small), min_size=1, max_size=5
        ),
    )
    def progress(self, order_id: str, moves: list[tuple[int, int]]) -> None:
        """A few steps of the usual path (random commands alone rarely get far)."""
        for choice, part in moves:
            self.next_step(order_id, choice, part)

    @rule(
        order_id=orders,
        kind=st.sampled_from(["exchange", "repair", "return"]),
        line=st.sampled_from(LINES),
        quantity=small,
        choice=st.integers(min_value=0, max_value=5),
    )
    def after_sales_round(
        self, order_id: str, kind: str, line: str, quantity: int, choice: int
    ) -> None:
        """Request, approve and receive one after-sales case, and send a repair back.

        The order is first taken along the usual path until something was delivered.
        """
        for step in range(12):
            if any(ledger.delivered for ledger in self.order(order_id).ledgers):
                break
            self.next_step(order_id, step % 4, 3)
        self.request_return(order_id, kind, line, quantity)
        self.approve_return(order_id)
        self.receive_return(order_id, choice % 2 == 0, choice == 5, other_goods=choice >= 3)
        if kind == "repair":
            self.repair_step(order_id, "ship")
            if choice % 2:
                self.repair_step(order_id, "deliver")

    @rule(
        order_id=orders,
        line=st.sampled_from(LINES),
        quantity=small,
        choice=st.integers(min_value=0, max_value=5),
    )
    def amend_after_shipment(self, order_id: str, line: str, quantity: int, choice: int) -> None:
        """Ship part of an order, amend it, and approve or reject the amendment."""
        for step in range(8):
            order = self.order(order_id)
            if order.status is not Status.CONFIRMED and any(x.shipped for x in order.ledgers):
                break
            if order.status is Status.CONFIRMED:
                self.ship(order_id, order.lines[step % len(order.lines)].line_id, 1)
            else:
                self.next_step(order_id, step % 4, 1)
        self.amend(order_id, line, quantity)
        self.decide_amendment(order_id, choice != 5, choice)
        if choice == 4:
            self.decide_amendment(order_id, True, choice + 1)

    @precondition(lambda self: bool(self.replacements))
    @rule(
        which=st.integers(min_value=0, max_value=5),
        moves=st.lists(
            st.tuples(st.integers(min_value=0, max_value=5), small), min_size=1, max_size=5
        ),
    )
    def replacement_moves(self, which: int, moves: list[tuple[int, int]]) -> None:
        """The usual path of a replacement order: shipped, delivered, billed, completed."""
        order_id = self.replacements[which % len(self.replacements)]
        for choice, part in moves:
            self.next_step(order_id, choice, part)

    def next_step(self, order_id: str, choice: int, part: int) -> None:  # noqa: PLR0912
        """The next step of the usual path from the order's status."""
        order = self.order(order_id)
        service = self.service
        status = order.status
        step: Callable[[], object]
        if status is Status.DRAFT:
            step = lambda: service.submit(order_id, actor="S-LI")  # noqa: E731
        elif status is Status.PENDING_APPROVAL:
            self.approve(order_id, choice)
            return
        elif status is Status.APPROVED:
            step = lambda: service.confirm(order_id, actor="S-LI")  # noqa: E731
        elif order.proposed is not None and status is Status.PARTIALLY_SHIPPED:
            self.decide_amendment(order_id, choice != 5, choice)
            return
        elif status in {Status.CONFIRMED, Status.PARTIALLY_SHIPPED, Status.SHIPPED}:
            line = order.lines[choice % len(order.lines)]
            ledger = order.ledger(line.line_id)
            if ledger.shipped > ledger.delivered and choice % 2:
                lines = {line.line_id: min(Decimal(part), ledger.shipped - ledger.delivered)}
                step = lambda: service.deliver(order_id, lines=lines, actor="W")  # noqa: E731
            elif ledger.shipped < line.quantity:
                lines = {line.line_id: min(Decimal(part), line.quantity - ledger.shipped)}
                step = lambda: service.ship(order_id, lines=lines, actor="W")  # noqa: E731
            else:
                self.deliver(order_id, line.line_id, part)
                return
        elif status is Status.DELIVERED and choice < 3:
            balance = lc.amount_due(order) - lc.net_paid(order)
            if lc.billable_quantities(order):
                step = lambda: service.invoice(order_id, actor="F")  # noqa: E731
            elif balance.amount > 0:
                step = lambda: service.record_payment(order_id, amount=balance, actor="F")  # noqa: E731
            else:
                step = lambda: service.complete(order_id, actor="F")  # noqa: E731
        elif status in {Status.DELIVERED, Status.COMPLETED, Status.CLOSED}:
            self.after_sales(order, choice, part)
            return
        else:
            step = lambda: service.resume(order_id, actor="F")  # noqa: E731
        self.attempt(order_id, step)

    def after_sales(self, order: Order, choice: int, part: int) -> None:
        """Push the after-sales of a delivered or archived order one step on."""
        approved = [r for r in order.returns if r.state is ReturnState.APPROVED]
        requested = [r for r in order.returns if r.state is ReturnState.REQUESTED]
        repairs = [r for r in order.returns if r.kind is ReturnKind.REPAIR and r.back is not None]
        if lc.repairs_with_seller(order):
            self.repair_step(order.id, "ship")
        elif repairs and repairs[-1].back is not None and choice % 2:
            self.repair_step(order.id, "deliver")
        elif approved:
            self.receive_return(order.id, choice % 2 == 0, choice == 5, other_goods=choice >= 3)
        elif requested:
            self.approve_return(order.id)
        else:
            kind = ("return", "exchange", "repair")[choice % 3]
            line = order.lines[choice % len(order.lines)].line_id
            self.request_return(order.id, kind, line, part)

    @rule(sku=st.sampled_from(["TEA-LJ-250", "CUP-CER-6"]), quantity=small)
    def goods_arrive(self, sku: str, quantity: int) -> None:
        self.arrivals += 1
        with self.unit_of_work() as uow:
            operation = f"arrival:{self.arrivals}"
            uow.stock.receive(sku, "SH-01", quantity=quantity, operation_id=operation, at=START)
            uow.stock.drain_events()
            uow.commit()

    def edit_draft(self, order_id: str, tea: int, cups: int) -> None:
        payload = tea_shop_payload(tea=tea, cups=cups)
        due = self.clock.now() + timedelta(days=12)
        payload["requested_delivery_date"] = due.date().isoformat()
        self.attempt(order_id, lambda: self.service.edit_draft(order_id, payload, actor="S-LI"))

    def plan_shipment(self, order_id: str, line: str, quantity: int) -> None:
        lines = {line: quantity}
        plan = self.service.plan_shipment
        self.attempt(order_id, lambda: plan(order_id, lines=lines, actor="W"))

    def shipment_step(self, order_id: str, step: str, state: ShipmentState) -> None:
        found = [s.shipment_id for s in self.order(order_id).shipments if s.state is state]
        shipment_id = found[-1] if found else "none"
        service = self.service
        calls: dict[str, Callable[[], object]] = {
            "ship": lambda: service.ship(order_id, shipment_id=shipment_id, actor="W"),
            "cancel": lambda: service.cancel_shipment(
                order_id, shipment_id=shipment_id, reason="x", actor="W"
            ),
            "void": lambda: service.void_shipment(
                order_id, shipment_id=shipment_id, reason="x", actor="W"
            ),
        }
        self.attempt(order_id, calls[step])

    def discard(self, order_id: str) -> None:
        self.attempt(order_id, lambda: self.service.discard(order_id, actor="S-LI"))

    @rule(days=st.integers(min_value=1, max_value=40))
    def time_passes(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))
        for result in self.service.expire_orders():
            assert self.order(result.order_id).status is Status.CANCELLED

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def ledgers_hold(self) -> None:
        for order_id in self.known:
            order = self.order(order_id)
            for line in order.lines:
                ledger = order.ledger(line.line_id)
                assert ledger.delivered <= ledger.shipped <= line.quantity
                assert ledger.returned <= ledger.delivered
                assert ledger.invoiced <= line.quantity
            # Only confirmed money counts: pending, failed and voided payments are not paid.
            paid = sum(
                (
                    p.amount.amount
                    for p in order.payments
                    if p.kind is PaymentKind.PAYMENT and p.counts
                ),
                Decimal(0),
            )
            refunded = sum(
                (p.amount.amount for p in order.payments if p.kind is PaymentKind.REFUND),
                Decimal(0),
            )
            assert refunded <= paid
            assert lc.net_paid(order).amount == paid - refunded

    @invariant()
    def shipments_agree_with_the_ledgers(self) -> None:
        for order_id in self.known:
            order = self.order(order_id)
            counted: dict[str, Decimal] = {}
            for shipment in order.shipments:
                if shipment.state in {ShipmentState.SHIPPED, ShipmentState.DELIVERED}:
                    for line_id, quantity in shipment.lines:
                        counted[line_id] = counted.get(line_id, Decimal(0)) + quantity
            for line in order.lines:
                ledger = order.ledger(line.line_id)
                assert counted.get(line.line_id, Decimal(0)) == ledger.shipped
                planned = lc.planned_quantities(order).get(line.line_id, Decimal(0))
                assert ledger.shipped + planned <= line.quantity

    @invariant()
    def statuses_agree(self) -> None:
        for order_id in self.known:
            order = self.order(order_id)
            fulfilment = lc.fulfilment_status(order)
            if order.status is Status.SHIPPED:
                assert fulfilment is lc.FulfilmentStatus.FULL
            if order.status is Status.PARTIALLY_SHIPPED:
                assert fulfilment is lc.FulfilmentStatus.PARTIAL
            if order.status is Status.DELIVERED:
                assert all(order.ledger(x.line_id).delivered >= x.quantity for x in order.lines)
            if order.status in {Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED}:
                assert fulfilment is lc.FulfilmentStatus.NONE
            billing_full = lc.billing_status(order) is lc.BillingStatus.FULL
            assert billing_full == (not lc.billable_quantities(order))

    @invariant()
    def an_amendment_waits_only_on_a_partly_shipped_order(self) -> None:
        for order_id in self.known:
            order = self.order(order_id)
            if order.proposed is None:
                continue
            assert order.status in {Status.PARTIALLY_SHIPPED, Status.ON_HOLD}
            assert order.proposed.number == order.revision + 1
            proposed = {line.line_id: line.quantity for line in order.proposed.lines}
            for ledger in order.ledgers:
                if ledger.shipped:
                    assert proposed.get(ledger.line_id, Decimal(0)) >= ledger.shipped

    @invariant()
    def exchanges_and_repairs_hold(self) -> None:
        for order_id in list(self.known):
            order = self.order(order_id)
            for record in order.returns:
                if record.back is not None:
                    assert record.kind is ReturnKind.REPAIR
                    assert record.state is ReturnState.RECEIVED
                    assert record.back.lines == record.lines
                if record.kind is not ReturnKind.EXCHANGE or record.state is not (
                    ReturnState.RECEIVED
                ):
                    assert record.replacement_order_id is None
                    continue
                assert record.replacement_order_id is not None
                replacement = self.order(record.replacement_order_id)
                assert replacement.order_type is OrderType.EXCHANGE
                assert replacement.customer == order.customer
                moved = lc.exchange_reference(replacement.id)
                out = [p.amount for p in order.payments if p.reference == moved]
                came = [p.amount for p in replacement.payments if p.reference == moved]
                assert out == came
                if replacement.grand_total is not None and not replacement.grand_total:
                    # like for like: the exchanged units, sent again at no price
                    sent = {line.line_id: line.quantity for line in replacement.lines}
                    assert sorted(sent.values()) == sorted(q for _, q in record.lines)

    @invariant()
    def the_confirmed_figures_are_kept(self) -> None:
        # Whenever the service prices an order it keeps the figures (its invoices slice
        # them): they add up to the grand total and are the line totals. A like-for-like
        # replacement is not priced (nothing to pay): it has none.
        for order_id in self.known:
            order = self.order(order_id)
            snapshot = order.price_snapshot
            if order.grand_total is not None and not order.grand_total and snapshot is None:
                assert order.order_type is OrderType.EXCHANGE
                continue
            assert snapshot is not None, order.status
            assert snapshot.grand_total() == order.grand_total
            assert snapshot.line_totals() == order.line_totals
            priced = {row[0] for row in snapshot.lines}
            assert priced == {line.line_id for line in order.lines}

    @invariant()
    def nothing_reserved_for_archived_orders(self) -> None:
        archived = [order_id for order_id in self.known if self.order(order_id).status in ARCHIVED]
        with self.unit_of_work() as uow:
            for order_id in archived:
                for reservation in uow.stock.reservations(order_id=order_id):
                    assert not reservation.is_open, f"{order_id} archived, still reserved"

    @invariant()
    def the_order_and_the_store_agree_on_what_is_held(self) -> None:
        views = {order_id: self.order(order_id) for order_id in self.known}
        with self.unit_of_work() as uow:
            for order_id, order in views.items():
                held: dict[str, Decimal] = {}
                for reservation in uow.stock.reservations(order_id=order_id):
                    if reservation.is_open:
                        for line in reservation.lines:
                            held[line.line_id] = held.get(line.line_id, Decimal(0)) + (
                                line.allocated + line.backordered
                            )
                ledgers = {
                    ledger.line_id: ledger.reserved + ledger.backordered
                    for ledger in order.ledgers
                    if ledger.reserved + ledger.backordered
                }
                assert {k: v for k, v in held.items() if v} == ledgers, order.status

    # -- the way out ----------------------------------------------------------------------

    def finish(self, order_id: str) -> None:
        """Drive an open order to an archived status with the obvious next commands."""
        service = self.service
        for _ in range(12):
            order = self.order(order_id)
            status = order.status
            for return_id in lc.repairs_with_seller(order):
                service.ship_repair(order_id, return_id=return_id, actor="W")
            if status in ARCHIVED:
                return
            if status is Status.ON_HOLD:
                service.resume(order_id, actor="F")
            elif not any(ledger.shipped for ledger in order.ledgers):
                service.cancel(order_id, reason="end", actor="S")
            elif status in {Status.PARTIALLY_SHIPPED, Status.SHIPPED}:
                service.close(order_id, reason="end", actor="S")
            elif status is Status.DELIVERED:
                if lc.billable_quantities(order):
                    service.invoice(order_id, actor="F")
                balance = lc.amount_due(order) - lc.net_paid(order)
                if balance.amount > 0:
                    service.record_payment(order_id, amount=balance, actor="F")
                elif balance.amount < 0:
                    service.record_refund(order_id, amount=-balance, actor="F")
                service.complete(order_id, actor="F")
            else:
                msg = f"no way out of {status} with shipped goods"
                raise AssertionError(msg)
        raise AssertionError(f"{order_id} not archived after 12 steps")

    def teardown(self) -> None:
        try:
            for order_id in self.known:  # replacements opened here are appended, and finished
                self.finish(order_id)
            self.nothing_reserved_for_archived_orders()
            self.exchanges_and_repairs_hold()
        finally:
            self.dispose()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def machine(request: pytest.FixtureRequest) -> type[WholeLife]:
    """The state machine on one backend (PostgreSQL skipped, with the reason, without a server)."""
    url = None
    if request.param != "memory":
        pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_database_url")
    attributes = {"backend": request.param, "url": url}
    return type(f"WholeLife_{request.param}", (WholeLife,), attributes)


def test_the_whole_life_stays_sound(machine: type[WholeLife]) -> None:
    examples = {"memory": 40, "sqlite": 15, "postgresql": 8}[machine.backend]
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
