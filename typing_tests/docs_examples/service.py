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
