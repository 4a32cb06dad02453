"""The service's settings values: defaults, checks at construction, and their use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import START, cny, demo_price_list, tea_shop_payload
from salesorder.errors import CurrencyMismatch, SalesOrderError
from salesorder.inventory import FixedPriority
from salesorder.lifecycle import ApprovalPolicy, LifecyclePolicy, Status
from salesorder.money import RoundingPolicy
from salesorder.pricing import (
    Charge,
    ChargeKind,
    Coupon,
    InvalidPricing,
    OrderPercentOff,
    Promotion,
    StackingPolicy,
    TaxPolicy,
    UnknownTaxCode,
)
from salesorder.service import OrderService
from salesorder.settings import InvalidSettings, PolicySettings, PricingSettings, SlaSettings
from salesorder.sla import DEFAULT_DEADLINES, Deadline, WeekendCalendar
from salesorder.validation import CreditPolicy, StockPolicy, default_rules


def promotion(promotion_id: str) -> Promotion:
    return Promotion(promotion_id, "5% off", OrderPercentOff(5))


def shipping(amount: str = "12.00", *, currency: str = "CNY", **fields: Any) -> Charge:
    return Charge(ChargeKind.SHIPPING, attrs.evolve(cny(amount), currency=currency), **fields)


class TestPricingSettings:
    def test_only_the_price_list_is_required(self) -> None:
        settings = PricingSettings(price_list=demo_price_list())
        assert settings.promotions == ()
        assert settings.coupon_book == ()
        assert settings.charges == ()
        assert settings.tax == TaxPolicy()
        assert settings.rounding == RoundingPolicy()
        assert settings.stacking == StackingPolicy()

    def test_sequences_are_kept_as_tuples(self) -> None:
        settings = PricingSettings(
            price_list=demo_price_list(),
            promotions=[promotion("A")],
            charges=[shipping()],
        )
        assert settings.promotions == (promotion("A"),)
        assert settings.charges == (shipping(),)

    def test_settings_are_frozen_and_keyword_only(self) -> None:
        settings = PricingSettings(price_list=demo_price_list())
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            settings.tax = TaxPolicy()  # type: ignore[misc]
        with pytest.raises(TypeError):
            PricingSettings(demo_price_list())  # type: ignore[misc]

    def test_a_field_of_the_wrong_type_is_refused_with_its_name(self) -> None:
        with pytest.raises(InvalidSettings) as raised:
            PricingSettings(price_list=demo_price_list(), tax=RoundingPolicy())  # type: ignore[arg-type]
        assert raised.value.code == "settings.invalid"
        assert raised.value.setting == "tax"
        assert "RoundingPolicy" in str(raised.value)
        assert isinstance(raised.value, SalesOrderError)
        assert isinstance(raised.value, ValueError)

    def test_an_item_of_the_wrong_type_is_refused(self) -> None:
        with pytest.raises(InvalidSettings) as raised:
            PricingSettings(price_list=demo_price_list(), promotions=(shipping(),))  # type: ignore[arg-type]
        assert raised.value.setting == "promotions"

    def test_two_promotions_with_one_id_are_refused(self) -> None:
        with pytest.raises(InvalidPricing, match="promotion A"):
            PricingSettings(price_list=demo_price_list(), promotions=(promotion("A"),) * 2)

    def test_two_coupons_with_one_code_are_refused(self) -> None:
        coupons = (Coupon("WELCOME", promotion("A")), Coupon("welcome", promotion("B")))
        with pytest.raises(InvalidPricing, match="coupon WELCOME"):
            PricingSettings(price_list=demo_price_list(), coupon_book=coupons)

    def test_two_charges_with_one_id_are_refused(self) -> None:
        with pytest.raises(InvalidPricing, match="charge shipping"):
            PricingSettings(price_list=demo_price_list(), charges=(shipping(), shipping("5")))

    def test_a_charge_in_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            PricingSettings(price_list=demo_price_list(), charges=(shipping(currency="USD"),))

    def test_a_charge_with_a_tax_code_the_policy_lacks_is_refused(self) -> None:
        with pytest.raises(UnknownTaxCode):
            PricingSettings(price_list=demo_price_list(), charges=(shipping(tax_code="VAT99"),))


class TestPolicySettings:
    def test_the_defaults_are_the_library_defaults(self) -> None:
        settings = PolicySettings()
        assert settings.rules.names == default_rules().names
        assert settings.credit_policy is CreditPolicy.REQUIRE_APPROVAL
        assert settings.stock_policy is StockPolicy.WARN_BACKORDER
        assert settings.approval_policy == ApprovalPolicy()
        assert settings.lifecycle_policy == LifecyclePolicy()
        assert settings.allocation is None

    def test_the_two_lifecycle_policies_cannot_be_mixed_up(self) -> None:
        with pytest.raises(InvalidSettings) as raised:
            PolicySettings(approval_policy=LifecyclePolicy())  # type: ignore[arg-type]
        assert raised.value.setting == "approval_policy"
        with pytest.raises(InvalidSettings) as raised:
            PolicySettings(lifecycle_policy=ApprovalPolicy())  # type: ignore[arg-type]
        assert raised.value.setting == "lifecycle_policy"

    def test_a_policy_given_as_its_text_is_refused(self) -> None:
        with pytest.raises(InvalidSettings) as raised:
            PolicySettings(credit_policy="reject")  # type: ignore[arg-type]
        assert raised.value.setting == "credit_policy"

    def test_an_allocation_strategy_needs_an_allocate_method(self) -> None:
        strategy = FixedPriority(locations=("SH-01",))  # type: ignore[arg-type]
        assert PolicySettings(allocation=strategy).allocation is strategy
        with pytest.raises(InvalidSettings) as raised:
            PolicySettings(allocation=("SH-01",))  # type: ignore[arg-type]
        assert raised.value.setting == "allocation"


class TestSlaSettings:
    def test_the_defaults_are_a_weekday_calendar_and_the_default_deadlines(self) -> None:
        settings = SlaSettings()
        assert settings.calendar == WeekendCalendar()
        assert settings.deadlines == DEFAULT_DEADLINES

    def test_two_deadlines_with_one_name_are_refused(self) -> None:
        review = Deadline(name="review", status=Status.PENDING_APPROVAL, working_hours=4)
        with pytest.raises(InvalidSettings) as raised:
            SlaSettings(deadlines=[review, attrs.evolve(review, working_hours=8)])
        assert raised.value.setting == "deadlines"

    def test_a_calendar_needs_working_days(self) -> None:
        with pytest.raises(InvalidSettings) as raised:
            SlaSettings(calendar="weekdays")  # type: ignore[arg-type]
        assert raised.value.setting == "calendar"


def service_with(**settings: Any) -> tuple[OrderService, FixedClock]:
    clock = FixedClock(START)
    database = MemoryDatabase()
    database.stock.receive("TEA-LJ-250", "SH-01", quantity=100, operation_id="o1", at=START)
    database.stock.receive("CUP-CER-6", "SH-01", quantity=100, operation_id="o2", at=START)
    service = OrderService(
        unit_of_work=database.unit_of_work,
        clock=clock,
        numbering=PatternNumbering(),
        **{"pricing_settings": PricingSettings(price_list=demo_price_list()), **settings},
    )
    return service, clock


class TestTheServiceUsesItsSettings:
    def test_it_exposes_the_settings_it_was_built_with(self) -> None:
        pricing = PricingSettings(price_list=demo_price_list(), charges=(shipping(),))
        policies = PolicySettings(credit_policy=CreditPolicy.REJECT)
        service_levels = SlaSettings(deadlines=())
        service, _ = service_with(
            pricing_settings=pricing, policy_settings=policies, sla_settings=service_levels
        )
        assert service.pricing_settings is pricing
        assert service.policy_settings is policies
        assert service.sla_settings is service_levels

    def test_a_value_that_is_not_the_settings_it_names_is_refused(self) -> None:
        with pytest.raises(InvalidSettings) as raised:
            service_with(pricing_settings=demo_price_list())
        assert raised.value.setting == "pricing_settings"
        with pytest.raises(InvalidSettings) as raised:
            service_with(policy_settings=ApprovalPolicy())
        assert raised.value.setting == "policy_settings"
        with pytest.raises(InvalidSettings) as raised:
            service_with(sla_settings=DEFAULT_DEADLINES)
        assert raised.value.setting == "sla_settings"

    def test_order_charges_are_priced_into_every_order(self) -> None:
        plain, _ = service_with()
        charged, _ = service_with(
            pricing_settings=PricingSettings(price_list=demo_price_list(), charges=(shipping(),))
        )
        without = plain.enter(tea_shop_payload(), actor="S-LI").grand_total
        with_shipping = charged.enter(tea_shop_payload(), actor="S-LI").grand_total
        assert without is not None
        assert with_shipping is not None
        assert with_shipping > without

    def test_the_approval_policy_decides_who_signs(self) -> None:
        by_default, _ = service_with()
        order = by_default.enter(tea_shop_payload(), actor="S-LI")
        assert by_default.submit(order.id, actor="S-LI").target is Status.APPROVED
        finance_signs, _ = service_with(
            policy_settings=PolicySettings(
                approval_policy=ApprovalPolicy(amount_levels=((cny(1), "finance"),))
            )
        )
        order = finance_signs.enter(tea_shop_payload(), actor="S-LI")
        assert finance_signs.submit(order.id, actor="S-LI").target is Status.PENDING_APPROVAL

    def test_the_sla_deadlines_decide_what_is_overdue(self) -> None:
        quick = Deadline(name="review", status=Status.PENDING_APPROVAL, working_hours=1)
        service, clock = service_with(
            policy_settings=PolicySettings(
                approval_policy=ApprovalPolicy(amount_levels=((cny(1), "finance"),))
            ),
            sla_settings=SlaSettings(deadlines=(quick,)),
        )
        order = service.enter(tea_shop_payload(), actor="S-LI")
        service.submit(order.id, actor="S-LI")
        clock.advance(timedelta(hours=2))
        ((late, breach),) = service.overdue()
        assert late.id == order.id
        assert breach.deadline == "review"
