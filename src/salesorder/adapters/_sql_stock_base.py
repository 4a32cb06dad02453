"""The SQL stock store's plumbing: ``SqlStockBase``.

Private to [SqlStockStore][salesorder.adapters.sql.SqlStockStore] (see
``_sql_stock_reads`` for how the store is layered): savepoint and retry, idempotency
record and replay, journal and event rows, and the conditional update of a position
that every operation uses.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from salesorder.adapters._sql_schema import INTERRUPTED_WRITE, fit
from salesorder.adapters._sql_stock_tables import (
    ONE_STATEMENT_ROWS,
    RECORD_POSTGRESQL,
    RECORD_SQLITE,
    SEEN,
    TENANT_BOUND,
    ZERO,
    Replay,
    Stale,
    compact_json,
    is_retryable,
    movements_table,
    operations_table,
    pg_record,
    positions_table,
    stock_conflict,
    stock_events_table,
    stored_quantity,
    update_statement,
)
from salesorder.codec import encode
from salesorder.errors import (
    ConcurrencyConflict,
    RuleViolation,
    SalesOrderError,
)
from salesorder.events import DomainEvent

# The stock kernel: every stock rule (see its docstring); this store applies them.
from salesorder.inventory import (
    EMPTY_SKU_OR_LOCATION,
    QUANTITY_NOT_POSITIVE,
    STOCK_RESERVATION_INVALID,
    AllocationStrategy,
    InvalidQuantity,
    MovementKind,
    OperationConflict,
    StockPosition,
    is_default_strategy,
    to_quantity,
)

__all__ = ["SqlStockBase", "positive_stored_quantity"]

T = TypeVar("T")


class SqlStockBase:
    """What every operation of :class:`SqlStockStore` shares, plus the on-hand operations.

    Why this class is long (about 650 lines): the plumbing every stock operation
    needs on SQL (savepoint and retry, idempotency record and replay, journal and
    event rows, conditional updates), the port's reads, and the four on-hand
    operations, each a kernel decision applied by ``_apply_on_hand``. The arguments
    are :class:`SqlStockStore`'s.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        tenant_id: str,
        default_strategy: AllocationStrategy | None = None,
        attempts: int = 8,
        location_memo: MutableMapping[str, str] | None = None,
    ) -> None:
        fit(tenant_id, TENANT_BOUND)
        self._memo: MutableMapping[str, str] = {} if location_memo is None else location_memo
        self._connection = connection
        self._tenant = tenant_id
        self._default_strategy = None if is_default_strategy(default_strategy) else default_strategy
        self._attempts = attempts
        self._is_sqlite = connection.dialect.name == "sqlite"
        # Journal rows and events of the running attempt, written by _record.
        self._moves: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        # The running operation's fingerprint, for work that records itself.
        self._fingerprint = ""
        # PostgreSQL reserves in one statement (see pg_reserve).
        self._one_statement = connection.dialect.name == "postgresql"

    # ---------------------------------------------------------------- plumbing

    def _key(self, sku: str, location: str) -> tuple[sa.ColumnElement[bool], ...]:
        p = positions_table.c
        return (p.tenant_id == self._tenant, p.sku == sku, p.location == location)

    def _attempt(self, operation: str, work: Callable[[], T], *, savepoint: bool = True) -> T:
        """Run ``work`` in a savepoint; re-run it when its plan went stale.

        ``savepoint=False`` is for work that undoes its own refused attempts (a
        reservation): it saves the SAVEPOINT and RELEASE round trips.
        """
        for _ in range(self._attempts):
            self._moves = []
            self._events = []
            try:
                with self._guard(operation):
                    if savepoint:
                        with self._connection.begin_nested():
                            return work()
                    try:
                        return work()
                    except (Stale, Replay, SalesOrderError):
                        raise  # refusals: the work has undone itself
                    except BaseException:
                        # No savepoint to roll back to: what the work wrote before the
                        # error stays in the transaction (a database error makes
                        # PostgreSQL abort it, SQLite does not), so its commit must
                        # be refused.
                        self._connection.info[INTERRUPTED_WRITE] = True
                        raise
            except Stale:
                continue
        raise stock_conflict(operation)

    @contextlib.contextmanager
    def _guard(self, operation: str) -> Iterator[None]:
        """Turn a deadlock, serialization failure or busy database into a conflict."""
        try:
            yield
        except sa.exc.DBAPIError as error:
            if is_retryable(error):
                raise stock_conflict(operation) from None
            raise

    def _replay(self, operation: str, operation_id: str, fingerprint: str) -> Any | None:
        """The stored result of ``operation_id``, or None if it is new."""
        with self._guard(operation):
            row = self._connection.execute(
                SEEN, {"t": self._tenant, "o": operation_id}
            ).one_or_none()
        if row is None:
            return None
        if row.fingerprint != fingerprint:
            raise OperationConflict(operation_id)
        return json.loads(row.result)

    def _once(
        self,
        operation: str,
        operation_id: str,
        fingerprint: Sequence[Any],
        work: Callable[[], tuple[Any, T]],
        read: Callable[[Any], T],
        *,
        records_itself: bool = False,
    ) -> T:
        """Run an idempotent operation: do it and record its result, or replay it.

        No look-up first: the record is inserted last with ``ON CONFLICT DO NOTHING``;
        when the operation id is already recorded (or the work is refused, which a
        replay of an earlier success may be) the savepoint is rolled back and the
        stored result is read instead.

        ``records_itself``: ``work`` writes the record (with ``self._fingerprint``) and
        undoes its own refused attempts, so it runs without a savepoint.
        """
        text = compact_json(list(fingerprint))
        self._fingerprint = text

        def attempt() -> T:
            document, result = work()
            if records_itself:
                return result
            if not self._record(operation_id, text, compact_json(document)):
                raise Replay
            return result

        try:
            return self._attempt(operation, attempt, savepoint=not records_itself)
        except Replay:
            # Recorded before (or by a concurrent call that committed first): replay it.
            seen = self._replay(operation, operation_id, text)
            if seen is None:
                raise stock_conflict(operation) from None
            return read(seen)
        except sa.exc.IntegrityError:
            # Without a savepoint, the error ends the operation half-done: the caller
            # must see it (its unit of work cannot commit). With one, it is another
            # dialect's record insert finding the operation id taken.
            if records_itself or (seen := self._replay(operation, operation_id, text)) is None:
                raise
            return read(seen)  # pragma: no cover - SQLite and PostgreSQL never get here
        except SalesOrderError as error:
            if records_itself and isinstance(error, ConcurrencyConflict):
                # Without a savepoint, the database error behind it may have left
                # the work half-done (PostgreSQL aborted the transaction): nothing
                # more can be read or trusted in it.
                raise
            # A refusal of a replayed operation (its stock is gone, its reservation
            # exists...) is not the answer: the recorded result is.
            seen = self._replay(operation, operation_id, text)
            if seen is None:
                raise error from None
            return read(seen)

    def _record(self, operation_id: str, fingerprint: str, result: str) -> bool:
        """Write the operation's journal rows, events and idempotency record.

        On PostgreSQL that is ONE statement (the journal and event inserts ride along
        as data-modifying CTEs); elsewhere three. Returns False (and inserts no
        record) when the operation id is already recorded.
        """
        record = {
            "tenant_id": self._tenant,
            "operation_id": operation_id,
            "fingerprint": fingerprint,
            "result": result,
        }
        moves, events = self._moves, self._events
        for row in moves:
            row["tenant_id"] = self._tenant
        name = self._connection.dialect.name
        if name == "postgresql" and len(moves) + len(events) <= ONE_STATEMENT_ROWS:
            params = {f"o_{k}": v for k, v in record.items()}
            for i, row in enumerate(moves):
                params.update({f"m{i}_{k}": v for k, v in row.items()})
            for i, row in enumerate(events):
                params.update({f"e{i}_{k}": v for k, v in row.items()})
            statement = pg_record(self._connection.dialect, len(moves), len(events))
            return self._connection.exec_driver_sql(statement, params).first() is not None
        if moves:
            self._connection.execute(movements_table.insert(), moves)
        if events:
            self._connection.execute(stock_events_table.insert(), events)
        if name == "sqlite":
            return self._connection.execute(RECORD_SQLITE, record).first() is not None
        if name == "postgresql":
            return self._connection.execute(RECORD_POSTGRESQL, record).first() is not None
        self._connection.execute(operations_table.insert(), record)  # pragma: no cover
        return True  # pragma: no cover - IntegrityError stands for "recorded"

    def _journal(self, rows: list[dict[str, Any]]) -> None:
        """Queue journal rows: :meth:`_record` writes them with the operation."""
        self._moves += rows

    def _emit(self, events: Sequence[DomainEvent]) -> None:
        """Queue events: :meth:`_record` writes them with the operation."""
        self._events += [
            {"tenant_id": self._tenant, "payload": compact_json(encode(e))} for e in events
        ]

    @staticmethod
    def _movement(
        kind: MovementKind,
        sku: str,
        location: str,
        on_hand: Decimal,
        reserved: Decimal,
        *,
        operation_id: str,
        at: datetime,
        order_id: str | None = None,
        reservation_id: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        return {
            "kind": kind.value,
            "sku": sku,
            "location": location,
            "on_hand_delta": on_hand,
            "reserved_delta": reserved,
            "order_id": order_id,
            "reservation_id": reservation_id,
            "operation_id": operation_id,
            "actor": actor,
            "reason": reason,
            "at": at.isoformat(),
        }

    def _ensure(self, sku: str, location: str) -> None:
        """Create the zero row of a position if it does not exist yet."""
        if not sku or not location:
            raise RuleViolation(STOCK_RESERVATION_INVALID, params={"reason": EMPTY_SKU_OR_LOCATION})
        exists = self._connection.execute(
            sa.select(positions_table.c.sku).where(*self._key(sku, location))
        ).one_or_none()
        if exists is not None:
            return
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    positions_table.insert().values(
                        tenant_id=self._tenant,
                        sku=sku,
                        location=location,
                        on_hand=ZERO,
                        reserved=ZERO,
                        safety_stock=ZERO,
                    )
                )
        except sa.exc.IntegrityError:
            pass  # created concurrently: the row is there, which is all we need.

    def _change(
        self,
        sku: str,
        location: str,
        *,
        on_hand: Decimal = ZERO,
        reserved: Decimal = ZERO,
        condition: str | None = None,
        limit: Decimal = ZERO,
        before: Decimal = ZERO,
        create: bool = False,
    ) -> Any | None:
        """One conditional update of a position; the row after it, or None if no row matched.

        ``condition`` names one of the prepared conditions (see ``update_statement``);
        ``limit`` is its quantity and ``before`` the on hand it expects.
        """
        statement = update_statement(bool(on_hand), bool(reserved), condition)
        params = {
            "t": self._tenant,
            "s": sku,
            "l": location,
            "dh": on_hand,
            "dr": reserved,
            "q": limit,
            "before": before,
        }
        row = self._connection.execute(statement, params).one_or_none()
        if row is None and create:
            self._ensure(sku, location)
            row = self._connection.execute(statement, params).one_or_none()
        return row

    @staticmethod
    def _position(sku: str, location: str, row: Any) -> StockPosition:
        return StockPosition(
            sku,
            location,
            row.on_hand,
            row.reserved,
            row.safety_stock,
            row.reorder_point,
            row.max_level,
        )


def positive_stored_quantity(value: object) -> Decimal:
    """A positive quantity the columns can store exactly."""
    number = stored_quantity(to_quantity(value))
    if not number:
        raise InvalidQuantity(params={"what": "quantity", "reason": QUANTITY_NOT_POSITIVE})
    return number
