"""The credit exposure of the SQL adapter: one row per order that counts against credit.

The figure is [credit_exposure][salesorder.invoicing.credit_exposure] of the order as it
was last saved (what it still asks for, less the confirmed money received), kept in
``so_exposure`` next to the order's customer and currency, so that a customer's
exposure is one query over an index instead of loading every order. Only orders that
count have a row. It is written with the order, in the same transaction (by the invoice
index's writer, which the order repository calls on every ``add`` and ``save``): one
upsert, or one delete when the order no longer counts, per save; nothing for a new
order that counts nothing.

The amount is exact decimal text, added up in Python: an amount may reach 10**15 in a
currency with four decimals, past what SQLite's integers (and so the millionths of
``Quantity``) hold, and a ``SUM`` of text would go through binary floats.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from salesorder.adapters._sql_schema import METADATA
from salesorder.invoicing import credit_exposure
from salesorder.money import Money
from salesorder.order import Order

__all__ = ["exposure_table", "sum_exposure", "write_exposure"]

exposure_table = sa.Table(
    "so_exposure",
    METADATA,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.String(128), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # Exact decimal text (see the module's docstring).
    sa.Column("amount", sa.String(48), nullable=False),
    sa.Index("ix_so_exposure_customer", "tenant_id", "customer_id", "currency"),
)

_KEY: Final = (exposure_table.c.tenant_id, exposure_table.c.order_id)


def _upsert(dialect: str) -> Any:
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(exposure_table)
    return insert.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={
            "customer_id": insert.excluded.customer_id,
            "currency": insert.excluded.currency,
            "amount": insert.excluded.amount,
        },
    )


_UPSERT: Final = {name: _upsert(name) for name in ("postgresql", "sqlite")}


def write_exposure(connection: Connection, tenant_id: str, order: Order, *, new: bool) -> None:
    """Store the order's exposure (a ``new`` order that counts nothing writes nothing)."""
    amount = credit_exposure(order).amount
    if not amount:
        if not new:
            connection.execute(
                exposure_table.delete().where(_KEY[0] == tenant_id, _KEY[1] == order.id)
            )
        return
    connection.execute(
        _UPSERT[connection.dialect.name],
        {
            "tenant_id": tenant_id,
            "order_id": order.id,
            "customer_id": order.customer.id,
            "currency": order.currency,
            "amount": str(amount),
        },
    )


def sum_exposure(
    connection: Connection,
    tenant_id: str,
    customer_id: str,
    *,
    currency: str,
    excluding: str | None = None,
) -> Money:
    """Σ the stored exposure of the customer's orders in ``currency``, but ``excluding``."""
    table = exposure_table.c
    query = sa.select(table.amount).where(
        table.tenant_id == tenant_id, table.customer_id == customer_id, table.currency == currency
    )
    if excluding is not None:
        query = query.where(table.order_id != excluding)
    total = sum((Decimal(amount) for amount in connection.execute(query).scalars()), Decimal(0))
    return Money(total, currency).quantize()
