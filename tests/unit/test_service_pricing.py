"""OrderService and pricing: credit on the amount owed, coupons, order discounts, locked prices."""

from __future__ import annotations

from typing import Any

import pytest

from salesorder.adapters.memory import (
    FixedClock,
    FixedCreditControl,
    MemoryDatabase,
    PatternNumbering,
)
from salesorder.demo import START, cny, demo_price_list, tea_shop_payload
from salesorder.errors import ValidationFailed
from salesorder.ports import CreditLimit
from salesorder.pricing import Promotion, Target, TaxPolicy, ThresholdOff
from salesorder.service import OrderService
from salesorder.settings import PolicySettings, PricingSettings
from salesorder.validation import CreditPolicy


def tea_promotions() -> tuple[Promotion, ...]:
    return (
        Promotion(
            "MJ-2026",
            "满减",
            ThresholdOff.of("CNY", (1000, 100), (3000, 300)),
            target=Target(categories={"tea", "teaware"}),
        ),
    )


def service(database: MemoryDatabase, **options: Any) -> OrderService:
    pricing = options.pop(
        "pricing_settings",
        PricingSettings(
            price_list=demo_price_list(), promotions=tea_promotions(), tax=TaxPolicy.china_vat()
        ),
    )
    return OrderService(
        unit_of_work=database.unit_of_work,
        clock=options.pop("clock", FixedClock(START)),
        numbering=PatternNumbering(),
        pricing_settings=pricing,
        **options,
    )


class TestCreditOnTheAmountOwed:
    # The tea shop order: 4 720.00 + 519.00 list, 300.00 off (满减), 13 % VAT: 5 581.07 owed.
    def limit(self, amount: str) -> FixedCreditControl:
        return FixedCreditControl({"C-10086": CreditLimit(limit=cny(amount), exposure=cny(0))})

    def test_an_order_owing_more_than_the_limit_needs_approval(self) -> None:
        database = MemoryDatabase()
        report = service(database, credit=self.limit("5500")).check(tea_shop_payload())
        [issue] = [i for i in report.issues if i.code == "credit.limit_exceeded"]
        assert issue.params["order_value"] == "5581.07"
        assert issue in report.needs_approval

    def test_an_order_owing_less_than_the_limit_passes(self) -> None:
        database = MemoryDatabase()
        report = service(database, credit=self.limit("5581.07")).check(tea_shop_payload())
        assert "credit.limit_exceeded" not in [i.code for i in report.issues]

    def test_a_rejecting_credit_policy_refuses_the_entry(self) -> None:
        database = MemoryDatabase()
        svc = service(
            database,
            credit=self.limit("5500"),
            policy_settings=PolicySettings(credit_policy=CreditPolicy.REJECT),
        )
        with pytest.raises(ValidationFailed) as caught:
            svc.enter(tea_shop_payload(), actor="S-LI")
        assert [i.code for i in caught.value.report.errors] == ["credit.limit_exceeded"]
        assert len(database.orders) == 0
