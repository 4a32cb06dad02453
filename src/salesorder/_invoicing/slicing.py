"""The one rule that slices a priced amount into invoice parts that add up exactly.

A priced line (or charge) has a quantity ``Q`` and amounts ``A`` (net, tax). The share
of ``A`` that ``c`` units carry is ``share(A, c, Q)``: ``A * c / Q`` rounded half-up
to the minor unit, and exactly ``A`` when ``c >= Q``. An invoice that takes the
line's billed quantity from ``c0`` to ``c1`` bills ``share(A, c1, Q)`` minus what the
invoice documents already bill for the line (net of credit notes), never less than
zero. So the invoices of a line add up to ``A`` to the cent once the whole quantity
is invoiced, whatever the number of parts, the rounding of the breakdown (per line
or per document: the tax of each line is sliced, never recomputed) and the credit
notes in between; and they never bill more than ``A``, since ``share`` grows with
``c``.

A credit note slices an *invoice line* the same way: crediting ``k`` more units of an
invoice line of ``m`` units that carries ``a`` reverses ``share(a, j + k, m) -
share(a, j, m)`` where ``j`` units were credited before, so crediting the whole
invoice line reverses exactly ``a``, and no credit note can take more than the
invoice line carries.
"""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal

from salesorder.money import Money, in_exact_context, minor_unit

__all__ = ["share", "slice_of", "zero"]


@functools.cache
def zero(currency: str) -> Money:
    """Zero in ``currency``, quantized to its minor unit (``0.00``): documents print it so."""
    return Money.zero(currency).quantize()


def share(total: Money, part: Decimal, whole: Decimal) -> Money:
    """The share of ``total`` that ``part`` of ``whole`` units carry, rounded half-up.

    Args:
        total: The amount of ``whole`` units (quantized, not negative).
        part: Units (clamped to ``0..whole``).
        whole: All units (positive; zero means the whole amount goes with any part).

    Returns:
        ``total * part / whole`` quantized to the currency's minor unit; ``total``
        itself when ``part >= whole``; zero when ``part <= 0``.
    """
    # The whole and nothing are decided without arithmetic (the whole-order invoice).
    if part >= whole:
        return total
    if part <= 0:
        return zero(total.currency)
    return _proportion(total, part, whole)


@in_exact_context
def _proportion(total: Money, part: Decimal, whole: Decimal) -> Money:
    quantum = Decimal(1).scaleb(-minor_unit(total.currency))
    amount = (total.amount * part / whole).quantize(quantum, rounding=decimal.ROUND_HALF_UP)
    return Money.of(amount, total.currency)


def slice_of(total: Money, after: Decimal, whole: Decimal, billed: Money) -> Money:
    """What a document bills when it takes the billed units to ``after``: the rule.

    Args:
        total: The amount of ``whole`` units (a priced line's net or tax, or an invoice
            line's for a credit note).
        after: Units billed (or credited) once the document is issued.
        whole: All units.
        billed: What the documents before bill for these units already.

    Returns:
        ``share(total, after, whole) - billed``, never below zero.
    """
    part = share(total, after, whole)
    if not billed:
        return part
    rest = part - billed
    return rest if rest.amount > 0 else zero(total.currency)
