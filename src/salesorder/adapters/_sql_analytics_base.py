"""The plumbing of `SqlAnalytics`: its connection and tenant, grouped rows, anomalies.

The reports themselves are in `salesorder.adapters._sql_analytics`; this base reads the
rows of a grouped statement and, when the facts cannot answer (a sale missing a fact,
one in another currency), reads the orders concerned so that the in-memory function
raises the error it would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from salesorder import analytics as an
from salesorder.adapters import _sql_schema as schema
from salesorder.adapters._sql_orders import orders_table
from salesorder.codec import decode
from salesorder.money import Money
from salesorder.order import Order

__all__ = ["SqlAnalyticsQueries"]

_TENANT: Final = schema.Bound("tenant_id", orders_table.c.tenant_id)
_ORDERS: Final = orders_table.c
_TENANT_PARAM: Final[sa.BindParameter[Any]] = sa.bindparam("tenant")
_CURRENCY_PARAM: Final[sa.BindParameter[Any]] = sa.bindparam("currency")
# A sale of the tenant in another currency: two ranges of the ix_so_orders_sales index.
_FOREIGN: Final = (
    sa.select(_ORDERS.id)
    .where(
        _ORDERS.tenant_id == _TENANT_PARAM,
        _ORDERS.sale == 1,
        sa.or_(_ORDERS.currency < _CURRENCY_PARAM, _ORDERS.currency > _CURRENCY_PARAM),
    )
    .limit(1)
)


class SqlAnalyticsQueries:
    """What every report of `SqlAnalytics` reads through (see its docstring)."""

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

    def _rows(
        self, statement: Any, currency: str, present: Sequence[int], *, refuse: bool
    ) -> tuple[list[Any], bool]:
        """The rows of a grouped statement, and whether they call for the in-memory function.

        Each row is ``(key, count, sum of minor units, ...)``; ``present`` are the columns
        counting facts that must be there (each must equal the count: a missing one is an
        anomaly). With ``refuse``, the statement's last column is the currency (see
        `_sales_select`): the rows of ``currency`` are kept, another one is a foreign sale.
        """
        rows: list[Any] = list(
            self._connection.execute(
                statement, {"tenant": self._tenant, "currency": currency}
            ).all()
        )
        foreign = False
        if refuse:
            # The last column is the currency: a row of another one is a foreign sale
            # (an order without a currency fact is neither counted nor foreign, as the
            # filtered statement would have it).
            foreign = any(row[-1] is not None and row[-1] != currency for row in rows)
            rows = [row for row in rows if row[-1] == currency]
        anomalous = foreign or any(row[index] != row[1] for row in rows for index in present)
        return rows, anomalous

    def _sales(self) -> list[Order]:
        """The documents of the orders counted as sales (``ForeignCurrency.CONVERT``).

        A converted report needs each foreign order's stored rate and its rounding once
        per order, so it is answered by the in-memory function over these documents.
        """
        return self._orders_where(_ORDERS.sale == 1)

    def _has_foreign(self, currency: str) -> bool:
        """Whether a sale in another currency than ``currency`` exists: two index ranges."""
        found = self._connection.execute(
            _FOREIGN, {"tenant": self._tenant, "currency": currency}
        ).first()
        return found is not None

    @staticmethod
    def _summary(count: int, minor: int, currency: str) -> an.SalesSummary:
        if not count:
            return an.SalesSummary(0, Money.zero(currency), None)
        return an.SalesSummary(
            count,
            Money.of_minor(minor, currency),
            Money.of_minor(an.average_minor(minor, count), currency),
        )
