"""What an order sold, period and group keys, and the sales and quote-conversion KPIs.

Invariants: group totals sum exactly to the overall total; per-product amounts of an order
are split with :func:`~salesorder.money.allocate` and sum exactly to the order's amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal

from salesorder._analytics.common import (
    CURRENCY_MIXED,
    DIMENSION_UNSUPPORTED,
    ITEM_LINE_TOTAL,
    ITEM_ORDER,
    ITEM_QUOTE,
    NO_KEY,
    ORDER_UNDATED,
    ORDER_UNPRICED,
    QUOTES,
    RATE_MISSING,
    SALES_STATUSES,
    AnalyticsError,
    ConversionStats,
    CustomerValue,
    Dimension,
    ForeignCurrency,
    Grouping,
    Period,
    PeriodBasis,
    QuoteView,
    SalesSummary,
    average_money,
    exact_ratio,
    first_time,
    to_report_currency,
)
from salesorder._arguments import choice, instance_of, iterable, wrong_type
from salesorder.errors import CurrencyMismatch
from salesorder.money import Money, allocate
from salesorder.order import Order
from salesorder.records import PaymentKind, Status

# -- what an order sold -------------------------------------------------------------------------


def counts_as_sale(order: Order) -> bool:
    """Whether ``order`` counts in sales (confirmed or later, not cancelled).

    Args:
        order: The order.

    Returns:
        True for :data:`SALES_STATUSES`, and for ``on_hold`` held from one of them.
    """
    if order.status is Status.ON_HOLD:
        return order.held_from in SALES_STATUSES
    return order.status in SALES_STATUSES


def _check_currency(item: tuple[str, str, str], currency: str, expected: str) -> None:
    if currency != expected:
        phrase, key, value = item
        raise CurrencyMismatch(
            CURRENCY_MIXED,
            params={"item": phrase, key: value, "currency": currency, "expected": expected},
        )


def order_sales(order: Order) -> Money:
    """Net sales of one order: grand total less refunds, half-up to the minor unit.

    The status is not checked here; see :func:`counts_as_sale`.

    Args:
        order: A priced order.

    Returns:
        The amount, in the order currency (negative if more was refunded than sold).

    Raises:
        AnalyticsError: ``analytics.order.unpriced`` when it has no grand total.
    """
    if order.grand_total is None:
        raise AnalyticsError(ORDER_UNPRICED, params={"order_id": order.id})
    _check_currency((ITEM_ORDER, "order_id", order.id), order.grand_total.currency, order.currency)
    amount = order.grand_total
    for payment in order.payments:
        if payment.kind is PaymentKind.REFUND and payment.counts:
            amount = amount - payment.amount
    return amount.quantize()


def _line_weights(order: Order) -> list[Decimal]:
    priced = dict(order.line_totals)
    if priced:
        for line_id, amount in order.line_totals:
            _check_currency((ITEM_LINE_TOTAL, "line_id", line_id), amount.currency, order.currency)
        weights = [
            priced[line.line_id].amount if line.line_id in priced else Decimal(0)
            for line in order.lines
        ]
        if any(weights):
            return weights
    weights = [
        line.quantity * line.unit_price.amount if line.unit_price is not None else line.quantity
        for line in order.lines
    ]
    # Free lines only (samples): split evenly rather than refuse.
    return weights if any(weights) else [Decimal(1)] * len(order.lines)


def product_sales(order: Order) -> dict[str, Money]:
    """Net sales of one order per SKU, summing exactly to :func:`order_sales`.

    The order amount is split over the lines with :func:`~salesorder.money.allocate`,
    weighted by ``Order.line_totals`` when the order has them, else by quantity x unit
    price (quantity for a line without a unit price); lines of one SKU are added.

    Args:
        order: A priced order.

    Returns:
        Amount per SKU sorted by SKU (``{NO_KEY: amount}`` for an order without lines).

    Raises:
        AnalyticsError: ``analytics.order.unpriced`` when it has no grand total.
        CurrencyMismatch: a line total in another currency than the order's.
    """
    return _split_by_product(order, order_sales(order))


def _split_by_product(order: Order, amount: Money) -> dict[str, Money]:
    if not order.lines:
        return {NO_KEY: amount}
    totals: dict[str, Money] = {}
    for line, share in zip(order.lines, allocate(amount, _line_weights(order)), strict=True):
        totals[line.sku] = totals[line.sku] + share if line.sku in totals else share
    return {sku: totals[sku] for sku in sorted(totals)}


# -- periods and group keys ---------------------------------------------------------------------


def period_key(moment: datetime | date, period: Period, *, timezone: tzinfo | None = None) -> str:
    """The label of the period containing ``moment``; labels sort in time order.

    Args:
        moment: A datetime or date.
        period: Day, ISO week, month, quarter or year.
        timezone: Convert an aware datetime to this zone before taking its date.

    Returns:
        ``2026-11-22``, ``2026-W47``, ``2026-11``, ``2026-Q4`` or ``2026``.
    """
    instance_of(moment, date, argument="moment")
    period = choice(period, Period, argument="period")
    if timezone is not None and not isinstance(timezone, tzinfo):
        raise wrong_type("timezone", "a tzinfo", timezone)
    if isinstance(moment, datetime):
        if timezone is not None and moment.tzinfo is not None:
            moment = moment.astimezone(timezone)
        day = moment.date()
    else:
        day = moment
    if period is Period.DAY:
        return day.isoformat()
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if period is Period.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    if period is Period.QUARTER:
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def basis_time(order: Order, basis: PeriodBasis) -> datetime | None:
    """The moment that dates ``order`` in a period: its creation or its first confirmation.

    Args:
        order: The order.
        basis: Which moment.

    Returns:
        ``Order.created_at``, or the first ``confirm`` of its audit trail; None without.
    """
    return order.created_at if basis is PeriodBasis.CREATED else first_time(order, "confirm")


def _basis_time(order: Order, basis: PeriodBasis) -> datetime:
    moment = basis_time(order, basis)
    if moment is None:
        raise AnalyticsError(ORDER_UNDATED, params={"order_id": order.id, "basis": basis.value})
    return moment


def _region(order: Order) -> str:
    address = order.shipping_address or order.customer.address
    return address.region if address is not None and address.region else NO_KEY


def order_keys(order: Order, grouping: Grouping) -> tuple[str, ...]:
    """Group keys of an order (several for products: one per SKU, at least one)."""
    by = grouping.by
    if by is Dimension.PERIOD:
        moment = _basis_time(order, grouping.basis)
        return (period_key(moment, grouping.period, timezone=grouping.timezone),)
    if by is Dimension.CUSTOMER:
        return (order.customer.id,)
    if by is Dimension.SALESPERSON:
        return (order.salesperson or NO_KEY,)
    if by is Dimension.REGION:
        return (_region(order),)
    return tuple(sorted({line.sku for line in order.lines})) or (NO_KEY,)


def _sales_orders(
    orders: Iterable[Order], currency: str, foreign: ForeignCurrency
) -> Iterator[tuple[Order, Money]]:
    """The orders that count as sales in ``currency``, with their net sales, one at a time.

    A generator, so that a report over a store's streamed listing
    (``SqlOrderRepository.iter_orders``) holds one order at a time, not all of them.
    """
    for order in iterable(orders, argument="orders"):
        instance_of(order, Order, argument="order")
        if not counts_as_sale(order):
            continue
        if order.currency != currency:
            if foreign is ForeignCurrency.SKIP:
                continue
            if foreign is ForeignCurrency.CONVERT:
                # Converted once per order, on its net sales (see ForeignCurrency.CONVERT).
                yield order, to_report_currency(order_sales(order), order, currency)
                continue
            _check_currency((ITEM_ORDER, "order_id", order.id), order.currency, currency)
        yield order, order_sales(order)


def _summary(count: int, sales: Money) -> SalesSummary:
    return SalesSummary(count, sales, average_money(sales, count) if count else None)


# -- sales --------------------------------------------------------------------------------------


def sales_summary(
    orders: Iterable[Order], *, currency: str, foreign: ForeignCurrency = ForeignCurrency.REFUSE
) -> SalesSummary:
    """Order count, net sales and average order value of the orders that count as sales.

    Args:
        orders: Any orders; those not counting as sales (see :func:`counts_as_sale`)
            are ignored.
        currency: The report currency.
        foreign: Refuse, skip or convert orders in another currency.

    Returns:
        The summary (zero sales and no average when nothing counted).

    Raises:
        CurrencyMismatch: ``analytics.currency.mixed`` for a foreign order with ``refuse``.
        AnalyticsError: ``analytics.order.unpriced`` for a counted order without total.
    """
    count = 0
    total = Money.zero(currency)
    for _, amount in _sales_orders(orders, currency, foreign):
        count += 1
        total = total + amount
    return _summary(count, total)


def sales_by(
    orders: Iterable[Order],
    grouping: Grouping,
    *,
    currency: str,
    foreign: ForeignCurrency = ForeignCurrency.REFUSE,
) -> dict[str, SalesSummary]:
    """:func:`sales_summary` per group, sorted by key; group sales add up to the total.

    By product, each order's net sales are split over its SKUs (see
    :func:`product_sales`) and an order counts once in every SKU it has, so product
    order counts may add up to more than the number of orders.

    Args:
        orders: Any orders; only those counting as sales are grouped.
        grouping: Dimension (and period, basis, timezone for periods).
        currency: The report currency.
        foreign: Refuse, skip or convert orders in another currency.

    Returns:
        Summary per group key.

    Raises:
        CurrencyMismatch: ``analytics.currency.mixed`` for a foreign order with ``refuse``.
        AnalyticsError: ``analytics.order.unpriced``, or ``analytics.order.undated``
            when grouping by period and an order lacks the basis time.
    """
    sales: dict[str, Money] = {}
    counts: dict[str, int] = {}
    for order, amount in _sales_orders(orders, currency, foreign):
        shares = (
            _split_by_product(order, amount)
            if grouping.by is Dimension.PRODUCT
            else dict.fromkeys(order_keys(order, grouping), amount)
        )
        for key, share in shares.items():
            sales[key] = sales[key] + share if key in sales else share
            counts[key] = counts.get(key, 0) + 1
    return {key: _summary(counts[key], sales[key]) for key in sorted(sales)}


def customer_lifetime_values(
    orders: Iterable[Order],
    *,
    currency: str,
    basis: PeriodBasis = PeriodBasis.CREATED,
    foreign: ForeignCurrency = ForeignCurrency.REFUSE,
) -> dict[str, CustomerValue]:
    """Lifetime value of every customer: all their sales over the orders given.

    Args:
        orders: Any orders (all of a customer's history for a true lifetime value).
        currency: The report currency.
        basis: Moment that dates an order (first and last order).
        foreign: Refuse, skip or convert orders in another currency.

    Returns:
        Value per customer id, sorted by id.

    Raises:
        CurrencyMismatch: ``analytics.currency.mixed`` for a foreign order with ``refuse``.
        AnalyticsError: ``analytics.order.unpriced`` or ``analytics.order.undated``.
    """
    groups: dict[str, list[tuple[datetime, Money]]] = {}
    for order, amount in _sales_orders(orders, currency, foreign):
        groups.setdefault(order.customer.id, []).append((_basis_time(order, basis), amount))
    values = {}
    for customer_id in sorted(groups):
        entries = groups[customer_id]
        total = sum((amount for _, amount in entries), Money.zero(currency))
        moments = [moment for moment, _ in entries]
        values[customer_id] = CustomerValue(
            order_count=len(entries),
            sales=total,
            average_order_value=average_money(total, len(entries)),
            first_order_at=min(moments),
            last_order_at=max(moments),
        )
    return values


# -- quotes -------------------------------------------------------------------------------------


def _quote_key(quote: QuoteView, grouping: Grouping) -> str:
    if grouping.by is Dimension.PERIOD:
        return period_key(quote.created_at, grouping.period, timezone=grouping.timezone)
    if grouping.by is Dimension.CUSTOMER:
        return quote.customer_id
    if grouping.by is Dimension.SALESPERSON:
        return quote.salesperson or NO_KEY
    raise AnalyticsError(
        DIMENSION_UNSUPPORTED, params={"what": QUOTES, "dimension": grouping.by.value}
    )


def _conversion(quotes: Sequence[tuple[QuoteView, Money]], currency: str) -> ConversionStats:
    converted = [(quote, total) for quote, total in quotes if quote.converted_order_id is not None]
    return ConversionStats(
        quotes=len(quotes),
        converted=len(converted),
        rate=exact_ratio(len(converted), len(quotes)) if quotes else None,
        quoted_value=sum((total for _, total in quotes), Money.zero(currency)),
        converted_value=sum((total for _, total in converted), Money.zero(currency)),
    )


def _quotes_in(
    quotes: Iterable[QuoteView], currency: str, foreign: ForeignCurrency
) -> list[tuple[QuoteView, Money]]:
    """The quotes reported on, each with its total in the report currency."""
    kept = []
    for quote in quotes:
        total = quote.total
        if total.currency != currency:
            if foreign is ForeignCurrency.SKIP:
                continue
            if foreign is ForeignCurrency.CONVERT:
                # A quote's rate is on its quoted order (Quote.order.exchange_rate).
                offered = getattr(quote, "order", None)
                if not isinstance(offered, Order):
                    raise AnalyticsError(
                        RATE_MISSING,
                        params={
                            "item": ITEM_QUOTE,
                            "quote_id": quote.quote_id,
                            "currency": total.currency,
                            "expected": currency,
                        },
                    )
                kept.append((quote, to_report_currency(total, offered, currency)))
                continue
            _check_currency((ITEM_QUOTE, "quote_id", quote.quote_id), total.currency, currency)
        kept.append((quote, total))
    return kept


def quote_conversion(
    quotes: Iterable[QuoteView],
    *,
    currency: str,
    foreign: ForeignCurrency = ForeignCurrency.REFUSE,
) -> ConversionStats:
    """Share of quotes converted into orders: converted / all quotes.

    Args:
        quotes: Quotes (any objects matching :class:`QuoteView`).
        currency: Currency of the quoted values.
        foreign: Refuse, skip or convert quotes in another currency (converted at the
            rate on the quote's order; a quote view without one raises
            ``analytics.currency.rate_missing``).

    Returns:
        Counts, the rate (half-up to 4 places, None without quotes) and quoted values.

    Raises:
        CurrencyMismatch: ``analytics.currency.mixed`` for a foreign quote with ``refuse``.
    """
    return _conversion(_quotes_in(quotes, currency, foreign), currency)


def quote_conversion_by(
    quotes: Iterable[QuoteView],
    grouping: Grouping,
    *,
    currency: str,
    foreign: ForeignCurrency = ForeignCurrency.REFUSE,
) -> dict[str, ConversionStats]:
    """:func:`quote_conversion` per period (of ``created_at``), customer or salesperson.

    Args:
        quotes: Quotes (any objects matching :class:`QuoteView`).
        grouping: Period, customer or salesperson (``basis`` is ignored: quotes are
            dated by ``created_at``).
        currency: Currency of the quoted values.
        foreign: Refuse, skip or convert quotes in another currency (converted at the
            rate on the quote's order; a quote view without one raises
            ``analytics.currency.rate_missing``).

    Returns:
        Conversion per group key, sorted.

    Raises:
        AnalyticsError: ``analytics.dimension.unsupported`` for product or region.
        CurrencyMismatch: ``analytics.currency.mixed`` for a foreign quote with ``refuse``.
    """
    groups: dict[str, list[tuple[QuoteView, Money]]] = {}
    for quote, total in _quotes_in(quotes, currency, foreign):
        groups.setdefault(_quote_key(quote, grouping), []).append((quote, total))
    return {key: _conversion(groups[key], currency) for key in sorted(groups)}
