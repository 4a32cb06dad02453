"""The working state of a pricing run, piece by piece (kills mutants of ``_pricing/_state.py``).

A priced breakdown hides most of these numbers behind rounding that happens to agree;
here the quantum, the minor units, the splits and the copies are checked exactly
(issue 13, mutation testing).
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from salesorder._pricing._state import Context, LineState, split_units, wrap
from salesorder.money import Money, RoundingMode

D = Decimal


def _line(**changes: object) -> LineState:
    arguments: dict[str, object] = {
        "line_id": "1",
        "sku": "A",
        "name": "a",
        "quantity": D(2),
        "unit_price": D("10.00"),
        "extended": D("20.00"),
        "list_price": D("12.00"),
        "tax_code": "VAT13",
        "rate": D("0.13"),
        "category": "tea",
        "tags": frozenset({"t"}),
        "position": 4,
    }
    arguments.update(changes)
    return LineState(**arguments)  # type: ignore[arg-type]


class TestLineState:
    def test_fields_start_from_the_extended_amount(self) -> None:
        state = _line()
        assert (state.line_id, state.sku, state.name, state.quantity) == ("1", "A", "a", D(2))
        assert (state.unit_price, state.extended, state.net, state.base) == (
            D("10.00"),
            D("20.00"),
            D("20.00"),
            D("20.00"),
        )
        assert (state.list_price, state.tax_code, state.rate) == (D("12.00"), "VAT13", D("0.13"))
        assert (state.category, state.tags, state.position) == ("tea", frozenset({"t"}), 4)
        assert state.is_gift is False
        assert state.adjustments == []
        assert _line(is_gift=True).is_gift is True

    def test_a_clone_copies_every_slot_and_owns_its_adjustments(self) -> None:
        state = _line()
        state.net = D("15.00")
        state.adjustments.append(("P", "percent", D(5), "code", {}, None))
        copy = state.clone()
        assert {slot: getattr(copy, slot) for slot in LineState.__slots__} == {
            slot: getattr(state, slot) for slot in LineState.__slots__
        }
        copy.adjustments.append(("Q", "percent", D(1), "code", {}, None))
        assert len(state.adjustments) == 1
        assert copy.adjustments is not state.adjustments


class TestContext:
    @pytest.mark.parametrize(("currency", "places"), [("CNY", 2), ("JPY", 0), ("KWD", 3)])
    def test_quantum_scale_and_units(self, currency: str, places: int) -> None:
        context = Context(currency, places, RoundingMode.HALF_UP)
        assert context.currency == currency
        assert context.quantum == D(1).scaleb(-places)
        assert str(context.quantum) == {0: "1", 2: "0.01", 3: "0.001"}[places]
        assert context.scale == D(10**places)
        assert context.units(D("12.345").quantize(context.quantum)) == int(
            D("12.345").quantize(context.quantum) * 10**places
        )
        assert context.amount(12345) == D(12345).scaleb(-places)
        assert context.last_takes_rest is False

    def test_rounding_follows_the_mode(self) -> None:
        half_up = Context("CNY", 2, RoundingMode.HALF_UP)
        assert (half_up.rounding, half_up.mode) == (RoundingMode.HALF_UP, decimal.ROUND_HALF_UP)
        assert half_up.q(D("1.005")) == D("1.01")
        assert str(half_up.q(D("2"))) == "2.00"
        down = Context("CNY", 2, RoundingMode.DOWN)
        assert down.q(D("1.009")) == D("1.00")

    def test_amounts_and_units_round_trip(self) -> None:
        context = Context("CNY", 2, RoundingMode.HALF_UP)
        assert context.units(D("123.45")) == 12345
        assert context.units(D("-0.01")) == -1
        assert str(context.amount(12345)) == "123.45"
        assert str(context.amount(-5)) == "-0.05"

    def test_split_by_largest_remainder(self) -> None:
        context = Context("CNY", 2, RoundingMode.HALF_UP)
        assert context.split(D("1.00"), [1, 1, 1]) == [D("0.34"), D("0.33"), D("0.33")]
        assert [str(p) for p in context.split(D("0.10"), [1, 2, 2])] == ["0.02", "0.04", "0.04"]
        assert context.split(D("-1.00"), [1, 1, 1]) == [D("-0.34"), D("-0.33"), D("-0.33")]

    def test_allocate_by_largest_remainder_unless_told(self) -> None:
        context = Context("CNY", 2, RoundingMode.HALF_UP)
        assert context.allocate(D("1.00"), [1, 1, 1]) == [D("0.34"), D("0.33"), D("0.33")]

    def test_allocate_with_the_last_taking_the_rest(self) -> None:
        context = Context("CNY", 2, RoundingMode.HALF_UP, last_takes_rest=True)
        assert context.last_takes_rest is True
        assert context.allocate(D("1.00"), [100, 100, 100]) == [D("0.33"), D("0.33"), D("0.34")]
        assert [str(p) for p in context.allocate(D("0.00"), [1, 1])] == ["0.00", "0.00"]
        # The rest (2 units) is more than the last line holds (1 unit): largest remainder.
        assert context.allocate(D("0.05"), [2, 2, 1]) == [D("0.02"), D("0.02"), D("0.01")]
        # A negative total never takes the last-takes-rest path.
        assert context.allocate(D("-1.00"), [100, 100, 100]) == [
            D("-0.34"),
            D("-0.33"),
            D("-0.33"),
        ]

    def test_the_rest_may_equal_what_the_last_line_holds(self) -> None:
        context = Context("CNY", 2, RoundingMode.HALF_UP, last_takes_rest=True)
        # 4 units over 3, 3, 2: shares rounded down 1 and 1, the rest 2 is exactly what the
        # last line holds (largest remainder would give 2, 1, 1).
        assert context.allocate(D("0.04"), [3, 3, 2]) == [D("0.01"), D("0.01"), D("0.02")]


class TestSplitUnits:
    @pytest.mark.parametrize(
        ("units", "weights", "parts"),
        [
            (10, [1, 1, 1], [4, 3, 3]),
            (10, [1, 2, 1], [3, 5, 2]),  # remainders .5, 0, .5: ties to the earlier weight
            (10, [0, 1, 1], [0, 5, 5]),
            (11, [1, 1], [6, 5]),
            (0, [1, 2], [0, 0]),
            (-10, [1, 1, 1], [-4, -3, -3]),
            (-1, [1, 1], [-1, 0]),
            (7, [3], [7]),
            (2, [1, 1, 1], [1, 1, 0]),
        ],
    )
    def test_examples(self, units: int, weights: list[int], parts: list[int]) -> None:
        result = split_units(units, weights)
        assert result == parts
        assert sum(result) == units

    def test_remainders_rank_by_size_not_by_position(self) -> None:
        # exact shares 1.4, 2.1, 3.5 (units 7, weights 2, 3, 5): 1 leftover goes to 3.5.
        assert split_units(7, [2, 3, 5]) == [1, 2, 4]
        assert split_units(8, [5, 3, 2]) == [4, 2, 2]


def test_wrap_builds_the_money_as_is() -> None:
    money = wrap(D("12.30"), "CNY")
    assert money == Money("12.30", "CNY")
    assert (str(money.amount), money.currency, type(money)) == ("12.30", "CNY", Money)
