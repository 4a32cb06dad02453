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

This module is the public face; the implementation is private, in
``salesorder._analytics``: ``common`` (codes, options, result values, the views of
quotes and stock movements, exact rounding), ``sales`` (what an order sold, group keys,
sales and quote conversion), ``cycles`` (cycle times, SLA compliance), ``turnover``
(inventory turnover) and ``receivables`` (ageing of open invoices, days sales
outstanding).
"""

from __future__ import annotations

from salesorder._analytics.common import (
    DEFAULT_MOVEMENT_KINDS,
    NO_KEY,
    RATIO_PLACES,
    SALES_STATUSES,
    AnalyticsError,
    ComplianceStats,
    ConversionStats,
    CustomerValue,
    CycleTimeStats,
    Dimension,
    ForeignCurrency,
    Grouping,
    MovementEffect,
    Period,
    PeriodBasis,
    QuoteView,
    SalesSummary,
    StockMovementView,
    TurnoverReport,
    TurnoverStats,
    average_minor,
    average_money,
)
from salesorder._analytics.cycles import (
    CycleSpan,
    cycle_stats,
    cycle_time,
    cycle_times,
    cycle_times_by,
    sla_compliance,
    status_stays,
    stays_compliance,
)
from salesorder._analytics.port import SalesAnalytics
from salesorder._analytics.receivables import (
    AGEING_BUCKETS,
    AgeingReport,
    days_sales_outstanding,
    receivables_ageing,
)
from salesorder._analytics.sales import (
    basis_time,
    counts_as_sale,
    customer_lifetime_values,
    order_sales,
    period_key,
    product_sales,
    quote_conversion,
    quote_conversion_by,
    sales_by,
    sales_summary,
)
from salesorder._analytics.turnover import (
    inventory_turnover,
)

__all__ = [
    "AGEING_BUCKETS",
    "DEFAULT_MOVEMENT_KINDS",
    "NO_KEY",
    "RATIO_PLACES",
    "SALES_STATUSES",
    "AgeingReport",
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
    "SalesAnalytics",
    "SalesSummary",
    "StockMovementView",
    "TurnoverReport",
    "TurnoverStats",
    "average_minor",
    "average_money",
    "basis_time",
    "counts_as_sale",
    "customer_lifetime_values",
    "cycle_stats",
    "cycle_time",
    "cycle_times",
    "cycle_times_by",
    "days_sales_outstanding",
    "inventory_turnover",
    "order_sales",
    "period_key",
    "product_sales",
    "quote_conversion",
    "quote_conversion_by",
    "receivables_ageing",
    "sales_by",
    "sales_summary",
    "sla_compliance",
    "status_stays",
    "stays_compliance",
]
