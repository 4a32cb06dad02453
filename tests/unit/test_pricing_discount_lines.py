"""The manual order discount shown as one discount line per tax code (Odoo's global discount)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from salesorder.lifecycle import refund_for
from salesorder.money import Money, RoundingPolicy, RoundingScope
from salesorder.order import Customer, Order, OrderDiscount, OrderLine
from salesorder.pricing import (
    DiscountLines,
    PriceBreakdown,
    PriceList,
    StackingPolicy,
    TaxComponent,
    TaxPolicy,
    price,
)

AT = datetime(2026, 11, 11, 10, tzinfo=UTC)
PER_TAX = StackingPolicy(discount_lines=DiscountLines.PER_TAX)
SHOP = PriceList.of("CNY", [("TEA", "100.00"), ("BOOK", "50.00"), ("WINE", "100.00")])


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


TEN_PERCENT = OrderDiscount(Decimal(10))


def mixed(discount: OrderDiscount | None = TEN_PERCENT) -> Order:
    return Order(
        id="SO-1",
        customer=Customer(id="C-1", name="-"),
        currency="CNY",
        lines=(
            OrderLine("1", "TEA", "tea", Decimal(2)),
            OrderLine("2", "BOOK", "book", Decimal(1), tax_code="VAT9"),
        ),
        order_discount=discount,
    )


def rows(b: PriceBreakdown) -> list[tuple[str, Money, Money, Money]]:
    return [(d.tax_code, d.net, d.tax, d.gross) for d in b.discount_lines]


def test_the_default_spreads_the_discount_and_shows_no_discount_line() -> None:
    b = price(mixed(), price_list=SHOP, at=AT)
    assert b.discount_lines == ()
    assert all(line.order_discount_share is None for line in b.lines)


def test_one_discount_line_per_tax_code_with_odoo_figures() -> None:
    # Odoo's so_discount: per tax group, -(10 % of price_unit x qty), taxed at that group.
    b = price(mixed(), price_list=SHOP, at=AT, stacking=PER_TAX)
    assert rows(b) == [
        ("VAT13", cny("-20.00"), cny("-2.60"), cny("-22.60")),
        ("VAT9", cny("-5.00"), cny("-0.45"), cny("-5.45")),
    ]
    assert b.grand_total == cny("252.45")  # 226.00 + 54.50 - 22.60 - 5.45
    before = [line.gross + line.order_discount_share.gross for line in b.lines]  # type: ignore[union-attr]
    assert before == [cny("226.00"), cny("54.50")]
    # The lines keep the spread figures: the totals are those of the default.
    spread = price(mixed(), price_list=SHOP, at=AT)
    assert [line.gross for line in b.lines] == [line.gross for line in spread.lines]
    assert b.grand_total == spread.grand_total
    assert b.tax_total == spread.tax_total


def test_a_partial_return_takes_exactly_the_lines_share() -> None:
    o = mixed()
    b = price(o, price_list=SHOP, at=AT, stacking=PER_TAX)
    tea = b.line("1")
    # One tea of two: half of (226.00 before the discount - its share 22.60).
    assert refund_for(o, (("1", Decimal(1)),), breakdown=b) == cny("101.70")
    assert tea.gross == cny("226.00") - tea.order_discount_share.gross  # type: ignore[union-attr]
    everything = refund_for(o, (("1", Decimal(2)), ("2", Decimal(1))), breakdown=b)
    assert everything == b.grand_total


def test_tax_included_prices_keep_the_gross_of_the_share() -> None:
    o = mixed(OrderDiscount(amount=cny("11.30")))
    b = price(o, price_list=SHOP, at=AT, stacking=PER_TAX, tax=TaxPolicy(prices_include_tax=True))
    # 11.30 over 200.00 and 50.00: 9.04 and 2.26 of gross, the tax taken out of each.
    assert rows(b) == [
        ("VAT13", cny("-8.00"), cny("-1.04"), cny("-9.04")),
        ("VAT9", cny("-2.07"), cny("-0.19"), cny("-2.26")),
    ]
    assert b.grand_total == cny("238.70")


def test_a_tax_group_discount_line_lists_each_component() -> None:
    liquor = TaxPolicy(groups={"LIQ": (
        TaxComponent("CT", Decimal("0.10")),
        TaxComponent("VAT13", Decimal("0.13"), compound=True),
        TaxComponent("DEPOSIT", per_unit=cny("0.50")),
    )})  # fmt: skip
    o = attrs.evolve(
        mixed(OrderDiscount(Decimal(10))),
        lines=(OrderLine("1", "WINE", "wine", Decimal(2), tax_code="LIQ"),),
    )
    b = price(o, price_list=SHOP, at=AT, stacking=PER_TAX, tax=liquor)
    [line] = b.discount_lines
    # 20.00 off the net: 2.00 less consumption tax, 2.86 less VAT, the deposit stays.
    assert [(t.code, t.amount) for t in line.taxes] == [
        ("CT", cny("-2.00")),
        ("VAT13", cny("-2.86")),
        ("DEPOSIT", cny("0.00")),
    ]
    assert (line.net, line.tax) == (cny("-20.00"), cny("-4.86"))


def test_per_document_rounding_still_reconciles() -> None:
    o = mixed(OrderDiscount(amount=cny("0.07")))
    document = RoundingPolicy(scope=RoundingScope.DOCUMENT)
    b = price(o, price_list=SHOP, at=AT, stacking=PER_TAX, rounding=document)
    shown = sum((line.gross + line.order_discount_share.gross for line in b.lines), cny(0))  # type: ignore[union-attr]
    assert shown + sum((d.gross for d in b.discount_lines), cny(0)) == b.grand_total


def test_no_order_discount_no_discount_line() -> None:
    b = price(mixed(None), price_list=SHOP, at=AT, stacking=PER_TAX)
    assert b.discount_lines == ()


def test_explain_shows_the_lines_before_the_discount_and_the_discount_lines() -> None:
    text = price(mixed(), price_list=SHOP, at=AT, stacking=PER_TAX).explain()
    assert "Order discount per tax code" in text
    assert "-CN¥22.60" in text
    assert "CN¥226.00" in text
    assert "manual order discount" not in text
    assert "按税码列示的整单折扣" in price(
        mixed(), price_list=SHOP, at=AT, stacking=PER_TAX
    ).explain("zh_CN")


def test_through_the_service_the_stored_line_totals_are_the_spread_ones() -> None:
    from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
    from salesorder.demo import START, demo_price_list, tea_shop_payload
    from salesorder.service import OrderService
    from salesorder.settings import PricingSettings

    def entered(stacking: StackingPolicy) -> tuple[Order, PriceBreakdown]:
        service = OrderService(
            unit_of_work=MemoryDatabase().unit_of_work,
            clock=FixedClock(START),
            numbering=PatternNumbering(),
            pricing_settings=PricingSettings(price_list=demo_price_list(), stacking=stacking),
        )
        payload = {**tea_shop_payload(tea=3, cups=2), "order_discount": {"percent": "5"}}
        order = service.enter(payload, actor="S-LI")
        return order, service.price_order(order)

    shown, b = entered(PER_TAX)
    spread, _ = entered(StackingPolicy())
    assert b.discount_lines
    assert shown.line_totals == spread.line_totals
    assert shown.grand_total == spread.grand_total
    assert sum((amount for _, amount in shown.line_totals), cny(0)) == shown.grand_total


def test_a_share_is_never_negative_when_rounding_makes_the_tax_fall_more_than_the_gross() -> None:
    # Tax-included 0.27 with four taxes rounded one by one: a cent off the gross takes two
    # cents off the rounded taxes, so the net before less the net after would be -0.01.
    four = TaxPolicy(
        prices_include_tax=True,
        groups={"G": (
            TaxComponent("A", Decimal("0.10")),
            TaxComponent("B", Decimal("0.13"), compound=True),
            TaxComponent("C", Decimal("0.06")),
            TaxComponent("D", Decimal("0.2")),
        )},
    )  # fmt: skip
    o = attrs.evolve(
        mixed(OrderDiscount(amount=cny("0.01"))),
        lines=(OrderLine("1", "X", "x", Decimal(1), tax_code="G"),),
    )
    listed = PriceList.of("CNY", [("X", "0.27")])
    b = price(o, price_list=listed, at=AT, stacking=PER_TAX, tax=four)
    share = b.line("1").order_discount_share
    assert share is not None
    assert (share.net, share.tax, share.gross) == (cny("0.00"), cny("0.01"), cny("0.01"))
    assert all(t.amount.amount >= 0 for t in share.taxes)
    [line] = b.discount_lines
    assert (line.net, line.tax, line.gross) == (cny("0.00"), cny("-0.01"), cny("-0.01"))
