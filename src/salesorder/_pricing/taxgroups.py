"""Several taxes on one line: percentages, levies per unit, taxes on top of others.

Used only when the tax policy has groups (``TaxPolicy.groups``); a line whose code is a
plain rate is then one component of that rate, so every line of the order is taxed by
the same arithmetic:

* each component's tax is affine in the line's net ``N``: ``T_i = a_i * N + b_i``, with
  ``a_i = rate_i * (1 + Σ a_j)`` and ``b_i = rate_i * Σ b_j + levy_i`` over the earlier
  components ``j`` when the component is compound, else ``a_i = rate_i`` and
  ``b_i = levy_i`` (a levy is ``per_unit`` times the line's stock quantity);
* with exclusive prices ``N`` is the line's amount; with inclusive prices the amount is
  the gross ``G = N + Σ T_i``, so ``N = (G - Σ b) / (1 + Σ a)`` (a gross under its levies
  has a net of 0 and its levies are cut to the gross, split by largest remainder);
* per-line rounding rounds each component's tax; per-document rounding rounds the exact
  total once and splits it over every line's components by largest remainder, as for
  single rates. A line's tax is the sum of its components' taxes, so the taxes per
  component code add up to the document's tax to the minor unit.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

from salesorder._pricing._state import Context, LineState
from salesorder._pricing.tax import TaxComponent

__all__ = ["group_taxes"]

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_DIVIDE: Final = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)


def _exact_parts(
    state: LineState, components: Sequence[TaxComponent], *, include: bool
) -> list[Decimal]:
    slopes: list[Decimal] = []
    offsets: list[Decimal] = []
    for component in components:
        rate = component.rate
        levy = _ZERO if component.per_unit is None else component.per_unit.amount * state.quantity
        if component.compound:
            slopes.append(rate * (_ONE + sum(slopes, _ZERO)))
            offsets.append(rate * sum(offsets, _ZERO) + levy)
        else:
            slopes.append(rate)
            offsets.append(levy)
    if include:
        levies = sum(offsets, _ZERO)
        if state.net <= levies:
            return [] if not levies else [_DIVIDE.multiply(state.net, b / levies) for b in offsets]
        net = _DIVIDE.divide(state.net - levies, _ONE + sum(slopes, _ZERO))
    else:
        net = state.net
    return [a * net + b for a, b in zip(slopes, offsets, strict=True)]


def group_taxes(
    states: Sequence[LineState],
    groups: Mapping[str, tuple[TaxComponent, ...]],
    ctx: Context,
    *,
    include: bool,
    per_document: bool,
) -> list[Decimal]:
    """Each state's tax, its parts per component code stored on ``state.tax_parts``.

    Args:
        states: Lines, gifts and charges, each with its effective ``tax_code``.
        groups: The policy's tax groups.
        ctx: The run's currency context.
        include: Whether the amounts are gross (tax-inclusive).
        per_document: Round the document's exact tax once (else each part).

    Returns:
        The tax of each state, quantized, in ``states`` order.
    """
    layout: list[tuple[LineState, list[tuple[str, Decimal]], list[Decimal]]] = []
    for state in states:
        components = groups.get(state.tax_code)
        if components is None:
            components = (TaxComponent(state.tax_code, state.rate),)
        codes = [(c.code, c.rate) for c in components]
        exact = _exact_parts(state, components, include=include)
        if not exact:  # a gross of zero under levies: no tax
            exact = [_ZERO] * len(codes)
        layout.append((state, codes, exact))
    if per_document:
        flat = [amount for _state, _codes, exact in layout for amount in exact]
        total = ctx.q(sum(flat, _ZERO))
        scale = ctx.places + 12
        weights = [int(amount.scaleb(scale)) for amount in flat]
        if total and any(weights):
            rounded = ctx.split(total, weights)
        else:
            rounded = [_ZERO * ctx.quantum] * len(flat)
    else:
        rounded = [ctx.q(amount) for _state, _codes, exact in layout for amount in exact]
    taxes: list[Decimal] = []
    position = 0
    for state, codes, exact in layout:
        parts = rounded[position : position + len(exact)]
        position += len(exact)
        if include and sum(parts, _ZERO) > state.net:
            # Rounding up several parts of a small gross: split the gross instead.
            weights = [ctx.units(part) for part in parts]
            parts = ctx.split(state.net, weights) if any(weights) else parts
        state.tax_parts = tuple(
            (code, rate, part) for (code, rate), part in zip(codes, parts, strict=True)
        )
        taxes.append(sum(parts, _ZERO * ctx.quantum))
    return taxes
