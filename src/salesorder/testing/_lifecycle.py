"""Hypothesis strategy for orders somewhere along their lifecycle (re-exported by strategies).

Invariant: every generated order got where it is through the lifecycle's own commands,
so its ledgers, audit trail and derived statuses are consistent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import assume
from hypothesis import strategies as st

from salesorder import lifecycle as lc
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import Status
from salesorder.testing.lifecycle import FakeReport, flat_pricing

__all__ = ["orders_in_lifecycle"]

_START = datetime(2026, 1, 5, 9, tzinfo=UTC)
_PATH = ("submit", "confirm", "ship", "deliver", "settle", "complete")


def _advance(order: Order, step: str, at: datetime, *, keep_prices: bool) -> None:
    everything = {line.line_id: line.quantity for line in order.lines}
    if step == "submit":
        breakdown = flat_pricing(order)
        lc.submit(
            order,
            actor="sales",
            at=at,
            report=FakeReport(),
            breakdown=breakdown,
            approval_policy=lc.ApprovalPolicy(new_customer_level=None),
        )
        if keep_prices:
            # What the service does; orders stored before snapshots were kept have none.
            order.price_snapshot = breakdown.snapshot()
            order.line_totals = order.price_snapshot.line_totals()
    elif step == "confirm":
        lc.confirm(order, actor="sales", at=at)
    elif step == "ship":
        lc.ship(order, lines=everything, actor="warehouse", at=at)
    elif step == "deliver":
        lc.deliver(order, lines=everything, actor="courier", at=at)
    elif step == "settle":
        due = lc.amount_due(order)
        lc.invoice(order, kind="general", amount=due, lines=everything, actor="finance", at=at)
        lc.record_payment(order, amount=due, actor="finance", at=at)
    else:
        lc.complete(order, actor="finance", at=at)


@st.composite
def orders_in_lifecycle(draw: st.DrawFn, *, statuses: tuple[Status, ...] | None = None) -> Order:
    """Orders driven by the lifecycle's commands to a random point of the happy path.

    Args:
        draw: Supplied by Hypothesis.
        statuses: Only orders ending in one of these (default: any of draft, approved,
            confirmed, shipped, delivered, completed, or cancelled).

    Returns:
        A strategy of orders whose audit trail, ledgers and payments are consistent.
    """
    quantities = draw(
        st.lists(st.integers(min_value=1, max_value=20).map(Decimal), min_size=1, max_size=4)
    )
    cents = draw(st.integers(min_value=1, max_value=100_000))
    number = draw(st.integers(min_value=1, max_value=999_999))
    order = Order(
        id=f"SO-{number:06d}",
        customer=Customer(f"C-{number % 97}", "客户甲"),
        currency="CNY",
        lines=tuple(
            OrderLine(
                str(i + 1), f"SKU-{i}", "item", q, unit_price=Money(Decimal(cents) / 100, "CNY")
            )
            for i, q in enumerate(quantities)
        ),
    )
    steps = draw(st.integers(min_value=0, max_value=len(_PATH)))
    at = _START + timedelta(minutes=draw(st.integers(min_value=0, max_value=525_600)))
    keep_prices = draw(st.booleans())
    for step in _PATH[:steps]:
        at += timedelta(hours=1)
        _advance(order, step, at, keep_prices=keep_prices)
    if order.status in (Status.DRAFT, Status.APPROVED) and draw(st.booleans()):
        lc.cancel(order, reason="customer_request", actor="sales", at=at)
    if statuses is not None:
        assume(order.status in statuses)
    return order
