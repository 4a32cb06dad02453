"""The SQL order repository: one JSON document per order, plus the columns queries use.

Split from :mod:`salesorder.adapters.sql`, which exports :class:`SqlOrderRepository`.
A listing streams: :meth:`SqlOrderRepository.pages` reads one page per statement
(keyset pagination on ``(created_at, id)``, every filter in the ``WHERE`` clause and
on an index that leads with ``tenant_id``), so what a whole-tenant scan holds at once is
one page, whatever the tenant's size.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

# The invoice index is written with the order, in the same transaction.
from salesorder.adapters import _sql_facts as facts
from salesorder.adapters import _sql_invoices as invoice_index
from salesorder.adapters import _sql_receivables as receivables
from salesorder.adapters import _sql_schema as schema
from salesorder.adapters._sql_invoices import InvoiceRow
from salesorder.adapters._sql_schema import METADATA
from salesorder.codec import decode, encode
from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.money import Money
from salesorder.order import Order
from salesorder.records import Status

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ORDER_ID",
    "OrderCursor",
    "OrderPage",
    "SqlOrderRepository",
    "orders_table",
]

#: Orders read per statement by :meth:`SqlOrderRepository.pages` unless told otherwise.
DEFAULT_PAGE_SIZE: Final = 500
# A page is at most this long: one statement's result stays a bounded amount of memory.
_MAX_PAGE_SIZE: Final = 10_000

orders_table = sa.Table(
    "so_orders",
    METADATA,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("number", sa.String(64), nullable=True),
    sa.Column("customer_id", sa.String(128), nullable=False),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
    # Copies of document fields, for filters; unbounded, as the document's are.
    sa.Column("salesperson", sa.Text, nullable=True),
    sa.Column("region", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    # What analytics and the SLA checks read instead of the document (see _sql_facts).
    *facts.fact_table_columns(),
    sa.UniqueConstraint("tenant_id", "number", name="uq_so_orders_number"),
    # Each filter's index ends with the listing's order, so a filtered page is a range
    # scan of one index.
    sa.Index("ix_so_orders_customer", "tenant_id", "customer_id", "created_at", "id"),
    sa.Index("ix_so_orders_status", "tenant_id", "status", "created_at", "id"),
    sa.Index("ix_so_orders_created", "tenant_id", "created_at", "id"),
    sa.Index("ix_so_orders_salesperson", "tenant_id", "salesperson", "created_at", "id"),
    sa.Index("ix_so_orders_region", "tenant_id", "region", "created_at", "id"),
    # The overdue query: the orders of a status that entered it before a moment.
    sa.Index("ix_so_orders_status_since", "tenant_id", "status", "status_since_us"),
    # Reports: the sales of a currency, and whether a sale in another one exists.
    sa.Index("ix_so_orders_sales", "tenant_id", "sale", "currency"),
)

_TENANT: Final = schema.Bound("tenant_id", orders_table.c.tenant_id)
ORDER_ID: Final = schema.Bound("order_id", orders_table.c.id)
_ORDER_NUMBER: Final = schema.Bound("order_number", orders_table.c.number)
_CUSTOMER_ID: Final = schema.Bound("customer_id", orders_table.c.customer_id)

# A new order is inserted unless its id or number is taken: the unique keys decide, in
# the one statement, with no count before it and no savepoint around it (a failed
# INSERT would abort a PostgreSQL transaction; a skipped one does not).
# RETURNING says whether the row went in (psycopg reports no row count for it).
_INSERT: Final = {
    "postgresql": postgresql.insert(orders_table)
    .on_conflict_do_nothing()
    .returning(orders_table.c.version),
    "sqlite": sqlite.insert(orders_table)
    .on_conflict_do_nothing()
    .returning(orders_table.c.version),
}


@functools.cache
def _insert_many(columns: tuple[str, ...]) -> sa.TextClause:
    """``INSERT ... ON CONFLICT DO NOTHING`` of these columns, for batches of rows.

    A text statement (with the columns' types, so values are stored exactly as by
    :data:`_INSERT`): SQLAlchemy hands a list of rows to the driver's own
    ``executemany`` (psycopg's pipeline, sqlite3's loop: one prepared statement),
    where an ``insert()`` construct would be rendered as statements of many ``VALUES``
    (parsed anew each time). No RETURNING: a taken id or number shows in the count of
    rows inserted (the drivers sum it over the batch).
    """
    names = ", ".join(columns)
    values = ", ".join(f":{column}" for column in columns)
    # The names are the table's own columns (orders_table.c[column] below refuses others).
    return sa.text(
        f"INSERT INTO {orders_table.name} ({names}) VALUES ({values}) ON CONFLICT DO NOTHING"  # noqa: S608
    ).bindparams(*(sa.bindparam(column, type_=orders_table.c[column].type) for column in columns))


@attrs.frozen
class OrderCursor:
    """Where a listing stopped: the sort key of the last order of a page.

    Pass it back as ``after`` to read the next page. It holds the last order's own
    creation time and id, from which its columns are written, so the next page starts
    exactly after that order even when orders were added or changed in between.

    Attributes:
        created_at: The last order's creation time (None for an undated order).
        order_id: The last order's id.
    """

    created_at: datetime | None
    order_id: str


@attrs.frozen
class OrderPage:
    """One page of a listing.

    Attributes:
        orders: The page's orders, in the listing's order.
        next: Where the next page starts; None when this page is the last.
    """

    orders: tuple[Order, ...]
    next: OrderCursor | None


def _fit_order(order: Order) -> None:
    """Refuse an order whose indexed columns cannot hold its values."""
    schema.fit(order.id, ORDER_ID)
    schema.fit(order.number, _ORDER_NUMBER)
    schema.fit(order.customer.id, _CUSTOMER_ID)


def region_of(order: Order) -> str | None:
    """The order's region as analytics groups it (None: no address, or no part of one)."""
    address = order.shipping_address or order.customer.address
    return (address.region or None) if address is not None else None


def order_columns(order: Order) -> dict[str, Any]:
    """Every column of the order's row but the key and the version."""
    status = getattr(order, "status", None)
    return {
        "number": order.number,
        "customer_id": order.customer.id,
        "status": None if status is None else str(status),
        "created_at": order.created_at,
        "salesperson": order.salesperson,
        "region": region_of(order),
        "document": json.dumps(
            encode(order, omit_defaults=True), ensure_ascii=False, separators=(",", ":")
        ),
        **facts.fact_columns(order),
    }


@functools.cache
def _entered_before(statuses: tuple[str, ...]) -> sa.Select[Any]:
    """The overdue candidates' statement for these statuses (built once per set).

    One range of ``ix_so_orders_status_since`` per status: ``status = 'x' AND
    status_since_us <= :bound_i``, the bounds and the tenant bound at execution.
    """
    table = orders_table.c
    ranges = [
        sa.and_(table.status == status, table.status_since_us <= sa.bindparam(f"bound_{index}"))
        for index, status in enumerate(statuses)
    ]
    return (
        sa.select(table.document, table.version)
        .where(table.tenant_id == sa.bindparam("tenant"), sa.or_(*ranges))
        .order_by(table.created_at.is_not(None), table.created_at, table.id)
    )


class SqlOrderRepository:
    """:class:`~salesorder.ports.OrderRepository` on one connection and tenant.

    Beyond the port, :meth:`pages` and :meth:`iter_orders` stream a listing, and
    :meth:`find` takes the salesperson and region filters as well.
    """

    def __init__(self, connection: Connection, *, tenant_id: str) -> None:
        schema.fit(tenant_id, _TENANT)
        self._connection = connection
        self._tenant = tenant_id

    def _load(self, row: Any) -> Order:
        order: Order = decode(Order, json.loads(row.document))
        order.version = row.version
        return order

    def get(self, order_id: str) -> Order:
        """The stored order (a fresh object)."""
        row = self._connection.execute(
            sa.select(orders_table.c.document, orders_table.c.version).where(
                orders_table.c.tenant_id == self._tenant, orders_table.c.id == order_id
            )
        ).one_or_none()
        if row is None:
            raise NotFound(params={"entity": "order", "id": order_id})
        return self._load(row)

    def add(self, order: Order) -> None:
        """Insert a new order with version 1, in one statement.

        Raises:
            ConcurrencyConflict: if the id or the number is taken.
            RuleViolation: ``storage.value_too_long`` for an id, number or customer id
                longer than its column.
        """
        _fit_order(order)
        previous = order.version
        order.version = 1
        inserted = self._connection.execute(
            _INSERT[self._connection.dialect.name],
            {"tenant_id": self._tenant, "id": order.id, "version": 1, **order_columns(order)},
        )
        if inserted.scalar_one_or_none() is None:
            order.version = previous
            raise ConcurrencyConflict(params={"entity": "order", "expected": 0})
        invoice_index.write_invoices(self._connection, self._tenant, order, new=True)

    # -- entry in batches (issue 19 item 4): keep in step with add() --------------------

    def add_many(self, orders: Sequence[Order]) -> None:
        """Insert new orders with version 1, in batched statements.

        :class:`~salesorder.ports.OrderBatches`, used by
        ``OrderService.enter_many``: what :meth:`add` writes for each order, with the
        rows sent together (``executemany``, several rows per statement). Whatever
        :meth:`add` writes beside the order's row is written here too.

        Raises:
            ConcurrencyConflict: if an id or a number is taken; the other rows may be
                in, so the unit of work then refuses to commit
                (``storage.transaction_aborted``): roll it back.
            RuleViolation: ``storage.value_too_long`` (nothing written).
        """
        for order in orders:
            _fit_order(order)
        if not orders:
            return
        rows = [
            {"tenant_id": self._tenant, "id": order.id, "version": 1, **order_columns(order)}
            for order in orders
        ]
        inserted = self._connection.execute(_insert_many(tuple(rows[0])), rows)
        if inserted.rowcount != len(rows):
            # Some rows may be in: the unit of work refuses to commit (roll it back).
            self._connection.info[schema.INTERRUPTED_WRITE] = True
            raise ConcurrencyConflict(params={"entity": "order", "expected": 0})
        for order in orders:
            order.version = 1
            invoice_index.write_invoices(self._connection, self._tenant, order, new=True)

    def save(self, order: Order, *, expected_version: int) -> None:
        """``UPDATE ... WHERE version = :expected``; nothing written on conflict.

        Raises:
            ConcurrencyConflict: if the stored version is not ``expected_version``.
            NotFound: if there is no such order.
            RuleViolation: ``storage.value_too_long`` for a number or customer id
                longer than its column.
        """
        _fit_order(order)
        previous = order.version
        order.version = expected_version + 1
        try:
            with self._connection.begin_nested():
                result = self._connection.execute(
                    orders_table.update()
                    .where(
                        orders_table.c.tenant_id == self._tenant,
                        orders_table.c.id == order.id,
                        orders_table.c.version == expected_version,
                    )
                    .values(version=expected_version + 1, **order_columns(order))
                )
        except sa.exc.IntegrityError:
            order.version = previous
            raise ConcurrencyConflict(
                params={"entity": "order", "expected": expected_version}
            ) from None
        if result.rowcount == 1:
            invoice_index.write_invoices(self._connection, self._tenant, order, new=True)
            return
        order.version = previous
        exists = self._connection.execute(
            sa.select(orders_table.c.version).where(
                orders_table.c.tenant_id == self._tenant, orders_table.c.id == order.id
            )
        ).one_or_none()
        if exists is None:
            raise NotFound(params={"entity": "order", "id": order.id})
        raise ConcurrencyConflict(params={"entity": "order", "expected": expected_version})

    def refresh_columns(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> int:
        """Rewrite every order's query columns and facts from its document.

        For a database migrated from a version without a column (its rows hold NULL
        there, so filters and reports would miss them): run once after the migration,
        in a unit of work that commits. The salesperson and region columns and the
        fact columns are rewritten; documents and versions stay as they are.

        Args:
            page_size: Orders read and updated per statement (1 to 10,000).

        Returns:
            How many orders were rewritten.

        Raises:
            ValueError: for a page size outside 1 to 10,000.
        """
        refreshed = ("salesperson", "region", *facts.FACT_COLUMNS)
        update = (
            orders_table.update()
            .where(
                orders_table.c.tenant_id == self._tenant,
                orders_table.c.id == sa.bindparam("order_id"),
            )
            .values({name: sa.bindparam(f"new_{name}") for name in refreshed})
        )
        count = 0
        for page in self.pages(page_size=page_size):
            if page.orders:
                rows = []
                for order in page.orders:
                    columns = order_columns(order)
                    rows.append(
                        {"order_id": order.id}
                        | {f"new_{name}": columns[name] for name in refreshed}
                    )
                self._connection.execute(update, rows)
            count += len(page.orders)
        return count

    def find_invoices(
        self,
        *,
        number: str | None = None,
        customer_id: str | None = None,
        order_id: str | None = None,
        due_before: date | None = None,
        open_only: bool = False,
    ) -> list[InvoiceRow]:
        """Invoice documents and credit notes by number, customer, order, due date, status.

        Reads the ``so_invoices`` index (rewritten with each save of an order that has
        documents), not the orders: ``open_only`` keeps invoices with money still open,
        ``due_before`` those due before that day (with ``open_only``: overdue ones).
        """
        return invoice_index.find_invoices(
            self._connection,
            self._tenant,
            number=number,
            customer_id=customer_id,
            order_id=order_id,
            due_before=due_before,
            open_only=open_only,
        )

    def credit_exposure(
        self, customer_id: str, *, currency: str, excluding: str | None = None
    ) -> Money:
        """Σ the credit exposure of the customer's orders in ``currency``, but ``excluding``.

        One query on the ``so_exposure`` rows written with each save (see
        [credit_exposure][salesorder.invoicing.credit_exposure]).
        """
        return receivables.sum_exposure(
            self._connection, self._tenant, customer_id, currency=currency, excluding=excluding
        )

    def find_entered_before(self, bounds: Mapping[Status, datetime]) -> Sequence[Order]:
        """Orders in a status of ``bounds`` since its moment or earlier, oldest first.

        The :class:`~salesorder.ports.OverdueIndex` port: one statement, a range of the
        index ``(tenant_id, status, status_since_us)`` per status, so no order outside
        the bounds is read (``OrderService.overdue`` passes the bounds past which a
        deadline is missed).
        """
        if not bounds:
            return []
        statuses = tuple(sorted(str(status) for status in bounds))
        parameters: dict[str, Any] = {"tenant": self._tenant}
        for index, (_, moment) in enumerate(sorted(bounds.items(), key=lambda item: str(item[0]))):
            parameters[f"bound_{index}"] = facts.micros_of(moment)
        rows = self._connection.execute(_entered_before(statuses), parameters)
        return [self._load(row) for row in rows]

    def find_by_number(self, number: str) -> Order | None:
        """The order with this number in this tenant, if any."""
        row = self._connection.execute(
            sa.select(orders_table.c.document, orders_table.c.version).where(
                orders_table.c.tenant_id == self._tenant, orders_table.c.number == number
            )
        ).one_or_none()
        return None if row is None else self._load(row)

    def find(
        self,
        *,
        customer_id: str | None = None,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        salesperson: str | None = None,
        region: str | None = None,
    ) -> Sequence[Order]:
        """Orders matching every criterion, oldest first (undated orders before the rest).

        Holds every match in memory: a whole tenant is better read with :meth:`pages`.
        """
        return list(
            self.iter_orders(
                customer_id=customer_id,
                status=status,
                created_from=created_from,
                created_to=created_to,
                salesperson=salesperson,
                region=region,
            )
        )

    def iter_orders(
        self,
        *,
        customer_id: str | None = None,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        salesperson: str | None = None,
        region: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Order]:
        """The orders :meth:`find` returns, read a page at a time as they are consumed."""
        for page in self.pages(
            customer_id=customer_id,
            status=status,
            created_from=created_from,
            created_to=created_to,
            salesperson=salesperson,
            region=region,
            page_size=page_size,
        ):
            yield from page.orders

    def pages(
        self,
        *,
        customer_id: str | None = None,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        salesperson: str | None = None,
        region: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        after: OrderCursor | None = None,
    ) -> Iterator[OrderPage]:
        """Pages of the orders matching every criterion, oldest first.

        Each page is one ``SELECT ... LIMIT`` that starts after the previous page's
        last order (keyset pagination): no page costs more than the first, and the
        connection holds no open cursor between pages. The pages follow the data as
        it is when each is read: an order added behind the listing's position is not
        listed, one added ahead of it is.

        Args:
            customer_id: Only this customer's orders.
            status: Only orders in this status.
            created_from: Only orders created at or after this moment.
            created_to: Only orders created before this moment.
            salesperson: Only this salesperson's orders.
            region: Only orders of this region (``CN/广东省/深圳市``, as analytics
                groups them: the shipping address, else the customer's).
            page_size: Orders per page (1 to 10,000).
            after: Start after this cursor (a page's ``next``), e.g. to resume a
                listing in another unit of work.

        Raises:
            ValueError: for a page size outside 1 to 10,000.
        """
        if not 1 <= page_size <= _MAX_PAGE_SIZE:
            msg = f"page_size must be between 1 and {_MAX_PAGE_SIZE}"
            raise ValueError(msg)
        criteria = [orders_table.c.tenant_id == self._tenant]
        for column, value in (
            (orders_table.c.customer_id, customer_id),
            (orders_table.c.status, None if status is None else str(status)),
            (orders_table.c.salesperson, salesperson),
            (orders_table.c.region, region),
        ):
            if value is not None:
                criteria.append(column == value)
        if created_from is not None:
            criteria.append(orders_table.c.created_at >= created_from)
        if created_to is not None:
            criteria.append(orders_table.c.created_at < created_to)
        dated_only = created_from is not None or created_to is not None
        cursor = after
        while True:
            page = self._page(criteria, cursor, page_size, dated_only=dated_only)
            yield page
            if page.next is None:
                return
            cursor = page.next

    def _page(
        self,
        criteria: list[Any],
        after: OrderCursor | None,
        size: int,
        *,
        dated_only: bool,
    ) -> OrderPage:
        # Undated orders come first (by id), then the dated ones by (created_at, id).
        # NULLs sort first on SQLite and last on PostgreSQL, so each part is a range of
        # its own, read in one statement while the listing is still in the undated part.
        created, key = orders_table.c.created_at, orders_table.c.id
        dated = self._select(criteria).where(created.is_not(None))
        if after is not None and after.created_at is not None:
            dated = dated.where(
                sa.tuple_(created, key)
                > sa.tuple_(
                    sa.literal(after.created_at, created.type), sa.literal(after.order_id, key.type)
                )
            )
        dated = dated.order_by(created, key).limit(size)
        if dated_only or (after is not None and after.created_at is not None):
            query = dated.with_only_columns(orders_table.c.version, orders_table.c.document)
        else:
            undated = self._select(criteria).where(created.is_(None))
            if after is not None:
                undated = undated.where(key > after.order_id)
            parts = sa.union_all(
                sa.select(undated.order_by(key).limit(size).subquery()),
                sa.select(dated.subquery()),
            ).subquery()
            query = (
                sa.select(parts.c.version, parts.c.document)
                .order_by(parts.c.created_at.is_not(None), parts.c.created_at, parts.c.id)
                .limit(size)
            )
        # Only the version and the document are read: the cursor is the last order's own
        # creation time and id (its columns are written from them), which spares the
        # conversion of every row's created_at column (a parse per row on SQLite).
        orders = tuple(self._load(row) for row in self._connection.execute(query))
        if len(orders) < size:
            return OrderPage(orders, None)
        last = orders[-1]
        return OrderPage(orders, OrderCursor(last.created_at, last.id))

    @staticmethod
    def _select(criteria: list[Any]) -> Any:
        return sa.select(
            orders_table.c.id,
            orders_table.c.created_at,
            orders_table.c.version,
            orders_table.c.document,
        ).where(*criteria)
