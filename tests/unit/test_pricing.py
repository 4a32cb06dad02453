"""Pricing by hand-computed figures: price lists, every promotion kind, stacking, coupons, tax."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from salesorder.errors import CurrencyMismatch, InvalidOrder
from salesorder.money import Money, RoundingMode, RoundingPolicy, RoundingScope
from salesorder.order import (
    Address,
    Customer,
    CustomerTier,
    Order,
    OrderDiscount,
    OrderLine,
    OrderType,
)
from salesorder.pricing import (
    Basis,
    BundlePrice,
    BuyGet,
    Charge,
    ChargeKind,
    ChargeOff,
    Choice,
    Conditions,
    Coupon,
    CouponRedemptions,
    FreeGift,
    InvalidPricing,
    LineAmountOff,
    LinePercentOff,
    Markup,
    MarkupBase,
    MissingPrice,
    OnceScope,
    OrderAmountOff,
    OrderPercentOff,
    Per,
    PriceBreakdown,
    PriceEntry,
    PriceList,
    Promotion,
    Rebase,
    RedemptionCounts,
    Remainder,
    Stacking,
    StackingPolicy,
    Target,
    TaxMapping,
    TaxPolicy,
    ThresholdOff,
    UnknownTaxCode,
    price,
)

AT = datetime(2026, 11, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def line(line_id: str, sku: str, quantity: int | str = 1, **options: object) -> OrderLine:
    return OrderLine(line_id, sku, sku.lower(), Decimal(quantity), **options)  # type: ignore[arg-type]


def order(
    *lines: OrderLine, tier: CustomerTier = CustomerTier.REGULAR, customer: str = "C-1"
) -> Order:
    return Order(
        id="o-1", customer=Customer(id=customer, name="-", tier=tier), currency="CNY", lines=lines
    )


LIST = PriceList.of("CNY", [("A", "100.00"), ("B", "50.00"), ("C", "40.00"), ("G", "5.00")])
VAT0 = TaxPolicy(default_code="VAT0")


def priced(o: Order, *promotions: Promotion, **options: object) -> PriceBreakdown:
    options.setdefault("tax", VAT0)
    options.setdefault("price_list", LIST)
    return price(o, promotions=promotions, at=AT, **options)  # type: ignore[arg-type]


def promo(pid: str, benefit: object, **options: object) -> Promotion:
    return Promotion(pid, pid, benefit, **options)  # type: ignore[arg-type]


def codes_of(b: PriceBreakdown) -> dict[str, str]:
    return {r.id: r.code for r in b.rejected}


class TestPriceListPrecedence:
    entries = (
        PriceEntry("A", cny(100)),
        PriceEntry("A", cny(90), min_quantity=Decimal(10)),
        PriceEntry("A", cny(80), tier=CustomerTier.VIP),
        PriceEntry("A", cny(75), tier=CustomerTier.VIP, min_quantity=Decimal(10)),
        PriceEntry("A", cny(70), customer_id="C-9"),
        PriceEntry("A", cny(60), valid_from=AT + DAY),
        PriceEntry("A", cny(1), customer_id="C-8", valid_until=AT),
    )
    plist = PriceList("CNY", entries)

    @pytest.mark.parametrize(
        ("customer", "tier", "quantity", "expected"),
        [
            ("C-1", CustomerTier.REGULAR, 1, "100"),
            ("C-1", CustomerTier.REGULAR, 10, "90"),
            ("C-1", CustomerTier.VIP, 1, "80"),
            ("C-1", CustomerTier.VIP, 12, "75"),
            ("C-9", CustomerTier.VIP, 12, "70"),
            ("C-8", CustomerTier.REGULAR, 1, "100"),
        ],
    )
    def test_customer_beats_tier_beats_default_and_highest_break_wins(
        self, customer: str, tier: CustomerTier, quantity: int, expected: str
    ) -> None:
        o = order(line("1", "A", quantity), tier=tier, customer=customer)
        assert self.plist.list_price(o, o.lines[0], at=AT) == cny(expected)
        assert priced(o, price_list=self.plist).line("1").unit_price == cny(expected)

    def test_an_entry_valid_later_is_ignored_now_and_used_then(self) -> None:
        o = order(line("1", "A"))
        assert self.plist.list_price(o, o.lines[0], at=AT + 2 * DAY) == cny(60)

    def test_latest_start_wins_a_tie(self) -> None:
        plist = PriceList(
            "CNY",
            (
                PriceEntry("A", cny(10), valid_from=AT - 5 * DAY),
                PriceEntry("A", cny(9), valid_from=AT - DAY),
            ),
        )
        o = order(line("1", "A"))
        assert plist.list_price(o, o.lines[0], at=AT) == cny(9)

    def test_lookups_bind_the_instant_for_validation_rules(self) -> None:
        plist = PriceList.of("CNY", [("A", "100.00")], manual_price_tolerance=Decimal(15))
        list_price, price_floor = plist.lookups(at=AT)
        o = order(line("1", "A"), line("2", "X"))
        assert list_price(o, o.lines[0]) == cny("100.00")
        assert price_floor(o, o.lines[0]) == cny("85.00")
        assert list_price(o, o.lines[1]) is None
        assert price_floor(o, o.lines[1]) is None

    def test_the_floor_agrees_with_the_manual_price_flag(self) -> None:
        plist = PriceList.of("CNY", [("A", "99.99")], manual_price_tolerance=Decimal(15))
        _, price_floor = plist.lookups(at=AT)
        probe = order(line("1", "A"))
        floor = price_floor(probe, probe.lines[0])
        assert floor == cny("85.00")  # 84.9915 rounded up
        at_floor = order(line("1", "A", unit_price=floor))
        under = order(line("1", "A", unit_price=cny("84.99")))
        assert not priced(at_floor, price_list=plist).flags
        assert priced(under, price_list=plist).flags[0].code == "price.manual_below_list"

    def test_a_sku_without_price_is_a_coded_error_naming_every_line(self) -> None:
        o = order(line("1", "X"), line("2", "A"), line("3", "Y"))
        with pytest.raises(MissingPrice) as caught:
            priced(o)
        assert caught.value.code == "price.missing"
        assert caught.value.missing == (("1", "X"), ("3", "Y"))
        assert "X" in str(caught.value)
        assert "没有价格" in caught.value.message("zh_CN")

    def test_markup_on_cost_and_on_list(self) -> None:
        on_cost = PriceEntry("A", cost=cny(80), markup=Markup(percent=Decimal(25)))
        on_list = PriceEntry(
            "B", cny("50.00"), markup=Markup(MarkupBase.LIST, Decimal(10), cny("0.99"))
        )
        assert on_cost.price == cny("100.00")
        assert on_list.price == cny("55.99")
        plist = PriceList("CNY", (on_cost, on_list))
        b = priced(order(line("1", "A", 2), line("2", "B")), price_list=plist)
        assert b.subtotal == cny("255.99")

    @pytest.mark.parametrize(
        "make",
        [
            lambda: PriceEntry("A", cny(1), customer_id="C", tier=CustomerTier.VIP),
            lambda: PriceEntry("A", cny(1), min_quantity=Decimal(-1)),
            lambda: PriceEntry("A"),
            lambda: PriceEntry("A", markup=Markup()),
            lambda: PriceEntry("A", cny(-1)),
            lambda: PriceList("CNY", (PriceEntry("A", Money(1, "USD")),)),
        ],
    )
    def test_malformed_entries_are_refused(self, make: object) -> None:
        with pytest.raises(InvalidPricing):
            make()  # type: ignore[operator]

    def test_a_price_list_in_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            priced(order(line("1", "A")), price_list=PriceList.of("USD", [("A", 1)]))


class TestManualPricesAndDiscounts:
    def test_manual_price_is_kept_and_flagged_beyond_tolerance(self) -> None:
        plist = PriceList.of("CNY", [("A", "100.00")], manual_price_tolerance=Decimal(10))
        o = order(line("1", "A", unit_price=cny(85)), line("2", "A", unit_price=cny(95)))
        b = priced(o, price_list=plist)
        assert b.line("1").unit_price == cny(85)
        assert b.line("1").list_price == cny(100)
        assert [(f.code, f.line_id) for f in b.flags] == [("price.manual_below_list", "1")]
        assert b.flags[0].params["percent"] == "15.00"
        assert b.needs_approval

    def test_manual_price_without_list_entry_is_accepted_unflagged(self) -> None:
        b = priced(order(line("1", "NEW", 2, unit_price=cny("9.99"))))
        assert b.line("1").list_price is None
        assert b.grand_total == cny("19.98")
        assert not b.flags

    def test_requested_discount_is_a_manual_adjustment_flagged_beyond_the_limit(self) -> None:
        b = priced(order(line("1", "B", 4, requested_discount=Decimal(15))))
        priced_line = b.line("1")
        assert priced_line.discount == cny("30.00")
        assert priced_line.adjustments[0].promotion_id is None
        assert priced_line.adjustments[0].kind == "manual"
        assert [f.code for f in b.flags] == ["price.discount_beyond_policy"]
        assert not priced(order(line("1", "B", requested_discount=Decimal(10)))).flags

    @pytest.mark.parametrize(
        "bad",
        [
            line("1", "A", requested_discount=Decimal(120)),
            line("1", "A", -1),
            line("1", "A", unit_price=cny(-1)),
        ],
    )
    def test_impossible_line_values_are_refused(self, bad: OrderLine) -> None:
        with pytest.raises(InvalidPricing):
            priced(order(bad))

    def test_manual_price_in_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            priced(order(line("1", "A", unit_price=Money(1, "USD"))))


class TestLinePromotions:
    def test_percent_off_the_targeted_lines(self) -> None:
        p = promo("P", LinePercentOff(Decimal(10)), target=Target(skus={"A"}))
        b = priced(order(line("1", "A", 3), line("2", "B")), p)
        assert b.line("1").discount == cny(30)
        assert b.line("2").discount == cny(0)
        assert b.grand_total == cny(320)

    def test_amount_off_per_unit_and_per_line(self) -> None:
        per_unit = promo("U", LineAmountOff(cny(5), per=Per.UNIT), target=Target(categories={"x"}))
        per_line = promo("L", LineAmountOff(cny(5), per=Per.LINE), target=Target(tags={"t"}))
        o = order(line("1", "A", 3, category="x"), line("2", "B", 3, tags=frozenset({"t"})))
        b = priced(o, per_unit, per_line)
        assert b.line("1").discount == cny(15)
        assert b.line("2").discount == cny(5)

    def test_once_per_order_applies_to_the_best_line_only(self) -> None:
        p = promo("P", LineAmountOff(cny(5), per=Per.LINE), once_per_order=True)
        b = priced(order(line("1", "A"), line("2", "B"), line("3", "C")), p)
        assert b.discount_total == cny(5)
        assert b.line("1").discount == cny(5)

    def test_customer_tier_discount_only_for_that_tier(self) -> None:
        p = promo(
            "VIP",
            LinePercentOff(Decimal(5)),
            conditions=Conditions(customer_tiers={CustomerTier.VIP}),
        )
        vip = priced(order(line("1", "A"), tier=CustomerTier.VIP), p)
        regular = priced(order(line("1", "A")), p)
        assert vip.discount_total == cny(5)
        assert regular.discount_total == cny(0)
        assert codes_of(regular) == {"VIP": "promotion.customer_not_eligible"}

    def test_minimum_quantity_condition(self) -> None:
        p = promo("Q", LinePercentOff(Decimal(10)), conditions=Conditions(min_quantity=Decimal(5)))
        assert priced(order(line("1", "B", 5)), p).discount_total == cny(25)
        refused = priced(order(line("1", "B", 4)), p)
        assert codes_of(refused) == {"Q": "promotion.min_quantity"}

    def test_a_promotion_with_no_eligible_line_is_reported(self) -> None:
        p = promo("P", LinePercentOff(Decimal(10)), target=Target(skus={"Z"}))
        assert codes_of(priced(order(line("1", "A")), p)) == {"P": "promotion.no_eligible_lines"}

    def test_inactive_promotions_are_reported_not_applied(self) -> None:
        expired = promo("E", LinePercentOff(Decimal(10)), valid_until=AT)
        future = promo("F", LinePercentOff(Decimal(10)), valid_from=AT + DAY)
        b = priced(order(line("1", "A")), expired, future)
        assert b.discount_total == cny(0)
        assert codes_of(b) == {"E": "promotion.not_active", "F": "promotion.not_active"}


class TestOrderPromotions:
    def test_percent_off_the_order_is_allocated_exactly(self) -> None:
        p = promo("P", OrderPercentOff(Decimal(10)))
        b = priced(order(line("1", "A"), line("2", "B", 4)), p)
        assert (b.line("1").discount, b.line("2").discount) == (cny(10), cny(20))

    def test_amount_off_splits_by_largest_remainder(self) -> None:
        p = promo("P", OrderAmountOff(cny(10)))
        b = priced(order(line("1", "A"), line("2", "A"), line("3", "A")), p)
        assert [x.discount for x in b.lines] == [cny("3.34"), cny("3.33"), cny("3.33")]

    @pytest.mark.parametrize(
        ("quantity", "off"), [(9, None), (10, "100"), (19, "100"), (20, "250"), (30, "250")]
    )
    def test_threshold_tiers_pick_the_highest_reached(self, quantity: int, off: str | None) -> None:
        p = promo("MJ", ThresholdOff.of("CNY", (1000, 100), (2000, 250)))
        b = priced(order(line("1", "A", quantity)), p)
        if off is None:
            assert codes_of(b) == {"MJ": "promotion.min_spend"}
            assert b.discount_total == cny(0)
        else:
            assert b.discount_total == cny(off)

    def test_an_order_discount_larger_than_the_order_is_partly_used_and_reported(self) -> None:
        b = priced(order(line("1", "A"), line("2", "B")), promo("BIG", OrderAmountOff(cny(500))))
        assert b.grand_total == cny(0)
        (applied,) = b.applied
        assert (applied.amount, applied.unused) == (cny(150), cny(350))
        assert applied.code == "promotion.partially_applied"
        assert "150.00 CNY of 500.00 CNY" in applied.message()


class TestQuantityPromotions:
    def test_buy_two_get_one_free_frees_the_cheapest(self) -> None:
        p = promo("B2G1", BuyGet(2, 1))
        b = priced(order(line("1", "A", 2), line("2", "B", 1)), p)
        assert b.line("2").discount == cny(50)
        assert b.grand_total == cny(200)

    def test_buy_get_counts_whole_groups_and_can_give_a_percentage(self) -> None:
        p = promo("B1H", BuyGet(1, 1, Decimal(50)))
        b = priced(order(line("1", "A", 3), line("2", "B", 2)), p)
        # 5 units: 2 groups; cheapest 2 units are the two B at 50 -> 50 % off each.
        assert b.line("2").discount == cny(50)
        assert b.line("1").discount == cny(0)

    def test_buy_get_with_too_few_units_is_reported(self) -> None:
        b = priced(order(line("1", "A", 2)), promo("B2G1", BuyGet(2, 1)))
        assert codes_of(b) == {"B2G1": "promotion.min_quantity"}

    def test_three_for_one_hundred(self) -> None:
        p = promo("3FOR100", BundlePrice(3, cny(100)))
        b = priced(order(line("1", "C", 4)), p)
        # 3 of 4 units at 40 -> 120 becomes 100: 20 off.
        assert b.discount_total == cny(20)
        assert b.grand_total == cny(140)

    def test_a_bundle_dearer_than_the_units_gives_nothing(self) -> None:
        b = priced(order(line("1", "G", 3)), promo("3FOR100", BundlePrice(3, cny(100))))
        assert codes_of(b) == {"3FOR100": "promotion.no_benefit"}

    def test_a_free_gift_line_is_added_at_zero(self) -> None:
        b = priced(order(line("1", "A")), promo("GIFT", FreeGift("G", Decimal(2), name="mug")))
        gift = b.line("gift:GIFT")
        assert gift.is_gift
        assert (gift.extended, gift.discount, gift.gross) == (cny(10), cny(10), cny(0))
        assert b.grand_total == cny(100)


class TestCharges:
    def test_shipping_is_charged_taxed_and_can_be_free_above_a_spend(self) -> None:
        free = promo(
            "FREESHIP",
            ChargeOff(ChargeKind.SHIPPING, percent=Decimal(100)),
            conditions=Conditions(min_spend=cny(150)),
        )
        ship = Charge(ChargeKind.SHIPPING, cny(20))
        handling = Charge(ChargeKind.HANDLING, cny(10), tax_code="VAT6")
        tax = TaxPolicy()
        small = priced(order(line("1", "A")), free, charges=[ship, handling], tax=tax)
        assert small.charges_total == cny(30)
        assert small.charges[0].tax == cny("2.60")
        assert small.charges[1].tax == cny("0.60")
        assert small.grand_total == cny("146.20")  # 100 + 13 + 20 + 2.60 + 10 + 0.60
        assert codes_of(small) == {"FREESHIP": "promotion.min_spend"}
        large = priced(order(line("1", "A", 2)), free, charges=[ship], tax=tax)
        assert large.charges[0].gross == cny(0)
        assert large.charges[0].adjustments[0].promotion_id == "FREESHIP"

    def test_amount_off_handling(self) -> None:
        p = promo("H", ChargeOff(ChargeKind.HANDLING, amount=cny(15)))
        b = priced(order(line("1", "A")), p, charges=[Charge(ChargeKind.HANDLING, cny(10))])
        assert b.charges[0].net == cny(0)
        assert b.applied[0].unused == cny(5)

    def test_a_charge_discount_needs_exactly_one_of_percent_and_amount(self) -> None:
        with pytest.raises(InvalidPricing):
            ChargeOff(ChargeKind.SHIPPING)
        with pytest.raises(InvalidPricing):
            ChargeOff(ChargeKind.SHIPPING, percent=Decimal(1), amount=cny(1))

    def test_a_charge_in_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            priced(order(line("1", "A")), charges=[Charge(ChargeKind.SHIPPING, Money(1, "USD"))])


class TestStacking:
    def test_priority_order_decides_what_each_promotion_works_on(self) -> None:
        percent = promo("PCT", OrderPercentOff(Decimal(10)), priority=1)
        amount = promo("AMT", OrderAmountOff(cny(50)), priority=2)
        b = priced(order(line("1", "A", 5)), percent, amount)
        assert b.discount_total == cny(100)  # 10 % of 500 = 50, then 50 off 450
        first_amount = promo("AMT", OrderAmountOff(cny(50)), priority=0)
        b = priced(order(line("1", "A", 5)), percent, first_amount)
        assert b.discount_total == cny(95)  # 50 off 500, then 10 % of 450 = 45

    def test_an_exclusive_promotion_wins_only_when_better_for_the_customer(self) -> None:
        small = promo("X", OrderPercentOff(Decimal(5)), stacking=Stacking.EXCLUSIVE)
        big = promo("Y", OrderPercentOff(Decimal(30)), stacking=Stacking.EXCLUSIVE)
        a = promo("S1", LinePercentOff(Decimal(10)))
        c = promo("S2", OrderAmountOff(cny(20)))
        b = priced(order(line("1", "A", 2)), small, a, c)
        assert b.discount_total == cny(40)  # stack: 20 + 20 beats 10
        assert codes_of(b) == {"X": "promotion.excluded"}
        b = priced(order(line("1", "A", 2)), small, big, a, c)
        assert b.discount_total == cny(60)
        assert codes_of(b) == {
            "X": "promotion.excluded",
            "S1": "promotion.excluded",
            "S2": "promotion.excluded",
        }
        assert "Y" in b.rejected[0].message()

    def test_only_the_best_of_a_group_applies(self) -> None:
        g1 = promo("G1", LinePercentOff(Decimal(10)), group="season")
        g2 = promo("G2", OrderAmountOff(cny(15)), group="season")
        other = promo("O", LineAmountOff(cny(1)))
        b = priced(order(line("1", "A")), g1, g2, other)
        assert [a.promotion_id for a in b.applied] == ["G2", "O"]
        assert codes_of(b) == {"G1": "promotion.not_best"}
        assert b.discount_total == cny(16)

    def test_the_cap_limits_the_total_and_reports_what_is_left(self) -> None:
        p1 = promo("P1", OrderAmountOff(cny(40)), priority=1)
        p2 = promo("P2", OrderAmountOff(cny(30)), priority=2)
        p3 = promo("P3", OrderAmountOff(cny(5)), priority=3)
        b = priced(
            order(line("1", "A"), line("2", "B")),
            p1,
            p2,
            p3,
            stacking=StackingPolicy(max_discount=cny(50)),
        )
        assert b.discount_total == cny(50)
        assert [(a.promotion_id, a.amount, a.unused, a.code) for a in b.applied] == [
            ("P1", cny(40), cny(0), "promotion.applied"),
            ("P2", cny(10), cny(20), "promotion.cap_reached"),
        ]
        assert codes_of(b) == {"P3": "promotion.cap_reached"}

    def test_the_cap_as_a_percentage_of_the_subtotal(self) -> None:
        p = promo("P", OrderPercentOff(Decimal(50)))
        b = priced(
            order(line("1", "A")), p, stacking=StackingPolicy(max_discount_percent=Decimal(20))
        )
        assert b.discount_total == cny(20)

    def test_no_line_goes_below_zero_when_line_discounts_exceed_it(self) -> None:
        p = promo("P", LineAmountOff(cny(30), per=Per.UNIT))
        b = priced(order(line("1", "G", 2), line("2", "A")), p)
        assert b.line("1").net == cny(0)
        assert b.line("2").discount == cny(30)
        assert b.applied[0].unused == cny(50)  # 60 asked of a 10 line


class TestCoupons:
    promotion = promo("C10", OrderAmountOff(cny(10)))
    book = (
        Coupon("save10", promotion, min_spend=cny(100)),
        Coupon("OLD", promotion, valid_until=AT),
        Coupon("SOON", promotion, valid_from=AT + DAY),
        Coupon("LIMITED", promotion, usage_limit=100),
        Coupon("ONCE", promotion, per_customer_limit=1),
    )

    def run(self, *codes: str, redemptions: CouponRedemptions | None = None) -> PriceBreakdown:
        return priced(
            order(line("1", "A")), coupons=codes, coupon_book=self.book, redemptions=redemptions
        )

    def test_a_valid_coupon_unlocks_its_promotion(self) -> None:
        b = self.run(" Save10 ")
        assert b.discount_total == cny(10)
        assert b.applied[0].coupon == "SAVE10"
        assert b.line("1").adjustments[0].coupon == "SAVE10"

    @pytest.mark.parametrize(
        ("code", "reason"),
        [
            ("NOPE", "coupon.unknown"),
            ("OLD", "coupon.expired"),
            ("SOON", "coupon.not_yet_valid"),
            ("LIMITED", "coupon.usage_unknown"),
        ],
    )
    def test_rejections_carry_a_coded_bilingual_reason(self, code: str, reason: str) -> None:
        b = self.run(code)
        (rejection,) = b.rejected
        assert (rejection.kind, rejection.id, rejection.code) == ("coupon", code, reason)
        assert code in rejection.message("en")
        assert code in rejection.message("zh_CN")
        assert rejection.message("en") != rejection.message("zh_CN")

    def test_minimum_spend(self) -> None:
        b = priced(order(line("1", "B")), coupons=["SAVE10"], coupon_book=self.book)
        assert codes_of(b) == {"SAVE10": "coupon.min_spend"}

    def test_usage_limits_are_checked_through_the_redemption_lookup(self) -> None:
        used_up = RedemptionCounts(totals={"LIMITED": 100})
        assert codes_of(self.run("LIMITED", redemptions=used_up)) == {
            "LIMITED": "coupon.usage_limit"
        }
        assert self.run("LIMITED", redemptions=RedemptionCounts()).discount_total == cny(10)
        mine = RedemptionCounts(by_customer={("ONCE", "C-1"): 1})
        assert codes_of(self.run("ONCE", redemptions=mine)) == {"ONCE": "coupon.customer_limit"}
        assert isinstance(mine, CouponRedemptions)

    def test_the_same_code_twice_counts_once(self) -> None:
        b = self.run("SAVE10", "save10")
        assert b.discount_total == cny(10)
        assert codes_of(b) == {"SAVE10": "coupon.duplicate"}

    def test_a_coupon_whose_promotion_gives_nothing_is_reported_as_the_coupon(self) -> None:
        book = (Coupon("VIPONLY", promo("V", LinePercentOff(Decimal(5)),
                conditions=Conditions(customer_tiers={CustomerTier.VIP}))),)  # fmt: skip
        b = priced(order(line("1", "A")), coupons=["VIPONLY"], coupon_book=book)
        assert [(r.kind, r.id, r.code) for r in b.rejected] == [
            ("coupon", "VIPONLY", "promotion.customer_not_eligible")
        ]


class TestTax:
    def test_exclusive_prices_add_thirteen_percent_per_line(self) -> None:
        b = price(order(line("1", "A"), line("2", "C")), price_list=LIST, at=AT)
        assert (b.line("1").tax, b.line("2").tax) == (cny("13.00"), cny("5.20"))
        assert b.grand_total == cny("158.20")

    def test_rates_by_tax_code(self) -> None:
        o = order(line("1", "A", tax_code="VAT9"), line("2", "A", tax_code="VAT6"))
        b = price(o, price_list=LIST, at=AT)
        assert [x.tax for x in b.lines] == [cny(9), cny(6)]
        assert [x.tax_code for x in b.lines] == ["VAT9", "VAT6"]

    def test_per_line_and_per_document_rounding_differ_and_both_reconcile(self) -> None:
        plist = PriceList.of("CNY", [("S", "0.05")])
        o = order(line("1", "S"), line("2", "S"), line("3", "S"))
        per_line = price(o, price_list=plist, at=AT)
        per_doc = price(
            o, price_list=plist, at=AT, rounding=RoundingPolicy(scope=RoundingScope.DOCUMENT)
        )
        # 0.0065 per line rounds to 0.01 three times; the document's 0.0195 rounds to 0.02.
        assert per_line.tax_total == cny("0.03")
        assert per_doc.tax_total == cny("0.02")
        assert [x.tax for x in per_doc.lines] == [cny("0.01"), cny("0.01"), cny("0.00")]

    def test_inclusive_prices_extract_net_and_tax(self) -> None:
        plist = PriceList.of("CNY", [("A", "113.00"), ("B", "10.00")])
        tax = TaxPolicy(prices_include_tax=True)
        b = price(order(line("1", "A"), line("2", "B")), price_list=plist, at=AT, tax=tax)
        assert (b.line("1").net, b.line("1").tax, b.line("1").gross) == (
            cny(100), cny(13), cny(113),
        )  # fmt: skip
        assert (b.line("2").net, b.line("2").tax) == (cny("8.85"), cny("1.15"))
        assert b.grand_total == cny(123)
        assert b.subtotal == cny(123)

    def test_rounding_mode_applies(self) -> None:
        plist = PriceList.of("CNY", [("S", "0.05")])
        b = price(
            order(line("1", "S")),
            price_list=plist,
            at=AT,
            rounding=RoundingPolicy(mode=RoundingMode.DOWN),
        )
        assert b.tax_total == cny(0)

    def test_unknown_tax_codes_are_coded_errors(self) -> None:
        with pytest.raises(UnknownTaxCode) as caught:
            price(order(line("1", "A", tax_code="VAT99")), price_list=LIST, at=AT)
        assert caught.value.code == "price.tax_code.unknown"
        with pytest.raises(UnknownTaxCode):
            TaxPolicy(default_code="GST")

    def test_custom_rates(self) -> None:
        tax = TaxPolicy(rates={"STD": "0.2"}, default_code="STD")
        assert tax.resolve(None) == ("STD", Decimal("0.2"))
        with pytest.raises(InvalidPricing):
            TaxPolicy(rates={"STD": "-0.2"}, default_code="STD")
        with pytest.raises(TypeError):
            TaxPolicy(rates={"STD": 0.2}, default_code="STD")  # type: ignore[dict-item]
        assert TaxPolicy.china_vat(default_code="VAT6").resolve(None)[1] == Decimal("0.06")


class TestBreakdown:
    def test_line_lookup(self) -> None:
        b = priced(order(line("1", "A")))
        assert b.line("1").sku == "A"
        with pytest.raises(KeyError):
            b.line("nope")
        assert "LinePrice(line_id='1'" in repr(b.line("1"))

    def test_explain_shows_how_each_amount_came_to_be_in_both_languages(self) -> None:
        b = price(
            order(line("1", "A", 3), line("2", "B", requested_discount=Decimal(20))),
            price_list=LIST,
            at=AT,
            promotions=[Promotion("MJ", "满减", ThresholdOff.of("CNY", (300, 30)))],
            charges=[Charge(ChargeKind.SHIPPING, cny(10))],
            coupons=["NOPE"],
        )
        english = b.explain()
        chinese = b.explain("zh_CN")
        assert "CN¥350.00" in english  # subtotal
        assert "spend 300 CNY" in english
        assert "coupon.unknown" in english
        assert "discount.manual" not in english  # reasons are rendered, not codes
        assert "manual discount 20%" in english
        assert "¥350.00" in chinese
        assert "满 300 CNY 减 30 CNY" in chinese
        assert "需审批" in chinese
        assert "价税合计" in chinese
        free = promo("SHIP", ChargeOff(ChargeKind.SHIPPING, amount=cny(4)))
        ship = Charge(ChargeKind.SHIPPING, cny(10))
        shipped = priced(order(line("1", "A")), free, charges=[ship])
        assert "运费优惠" in shipped.explain("zh_CN")
        assert "off the shipping charge" in shipped.explain()


class TestPromotionDefinitions:
    @pytest.mark.parametrize(
        "make",
        [
            lambda: LinePercentOff(Decimal(101)),
            lambda: OrderPercentOff(Decimal(-1)),
            lambda: BuyGet(0, 1),
            lambda: BuyGet(True, 1),  # type: ignore[arg-type]
            lambda: BundlePrice(3, cny(-1)),
            lambda: OrderAmountOff(cny(-5)),
            lambda: ThresholdOff(()),
            lambda: ChargeOff(ChargeKind.SHIPPING, amount=cny(-1)),
        ],
    )
    def test_nonsense_is_refused_at_construction(self, make: object) -> None:
        with pytest.raises(InvalidPricing):
            make()  # type: ignore[operator]

    def test_float_percentages_are_refused(self) -> None:
        with pytest.raises(TypeError):
            LinePercentOff(0.1)  # type: ignore[arg-type]

    def test_targets_match_by_sku_category_or_tag(self) -> None:
        from salesorder._pricing._state import LineState

        def state(
            sku: str, category: str | None, tags: frozenset[str], *, gift: bool = False
        ) -> LineState:
            zero = Decimal(0)
            return LineState("1", sku, sku, Decimal(1), zero, zero, None, "VAT0", zero,
                             category, tags, 0, is_gift=gift)  # fmt: skip

        target = Target(skus="A", categories={"tea"}, tags={"sale"})
        assert target.skus == frozenset({"A"})
        assert not target.is_everything
        assert target.matches(state("A", None, frozenset()))
        assert target.matches(state("B", "tea", frozenset()))
        assert target.matches(state("B", None, frozenset({"sale"})))
        assert not target.matches(state("B", "cups", frozenset({"new"})))
        assert Target().matches(state("B", None, frozenset()))
        assert not Target().matches(state("B", None, frozenset(), gift=True))

    def test_bundles_need_enough_units(self) -> None:
        b = priced(order(line("1", "C", 2)), promo("3FOR100", BundlePrice(3, cny(100))))
        assert codes_of(b) == {"3FOR100": "promotion.min_quantity"}

    def test_once_per_order_limits_groups_and_bundles(self) -> None:
        b2g1 = promo("B", BuyGet(1, 1), once_per_order=True)
        b = priced(order(line("1", "C", 6)), b2g1)
        assert b.discount_total == cny(40)
        bundle = promo("N", BundlePrice(2, cny(60)), once_per_order=True)
        assert priced(order(line("1", "C", 6)), bundle).discount_total == cny(20)
        pct = promo("P", LinePercentOff(Decimal(10)), once_per_order=True)
        assert priced(order(line("1", "A"), line("2", "B")), pct).discount_total == cny(10)

    def test_order_discounts_on_lines_already_at_zero_are_reported(self) -> None:
        free = promo("FREE", LinePercentOff(Decimal(100)), priority=1)
        more = promo("MORE", OrderAmountOff(cny(5)), priority=2)
        b = priced(order(line("1", "A")), free, more)
        assert codes_of(b) == {"MORE": "promotion.no_eligible_lines"}
        zero = promo("ZERO", OrderPercentOff(Decimal(0)))
        assert codes_of(priced(order(line("1", "A")), zero)) == {"ZERO": "promotion.no_benefit"}


class TestCurrencies:
    def test_a_promotion_in_another_currency_is_refused(self) -> None:
        usd = promo("U", ThresholdOff.of("USD", (10, 1)))
        with pytest.raises(CurrencyMismatch):
            priced(order(line("1", "A")), usd)
        spend = promo(
            "S", LinePercentOff(Decimal(1)), conditions=Conditions(min_spend=Money(1, "USD"))
        )
        with pytest.raises(CurrencyMismatch):
            priced(order(line("1", "A")), spend)
        assert promo("B", BundlePrice(2, cny(1))).currencies == frozenset({"CNY"})
        assert promo("P", LinePercentOff(Decimal(1))).currencies == frozenset()

    def test_float_and_negative_quantities_are_refused(self) -> None:
        with pytest.raises(TypeError):
            FreeGift("G", 1.0)  # type: ignore[arg-type]
        with pytest.raises(InvalidPricing):
            Conditions(min_quantity=Decimal(-1))


class TestBreakdownValues:
    def test_breakdowns_are_hashable_values(self) -> None:
        p = promo("P", OrderPercentOff(Decimal(10)))
        ship = Charge(ChargeKind.SHIPPING, cny(5))
        first = priced(order(line("1", "A", requested_discount=Decimal(5))), p, charges=[ship])
        again = priced(order(line("1", "A", requested_discount=Decimal(5))), p, charges=[ship])
        assert first == again
        assert hash(first) == hash(again)
        assert "ChargePrice(charge_id='shipping'" in repr(first.charges[0])


class TestMarkupBounds:
    """A markup may lower a price to zero at most: nothing priced goes below zero."""

    @pytest.mark.parametrize("percent", ["-150", "-100.01", "NaN", "Infinity"])
    def test_a_percent_below_minus_one_hundred_is_refused_with_a_code(self, percent: str) -> None:
        with pytest.raises(InvalidPricing) as caught:
            Markup(percent=Decimal(percent))
        assert caught.value.code == "price.markup.out_of_bounds"
        assert "加价" in caught.value.message("zh_CN")

    def test_a_negative_amount_that_takes_the_price_below_zero_is_refused(self) -> None:
        with pytest.raises(InvalidPricing) as caught:
            PriceEntry("A", cost=cny(10), markup=Markup(amount=cny("-10.01")))
        assert caught.value.code == "price.markup.out_of_bounds"
        assert caught.value.params["sku"] == "A"

    def test_applying_a_markup_below_zero_is_refused(self) -> None:
        with pytest.raises(InvalidPricing) as caught:
            Markup(percent=Decimal(-50), amount=cny(-6)).apply(cny(10))
        assert caught.value.code == "price.markup.out_of_bounds"

    def test_markups_within_bounds_discount_down_to_zero(self) -> None:
        assert PriceEntry("A", cost=cny(80), markup=Markup(percent=Decimal(-100))).price == cny(0)
        less_a_rebate = Markup(MarkupBase.LIST, Decimal(-20), cny("-5.00"))
        entry = PriceEntry("B", cny(50), markup=less_a_rebate)
        assert entry.price == cny("35.00")
        b = priced(order(line("1", "B", 2)), price_list=PriceList("CNY", (entry,)))
        assert b.grand_total == cny("70.00")


class TestGiftsCompete:
    """A free gift's value counts when promotions compete for the customer."""

    def test_a_forty_yuan_gift_beats_one_yuan_off_in_a_group(self) -> None:
        plist = PriceList.of("CNY", [("A", "100.00"), ("GIFT", "40.00")])
        gift = promo("GIFT", FreeGift("GIFT"), group="welcome")
        small = promo("ONE", OrderAmountOff(cny(1)), group="welcome")
        b = priced(order(line("1", "A")), gift, small, price_list=plist)
        assert codes_of(b) == {"ONE": "promotion.not_best"}
        assert b.line("gift:GIFT").discount == cny(40)

    def test_a_forty_yuan_gift_beats_one_yuan_off_among_exclusives(self) -> None:
        plist = PriceList.of("CNY", [("A", "100.00"), ("GIFT", "40.00")])
        gift = promo("GIFT", FreeGift("GIFT"), stacking=Stacking.EXCLUSIVE)
        small = promo("ONE", OrderAmountOff(cny(1)), stacking=Stacking.EXCLUSIVE)
        b = priced(order(line("1", "A")), small, gift, price_list=plist)
        assert codes_of(b) == {"ONE": "promotion.excluded"}
        assert b.grand_total == cny(100)

    def test_a_larger_discount_still_beats_a_cheaper_gift(self) -> None:
        plist = PriceList.of("CNY", [("A", "100.00"), ("GIFT", "40.00")])
        gift = promo("GIFT", FreeGift("GIFT"), group="welcome")
        big = promo("BIG", OrderAmountOff(cny(41)), group="welcome")
        b = priced(order(line("1", "A")), gift, big, price_list=plist)
        assert codes_of(b) == {"GIFT": "promotion.not_best"}


class TestManualOrderDiscount:
    """A manual discount on the whole order, after promotions, split over the lines."""

    def test_a_percent_off_the_order_is_split_over_the_lines_after_promotions(self) -> None:
        o = attrs.evolve(
            order(line("1", "A"), line("2", "B")), order_discount=OrderDiscount(Decimal(10))
        )
        b = priced(o, promo("P", LineAmountOff(cny(10), Per.LINE), target=Target(skus="A")))
        # A: 100 - 10 = 90, B: 50; 10 % of 140 = 14, split 9.00 / 5.00.
        assert [(p.line_id, p.net) for p in b.lines] == [("1", cny(81)), ("2", cny(45))]
        manual = b.line("1").adjustments[-1]
        assert (manual.kind, manual.reason, manual.promotion_id) == (
            "manual",
            "discount.manual_order",
            None,
        )
        assert b.flags == ()

    def test_an_amount_off_never_goes_below_zero_and_is_flagged_beyond_policy(self) -> None:
        o = attrs.evolve(order(line("1", "B")), order_discount=OrderDiscount(amount=cny(80)))
        b = priced(o)
        assert b.grand_total == cny(0)
        [flag] = b.flags
        assert (flag.code, flag.line_id) == ("price.order_discount_beyond_policy", "")
        assert flag.params["amount"] == "50.00 CNY"
        assert "整单手工折扣" in flag.message("zh_CN")

    def test_within_policy_there_is_no_flag_and_beyond_there_is(self) -> None:
        within = attrs.evolve(order(line("1", "A")), order_discount=OrderDiscount(amount=cny(10)))
        beyond = attrs.evolve(
            order(line("1", "A")), order_discount=OrderDiscount(amount=cny("10.01"))
        )
        assert priced(within).flags == ()
        assert [f.params["percent"] for f in priced(beyond).flags] == ["10.01"]

    def test_the_split_does_not_depend_on_line_order(self) -> None:
        lines = (line("1", "C"), line("2", "C"), line("3", "C"))
        discount = OrderDiscount(amount=cny("0.01"))
        forward = priced(attrs.evolve(order(*lines), order_discount=discount))
        backward = priced(attrs.evolve(order(*reversed(lines)), order_discount=discount))
        assert forward.grand_total == backward.grand_total == cny("119.99")
        assert forward.line("1").net == backward.line("1").net == cny("39.99")

    def test_an_amount_in_another_currency_is_refused(self) -> None:
        o = attrs.evolve(
            order(line("1", "A")), order_discount=OrderDiscount(amount=Money(1, "USD"))
        )
        with pytest.raises(CurrencyMismatch):
            priced(o)

    @pytest.mark.parametrize(
        "make",
        [
            OrderDiscount,
            lambda: OrderDiscount(Decimal(5), cny(5)),
            lambda: OrderDiscount(Decimal(101)),
            lambda: OrderDiscount(amount=cny(-1)),
        ],
    )
    def test_malformed_order_discounts_are_refused(self, make: object) -> None:
        with pytest.raises(InvalidOrder):
            make()  # type: ignore[operator]


class TestChoiceByPriority:
    """StackingPolicy(choice=Choice.PRIORITY): rivals are chosen by priority (ERPNext)."""

    by_priority = StackingPolicy(choice=Choice.PRIORITY)

    def test_in_a_group_the_first_by_priority_wins_even_when_it_gives_less(self) -> None:
        small = promo("SMALL", OrderAmountOff(cny(1)), group="g", priority=1)
        big = promo("BIG", OrderAmountOff(cny(30)), group="g", priority=2)
        b = priced(order(line("1", "A")), small, big, stacking=self.by_priority)
        assert b.discount_total == cny(1)
        assert codes_of(b) == {"BIG": "promotion.lower_priority"}
        assert "优先级更高" in b.rejected[0].message("zh_CN")
        # The default still takes the best for the customer.
        assert priced(order(line("1", "A")), small, big).discount_total == cny(30)

    def test_an_exclusive_promotion_first_by_priority_beats_a_better_stack(self) -> None:
        first = promo("X", OrderAmountOff(cny(1)), stacking=Stacking.EXCLUSIVE, priority=1)
        stack = promo("S", OrderPercentOff(Decimal(50)), priority=5)
        b = priced(order(line("1", "A")), first, stack, stacking=self.by_priority)
        assert b.discount_total == cny(1)
        assert codes_of(b) == {"S": "promotion.excluded_by_priority"}
        assert priced(order(line("1", "A")), first, stack).discount_total == cny(50)

    def test_a_priority_tie_goes_to_the_stack(self) -> None:
        exclusive = promo("X", OrderAmountOff(cny(1)), stacking=Stacking.EXCLUSIVE, priority=5)
        stack = promo("A", OrderAmountOff(cny(2)), priority=5)
        b = priced(order(line("1", "A")), exclusive, stack, stacking=self.by_priority)
        assert b.discount_total == cny(2)


class TestRemainderPlacement:
    """StackingPolicy(remainder=...): where an order discount's odd cents go."""

    def test_largest_remainder_by_default_and_last_line_on_request(self) -> None:
        # 10.00 off three lines of 40.00: 3.33 each and one odd cent.
        o = order(line("1", "C"), line("2", "C"), line("3", "C"))
        p = promo("TEN", OrderAmountOff(cny(10)))
        fair = priced(o, p)
        assert [x.discount for x in fair.lines] == [cny("3.34"), cny("3.33"), cny("3.33")]
        last = priced(o, p, stacking=StackingPolicy(remainder=Remainder.LAST_LINE))
        assert [x.discount for x in last.lines] == [cny("3.33"), cny("3.33"), cny("3.34")]

    def test_the_last_line_takes_the_rest_in_line_id_order_whatever_the_order(self) -> None:
        lines = (line("a", "A"), line("b", "B"), line("c", "G"))
        p = promo("P", OrderPercentOff(Decimal(7)))
        policy = StackingPolicy(remainder=Remainder.LAST_LINE)
        forward = priced(order(*lines), p, stacking=policy)
        backward = priced(order(*reversed(lines)), p, stacking=policy)
        # 7 % of 155.00 = 10.85: 7.00 (A), 3.50 (B), the rest 0.35 on G.
        assert forward.line("c").discount == backward.line("c").discount == cny("0.35")
        assert forward.grand_total == backward.grand_total

    def test_a_last_line_too_small_for_the_rest_falls_back_to_largest_remainder(self) -> None:
        # 0.05 off 0.03 + 0.03 + 0.01: floors 0.02 and 0.02 leave 0.01 - fits; 0.06 off
        # 0.03 + 0.03 + 0.01 (all 0.07 but 0.01) would leave the last line 0.02: too much.
        plist = PriceList.of("CNY", [("P", "0.03"), ("Q", "0.01")])
        o = order(line("1", "P"), line("2", "P"), line("3", "Q"))
        policy = StackingPolicy(remainder=Remainder.LAST_LINE)
        b = priced(o, promo("OFF", OrderAmountOff(cny("0.06"))), price_list=plist, stacking=policy)
        assert [x.discount for x in b.lines] == [cny("0.03"), cny("0.02"), cny("0.01")]
        assert all(x.net.amount >= 0 for x in b.lines)

    def test_the_manual_order_discount_follows_the_same_placement(self) -> None:
        o = attrs.evolve(
            order(line("1", "C"), line("2", "C"), line("3", "C")),
            order_discount=OrderDiscount(amount=cny(10)),
        )
        last = priced(o, stacking=StackingPolicy(remainder=Remainder.LAST_LINE))
        assert [x.discount for x in last.lines] == [cny("3.33"), cny("3.33"), cny("3.34")]


class TestUnitsABenefitReaches:
    """Promotion.max_units (django-oscar) and once_scope CHEAPEST_UNIT (Saleor)."""

    def test_a_percent_off_reaches_only_the_cheapest_units(self) -> None:
        o = order(line("1", "A", 2), line("2", "C", 5))
        p = promo("P", LinePercentOff(Decimal(10)), max_units=3)
        b = priced(o, p)
        # The three cheapest units are three of C at 40.00: 10 % of 120.00.
        assert (b.line("1").discount, b.line("2").discount) == (cny(0), cny(12))
        assert b.applied[0].amount == cny(12)

    def test_an_amount_per_unit_spills_to_the_next_cheapest_line(self) -> None:
        o = order(line("1", "A", 2), line("2", "B", 3))
        b = priced(o, promo("P", LineAmountOff(cny(5)), max_units=4))
        assert (b.line("1").discount, b.line("2").discount) == (cny(5), cny(15))

    def test_an_order_percent_is_measured_on_the_reached_units_only(self) -> None:
        o = order(line("1", "A", 1), line("2", "B", 2))
        b = priced(o, promo("P", OrderPercentOff(Decimal(10)), max_units=2))
        assert b.discount_total == cny(10)  # 10 % of the two B units (100.00)

    def test_once_per_order_on_the_cheapest_unit_as_saleor(self) -> None:
        o = order(line("1", "A", 2), line("2", "C", 3))
        saleor = promo(
            "S",
            LinePercentOff(Decimal(50)),
            once_per_order=True,
            once_scope=OnceScope.CHEAPEST_UNIT,
        )
        b = priced(o, saleor)
        assert (b.line("1").discount, b.line("2").discount) == (cny(0), cny(20))
        whole_line = promo("L", LinePercentOff(Decimal(50)), once_per_order=True)
        b = priced(o, whole_line)
        assert (b.line("1").discount, b.line("2").discount) == (cny(100), cny(0))

    def test_the_reach_does_not_depend_on_line_order(self) -> None:
        lines = (line("1", "C", 2), line("2", "C", 2), line("3", "B", 1))
        p = promo("P", LinePercentOff(Decimal(25)), max_units=3)
        forward, backward = priced(order(*lines), p), priced(order(*reversed(lines)), p)
        assert [forward.line(i).discount for i in "123"] == [
            backward.line(i).discount for i in "123"
        ]
        assert forward.discount_total == cny(30)  # three units at 40.00

    def test_a_buy_get_counts_only_the_reached_units(self) -> None:
        o = order(line("1", "C", 6))
        b = priced(o, promo("B2G1", BuyGet(2, 1), max_units=3))
        assert b.discount_total == cny(40)  # one group of three, not two

    @pytest.mark.parametrize("bad", [0, "-1"])
    def test_max_units_must_be_positive(self, bad: object) -> None:
        with pytest.raises(InvalidPricing):
            promo("P", LinePercentOff(Decimal(10)), max_units=bad)


class TestUndiscountedBasis:
    """Promotion.percent_on / spend_on: compounding (default) or on undiscounted amounts."""

    def test_percentages_compound_by_default_and_add_up_on_request(self) -> None:
        o = order(line("1", "A"))
        ten = promo("TEN", LinePercentOff(Decimal(10)), priority=1)
        five = promo("FIVE", LinePercentOff(Decimal(5)), priority=2)
        assert priced(o, ten, five).discount_total == cny("14.50")  # 10 + 5 % of 90
        adding = [
            attrs.evolve(p, percent_on=Basis.UNDISCOUNTED) for p in (ten, five)
        ]  # ERPNext: 10 % + 5 % = 15 % of the price
        assert priced(o, *adding).discount_total == cny("15.00")

    def test_an_order_percent_on_undiscounted_amounts(self) -> None:
        o = order(line("1", "A"), line("2", "B"))
        first = promo("L", LinePercentOff(Decimal(20)), priority=1, target=Target(skus="A"))
        whole = promo("O", OrderPercentOff(Decimal(10)), priority=2, percent_on=Basis.UNDISCOUNTED)
        b = priced(o, first, whole)
        # 20 off A; then 10 % of 150.00 undiscounted = 15.00, allocated over 80 + 50.
        assert b.discount_total == cny(35)

    def test_added_up_percentages_never_go_below_zero(self) -> None:
        o = order(line("1", "A"))
        big = [
            promo(pid, LinePercentOff(Decimal(60)), priority=i, percent_on=Basis.UNDISCOUNTED)
            for i, pid in enumerate(("X", "Y"))
        ]
        b = priced(o, *big)
        assert b.grand_total == cny(0)
        assert b.applied[1].unused == cny(20)

    def test_a_threshold_measured_before_earlier_promotions(self) -> None:
        o = order(line("1", "A", 10))  # 1 000.00
        first = promo("L", LinePercentOff(Decimal(20)), priority=1)  # 800.00 left
        tiers = ThresholdOff.of("CNY", (1000, 100))
        current = promo("MJ", tiers, priority=2)
        assert codes_of(priced(o, first, current)) == {"MJ": "promotion.min_spend"}
        undiscounted = promo("MJ", tiers, priority=2, spend_on=Basis.UNDISCOUNTED)
        assert priced(o, first, undiscounted).discount_total == cny(300)

    def test_a_minimum_spend_measured_before_earlier_promotions(self) -> None:
        o = order(line("1", "A", 2))  # 200.00
        first = promo("L", LinePercentOff(Decimal(50)), priority=1)
        spend = Conditions(min_spend=cny(150))
        later = promo("O", OrderAmountOff(cny(10)), priority=2, conditions=spend)
        assert codes_of(priced(o, first, later)) == {"O": "promotion.min_spend"}
        measured = attrs.evolve(later, spend_on=Basis.UNDISCOUNTED)
        assert priced(o, first, measured).discount_total == cny(110)

    def test_the_undiscounted_basis_keeps_manual_line_discounts(self) -> None:
        o = order(line("1", "A", requested_discount=Decimal(10)))  # 90.00 agreed
        p = promo("P", LinePercentOff(Decimal(10)), percent_on=Basis.UNDISCOUNTED)
        assert priced(o, p).line("1").net == cny(81)


class TestGiftOptions:
    """FreeGift.per_quantity, FreeGift.price and Conditions.max_quantity (ERPNext)."""

    def test_the_gift_grows_with_the_quantity_bought(self) -> None:
        gift = promo("G", FreeGift("G", Decimal(1), per_quantity=Decimal(3)), target=Target("C"))
        b = priced(order(line("1", "C", 7), line("2", "A", 5)), gift)
        # 7 eligible units: two whole threes, two mugs at 5.00, both free.
        assert b.line("gift:G").quantity == Decimal(2)
        assert b.line("gift:G").discount == cny(10)
        assert b.applied[0].amount == cny(10)

    def test_too_few_units_give_no_gift(self) -> None:
        gift = promo("G", FreeGift("G", per_quantity=Decimal(3)))
        b = priced(order(line("1", "C", 2)), gift)
        assert codes_of(b) == {"G": "promotion.min_quantity"}
        assert [p.line_id for p in b.lines] == ["1"]

    def test_a_gift_at_a_stated_price(self) -> None:
        gift = promo("G", FreeGift("G", Decimal(2), price=cny("1.00")))
        b = priced(order(line("1", "A")), gift)
        line_g = b.line("gift:G")
        assert (line_g.extended, line_g.discount, line_g.net) == (cny(10), cny(8), cny(2))
        assert b.grand_total == cny(102)
        assert line_g.adjustments[0].reason == "discount.gift_at_price"

    def test_a_stated_price_above_the_list_price_gives_nothing_off(self) -> None:
        b = priced(order(line("1", "A")), promo("G", FreeGift("G", price=cny(9))))
        assert b.line("gift:G").net == cny(5)

    def test_a_gift_without_a_list_price_sells_at_its_stated_price(self) -> None:
        b = priced(order(line("1", "A")), promo("G", FreeGift("NOLIST", price=cny(3))))
        gift = b.line("gift:G")
        assert (gift.sku, gift.unit_price, gift.net) == ("NOLIST", cny(3), cny(3))

    def test_a_maximum_quantity_condition(self) -> None:
        small_orders = Conditions(max_quantity=Decimal(5))
        p = promo("S", OrderAmountOff(cny(10)), conditions=small_orders)
        assert priced(order(line("1", "C", 5)), p).discount_total == cny(10)
        b = priced(order(line("1", "C", 6)), p)
        assert codes_of(b) == {"S": "promotion.max_quantity"}
        assert b.rejected[0].params == {"promotion_id": "S", "limit": "5", "actual": "6"}
        assert "数量不超过 5" in b.rejected[0].message("zh_CN")

    @pytest.mark.parametrize(
        "make",
        [
            lambda: FreeGift("G", per_quantity=Decimal(0)),
            lambda: FreeGift("G", price=cny(-1)),
        ],
    )
    def test_malformed_gift_options_are_refused(self, make: object) -> None:
        with pytest.raises(InvalidPricing):
            make()  # type: ignore[operator]


class TestTaxMapping:
    """TaxPolicy.mappings: fiscal positions (Odoo) and the two ways to re-base a price."""

    export = TaxMapping("export", {"VAT13": "VAT0", "VAT9": "VAT0"}, countries={"US"})

    def abroad(self, *lines: OrderLine) -> Order:
        return attrs.evolve(order(*lines), shipping_address=Address("US", "Boston", "1 Main St"))

    def test_an_export_is_taxed_at_zero_and_a_domestic_order_is_not(self) -> None:
        policy = TaxPolicy(mappings=(self.export,))
        b = priced(self.abroad(line("1", "A")), tax=policy)
        assert (b.line("1").tax_code, b.tax_total, b.grand_total) == ("VAT0", cny(0), cny(100))
        home = priced(order(line("1", "A")), tax=policy)
        assert (home.line("1").tax_code, home.grand_total) == ("VAT13", cny(113))

    def test_an_exempt_customer(self) -> None:
        exempt = TaxMapping("exempt", {"VAT13": "VAT0"}, customer_ids={"C-9"})
        policy = TaxPolicy(mappings=(exempt,))
        assert priced(order(line("1", "A"), customer="C-9"), tax=policy).tax_total == cny(0)
        assert priced(order(line("1", "A")), tax=policy).tax_total == cny(13)

    def test_every_criterion_must_match_and_the_first_mapping_wins(self) -> None:
        vip_export = TaxMapping(
            "vip export", {"VAT13": "VAT6"}, countries={"US"}, customer_tiers={CustomerTier.VIP}
        )
        policy = TaxPolicy(mappings=(vip_export, self.export))
        vip = attrs.evolve(
            self.abroad(line("1", "A")), customer=Customer("C-1", "-", CustomerTier.VIP)
        )
        assert priced(vip, tax=policy).line("1").tax_code == "VAT6"
        assert priced(self.abroad(line("1", "A")), tax=policy).line("1").tax_code == "VAT0"

    def test_an_order_type_mapping(self) -> None:
        samples = TaxMapping("samples", {"VAT13": "VAT0"}, order_types={OrderType.SAMPLE})
        o = attrs.evolve(order(line("1", "A")), order_type=OrderType.SAMPLE)
        assert priced(o, tax=TaxPolicy(mappings=(samples,))).tax_total == cny(0)

    def test_a_tax_included_price_keeps_its_net_by_default(self) -> None:
        # Odoo's default: 113.00 incl. 13 % mapped to 0 % -> the customer pays 100.00.
        plist = PriceList.of("CNY", [("A", "113.00")])
        policy = TaxPolicy(prices_include_tax=True, mappings=(self.export,))
        b = priced(self.abroad(line("1", "A", 2)), tax=policy, price_list=plist)
        assert (b.line("1").unit_price, b.line("1").list_price) == (cny(100), cny(113))
        assert (b.tax_total, b.grand_total) == (cny(0), cny(200))

    def test_a_tax_included_price_can_keep_its_gross(self) -> None:
        plist = PriceList.of("CNY", [("A", "113.00")])
        keep = attrs.evolve(self.export, rebase=Rebase.KEEP_GROSS)
        policy = TaxPolicy(prices_include_tax=True, mappings=(keep,))
        b = priced(self.abroad(line("1", "A", 2)), tax=policy, price_list=plist)
        assert (b.line("1").unit_price, b.tax_total, b.grand_total) == (cny(113), cny(0), cny(226))

    def test_re_basing_to_another_non_zero_rate(self) -> None:
        plist = PriceList.of("CNY", [("A", "113.00")])
        services = TaxMapping("services", {"VAT13": "VAT6"}, countries={"US"})
        policy = TaxPolicy(prices_include_tax=True, mappings=(services,))
        b = priced(self.abroad(line("1", "A")), tax=policy, price_list=plist)
        # 113.00 / 1.13 x 1.06 = 106.00: 100.00 net and 6.00 VAT.
        assert (b.line("1").gross, b.line("1").net, b.line("1").tax) == (
            cny(106),
            cny(100),
            cny(6),
        )

    def test_charges_and_gifts_are_mapped_too(self) -> None:
        policy = TaxPolicy(mappings=(self.export,))
        b = priced(
            self.abroad(line("1", "A")),
            promo("G", FreeGift("G", price=cny(1))),
            tax=policy,
            charges=[Charge(ChargeKind.SHIPPING, cny(20))],
        )
        assert {b.line("gift:G").tax_code, b.charges[0].tax_code} == {"VAT0"}
        assert b.tax_total == cny(0)

    def test_a_mapping_to_an_unknown_code_is_refused(self) -> None:
        with pytest.raises(UnknownTaxCode):
            TaxPolicy(mappings=(TaxMapping("x", {"VAT13": "NOPE"}),))
