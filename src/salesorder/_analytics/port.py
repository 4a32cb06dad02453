"""The `SalesAnalytics` port: the order KPIs as a store answers them.

It lives here rather than in :mod:`salesorder.ports` because :mod:`salesorder.invoicing`
imports the ports and analytics imports invoicing: the port beside its result types makes
no import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from salesorder._analytics.common import (
    ComplianceStats,
    CustomerValue,
    CycleTimeStats,
    ForeignCurrency,
    Grouping,
    PeriodBasis,
    SalesSummary,
)
from salesorder._analytics.cycles import CycleSpan
from salesorder._analytics.receivables import AgeingReport
from salesorder.sla import DEFAULT_DEADLINES, BusinessCalendar, Deadline

__all__ = ["SalesAnalytics"]


@runtime_checkable
class SalesAnalytics(Protocol):
    """The order KPIs of one store (one tenant), each as its function in analytics computes it.

    Contract: every method returns exactly what the function of the same name returns
    for all the orders of the store (`sales_by(grouping, currency=...)` is
    `salesorder.analytics.sales_by(orders, grouping, currency=...)`), raises the same
    coded errors, and reads no order it does not need. `MemoryAnalytics` (over orders in
    memory) and `SqlAnalytics` (SQL aggregates over the facts stored with each order)
    implement it; a differential test holds them equal.
    """

    def sales_summary(
        self, *, currency: str, foreign: ForeignCurrency = ForeignCurrency.REFUSE
    ) -> SalesSummary:
        """Order count, net sales and average order value."""
        ...

    def sales_by(
        self,
        grouping: Grouping,
        *,
        currency: str,
        foreign: ForeignCurrency = ForeignCurrency.REFUSE,
    ) -> dict[str, SalesSummary]:
        """Sales per period, customer, product, salesperson or region."""
        ...

    def customer_lifetime_values(
        self,
        *,
        currency: str,
        basis: PeriodBasis = PeriodBasis.CREATED,
        foreign: ForeignCurrency = ForeignCurrency.REFUSE,
    ) -> dict[str, CustomerValue]:
        """Lifetime value of every customer."""
        ...

    def cycle_times(self, span: CycleSpan) -> CycleTimeStats | None:
        """Statistics of one cycle span."""
        ...

    def cycle_times_by(self, span: CycleSpan, grouping: Grouping) -> dict[str, CycleTimeStats]:
        """Statistics of one cycle span per group."""
        ...

    def sla_compliance(
        self,
        now: datetime,
        *,
        calendar: BusinessCalendar,
        deadlines: Sequence[Deadline] = DEFAULT_DEADLINES,
    ) -> dict[str, ComplianceStats]:
        """Compliance with each deadline."""
        ...

    def receivables_ageing(
        self,
        *,
        on: date,
        currency: str,
        foreign: ForeignCurrency = ForeignCurrency.REFUSE,
    ) -> AgeingReport:
        """Open invoice amounts by age."""
        ...

    def days_sales_outstanding(
        self,
        *,
        on: date,
        currency: str,
        days: int = 90,
        foreign: ForeignCurrency = ForeignCurrency.REFUSE,
    ) -> Decimal | None:
        """Days sales outstanding."""
        ...
