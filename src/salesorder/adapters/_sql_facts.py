"""The facts analytics and SLA queries read, written with the order in the same transaction.

:mod:`salesorder.adapters._sql_orders` stores each order as one JSON document. Decoding
every document of a tenant to answer "sales by month" costs ~250 µs an order; the facts
below make the same answers a ``GROUP BY``. They are derived from the order by the very
functions of :mod:`salesorder.analytics` and :mod:`salesorder.sla` (one rule, one place),
when the order is written:

* columns of ``so_orders`` (see :func:`fact_columns`): the currency, whether the order
  counts as a sale, its net sales (for a sale) in **minor units** (an exact integer on every
  database: SQLite has no exact decimal type), the moments analytics date it by (as
  integer microseconds since the epoch, UTC, and as the day of its own timezone), the
  ends of each cycle span, the moment it entered its current status (the overdue index)
  and its stays in each status (JSON, for SLA compliance);
  and its net sales per SKU (a JSON object the product report unnests with the
  database's ``json_each``: no second table, so adding an order stays one ``INSERT``).

A fact that cannot be computed (an order counted as a sale but unpriced, a line total in
another currency) is stored as NULL; a report that meets one reads that order and lets the
in-memory function raise its error.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa

from salesorder.analytics import (
    NO_KEY,
    CycleSpan,
    PeriodBasis,
    basis_time,
    counts_as_sale,
    cycle_time,
    order_sales,
    product_sales,
    status_stays,
)
from salesorder.errors import SalesOrderError
from salesorder.money import Money, minor_unit
from salesorder.order import Order
from salesorder.records import Status
from salesorder.sla import status_entered_at

__all__ = [
    "EPOCH",
    "FACT_COLUMNS",
    "fact_columns",
    "from_micros",
    "micros_of",
    "money_of",
    "parse_stays",
    "span_column",
]

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
# What computing a fact may raise for an order the store still accepts: the fact is NULL,
# and a report that needs it reads the order and lets the in-memory function raise.
_UNCOMPUTABLE: Final = (SalesOrderError, ArithmeticError, TypeError, ValueError)


def span_column(span: CycleSpan) -> str:
    """The ``so_orders`` column holding a cycle span's duration."""
    return f"{span.value}_us"


def fact_table_columns() -> list[sa.Column[Any]]:
    """The fact columns of ``so_orders`` (new Column objects, for its table definition)."""
    big = sa.BigInteger
    return [
        sa.Column("currency", sa.Text, nullable=True),
        sa.Column("sale", sa.SmallInteger, nullable=True),
        sa.Column("sales_minor", big, nullable=True),
        sa.Column("created_us", big, nullable=True),
        sa.Column("created_day", sa.String(10), nullable=True),
        sa.Column("confirmed_us", big, nullable=True),
        sa.Column("confirmed_day", sa.String(10), nullable=True),
        # Each cycle span of the order (CycleSpan), in microseconds; NULL: not reached.
        *(sa.Column(span_column(span), big, nullable=True) for span in CycleSpan),
        sa.Column("status_since_us", big, nullable=True),
        sa.Column("stays", sa.Text, nullable=True),
        # {sku: net sales in minor units or null}, every SKU of the order ("(none)"
        # without lines): a JSON object the product report unnests (json_each).
        sa.Column("products", sa.Text, nullable=True),
    ]


FACT_COLUMNS: Final = tuple(column.name for column in fact_table_columns())


def micros_of(moment: datetime | None) -> int | None:
    """``moment`` as integer microseconds since the epoch (a naive one taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    """The aware UTC datetime of integer microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=value)


def _minor(money: Money, currency: str) -> int | None:
    if money.currency != currency:
        return None
    scaled = money.amount.scaleb(minor_unit(currency))
    whole = int(scaled)
    return whole if whole == scaled else None


def money_of(minor: int, currency: str) -> Money:
    """Money of an integer amount of minor units (``1230`` CNY is ``Decimal('12.30')``)."""
    return Money(Decimal(int(minor)).scaleb(-minor_unit(currency)), currency)


def _day(moment: datetime | None) -> str | None:
    return None if moment is None else moment.date().isoformat()


def _stays_json(order: Order) -> str | None:
    stays = status_stays(order)
    if not stays:
        return None
    return json.dumps(
        [
            [str(status), entered.isoformat(), None if left is None else left.isoformat()]
            for status, entered, left in stays
        ],
        separators=(",", ":"),
    )


def parse_stays(text: str) -> list[tuple[Status, datetime, datetime | None]]:
    """The stays of an order as `fact_columns` stored them."""
    return [
        (
            Status(status),
            datetime.fromisoformat(entered),
            None if left is None else datetime.fromisoformat(left),
        )
        for status, entered, left in json.loads(text)
    ]


def fact_columns(order: Order) -> dict[str, Any]:
    """The fact columns of the order's ``so_orders`` row."""
    try:
        sale: int | None = 1 if counts_as_sale(order) else 0
    except (AttributeError, TypeError):
        sale = None
    try:
        sales_minor = _minor(order_sales(order), order.currency) if sale else None
    except _UNCOMPUTABLE:
        sales_minor = None
    created = order.created_at
    confirmed = basis_time(order, PeriodBasis.CONFIRMED)
    columns: dict[str, Any] = {
        "currency": order.currency,
        "sale": sale,
        "sales_minor": sales_minor,
        "created_us": micros_of(created),
        "created_day": _day(created),
        "confirmed_us": micros_of(confirmed),
        "confirmed_day": _day(confirmed),
        "status_since_us": micros_of(status_entered_at(order)),
        "stays": _stays_json(order),
        "products": _products_json(order, sale=sale == 1),
    }
    for span in CycleSpan:
        try:
            duration = cycle_time(order, span)
        except _UNCOMPUTABLE:  # e.g. a naive and an aware moment: the report raises
            duration = None
        columns[span_column(span)] = None if duration is None else duration // _MICROSECOND
    return columns


def _products_json(order: Order, *, sale: bool) -> str:
    # Amounts only for a sale (the product report reads no other order): splitting the
    # amount over the lines is most of what the facts cost, and drafts are written often.
    shares: dict[str, int | None] | None = None
    if sale:
        try:
            shares = {
                sku: _minor(share, order.currency) for sku, share in product_sales(order).items()
            }
        except _UNCOMPUTABLE:
            shares = None
    if shares is None:
        shares = dict.fromkeys(sorted({line.sku for line in order.lines}) or [NO_KEY])
    return json.dumps(shares, ensure_ascii=False, separators=(",", ":"))
