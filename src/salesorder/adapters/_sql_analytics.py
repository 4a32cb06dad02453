"""Analytics answered by the database: the KPIs of :mod:`salesorder.analytics` as SQL aggregates.

:class:`SqlAnalytics` reads the facts :mod:`salesorder.adapters._sql_facts` writes with each
order (never the documents, except to raise the error an anomalous order calls for), and
returns exactly what the in-memory functions return on the same orders: the same frozen
values, the same money to the cent (sums are of integer minor units, so SQLite adds
exactly), the same ratios and rounding (computed in Python from the exact sums), the same
errors.

How each answer is made:

* sales summary, sales by customer / salesperson / region / period, customer lifetime
  value: one ``GROUP BY`` each (a period by the day of the order's own timezone, folded into
  weeks, months... in Python; with a ``Grouping.timezone``, the moments themselves are
  read and dated in Python);
* sales by product: the same, over the order's per-SKU facts unnested by the database's
  ``json_each``;
* cycle times: the durations of the span, one integer column read in order;
* SLA compliance: each order's stays (a small JSON column) judged in Python, since
  working hours come from a business calendar the database does not have;
* receivables ageing and DSO: the orders that have invoice documents (the ``so_invoices``
  index says which) are read, and only those;
* with ``ForeignCurrency.CONVERT`` (a report currency over orders in several): the
  documents of the sales (or of the invoiced orders) are read and the in-memory function
  converts each order at its stored rate: no aggregate in SQL, the same figures.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa

from salesorder import _arguments as arguments
from salesorder import analytics as an
from salesorder.adapters import _sql_facts as facts
from salesorder.adapters._sql_analytics_base import SqlAnalyticsQueries
from salesorder.adapters._sql_invoices import invoices_table
from salesorder.adapters._sql_orders import orders_table
from salesorder.money import Money
from salesorder.order import Order
from salesorder.sla import DEFAULT_DEADLINES, BusinessCalendar, Deadline

__all__ = ["SqlAnalytics"]

_ORDERS: Final = orders_table.c


# Sales per SKU: each order's per-SKU facts (a JSON object) unnested by the database.
_BY_PRODUCT: Final = {
    "sqlite": sa.text(
        "SELECT p.key AS key, count(*) AS n, sum(p.value) AS minor, count(p.value) AS priced"
        " FROM so_orders AS o, json_each(o.products) AS p"
        " WHERE o.tenant_id = :tenant AND o.sale = 1 AND o.currency = :currency"
        " GROUP BY p.key"
    ),
    "postgresql": sa.text(
        "SELECT p.key AS key, count(*) AS n, sum(p.value::bigint) AS minor,"
        " count(p.value) AS priced"
        " FROM so_orders AS o CROSS JOIN LATERAL json_each_text(o.products::json) AS p"
        " WHERE o.tenant_id = :tenant AND o.sale = 1 AND o.currency = :currency"
        " GROUP BY p.key"
    ),
}


_TENANT_PARAM: Final[sa.BindParameter[Any]] = sa.bindparam("tenant")
_CURRENCY_PARAM: Final[sa.BindParameter[Any]] = sa.bindparam("currency")
_SALES_OF: Final = (
    _ORDERS.tenant_id == _TENANT_PARAM,
    _ORDERS.sale == 1,
    _ORDERS.currency == _CURRENCY_PARAM,
)


def _sales_select(columns: list[Any], group: list[Any], *, refuse: bool) -> sa.Select[Any]:
    """``columns`` of the tenant's sales, grouped by ``group``.

    With ``refuse`` (a sale in another currency is an error), the sales of every
    currency, grouped by the currency too, which comes last: where the tenant sells in
    one currency (the case without an error) the database reads what the filtered
    statement would, and a foreign sale shows as a row of its own, without a second
    question. Otherwise only the sales in ``:currency``.
    """
    if refuse:
        return (
            sa.select(*columns, _ORDERS.currency)
            .where(_ORDERS.tenant_id == _TENANT_PARAM, _ORDERS.sale == 1)
            .group_by(*group, _ORDERS.currency)
        )
    query = sa.select(*columns).where(*_SALES_OF)
    return query.group_by(*group) if group else query


@functools.cache
def _grouped(key: str | None, dated: str | None, *, refuse: bool) -> sa.Select[Any]:
    """The sales grouped by the column ``key`` (built once per shape).

    Columns, in order: the key (NULL without one), the count, the sum of minor units,
    the count of the sums present, of the ``dated`` column present (if any); and the
    currency with ``refuse`` (see `_sales_select`).
    """
    columns: list[Any] = [sa.null() if key is None else _ORDERS[key]]
    columns += [
        sa.func.count(),
        sa.func.sum(_ORDERS.sales_minor),
        sa.func.count(_ORDERS.sales_minor),
    ]
    if dated is not None:
        columns.append(sa.func.count(_ORDERS[dated]))
    return _sales_select(columns, [] if key is None else [_ORDERS[key]], refuse=refuse)


@functools.cache
def _lifetimes(moment: str, *, refuse: bool) -> sa.Select[Any]:
    """Customer lifetime facts: count, sum, sums present, moments present, first, last."""
    column = _ORDERS[moment]
    columns: list[Any] = [
        _ORDERS.customer_id,
        sa.func.count(),
        sa.func.sum(_ORDERS.sales_minor),
        sa.func.count(_ORDERS.sales_minor),
        sa.func.count(column),
        sa.func.min(column),
        sa.func.max(column),
    ]
    return _sales_select(columns, [_ORDERS.customer_id], refuse=refuse)


def _group_key(value: str | None) -> str:
    return value or an.NO_KEY


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]


_DIMENSION_COLUMNS: Final = {
    an.Dimension.CUSTOMER: "customer_id",
    an.Dimension.SALESPERSON: "salesperson",
    an.Dimension.REGION: "region",
}


def _money_arguments(currency: object, foreign: object) -> tuple[str, an.ForeignCurrency]:
    """The report currency and the foreign-currency choice, checked as the functions do."""
    text = arguments.instance_of(currency, str, argument="currency")
    Money.zero(text)  # raises money.unknown_currency as the functions do
    return text, arguments.choice(foreign, an.ForeignCurrency, argument="foreign")


def _grouping(grouping: object) -> an.Grouping:
    return arguments.instance_of(grouping, an.Grouping, argument="grouping")


class SqlAnalytics(SqlAnalyticsQueries):
    """The `salesorder.ports.SalesAnalytics` port over one connection and tenant.

    Every method returns what the function of :mod:`salesorder.analytics` of the same
    name returns for the tenant's orders (see ``docs/analytics.md``). Orders written
    before the fact columns existed must be refreshed once
    (``SqlOrderRepository.refresh_columns``) to be counted.

    Args:
        connection: An open connection (a unit of work's, or a read replica's).
        tenant_id: The tenant reported on.
    """

    # -- sales --------------------------------------------------------------------------------

    def sales_summary(
        self, *, currency: str, foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE
    ) -> an.SalesSummary:
        """`salesorder.analytics.sales_summary` of the tenant's orders."""
        currency, foreign = _money_arguments(currency, foreign)
        if foreign is an.ForeignCurrency.CONVERT:
            return an.sales_summary(self._sales(), currency=currency, foreign=foreign)
        refuse = foreign is an.ForeignCurrency.REFUSE
        rows, anomalous = self._rows(
            _grouped(None, None, refuse=refuse), currency, (3,), refuse=refuse
        )
        if anomalous:
            self._raise_for(
                currency, foreign, lambda o: an.sales_summary(o, currency=currency, foreign=foreign)
            )
        count = sum(int(row[1]) for row in rows)
        minor = sum(int(row[2] or 0) for row in rows)
        return self._summary(count, minor, currency)

    def sales_by(
        self,
        grouping: an.Grouping,
        *,
        currency: str,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> dict[str, an.SalesSummary]:
        """`salesorder.analytics.sales_by` of the tenant's orders."""
        currency, foreign = _money_arguments(currency, foreign)
        grouping = _grouping(grouping)
        if foreign is an.ForeignCurrency.CONVERT:
            return an.sales_by(self._sales(), grouping, currency=currency, foreign=foreign)
        if grouping.by is an.Dimension.PRODUCT:
            return self._sales_by_product(grouping, currency, foreign)
        also = None
        dated = None
        key_of: Callable[[Any], str] | None = None  # None: the key as it is (or NO_KEY)
        if grouping.by is an.Dimension.PERIOD:
            created = grouping.basis is an.PeriodBasis.CREATED
            dated = "created_us" if created else "confirmed_us"
            also = _ORDERS[dated].is_(None)
            if grouping.timezone is None:
                key = "created_day" if created else "confirmed_day"

                def key_of(day: Any) -> str:
                    return an.period_key(date.fromisoformat(day), grouping.period)
            else:
                key = dated
                zone = grouping.timezone

                def key_of(micros: Any) -> str:
                    return an.period_key(
                        facts.from_micros(int(micros)), grouping.period, timezone=zone
                    )
        else:
            key = _DIMENSION_COLUMNS[grouping.by]
        refuse = foreign is an.ForeignCurrency.REFUSE
        rows, anomalous = self._rows(
            _grouped(key, dated, refuse=refuse),
            currency,
            (3,) if dated is None else (3, 4),
            refuse=refuse,
        )
        if anomalous:
            self._raise_for(
                currency,
                foreign,
                lambda o: an.sales_by(o, grouping, currency=currency, foreign=foreign),
                also=also,
            )
        return self._fold(rows, currency, key_of)

    def _fold(
        self,
        rows: list[Any],
        currency: str,
        key_of: Callable[[Any], str] | None = None,
    ) -> dict[str, an.SalesSummary]:
        """One summary per key of ``rows`` (``(key, count, minor, ...)``), in key order.

        ``key_of`` maps a row's key to the report's (days to months...: several rows then
        fold into one); without it the key is the report's, NULL being ``NO_KEY``.
        """
        of_minor = Money.of_minor
        average = an.average_minor
        summary = an.SalesSummary
        if key_of is None and all(row[0] for row in rows):
            # One row per key (GROUP BY), none NULL: no folding, one summary per row.
            result = {}
            for row in sorted(rows, key=_first):
                count = int(row[1])
                if count:
                    minor = int(row[2] or 0)
                    result[row[0]] = summary(
                        count, of_minor(minor, currency), of_minor(average(minor, count), currency)
                    )
            return result
        totals: dict[str, list[int]] = {}
        memo: dict[Any, str] = {}
        for row in rows:
            raw, count, minor = row[0], row[1], row[2]
            if not count:
                continue
            if key_of is None:
                key = raw or an.NO_KEY
            else:
                found = memo.get(raw)
                key = memo[raw] = key_of(raw) if found is None else found
            total = totals.get(key)
            if total is None:
                totals[key] = [int(count), int(minor or 0)]
            else:
                total[0] += int(count)
                total[1] += int(minor or 0)
        return {
            key: self._summary(totals[key][0], totals[key][1], currency) for key in sorted(totals)
        }

    def _sales_by_product(
        self, grouping: an.Grouping, currency: str, foreign: an.ForeignCurrency
    ) -> dict[str, an.SalesSummary]:
        statement = _BY_PRODUCT[self._connection.dialect.name]
        rows, anomalous = self._rows(statement, currency, (3,), refuse=False)
        if anomalous or (foreign is an.ForeignCurrency.REFUSE and self._has_foreign(currency)):
            self._raise_for(
                currency,
                foreign,
                lambda o: an.sales_by(o, grouping, currency=currency, foreign=foreign),
                also=_ORDERS.products.contains("null"),
            )
        return self._fold(rows, currency)

    def customer_lifetime_values(
        self,
        *,
        currency: str,
        basis: an.PeriodBasis = an.PeriodBasis.CREATED,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> dict[str, an.CustomerValue]:
        """`salesorder.analytics.customer_lifetime_values` of the tenant's orders."""
        currency, foreign = _money_arguments(currency, foreign)
        basis = arguments.choice(basis, an.PeriodBasis, argument="basis")
        if foreign is an.ForeignCurrency.CONVERT:
            return an.customer_lifetime_values(
                self._sales(), currency=currency, basis=basis, foreign=foreign
            )
        moment = "created_us" if basis is an.PeriodBasis.CREATED else "confirmed_us"
        refuse = foreign is an.ForeignCurrency.REFUSE
        rows, anomalous = self._rows(
            _lifetimes(moment, refuse=refuse), currency, (3, 4), refuse=refuse
        )
        if anomalous:
            self._raise_for(
                currency,
                foreign,
                lambda o: an.customer_lifetime_values(
                    o, currency=currency, basis=basis, foreign=foreign
                ),
                also=_ORDERS[moment].is_(None),
            )
        values = {}
        of_minor = Money.of_minor
        average = an.average_minor
        moment_of = facts.from_micros
        value = an.CustomerValue
        for row in sorted(rows, key=_first):
            count = int(row[1])
            if not count:
                continue
            total = int(row[2] or 0)
            values[row[0]] = value(
                count,
                of_minor(total, currency),
                of_minor(average(total, count), currency),
                moment_of(int(row[5])),
                moment_of(int(row[6])),
            )
        return values

    # -- cycle times and service levels ------------------------------------------------------

    def cycle_times(self, span: an.CycleSpan) -> an.CycleTimeStats | None:
        """`salesorder.analytics.cycle_times` of the tenant's orders."""
        span = arguments.choice(span, an.CycleSpan, argument="span")
        column = _ORDERS[facts.span_column(span)]
        durations = self._connection.execute(
            sa.select(column).where(_ORDERS.tenant_id == self._tenant, column.is_not(None))
        ).scalars()
        return an.cycle_stats(timedelta(microseconds=int(value)) for value in durations)

    def cycle_times_by(
        self, span: an.CycleSpan, grouping: an.Grouping
    ) -> dict[str, an.CycleTimeStats]:
        """`salesorder.analytics.cycle_times_by` of the tenant's orders."""
        span = arguments.choice(span, an.CycleSpan, argument="span")
        grouping = _grouping(grouping)
        column = _ORDERS[facts.span_column(span)]
        keys: Callable[[Any], Sequence[str]]
        if grouping.by is an.Dimension.PERIOD:
            created = grouping.basis is an.PeriodBasis.CREATED
            source = _ORDERS.created_us if created else _ORDERS.confirmed_us
            zone = grouping.timezone
            day_column = _ORDERS.created_day if created else _ORDERS.confirmed_day
            undated = self._connection.execute(
                sa.select(_ORDERS.id)
                .where(_ORDERS.tenant_id == self._tenant, column.is_not(None), source.is_(None))
                .limit(1)
            ).first()
            if undated is not None:
                an.cycle_times_by(
                    self._orders_where(sa.and_(column.is_not(None), source.is_(None))),
                    span,
                    grouping,
                )
            if zone is None:
                source = day_column

                def keys(value: Any) -> Sequence[str]:
                    return (an.period_key(date.fromisoformat(value), grouping.period),)
            else:

                def keys(value: Any) -> Sequence[str]:
                    moment = facts.from_micros(int(value))
                    return (an.period_key(moment, grouping.period, timezone=zone),)
        elif grouping.by is an.Dimension.PRODUCT:
            source = _ORDERS.products

            def keys(value: Any) -> Sequence[str]:
                return sorted(json.loads(value))
        else:
            source = {
                an.Dimension.CUSTOMER: _ORDERS.customer_id,
                an.Dimension.SALESPERSON: _ORDERS.salesperson,
                an.Dimension.REGION: _ORDERS.region,
            }[grouping.by]

            def keys(value: Any) -> Sequence[str]:
                return (_group_key(value),)

        groups: dict[str, list[timedelta]] = {}
        memo: dict[Any, Sequence[str]] = {}
        rows = self._connection.execute(
            sa.select(source, column).where(_ORDERS.tenant_id == self._tenant, column.is_not(None))
        )
        for value, duration in rows:
            found = memo.get(value)
            if found is None:
                found = memo[value] = keys(value)
            for key in found:
                groups.setdefault(key, []).append(timedelta(microseconds=int(duration)))
        result = {}
        for key in sorted(groups):
            stats = an.cycle_stats(groups[key])
            if stats is not None:
                result[key] = stats
        return result

    def sla_compliance(
        self,
        now: datetime,
        *,
        calendar: BusinessCalendar,
        deadlines: Sequence[Deadline] = DEFAULT_DEADLINES,
    ) -> dict[str, an.ComplianceStats]:
        """`salesorder.analytics.sla_compliance` of the tenant's orders."""
        arguments.instance_of(now, datetime, argument="now")
        arguments.iterable(deadlines, argument="deadlines")
        for deadline in deadlines:
            arguments.instance_of(deadline, Deadline, argument="deadline")
        statuses = {str(deadline.status) for deadline in deadlines}
        rows = self._connection.execute(
            sa.select(_ORDERS.stays).where(
                _ORDERS.tenant_id == self._tenant, _ORDERS.stays.is_not(None)
            )
        ).scalars()
        return an.stays_compliance(
            (
                facts.parse_stays(text)
                for text in rows
                if any(f'"{status}"' in text for status in statuses)
            ),
            now,
            calendar=calendar,
            deadlines=deadlines,
        )

    # -- receivables --------------------------------------------------------------------------

    def _invoiced_orders(
        self, on: object, currency: object, foreign: object
    ) -> tuple[str, list[Order]]:
        arguments.instance_of(on, date, argument="on")
        currency, foreign = _money_arguments(currency, foreign)
        if foreign is an.ForeignCurrency.REFUSE:
            other = self._connection.execute(
                sa.select(_ORDERS.id)
                .where(_ORDERS.tenant_id == self._tenant, _ORDERS.currency != currency)
                .limit(1)
            ).first()
            if other is not None:
                an.receivables_ageing(
                    self._orders_where(_ORDERS.id == other.id),
                    on=date.max,
                    currency=currency,
                )
        invoiced = (
            sa.select(invoices_table.c.order_id)
            .where(invoices_table.c.tenant_id == self._tenant)
            .distinct()
        )
        if foreign is an.ForeignCurrency.CONVERT:
            # Every invoiced order: the function converts the foreign ones at their rates.
            return currency, self._orders_where(_ORDERS.id.in_(invoiced))
        return currency, self._orders_where(
            sa.and_(_ORDERS.currency == currency, _ORDERS.id.in_(invoiced))
        )

    def receivables_ageing(
        self,
        *,
        on: date,
        currency: str,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> an.AgeingReport:
        """`salesorder.analytics.receivables_ageing` of the tenant's orders.

        Reads only the orders the ``so_invoices`` index lists (those with documents).
        """
        currency, orders = self._invoiced_orders(on, currency, foreign)
        return an.receivables_ageing(orders, on=on, currency=currency, foreign=_kept(foreign))

    def days_sales_outstanding(
        self,
        *,
        on: date,
        currency: str,
        days: int = 90,
        foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE,
    ) -> Decimal | None:
        """`salesorder.analytics.days_sales_outstanding` of the tenant's orders."""
        arguments.instance_of(days, int, argument="days")
        if days <= 0:
            an.days_sales_outstanding((), on=on, currency=currency, days=days)
        currency, orders = self._invoiced_orders(on, currency, foreign)
        return an.days_sales_outstanding(
            orders, on=on, currency=currency, days=days, foreign=_kept(foreign)
        )


def _kept(foreign: an.ForeignCurrency) -> an.ForeignCurrency:
    """What the function is told of the orders read: converted, or already in the currency."""
    return foreign if foreign is an.ForeignCurrency.CONVERT else an.ForeignCurrency.REFUSE
