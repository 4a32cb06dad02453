"""Generated from docs/service.md by scripts/extract_docs_examples.py: do not edit."""

from datetime import date, datetime, timedelta, timezone

from salesorder import Money, OrderService, PriceList, RoundingMode, RoundingPolicy, TaxPolicy
from salesorder.adapters.memory import (
    FixedClock,
    FixedCreditControl,
    MemoryDatabase,
    PatternNumbering,
)
from salesorder.inventory import FixedPriority
from salesorder.lifecycle import ApprovalPolicy, LifecyclePolicy, Status
from salesorder.notifications import NotificationRouting, RecordingNotifier
from salesorder.ports import CreditLimit
from salesorder.pricing import (
    Charge,
    ChargeKind,
    Coupon,
    OrderPercentOff,
    PriceEntry,
    Promotion,
    StackingPolicy,
)
from salesorder.settings import PolicySettings, PricingSettings, SlaSettings
from salesorder.sla import Deadline, WeekendCalendar
from salesorder.validation import CreditPolicy, StockPolicy, default_rules


def cny(amount):
    return Money(amount, "CNY")


CST = timezone(timedelta(hours=8))
clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=CST))
database = MemoryDatabase()
pricing = PricingSettings(
    price_list=PriceList("CNY", (PriceEntry("TEA-1", cny("128.00")),)),
    promotions=(Promotion("WINTER", "Winter 5% off", OrderPercentOff(5)),),
    coupon_book=(Coupon("WELCOME10", Promotion("WELCOME", "10% off", OrderPercentOff(10))),),
    tax=TaxPolicy.china_vat(prices_include_tax=True),
    rounding=RoundingPolicy(mode=RoundingMode.HALF_EVEN),
    charges=(Charge(ChargeKind.SHIPPING, cny("12.00")),),
    stacking=StackingPolicy(max_discount_percent=15),
)
policies = PolicySettings(
    rules=default_rules().disable("new_customer.phone.missing"),
    credit_policy=CreditPolicy.REJECT,
    stock_policy=StockPolicy.REJECT,
    approval_policy=ApprovalPolicy(amount_levels=((cny(5000), "finance"),)),
    lifecycle_policy=LifecyclePolicy(allow_backorder=True, ship_only_after_payment=True),
    allocation=FixedPriority(locations=("SH-01", "GZ-02")),
)
service_levels = SlaSettings(
    calendar=WeekendCalendar(holidays=frozenset({date(2027, 1, 1)})),
    deadlines=(Deadline(name="review", status=Status.PENDING_APPROVAL, working_hours=2),),
)
service = OrderService(
    unit_of_work=database.unit_of_work,
    clock=clock,
    numbering=PatternNumbering(),
    pricing_settings=pricing,
    policy_settings=policies,
    sla_settings=service_levels,
    credit=FixedCreditControl({"C-1": CreditLimit(limit=cny(50000), exposure=cny(0))}),
    notifier=RecordingNotifier(),
    routing=NotificationRouting.from_mapping({"OrderConfirmed": ["warehouse"]}),
    quote_numbering=PatternNumbering(prefix="QT"),
)
print(service.policy_settings.lifecycle_policy.allow_backorder)   # True

import attrs

from salesorder.errors import CurrencyMismatch
from salesorder.settings import InvalidSettings

strict = attrs.evolve(policies, credit_policy=CreditPolicy.REQUIRE_APPROVAL)
print(strict.credit_policy.value)                   # require_approval

try:
    PolicySettings(approval_policy=LifecyclePolicy())  # type: ignore[arg-type]  # mixed up
except InvalidSettings as error:
    print(error.code, error.setting)                # settings.invalid approval_policy

try:
    attrs.evolve(pricing, charges=(Charge(ChargeKind.SHIPPING, Money("2.00", "USD")),))
except CurrencyMismatch as error:
    print(error.code)                               # money.currency_mismatch

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from salesorder import Money, OrderService, PriceEntry, PriceList
from salesorder.adapters.memory import (
    FixedClock,
    FixedCreditControl,
    MemoryDatabase,
    PatternNumbering,
)
from salesorder.errors import ValidationFailed
from salesorder.inventory import FixedPriority, NearestFirst
from salesorder.lifecycle import ApprovalPolicy, Status
from salesorder.ports import CreditLimit
from salesorder.pricing import Coupon, OrderPercentOff, Promotion
from salesorder.settings import PolicySettings, PricingSettings
from salesorder.validation import CreditPolicy

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
TEA = PriceList("CNY", (PriceEntry("TEA-1", Money("100.00", "CNY")),))


def service_with(pricing=None, policies=None, credit=None):
    database = MemoryDatabase()
    for location in ("BJ-01", "SH-01"):
        database.stock.receive("TEA-1", location, quantity=50, operation_id=location, at=NOW)
    service = OrderService(
        unit_of_work=database.unit_of_work,
        clock=FixedClock(NOW),
        numbering=PatternNumbering(),
        pricing_settings=pricing or PricingSettings(price_list=TEA),
        policy_settings=policies,
        credit=credit,
    )
    return service, database


def tea(quantity):
    return {
        "customer": {"id": "C-1", "name": "Example Ltd", "tier": "regular"},
        "currency": "CNY",
        "lines": [{"line_id": "1", "sku": "TEA-1", "name": "Tea", "quantity": str(quantity)}],
    }

pricing = PricingSettings(
    price_list=TEA,
    promotions=(Promotion("WINTER", "Winter 5% off", OrderPercentOff(5)),),
    coupon_book=(Coupon("WELCOME10", Promotion("WELCOME", "10% off", OrderPercentOff(10))),),
)
service, _ = service_with(pricing=pricing)
order = service.enter(tea(10), actor="sales-1")
print(service.price_order(order).grand_total)                         # 1073.50 CNY
print(service.price_order(order, coupons=["WELCOME10"]).grand_total)  # 966.15 CNY

def served_from(policies):
    service, database = service_with(policies=policies)
    order = service.enter(tea(60), actor="sales-1")
    service.submit(order.id, actor="sales-1")             # approved: nobody must sign
    service.confirm(order.id, actor="sales-1")
    (reservation,) = database.stock.reservations(order_id=order.id)
    return [(a.location, a.quantity) for a in reservation.allocations]


print(served_from(PolicySettings()))       # [('BJ-01', Decimal('50')), ('SH-01', Decimal('10'))]
print(served_from(PolicySettings(allocation=FixedPriority(("SH-01", "BJ-01")))))
# [('SH-01', Decimal('50')), ('BJ-01', Decimal('10'))]
print(served_from(PolicySettings(allocation=NearestFirst({"SH-01": 30, "BJ-01": 1200}))))
# [('SH-01', Decimal('50')), ('BJ-01', Decimal('10'))]
assert served_from(PolicySettings())[0][0] == "BJ-01"     # the default: by name

policies = PolicySettings(
    approval_policy=ApprovalPolicy(
        amount_levels=((Money("5000", "CNY"), "finance"),), new_customer_level=None
    )
)
service, _ = service_with(policies=policies)
small = service.enter(tea(1), actor="sales-1")
large = service.enter(tea(50), actor="sales-1")
print(service.submit(small.id, actor="sales-1").target)   # approved
print(service.submit(large.id, actor="sales-1").target)   # pending_approval
print(service.approve(large.id, level="finance", actor="cfo").target)   # approved
assert service.get(large.id).status is Status.APPROVED

limits = FixedCreditControl(
    {"C-1": CreditLimit(limit=Money("1000", "CNY"), exposure=Money("800", "CNY"))}
)
service, _ = service_with(credit=limits, policies=PolicySettings(credit_policy=CreditPolicy.REJECT))
try:
    service.enter(tea(5), actor="sales-1")
except ValidationFailed as error:
    print([issue.code for issue in error.report.errors])  # ['credit.limit_exceeded']

service, _ = service_with(credit=limits)
order = service.enter(tea(5), actor="sales-1")
print(service.submit(order.id, actor="sales-1").target)   # pending_approval

service, database = service_with()
outcomes = service.enter_many(
    [tea(2), {**tea(1), "lines": []}, tea(3)],
    actor="S-LI",
    idempotency_keys=["batch-1/0", "batch-1/1", "batch-1/2"],
)
assert [outcome.ok for outcome in outcomes] == [True, False, True]
assert outcomes[1].code == "validation.failed"
assert outcomes[1].report is not None and not outcomes[1].report.ok
entered = [outcome.order for outcome in outcomes if outcome.order is not None]
assert len({order.number for order in entered}) == 2
again = service.enter_many([tea(2)], actor="S-LI", idempotency_keys=["batch-1/0"])
assert again[0].order is not None and again[0].order.id == entered[0].id
