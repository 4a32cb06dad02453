from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesorder.errors import (
    AllocationError,
    ArgumentTypeError,
    CurrencyMismatch,
    FloatRefused,
    InvalidMoney,
    UnknownCurrency,
)
from salesorder.money import (
    Money,
    RoundingMode,
    RoundingPolicy,
    RoundingScope,
    allocate,
    is_currency,
    minor_unit,
    to_decimal,
)


class TestConstruction:
    @pytest.mark.parametrize("amount", ["12.30", Decimal("12.3"), " 12.30 "])
    def test_accepts_strings_and_decimals(self, amount: str | Decimal) -> None:
        assert Money(amount, "CNY").amount == Decimal("12.3")

    def test_accepts_ints(self) -> None:
        assert Money(12, "CNY").amount == Decimal(12)

    def test_float_is_refused_with_type_error_and_code(self) -> None:
        with pytest.raises(TypeError) as caught:
            Money(0.1, "CNY")  # type: ignore[arg-type]
        assert isinstance(caught.value, FloatRefused)
        assert caught.value.code == "money.float_refused"

    @pytest.mark.parametrize("amount", ["NaN", "Infinity", "-inf", "sNaN", "1e1000000", "1e15"])
    def test_non_finite_and_absurd_amounts_are_refused(self, amount: str) -> None:
        with pytest.raises(InvalidMoney) as caught:
            Money(amount, "CNY")
        assert caught.value.code == "money.invalid_amount"

    def test_too_many_decimal_places_are_refused(self) -> None:
        with pytest.raises(InvalidMoney):
            Money("0.0000000000001", "CNY")

    def test_trailing_zeros_beyond_the_limit_are_not_precision(self) -> None:
        assert Money("1.00000000000000000000", "CNY") == Money(1, "CNY")

    @pytest.mark.parametrize("amount", ["abc", "", "1,000", "x" * 100])
    def test_unparseable_text_is_refused(self, amount: str) -> None:
        with pytest.raises(InvalidMoney):
            Money(amount, "CNY")

    @pytest.mark.parametrize("amount", [True, None, [1]])
    def test_other_types_are_type_errors(self, amount: object) -> None:
        with pytest.raises(TypeError):
            Money(amount, "CNY")  # type: ignore[arg-type]

    def test_currency_is_checked_against_cldr(self) -> None:
        with pytest.raises(UnknownCurrency) as caught:
            Money(1, "XYZ")
        assert caught.value.code == "money.unknown_currency"
        assert "XYZ" in caught.value.message("zh_CN")

    def test_currency_code_is_normalised_to_upper_case(self) -> None:
        assert Money(1, "cny").currency == "CNY"

    def test_non_string_currency_is_refused(self) -> None:
        with pytest.raises(UnknownCurrency):
            Money(1, 156)  # type: ignore[arg-type]

    def test_alternative_constructors(self) -> None:
        assert Money.of("1", "USD") == Money(1, "USD")
        assert Money.zero("JPY").amount == 0
        assert not Money.zero("JPY")
        assert Money(1, "JPY")

    def test_is_frozen_and_hashable(self) -> None:
        price = Money("1.50", "CNY")
        with pytest.raises(AttributeError):
            price.amount = Decimal(2)  # type: ignore[misc]
        assert len({price, Money("1.5", "CNY"), Money("1.5", "USD")}) == 2

    def test_to_decimal_names_the_field(self) -> None:
        with pytest.raises(InvalidMoney) as caught:
            to_decimal("nan", what="quantity")
        assert "quantity" in caught.value.message()


class TestArithmetic:
    def test_adding_a_number_to_money_is_refused(self) -> None:
        with pytest.raises(TypeError):
            _ = 5 + Money("1", "CNY")  # type: ignore[operator]
        with pytest.raises(TypeError):
            _ = Money("1", "CNY") + 5  # type: ignore[operator]
        assert 0 + Money("1", "CNY") == Money("1", "CNY")  # sum()'s start

    def test_a_result_beyond_the_largest_amount_is_refused(self) -> None:
        # 2000 x 999,999,999,999.99 could not be read back by any store.
        price = Money("999999999999.99", "CNY")
        with pytest.raises(InvalidMoney, match="out of range") as caught:
            _ = price * 2000
        assert caught.value.code == "money.invalid_amount"
        largest = Money("999999999999999.99", "CNY")
        with pytest.raises(InvalidMoney):
            _ = largest + Money("0.01", "CNY")
        with pytest.raises(InvalidMoney):
            _ = -largest - Money("0.01", "CNY")
        assert largest + Money("0.00", "CNY") == largest
        assert largest * 0 == Money.zero("CNY")

    def test_every_result_reads_back(self) -> None:
        result = Money("999999999999.99", "CNY") * 999
        assert Money(str(result.amount), "CNY") == result

    def test_addition_subtraction_negation(self) -> None:
        a, b = Money("10.10", "CNY"), Money("0.95", "CNY")
        assert a + b == Money("11.05", "CNY")
        assert a - b == Money("9.15", "CNY")
        assert -a == Money("-10.10", "CNY")
        assert +a is a
        assert abs(-a) == a

    def test_multiplication_by_int_and_decimal_is_exact(self) -> None:
        assert Money("0.10", "CNY") * 3 == Money("0.30", "CNY")
        assert 3 * Money("0.10", "CNY") == Money("0.30", "CNY")
        assert Money("19.99", "CNY") * Decimal("0.13") == Money("2.5987", "CNY")

    def test_multiplication_by_float_is_refused(self) -> None:
        with pytest.raises(FloatRefused):
            Money(1, "CNY") * 1.5  # type: ignore[operator]

    def test_multiplication_by_non_finite_decimal_is_refused(self) -> None:
        with pytest.raises(InvalidMoney):
            Money(1, "CNY") * Decimal("NaN")

    def test_multiplication_by_other_types_is_unsupported(self) -> None:
        with pytest.raises(TypeError):
            Money(1, "CNY") * "2"  # type: ignore[operator]
        with pytest.raises(TypeError):
            Money(1, "CNY") * True  # type: ignore[operator]

    def test_sum_with_builtin_start(self) -> None:
        assert sum([Money(1, "CNY"), Money(2, "CNY")]) == Money(3, "CNY")  # type: ignore[comparison-overlap]

    def test_adding_a_non_money_is_unsupported(self) -> None:
        with pytest.raises(TypeError):
            Money(1, "CNY") + 1  # type: ignore[operator]
        with pytest.raises(TypeError):
            Money(1, "CNY") - 1  # type: ignore[operator]
        with pytest.raises(TypeError):
            "x" + Money(1, "CNY")  # type: ignore[operator]

    @pytest.mark.parametrize(
        "operation",
        [
            lambda a, b: a + b,
            lambda a, b: a - b,
            lambda a, b: a < b,
            lambda a, b: a <= b,
            lambda a, b: a > b,
            lambda a, b: a >= b,
        ],
    )
    def test_mixing_currencies_raises_currency_mismatch(self, operation: object) -> None:
        with pytest.raises(CurrencyMismatch) as caught:
            operation(Money(1, "CNY"), Money(1, "USD"))  # type: ignore[operator]
        assert caught.value.params == {"left": "CNY", "right": "USD"}

    def test_ordering_against_non_money_is_a_type_error(self) -> None:
        with pytest.raises(TypeError):
            Money(1, "CNY") < 2  # type: ignore[operator]  # noqa: B015

    def test_equality_across_currencies_is_false(self) -> None:
        assert Money(1, "CNY") != Money(1, "USD")
        assert Money(1, "CNY") != 1

    def test_comparisons(self) -> None:
        small, big = Money(1, "CNY"), Money(2, "CNY")
        assert small < big
        assert small <= Money(1, "CNY")
        assert big > small
        assert big >= Money(2, "CNY")

    def test_round_builtin_is_refused(self) -> None:
        with pytest.raises(TypeError):
            round(Money("1.005", "CNY"))  # type: ignore[call-overload]


class TestQuantize:
    @pytest.mark.parametrize(
        ("currency", "places"), [("JPY", 0), ("CNY", 2), ("USD", 2), ("KWD", 3), ("BHD", 3)]
    )
    def test_minor_units_come_from_cldr(self, currency: str, places: int) -> None:
        assert minor_unit(currency) == places
        assert Money("1.23456", currency).quantize().amount.as_tuple().exponent == -places

    def test_half_up_is_the_default(self) -> None:
        assert Money("2.345", "CNY").quantize() == Money("2.35", "CNY")
        assert Money("-2.345", "CNY").quantize() == Money("-2.35", "CNY")

    def test_half_even_is_available(self) -> None:
        assert Money("2.345", "CNY").quantize(RoundingMode.HALF_EVEN) == Money("2.34", "CNY")
        assert Money("2.355", "CNY").quantize(RoundingMode.HALF_EVEN) == Money("2.36", "CNY")

    def test_is_quantized(self) -> None:
        assert Money("2.30", "CNY").is_quantized()
        assert not Money("2.301", "CNY").is_quantized()
        assert Money("2.301", "CNY").minor_unit == 2

    def test_unknown_currency_has_no_minor_unit(self) -> None:
        with pytest.raises(UnknownCurrency):
            minor_unit("XYZ")
        assert not is_currency("XYZ")

    def test_rounding_policy_defaults(self) -> None:
        policy = RoundingPolicy()
        assert policy.mode is RoundingMode.HALF_UP
        assert policy.scope is RoundingScope.LINE


class TestAllocate:
    def test_three_ways(self) -> None:
        parts = allocate(Money("100", "CNY"), [1, 1, 1])
        assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]

    def test_proportional_with_decimal_weights(self) -> None:
        parts = Money("10.00", "CNY").allocate([Decimal("0.5"), Decimal("1.5")])
        assert parts == (Money("2.50", "CNY"), Money("7.50", "CNY"))

    def test_zero_weight_gets_zero(self) -> None:
        parts = allocate(Money("1", "JPY"), [0, 1, 0])
        assert [p.amount for p in parts] == [0, 1, 0]

    def test_negative_total_mirrors_positive(self) -> None:
        parts = allocate(Money("-0.05", "CNY"), [1, 1])
        assert [p.amount for p in parts] == [Decimal("-0.03"), Decimal("-0.02")]

    def test_total_is_quantized_first(self) -> None:
        parts = allocate(Money("0.015", "CNY"), [1])
        assert parts == (Money("0.02", "CNY"),)

    @pytest.mark.parametrize(
        ("weights", "reason"),
        [([], "no weights"), ([0, 0], "all weights are zero"), ([1, -1], "negative")],
    )
    def test_bad_weights_are_refused(self, weights: list[int], reason: str) -> None:
        with pytest.raises(AllocationError) as caught:
            allocate(Money(1, "CNY"), weights)
        assert reason in caught.value.message()
        assert caught.value.code == "money.allocation.invalid_weights"

    def test_float_weight_is_refused(self) -> None:
        with pytest.raises(FloatRefused):
            allocate(Money(1, "CNY"), [0.5])  # type: ignore[list-item]

    @pytest.mark.parametrize("weight", [Decimal("NaN"), "1", True])
    def test_non_numeric_weights_are_refused(self, weight: object) -> None:
        with pytest.raises(AllocationError):
            allocate(Money(1, "CNY"), [weight])  # type: ignore[list-item]


class TestFormat:
    def test_chinese_and_english(self) -> None:
        assert Money("1234.5", "CNY").format("zh_CN") == "¥1,234.50"
        assert Money("1234.5", "CNY").format("en_US") == "CN¥1,234.50"
        assert Money("1234.5", "USD").format("en-US") == "$1,234.50"

    def test_formatting_rounds_half_up_not_half_even(self) -> None:
        assert Money("10.005", "CNY").format("zh_CN") == "¥10.01"

    def test_exact_amount_on_request(self) -> None:
        assert Money("10.005", "CNY").format("en_US", quantized=False) == "CN¥10.005"

    def test_str_and_repr(self) -> None:
        assert str(Money("1.50", "CNY")) == "1.50 CNY"
        assert repr(Money("1.50", "CNY")) == "Money('1.50', 'CNY')"


def test_rounding_a_small_negative_gives_zero_not_negative_zero() -> None:
    # Found by the SQL analytics differential test: a refund larger than a sale by less
    # than a minor unit gave "-0" in memory and "0" from SQL.
    for amount, currency, zero in (("-0.001", "CNY", "0.00"), ("-0.01", "JPY", "0")):
        rounded = Money(amount, currency).quantize()
        assert str(rounded.amount) == zero
        assert not rounded.amount.is_signed()
    assert str(Money("-0.4", "JPY").quantize().amount) == "0"
    assert str(Money("-0.5", "JPY").quantize().amount) == "-1"


# -- Money.of_minor: integers of minor units, as a store reads them -----------------------


@given(
    minor=st.one_of(
        st.integers(min_value=-(10**13), max_value=10**13),
        st.integers(min_value=-(10**20), max_value=10**20),
    ),
    currency=st.sampled_from(["CNY", "JPY", "KWD", "usd"]),
)
def test_of_minor_is_the_quantized_amount(minor: int, currency: str) -> None:
    places = minor_unit(currency.upper())
    try:
        expected = Money(Decimal(minor).scaleb(-places), currency)
    except InvalidMoney:  # past the largest amount: refused the same way
        with pytest.raises(InvalidMoney):
            Money.of_minor(minor, currency)
        return
    money = Money.of_minor(minor, currency)
    assert money == expected
    assert money.currency == currency.upper()
    assert money.amount.as_tuple().exponent == -places  # the currency's places, kept
    assert money.quantize() == money


@pytest.mark.parametrize("minor", [1.0, True, "12", Decimal(12), None])
def test_of_minor_refuses_what_is_not_an_int(minor: object) -> None:
    with pytest.raises(ArgumentTypeError):
        Money.of_minor(minor, "CNY")  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["XXQ", "", None, 156])
def test_of_minor_refuses_unknown_currencies(currency: object) -> None:
    with pytest.raises(UnknownCurrency):
        Money.of_minor(1, currency)  # type: ignore[arg-type]


def test_of_minor_refuses_amounts_out_of_range() -> None:
    with pytest.raises(InvalidMoney):
        Money.of_minor(10**40, "CNY")
