"""Stateful property test: random sequences of every lifecycle event keep every invariant.

After each step: a refused command raised a coded SalesOrderError and changed nothing;
per line shipped <= ordered, delivered <= shipped, returned <= delivered; derived
statuses agree with the quantities; the audit trail replays to the current status; a
repeated idempotency key has no second effect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from salesorder import lifecycle as lc
from salesorder.errors import IllegalTransition, SalesOrderError
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import ReturnKind, ReturnState, Status, StockDisposition
from salesorder.stockhook import run_with_stock
from salesorder.testing.lifecycle import FakeIssue, FakeReport, FakeStock, flat_pricing

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LINE_IDS = ("1", "2", "3", "9")  # "9" never exists
LEVELS = ("finance", "sales_manager", "director")
ACTORS = ("ann", "bob", "cho")

quantities = st.integers(min_value=1, max_value=4).map(Decimal) | st.sampled_from(
    [Decimal("0.5"), Decimal("1.25")]
)
keys = st.none() | st.sampled_from(["k1", "k2", "k3", "k4"])
amounts = st.integers(min_value=1, max_value=20000).map(lambda c: Money(Decimal(c) / 100, "CNY"))


def snapshot(order: Order) -> tuple[Any, ...]:
    return tuple(getattr(order, field.name) for field in attrs.fields(Order))


class LifecycleMachine(RuleBasedStateMachine):
    """Drives one order through random commands."""

    def __init__(self) -> None:
        super().__init__()
        self.order: Order
        self.stock: FakeStock
        self.clock = START
        self.applied = 0
        self.breakdown: Any = None

    @initialize(
        lines=st.lists(quantities, min_size=1, max_size=3),
        available=st.integers(min_value=0, max_value=8),
        is_new=st.booleans(),
    )
    def create(self, lines: list[Decimal], available: int, is_new: bool) -> None:
        self.order = Order(
            id="SO-P",
            customer=Customer("C", "客户", is_new=is_new),
            currency="CNY",
            lines=tuple(
                OrderLine(str(i + 1), f"SKU-{i % 2}", "item", q, unit_price=Money("9.99", "CNY"))
                for i, q in enumerate(lines)
            ),
        )
        self.stock = FakeStock({"SKU-0": Decimal(available), "SKU-1": Decimal(available)})

    # -- the harness ----------------------------------------------------------------------------

    def run(self, call: Callable[[str | None], lc.TransitionResult], key: str | None) -> None:
        self.clock += timedelta(minutes=7)
        before = snapshot(self.order)
        stock_before = (dict(self.stock.available), dict(self.stock.reserved))
        known = {k: result for k, _, result, *_ in self.order.idempotency}
        status_before = self.order.status
        refusal: SalesOrderError | None = None
        try:
            result = call(key)
        except SalesOrderError as error:
            refusal = error
        if refusal is not None:
            assert refusal.code, "every refusal carries a code"
            if isinstance(refusal, IllegalTransition):
                assert refusal.state == status_before.value
            assert snapshot(self.order) == before, f"refused {refusal.code} changed the order"
            assert (self.stock.available, self.stock.reserved) == stock_before
            return
        if key is not None and key in known:
            assert result is known[key]
            assert snapshot(self.order) == before
            assert (self.stock.available, self.stock.reserved) == stock_before
            return
        self.applied += 1
        event(f"reached {self.order.status.value}")
        event(f"did {result.event}")
        assert result.target is self.order.status
        assert result.events, "every transition emits an event"
        assert all(event.name[0].isupper() for event in result.events)

    # -- rules: one per event -------------------------------------------------------------------

    @rule(
        threshold=st.none() | st.integers(min_value=1, max_value=60),
        issue=st.booleans(),
        discount=st.integers(min_value=0, max_value=300),
        key=keys,
    )
    def submit(self, threshold: int | None, issue: bool, discount: int, key: str | None) -> None:
        amount_levels = () if threshold is None else ((Money(threshold, "CNY"), "finance"),)
        policy = lc.ApprovalPolicy(amount_levels=amount_levels)
        report = FakeReport((FakeIssue("credit.limit_exceeded"),) if issue else ())
        breakdown = flat_pricing(self.order, order_discount=Money(Decimal(discount) / 100, "CNY"))

        def call(k: str | None) -> lc.TransitionResult:
            result = lc.submit(
                self.order,
                actor="sales",
                at=self.clock,
                report=report,
                breakdown=breakdown,
                approval_policy=policy,
                idempotency_key=k,
            )
            if k is None or result.event == "submit":
                self.breakdown = self.breakdown if result.source is not Status.DRAFT else breakdown
            return result

        self.run(call, key)

    @rule(level=st.sampled_from(LEVELS), actor=st.sampled_from(ACTORS), key=keys)
    def approve(self, level: str, actor: str, key: str | None) -> None:
        self.run(
            lambda k: lc.approve(
                self.order, level=level, actor=actor, at=self.clock, idempotency_key=k
            ),
            key,
        )

    @rule(
        reasons=st.lists(st.sampled_from(["price", "credit", ""]), min_size=1, max_size=2), key=keys
    )
    def reject(self, reasons: list[str], key: str | None) -> None:
        self.run(
            lambda k: lc.reject(
                self.order, reasons=reasons, actor="boss", at=self.clock, idempotency_key=k
            ),
            key,
        )

    @rule(backorder=st.booleans(), key=keys)
    def confirm(self, backorder: bool, key: str | None) -> None:
        policy = lc.LifecyclePolicy(allow_backorder=backorder)
        self.run(
            lambda k: run_with_stock(
                self.order,
                lambda target, backordered: lc.confirm(
                    target,
                    actor="s",
                    at=self.clock,
                    lifecycle_policy=policy,
                    idempotency_key=k,
                    backordered=backordered,
                ),
                self.stock,
                reserves=True,
            ),
            key,
        )

    @rule(
        lines=st.dictionaries(st.sampled_from(LINE_IDS), quantities, max_size=3),
        after_payment=st.booleans(),
        key=keys,
    )
    def ship(self, lines: dict[str, Decimal], after_payment: bool, key: str | None) -> None:
        policy = lc.LifecyclePolicy(ship_only_after_payment=after_payment)
        self.run(
            lambda k: run_with_stock(
                self.order,
                lambda target, _backordered: lc.ship(
                    target,
                    lines=lines,
                    actor="wh",
                    at=self.clock,
                    carrier="SF",
                    tracking_number="T",
                    lifecycle_policy=policy,
                    idempotency_key=k,
                ),
                self.stock,
            ),
            key,
        )

    @rule(lines=st.dictionaries(st.sampled_from(LINE_IDS), quantities, max_size=3), key=keys)
    def deliver(self, lines: dict[str, Decimal], key: str | None) -> None:
        self.run(
            lambda k: lc.deliver(
                self.order, lines=lines, actor="d", at=self.clock, idempotency_key=k
            ),
            key,
        )

    @rule(key=keys)
    def deliver_everything_shipped(self, key: str | None) -> None:
        lines = {
            x.line_id: x.shipped - x.delivered
            for x in self.order.ledgers
            if x.shipped > x.delivered
        }
        self.run(
            lambda k: lc.deliver(
                self.order, lines=lines, actor="d", at=self.clock, idempotency_key=k
            ),
            key,
        )

    @rule(key=keys)
    def ship_everything_left(self, key: str | None) -> None:
        lines = {
            line.line_id: line.quantity - self.order.ledger(line.line_id).shipped
            for line in self.order.lines
            if line.quantity > self.order.ledger(line.line_id).shipped
        }
        self.run(
            lambda k: run_with_stock(
                self.order,
                lambda target, _backordered: lc.ship(
                    target, lines=lines, actor="wh", at=self.clock, idempotency_key=k
                ),
                self.stock,
            ),
            key,
        )

    @rule(
        lines=st.none() | st.dictionaries(st.sampled_from(LINE_IDS), quantities, max_size=3),
        kind=st.sampled_from(["general", "vat_special", "none"]),
        amount=amounts,
        key=keys,
    )
    def invoice(
        self, lines: dict[str, Decimal] | None, kind: str, amount: Money, key: str | None
    ) -> None:
        self.run(
            lambda k: lc.invoice(
                self.order,
                kind=kind,
                amount=amount,
                lines=lines,
                actor="f",
                at=self.clock,
                idempotency_key=k,
            ),
            key,
        )

    @rule(key=keys)
    def invoice_the_rest(self, key: str | None) -> None:
        lines = {}
        for line in self.order.lines:
            ledger = self.order.ledger(line.line_id)
            rest = line.quantity - ledger.returned - ledger.invoiced
            if rest > 0:
                lines[line.line_id] = rest
        self.run(
            lambda k: lc.invoice(
                self.order,
                kind="general",
                amount=Money(1, "CNY"),
                lines=lines,
                actor="f",
                at=self.clock,
                idempotency_key=k,
            ),
            key,
        )

    @rule(amount=amounts, key=keys)
    def record_payment(self, amount: Money, key: str | None) -> None:
        self.run(
            lambda k: lc.record_payment(
                self.order, amount=amount, actor="f", at=self.clock, idempotency_key=k
            ),
            key,
        )

    @rule(key=keys)
    def settle_balance(self, key: str | None) -> None:
        balance = lc.amount_due(self.order) - lc.net_paid(self.order)
        if balance.amount > 0:
            call = lambda k: lc.record_payment(  # noqa: E731
                self.order, amount=balance, actor="f", at=self.clock, idempotency_key=k
            )
        else:
            call = lambda k: lc.record_refund(  # noqa: E731
                self.order, amount=-balance, actor="f", at=self.clock, idempotency_key=k
            )
        self.run(call, key)

    @rule(amount=amounts, key=keys)
    def record_refund(self, amount: Money, key: str | None) -> None:
        self.run(
            lambda k: lc.record_refund(
                self.order, amount=amount, actor="f", at=self.clock, idempotency_key=k
            ),
            key,
        )

    @rule(key=keys)
    def complete(self, key: str | None) -> None:
        self.run(
            lambda k: lc.complete(self.order, actor="f", at=self.clock, idempotency_key=k), key
        )

    # Mostly refused (no reason), so that most runs live long enough to ship and return.
    @rule(reason=st.sampled_from(["customer_request", *[""] * 9]), key=keys)
    def cancel(self, reason: str, key: str | None) -> None:
        self.run(
            lambda k: run_with_stock(
                self.order,
                lambda target, _backordered: lc.cancel(
                    target, reason=reason, actor="u", at=self.clock, idempotency_key=k
                ),
                self.stock,
            ),
            key,
        )

    @rule(reason=st.sampled_from(["partial_ok", *[""] * 4]), key=keys)
    def close(self, reason: str, key: str | None) -> None:
        self.run(
            lambda k: run_with_stock(
                self.order,
                lambda target, _backordered: lc.close(
                    target, reason=reason, actor="u", at=self.clock, idempotency_key=k
                ),
                self.stock,
            ),
            key,
        )

    @rule(key=keys)
    def hold(self, key: str | None) -> None:
        self.run(
            lambda k: lc.hold(
                self.order, actor="u", at=self.clock, reason="check", idempotency_key=k
            ),
            key,
        )

    @rule(key=keys)
    def resume(self, key: str | None) -> None:
        self.run(lambda k: lc.resume(self.order, actor="u", at=self.clock, idempotency_key=k), key)

    @rule(
        change=st.one_of(
            st.builds(lc.ChangeQuantity, st.sampled_from(LINE_IDS), quantities),
            st.builds(lc.RemoveLine, st.sampled_from(LINE_IDS)),
            st.builds(lambda q: lc.AddLine(OrderLine("3", "SKU-1", "added", q)), quantities),
            st.builds(lc.ChangePrice, st.sampled_from(LINE_IDS), st.none() | amounts),
            st.builds(lc.ChangeDeliveryDate, st.none() | st.just(START.date())),
        ),
        threshold=st.none() | st.integers(min_value=1, max_value=60),
        key=keys,
    )
    def amend(self, change: Any, threshold: int | None, key: str | None) -> None:
        amount_levels = () if threshold is None else ((Money(threshold, "CNY"), "finance"),)
        policy = lc.ApprovalPolicy(amount_levels=amount_levels, new_customer_level=None)

        def call(k: str | None) -> lc.TransitionResult:
            result = run_with_stock(
                self.order,
                lambda target, backordered: lc.amend(
                    target,
                    [change],
                    pricing=flat_pricing,
                    approval_policy=policy,
                    actor="s",
                    at=self.clock,
                    idempotency_key=k,
                    backordered=backordered,
                ),
                self.stock,
                reserves=True,
            )
            self.breakdown = flat_pricing(self.order)
            return result

        self.run(call, key)

    @rule(
        kind=st.sampled_from(list(ReturnKind)),
        lines=st.dictionaries(st.sampled_from(LINE_IDS), quantities, max_size=2),
        key=keys,
    )
    def request_return(self, kind: ReturnKind, lines: dict[str, Decimal], key: str | None) -> None:
        rid = f"R{len(self.order.returns)}"
        self.run(
            lambda k: lc.request_return(
                self.order,
                kind=kind,
                lines=lines,
                reason="damaged",
                actor="cs",
                at=self.clock,
                return_id=rid,
                idempotency_key=k,
            ),
            key,
        )

    @rule(index=st.integers(min_value=0, max_value=3), key=keys)
    def approve_return(self, index: int, key: str | None) -> None:
        self.run(
            lambda k: lc.approve_return(
                self.order, return_id=f"R{index}", actor="cs", at=self.clock, idempotency_key=k
            ),
            key,
        )

    @rule(
        index=st.integers(min_value=0, max_value=3),
        disposition=st.sampled_from(list(StockDisposition)),
        key=keys,
    )
    def receive_return(self, index: int, disposition: StockDisposition, key: str | None) -> None:
        self.run(
            lambda k: run_with_stock(
                self.order,
                lambda target, _backordered: lc.receive_return(
                    target,
                    return_id=f"R{index}",
                    disposition=disposition,
                    actor="wh",
                    at=self.clock,
                    breakdown=self.breakdown,
                    idempotency_key=k,
                ),
                self.stock,
            ),
            key,
        )

    @rule(kind=st.sampled_from(list(ReturnKind)), key=keys)
    def return_something_delivered(self, kind: ReturnKind, key: str | None) -> None:
        order = self.order
        pending: dict[str, Decimal] = {}
        for record in order.returns:
            if record.state is not ReturnState.RECEIVED:
                for line_id, quantity in record.lines:
                    pending[line_id] = pending.get(line_id, Decimal(0)) + quantity
        for ledger in order.ledgers:
            left = ledger.delivered - ledger.returned - pending.get(ledger.line_id, Decimal(0))
            if left > 0:
                self.request_return(
                    kind=kind, lines={ledger.line_id: min(left, Decimal(1))}, key=key
                )
                return

    @rule(key=keys)
    def approve_latest_return(self, key: str | None) -> None:
        self.approve_return(index=max(len(self.order.returns) - 1, 0), key=key)

    @rule(disposition=st.sampled_from(list(StockDisposition)), key=keys)
    def receive_latest_return(self, disposition: StockDisposition, key: str | None) -> None:
        self.receive_return(
            index=max(len(self.order.returns) - 1, 0), disposition=disposition, key=key
        )

    # -- progress: the natural next step, so random runs reach the later states ----------------

    def advance(self, key: str | None) -> None:
        order, status = self.order, self.order.status
        open_returns = [r for r in order.returns if r.state is not ReturnState.RECEIVED]
        if open_returns and status not in lc.ARCHIVED and status is not Status.ON_HOLD:
            index = order.returns.index(open_returns[0])
            if open_returns[0].state is ReturnState.REQUESTED:
                self.approve_return(index=index, key=key)
            else:
                self.receive_return(index=index, disposition=StockDisposition.RESTOCK, key=key)
        elif status is Status.DRAFT:
            self.submit(threshold=None, issue=False, discount=0, key=key)
        elif status is Status.PENDING_APPROVAL:
            signed = {a.level for a in order.approvals if a.round == order.approval_round}
            level = next(level for level, _ in order.required_approvals if level not in signed)
            self.approve(level=level, actor=f"boss-{level}", key=key)
        elif status is Status.APPROVED:
            self.confirm(backorder=True, key=key)
        elif status in (Status.CONFIRMED, Status.PARTIALLY_SHIPPED):
            line = next(x for x in order.lines if order.ledger(x.line_id).shipped < x.quantity)
            left = line.quantity - order.ledger(line.line_id).shipped
            self.ship(lines={line.line_id: left}, after_payment=False, key=key)
        elif status is Status.SHIPPED:
            self.deliver_everything_shipped(key=key)
        elif status is Status.DELIVERED:
            if lc.billing_status(order) is not lc.BillingStatus.FULL:
                self.invoice_the_rest(key=key)
            else:
                # Completing is left to the random `complete` rule: runs live longer.
                self.settle_balance(key=key)
        elif status is Status.ON_HOLD:
            self.resume(key=key)

    @rule(key=keys)
    def advance_once(self, key: str | None) -> None:
        self.advance(key)

    @rule()
    def advance_twice(self) -> None:
        self.advance(None)
        self.advance(None)

    @rule()
    def advance_again(self) -> None:
        self.advance(None)

    @rule()
    def advance_more(self) -> None:
        self.advance(None)

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def quantities_stay_in_bounds(self) -> None:
        for line in self.order.lines:
            ledger = self.order.ledger(line.line_id)
            assert Decimal(0) <= ledger.shipped <= line.quantity
            assert ledger.delivered <= ledger.shipped
            assert ledger.returned <= ledger.delivered
            assert ledger.invoiced <= line.quantity - ledger.returned or ledger.returned
            assert ledger.reserved >= 0
            assert ledger.backordered >= 0
            assert ledger.reserved + ledger.backordered + ledger.shipped <= line.quantity
        assert all(
            x.line_id in {line.line_id for line in self.order.lines} for x in self.order.ledgers
        )
        assert min(self.stock.available.values(), default=Decimal(0)) >= 0

    @invariant()
    def ledgers_agree_with_the_stock_hook(self) -> None:
        for (_, line_id), reserved in self.stock.reserved.items():
            assert self.order.ledger(line_id).reserved == reserved, line_id

    @invariant()
    def derived_statuses_agree_with_quantities(self) -> None:
        order = self.order
        shipped = [order.ledger(line.line_id).shipped for line in order.lines]
        full = all(order.ledger(x.line_id).shipped == x.quantity for x in order.lines)
        expected = "none" if not any(shipped) else "full" if full else "partial"
        assert lc.fulfilment_status(order).value == expected
        if order.status is Status.SHIPPED:
            assert full
        if order.status in (
            Status.DRAFT,
            Status.PENDING_APPROVAL,
            Status.APPROVED,
            Status.CONFIRMED,
        ):
            assert not any(shipped)
        if order.status is Status.PARTIALLY_SHIPPED:
            assert expected == "partial"
        if order.status is Status.DELIVERED:
            assert all(order.ledger(x.line_id).delivered == x.quantity for x in order.lines)
        paid = sum((p.amount.amount for p in order.payments if p.kind == "payment"), Decimal(0))
        refunded = sum((p.amount.amount for p in order.payments if p.kind == "refund"), Decimal(0))
        due = lc.amount_due(order).amount
        status = lc.payment_status(order).value
        if not paid:
            assert status == "unpaid"
        elif refunded and paid == refunded:
            assert status == "refunded"
        else:
            net = paid - refunded
            assert status == (
                "partially_paid" if net < due else "paid" if net == due else "overpaid"
            )
        invoiced = [order.ledger(x.line_id).invoiced for x in order.lines]
        billing = lc.billing_status(order).value
        if not lc.billable_quantities(order):  # all invoiced, or all returned
            assert billing == "full"
        else:
            assert (billing == "none") == (not any(invoiced))

    @invariant()
    def audit_replays_to_the_current_status(self) -> None:
        if not hasattr(self, "order"):
            return
        assert lc.replay(self.order.audit) is self.order.status
        assert len(self.order.audit) == self.applied
        assert (self.order.status is Status.ON_HOLD) == (self.order.held_from is not None)
        assert all(entry.revision <= self.order.revision for entry in self.order.audit)

    @invariant()
    def returns_are_consistent(self) -> None:
        for record in self.order.returns:
            assert (record.refund is not None) == (record.state is ReturnState.RECEIVED)
            if record.kind is not ReturnKind.RETURN and record.refund is not None:
                assert not record.refund


TestLifecycleStateful = LifecycleMachine.TestCase
# Longer runs than the default reach returns and closing; the example count stays the profile's.
TestLifecycleStateful.settings = settings(settings.default, stateful_step_count=80)
