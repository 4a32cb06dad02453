"""The end of one pricing run: tax per line or per document, and the breakdown (step 6).

Amounts are quantized Decimals until here; the breakdown wraps them in Money once.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from salesorder._pricing._state import Context, LineState, wrap
from salesorder._pricing.breakdown import (
    AppliedPromotion,
    ChargePrice,
    LinePrice,
    PriceBreakdown,
    PriceFlag,
    Rejection,
)
from salesorder._pricing.tax import TaxComponent
from salesorder._pricing.taxgroups import group_taxes

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["breakdown_of", "line_taxes"]

_ZERO: Final = Decimal(0)
#: Division context for tax extraction; local, so a caller's decimal context cannot change results.
_DIVIDE: Final = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)


def line_taxes(
    states: list[LineState],
    ctx: Context,
    *,
    include: bool,
    per_document: bool,
    groups: Mapping[str, tuple[TaxComponent, ...]] | None = None,
) -> list[Decimal]:
    if groups:
        return group_taxes(states, groups, ctx, include=include, per_document=per_document)
    if include:
        exact = [
            _DIVIDE.divide(state.net * state.rate, 1 + state.rate) if state.rate else _ZERO
            for state in states
        ]
    elif not per_document:
        quantum, mode = ctx.quantum, ctx.mode
        return [(state.net * state.rate).quantize(quantum, rounding=mode) for state in states]
    else:
        exact = [state.net * state.rate for state in states]
    if not per_document:
        quantum, mode = ctx.quantum, ctx.mode
        return [amount.quantize(quantum, rounding=mode) for amount in exact]
    total = ctx.q(sum(exact, _ZERO))
    if not total:
        return [_ZERO * ctx.quantum] * len(states)
    # Integer weights proportional to the exact taxes (12 extra places: far below a cent).
    scale = ctx.places + 12
    return ctx.split(total, [int(amount.scaleb(scale)) for amount in exact])


def breakdown_of(
    lines: Sequence[LineState],
    gifts: Sequence[LineState],
    charges: Sequence[LineState],
    applied: Sequence[AppliedPromotion],
    *,
    taxes: list[Decimal],
    ctx: Context,
    include: bool,
    flags: list[PriceFlag],
    rejected: list[Rejection],
    charges_amount: Decimal,
) -> PriceBreakdown:
    currency = ctx.currency
    exact = wrap
    priced_lines: list[LinePrice] = []
    priced_charges: list[ChargePrice] = []
    subtotal = discount_total = net_total = tax_total = _ZERO
    goods = len(lines) + len(gifts)
    for index, state in enumerate([*lines, *gifts, *charges]):
        tax_amount = taxes[index]
        if include:
            gross = state.net
            net = gross - tax_amount
        else:
            net = state.net
            gross = net + tax_amount
        discount = state.extended - state.net
        discount_total += discount
        net_total += net
        tax_total += tax_amount
        if index < goods:
            subtotal += state.extended
            priced_lines.append(
                LinePrice(
                    state.line_id,
                    state.sku,
                    state.quantity if state.ordered is None else state.ordered,
                    currency,
                    state.tax_code,
                    state.rate,
                    state.is_gift,
                    state.list_price,
                    state.unit_price,
                    state.extended,
                    tuple(state.adjustments),
                    discount,
                    net,
                    tax_amount,
                    gross,
                    state.tax_parts,
                )
            )
        else:
            priced_charges.append(
                ChargePrice(
                    state.line_id,
                    state.sku,
                    currency,
                    state.tax_code,
                    state.rate,
                    state.extended,
                    tuple(state.adjustments),
                    discount,
                    net,
                    tax_amount,
                    gross,
                    state.tax_parts,
                )
            )
    # Back to the order's own line order (pricing ran in line-id order); gifts stay last.
    count = len(lines)
    ordered = sorted(range(count), key=lambda i: lines[i].position)
    priced_lines[:count] = [priced_lines[i] for i in ordered]
    zero = _ZERO * ctx.quantum
    return PriceBreakdown(
        currency=currency,
        prices_include_tax=include,
        lines=tuple(priced_lines),
        charges=tuple(priced_charges),
        subtotal=exact(subtotal + zero, currency),
        discount_total=exact(discount_total + zero, currency),
        charges_total=exact(charges_amount + zero, currency),
        net_total=exact(net_total + zero, currency),
        tax_total=exact(tax_total + zero, currency),
        grand_total=exact(net_total + tax_total + zero, currency),
        applied=tuple(applied),
        rejected=tuple(rejected),
        flags=tuple(flags),
    )
