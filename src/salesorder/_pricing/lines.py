"""The lines of one pricing run: unit prices, manual discounts, charges (steps 1, 2 and 5).

Each order line becomes a :class:`~salesorder._pricing._state.LineState`: its unit price
(manual, locked or from the price list, converted for a line ordered in another unit
than its stock unit), the extended amount ``quantize(unit * quantity)`` and the manual
line discount; charges become states of their own; the manual order discount is taken
off after the promotions.

Units of measure (``OrderLine.conversion_factor``): the unit price is per ordered unit
(from an entry in that unit, or the stock unit's price times the factor, rounded once to
the minor unit here), the extended amount is that unit price times the ordered quantity,
and the state's ``quantity`` is the stock quantity, so promotions count stock units
(``ordered`` keeps the ordered quantity for the breakdown).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Final

from salesorder._pricing import errors as codes
from salesorder._pricing._state import Context, LineState
from salesorder._pricing.breakdown import PriceFlag
from salesorder._pricing.errors import (
    LINE_DISCOUNT_BEYOND,
    LINE_FACTOR_INVALID,
    LINE_NEGATIVE_PRICE,
    LINE_NEGATIVE_QUANTITY,
    LINE_QUANTITY_NOT_FINITE,
    InvalidPricing,
    MissingPrice,
)
from salesorder._pricing.pricelists import PriceList
from salesorder._pricing.promotions import Charge
from salesorder._pricing.tax import TaxMapping, TaxPolicy
from salesorder.errors import CurrencyMismatch, FloatRefused, SalesOrderError
from salesorder.money import Money, to_decimal
from salesorder.order import Order, OrderDiscount, OrderLine
from salesorder.units import InvalidUnits, check_factor, to_stock

__all__ = ["by_line_id", "charge_states", "line_states", "take_order_discount"]

_ZERO: Final = Decimal(0)
_HUNDRED: Final = Decimal(100)
_PERCENT_PLACES: Final = Decimal("0.01")


def _quantity(line: OrderLine) -> Decimal:
    """A line's quantity as an exact number, or a pricing error naming the line.

    A line holds whatever its builder gave it (the rules, not the constructor, judge
    values): NaN, infinity, an int or a float must not reach the arithmetic below.
    """
    quantity: object = line.quantity
    if type(quantity) is Decimal and quantity.is_finite():
        return quantity
    if isinstance(quantity, float):
        raise FloatRefused
    try:
        return to_decimal(quantity, what="quantity")
    except SalesOrderError:
        raise InvalidPricing(LINE_QUANTITY_NOT_FINITE, params={"line_id": line.line_id}) from None


def by_line_id(state: LineState) -> str:
    return state.line_id


def line_states(  # noqa: PLR0912 (the hot loop of price(): inline branches, no calls per line)
    order: Order,
    *,
    price_list: PriceList,
    tax: TaxPolicy,
    at: datetime,
    ctx: Context,
    flags: list[PriceFlag],
) -> list[LineState]:
    customer = order.customer
    currency = ctx.currency
    tolerance = price_list.manual_price_tolerance
    limit = price_list.manual_discount_limit
    missing: list[tuple[str, str]] = []
    states: list[LineState] = []
    quantum, mode = ctx.quantum, ctx.mode
    rates: dict[str | None, tuple[str, Decimal, Decimal | None]] = {}
    mapping = tax.mapping_for(order) if tax.mappings else None
    lookup = price_list.unit_price_of
    customer_id, customer_tier = customer.id, customer.tier
    locked = _locked_prices(order, currency) if order.locked_prices else None
    for position, line in enumerate(order.lines):
        quantity = _quantity(line)
        if quantity < 0:
            raise InvalidPricing(LINE_NEGATIVE_QUANTITY, params={"line_id": line.line_id})
        factor = None if line.conversion_factor is None else _factor(line)
        if locked is not None and line.line_id in locked:
            listed: Decimal | None = locked[line.line_id]
        elif factor is None:
            listed = lookup(
                line.sku, quantity=quantity, at=at, customer_id=customer_id, tier=customer_tier
            )
            if listed is not None and ctx.fx is not None:
                listed = ctx.listed(listed)
        else:
            listed = _converted_list_price(price_list, order, line, quantity, factor, at, ctx)
        manual = line.unit_price
        if manual is not None:
            if manual.currency != currency:
                raise CurrencyMismatch(params={"left": currency, "right": manual.currency})
            unit = _manual_unit(line, manual, listed, tolerance=tolerance, flags=flags)
        elif listed is None:
            missing.append((line.line_id, line.sku))
            continue
        else:
            unit = listed
        resolved = rates.get(line.tax_code)
        if resolved is None:
            resolved = rates[line.tax_code] = (
                *tax.resolve(line.tax_code, line_id=line.line_id, mapping=mapping),
                tax.rebase_factor(line.tax_code, mapping),
            )
        tax_code, rate, rebase = resolved
        if rebase is not None:
            unit = (unit * rebase).quantize(quantum, rounding=mode)
        state = LineState(
            line.line_id,
            line.sku,
            line.name,
            quantity,
            unit,
            (unit * quantity).quantize(quantum, rounding=mode),
            listed,
            tax_code,
            rate,
            line.category,
            line.tags,
            position,
        )
        if factor is not None:
            # Promotions count stock units; the breakdown shows the ordered quantity.
            state.ordered = quantity
            state.quantity = to_stock(quantity, factor)
        if line.requested_discount:
            _manual_discount(state, line, limit=limit, ctx=ctx, flags=flags)
        states.append(state)
    if missing:
        raise MissingPrice(tuple(missing))
    return states


def _converted_list_price(  # noqa: PLR0917 (private, one call site)
    price_list: PriceList,
    order: Order,
    line: OrderLine,
    quantity: Decimal,
    factor: Decimal,
    at: datetime,
    ctx: Context,
) -> Decimal | None:
    # The line's own unit first, else the stock unit's price times the factor; a
    # converted price (and one in another currency) is rounded once, to the minor unit
    # per ordered unit.
    listed = price_list.unit_price_of(
        line.sku,
        quantity=quantity,
        at=at,
        customer_id=order.customer.id,
        tier=order.customer.tier,
        unit=line.unit,
        factor=factor,
    )
    return None if listed is None else ctx.listed(listed)


def _factor(line: OrderLine) -> Decimal:
    # A line holds whatever its builder gave it: check the factor before any arithmetic.
    try:
        return check_factor(line.conversion_factor)
    except InvalidUnits:
        raise InvalidPricing(LINE_FACTOR_INVALID, params={"line_id": line.line_id}) from None


def _locked_prices(order: Order, currency: str) -> dict[str, Decimal]:
    # Prices fixed when the lines came in: they stand for the price list (see LockedPrice).
    locked: dict[str, Decimal] = {}
    for lock in order.locked_prices:
        if lock.unit_price.currency != currency:
            raise CurrencyMismatch(params={"left": currency, "right": lock.unit_price.currency})
        locked[lock.line_id] = lock.unit_price.amount
    return locked


def _manual_unit(
    line: OrderLine,
    manual: Money,
    listed: Decimal | None,
    *,
    tolerance: Decimal,
    flags: list[PriceFlag],
) -> Decimal:
    unit = manual.amount
    if unit < 0:
        raise InvalidPricing(LINE_NEGATIVE_PRICE, params={"line_id": line.line_id})
    if listed and unit < listed * (1 - tolerance / _HUNDRED):
        drop = ((listed - unit) / listed * _HUNDRED).quantize(_PERCENT_PLACES)
        params = {
            "line_id": line.line_id,
            "sku": line.sku,
            "unit_price": str(manual),
            "list_price": f"{listed} {manual.currency}",
            "percent": str(drop),
            "threshold": str(tolerance),
        }
        flags.append(PriceFlag(codes.FLAG_MANUAL_PRICE_BELOW_LIST, line.line_id, params))
    return unit


def _manual_discount(
    state: LineState, line: OrderLine, *, limit: Decimal, ctx: Context, flags: list[PriceFlag]
) -> None:
    requested = line.requested_discount
    assert requested is not None  # noqa: S101 (the caller checked)
    if not _ZERO <= requested <= _HUNDRED:
        raise InvalidPricing(LINE_DISCOUNT_BEYOND, params={"line_id": line.line_id})
    off = min(ctx.q(state.extended * requested / _HUNDRED), state.extended)
    state.net -= off
    state.base = state.net
    state.adjustments.append(
        (None, "manual", off, codes.REASON_MANUAL, {"percent": str(requested)}, None)
    )
    if requested > limit:
        params = {
            "line_id": line.line_id,
            "sku": line.sku,
            "percent": str(requested),
            "threshold": str(limit),
        }
        flags.append(PriceFlag(codes.FLAG_DISCOUNT_BEYOND_POLICY, line.line_id, params))


def take_order_discount(
    lines: list[LineState],
    discount: OrderDiscount,
    *,
    limit: Decimal,
    ctx: Context,
    flags: list[PriceFlag],
) -> None:
    # After the promotions, on what the lines still cost (charges and gifts keep theirs),
    # split by largest remainder over the lines in line-id order: exact and order-free.
    recipients = [line for line in lines if line.net > 0]
    base = sum((line.net for line in recipients), _ZERO)
    if discount.amount is not None:
        if discount.amount.currency != ctx.currency:
            raise CurrencyMismatch(params={"left": ctx.currency, "right": discount.amount.currency})
        asked = ctx.q(discount.amount.amount)
        percent = (asked / base * _HUNDRED).quantize(_PERCENT_PLACES) if base else _ZERO
    else:
        assert discount.percent is not None  # noqa: S101 (OrderDiscount holds one of the two)
        percent = discount.percent
        asked = ctx.q(base * percent / _HUNDRED)
    off = min(asked, base)
    params = {"amount": f"{off} {ctx.currency}", "percent": str(percent)}
    if off:
        parts = ctx.allocate(off, [ctx.units(line.net) for line in recipients])
        for recipient, part in zip(recipients, parts, strict=True):
            if part:
                recipient.net -= part
                recipient.adjustments.append(
                    (None, "manual", part, codes.REASON_MANUAL_ORDER, params, None)
                )
    if percent > limit:
        flags.append(
            PriceFlag(
                codes.FLAG_ORDER_DISCOUNT_BEYOND_POLICY, "", {**params, "threshold": str(limit)}
            )
        )


def charge_states(
    charges: Iterable[Charge], tax: TaxPolicy, ctx: Context, mapping: TaxMapping | None
) -> list[LineState]:
    states: list[LineState] = []
    for position, charge in enumerate(charges):
        if charge.amount.currency != ctx.currency:
            raise CurrencyMismatch(params={"left": ctx.currency, "right": charge.amount.currency})
        tax_code, rate = tax.resolve(charge.tax_code, line_id=charge.id, mapping=mapping)
        rebase = tax.rebase_factor(charge.tax_code, mapping)
        amount = ctx.q(charge.amount.amount if rebase is None else charge.amount.amount * rebase)
        states.append(
            LineState(
                line_id=charge.id,
                sku=str(charge.kind),
                name=str(charge.kind),
                quantity=Decimal(1),
                unit_price=amount,
                extended=amount,
                list_price=None,
                tax_code=tax_code,
                rate=rate,
                category=None,
                tags=frozenset(),
                position=position,
            )
        )
    return states
