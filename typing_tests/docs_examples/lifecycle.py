"""Generated from docs/lifecycle.md by scripts/extract_docs_examples.py: do not edit."""

from datetime import UTC, datetime
from decimal import Decimal

from salesorder import lifecycle as lc
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.events import RefundDue
from salesorder.records import ReturnKind, Status, StockDisposition
from salesorder.stockhook import carry_out
from salesorder.testing.lifecycle import FakeReport, FakeStock, flat_pricing

at = datetime(2026, 11, 23, 10, tzinfo=UTC)
order = Order(
    id="SO-1",
    customer=Customer("C-1", "某公司"),
    currency="CNY",
    lines=(
        OrderLine("1", "SKU-A", "Widget", Decimal(3), unit_price=Money("10.00", "CNY")),
        OrderLine("2", "SKU-B", "Gadget", Decimal(2), unit_price=Money("20.00", "CNY")),
    ),
)
stock = FakeStock({"SKU-A": Decimal(10), "SKU-B": Decimal(10)})
breakdown = flat_pricing(order, order_discount=Money(5, "CNY"))
policy = lc.ApprovalPolicy(amount_levels=((Money(50, "CNY"), "finance"),))

submitted = lc.submit(order, actor="sales-1", at=at, report=FakeReport(), breakdown=breakdown,
                      approval_policy=policy)
assert submitted.target is Status.PENDING_APPROVAL    # the status the order is now in
lc.approve(order, level="finance", actor="cfo", at=at)
# The host reserves first, then confirms with what the reservation left on backorder.
outcome = stock.reserve(order, lines={"1": Decimal(3), "2": Decimal(2)},
                        allow_backorder=False, operation_id="SO-1:confirm")
lc.confirm(order, actor="sales-1", at=at, backordered=outcome.backordered)
# A command that moves goods returns its stock requests; the host carries them out.
result = lc.ship(order, lines={"1": Decimal(3)}, actor="wh", at=at,
                 carrier="SF", tracking_number="SF1234567890")
assert [request.action for request in result.stock] == [lc.StockAction.COMMIT]
for request in result.stock:
    carry_out(request, stock, order=order)
assert stock.reserved[("SO-1", "1")] == 0
assert result.target is Status.PARTIALLY_SHIPPED
assert lc.fulfilment_status(order) is lc.FulfilmentStatus.PARTIAL

for request in lc.ship(order, lines={"2": Decimal(2)}, actor="wh", at=at).stock:
    carry_out(request, stock, order=order)
delivered = lc.deliver(order, lines={"1": Decimal(3), "2": Decimal(2)}, actor="courier", at=at,
                       proof="POD-1")
assert delivered.target is Status.DELIVERED

due = lc.amount_due(order)
lc.invoice(order, kind="vat_special", amount=due, lines={"1": Decimal(3), "2": Decimal(2)},
           actor="finance", at=at)
lc.record_payment(order, amount=Money(30, "CNY"), actor="finance", at=at, idempotency_key="pay-1")
assert lc.payment_status(order) is lc.PaymentStatus.PARTIALLY_PAID

lc.request_return(order, kind=ReturnKind.RETURN, lines={"1": Decimal(1)}, reason="damaged",
                  actor="cs", at=at, return_id="R-1")
lc.approve_return(order, return_id="R-1", actor="cs", at=at)
result = lc.receive_return(order, return_id="R-1", disposition=StockDisposition.RESTOCK,
                           actor="wh", at=at, breakdown=breakdown)
for request in result.stock:
    carry_out(request, stock, order=order)
assert stock.available["SKU-A"] == Decimal(8)   # 10 - 3 shipped + 1 back
assert [event.name for event in result.events] == ["ReturnReceived", "RefundDue"]
refund = result.events[1]
assert isinstance(refund, RefundDue)
assert refund.amount == Money("9.29", "CNY")   # 27.86 for 3 units: 9.29 + 9.29 + 9.28

from datetime import timedelta

pay_first = lc.LifecyclePolicy(
    ship_only_after_payment=True, expire_unpaid_after=timedelta(hours=24)
)
assert lc.expiry_due(order, pay_first) is None   # not confirmed-and-unpaid: never

relaxed = lc.ApprovalPolicy(amendments_without_approval={lc.AmendmentKind.DELIVERY_DATE})
assert relaxed.amendment_requirements([lc.AmendmentKind.DELIVERY_DATE]) == ()
assert relaxed.amendment_requirements(
    [lc.AmendmentKind.DELIVERY_DATE, lc.AmendmentKind.QUANTITY]
) == (("sales_manager", ("approval.amendment",)),)

again = lc.record_payment(order, amount=Money(30, "CNY"), actor="finance", at=at,
                          idempotency_key="pay-1")
assert lc.net_paid(order) == Money(30, "CNY")          # no second payment
assert lc.replay(order.audit) is order.status

from datetime import timedelta, timezone

from salesorder.sla import DEFAULT_DEADLINES, WeekendCalendar, add_working_hours, overdue

beijing = timezone(timedelta(hours=8))
calendar = WeekendCalendar(timezone=beijing)
friday_4pm = datetime(2026, 11, 20, 16, tzinfo=beijing)
assert add_working_hours(friday_4pm, 4, calendar=calendar) == datetime(2026, 11, 23, 11, tzinfo=beijing)

late = Order(id="SO-2", customer=Customer("C-2", "x"), currency="CNY", lines=order.lines)
lc.submit(late, actor="s", at=friday_4pm, report=FakeReport(), breakdown=breakdown, approval_policy=policy)
breaches = overdue(late, friday_4pm + timedelta(days=3), calendar=calendar, deadlines=DEFAULT_DEADLINES)
assert [b.deadline for b in breaches] == ["review"]
