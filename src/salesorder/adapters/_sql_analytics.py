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

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from salesorder import _arguments as arguments
from salesorder import analytics as an
from salesorder.adapters import _sql_facts as facts
from salesorder.adapters import _sql_schema as schema
from salesorder.adapters._sql_invoices import invoices_table
from salesorder.adapters._sql_orders import orders_table
from salesorder.codec import decode
from salesorder.money import Money
from salesorder.order import Order
from salesorder.sla import DEFAULT_DEADLINES, BusinessCalendar, Deadline

__all__ = ["SqlAnalytics"]

_TENANT: Final = schema.Bound("tenant_id", orders_table.c.tenant_id)
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


def _group_key(value: str | None) -> str:
    return value or an.NO_KEY


def _money_arguments(currency: object, foreign: object) -> tuple[str, an.ForeignCurrency]:
    """The report currency and the foreign-currency choice, checked as the functions do."""
    text = arguments.instance_of(currency, str, argument="currency")
    Money.zero(text)  # raises money.unknown_currency as the functions do
    return text, arguments.choice(foreign, an.ForeignCurrency, argument="foreign")


def _grouping(grouping: object) -> an.Grouping:
    return arguments.instance_of(grouping, an.Grouping, argument="grouping")


class SqlAnalytics:
    """The `salesorder.ports.SalesAnalytics` port over one connection and tenant.

    Every method returns what the function of :mod:`salesorder.analytics` of the same
    name returns for the tenant's orders (see ``docs/analytics.md``). Orders written
    before the fact columns existed must be refreshed once
    (``SqlOrderRepository.refresh_columns``) to be counted.

    Args:
        connection: An open connection (a unit of work's, or a read replica's).
        tenant_id: The tenant reported on.
    """

    def __init__(self, connection: Connection, *, tenant_id: str) -> None:
        schema.fit(tenant_id, _TENANT)
        self._connection = connection
        self._tenant = tenant_id

    # -- anomalies: read the orders concerned and let the in-memory function raise ---------

    def _orders_where(self, condition: Any) -> list[Order]:
        rows = self._connection.execute(
            sa.select(_ORDERS.document).where(_ORDERS.tenant_id == self._tenant, condition)
        )
        return [decode(Order, json.loads(row.document)) for row in rows]

    def _raise_for(
        self,
        currency: str,
        foreign: an.ForeignCurrency,
        check: Callable[[list[Order]], object],
        *,
        also: Any = None,
    ) -> None:
        """Run ``check`` (the in-memory function) on the sales with a missing fact."""
        mine = _ORDERS.currency == currency
        broken = [sa.and_(mine, _ORDERS.sales_minor.is_(None))]
        if also is not None:
            broken.append(sa.and_(mine, also))
        if foreign is an.ForeignCurrency.REFUSE:
            broken.append(_ORDERS.currency != currency)
        check(self._orders_where(sa.and_(_ORDERS.sale == 1, sa.or_(*broken))))

    def _sales_rows(self, key: Any, currency: str, *, dated: Any = None) -> list[Any]:
        """Count, sum of minor units and facts present per ``key`` of the sales in ``currency``.

        The statement a hand-written report would be: the sales of the currency grouped,
        with ``count`` of the facts that must be there (a missing one is an anomaly).
        """
        columns = [
            sa.func.count().label("n"),
            sa.func.sum(_ORDERS.sales_minor).label("minor"),
            sa.func.count(_ORDERS.sales_minor).label("priced"),
        ]
        if dated is not None:
            columns.append(sa.func.count(dated).label("dated"))
        query = sa.select(*columns).where(
            _ORDERS.tenant_id == self._tenant, _ORDERS.sale == 1, _ORDERS.currency == currency
        )
        if key is not None:
            query = query.add_columns(key.label("key")).group_by(key)
        return list(self._connection.execute(query))

    def _sales(self) -> list[Order]:
        """The documents of the orders counted as sales (``ForeignCurrency.CONVERT``).

        A converted report needs each foreign order's stored rate and its rounding once
        per order, so it is answered by the in-memory function over these documents.
        """
        return self._orders_where(_ORDERS.sale == 1)

    def _has_foreign(self, currency: str, foreign: an.ForeignCurrency) -> bool:
        """Whether a sale in another currency exists (when they are refused): two index ranges."""
        if foreign is not an.ForeignCurrency.REFUSE:
            return False
        other = sa.or_(_ORDERS.currency < currency, _ORDERS.currency > currency)
        found = self._connection.execute(
            sa.select(_ORDERS.id)
            .where(_ORDERS.tenant_id == self._tenant, _ORDERS.sale == 1, other)
            .limit(1)
        ).first()
        return found is not None

    @staticmethod
    def _anomalous(rows: Iterable[Any]) -> bool:
        return any(row.priced != row.n or getattr(row, "dated", row.n) != row.n for row in rows)

    @staticmethod
    def _summary(count: int, minor: int | Decimal | None, currency: str) -> an.SalesSummary:
        if not count:
            return an.SalesSummary(0, Money.zero(currency), None)
        sales = facts.money_of(int(minor or 0), currency)
        return an.SalesSummary(count, sales, _average(sales, count))

    # -- sales --------------------------------------------------------------------------------

    def sales_summary(
        self, *, currency: str, foreign: an.ForeignCurrency = an.ForeignCurrency.REFUSE
    ) -> an.SalesSummary:
        """`salesorder.analytics.sales_summary` of the tenant's orders."""
        currency, foreign = _money_arguments(currency, foreign)
        if foreign is an.ForeignCurrency.CONVERT:
            return an.sales_summary(self._sales(), currency=currency, foreign=foreign)
        rows = self._sales_rows(None, currency)
        if self._has_foreign(currency, foreign) or self._anomalous(rows):
            self._raise_for(
                currency, foreign, lambda o: an.sales_summary(o, currency=currency, foreign=foreign)
            )
        count = sum(int(row.n) for row in rows)
        minor = sum(int(row.minor or 0) for row in rows)
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
        moment_column = None
        key_of: Callable[[Any], str] = _group_key
        if grouping.by is an.Dimension.PERIOD:
            created = grouping.basis is an.PeriodBasis.CREATED
            moment = _ORDERS.created_us if created else _ORDERS.confirmed_us
            moment_column = moment
            also = moment.is_(None)
            if grouping.timezone is None:
                key = _ORDERS.created_day if created else _ORDERS.confirmed_day

                def key_of(day: Any) -> str:
                    return an.period_key(date.fromisoformat(day), grouping.period)
            else:
                key = moment
                zone = grouping.timezone

                def key_of(micros: Any) -> str:
                    return an.period_key(
                        facts.from_micros(int(micros)), grouping.period, timezone=zone
                    )
        elif grouping.by is an.Dimension.CUSTOMER:
            key = _ORDERS.customer_id
        elif grouping.by is an.Dimension.SALESPERSON:
            key = _ORDERS.salesperson
        else:
            key = _ORDERS.region
        rows = self._sales_rows(key, currency, dated=moment_column)
        if self._has_foreign(currency, foreign) or self._anomalous(rows):
            self._raise_for(
                currency,
                foreign,
                lambda o: an.sales_by(o, grouping, currency=currency, foreign=foreign),
                also=also,
            )
        return self._fold(((key_of(row.key), row) for row in rows if row.n), currency)

    def _fold(self, keyed: Iterable[tuple[str, Any]], currency: str) -> dict[str, an.SalesSummary]:
        counts: dict[str, int] = {}
        minors: dict[str, int] = {}
        for key, row in keyed:
            counts[key] = counts.get(key, 0) + int(row.n)
            minors[key] = minors.get(key, 0) + int(row.minor or 0)
        return {key: self._summary(counts[key], minors[key], currency) for key in sorted(counts)}

    def _sales_by_product(
        self, grouping: an.Grouping, currency: str, foreign: an.ForeignCurrency
    ) -> dict[str, an.SalesSummary]:
        statement = _BY_PRODUCT[self._connection.dialect.name]
        rows = list(
            self._connection.execute(statement, {"currency": currency, "tenant": self._tenant})
        )
        if self._has_foreign(currency, foreign) or any(row.priced != row.n for row in rows):
            self._raise_for(
                currency,
                foreign,
                lambda o: an.sales_by(o, grouping, currency=currency, foreign=foreign),
                also=_ORDERS.products.contains("null"),
            )
        return self._fold(((row.key, row) for row in rows if row.n), currency)

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
        moment = _ORDERS.created_us if basis is an.PeriodBasis.CREATED else _ORDERS.confirmed_us
        query = (
            sa.select(
                _ORDERS.customer_id.label("key"),
                sa.func.count().label("n"),
                sa.func.sum(_ORDERS.sales_minor).label("minor"),
                sa.func.count(_ORDERS.sales_minor).label("priced"),
                sa.func.count(moment).label("dated"),
                sa.func.min(moment).label("first"),
                sa.func.max(moment).label("last"),
            )
            .where(
                _ORDERS.tenant_id == self._tenant,
                _ORDERS.sale == 1,
                _ORDERS.currency == currency,
            )
            .group_by(_ORDERS.customer_id)
        )
        rows = list(self._connection.execute(query))
        if self._has_foreign(currency, foreign) or self._anomalous(rows):
            self._raise_for(
                currency,
                foreign,
                lambda o: an.customer_lifetime_values(
                    o, currency=currency, basis=basis, foreign=foreign
                ),
                also=moment.is_(None),
            )
        values = {}
        for row in sorted((row for row in rows if row.n), key=lambda row: row.key):
            sales = facts.money_of(int(row.minor or 0), currency)
            count = int(row.n)
            values[row.key] = an.CustomerValue(
                order_count=count,
                sales=sales,
                average_order_value=_average(sales, count),
                first_order_at=facts.from_micros(int(row.first)),
                last_order_at=facts.from_micros(int(row.last)),
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


def _average(sales: Money, count: int) -> Money:
    return an.average_money(sales, count)
