"""Hypothesis strategies for property-checking order invariants in your own tests.

Every strategy returns values that the library accepts (valid currencies, bounded
amounts), so failures point at the property under test, not at the generator.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from salesorder.money import Money, minor_unit

# --- stock (inventory) strategies live in a private module; re-exported here.
from salesorder.testing._stock import run_stock_operations, stock_operations, stock_positions

__all__ = [
    "amounts",
    "currencies",
    "money",
    "run_stock_operations",
    "stock_operations",
    "stock_positions",
]

#: Common currencies with 0, 2 and 3 decimal minor units.
COMMON_CURRENCIES = ("CNY", "USD", "EUR", "JPY", "KRW", "GBP", "HKD", "KWD", "BHD")


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes with 0, 2 and 3 minor-unit digits (CNY first, so it shrinks there)."""
    return st.sampled_from(COMMON_CURRENCIES)


def amounts(
    *,
    places: int = 2,
    min_value: Decimal | int = 0,
    max_value: Decimal | int = 10**9,
) -> st.SearchStrategy[Decimal]:
    """Decimals with exactly ``places`` decimals between the bounds."""
    return st.decimals(
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def _money(
    draw: st.DrawFn,
    currency: str | None,
    min_value: Decimal | int,
    max_value: Decimal | int,
    quantized: bool,
) -> Money:
    code = currency if currency is not None else draw(currencies())
    places = minor_unit(code) if quantized else minor_unit(code) + 3
    return Money(draw(amounts(places=places, min_value=min_value, max_value=max_value)), code)


def money(
    *,
    currency: str | None = None,
    min_value: Decimal | int = 0,
    max_value: Decimal | int = 10**9,
    quantized: bool = True,
) -> st.SearchStrategy[Money]:
    """Money in ``currency`` (or any of :func:`currencies`) between the bounds.

    Args:
        currency: Fix the currency; None draws one.
        min_value: Smallest amount (may be negative).
        max_value: Largest amount.
        quantized: Whole minor units only (default); False adds up to 3 more decimals.
    """
    return _money(currency, min_value, max_value, quantized)
