"""`MemoryAnalytics`: the `SalesAnalytics` port over orders held in memory.

Each method calls the function of :mod:`salesorder.analytics` of the same name on the
orders given, so a host without SQL (or a test) has the same interface as `SqlAnalytics`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from salesorder import analytics as an
from salesorder.order import Order
from salesorder.sla import DEFAULT_DEADLINES, BusinessCalendar, Deadline

__all__ = ["MemoryAnalytics"]


class MemoryAnalytics:
    """`salesorder.analytics.SalesAnalytics` over a collection of orders.

    Args:
        orders: The orders reported on: a collection (read again by every report), or a
            function returning them (e.g. ``lambda: database.orders.snapshot().values()``
            for a `MemoryDatabase`'s current orders).
    """

    def __init__(self, orders: Collection[Order] | Callable[[], Iterable[Order]]) -> None:
        self._orders = orders

    def _all(self) -> Iterable[Order]:
        return self._orders() if callable(self._orders) else self._orders

    def sales_summary(
        self, *, currency: str, foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE
    ) -> an.SalesSummary:
        """`salesorder.analytics.sales_summary` of the orders."""
        return an.sales_summary(self._all(), currency=currency, foreign=foreign)

    def sales_by(
        self,
        grouping: an.Grouping,
        *,
        currency: str,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> dict[str, an.SalesSummary]:
        """`salesorder.analytics.sales_by` of the orders."""
        return an.sales_by(self._all(), grouping, currency=currency, foreign=foreign)

    def customer_lifetime_values(
        self,
        *,
        currency: str,
        basis: an.PeriodBasis = an.PeriodBasis.CREATED,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> dict[str, an.CustomerValue]:
        """`salesorder.analytics.customer_lifetime_values` of the orders."""
        return an.customer_lifetime_values(
            self._all(), currency=currency, basis=basis, foreign=foreign
        )

    def cycle_times(self, span: an.CycleSpan) -> an.CycleTimeStats | None:
        """`salesorder.analytics.cycle_times` of the orders."""
        return an.cycle_times(self._all(), span)

    def cycle_times_by(
        self, span: an.CycleSpan, grouping: an.Grouping
    ) -> dict[str, an.CycleTimeStats]:
        """`salesorder.analytics.cycle_times_by` of the orders."""
        return an.cycle_times_by(self._all(), span, grouping)

    def sla_compliance(
        self,
        now: datetime,
        *,
        calendar: BusinessCalendar,
        deadlines: Sequence[Deadline] = DEFAULT_DEADLINES,
    ) -> dict[str, an.ComplianceStats]:
        """`salesorder.analytics.sla_compliance` of the orders."""
        return an.sla_compliance(self._all(), now, calendar=calendar, deadlines=deadlines)

    def receivables_ageing(
        self,
        *,
        on: date,
        currency: str,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> an.AgeingReport:
        """`salesorder.analytics.receivables_ageing` of the orders."""
        return an.receivables_ageing(self._all(), on=on, currency=currency, foreign=foreign)

    def days_sales_outstanding(
        self,
        *,
        on: date,
        currency: str,
        days: int = 90,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> Decimal | None:
        """`salesorder.analytics.days_sales_outstanding` of the orders."""
        return an.days_sales_outstanding(
            self._all(), on=on, currency=currency, days=days, foreign=foreign
        )
