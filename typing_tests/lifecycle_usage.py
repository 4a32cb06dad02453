"""Type-checked from the user's side: driving an order through the lifecycle."""

from datetime import UTC, datetime
from decimal import Decimal

from salesorder import ApprovalPolicy, Customer, Money, Order, OrderLine, Status
from salesorder import lifecycle as lc
from salesorder.sla import WeekendCalendar, overdue
from salesorder.stockhook import run_with_stock
from salesorder.testing.lifecycle import FakeReport, FakeStock, flat_pricing

at = datetime(2026, 11, 23, 10, tzinfo=UTC)
order = Order(
    id="SO-1",
    customer=Customer("C-1", "name"),
    currency="CNY",
    lines=(OrderLine("1", "SKU", "Widget", Decimal(1), unit_price=Money(5, "CNY")),),
)
stock = FakeStock({"SKU": Decimal(5)})
result: lc.TransitionResult = lc.submit(
    order,
    actor="u",
    at=at,
    report=FakeReport(),
    breakdown=flat_pricing(order),
    approval_policy=ApprovalPolicy(),
)
target: Status = result.target
run_with_stock(
    order,
    lambda target, backordered: lc.confirm(target, actor="u", at=at, backordered=backordered),
    stock,
    reserves=True,
)
shipped = run_with_stock(
    order,
    lambda target, _backordered: lc.ship(target, lines={"1": Decimal(1)}, actor="u", at=at),
    stock,
)
status: lc.PaymentStatus = lc.payment_status(order)
late = overdue(order, at, calendar=WeekendCalendar())
