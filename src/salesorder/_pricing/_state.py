"""Mutable working state of one pricing run (private: never leaves :func:`price`).

Amounts here are plain Decimals already quantized to the currency; Money objects are
built once, for the breakdown, because a frozen Money per intermediate step costs
several times the arithmetic itself (see ``benchmarks/bench_pricing.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from salesorder.money import Money, RoundingMode

#: One adjustment while pricing: (promotion id, kind, amount off, reason code, params, coupon).
AdjustmentRow = tuple[str | None, str, Decimal, str, dict[str, str], str | None]


class LineState:
    """One line (or gift line, or charge) being priced; ``net`` is the current amount."""

    __slots__ = (
        "adjustments",
        "base",
        "category",
        "extended",
        "is_gift",
        "line_id",
        "list_price",
        "name",
        "net",
        "ordered",
        "position",
        "quantity",
        "rate",
        "sku",
        "tags",
        "tax_code",
        "tax_parts",
        "unit_price",
    )

    def __init__(  # noqa: PLR0917 (hot path: positional calls are measurably cheaper)
        self,
        line_id: str,
        sku: str,
        name: str,
        quantity: Decimal,
        unit_price: Decimal,
        extended: Decimal,
        list_price: Decimal | None,
        tax_code: str,
        rate: Decimal,
        category: str | None,
        tags: frozenset[str],
        position: int,
        is_gift: bool = False,
    ) -> None:
        self.line_id = line_id
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unit_price = unit_price
        self.extended = extended
        self.net = extended
        #: The amount before any promotion (after a manual line discount).
        self.base = extended
        self.list_price = list_price
        self.tax_code = tax_code
        self.rate = rate
        self.category = category
        self.tags = tags
        self.position = position
        self.is_gift = is_gift
        self.adjustments: list[AdjustmentRow] = []
        #: The quantity in the ordered unit when ``quantity`` is a stock quantity (a line
        #: ordered in another unit than its stock unit); None otherwise.
        self.ordered: Decimal | None = None
        #: With tax groups: (component code, rate, tax) per component; None otherwise.
        self.tax_parts: tuple[tuple[str, Decimal, Decimal], ...] | None = None

    def clone(self) -> LineState:
        """A copy whose adjustments can change independently."""
        copy = LineState.__new__(LineState)
        for slot in LineState.__slots__:
            setattr(copy, slot, getattr(self, slot))
        copy.adjustments = list(self.adjustments)
        return copy


class Context:
    """What every step of one run needs: currency, quantum and rounding."""

    __slots__ = (
        "currency",
        "fx",
        "last_takes_rest",
        "mode",
        "places",
        "quantum",
        "rounding",
        "scale",
    )

    def __init__(
        self, currency: str, places: int, rounding: RoundingMode, *, last_takes_rest: bool = False
    ) -> None:
        self.currency = currency
        self.places = places
        self.quantum = Decimal(1).scaleb(-places)
        self.scale = Decimal(10**places)
        self.rounding = rounding
        self.mode = rounding.value
        self.last_takes_rest = last_takes_rest
        #: The order's exchange rate from the price list's currency, when they differ.
        self.fx: Decimal | None = None

    def listed(self, amount: Decimal) -> Decimal:
        """A list price in the order currency: converted by ``fx`` and rounded, once."""
        fx = self.fx
        return self.q(amount if fx is None else amount * fx)

    def q(self, amount: Decimal) -> Decimal:
        """``amount`` rounded to the currency's minor unit with the run's mode."""
        return amount.quantize(self.quantum, rounding=self.mode)

    def units(self, amount: Decimal) -> int:
        """A quantized amount as a whole number of minor units."""
        return int(amount * self.scale)

    def amount(self, units: int) -> Decimal:
        """Whole minor units back as a quantized Decimal."""
        return Decimal(units).scaleb(-self.places)

    def split(self, total: Decimal, weights: Sequence[int]) -> list[Decimal]:
        """Quantized ``total`` split over non-negative integer ``weights`` (not all zero).

        Same result as :func:`salesorder.money.allocate` (largest remainder, ties to the
        earlier weight; a property test checks the two agree), in integer arithmetic:
        ``allocate`` works in Fractions, which costs about 8 µs per weight and would alone
        exceed the pricing budget.
        """
        places = -self.places
        return [Decimal(u).scaleb(places) for u in split_units(int(total * self.scale), weights)]

    def allocate(self, total: Decimal, weights: Sequence[int]) -> list[Decimal]:
        """An order-level discount split over lines, remainder placed as the run says.

        ``weights`` are the minor units each line still holds. By largest remainder
        (:meth:`split`) by default; with ``last_takes_rest`` every line but the last
        gets its share rounded down and the last takes the rest, unless that rest is
        more than the last line holds (then by largest remainder, so no line goes below
        zero).
        """
        if self.last_takes_rest and total >= 0:
            parts = _last_takes_rest(int(total * self.scale), weights)
            if parts is not None:
                places = -self.places
                return [Decimal(u).scaleb(places) for u in parts]
        return self.split(total, weights)


def _last_takes_rest(units: int, weights: Sequence[int]) -> list[int] | None:
    # Shares rounded down, the last weight takes the rest; None when the rest would be
    # more than the last weight holds (the caller falls back to largest remainder).
    weight_sum = sum(weights)
    parts = [units * weight // weight_sum for weight in weights[:-1]]
    rest = units - sum(parts)
    return None if rest > weights[-1] else [*parts, rest]


def split_units(units: int, weights: Sequence[int]) -> list[int]:
    """Split whole ``units`` over integer ``weights`` by largest remainder, exactly."""
    weight_sum = sum(weights)
    sign = -1 if units < 0 else 1
    units = abs(units)
    floors = [units * weight // weight_sum for weight in weights]
    leftover = units - sum(floors)
    if leftover:
        remainders = [
            units * weight - floor * weight_sum
            for weight, floor in zip(weights, floors, strict=True)
        ]
        # A reverse sort is still stable: equal remainders keep the earlier weight first.
        ranked = sorted(range(len(floors)), key=remainders.__getitem__, reverse=True)
        for index in ranked[:leftover]:
            floors[index] += 1
    return [-part for part in floors] if sign < 0 else floors


_NEW: Final = object.__new__
# Money is a slotted attrs class: its two slot descriptors (a KeyError here at import
# would say Money lost its slots, rather than a slower path silently taking over).
_AMOUNT: Final = Money.__dict__["amount"]
_CURRENCY: Final = Money.__dict__["currency"]


def wrap(amount: Decimal, currency: str) -> Money:
    """Wrap an already valid, quantized Decimal in Money without re-validation.

    Same result as ``Money._exact``; Money is a slotted attrs class, so its slot
    descriptors set the two fields directly at under half the cost of
    ``object.__setattr__`` (a priced 20-line order builds about 250 Money values).
    """
    money: Money = _NEW(Money)
    _AMOUNT.__set__(money, amount)
    _CURRENCY.__set__(money, currency)
    return money
