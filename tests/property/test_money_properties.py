"""Money invariants: arithmetic laws within a currency, exact and deterministic splits."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from salesorder.money import Money, RoundingMode, allocate, minor_unit
from salesorder.testing.strategies import currencies, money

cny = money(currency="CNY", min_value=-(10**9))


@given(cny, cny, cny)
def test_addition_is_associative_and_commutative(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a


@given(cny, cny)
def test_subtraction_inverts_addition(a: Money, b: Money) -> None:
    assert (a + b) - b == a
    assert a - a == Money.zero("CNY")
    negated = -a
    assert -negated == a


@given(cny, st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_multiplication_distributes(a: Money, m: int, n: int) -> None:
    assert a * (m + n) == a * m + a * n


@given(money(quantized=False), st.sampled_from(list(RoundingMode)))
def test_quantize_is_idempotent_and_within_one_unit(price: Money, mode: RoundingMode) -> None:
    rounded = price.quantize(mode)
    assert rounded.is_quantized()
    assert rounded.quantize(mode) == rounded
    assert abs(rounded.amount - price.amount) < Decimal(1).scaleb(-minor_unit(price.currency))


weights = st.lists(
    st.one_of(st.integers(0, 10**6), st.decimals(0, 10**6, places=3)), min_size=1, max_size=30
).filter(lambda ws: any(w > 0 for w in ws))


@given(currencies().flatmap(lambda c: money(currency=c, min_value=-(10**9))), weights)
def test_allocate_sums_exactly_and_stays_within_one_unit(
    total: Money, shares: list[Decimal | int]
) -> None:
    parts = allocate(total, shares)
    assert len(parts) == len(shares)
    assert sum(parts, Money.zero(total.currency)) == total
    unit = Fraction(1, 10 ** minor_unit(total.currency))
    weight_sum = sum(Fraction(w) for w in shares)
    for part, weight in zip(parts, shares, strict=True):
        assert part.is_quantized()
        exact = Fraction(total.amount) * Fraction(weight) / weight_sum
        assert abs(Fraction(part.amount) - exact) < unit


@given(money(), weights)
def test_allocate_is_deterministic(total: Money, shares: list[Decimal | int]) -> None:
    assert allocate(total, shares) == allocate(total, list(shares))
