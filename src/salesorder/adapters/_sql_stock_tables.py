"""The SQL stock store's tables, column types, prepared statements and row helpers.

Private to :mod:`salesorder.adapters._sql_stock` (which holds :class:`SqlStockStore`):
what is here is SQL and storage shape, no stock rule (those are the stock kernel's,
:mod:`salesorder.inventory`). The statements that must encode a rule (a reservation's
availability, a transfer's free stock) say which kernel function they apply.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from salesorder.adapters._sql_schema import METADATA, Bound, fit
from salesorder.codec import decode, encode
from salesorder.errors import (
    ConcurrencyConflict,
)

# The stock kernel: every stock rule (see its docstring); this store applies them.
from salesorder.events import DomainEvent
from salesorder.inventory import (
    CURRENT_VERSION,
    QUANTITY_NOT_STORABLE,
    QUANTITY_PLACES,
    STOCK_ENTITY,
    Allocation,
    FixedPriority,
    InvalidQuantity,
    Reservation,
    ReservationLine,
    ReservationState,
    ReservedLine,
    StockPosition,
    reservation_is_open,
)

__all__ = [
    "ACTOR_BOUND",
    "DEFAULT_STRATEGY",
    "LOCATION_BOUND",
    "MEMO_LIMIT",
    "ONE_QUANTITY",
    "ONE_STATEMENT_ROWS",
    "OPERATION_ID_BOUND",
    "ORDER_ID_BOUND",
    "PLANNED",
    "PLANNED_LOCKED",
    "POSITION_COLUMNS",
    "QUANTITY_LIMIT",
    "QUANTITY_UNIT",
    "REASON_BOUND",
    "RECORD_POSTGRESQL",
    "RECORD_SQLITE",
    "RESERVATION_ID_BOUND",
    "RETRYABLE",
    "SCALE",
    "SEEN",
    "SKU_BOUND",
    "SQLITE_GIVE_BACK",
    "SQLITE_RECORD",
    "SQLITE_RESERVATION",
    "SQLITE_TAKE",
    "SQLITE_UNRECORD",
    "TENANT_BOUND",
    "ZERO",
    "NewReservation",
    "PositionRow",
    "Quantity",
    "Replay",
    "Stale",
    "StoredLine",
    "StoredReservation",
    "available_sql",
    "clean_quantity",
    "compact_json",
    "expiry_key",
    "fit_move",
    "fit_reserve",
    "from_millionths",
    "is_retryable",
    "iso_or_none",
    "lines_document",
    "lines_from",
    "movements_table",
    "operations_table",
    "pg_record",
    "pg_reserve",
    "pg_unreserve",
    "position_document",
    "position_from",
    "positions_table",
    "quantity_text",
    "reservation_document",
    "reservation_from",
    "reservations_table",
    "sqlite_events",
    "sqlite_journal",
    "stock_conflict",
    "stock_events_table",
    "stock_tables",
    "stored_quantity",
    "text_param",
    "to_millionths",
    "totals_by_position",
    "update_statement",
]

ZERO: Final = Decimal(0)
ONE_QUANTITY: Final = Decimal(1)
#: Decimal places a stored quantity may have.
SCALE: Final = QUANTITY_PLACES  # the kernel's limit: every quantity it takes fits
QUANTITY_UNIT: Final = Decimal(1).scaleb(-SCALE)
QUANTITY_LIMIT: Final = Decimal(10) ** 12
DEFAULT_STRATEGY: Final = FixedPriority()


def clean_quantity(value: Decimal) -> Decimal:
    """Drop the storage's trailing zeros: 5.000000 reads back as 5."""
    if value == value.to_integral_value():
        return value.quantize(ONE_QUANTITY) + 0
    return value.normalize()


def stored_quantity(value: Decimal, *, what: str = "quantity") -> Decimal:
    """Refuse what the columns cannot hold exactly."""
    if value != value.quantize(QUANTITY_UNIT) or abs(value) >= QUANTITY_LIMIT:
        raise InvalidQuantity(
            params={"what": what, "reason": QUANTITY_NOT_STORABLE, "max_places": SCALE}
        )
    return value


class Quantity(sa.types.TypeDecorator[Decimal]):
    """An exact quantity: NUMERIC on PostgreSQL, an integer of millionths on SQLite."""

    impl = sa.Numeric(24, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        """BIGINT on SQLite (whose NUMERIC is a binary float), NUMERIC elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(24, SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        """Scale to an integer on SQLite."""
        if value is None or dialect.name != "sqlite":
            return value
        return int(Decimal(value).scaleb(SCALE))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """A clean Decimal (no storage zeros)."""
        if value is None:
            return None
        if dialect.name == "sqlite":
            return clean_quantity(Decimal(int(value)).scaleb(-SCALE))
        return clean_quantity(Decimal(value))


QUANTITY: Final = Quantity()

positions_table = sa.Table(
    "so_stock_positions",
    METADATA,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("sku", sa.String(128), primary_key=True),
    sa.Column("location", sa.String(128), primary_key=True),
    sa.Column("on_hand", QUANTITY, nullable=False),
    sa.Column("reserved", QUANTITY, nullable=False),
    sa.Column("safety_stock", QUANTITY, nullable=False),
    sa.Column("reorder_point", QUANTITY, nullable=True),
    sa.Column("max_level", QUANTITY, nullable=True),
    sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="ck_so_stock_reserved"),
)

reservations_table = sa.Table(
    "so_stock_reservations",
    METADATA,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("reservation_id", sa.String(128), nullable=False),
    sa.Column("order_id", sa.String(128), nullable=False),
    # UTC, fixed width ISO text: sorts like the instants it stands for.
    sa.Column("expires_key", sa.String(32), nullable=True),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.UniqueConstraint("tenant_id", "reservation_id", name="uq_so_stock_reservation"),
    sa.Index("ix_so_stock_reservations_order", "tenant_id", "order_id"),
    sa.Index("ix_so_stock_reservations_expiry", "tenant_id", "is_open", "expires_key"),
)

movements_table = sa.Table(
    "so_stock_movements",
    METADATA,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("sku", sa.String(128), nullable=False),
    sa.Column("location", sa.String(128), nullable=False),
    sa.Column("on_hand_delta", QUANTITY, nullable=False),
    sa.Column("reserved_delta", QUANTITY, nullable=False),
    sa.Column("order_id", sa.String(128), nullable=True),
    sa.Column("reservation_id", sa.String(128), nullable=True),
    sa.Column("operation_id", sa.String(128), nullable=False),
    sa.Column("actor", sa.String(128), nullable=True),
    sa.Column("reason", sa.String(256), nullable=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Index("ix_so_stock_movements_tenant", "tenant_id", "seq"),
)

operations_table = sa.Table(
    "so_stock_operations",
    METADATA,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("operation_id", sa.String(128), primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
)

stock_events_table = sa.Table(
    "so_stock_events",
    METADATA,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("ix_so_stock_events_tenant", "tenant_id", "seq"),
)


TENANT_BOUND: Final = Bound(
    "tenant_id",
    positions_table.c.tenant_id,
    reservations_table.c.tenant_id,
    movements_table.c.tenant_id,
    operations_table.c.tenant_id,
    stock_events_table.c.tenant_id,
)
SKU_BOUND: Final = Bound("sku", positions_table.c.sku, movements_table.c.sku)
LOCATION_BOUND: Final = Bound("location", positions_table.c.location, movements_table.c.location)
ORDER_ID_BOUND: Final = Bound("order_id", reservations_table.c.order_id, movements_table.c.order_id)
RESERVATION_ID_BOUND: Final = Bound(
    "reservation_id", reservations_table.c.reservation_id, movements_table.c.reservation_id
)
OPERATION_ID_BOUND: Final = Bound(
    "operation_id", operations_table.c.operation_id, movements_table.c.operation_id
)
ACTOR_BOUND: Final = Bound("actor", movements_table.c.actor)
REASON_BOUND: Final = Bound("reason", movements_table.c.reason)


def fit_move(sku: str, location: str, operation_id: str, actor: str | None) -> None:
    """Refuse what a journal row of ``sku`` at ``location`` cannot hold."""
    fit(sku, SKU_BOUND)
    fit(location, LOCATION_BOUND)
    fit(operation_id, OPERATION_ID_BOUND)
    fit(actor, ACTOR_BOUND)


def fit_reserve(
    order_id: str,
    lines: Sequence[ReservationLine],
    *,
    reservation_id: str,
    operation_id: str,
    actor: str | None,
) -> None:
    """Refuse what a new reservation's rows cannot hold."""
    fit(order_id, ORDER_ID_BOUND)
    fit(operation_id, OPERATION_ID_BOUND)
    fit(reservation_id, RESERVATION_ID_BOUND)
    fit(actor, ACTOR_BOUND)
    for line in lines:
        fit(line.sku, SKU_BOUND)


def stock_tables() -> tuple[sa.Table, ...]:
    """The stock store's tables (created by :func:`salesorder.adapters.sql.create_schema`)."""
    return (
        positions_table,
        reservations_table,
        movements_table,
        operations_table,
        stock_events_table,
    )


# PostgreSQL SQLSTATEs worth a retry of the whole unit of work.
RETRYABLE: Final = frozenset({"40001", "40P01"})


def stock_conflict(operation: str) -> ConcurrencyConflict:
    """``concurrency.conflict`` for stock: the caller retries the whole unit of work.

    (The shared code, not one of this module's own: the error page lists the codes of
    modules the package imports, and this one needs the optional SQLAlchemy.)
    """
    return ConcurrencyConflict(
        params={"entity": STOCK_ENTITY, "operation": operation, "expected": CURRENT_VERSION}
    )


class Stale(Exception):
    """A conditional update matched no row: the plan was made on stale rows."""


class Replay(Exception):
    """The operation id is recorded already: roll back and replay its result."""


def is_retryable(error: sa.exc.DBAPIError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), or a busy database (SQLite)."""
    original = error.orig
    state = getattr(original, "sqlstate", None)
    if state in RETRYABLE:
        return True
    # SQLite from several processes: another writer holds the file.
    return isinstance(error, sa.exc.OperationalError) and "database is locked" in str(original)


def iso_or_none(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def expiry_key(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def quantity_text(value: Decimal) -> str:
    """Canonical text of a quantity, for fingerprints (3 and 3.0 are the same request)."""
    return format(value.normalize(), "f")


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# A reservation line in the ledger's tuple form (see salesorder.inventory).
StoredLine = tuple[str, str, Decimal, tuple[tuple[str, Decimal], ...], Decimal, Decimal, Decimal]


def lines_document(lines: Iterable[StoredLine]) -> list[Any]:
    return [
        [line_id, sku, str(q), [[loc, str(a)] for loc, a in allocs], str(b), str(c), str(r)]
        for line_id, sku, q, allocs, b, c, r in lines
    ]


def lines_from(document: list[Any]) -> tuple[StoredLine, ...]:
    return tuple(
        (
            line_id,
            sku,
            Decimal(q),
            tuple((loc, Decimal(a)) for loc, a in allocs),
            Decimal(b),
            Decimal(c),
            Decimal(r),
        )
        for line_id, sku, q, allocs, b, c, r in document
    )


class StoredReservation:
    """A loaded reservation: its row version and its state in the ledger's tuple form."""

    __slots__ = ("created_at", "expired", "expires_at", "lines", "order_id", "version")

    def __init__(
        self,
        *,
        order_id: str,
        created_at: datetime,
        expires_at: datetime | None,
        expired: bool,
        lines: tuple[StoredLine, ...],
        version: int = 1,
    ) -> None:
        self.order_id = order_id
        self.created_at = created_at
        self.expires_at = expires_at
        self.expired = expired
        self.lines = lines
        self.version = version

    @classmethod
    def load(cls, document: str, version: int) -> StoredReservation:
        data = json.loads(document)
        expires = data["expires_at"]
        return cls(
            order_id=data["order_id"],
            created_at=datetime.fromisoformat(data["created_at"]),
            expires_at=None if expires is None else datetime.fromisoformat(expires),
            expired=data["expired"],
            lines=lines_from(data["lines"]),
            version=version,
        )

    def document(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "created_at": self.created_at.isoformat(),
            "expires_at": iso_or_none(self.expires_at),
            "expired": self.expired,
            "lines": lines_document(self.lines),
        }

    @property
    def state(self) -> ReservationState:
        """The state the kernel's decisions take."""
        return (self.order_id, self.created_at, self.expires_at, self.expired, self.lines)

    def take_state(self, state: ReservationState) -> None:
        """Take the state a kernel decision returned (the row version stays)."""
        self.order_id, self.created_at, self.expires_at, self.expired, self.lines = state

    @property
    def is_open(self) -> bool:
        return reservation_is_open(self.state)

    def public(self, reservation_id: str) -> Reservation:
        return Reservation.from_lines(
            reservation_id,
            self.order_id,
            (
                ReservedLine(
                    line_id,
                    sku,
                    q,
                    tuple(Allocation(sku, loc, a) for loc, a in allocs),
                    b,
                    c,
                    r,
                )
                for line_id, sku, q, allocs, b, c, r in self.lines
            ),
            created_at=self.created_at,
            expires_at=self.expires_at,
            expired=self.expired,
        )


def reservation_document(reservation_id: str, state: StoredReservation) -> dict[str, Any]:
    return {"id": reservation_id, **state.document()}


def reservation_from(document: dict[str, Any]) -> Reservation:
    return StoredReservation.load(json.dumps(document), 0).public(document["id"])


def position_document(position: StockPosition) -> dict[str, Any]:
    return encode(position)  # type: ignore[no-any-return]


def position_from(document: dict[str, Any]) -> StockPosition:
    position: StockPosition = decode(StockPosition, document)
    return position


# Prepared statements of the hot path (built once; executed with parameters).
SEEN: Final = sa.select(operations_table.c.fingerprint, operations_table.c.result).where(
    operations_table.c.tenant_id == sa.bindparam("t"),
    operations_table.c.operation_id == sa.bindparam("o"),
)
RECORD_SQLITE: Final = (
    sqlite.insert(operations_table)
    .on_conflict_do_nothing()
    .returning(operations_table.c.operation_id)
)
RECORD_POSTGRESQL: Final = (
    postgresql.insert(operations_table)
    .on_conflict_do_nothing()
    .returning(operations_table.c.operation_id)
)
#: Rows (journal rows, events, positions) one PostgreSQL statement may carry; beyond
#: it, statement by statement (a statement holds at most 65 535 parameters).
ONE_STATEMENT_ROWS: Final = 256
#: SKUs a location memo holds before it starts over (it is only a hint).
MEMO_LIMIT: Final = 100_000
PLANNED: Final = (
    sa.select(
        positions_table.c.sku,
        positions_table.c.location,
        positions_table.c.on_hand,
        positions_table.c.reserved,
        positions_table.c.safety_stock,
    )
    .where(
        positions_table.c.tenant_id == sa.bindparam("t"),
        positions_table.c.sku.in_(sa.bindparam("skus", expanding=True)),
    )
    .order_by(positions_table.c.sku, positions_table.c.location)
)


# PostgreSQL plans on locked rows (``FOR UPDATE`` after ``ORDER BY``: locked in key
# order, the same global order every operation follows), so the conditional updates
# that follow find what the plan saw and a plan never goes stale. A stale plan would
# be worse than a wait: the failed update may keep its row locked (PostgreSQL locks a
# row it re-checks after a concurrent change), and a re-plan that takes another row
# while holding it can deadlock.
PLANNED_LOCKED: Final = PLANNED.with_for_update()


@functools.lru_cache(maxsize=64)
def pg_record(dialect: Dialect, moves: int, events: int) -> str:
    """The PostgreSQL record statement for a shape, compiled once to driver SQL.

    (SQLAlchemy does not cache statements with data-modifying CTEs: compiling one
    per call cost more than the round trips it saves.)

    ``INSERT`` of the idempotency record ``ON CONFLICT DO NOTHING RETURNING``, with the
    journal rows and the events as data-modifying CTEs.
    """

    def row(table: sa.Table, prefix: str) -> dict[str, Any]:
        return {
            c.name: sa.bindparam(f"{prefix}_{c.name}", type_=c.type)
            for c in table.columns
            if c.name != "seq"
        }

    statement = postgresql.insert(operations_table).values(row(operations_table, "o"))
    if moves:
        rows = [row(movements_table, f"m{i}") for i in range(moves)]
        statement = statement.add_cte(movements_table.insert().values(rows).cte("m"))
    if events:
        rows = [row(stock_events_table, f"e{i}") for i in range(events)]
        statement = statement.add_cte(stock_events_table.insert().values(rows).cte("e"))
    recorded = statement.on_conflict_do_nothing().returning(operations_table.c.operation_id)
    return str(recorded.compile(dialect=dialect))


@functools.cache
def update_statement(on_hand: bool, reserved: bool, condition: str | None) -> Any:
    """A prepared conditional update of one position (built once, then only executed).

    Conditions: ``available`` (on hand − reserved − safety stock ≥ :q, a reservation),
    ``free`` (on hand − reserved ≥ :q: dipping into safety stock, a transfer out),
    ``reserved`` (reserved ≥ :q: a release or shipment), ``count`` (on hand is still
    :before and reserved ≤ :q: a stock count).
    """
    p = positions_table.c
    q = sa.bindparam("q", type_=QUANTITY)
    conditions = {
        None: None,
        "available": p.on_hand - p.reserved - p.safety_stock >= q,
        "free": p.on_hand - p.reserved >= q,
        "reserved": p.reserved >= q,
        "count": sa.and_(p.on_hand == sa.bindparam("before", type_=QUANTITY), p.reserved <= q),
    }
    values: dict[str, Any] = {}
    if on_hand:
        values["on_hand"] = p.on_hand + sa.bindparam("dh", type_=QUANTITY)
    if reserved:
        values["reserved"] = p.reserved + sa.bindparam("dr", type_=QUANTITY)
    if not values:
        values["on_hand"] = p.on_hand  # a count that changes nothing still locks the row
    statement = (
        positions_table.update()
        .where(
            p.tenant_id == sa.bindparam("t"),
            p.sku == sa.bindparam("s"),
            p.location == sa.bindparam("l"),
        )
        .values(**values)
        .returning(p.on_hand, p.reserved, p.safety_stock, p.reorder_point, p.max_level)
    )
    where = conditions[condition]
    return statement if where is None else statement.where(where)


# The columns a changed position row returns (for alerts and the caller's result).
POSITION_COLUMNS: Final = "on_hand, reserved, safety_stock, reorder_point, max_level"


def available_sql(allow_safety_stock: bool) -> str:
    """What a reservation may take from a position row, as SQL."""
    return "on_hand - reserved" if allow_safety_stock else "on_hand - reserved - safety_stock"


def text_param(name: str) -> str:
    """A text parameter in a select list, typed like the columns it is compared with.

    (PostgreSQL refuses one parameter deduced as ``text`` in one place and as
    ``character varying`` in another.)
    """
    return f"CAST(%({name})s AS VARCHAR)"


@functools.lru_cache(maxsize=64)
def pg_reserve(positions: int, moves: int, *, allow_safety_stock: bool, only_position: bool) -> str:
    """A whole reservation as ONE PostgreSQL statement, for a shape (compiled once).

    Data-modifying CTEs chained by their ``RETURNING`` output, so that each runs only
    when the one before it succeeded, in this order (also the lock order):

    ``u0 .. uN``  the conditional update of each position, sorted by (SKU, location);
                  ``u0`` only if the operation id is not recorded yet;
    ``r``         the reservation row (``ON CONFLICT DO NOTHING``: a taken id is a no-op);
    ``o``         the idempotency record (``ON CONFLICT DO NOTHING``);
    ``m``, ``e``  the journal rows and the ``StockReserved`` event, once ``o`` is in.

    ``only_position``: each update also requires its position to be the SKU's only
    one (a reservation planned from ``SqlStockStore``'s location memo).

    A refusal never raises: the statement reports ``recorded``, ``created``, ``seen``
    (recorded before it started) and one row per position it updated, and the caller
    gives back what a refused statement took (``pg_unreserve``). Hence no savepoint,
    which saves two of the six round trips a reservation took.
    """
    available = available_sql(allow_safety_stock)
    recorded = "SELECT 1 FROM so_stock_operations WHERE tenant_id = %(t)s AND operation_id = %(o)s"
    ctes = []
    gate = f"NOT EXISTS ({recorded})"
    for i in range(positions):
        alone = (
            " AND NOT EXISTS (SELECT 1 FROM so_stock_positions AS other"
            f" WHERE other.tenant_id = %(t)s AND other.sku = %(s{i})s"
            f" AND other.location <> %(l{i})s)"
            if only_position
            else ""
        )
        ctes.append(
            f"u{i} AS (UPDATE so_stock_positions SET reserved = reserved + %(q{i})s"
            f" WHERE tenant_id = %(t)s AND sku = %(s{i})s AND location = %(l{i})s"
            f" AND {available} >= %(q{i})s AND {gate}{alone} RETURNING {POSITION_COLUMNS})"
        )
        gate = f"EXISTS (SELECT 1 FROM u{i})"
    ctes.append(
        "r AS (INSERT INTO so_stock_reservations"
        " (tenant_id, reservation_id, order_id, expires_key, is_open, version, document)"
        f" SELECT {text_param('t')}, {text_param('r')}, {text_param('order')},"
        f" {text_param('expires')}, %(open)s, 1, %(document)s"
        f" WHERE {gate} ON CONFLICT (tenant_id, reservation_id) DO NOTHING RETURNING 1)"
    )
    ctes.append(
        "o AS (INSERT INTO so_stock_operations (tenant_id, operation_id, fingerprint, result)"
        f" SELECT {text_param('t')}, {text_param('o')}, %(fingerprint)s, %(result)s"
        " WHERE EXISTS (SELECT 1 FROM r)"
        " ON CONFLICT (tenant_id, operation_id) DO NOTHING RETURNING 1)"
    )
    if moves:
        rows = ", ".join(
            f"(%(ms{i})s, %(ml{i})s, CAST(%(mq{i})s AS NUMERIC))" for i in range(moves)
        )
        ctes.append(
            "m AS (INSERT INTO so_stock_movements (tenant_id, kind, sku, location,"
            " on_hand_delta, reserved_delta, order_id, reservation_id, operation_id, actor, at)"
            f" SELECT {text_param('t')}, %(kind)s, v.sku, v.location, 0, v.q,"
            f" {text_param('order')}, {text_param('r')}, {text_param('o')}, {text_param('actor')},"
            f" %(at)s FROM (VALUES {rows}) AS v (sku, location, q)"
            " WHERE EXISTS (SELECT 1 FROM o))"
        )
    ctes.append(
        "e AS (INSERT INTO so_stock_events (tenant_id, payload)"
        f" SELECT {text_param('t')}, %(event)s WHERE EXISTS (SELECT 1 FROM o))"
    )
    flags = (
        "(SELECT count(*) FROM o) AS recorded, (SELECT count(*) FROM r) AS created,"
        f" EXISTS ({recorded}) AS seen"
    )
    if not positions:
        return f"WITH {', '.join(ctes)} SELECT {flags}, NULL AS k"
    applied = " UNION ALL ".join(
        f"SELECT {i} AS k, {POSITION_COLUMNS} FROM u{i}" for i in range(positions)
    )
    return (
        f"WITH {', '.join(ctes)} SELECT {flags}, a.*"
        f" FROM (SELECT 1) AS one LEFT JOIN ({applied}) AS a ON true ORDER BY a.k"
    )


@functools.lru_cache(maxsize=64)
def pg_unreserve(positions: int) -> str:
    """Give back what a refused one-statement reservation took (rows it still locks)."""
    rows = ", ".join(f"(%(s{i})s, %(l{i})s, CAST(%(q{i})s AS NUMERIC))" for i in range(positions))
    return (
        "UPDATE so_stock_positions AS p SET reserved = p.reserved - v.q"
        f" FROM (VALUES {rows}) AS v (sku, location, q)"
        " WHERE p.tenant_id = %(t)s AND p.sku = v.sku AND p.location = v.location"
    )


# A reservation on SQLite, statement by statement in driver SQL (see
# SqlStockStore._reserve_in_steps). Quantities are integers of millionths there.
SQLITE_RECORD: Final = (
    "INSERT INTO so_stock_operations (tenant_id, operation_id, fingerprint, result)"
    " VALUES (:t, :o, :fingerprint, :result) ON CONFLICT DO NOTHING RETURNING 1"
)
SQLITE_UNRECORD: Final = (
    "DELETE FROM so_stock_operations WHERE tenant_id = :t AND operation_id = :o"
)
SQLITE_TAKE: Final = {
    (safety, alone): (
        "UPDATE so_stock_positions SET reserved = reserved + :q"
        " WHERE tenant_id = :t AND sku = :s AND location = :l"
        f" AND {available_sql(safety)} >= :q"
        + (
            " AND NOT EXISTS (SELECT 1 FROM so_stock_positions AS other"
            " WHERE other.tenant_id = :t AND other.sku = :s AND other.location <> :l)"
            if alone
            else ""
        )
        + f" RETURNING {POSITION_COLUMNS}"
    )
    for safety in (False, True)
    for alone in (False, True)
}
SQLITE_GIVE_BACK: Final = (
    "UPDATE so_stock_positions SET reserved = reserved - :q"
    " WHERE tenant_id = :t AND sku = :s AND location = :l"
)
SQLITE_RESERVATION: Final = (
    "INSERT INTO so_stock_reservations"
    " (tenant_id, reservation_id, order_id, expires_key, is_open, version, document)"
    " VALUES (:t, :r, :order, :expires, :open, 1, :document)"
    " ON CONFLICT (tenant_id, reservation_id) DO NOTHING RETURNING 1"
)


@functools.lru_cache(maxsize=64)
def sqlite_journal(moves: int) -> str:
    """One ``INSERT`` of a reservation's journal rows, for a number of rows."""
    rows = ", ".join(
        f"(:t, :kind, :ms{i}, :ml{i}, 0, :mq{i}, :order, :r, :o, :actor, :at)" for i in range(moves)
    )
    return (
        "INSERT INTO so_stock_movements (tenant_id, kind, sku, location, on_hand_delta,"
        f" reserved_delta, order_id, reservation_id, operation_id, actor, at) VALUES {rows}"
    )


@functools.lru_cache(maxsize=64)
def sqlite_events(events: int) -> str:
    """One ``INSERT`` of an operation's events, for a number of events."""
    rows = ", ".join(f"(:t, :e{i})" for i in range(events))
    return f"INSERT INTO so_stock_events (tenant_id, payload) VALUES {rows}"


def from_millionths(value: int) -> Decimal:
    return clean_quantity(Decimal(value).scaleb(-SCALE))


def to_millionths(value: Decimal) -> int:
    return int(value.scaleb(SCALE))


class PositionRow:
    """A position row read by driver SQL, with the quantities the Quantity type would give.

    ``read`` turns a stored quantity into a clean Decimal: the default for
    PostgreSQL's NUMERIC, ``from_millionths`` for SQLite's integers.
    """

    __slots__ = ("max_level", "on_hand", "reorder_point", "reserved", "safety_stock")

    def __init__(self, row: Any, read: Callable[[Any], Decimal] = clean_quantity) -> None:
        self.on_hand = read(row.on_hand)
        self.reserved = read(row.reserved)
        self.safety_stock = read(row.safety_stock)
        self.reorder_point = None if row.reorder_point is None else read(row.reorder_point)
        self.max_level = None if row.max_level is None else read(row.max_level)


def totals_by_position(taken: Iterable[tuple[str, str, Decimal]]) -> dict[tuple[str, str], Decimal]:
    """Quantities per (SKU, location), in key order: the order rows are locked in."""
    totals: dict[tuple[str, str], Decimal] = {}
    for sku, location, q in taken:
        totals[(sku, location)] = totals.get((sku, location), ZERO) + q
    return dict(sorted(totals.items()))


class NewReservation(NamedTuple):
    """A planned reservation, ready to be written."""

    reservation_id: str
    operation_id: str
    state: StoredReservation
    taken: list[tuple[str, str, Decimal]]
    event: DomainEvent
    document: dict[str, Any]
    at: datetime
    actor: str | None
    allow_safety_stock: bool
    # Planned from the location memo, not from a read of the rows.
    unplanned: bool
