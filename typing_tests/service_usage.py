"""Type-checked from the user's side: constructing an OrderService with its settings."""

from collections.abc import Callable
from datetime import UTC, datetime

from salesorder import ApprovalPolicy, OrderService, PriceList, TaxPolicy
from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.lifecycle import LifecyclePolicy
from salesorder.ports import IdempotencyKeys, QuoteRepository, ServiceUnitOfWork
from salesorder.pricing import Promotion, ThresholdOff
from salesorder.settings import PolicySettings, PricingSettings, SlaSettings
from salesorder.sla import DEFAULT_DEADLINES

database = MemoryDatabase()
opens: Callable[[], ServiceUnitOfWork] = database.unit_of_work
quotes: QuoteRepository = database.quotes
keys: IdempotencyKeys = database.idempotency
pricing = PricingSettings(
    price_list=PriceList.of("CNY", [("TEA", "100.00")]),
    promotions=[Promotion("MJ", "满减", ThresholdOff.of("CNY", (100, 10)))],
    tax=TaxPolicy.china_vat(),
)
policies = PolicySettings(
    approval_policy=ApprovalPolicy(new_customer_level=None),
    lifecycle_policy=LifecyclePolicy(allow_backorder=True),
)
service = OrderService(
    unit_of_work=opens,
    clock=FixedClock(datetime(2026, 11, 23, tzinfo=UTC)),
    numbering=PatternNumbering(),
    pricing_settings=pricing,
    policy_settings=policies,
    sla_settings=SlaSettings(deadlines=DEFAULT_DEADLINES),
)
configured: PricingSettings = service.pricing_settings
backorders: bool = service.policy_settings.lifecycle_policy.allow_backorder
