"""Inventory turnover from a journal of stock movements.

Invariants: quantities are summed exactly; the movement kinds map to an effect through
:data:`~salesorder.analytics.DEFAULT_MOVEMENT_KINDS` or the caller's mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from salesorder._analytics.common import (
    DEFAULT_MOVEMENT_KINDS,
    EXACT_ARITHMETIC,
    MICROSECONDS_PER_DAY,
    MOVEMENT_UNKNOWN_KIND,
    PERIOD_INVALID,
    RATIO_PLACES,
    AnalyticsError,
    MovementEffect,
    StockMovementView,
    TurnoverReport,
    TurnoverStats,
    micros,
    round_half_up,
)

# -- inventory turnover -------------------------------------------------------------------------


def _exact_sum(quantities: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for quantity in quantities:
        total = EXACT_ARITHMETIC.add(total, quantity)
    return total


def _turnover(issued: Decimal, opening: Decimal, closing: Decimal, days: Fraction) -> TurnoverStats:
    average = Fraction(opening + closing) / 2
    turnover = Fraction(issued) / average if average > 0 else None
    return TurnoverStats(
        issued=issued,
        opening=opening,
        closing=closing,
        # Half of a Decimal is a Decimal with one more digit at most: exact.
        average_on_hand=EXACT_ARITHMETIC.multiply(
            EXACT_ARITHMETIC.add(opening, closing), Decimal("0.5")
        ),
        turnover=round_half_up(turnover, RATIO_PLACES) if turnover is not None else None,
        days_of_inventory=(round_half_up(days / turnover, RATIO_PLACES) if turnover else None),
    )


def inventory_turnover(
    movements: Iterable[StockMovementView],
    *,
    start: datetime,
    end: datetime,
    kinds: Mapping[str, MovementEffect] = DEFAULT_MOVEMENT_KINDS,
) -> TurnoverReport:
    """Inventory turnover over ``[start, end)`` from the stock journal, per SKU and overall.

    On hand is rebuilt from the movements (all locations together): the opening is
    the effect of every movement before ``start``, the closing adds those in the
    period; movements at or after ``end`` are ignored. Turnover is the quantity issued
    in the period over the average of opening and closing on hand; days of inventory
    are the period's days over the turnover.

    Args:
        movements: The journal (any objects matching :class:`StockMovementView`), in
            any order; it must start from zero stock (include the initial receipts).
        start: Start of the period (inclusive).
        end: End of the period (exclusive).
        kinds: Effect of each movement kind.

    Returns:
        The report.

    Raises:
        AnalyticsError: ``analytics.period.invalid`` unless ``start < end``;
            ``analytics.movement.unknown_kind`` for a kind not in ``kinds``.
    """
    if not start < end:
        raise AnalyticsError(PERIOD_INVALID)
    zero = Decimal(0)
    opening: dict[str, Decimal] = {}
    change: dict[str, Decimal] = {}
    issued: dict[str, Decimal] = {}
    for movement in movements:
        effect = kinds.get(movement.kind)
        if effect is None:
            raise AnalyticsError(MOVEMENT_UNKNOWN_KIND, params={"kind": movement.kind[:40]})
        if movement.at >= end:
            continue
        quantity = movement.quantity
        if effect is MovementEffect.NONE:
            delta = zero
        elif effect in (MovementEffect.ISSUE, MovementEffect.WRITE_OFF):
            delta = -quantity
        else:
            delta = quantity
        sku = movement.sku
        target = opening if movement.at < start else change
        target[sku] = EXACT_ARITHMETIC.add(target.get(sku, zero), delta)
        opening.setdefault(sku, zero)
        if movement.at >= start and effect is MovementEffect.ISSUE:
            issued[sku] = EXACT_ARITHMETIC.add(issued.get(sku, zero), quantity)
    days = Fraction(micros(end - start), MICROSECONDS_PER_DAY)
    by_sku = {
        sku: _turnover(
            issued.get(sku, zero),
            opening[sku],
            EXACT_ARITHMETIC.add(opening[sku], change.get(sku, zero)),
            days,
        )
        for sku in sorted(opening)
    }
    overall = _turnover(
        _exact_sum(s.issued for s in by_sku.values()),
        _exact_sum(s.opening for s in by_sku.values()),
        _exact_sum(s.closing for s in by_sku.values()),
        days,
    )
    return TurnoverReport(overall, by_sku)
