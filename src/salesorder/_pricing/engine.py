"""``price()``: the pure pricing function (R4, R5).

Order of work, each step documented in ``docs/pricing.md``:

1. unit prices: the manual ``OrderLine.unit_price`` if any (flagged when under the list
   price by more than the list's tolerance), else the line's locked price
   (``Order.locked_prices``, fixed when the line came in), else the price list (see
   :mod:`~salesorder._pricing.pricelists` for precedence); no price raises
   :class:`~salesorder.pricing.MissingPrice`; ``extended = quantize(unit * quantity)``;
2. manual discounts: ``OrderLine.requested_discount`` percent off the line (flagged when
   beyond the list's ``manual_discount_limit``);
3. coupons are checked (unknown, validity, usage limits, minimum spend) and unlock their
   promotions;
4. promotions: inactive or customer-ineligible ones are rejected; within a ``group`` only
   the best for the customer survives; exclusive promotions compete with the stack of
   stackable ones and the best total for the customer wins; the survivors apply in
   ``(priority, id)`` order, each on the amounts left by the previous ones, under the cap
   of the :class:`~salesorder.pricing.StackingPolicy`;
5. the manual order discount (``Order.order_discount``), if any: a percent or an amount
   off what the lines still cost, split over them by largest remainder (flagged when
   beyond the list's ``manual_discount_limit``); with ``DiscountLines.PER_TAX`` it is
   also shown as one discount line per tax code (``_pricing/discountlines.py``);
6. tax per line or per document (:class:`~salesorder.money.RoundingPolicy` scope).

Invariants: pure (same inputs, same output; time is the ``at`` argument); amounts are
Decimals quantized to the currency inside, wrapped in Money once at the end; nothing goes
below zero; whatever a promotion cannot give is reported as unused or rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from salesorder._arguments import instance_of, iterable
from salesorder._pricing import errors as codes
from salesorder._pricing._state import Context, LineState, wrap
from salesorder._pricing.breakdown import (
    AppliedPromotion,
    PriceBreakdown,
    PriceFlag,
    Rejection,
)
from salesorder._pricing.coupons import accepted_coupons
from salesorder._pricing.discountlines import discount_lines
from salesorder._pricing.errors import (
    TOTAL_TOO_LARGE,
    InvalidPricing,
)
from salesorder._pricing.lines import by_line_id, charge_states, line_states, take_order_discount
from salesorder._pricing.pricelists import PriceList
from salesorder._pricing.promotions import (
    Basis,
    Charge,
    ChargeOff,
    Choice,
    Coupon,
    CouponRedemptions,
    DiscountLines,
    FreeGift,
    LinePercentOff,
    NotApplicable,
    OrderPercentOff,
    Promotion,
    Remainder,
    Stacking,
    StackingPolicy,
    Target,
    ThresholdOff,
)
from salesorder._pricing.tax import TaxMapping, TaxPolicy
from salesorder._pricing.totals import breakdown_of, line_taxes
from salesorder.errors import CurrencyMismatch
from salesorder.exchange import ExchangeRate
from salesorder.money import (
    MAX_AMOUNT,
    RoundingPolicy,
    RoundingScope,
    in_exact_context,
    minor_unit,
)
from salesorder.order import Order

__all__ = ["price"]

_ZERO: Final = Decimal(0)
_HUNDRED: Final = Decimal(100)

#: A promotion in play and the coupon code that unlocked it (None: automatic).
_Candidate = tuple[Promotion, str | None]


class _Run:
    """The outcome of applying one sequence of promotions to copies of the lines."""

    __slots__ = ("applied", "charges", "gifts", "lines", "rejected", "total")

    def __init__(self, lines: list[LineState], charges: list[LineState], *, in_place: bool) -> None:
        # One run prices the lines in place; competing runs (groups, exclusives) work on copies.
        self.lines = lines if in_place else [line.clone() for line in lines]
        self.charges = charges if in_place else [charge.clone() for charge in charges]
        self.gifts: list[LineState] = []
        self.applied: list[AppliedPromotion] = []
        self.rejected: list[Rejection] = []
        self.total = _ZERO


def _rejection(candidate: _Candidate, code: str, params: dict[str, str] | None = None) -> Rejection:
    promotion, coupon = candidate
    merged = {"promotion_id": promotion.id, **(params or {})}
    if coupon is not None:
        merged["coupon"] = coupon
        return Rejection("coupon", coupon, code, merged)
    return Rejection("promotion", promotion.id, code, merged)


@in_exact_context
def price(
    order: Order,
    *,
    price_list: PriceList,
    promotions: Iterable[Promotion] = (),
    coupons: Iterable[str] = (),
    coupon_book: Iterable[Coupon] = (),
    tax: TaxPolicy = TaxPolicy(),  # noqa: B008  (frozen: one shared default is safe)
    at: datetime,
    rounding: RoundingPolicy = RoundingPolicy(),  # noqa: B008 (frozen value, safe default)
    redemptions: CouponRedemptions | None = None,
    charges: Iterable[Charge] = (),
    stacking: StackingPolicy = StackingPolicy(),  # noqa: B008 (frozen value, safe default)
) -> PriceBreakdown:
    """Price ``order``: unit prices, discounts, promotions, coupons, charges and tax.

    Args:
        order: The order to price (its customer selects customer and tier prices).
        price_list: Where unit prices come from.
        promotions: Automatic promotions in force (inactive ones are reported, not errors).
        coupons: Coupon codes the customer entered.
        coupon_book: Every known coupon (codes not in it are ``coupon.unknown``).
        tax: Rates and price basis (China VAT, exclusive prices by default).
        at: The pricing instant (validity of prices, promotions and coupons).
        rounding: Rounding mode and scope (tax per line or per document).
        redemptions: Redemption counts for coupons with usage limits.
        charges: Shipping and handling charges.
        stacking: Cap on the total promotion discount.

    Returns:
        The [PriceBreakdown][salesorder.pricing.PriceBreakdown].

    Raises:
        MissingPrice: a line has neither a manual price nor a list price.
        UnknownTaxCode: a line, gift or charge names a code the policy lacks.
        CurrencyMismatch: the price list, a manual price or a charge is in another currency.
        InvalidPricing: a negative quantity or price, a requested discount beyond 0..100,
            or a total of 10^15 or more (taxes and charges included).
    """
    _check_arguments(order, price_list, tax, at, rounding, stacking)
    promotions, coupons = (
        iterable(promotions, argument="promotions"),
        iterable(coupons, argument="coupons"),
    )
    coupon_book, charges = (
        iterable(coupon_book, argument="coupon_book"),
        iterable(charges, argument="charges"),
    )
    currency = order.currency
    ctx = Context(
        currency,
        minor_unit(currency),
        rounding.mode,
        last_takes_rest=stacking.remainder is Remainder.LAST_LINE,
    )
    if price_list.currency != currency:
        # Another currency only through the rate stored on the order (salesorder.exchange).
        fx = order.exchange_rate
        if fx is not None and type(fx) is not ExchangeRate:
            instance_of(fx, ExchangeRate, argument="order.exchange_rate")
        if fx is None or fx.base != price_list.currency or fx.quote != currency:
            raise CurrencyMismatch(params={"left": currency, "right": price_list.currency})
        ctx.fx = fx.rate
    flags: list[PriceFlag] = []
    lines = line_states(order, price_list=price_list, tax=tax, at=at, ctx=ctx, flags=flags)
    # Work in line-id order: allocation ties then fall the same way however the order
    # lists its lines, so no total depends on line order. The breakdown restores it.
    lines.sort(key=by_line_id)
    mapping = tax.mapping_for(order) if tax.mappings else None
    charged = charge_states(charges, tax, ctx, mapping)
    subtotal = sum((line.extended for line in lines), _ZERO)
    charges_amount = sum((charge.extended for charge in charged), _ZERO)

    rejected: list[Rejection] = []
    accepted = accepted_coupons(
        order,
        entered=coupons,
        book=coupon_book,
        at=at,
        redemptions=redemptions,
        subtotal=subtotal,
        currency=currency,
        rejected=rejected,
    )
    candidates: list[_Candidate] = [(promotion, None) for promotion in promotions]
    candidates += accepted
    candidates = _eligible(order, candidates, at, rejected)

    cap: Decimal | None = None
    if stacking.max_discount is not None:
        cap = ctx.q(stacking.max_discount.amount)
    if stacking.max_discount_percent is not None:
        by_percent = ctx.q((subtotal + charges_amount) * stacking.max_discount_percent / _HUNDRED)
        cap = by_percent if cap is None else min(cap, by_percent)

    env = _Env(
        order=order,
        price_list=price_list,
        tax=tax,
        at=at,
        ctx=ctx,
        by_priority=stacking.choice is Choice.PRIORITY,
        mapping=mapping,
    )
    candidates = _best_of_groups(
        candidates, lines=lines, charges=charged, env=env, rejected=rejected
    )
    run = _best_scenario(
        candidates, lines=lines, charges=charged, env=env, cap=cap, rejected=rejected
    )
    rejected.extend(run.rejected)
    if order.order_discount is not None:
        take_order_discount(
            run.lines,
            order.order_discount,
            limit=price_list.manual_discount_limit,
            ctx=ctx,
            flags=flags,
        )

    every = [*run.lines, *run.gifts, *run.charges]
    taxes = line_taxes(every, ctx, include=tax.prices_include_tax, per_document=(
        rounding.scope is RoundingScope.DOCUMENT), groups=tax.groups)  # fmt: skip
    breakdown = breakdown_of(
        run.lines,
        run.gifts,
        run.charges,
        run.applied,
        taxes=taxes,
        ctx=ctx,
        include=tax.prices_include_tax,
        flags=flags,
        rejected=rejected,
        charges_amount=charges_amount,
    )
    _check_in_range(breakdown)
    if stacking.discount_lines is DiscountLines.PER_TAX and order.order_discount is not None:
        breakdown = _with_discount_lines(breakdown, run.lines, ctx, tax)
    return breakdown


def _with_discount_lines(
    breakdown: PriceBreakdown, lines: list[LineState], ctx: Context, tax: TaxPolicy
) -> PriceBreakdown:
    """The breakdown with the order discount shown per tax code (the totals stay)."""
    shares, shown = discount_lines(lines, ctx, include=tax.prices_include_tax, groups=tax.groups)
    if not shown:
        return breakdown
    priced = tuple(
        attrs.evolve(line, order_discount_share=shares[line.line_id])
        if line.line_id in shares and not line.is_gift
        else line
        for line in breakdown.lines
    )
    return attrs.evolve(breakdown, lines=priced, discount_lines=shown)


def _check_in_range(breakdown: PriceBreakdown) -> None:
    """Refuse totals no Money holds (10**15 and more): no store could read them back.

    The gate bounds the lines' amounts, but tax and charges come on top (two lines of
    499,999,999,999,999 with 13 % VAT): the figures are built without re-validation, so
    they are checked here once. Every amount of the breakdown is at most one of these.
    """
    for total in (
        breakdown.subtotal,
        breakdown.charges_total,
        breakdown.net_total,
        breakdown.tax_total,
        breakdown.grand_total,
    ):
        if abs(total.amount) >= MAX_AMOUNT:
            raise InvalidPricing(TOTAL_TOO_LARGE)


def _check_arguments(  # noqa: PLR0917 - private, one call site
    order: object,
    price_list: object,
    tax: object,
    at: object,
    rounding: object,
    stacking: object,
) -> None:
    # type() first: the common case costs one comparison per argument.
    for value, kind, argument in (
        (order, Order, "order"),
        (price_list, PriceList, "price_list"),
        (tax, TaxPolicy, "tax"),
        (at, datetime, "at"),
        (rounding, RoundingPolicy, "rounding"),
        (stacking, StackingPolicy, "stacking"),
    ):
        if type(value) is not kind:
            instance_of(value, kind, argument=argument)


def _eligible(
    order: Order, candidates: list[_Candidate], at: datetime, rejected: list[Rejection]
) -> list[_Candidate]:
    customer = order.customer
    kept: list[_Candidate] = []
    for candidate in candidates:
        promotion = candidate[0]
        conditions = promotion.conditions
        for currency in promotion.currencies - {order.currency}:
            # A promotion in another currency is a configuration error, not "no benefit".
            raise CurrencyMismatch(params={"left": order.currency, "right": currency})
        if not promotion.is_valid_at(at):
            rejected.append(_rejection(candidate, codes.PROMOTION_NOT_ACTIVE))
        elif (conditions.customer_tiers and customer.tier not in conditions.customer_tiers) or (
            conditions.customer_ids and customer.id not in conditions.customer_ids
        ):
            rejected.append(_rejection(candidate, codes.PROMOTION_CUSTOMER))
        else:
            kept.append(candidate)
    return kept


class _Env:
    """What every promotion step reads: the order, the price list, tax, instant, context."""

    __slots__ = ("at", "by_priority", "ctx", "mapping", "order", "price_list", "tax")

    def __init__(
        self,
        *,
        order: Order,
        price_list: PriceList,
        tax: TaxPolicy,
        at: datetime,
        ctx: Context,
        by_priority: bool = False,
        mapping: TaxMapping | None = None,
    ) -> None:
        self.order = order
        self.price_list = price_list
        self.tax = tax
        self.at = at
        self.ctx = ctx
        #: Choice.PRIORITY: rivals are chosen by (priority, id), not by what they give.
        self.by_priority = by_priority
        #: The order's fiscal position (tax mapping), if any.
        self.mapping = mapping


def _order_key(candidate: _Candidate) -> tuple[int, str, str]:
    return (candidate[0].priority, candidate[0].id, candidate[1] or "")


def _best_of_groups(
    candidates: list[_Candidate],
    *,
    lines: list[LineState],
    charges: list[LineState],
    env: _Env,
    rejected: list[Rejection],
) -> list[_Candidate]:
    groups: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        if candidate[0].group is not None:
            groups.setdefault(candidate[0].group, []).append(candidate)
    losers: set[int] = set()
    for group, members in groups.items():
        if len(members) < 2:
            continue
        if env.by_priority:
            scored = sorted(members, key=_order_key)
        else:
            # Best for the customer: each member alone on the undiscounted lines, no cap.
            scored = sorted(
                members,
                key=lambda c: (-_apply([c], lines=lines, charges=charges, env=env,
                                       cap=None).total, *_order_key(c)),
            )  # fmt: skip
        winner = scored[0][0].id
        code = codes.PROMOTION_LOWER_PRIORITY if env.by_priority else codes.PROMOTION_NOT_BEST
        for loser in scored[1:]:
            losers.add(id(loser))
            rejected.append(_rejection(loser, code, {"group": group, "winner": winner}))
    return [candidate for candidate in candidates if id(candidate) not in losers]


def _best_scenario(
    candidates: list[_Candidate],
    *,
    lines: list[LineState],
    charges: list[LineState],
    env: _Env,
    cap: Decimal | None,
    rejected: list[Rejection],
) -> _Run:
    exclusive = sorted(
        (c for c in candidates if c[0].stacking is Stacking.EXCLUSIVE), key=_order_key
    )
    stack = [c for c in candidates if c[0].stacking is not Stacking.EXCLUSIVE]
    if not exclusive:
        return _apply(stack, lines=lines, charges=charges, env=env, cap=cap, in_place=True)
    scenarios = ([stack] if stack else []) + [[c] for c in exclusive]
    if env.by_priority:
        # The scenario holding the first promotion by (priority, id); ties to the stack.
        best = min(range(len(scenarios)), key=lambda i: (min(map(_order_key, scenarios[i])), i))
        chosen = _apply(scenarios[best], lines=lines, charges=charges, env=env, cap=cap)
        code = codes.PROMOTION_EXCLUDED_BY_PRIORITY
    else:
        runs = [_apply(s, lines=lines, charges=charges, env=env, cap=cap) for s in scenarios]
        # Best for the customer; ties go to the earlier scenario (the stack, then by priority).
        best = max(range(len(runs)), key=lambda i: (runs[i].total, -i))
        chosen = runs[best]
        code = codes.PROMOTION_EXCLUDED
    winner = ", ".join(a.promotion_id for a in chosen.applied) or "-"
    for index, scenario in enumerate(scenarios):
        if index != best:
            rejected.extend(_rejection(c, code, {"winner": winner}) for c in scenario)
    return chosen


def _unmet(candidate: _Candidate, eligible: list[LineState], ctx: Context) -> Rejection | None:
    conditions = candidate[0].conditions
    if conditions.min_spend is not None:
        if candidate[0].spend_on is Basis.UNDISCOUNTED:
            spend = sum((line.base for line in eligible), _ZERO)
        else:
            spend = sum((line.net for line in eligible), _ZERO)
        if spend < conditions.min_spend.amount:
            params = {"required": str(conditions.min_spend), "actual": f"{spend} {ctx.currency}"}
            return _rejection(candidate, codes.PROMOTION_MIN_SPEND, params)
    if conditions.min_quantity is not None or conditions.max_quantity is not None:
        quantity = sum((line.quantity for line in eligible), _ZERO)
        if conditions.min_quantity is not None and quantity < conditions.min_quantity:
            params = {"required": str(conditions.min_quantity), "actual": str(quantity)}
            return _rejection(candidate, codes.PROMOTION_MIN_QUANTITY, params)
        if conditions.max_quantity is not None and quantity > conditions.max_quantity:
            params = {"limit": str(conditions.max_quantity), "actual": str(quantity)}
            return _rejection(candidate, codes.PROMOTION_MAX_QUANTITY, params)
    return None


def _apply(
    candidates: Sequence[_Candidate],
    *,
    lines: list[LineState],
    charges: list[LineState],
    env: _Env,
    cap: Decimal | None,
    in_place: bool = False,
) -> _Run:
    run = _Run(lines, charges, in_place=in_place)
    left = cap
    for candidate in sorted(candidates, key=_order_key):
        promotion = candidate[0]
        benefit = promotion.benefit
        target = promotion.target
        eligible = _eligible_lines(target, run.lines)
        conditions = promotion.conditions
        if conditions.limits_amounts:
            refusal = _unmet(candidate, eligible, env.ctx)
            if refusal is not None:
                run.rejected.append(refusal)
                continue
        if isinstance(benefit, FreeGift):
            _add_gift(run, candidate, benefit, env, eligible)
            continue
        if isinstance(benefit, ChargeOff):
            recipients = [c for c in run.charges if c.sku == benefit.kind and c.net > 0]
        else:
            recipients = [line for line in eligible if line.net > 0]
        if not recipients:
            run.rejected.append(_rejection(candidate, codes.PROMOTION_NO_LINES))
            continue
        given = _give(run, candidate, recipients, env.ctx, left)
        if left is not None:
            left -= given
    return run


def _eligible_lines(target: Target, lines: list[LineState]) -> list[LineState]:
    # Target.matches, inlined: this runs once per promotion per line.
    skus, categories, tags = target.skus, target.categories, target.tags
    if not (skus or categories or tags):
        return lines
    return [
        line
        for line in lines
        if line.sku in skus
        or line.category in categories
        or (tags and not tags.isdisjoint(line.tags))
    ]


def _give(
    run: _Run,
    candidate: _Candidate,
    recipients: list[LineState],
    ctx: Context,
    left: Decimal | None,
) -> Decimal:
    promotion, coupon = candidate
    benefit = promotion.benefit
    reach = promotion.reach
    try:
        if promotion.simple:
            amounts, requested, reason, params = benefit.compute(  # type: ignore[union-attr]
                recipients, ctx, once=promotion.once_per_order
            )
        elif reach is None or isinstance(benefit, ChargeOff):
            amounts, requested, reason, params = _compute(
                promotion, recipients, ctx, once=promotion.once_per_order
            )
        else:
            amounts, requested, reason, params = _compute_within_reach(
                promotion, recipients, reach, ctx
            )
    except NotApplicable as refusal:
        run.rejected.append(_rejection(candidate, refusal.code, refusal.params))
        return _ZERO
    kind = reason.partition(".")[2]
    # Never below zero: clamp to what each line still holds; the rest is unused.
    asked = sum(amounts, _ZERO)
    if left is None or asked <= left:
        # Common path: the cap cannot bite, so clamp and apply in one pass.
        given = _ZERO
        promotion_id = promotion.id
        for amount, recipient in zip(amounts, recipients, strict=True):
            if amount:
                net = recipient.net
                # An explicit test, not min(): this loop is the hot path of price().
                if amount > net:  # noqa: PLR1730
                    amount = net  # noqa: PLW2901 (the clamped value is the point)
                recipient.net = net - amount
                recipient.adjustments.append((promotion_id, kind, amount, reason, params, coupon))
                given += amount
        unused = max(requested, asked) - given
        code = codes.PROMOTION_PARTIAL if unused else codes.PROMOTION_APPLIED
        return _record(run, candidate, given, unused, code, currency=ctx.currency)
    clamped = [min(a, r.net) for a, r in zip(amounts, recipients, strict=True)]
    given = sum(clamped, _ZERO)
    unused = max(requested, asked) - given
    code = codes.PROMOTION_PARTIAL if unused else codes.PROMOTION_APPLIED
    if given > left:
        unused += given - left
        weights = [ctx.units(a) for a in clamped]
        clamped = ctx.split(left, weights) if left else [_ZERO] * len(clamped)
        given = left
        code = codes.PROMOTION_CAP_REACHED
    for recipient, amount in zip(recipients, clamped, strict=True):
        if amount:
            recipient.net -= amount
            recipient.adjustments.append((promotion.id, kind, amount, reason, params, coupon))
    return _record(run, candidate, given, unused, code, currency=ctx.currency)


def _compute(
    promotion: Promotion, lines: list[LineState], ctx: Context, *, once: bool
) -> tuple[list[Decimal], Decimal, str, dict[str, str]]:
    benefit = promotion.benefit
    if promotion.undiscounted_basis and isinstance(
        benefit, LinePercentOff | OrderPercentOff | ThresholdOff
    ):
        return benefit.compute(lines, ctx, once=once, basis=[line.base for line in lines])
    return benefit.compute(lines, ctx, once=once)  # type: ignore[union-attr]


def _compute_within_reach(
    promotion: Promotion, recipients: list[LineState], reach: Decimal, ctx: Context
) -> tuple[list[Decimal], Decimal, str, dict[str, str]]:
    # The benefit sees only the cheapest ``reach`` units: each line cut down to the units
    # it contributes, at its current unit value; the amounts map back to the real lines
    # (never more than a cut line holds, so never more than the real line holds).
    order = sorted(
        range(len(recipients)),
        key=lambda i: (recipients[i].net / recipients[i].quantity, recipients[i].sku,
                       recipients[i].line_id),
    )  # fmt: skip
    left = reach
    cut: list[tuple[int, LineState]] = []
    for index in order:
        if not left:
            break
        line = recipients[index]
        units = min(left, line.quantity)
        left -= units
        view = line.clone()
        view.quantity = units
        view.net = ctx.q(line.net * units / line.quantity)
        view.extended = ctx.q(line.extended * units / line.quantity)
        view.base = ctx.q(line.base * units / line.quantity)
        cut.append((index, view))
    cut.sort(key=lambda item: item[0])
    amounts, requested, reason, params = _compute(
        promotion, [view for _, view in cut], ctx, once=promotion.once_per_line
    )
    spread = [_ZERO] * len(recipients)
    for (index, _view), amount in zip(cut, amounts, strict=True):
        spread[index] = amount
    return spread, requested, reason, {**params, "max_units": str(reach)}


def _record(
    run: _Run, candidate: _Candidate, given: Decimal, unused: Decimal, code: str, *, currency: str
) -> Decimal:
    promotion, coupon = candidate
    if not given:
        no_use = codes.PROMOTION_CAP_REACHED if code == codes.PROMOTION_CAP_REACHED else (
            codes.PROMOTION_NO_BENEFIT)  # fmt: skip
        run.rejected.append(_rejection(candidate, no_use, {"unused": f"{unused} {currency}"}))
        return _ZERO
    run.total += given
    run.applied.append(
        AppliedPromotion(
            promotion.id,
            promotion.name,
            wrap(given, currency),
            wrap(unused, currency),
            code,
            coupon,
        )
    )
    return given


def _gift_quantity(gift: FreeGift, eligible: list[LineState]) -> Decimal:
    if gift.per_quantity is None:
        return gift.quantity
    bought = sum((line.quantity for line in eligible), _ZERO)
    return (bought // gift.per_quantity) * gift.quantity


def _add_gift(
    run: _Run, candidate: _Candidate, gift: FreeGift, env: _Env, eligible: list[LineState]
) -> None:
    ctx = env.ctx
    promotion, coupon = candidate
    quantity = _gift_quantity(gift, eligible)
    if not quantity:
        bought = sum((line.quantity for line in eligible), _ZERO)
        params = {"required": str(gift.per_quantity), "actual": str(bought)}
        run.rejected.append(_rejection(candidate, codes.PROMOTION_MIN_QUANTITY, params))
        return
    customer = env.order.customer
    listed = env.price_list.unit_price_of(
        gift.sku, quantity=quantity, at=env.at, customer_id=customer.id, tier=customer.tier
    )
    if listed is not None and ctx.fx is not None:
        listed = ctx.listed(listed)
    unit = listed if listed is not None else _ZERO
    if gift.price is not None and listed is None:
        unit = gift.price.amount  # no list price: the stated price is the gift's price
    line_id = f"gift:{promotion.id}"
    tax_code, rate = env.tax.resolve(gift.tax_code, line_id=line_id, mapping=env.mapping)
    rebase = env.tax.rebase_factor(gift.tax_code, env.mapping)
    if rebase is not None:
        unit = ctx.q(unit * rebase)
    state = LineState(
        line_id=line_id,
        sku=gift.sku,
        name=gift.name or gift.sku,
        quantity=quantity,
        unit_price=unit,
        extended=ctx.q(unit * quantity),
        list_price=listed,
        tax_code=tax_code,
        rate=rate,
        category=None,
        tags=frozenset(),
        position=len(run.gifts),
        is_gift=True,
    )
    # A gift is its value off (less what the customer pays for it); it is not counted
    # against the discount cap, but it is worth that to the customer when promotions
    # compete (best for the customer).
    if gift.price is None:
        paid, reason, params = _ZERO, codes.REASON_GIFT, {}
    else:
        paid = min(ctx.q(gift.price.amount * quantity), state.extended)
        reason, params = codes.REASON_GIFT_AT_PRICE, {"price": str(gift.price)}
    off = state.extended - paid
    run.total += off
    if off:
        state.adjustments.append((promotion.id, "gift", off, reason, params, coupon))
        state.net = paid
    run.gifts.append(state)
    run.applied.append(
        AppliedPromotion(
            promotion.id,
            promotion.name,
            wrap(off, ctx.currency),
            wrap(_ZERO * ctx.quantum, ctx.currency),
            codes.PROMOTION_APPLIED,
            coupon,
        )
    )
