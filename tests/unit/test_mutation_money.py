"""Money's refusals, parameters and context independence, pinned down exactly.

Each test kills mutants of ``salesorder.money`` that the rest of the suite let live
(issue 13; how to run mutmut is in ``docs/contributing.md``, "Mutation testing"). The
errors' ``params`` are public (they fill the bilingual messages and reach API clients),
so they are compared whole, not just the error class.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from salesorder.errors import (
    ARGUMENT_NOT_A_CHOICE,
    AllocationError,
    ArgumentTypeError,
    InvalidArgument,
    InvalidMoney,
    UnknownCurrency,
)
from salesorder.money import Money, RoundingMode, allocate, format_money, minor_unit, to_decimal


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def _kind(value: object) -> str:
    return type(value).__name__


class TestParameters:
    def test_unknown_currency_names_the_code_cut_to_eight_characters(self) -> None:
        with pytest.raises(UnknownCurrency) as caught:
            minor_unit("XYZ")
        assert caught.value.params == {"currency": "XYZ"}
        with pytest.raises(UnknownCurrency) as caught:
            minor_unit("NOT-A-CURRENCY")
        assert caught.value.params == {"currency": "NOT-A-CU"}

    def test_money_names_an_unknown_currency_cut_to_eight_characters(self) -> None:
        with pytest.raises(UnknownCurrency) as caught:
            Money(1, "ABCDEFGHIJ")
        assert caught.value.params == {"currency": "ABCDEFGH"}
        with pytest.raises(UnknownCurrency) as caught:
            Money(1, 1234567890)  # type: ignore[arg-type]
        assert caught.value.params == {"currency": "12345678"}

    @pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN")])
    def test_a_number_that_is_not_finite_is_named(self, value: object) -> None:
        with pytest.raises(InvalidMoney) as caught:
            to_decimal(value, what="price")
        assert caught.value.params == {"reason": "{what} must be finite", "what": "price"}
        assert caught.value.message() == "Not a valid money amount: price must be finite."

    def test_an_exponent_decimal_cannot_hold_is_out_of_range(self) -> None:
        with pytest.raises(InvalidMoney) as caught:
            to_decimal("1e1000000000000000000", what="price")  # beyond Decimal
        assert caught.value.params == {"reason": "{what} is out of range", "what": "price"}
        assert caught.value.message() == "Not a valid money amount: price is out of range."

    @pytest.mark.parametrize("value", [True, None, b"1", [1]])
    def test_a_value_that_is_no_number_names_what_and_its_type(self, value: object) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            to_decimal(value, what="quantity")
        assert caught.value.params == {
            "argument": "quantity",
            "expected": "a Decimal, int or string",
            "kind": _kind(value),
        }

    @pytest.mark.parametrize("operand", [5, "1", Decimal(1), None])
    def test_arithmetic_with_a_non_money_names_the_operand(self, operand: object) -> None:
        expected = {"argument": "operand", "expected": "Money", "kind": _kind(operand)}
        for operation in (
            lambda: cny(1) + operand,
            lambda: cny(1) - operand,
            lambda: operand - cny(1),
            lambda: cny(1) < operand,
        ):
            with pytest.raises(ArgumentTypeError) as caught:
                operation()
            assert caught.value.params == expected

    def test_a_result_out_of_range_says_so(self) -> None:
        with pytest.raises(InvalidMoney) as caught:
            cny("999999999999999") + cny("999999999999999")
        assert caught.value.params == {"reason": "the result is out of range"}

    @pytest.mark.parametrize("factor", ["2", True, None])
    def test_a_factor_that_is_no_number_is_named(self, factor: object) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            cny(1) * factor  # type: ignore[operator]
        assert caught.value.params == {
            "argument": "factor",
            "expected": "a Decimal, int or string",
            "kind": _kind(factor),
        }

    @pytest.mark.parametrize("factor", [Decimal("NaN"), Decimal("Infinity")])
    def test_a_factor_that_is_not_finite_is_refused(self, factor: Decimal) -> None:
        with pytest.raises(InvalidMoney) as caught:
            cny(1) * factor
        assert caught.value.params == {"reason": "factor must be finite"}

    def test_quantize_names_a_rounding_that_is_no_rounding_mode(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            cny(1).quantize("HALF_UP")  # type: ignore[arg-type]
        assert caught.value.params == {
            "argument": "rounding",
            "expected": "a RoundingMode",
            "kind": "str",
        }

    def test_round_points_to_quantize(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            round(cny("1.005"), 2)
        assert caught.value.params == {
            "argument": "rounding of money",
            "expected": "Money.quantize(rounding=...)",
            "kind": "round()",
        }

    def test_a_locale_that_is_no_text_or_unknown_is_named(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            format_money(cny(1), 7)  # type: ignore[arg-type]
        assert caught.value.params == {
            "argument": "locale",
            "expected": "a locale identifier such as zh_CN",
            "kind": "int",
        }
        with pytest.raises(InvalidArgument) as refused:
            format_money(cny(1), "xx_NOWHERE")
        assert refused.value.code == ARGUMENT_NOT_A_CHOICE
        assert refused.value.params == {
            "argument": "locale",
            "choices": "CLDR locale identifiers such as zh_CN, en_US",
        }

    @pytest.mark.parametrize(
        ("weights", "params", "reason"),
        [
            ([1, "2"], {"index": 1}, "weight 1 is not a number"),
            ([1, 1, Decimal("NaN")], {"index": 2}, "weight 2 is not finite"),
            ([1, -1], {"index": 1}, "weight 1 is negative"),
            ([], {}, "no weights"),
            ([0, 0], {}, "all weights are zero"),
        ],
    )
    def test_allocation_names_the_weight_at_fault(
        self, weights: list[object], params: dict[str, object], reason: str
    ) -> None:
        with pytest.raises(AllocationError) as caught:
            allocate(cny(10), weights)  # type: ignore[arg-type]
        assert set(caught.value.params) == {"reason", *params}
        assert caught.value.params.items() >= params.items()
        assert caught.value.message() == f"Cannot split an amount by these weights: {reason}."

    @pytest.mark.parametrize("weights", ["12", b"12", 12])
    def test_allocation_refuses_text_and_non_iterables_as_weights(self, weights: object) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            allocate(cny(10), weights)  # type: ignore[arg-type]
        assert caught.value.params == {
            "argument": "weights",
            "expected": "an iterable of numbers",
            "kind": _kind(weights),
        }

    def test_allocating_a_non_money_names_its_type(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            allocate(Decimal(10), [1])  # type: ignore[arg-type]
        assert caught.value.params["kind"] == "Decimal"


class TestText:
    @pytest.mark.parametrize("text", [" 1.5", "1.5\t", "\r\n1.5\n"])
    def test_ascii_blanks_around_a_number_are_read(self, text: str) -> None:
        assert to_decimal(text) == Decimal("1.5")

    @pytest.mark.parametrize("text", ["\u30001", "1\u00a0", "\x0b1", "X1", "1X", "XX1XX"])
    def test_other_characters_around_a_number_are_not_stripped(self, text: str) -> None:
        with pytest.raises(InvalidMoney) as caught:
            to_decimal(text)
        assert caught.value.params == {"reason": "{what} is not a number", "what": "amount"}


class TestBehaviour:
    def test_equal_money_hashes_alike_and_different_amounts_spread(self) -> None:
        assert hash(cny("1.0")) == hash(cny("1.00"))
        assert len({hash(cny(n)) for n in range(50)}) > 1

    def test_format_defaults_to_en_us(self) -> None:
        assert cny("1234.5").format() == "CN¥1,234.50"

    def test_format_passes_its_rounding_on(self) -> None:
        assert cny("1.005").format() == "CN¥1.01"
        assert cny("1.005").format(rounding=RoundingMode.DOWN) == "CN¥1.00"

    def test_the_allocate_method_passes_its_rounding_on(self) -> None:
        assert cny("1.005").allocate([1], rounding=RoundingMode.DOWN) == (cny("1.00"),)
        assert cny("1.005").allocate([1]) == (cny("1.01"),)

    def test_zero_parts_carry_no_sign(self) -> None:
        parts = allocate(cny(0), [1, 2])
        assert [str(part) for part in parts] == ["0.00 CNY", "0.00 CNY"]
        assert not any(part.amount.is_signed() for part in parts)
        assert [str(part) for part in allocate(cny("0.01"), [1, 1])] == ["0.01 CNY", "0.00 CNY"]


class TestDecimalPlaces:
    def test_twelve_places_keep_their_trailing_zeros(self) -> None:
        # Only an amount beyond 12 places is normalised; at 12 it stays as given.
        assert str(to_decimal("1.000000000000")) == "1.000000000000"
        assert str(to_decimal("0.000000000001")) == "1E-12"
        assert str(Money("2.500000000000", "CNY").amount) == "2.500000000000"

    def test_trailing_zeros_beyond_twelve_places_normalise_to_twelve(self) -> None:
        assert str(to_decimal("0.0000000000010")) == "1E-12"
        assert str(to_decimal("1.1234567890120")) == "1.123456789012"


class TestAmbientContext:
    """Money names its own context: a host's low precision changes nothing."""

    def test_reading_text_ignores_the_callers_precision(self) -> None:
        with decimal.localcontext(decimal.Context(prec=5)):
            assert to_decimal("1.1234567890120") == Decimal("1.123456789012")

    BIG = "123456789012.34"

    def test_quantize_and_is_quantized_ignore_the_callers_precision(self) -> None:
        with decimal.localcontext(decimal.Context(prec=5)):
            assert cny("123456789012.345").quantize() == cny("123456789012.35")
            assert cny(self.BIG).is_quantized()

    def test_allocate_ignores_the_callers_precision(self) -> None:
        with decimal.localcontext(decimal.Context(prec=5)):
            parts = allocate(cny(self.BIG), [1, 1])
        assert parts == (cny("61728394506.17"), cny("61728394506.17"))
        assert sum(parts, cny(0)) == cny(self.BIG)
