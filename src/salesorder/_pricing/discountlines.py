"""The manual order discount shown as one discount line per tax code (Odoo's global discount).

Used only with ``StackingPolicy(discount_lines=DiscountLines.PER_TAX)``. The discount is
still spread over the lines (``take_order_discount``), so every line's net, tax and gross
stay what the customer pays for it, what invoices and returns take and what the stored
line totals hold. This module only *shows* that spread per tax code:

* a line's share is what the order discount took off it: the spread part ``p`` of its
  price-basis amount, and the tax ``t = tax(amount + p) - tax(amount)``, both taxes
  rounded per line (per component for a tax group); with tax-excluded prices the share's
  net is ``p`` and its gross ``p + t``, with tax-included prices its gross is ``p`` and
  its net ``p - t``;
* rounding several taxes one by one can make them fall by more than the gross (a cent
  off a small tax-included gross, two cents off its taxes): the share's tax is then
  bounded to the part and split over the components by largest remainder, so a share
  is never negative (the line's figures before the discount are defined as its own plus
  its share, so the totals still reconcile exactly);
* a code's discount line is minus the sum of the shares of the lines with that code.

So ``Σ (line gross + share gross) + Σ discount line gross == grand_total`` exactly, per
tax code as well as in total, and a line returned or invoiced alone takes its own spread
figures, which are its figures before the discount less exactly its share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

from salesorder._pricing import errors as codes
from salesorder._pricing._state import Context, LineState, wrap
from salesorder._pricing.breakdown import DiscountLine, DiscountShare, TaxAmount
from salesorder._pricing.tax import TaxComponent
from salesorder._pricing.totals import line_taxes

__all__ = ["discount_lines"]

_ZERO: Final = Decimal(0)

#: Per component: (code, rate, tax); the components of one line's tax.
_Parts = list[tuple[str, Decimal, Decimal]]


def _order_part(state: LineState) -> Decimal:
    return sum(
        (row[2] for row in state.adjustments if row[3] == codes.REASON_MANUAL_ORDER),
        _ZERO,
    )


def _per_line_parts(
    states: list[LineState],
    ctx: Context,
    *,
    include: bool,
    groups: Mapping[str, tuple[TaxComponent, ...]] | None,
) -> list[_Parts]:
    # Rounded per line (per component), as RoundingScope.LINE prices a line.
    taxes = line_taxes(states, ctx, include=include, per_document=False, groups=groups)
    if groups:
        return [list(state.tax_parts or ()) for state in states]
    return [[(s.tax_code, s.rate, tax)] for s, tax in zip(states, taxes, strict=True)]


def _bounded(taken: _Parts, limit: Decimal | None, ctx: Context) -> _Parts:
    """The share's taxes, each at least zero and, with tax-included prices, at most the part.

    Rounding several taxes one by one can make them fall by more than the gross fell
    (a cent off a small gross, two cents off its rounded taxes), or rarely rise: the
    share's tax is then bounded to ``0..limit`` and split over the components by largest
    remainder, weighted by what each fell, so no share or discount line changes sign.
    """
    amounts = [amount for _code, _rate, amount in taken]
    total = sum(amounts, _ZERO)
    if all(amount >= 0 for amount in amounts) and (limit is None or total <= limit):
        return taken
    target = max(total, _ZERO) if limit is None else min(max(total, _ZERO), limit)
    weights = [ctx.units(max(amount, _ZERO)) for amount in amounts]
    if target and any(weights):
        amounts = ctx.split(target, weights)
    else:
        amounts = [_ZERO * ctx.quantum] * len(amounts)
    return [(code, rate, amount) for (code, rate, _a), amount in zip(taken, amounts, strict=True)]


def discount_lines(
    lines: Sequence[LineState],
    ctx: Context,
    *,
    include: bool,
    groups: Mapping[str, tuple[TaxComponent, ...]] | None,
) -> tuple[dict[str, DiscountShare], tuple[DiscountLine, ...]]:
    """Each discounted line's share and the discount line of each tax code.

    Args:
        lines: The order's lines after the order discount (gifts never carry it).
        ctx: The run's currency context.
        include: Whether amounts are gross (tax-included prices).
        groups: The tax policy's groups, if any.

    Returns:
        The shares by line id, and the discount lines ordered by tax code.
    """
    currency = ctx.currency
    touched = [(state, part) for state in lines if (part := _order_part(state))]
    if not touched:
        return {}, ()
    after = [state.clone() for state, _part in touched]
    before = [state.clone() for state, _part in touched]
    for state, (_original, part) in zip(before, touched, strict=True):
        state.net += part
    parts_after = _per_line_parts(after, ctx, include=include, groups=groups)
    parts_before = _per_line_parts(before, ctx, include=include, groups=groups)
    shares: dict[str, DiscountShare] = {}
    # Per tax code: net, tax, and tax per component code (in the order first met).
    sums: dict[str, tuple[Decimal, Decimal, dict[tuple[str, Decimal], Decimal]]] = {}
    rates: dict[str, Decimal] = {}
    for (state, part), was, now in zip(touched, parts_before, parts_after, strict=True):
        taken = _bounded(
            [
                (code, rate, old - new)
                for (code, rate, old), (_code, _rate, new) in zip(was, now, strict=True)
            ],
            part if include else None,
            ctx,
        )
        tax = sum((amount for _code, _rate, amount in taken), _ZERO * ctx.quantum)
        net = part - tax if include else part
        shares[state.line_id] = DiscountShare(
            wrap(net, currency),
            wrap(tax, currency),
            wrap(net + tax, currency),
            tuple(TaxAmount(c, r, wrap(a, currency)) for c, r, a in taken),
        )
        code_net, code_tax, by_component = sums.get(state.tax_code, (_ZERO, _ZERO, {}))
        for code, rate, amount in taken:
            by_component[code, rate] = by_component.get((code, rate), _ZERO) + amount
        sums[state.tax_code] = (code_net + net, code_tax + tax, by_component)
        rates[state.tax_code] = state.rate
    zero = _ZERO * ctx.quantum
    shown = tuple(
        DiscountLine(
            code,
            rates[code],
            wrap(zero - net, currency),
            wrap(zero - tax, currency),
            wrap(zero - net - tax, currency),
            tuple(
                TaxAmount(component, rate, wrap(zero - amount, currency))
                for (component, rate), amount in by_component.items()
            ),
        )
        for code, (net, tax, by_component) in sorted(sums.items())
    )
    return shares, shown
