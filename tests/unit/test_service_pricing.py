"""OrderService and pricing: credit on the amount owed, coupons, order discounts, locked prices."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from salesorder.adapters.memory import (
    FixedClock,
    FixedCreditControl,
    MemoryDatabase,
    PatternNumbering,
)
from salesorder.codec import decode, encode
from salesorder.demo import START, cny, demo_price_list, tea_shop_payload
from salesorder.errors import ValidationFailed
from salesorder.lifecycle import AddLine, ChangePrice
from salesorder.order import CustomerTier, Order, OrderDiscount, OrderLine
from salesorder.ports import CreditLimit
from salesorder.pricing import (
    Coupon,
    OrderAmountOff,
    PriceEntry,
    PriceList,
    Promotion,
    Target,
    TaxPolicy,
    ThresholdOff,
)
from salesorder.records import Status
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


def coupon_settings(*coupons: Coupon) -> PricingSettings:
    return PricingSettings(
        price_list=demo_price_list(),
        promotions=tea_promotions(),
        coupon_book=coupons,
        tax=TaxPolicy.china_vat(),
    )


FIFTY_OFF = Promotion("C50", "50 off", OrderAmountOff(cny(50)))


def small_order(**extra: Any) -> dict[str, Any]:
    # 2 x 118.00 + 86.50 = 322.50 (no 满减), 13 % VAT: 364.43.
    return {**tea_shop_payload(tea=2, cups=1), **extra}


class TestCouponsAtEntry:
    def test_a_payload_coupon_is_priced_redeemed_and_kept_on_the_order(self) -> None:
        database = MemoryDatabase()
        svc = service(database, pricing_settings=coupon_settings(Coupon("save50", FIFTY_OFF)))
        order = svc.enter(small_order(coupons=[" save50 "]), actor="S-LI")
        assert order.coupons == ("SAVE50",)
        # 272.50 net and 35.42 VAT, rounded per line
        assert order.grand_total == cny("307.92")
        assert database.coupons.count("SAVE50") == 1
        assert database.coupons.count_for_customer("SAVE50", "C-10086") == 1
        # Later steps price the stored order with its coupon, without counting it again.
        assert svc.price_order(svc.get(order.id)).grand_total == cny("307.92")

    def test_a_coupon_given_to_the_service_counts_like_a_payload_coupon(self) -> None:
        database = MemoryDatabase()
        svc = service(database, pricing_settings=coupon_settings(Coupon("SAVE50", FIFTY_OFF)))
        order = svc.enter(small_order(), actor="S-LI", coupons=["save50"])
        assert order.coupons == ("SAVE50",)
        assert order.grand_total == cny("307.92")

    def test_an_unknown_coupon_refuses_the_entry_with_a_bilingual_issue(self) -> None:
        database = MemoryDatabase()
        svc = service(database, pricing_settings=coupon_settings(Coupon("SAVE50", FIFTY_OFF)))
        with pytest.raises(ValidationFailed) as caught:
            svc.enter(small_order(coupons=["SAVE50", "NOPE"]), actor="S-LI")
        [issue] = caught.value.report.errors
        assert (issue.code, issue.path) == ("coupon.unknown", "/coupons/1")
        assert issue.message("zh_CN") == "优惠券 NOPE 不存在。"
        assert issue.message("en") == "Coupon NOPE is unknown."
        assert len(database.orders) == 0
        assert database.coupons.count("SAVE50") == 0

    def test_a_used_up_coupon_is_refused_and_nothing_is_redeemed(self) -> None:
        database = MemoryDatabase()
        once = Coupon("ONCE", FIFTY_OFF, usage_limit=1)
        svc = service(database, pricing_settings=coupon_settings(once))
        svc.enter(small_order(coupons=["ONCE"]), actor="S-LI")
        with pytest.raises(ValidationFailed) as caught:
            svc.enter(small_order(coupons=["ONCE"]), actor="S-LI")
        [issue] = caught.value.report.errors
        assert (issue.code, issue.params["limit"]) == ("coupon.usage_limit", "1")
        assert "已达使用次数上限" in issue.message("zh_CN")
        assert database.coupons.count("ONCE") == 1
        assert len(database.orders) == 1

    def test_the_per_customer_limit_holds(self) -> None:
        database = MemoryDatabase()
        mine = Coupon("MINE", FIFTY_OFF, per_customer_limit=1)
        svc = service(database, pricing_settings=coupon_settings(mine))
        svc.enter(small_order(coupons=["MINE"]), actor="S-LI")
        with pytest.raises(ValidationFailed) as caught:
            svc.enter(small_order(coupons=["MINE"]), actor="S-LI")
        assert [i.code for i in caught.value.report.errors] == ["coupon.customer_limit"]
        other = small_order(coupons=["MINE"])
        other["customer"] = {**other["customer"], "id": "C-2"}
        assert svc.enter(other, actor="S-LI").coupons == ("MINE",)

    def test_a_coupon_that_gives_nothing_is_refused(self) -> None:
        database = MemoryDatabase()
        big_spender = Coupon("BIG", FIFTY_OFF, min_spend=cny(1000))
        svc = service(database, pricing_settings=coupon_settings(big_spender))
        with pytest.raises(ValidationFailed) as caught:
            svc.enter(small_order(coupons=["BIG"]), actor="S-LI")
        [issue] = caught.value.report.errors
        assert (issue.code, issue.path) == ("coupon.min_spend", "/coupons/0")

    def test_cancelling_an_unshipped_order_releases_its_coupons(self) -> None:
        database = MemoryDatabase()
        once = Coupon("ONCE", FIFTY_OFF, usage_limit=1)
        svc = service(database, pricing_settings=coupon_settings(once))
        first = svc.enter(small_order(coupons=["ONCE"]), actor="S-LI")
        svc.cancel(first.id, reason="customer_request", actor="S-LI")
        assert database.coupons.count("ONCE") == 0
        second = svc.enter(small_order(coupons=["ONCE"]), actor="S-LI")
        assert database.coupons.count("ONCE") == 1
        assert second.grand_total == cny("307.92")

    def test_a_quote_checks_its_coupons_and_the_conversion_redeems_them(self) -> None:
        database = MemoryDatabase()
        once = Coupon("ONCE", FIFTY_OFF, usage_limit=1)
        svc = service(database, pricing_settings=coupon_settings(once))
        quote = svc.quote(small_order(coupons=["ONCE"]), actor="S-LI")
        assert quote.total == cny("307.92")
        assert database.coupons.count("ONCE") == 0
        order = svc.convert_quote(quote.quote_id, actor="S-LI")
        assert database.coupons.count("ONCE") == 1
        assert order.grand_total == cny("307.92")
        with pytest.raises(ValidationFailed):
            svc.quote(small_order(coupons=["ONCE"]), actor="S-LI")

    def test_concurrent_entries_never_exceed_the_usage_limit(self) -> None:
        database = MemoryDatabase()
        three = Coupon("THREE", FIFTY_OFF, usage_limit=3)
        svc = service(database, pricing_settings=coupon_settings(three))
        outcomes = run_concurrently(
            8, lambda: svc.enter(small_order(coupons=["THREE"]), actor="S-LI")
        )
        assert outcomes.count("ok") == 3
        assert outcomes.count("coupon.usage_limit") == 5
        assert database.coupons.count("THREE") == 3


def run_concurrently(workers: int, enter: Callable[[], object]) -> list[str]:
    """Run ``enter`` from ``workers`` threads at once; each outcome's code ("ok" if none)."""
    barrier = threading.Barrier(workers, timeout=30)
    outcomes: list[str] = []

    def work() -> None:
        barrier.wait()
        try:
            enter()
        except ValidationFailed as refused:
            outcomes.extend(issue.code for issue in refused.report.errors)
        else:
            outcomes.append("ok")

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


class TestManualOrderDiscount:
    def test_a_discount_within_policy_needs_no_approval(self) -> None:
        database = MemoryDatabase()
        svc = service(database)
        order = svc.enter(small_order(order_discount={"percent": "10"}), actor="S-LI")
        # (322.50 - 32.25) x 1.13 = 327.98
        assert order.grand_total == cny("327.98")
        svc.submit(order.id, actor="S-LI")
        assert svc.get(order.id).status is Status.APPROVED

    def test_a_discount_beyond_policy_needs_approval(self) -> None:
        database = MemoryDatabase()
        svc = service(database)
        payload = small_order(order_discount={"amount": "100.00", "reason": "long-time customer"})
        order = svc.enter(payload, actor="S-LI")
        assert order.grand_total == cny("251.43")  # (322.50 - 100.00) x 1.13
        result = svc.submit(order.id, actor="S-LI")
        assert svc.get(order.id).status is Status.PENDING_APPROVAL
        reasons = dict(svc.get(order.id).required_approvals)
        assert "price.order_discount_beyond_policy" in reasons["sales_manager"]
        assert result.events


def dearer_price_list() -> PriceList:
    """The demo list after a price rise: tea 118.00 -> 130.00 (VIP), cups 86.50 -> 90.00."""
    return PriceList(
        "CNY",
        (
            PriceEntry("TEA-LJ-250", cny("140.00")),
            PriceEntry("TEA-LJ-250", cny("130.00"), tier=CustomerTier.VIP),
            PriceEntry("CUP-CER-6", cny("90.00")),
        ),
    )


def before_and_after_a_price_rise() -> tuple[OrderService, OrderService, FixedClock]:
    """Two services on one storage and clock: the demo price list, then a dearer one."""
    database, clock = MemoryDatabase(), FixedClock(START)
    dearer = PricingSettings(
        price_list=dearer_price_list(), promotions=tea_promotions(), tax=TaxPolicy.china_vat()
    )
    return (
        service(database, clock=clock),
        service(database, clock=clock, pricing_settings=dearer),
        clock,
    )


class TestPricesLockedAtEntry:
    # 2 x 118.00 + 86.50 = 322.50 at entry; 2 x 130.00 + 90.00 = 350.00 after the rise.
    def test_a_price_rise_after_entry_moves_no_total(self) -> None:
        old, new, _clock = before_and_after_a_price_rise()
        entered = old.enter(small_order(), actor="S-LI")
        assert [(p.line_id, p.unit_price) for p in entered.locked_prices] == [
            ("1", cny("118.00")),
            ("2", cny("86.50")),
        ]
        assert entered.grand_total == cny("364.43")
        breakdown = new.price_order(new.get(entered.id))
        assert breakdown.grand_total == entered.grand_total
        assert tuple((p.line_id, p.gross) for p in breakdown.lines) == entered.line_totals
        new.submit(entered.id, actor="S-LI")
        assert new.get(entered.id).grand_total == cny("364.43")

    def test_a_converted_quote_keeps_its_quoted_prices(self) -> None:
        old, new, _clock = before_and_after_a_price_rise()
        quote = old.quote(small_order(), actor="S-LI")
        order = new.convert_quote(quote.quote_id, actor="S-LI")
        new.submit(order.id, actor="S-LI")
        assert new.get(order.id).grand_total == quote.total == cny("364.43")

    def test_a_line_added_later_is_priced_on_its_day_and_earlier_lines_keep_theirs(
        self,
    ) -> None:
        old, new, clock = before_and_after_a_price_rise()
        entered = old.enter(small_order(), actor="S-LI")
        old.submit(entered.id, actor="S-LI")
        clock.advance(timedelta(days=3))
        extra = OrderLine("3", "CUP-CER-6", "青瓷茶杯 6只装", Decimal(1), unit="套")
        new.amend(entered.id, [AddLine(extra)], actor="S-LI")
        amended = new.get(entered.id)
        assert [(p.line_id, p.unit_price, p.at) for p in amended.locked_prices] == [
            ("1", cny("118.00"), START),
            ("2", cny("86.50"), START),
            ("3", cny("90.00"), START + timedelta(days=3)),
        ]
        breakdown = new.price_order(amended)
        assert [p.unit_price for p in breakdown.lines] == [
            cny("118.00"),
            cny("86.50"),
            cny("90.00"),
        ]
        assert amended.grand_total == breakdown.grand_total

    def test_repricing_is_an_explicit_amendment_back_to_the_list(self) -> None:
        old, new, clock = before_and_after_a_price_rise()
        entered = old.enter(small_order(), actor="S-LI")
        old.submit(entered.id, actor="S-LI")
        clock.advance(timedelta(days=1))
        preview = new.preview_amendment(entered.id, [ChangePrice("1", None)])
        assert preview.new_total == cny("391.55")  # (2 x 130.00 + 86.50) x 1.13
        new.amend(entered.id, [ChangePrice("1", None)], actor="S-LI")
        amended = new.get(entered.id)
        assert amended.grand_total == cny("391.55")
        assert amended.audit[-1].event == "amend"
        assert amended.locked_prices[0].unit_price == cny("130.00")


def test_an_entered_order_round_trips_with_its_coupons_discount_and_locked_prices() -> None:
    database = MemoryDatabase()
    svc = service(database, pricing_settings=coupon_settings(Coupon("SAVE50", FIFTY_OFF)))
    payload = small_order(coupons=["SAVE50"], order_discount={"amount": "10.00", "reason": "vip"})
    order = svc.enter(payload, actor="S-LI")
    back = decode(Order, json.loads(json.dumps(encode(order))))
    assert back.coupons == ("SAVE50",)
    assert back.order_discount == OrderDiscount(amount=cny(10), reason="vip")
    assert back.locked_prices == order.locked_prices
    assert svc.price_order(back).grand_total == order.grand_total
