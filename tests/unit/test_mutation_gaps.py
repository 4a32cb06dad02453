"""Examples that kill the mutants the whole suite let live (issue 13, mutation testing).

mutmut 3 found behaviour no test pinned down: each test here names the mutant it kills.
How to run mutation testing is in ``docs/contributing.md`` ("Mutation testing").
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from salesorder.documents import rmb_upper
from salesorder.errors import ArgumentTypeError, InvalidMoney
from salesorder.money import MAX_DECIMAL_PLACES, Money, to_decimal
from salesorder.order import Customer, Order, OrderLine
from salesorder.pricing import PriceEntry, PriceList, TaxPolicy, UnknownTaxCode, price

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


class TestRmbUpper:
    @pytest.mark.parametrize(
        ("amount", "capitals"),
        [
            # A mutant wrote 壹万零壹仟元整: reading it back gives 11000 too, so only an
            # exact spelling catches it.
            ("11000", "壹万壹仟元整"),
            ("10100", "壹万零壹佰元整"),
            ("110000", "壹拾壹万元整"),
            ("100001000", "壹亿零壹仟元整"),
            ("1010.05", "壹仟零壹拾元零伍分"),
            ("0.5", "伍角整"),
        ],
    )
    def test_exact_spellings(self, amount: str, capitals: str) -> None:
        assert rmb_upper(Decimal(amount)) == capitals


class TestMoneyLimits:
    def test_an_int_added_to_money_raises(self) -> None:
        # A mutant returned the Money for any int on the left (5 + Money("1") == Money("1")).
        with pytest.raises(ArgumentTypeError) as caught:
            5 + cny(1)  # type: ignore[operator]
        assert caught.value.params["kind"] == "int"

    def test_sixty_four_characters_of_text_are_read_and_sixty_five_are_not(self) -> None:
        at_limit = "1" + "0" * 12 + "." + "0" * 50  # 64 characters, 1e12
        assert len(at_limit) == 64
        assert to_decimal(at_limit) == Decimal(10) ** 12
        with pytest.raises(InvalidMoney) as caught:
            to_decimal(at_limit + "0")
        assert caught.value.params == {"reason": "{what} text is too long", "what": "amount"}
        assert caught.value.message() == "Not a valid money amount: amount text is too long."

    def test_twelve_decimal_places_are_read_and_thirteen_are_not(self) -> None:
        assert MAX_DECIMAL_PLACES == 12
        assert to_decimal("0.000000000001") == Decimal("1E-12")
        assert to_decimal("0.1230000000000") == Decimal("0.123")  # trailing zeros do not count
        with pytest.raises(InvalidMoney) as caught:
            to_decimal("0.0000000000001", what="quantity")
        assert caught.value.params == {
            "reason": "{what} has more than {max_places} decimal places",
            "what": "quantity",
            "max_places": 12,
        }
        assert caught.value.message().endswith(": quantity has more than 12 decimal places.")


def _order(*lines: OrderLine) -> Order:
    return Order(id="O-1", customer=Customer(id="C-1", name="N"), currency="CNY", lines=lines)


PRICES = PriceList("CNY", entries=(PriceEntry("TEA", cny(100)),))


class TestPricing:
    def test_an_ordinary_line_is_not_a_gift(self) -> None:
        # A mutant marked every priced line as a gift.
        breakdown = price(
            _order(OrderLine("1", "TEA", "Tea", Decimal(2))), price_list=PRICES, at=AT
        )
        assert [line.is_gift for line in breakdown.lines] == [False]

    @pytest.mark.parametrize("include", [True, False])
    def test_china_vat_keeps_the_price_basis_it_is_given(self, include: bool) -> None:
        # A mutant ignored prices_include_tax.
        policy = TaxPolicy.china_vat(prices_include_tax=include)
        assert policy.prices_include_tax is include
        breakdown = price(
            _order(OrderLine("1", "TEA", "Tea", Decimal(1))), price_list=PRICES, tax=policy, at=AT
        )
        assert breakdown.grand_total == (cny(100) if include else cny(113))

    def test_an_unknown_tax_code_names_the_code_and_the_line(self) -> None:
        # A mutant raised UnknownTaxCode without its parameters.
        line = OrderLine("7", "TEA", "Tea", Decimal(1), tax_code="VAT99")
        with pytest.raises(UnknownTaxCode) as caught:
            price(_order(line), price_list=PRICES, at=AT)
        assert caught.value.code == "price.tax_code.unknown"
        assert caught.value.params == {"tax_code": "VAT99", "line_id": "7"}
        assert caught.value.tax_code == "VAT99"
        assert "VAT99" in str(caught.value)
