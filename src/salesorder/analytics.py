"""Sales analytics (R19): KPIs over iterables of orders, quotes and stock movements.

Every function here is pure: it reads the objects it is given and the time passed in,
and returns frozen values. Nothing is cached, stored or logged.

What counts as a sale
    An order counts once it is confirmed and for as long as it is not cancelled: status
    ``confirmed``, ``partially_shipped``, ``shipped``, ``delivered``, ``completed`` or
    ``closed``, or ``on_hold`` from one of these (see :data:`SALES_STATUSES`). Its
    amount is its ``grand_total`` less the refunds paid on it (payments of kind
    ``refund``), rounded half-up to the currency's minor unit. A short-closed order
    counts its grand total too: the undelivered remainder leaves sales only when it is
    refunded (keep it simple and traceable to money that moved). Refunds belong to the
    order's period, not to the refund's date.

Invariants
    * Amounts are exact :class:`~salesorder.money.Money` in the one currency asked for;
      an order or quote in another currency is refused (``analytics.currency.mixed``)
      or skipped, as the caller says, never added in.
    * Group totals sum exactly to the overall total for every grouping; per-product
      amounts of an order are split with :func:`~salesorder.money.allocate` and sum
      exactly to the order's amount.
    * Ratios are exact fractions rounded half-up to :data:`RATIO_PLACES` decimal places;
      averages of money are rounded half-up to the minor unit; durations are exact
      integer microseconds (half-up where a mean or median falls between two).
    * Results do not depend on the order of the input; groups are ``dict`` sorted by key.
    * No customer personal data in any result or error: keys are ids, SKUs and the
      country/province/city region path.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Final, Protocol

import attrs

from salesorder.errors import CurrencyMismatch, SalesOrderError, define_code
from salesorder.money import Money, allocate, minor_unit
from salesorder.order import Order
from salesorder.records import PaymentKind, Status
from salesorder.sla import DEFAULT_DEADLINES, BusinessCalendar, Deadline

__all__ = [
    "DEFAULT_MOVEMENT_KINDS",
    "NO_KEY",
    "RATIO_PLACES",
    "SALES_STATUSES",
    "AnalyticsError",
    "ComplianceStats",
    "ConversionStats",
    "CustomerValue",
    "CycleSpan",
    "CycleTimeStats",
    "Dimension",
    "ForeignCurrency",
    "Grouping",
    "MovementEffect",
    "Period",
    "PeriodBasis",
    "QuoteView",
    "SalesSummary",
    "StockMovementView",
    "TurnoverReport",
    "TurnoverStats",
    "counts_as_sale",
    "customer_lifetime_values",
    "cycle_time",
    "cycle_times",
    "cycle_times_by",
    "inventory_turnover",
    "order_sales",
    "period_key",
    "product_sales",
    "quote_conversion",
    "quote_conversion_by",
    "sales_by",
    "sales_summary",
    "sla_compliance",
]

CURRENCY_MIXED: Final = define_code(
    "analytics.currency.mixed",
    en="{item} is in {currency}, not the report currency {expected}.",
    zh="{item} 的币种是 {currency},不是报表币种 {expected}。",
)
ORDER_UNPRICED: Final = define_code(
    "analytics.order.unpriced",
    en="Order {order_id} counts as a sale but has no grand total.",
    zh="订单 {order_id} 计入销售额,但没有订单总额。",
)
ORDER_UNDATED: Final = define_code(
    "analytics.order.undated",
    en="Order {order_id} has no {basis} time to group by.",
    zh="订单 {order_id} 没有可用于分组的 {basis} 时间。",
)
DIMENSION_UNSUPPORTED: Final = define_code(
    "analytics.dimension.unsupported",
    en="{what} cannot be grouped by {dimension}.",
    zh="{what} 不能按 {dimension} 分组。",
)
MOVEMENT_UNKNOWN_KIND: Final = define_code(
    "analytics.movement.unknown_kind",
    en="Unknown stock movement kind '{kind}'.",
    zh="未知的库存变动类型“{kind}”。",
)
PERIOD_INVALID: Final = define_code(
    "analytics.period.invalid",
    en="The reporting period must end after it starts.",
    zh="统计期间的结束时间必须晚于开始时间。",
)

RATIO_PLACES: Final = 4
"""Decimal places of every ratio (conversion, compliance, turnover, days of inventory)."""

NO_KEY: Final = "(none)"
"""Group key of orders without a salesperson, a region or lines."""

SALES_STATUSES: Final = frozenset(
    {
        Status.CONFIRMED,
        Status.PARTIALLY_SHIPPED,
        Status.SHIPPED,
        Status.DELIVERED,
        Status.COMPLETED,
        Status.CLOSED,
    }
)
"""Statuses in which an order counts as a sale (``on_hold`` counts by the status it left)."""

_MICROSECONDS_PER_DAY: Final = 86_400 * 10**6

# Quantities are added and halved exactly, however many digits they have.
_EXACT: Final = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])


class AnalyticsError(SalesOrderError, ValueError):
    """Input that a KPI cannot be computed from (unpriced or undated order, bad period...).

    Always raised with one of the ``analytics.*`` codes of this module.
    """


# -- options ----------------------------------------------------------------------------------


class ForeignCurrency(enum.StrEnum):
    """What to do with an order or quote in another currency than the report's."""

    REFUSE = "refuse"
    """Raise ``CurrencyMismatch`` (``analytics.currency.mixed``)."""
    SKIP = "skip"
    """Leave it out of every figure."""


class Period(enum.StrEnum):
    """Calendar period for grouping; keys are ISO-like labels that sort in time order."""

    DAY = "day"
    """``2026-11-22``."""
    WEEK = "week"
    """ISO week, ``2026-W47`` (the ISO year, which may differ from the calendar year)."""
    MONTH = "month"
    """``2026-11``."""
    QUARTER = "quarter"
    """``2026-Q4``."""
    YEAR = "year"
    """``2026``."""


class PeriodBasis(enum.StrEnum):
    """Which moment of an order places it in a period."""

    CREATED = "created"
    """``Order.created_at``: when it was entered."""
    CONFIRMED = "confirmed"
    """The first ``confirm`` entry of the audit trail: when it became a sale."""


class Dimension(enum.StrEnum):
    """What to group by."""

    PERIOD = "period"
    """Calendar period of the order (see :class:`Grouping`)."""
    CUSTOMER = "customer"
    """``Order.customer.id``."""
    PRODUCT = "product"
    """The line's SKU."""
    SALESPERSON = "salesperson"
    """``Order.salesperson`` (:data:`NO_KEY` when none)."""
    REGION = "region"
    """Country/province/city of the shipping address, else of the customer's address."""


@attrs.frozen(kw_only=True)
class Grouping:
    """How to group: the dimension and, for periods, which period and which moment.

    Attributes:
        by: The dimension.
        period: Calendar period when ``by`` is ``period``.
        basis: Moment of the order that places it in a period.
        timezone: Timezone aware datetimes are converted to before taking their date
            (None: each datetime's own).
    """

    by: Dimension
    period: Period = Period.MONTH
    basis: PeriodBasis = PeriodBasis.CREATED
    timezone: tzinfo | None = None


# -- results ----------------------------------------------------------------------------------


@attrs.frozen
class SalesSummary:
    """Sales of a set of orders.

    Attributes:
        order_count: Orders counted (for products: orders with a line of the product).
        sales: Net sales, tax included, refunds deducted.
        average_order_value: ``sales / order_count`` rounded half-up to the minor unit;
            None when no order counted.
    """

    order_count: int
    sales: Money
    average_order_value: Money | None


@attrs.frozen
class CustomerValue:
    """Customer lifetime value: everything a customer bought, over all time given.

    Attributes:
        order_count: Orders counted as sales.
        sales: Their net sales.
        average_order_value: ``sales / order_count``, rounded half-up to the minor unit.
        first_order_at: Basis time of the first order.
        last_order_at: Basis time of the last order.
    """

    order_count: int
    sales: Money
    average_order_value: Money
    first_order_at: datetime
    last_order_at: datetime


@attrs.frozen
class ConversionStats:
    """Quote-to-order conversion.

    Attributes:
        quotes: Quotes considered.
        converted: Those converted into an order.
        rate: ``converted / quotes`` rounded half-up to 4 places; None without quotes.
        quoted_value: Total of every quote.
        converted_value: Total of the converted quotes.
    """

    quotes: int
    converted: int
    rate: Decimal | None
    quoted_value: Money
    converted_value: Money


@attrs.frozen
class CycleTimeStats:
    """Distribution of one cycle time over orders, exact to the microsecond.

    Attributes:
        count: Orders measured.
        mean: Arithmetic mean (half-up to the microsecond).
        median: Middle value; the mean of the two middle values for an even count.
        p90: 90th percentile by the nearest-rank method (the ``ceil(0.9 n)``-th smallest).
        max: Longest.
    """

    count: int
    mean: timedelta
    median: timedelta
    p90: timedelta
    max: timedelta


@attrs.frozen
class ComplianceStats:
    """Compliance with one deadline.

    Attributes:
        deadline: Name of the deadline, e.g. ``review``.
        met: Orders that left the status by the due time, every time they entered it.
        missed: Orders that left it late, or are still in it past due at ``now``.
        pending: Orders still in it and not yet due (not in the ratio).
        ratio: ``met / (met + missed)`` half-up to 4 places; None when nothing was decided.
    """

    deadline: str
    met: int
    missed: int
    pending: int
    ratio: Decimal | None


@attrs.frozen
class TurnoverStats:
    """Inventory turnover over a period, for one SKU or all together.

    Attributes:
        issued: Quantity shipped to customers in the period (``issue`` movements).
        opening: On hand at the start of the period.
        closing: On hand at the end.
        average_on_hand: ``(opening + closing) / 2`` (exact).
        turnover: ``issued / average_on_hand`` half-up to 4 places; None when the
            average on hand is not positive.
        days_of_inventory: Period days / turnover, half-up to 4 places; None when
            nothing was issued or the turnover is undefined.
    """

    issued: Decimal
    opening: Decimal
    closing: Decimal
    average_on_hand: Decimal
    turnover: Decimal | None
    days_of_inventory: Decimal | None


@attrs.frozen
class TurnoverReport:
    """Turnover of every SKU and of the whole stock.

    Attributes:
        overall: All SKUs added together (meaningful when they share a unit).
        by_sku: Per SKU, sorted by SKU.
    """

    overall: TurnoverStats
    by_sku: dict[str, TurnoverStats]


# -- protocols of collaborators -----------------------------------------------------------------


class QuoteView(Protocol):
    """What analytics reads of a quote (the service layer's quotes match it)."""

    @property
    def quote_id(self) -> str:
        """Identifier of the quote."""
        ...

    @property
    def created_at(self) -> datetime:
        """When the quote was made."""
        ...

    @property
    def customer_id(self) -> str:
        """The customer quoted."""
        ...

    @property
    def salesperson(self) -> str | None:
        """Who made the quote."""
        ...

    @property
    def converted_order_id(self) -> str | None:
        """The order the quote became, if it did."""
        ...

    @property
    def total(self) -> Money:
        """Quoted total, tax included."""
        ...


class StockMovementView(Protocol):
    """What analytics reads of a stock journal entry (the inventory module's match it)."""

    @property
    def sku(self) -> str:
        """The stock keeping unit."""
        ...

    @property
    def location(self) -> str:
        """Warehouse or location."""
        ...

    @property
    def kind(self) -> str:
        """Movement kind, a key of the ``kinds`` table (see :data:`DEFAULT_MOVEMENT_KINDS`)."""
        ...

    @property
    def quantity(self) -> Decimal:
        """Quantity moved (see :class:`MovementEffect` for its sign)."""
        ...

    @property
    def at(self) -> datetime:
        """When."""
        ...


class MovementEffect(enum.StrEnum):
    """What a movement kind does to the quantity on hand."""

    RECEIPT = "receipt"
    """On hand + quantity (goods received, returns restocked)."""
    ISSUE = "issue"
    """On hand - quantity, and counted as shipped to customers (turnover numerator)."""
    WRITE_OFF = "write_off"
    """On hand - quantity, not a sale (scrap, loss)."""
    ADJUSTMENT = "adjustment"
    """On hand + quantity, quantity signed (stock count corrections; transfers, negative
    at the source location and positive at the destination)."""
    NONE = "none"
    """No change on hand (reservations and their release)."""


DEFAULT_MOVEMENT_KINDS: Final[Mapping[str, MovementEffect]] = {
    "receive": MovementEffect.RECEIPT,
    "restock": MovementEffect.RECEIPT,
    "ship": MovementEffect.ISSUE,
    "commit": MovementEffect.ISSUE,
    "scrap": MovementEffect.WRITE_OFF,
    "adjust": MovementEffect.ADJUSTMENT,
    "transfer": MovementEffect.ADJUSTMENT,
    "reserve": MovementEffect.NONE,
    "release": MovementEffect.NONE,
}
"""Movement kinds of the stock journal and their effect; pass your own table when the
journal names them otherwise, or records both ``commit`` and ``ship`` for the same goods
(map one of them to ``none`` so they are not counted twice)."""


# -- exact rounding -----------------------------------------------------------------------------


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, exactly."""
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    sign = "-" if value < 0 and whole else ""  # no negative zero
    return Decimal(f"{sign}{whole}E-{places}")


def _ratio(numerator: Fraction | int | Decimal, denominator: Fraction | int | Decimal) -> Decimal:
    return _round_half_up(Fraction(numerator) / Fraction(denominator), RATIO_PLACES)


def _average(total: Money, count: int) -> Money:
    places = minor_unit(total.currency)
    return Money(_round_half_up(Fraction(total.amount) / count, places), total.currency)


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


def _check_currency(item: str, currency: str, expected: str) -> None:
    if currency != expected:
        raise CurrencyMismatch(
            CURRENCY_MIXED, params={"item": item, "currency": currency, "expected": expected}
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
    _check_currency(f"Order {order.id}", order.grand_total.currency, order.currency)
    amount = order.grand_total
    for payment in order.payments:
        if payment.kind is PaymentKind.REFUND:
            amount = amount - payment.amount
    return amount.quantize()


def _line_weights(order: Order) -> list[Decimal]:
    priced = dict(order.line_totals)
    if priced:
        for line_id, amount in order.line_totals:
            _check_currency(f"Line total {line_id}", amount.currency, order.currency)
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
    amount = order_sales(order)
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


def _first(order: Order, event: str) -> datetime | None:
    for entry in order.audit:
        if entry.event == event:
            return entry.at
    return None


def _entered(order: Order, status: Status) -> datetime | None:
    for entry in order.audit:
        if entry.target is status and entry.source is not status:
            return entry.at
    return None


def _basis_time(order: Order, basis: PeriodBasis) -> datetime:
    moment = order.created_at if basis is PeriodBasis.CREATED else _first(order, "confirm")
    if moment is None:
        raise AnalyticsError(ORDER_UNDATED, params={"order_id": order.id, "basis": basis.value})
    return moment


def _region(order: Order) -> str:
    address = order.shipping_address or order.customer.address
    return address.region if address is not None and address.region else NO_KEY


def _order_keys(order: Order, grouping: Grouping) -> tuple[str, ...]:
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
) -> list[tuple[Order, Money]]:
    """The orders that count as sales in ``currency``, with their net sales."""
    counted = []
    for order in orders:
        if not counts_as_sale(order):
            continue
        if order.currency != currency:
            if foreign is ForeignCurrency.SKIP:
                continue
            _check_currency(f"Order {order.id}", order.currency, currency)
        counted.append((order, order_sales(order)))
    return counted


def _summary(count: int, sales: Money) -> SalesSummary:
    return SalesSummary(count, sales, _average(sales, count) if count else None)


# -- sales --------------------------------------------------------------------------------------


def sales_summary(
    orders: Iterable[Order], *, currency: str, foreign: ForeignCurrency = ForeignCurrency.REFUSE
) -> SalesSummary:
    """Order count, net sales and average order value of the orders that count as sales.

    Args:
        orders: Any orders; those not counting as sales (see :func:`counts_as_sale`)
            are ignored.
        currency: The report currency.
        foreign: Refuse or skip orders in another currency.

    Returns:
        The summary (zero sales and no average when nothing counted).

    Raises:
        CurrencyMismatch: ``analytics.currency.mixed`` for a foreign order with ``refuse``.
        AnalyticsError: ``analytics.order.unpriced`` for a counted order without total.
    """
    counted = _sales_orders(orders, currency, foreign)
    total = sum((amount for _, amount in counted), Money.zero(currency))
    return _summary(len(counted), total)


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
        foreign: Refuse or skip orders in another currency.

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
            product_sales(order)
            if grouping.by is Dimension.PRODUCT
            else dict.fromkeys(_order_keys(order, grouping), amount)
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
        foreign: Refuse or skip orders in another currency.

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
            average_order_value=_average(total, len(entries)),
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
        DIMENSION_UNSUPPORTED, params={"what": "Quotes", "dimension": grouping.by.value}
    )


def _conversion(quotes: Sequence[QuoteView], currency: str) -> ConversionStats:
    converted = [quote for quote in quotes if quote.converted_order_id is not None]
    return ConversionStats(
        quotes=len(quotes),
        converted=len(converted),
        rate=_ratio(len(converted), len(quotes)) if quotes else None,
        quoted_value=sum((quote.total for quote in quotes), Money.zero(currency)),
        converted_value=sum((quote.total for quote in converted), Money.zero(currency)),
    )


def _quotes_in(
    quotes: Iterable[QuoteView], currency: str, foreign: ForeignCurrency
) -> list[QuoteView]:
    kept = []
    for quote in quotes:
        if quote.total.currency != currency:
            if foreign is ForeignCurrency.SKIP:
                continue
            _check_currency(f"Quote {quote.quote_id}", quote.total.currency, currency)
        kept.append(quote)
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
        foreign: Refuse or skip quotes in another currency.

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
        foreign: Refuse or skip quotes in another currency.

    Returns:
        Conversion per group key, sorted.

    Raises:
        AnalyticsError: ``analytics.dimension.unsupported`` for product or region.
        CurrencyMismatch: ``analytics.currency.mixed`` for a foreign quote with ``refuse``.
    """
    groups: dict[str, list[QuoteView]] = {}
    for quote in _quotes_in(quotes, currency, foreign):
        groups.setdefault(_quote_key(quote, grouping), []).append(quote)
    return {key: _conversion(groups[key], currency) for key in sorted(groups)}


# -- cycle times --------------------------------------------------------------------------------


class CycleSpan(enum.StrEnum):
    """Intervals of the order process measured from the audit trail."""

    SUBMIT_TO_APPROVE = "submit_to_approve"
    """First ``submit`` to first entering ``approved`` (zero when approved on submission)."""
    CONFIRM_TO_SHIP = "confirm_to_ship"
    """First ``confirm`` to the first ``ship`` (first shipment)."""
    SHIP_TO_DELIVER = "ship_to_deliver"
    """First ``ship`` to entering ``delivered`` (everything signed for)."""
    ORDER_TO_COMPLETE = "order_to_complete"
    """``created_at`` (else the first audit entry) to entering ``completed``."""


def cycle_time(order: Order, span: CycleSpan) -> timedelta | None:
    """How long ``order`` took over ``span``, from its audit trail.

    Args:
        order: The order.
        span: The interval.

    Returns:
        The duration, or None when the order has not reached both ends.
    """
    if span is CycleSpan.SUBMIT_TO_APPROVE:
        start, end = _first(order, "submit"), _entered(order, Status.APPROVED)
    elif span is CycleSpan.CONFIRM_TO_SHIP:
        start, end = _first(order, "confirm"), _first(order, "ship")
    elif span is CycleSpan.SHIP_TO_DELIVER:
        start, end = _first(order, "ship"), _entered(order, Status.DELIVERED)
    else:
        start = order.created_at or (order.audit[0].at if order.audit else None)
        end = _entered(order, Status.COMPLETED)
    if start is None or end is None:
        return None
    return end - start


def _micros(duration: timedelta) -> int:
    return (duration.days * 86_400 + duration.seconds) * 10**6 + duration.microseconds


def _stats(durations: Sequence[timedelta]) -> CycleTimeStats:
    values = sorted(_micros(d) for d in durations)
    n = len(values)
    middle = Fraction(values[(n - 1) // 2] + values[n // 2], 2)

    def exact(value: Fraction) -> timedelta:
        return timedelta(microseconds=int(_round_half_up(value, 0)))

    return CycleTimeStats(
        count=n,
        mean=exact(Fraction(sum(values), n)),
        median=exact(middle),
        p90=timedelta(microseconds=values[(9 * n + 9) // 10 - 1]),
        max=timedelta(microseconds=values[-1]),
    )


def cycle_times(orders: Iterable[Order], span: CycleSpan) -> CycleTimeStats | None:
    """Count, mean, median, p90 and max of :func:`cycle_time` over ``orders``.

    Orders that have not reached both ends of the span are left out (whatever their
    status: filter cancelled orders first if they should not count).

    Args:
        orders: Any orders.
        span: The interval.

    Returns:
        The statistics, or None when no order has the interval.
    """
    durations = [d for d in (cycle_time(order, span) for order in orders) if d is not None]
    return _stats(durations) if durations else None


def cycle_times_by(
    orders: Iterable[Order], span: CycleSpan, grouping: Grouping
) -> dict[str, CycleTimeStats]:
    """:func:`cycle_times` per group (by product: every order with a line of the SKU).

    Args:
        orders: Any orders.
        span: The interval.
        grouping: Dimension (and period, basis, timezone for periods).

    Returns:
        Statistics per group key, sorted; groups without a measured order are absent.

    Raises:
        AnalyticsError: ``analytics.order.undated`` when grouping by period and a
            measured order lacks the basis time.
    """
    groups: dict[str, list[timedelta]] = {}
    for order in orders:
        duration = cycle_time(order, span)
        if duration is None:
            continue
        for key in _order_keys(order, grouping):
            groups.setdefault(key, []).append(duration)
    return {key: _stats(groups[key]) for key in sorted(groups)}


# -- service levels -----------------------------------------------------------------------------


def _stays(order: Order, status: Status) -> list[tuple[datetime, datetime | None]]:
    """Each stay of the order in ``status``: (entered, left or None while still in it)."""
    stays: list[tuple[datetime, datetime | None]] = []
    entered: datetime | None = None
    for entry in order.audit:
        if entry.source is entry.target:
            continue
        if entry.target is status:
            entered = entry.at
        elif entry.source is status and entered is not None:
            stays.append((entered, entry.at))
            entered = None
    if entered is not None:
        stays.append((entered, None))
    return stays


def sla_compliance(
    orders: Iterable[Order],
    now: datetime,
    *,
    calendar: BusinessCalendar,
    deadlines: Sequence[Deadline] = DEFAULT_DEADLINES,
) -> dict[str, ComplianceStats]:
    """Share of orders that met each deadline (review, shipment...) of :mod:`salesorder.sla`.

    For each deadline, every stay of an order in the deadline's status (from the audit
    trail: entering it to leaving it) must end by :meth:`~salesorder.sla.Deadline.due`.
    An order met the deadline when all its stays did, missed it when one ended late or
    is still open past due at ``now``; otherwise (open, not yet due) it is pending.
    Orders that never entered the status are not counted.

    Args:
        orders: Any orders.
        now: The current time (the caller's clock), for stays still open.
        calendar: Working days and hours.
        deadlines: The service levels.

    Returns:
        Statistics per deadline name, sorted by name.
    """
    tally = {deadline.name: [0, 0, 0] for deadline in deadlines}
    for order in orders:
        for deadline in deadlines:
            stays = _stays(order, deadline.status)
            if not stays:
                continue
            outcome = 0  # met
            for entered, left in stays:
                due = deadline.due(entered, calendar=calendar)
                if (left if left is not None else now) > due:
                    outcome = 1  # missed
                    break
                if left is None:
                    outcome = 2  # pending
            tally[deadline.name][outcome] += 1
    return {
        name: ComplianceStats(
            name, met, missed, pending, _ratio(met, met + missed) if met + missed else None
        )
        for name, (met, missed, pending) in sorted(tally.items())
    }


# -- inventory turnover -------------------------------------------------------------------------


def _exact_sum(quantities: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for quantity in quantities:
        total = _EXACT.add(total, quantity)
    return total


def _turnover(issued: Decimal, opening: Decimal, closing: Decimal, days: Fraction) -> TurnoverStats:
    average = Fraction(opening + closing) / 2
    turnover = Fraction(issued) / average if average > 0 else None
    return TurnoverStats(
        issued=issued,
        opening=opening,
        closing=closing,
        # Half of a Decimal is a Decimal with one more digit at most: exact.
        average_on_hand=_EXACT.multiply(_EXACT.add(opening, closing), Decimal("0.5")),
        turnover=_round_half_up(turnover, RATIO_PLACES) if turnover is not None else None,
        days_of_inventory=(_round_half_up(days / turnover, RATIO_PLACES) if turnover else None),
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
        target[sku] = _EXACT.add(target.get(sku, zero), delta)
        opening.setdefault(sku, zero)
        if movement.at >= start and effect is MovementEffect.ISSUE:
            issued[sku] = _EXACT.add(issued.get(sku, zero), quantity)
    days = Fraction(_micros(end - start), _MICROSECONDS_PER_DAY)
    by_sku = {
        sku: _turnover(
            issued.get(sku, zero),
            opening[sku],
            _EXACT.add(opening[sku], change.get(sku, zero)),
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
