"""Properties of the intake's cells module: the export guard and its inverse, number text."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from salesorder._intake.cells import FORMULA_TRIGGERS, cell_text, neutralise, restore

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@given(texts)
@example("'=")  # a text typed with its own quote before a trigger (found by Hypothesis)
@example("'-1")
def test_restore_undoes_neutralise(text: str) -> None:
    assert restore(neutralise(text)) == text


@given(texts)
def test_a_neutralised_text_never_starts_with_a_formula_trigger(text: str) -> None:
    assert not neutralise(text).startswith(FORMULA_TRIGGERS)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_cell_reads_as_the_exact_decimal_of_its_shortest_text(value: float) -> None:
    text = cell_text(value)
    assert float(Decimal(text)) == value
    assert not text.endswith(".0")


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_an_integral_cell_reads_without_a_fraction(value: int) -> None:
    assert cell_text(value) == str(value)
    if abs(value) < 10**15:
        assert cell_text(float(value)) == str(value)
