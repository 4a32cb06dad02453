"""The vocabulary of the KPIs: codes, options, results, views of collaborators, rounding.

Invariants: every result is a frozen value; ratios round half-up to :data:`RATIO_PLACES`
places and money averages half-up to the minor unit, from exact fractions.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Final, Protocol

import attrs

from salesorder.errors import SalesOrderError, define_code, define_phrase
from salesorder.money import Money, minor_unit
from salesorder.order import Order
from salesorder.records import Status

# What ``{item}`` of ``analytics.currency.mixed`` names, and ``{what}`` of
# ``analytics.dimension.unsupported`` (terms; the ids fill them from the params).
ITEM_ORDER: Final = define_phrase("Order {order_id}")
ITEM_LINE_TOTAL: Final = define_phrase("Line total {line_id}")
ITEM_QUOTE: Final = define_phrase("Quote {quote_id}")
QUOTES: Final = define_phrase("Quotes")
CURRENCY_MIXED: Final = define_code(
    "analytics.currency.mixed",
    en="{item} is in {currency}, not the report currency {expected}.",
)
RATE_MISSING: Final = define_code(
    "analytics.currency.rate_missing",
    en="{item} is in {currency} and holds no exchange rate from the report currency {expected}.",
)
ORDER_UNPRICED: Final = define_code(
    "analytics.order.unpriced",
    en="Order {order_id} counts as a sale but has no grand total.",
)
ORDER_UNDATED: Final = define_code(
    "analytics.order.undated",
    en="Order {order_id} has no {basis} time to group by.",
)
DIMENSION_UNSUPPORTED: Final = define_code(
    "analytics.dimension.unsupported",
    en="{what} cannot be grouped by {dimension}.",
)
MOVEMENT_UNKNOWN_KIND: Final = define_code(
    "analytics.movement.unknown_kind",
    en="Unknown stock movement kind '{kind}'.",
)
PERIOD_INVALID: Final = define_code(
    "analytics.period.invalid",
    en="The reporting period must end after it starts.",
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

MICROSECONDS_PER_DAY: Final = 86_400 * 10**6

# Quantities are added and halved exactly, however many digits they have.
EXACT_ARITHMETIC: Final = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])


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
    CONVERT = "convert"
    """Convert its amounts into the report currency at the exchange rate stored on the
    order (``Order.exchange_rate``, fixed when it was entered or quoted), each amount
    once, half-up to the report currency's minor unit; an order without a rate from the
    report currency raises ``AnalyticsError`` (``analytics.currency.rate_missing``)."""


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


def round_half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, exactly."""
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    sign = "-" if value < 0 and whole else ""  # no negative zero
    return Decimal(f"{sign}{whole}E-{places}")


def to_report_currency(amount: Money, order: Order, currency: str) -> Money:
    """``amount`` of ``order`` in the report ``currency``, at the order's stored rate.

    The order's rate says what one unit of its price list's currency is worth in the
    order's currency, so an amount in the order's currency is worth ``amount / rate`` in
    the price list's: the exact quotient, rounded half-up once to the minor unit.

    A zero amount is zero in the report currency, whether the order holds a rate or not.

    Raises:
        AnalyticsError: ``analytics.currency.rate_missing`` when the order holds no rate
            from ``currency`` to the amount's (non-zero) currency.
    """
    if amount.currency == currency:
        return amount
    places = minor_unit(currency)
    if not amount.amount:
        # Nothing to convert (an order without invoices has nothing outstanding): zero
        # in any currency, rate or not, as a store that never reads that order says.
        return Money(round_half_up(Fraction(0), places), currency)
    fx = order.exchange_rate
    if fx is None or fx.base != currency or fx.quote != amount.currency:
        raise AnalyticsError(
            RATE_MISSING,
            params={
                "item": ITEM_ORDER,
                "order_id": order.id,
                "currency": amount.currency,
                "expected": currency,
            },
        )
    exact = Fraction(amount.amount) / Fraction(fx.rate)
    return Money(round_half_up(exact, places), currency)


def exact_ratio(
    numerator: Fraction | int | Decimal, denominator: Fraction | int | Decimal
) -> Decimal:
    """``numerator / denominator`` rounded half-up to :data:`RATIO_PLACES` places."""
    return round_half_up(Fraction(numerator) / Fraction(denominator), RATIO_PLACES)


def average_minor(minor: int, count: int) -> int:
    """``minor / count`` rounded half away from zero to a whole number (of minor units)."""
    whole, rest = divmod(abs(minor), count)
    if 2 * rest >= count:
        whole += 1
    return -whole if minor < 0 else whole


def average_money(total: Money, count: int) -> Money:
    """``total / count`` rounded half-up to the currency's minor unit."""
    places = minor_unit(total.currency)
    scaled = total.amount.scaleb(places)
    if scaled == scaled.to_integral_value():
        # A total in whole minor units (every sum of quantized sales): the same half-up
        # rounding on integers, without building a Fraction (a report has one per group).
        return Money.of_minor(average_minor(int(scaled), count), total.currency)
    return Money(round_half_up(Fraction(total.amount) / count, places), total.currency)


# -- durations and the audit trail ---------------------------------------------------------


def micros(duration: timedelta) -> int:
    """A duration as exact integer microseconds."""
    return (duration.days * 86_400 + duration.seconds) * 10**6 + duration.microseconds


def first_time(order: Order, event: str) -> datetime | None:
    """When ``event`` first happened to ``order`` (its audit trail), if it did."""
    for entry in order.audit:
        if entry.event == event:
            return entry.at
    return None


def entered_at(order: Order, status: Status) -> datetime | None:
    """When ``order`` first entered ``status`` from another status, if it did."""
    for entry in order.audit:
        if entry.target is status and entry.source is not status:
            return entry.at
    return None
