"""The SQL stock store's plumbing, reads and on-hand operations: :class:`SqlStockBase`.

Private to :mod:`salesorder.adapters._sql_stock`, whose :class:`SqlStockStore` adds
the reservation operations. Savepoint and retry, idempotency record and replay,
journal and event rows, conditional updates of a position, the reads, and the
receipts, returns, counts and transfers, each applying the stock kernel's decision
(:mod:`salesorder.inventory`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from salesorder.adapters._sql_schema import INTERRUPTED_WRITE, fit
from salesorder.adapters._sql_stock_tables import (
    LOCATION_BOUND,
    ONE_STATEMENT_ROWS,
    ORDER_ID_BOUND,
    REASON_BOUND,
    RECORD_POSTGRESQL,
    RECORD_SQLITE,
    SEEN,
    SKU_BOUND,
    TENANT_BOUND,
    ZERO,
    Replay,
    Stale,
    StoredReservation,
    compact_json,
    fit_move,
    is_retryable,
    movements_table,
    operations_table,
    pg_record,
    position_document,
    position_from,
    positions_table,
    quantity_text,
    reservations_table,
    stock_conflict,
    stock_events_table,
    stored_quantity,
    update_statement,
)
from salesorder.codec import decode, encode
from salesorder.errors import (
    ConcurrencyConflict,
    NotFound,
    RuleViolation,
    SalesOrderError,
)
from salesorder.events import DomainEvent, event_types

# The stock kernel: every stock rule (see its docstring); this store applies them.
from salesorder.inventory import (
    STOCK_RESERVATION_INVALID,
    AllocationStrategy,
    InvalidQuantity,
    Movement,
    MovementKind,
    OnHandChange,
    OperationConflict,
    Reservation,
    StockPosition,
    decide_count,
    decide_receipt,
    decide_restock,
    decide_transfer,
    excess_stock_alerts,
    falling_stock_alerts,
    is_default_strategy,
    to_quantity,
)

__all__ = ["SqlStockBase", "positive_stored_quantity"]

T = TypeVar("T")


# Built once: entering an order reads each line's SKU, and building the statement cost
# more than running it.
_ALL_POSITIONS: Final = (
    sa.select(
        positions_table.c.sku,
        positions_table.c.location,
        positions_table.c.on_hand,
        positions_table.c.reserved,
        positions_table.c.safety_stock,
        positions_table.c.reorder_point,
        positions_table.c.max_level,
    )
    .where(positions_table.c.tenant_id == sa.bindparam("tenant"))
    .order_by(positions_table.c.sku, positions_table.c.location)
)
_SKU_POSITIONS: Final = _ALL_POSITIONS.where(positions_table.c.sku == sa.bindparam("sku"))
_SKUS_POSITIONS: Final = _ALL_POSITIONS.where(
    positions_table.c.sku.in_(sa.bindparam("skus", expanding=True))
)


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
            raise RuleViolation(
                STOCK_RESERVATION_INVALID, params={"reason": "SKU and location must not be empty"}
            )
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

    # ---------------------------------------------------------------- reading

    def position(self, sku: str, location: str) -> StockPosition:
        """The current position (all zero if never seen)."""
        p = positions_table.c
        row = self._connection.execute(
            sa.select(p.on_hand, p.reserved, p.safety_stock, p.reorder_point, p.max_level).where(
                *self._key(sku, location)
            )
        ).one_or_none()
        return StockPosition(sku, location) if row is None else self._position(sku, location, row)

    def positions(self, *, sku: str | None = None) -> tuple[StockPosition, ...]:
        """Every known position (of one SKU if given), sorted by SKU then location."""
        if sku is None:
            rows = self._connection.execute(_ALL_POSITIONS, {"tenant": self._tenant})
        else:
            rows = self._connection.execute(_SKU_POSITIONS, {"tenant": self._tenant, "sku": sku})
        return tuple(self._position(row.sku, row.location, row) for row in rows)

    def available(self, sku: str, *, allow_safety_stock: bool = False) -> Decimal:
        """Total quantity of ``sku`` a reservation could take now."""
        positions = self.positions(sku=sku)
        return sum((p.available_to(allow_safety_stock=allow_safety_stock) for p in positions), ZERO)

    def available_many(
        self, skus: Iterable[str], *, allow_safety_stock: bool = False
    ) -> dict[str, Decimal]:
        """What :meth:`available` answers for each SKU, in one statement.

        (:class:`~salesorder.ports.StockAvailability`: the service's stock rule asks it
        for every SKU of an order at once.)
        """
        wanted = sorted(set(skus))
        totals = dict.fromkeys(wanted, ZERO)
        if not wanted:
            return totals
        rows = self._connection.execute(_SKUS_POSITIONS, {"tenant": self._tenant, "skus": wanted})
        for row in rows:
            position = self._position(row.sku, row.location, row)
            totals[row.sku] += position.available_to(allow_safety_stock=allow_safety_stock)
        return totals

    def _load(self, reservation_id: str) -> StoredReservation:
        r = reservations_table.c
        row = self._connection.execute(
            sa.select(r.document, r.version).where(
                r.tenant_id == self._tenant, r.reservation_id == reservation_id
            )
        ).one_or_none()
        if row is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        return StoredReservation.load(row.document, row.version)

    def _reservation_exists(self, reservation_id: str) -> bool:
        r = reservations_table.c
        found = self._connection.execute(
            sa.select(r.reservation_id).where(
                r.tenant_id == self._tenant, r.reservation_id == reservation_id
            )
        ).first()
        return found is not None

    def reservation(self, reservation_id: str) -> Reservation:
        """The current state of a reservation (NotFound if unknown)."""
        return self._load(reservation_id).public(reservation_id)

    def reservations(self, *, order_id: str | None = None) -> tuple[Reservation, ...]:
        """Every reservation (of one order if given), in creation order."""
        r = reservations_table.c
        query = sa.select(r.reservation_id, r.document, r.version).where(
            r.tenant_id == self._tenant
        )
        if order_id is not None:
            query = query.where(r.order_id == order_id)
        rows = self._connection.execute(query.order_by(r.seq))
        return tuple(
            StoredReservation.load(row.document, row.version).public(row.reservation_id)
            for row in rows
        )

    def movements(self) -> tuple[Movement, ...]:
        """The journal, oldest first (``sequence`` counts from 0 per tenant)."""
        m = movements_table.c
        rows = self._connection.execute(
            sa.select(movements_table).where(m.tenant_id == self._tenant).order_by(m.seq)
        )
        return tuple(
            Movement(
                sequence=i,
                kind=MovementKind(row.kind),
                sku=row.sku,
                location=row.location,
                on_hand_delta=row.on_hand_delta,
                reserved_delta=row.reserved_delta,
                order_id=row.order_id,
                reservation_id=row.reservation_id,
                operation_id=row.operation_id,
                actor=row.actor,
                reason=row.reason,
                at=datetime.fromisoformat(row.at),
            )
            for i, row in enumerate(rows)
        )

    def _rebuild(self, column: sa.Column[Decimal]) -> dict[tuple[str, str], Decimal]:
        p, m = positions_table.c, movements_table.c
        totals = {
            (row.sku, row.location): ZERO
            for row in self._connection.execute(
                sa.select(p.sku, p.location).where(p.tenant_id == self._tenant)
            )
        }
        rows = self._connection.execute(
            sa.select(m.sku, m.location, sa.func.sum(column).label("total"))
            .where(m.tenant_id == self._tenant)
            .group_by(m.sku, m.location)
        )
        for row in rows:
            totals[(row.sku, row.location)] = row.total
        return totals

    def rebuild_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """On hand per (SKU, location) recomputed from the journal alone."""
        return self._rebuild(movements_table.c.on_hand_delta)

    def rebuild_reserved(self) -> dict[tuple[str, str], Decimal]:
        """Reserved per (SKU, location) recomputed from the journal alone."""
        return self._rebuild(movements_table.c.reserved_delta)

    def drain_events(self) -> list[DomainEvent]:
        """Hand out (and delete) the events recorded since the last drain, oldest first.

        ``DELETE ... RETURNING``: two concurrent drains never hand out the same event.
        """
        e = stock_events_table.c
        rows = self._connection.execute(
            stock_events_table.delete()
            .where(e.tenant_id == self._tenant)
            .returning(e.seq, e.payload)
        ).all()
        types = event_types()
        events: list[DomainEvent] = []
        for row in sorted(rows, key=lambda row: row.seq):
            data = json.loads(row.payload)
            events.append(decode(types[data["type"]], data))
        return events

    # ---------------------------------------------------------------- configuration

    def set_levels(
        self,
        sku: str,
        location: str,
        *,
        safety_stock: Decimal | int | str | None = None,
        reorder_point: Decimal | int | str | None = None,
        max_level: Decimal | int | str | None = None,
    ) -> StockPosition:
        """Set safety stock, reorder point and maximum level (None keeps the value).

        Raises:
            InvalidQuantity: for a negative or non-numeric level.
        """
        fit(sku, SKU_BOUND)
        fit(location, LOCATION_BOUND)
        values: dict[str, Decimal] = {}
        for name, value in (
            ("safety_stock", safety_stock),
            ("reorder_point", reorder_point),
            ("max_level", max_level),
        ):
            if value is not None:
                values[name] = stored_quantity(to_quantity(value, what=name), what=name)
        with self._guard("set_levels"):
            self._ensure(sku, location)
            if values:
                self._connection.execute(
                    positions_table.update().where(*self._key(sku, location)).values(**values)
                )
            return self.position(sku, location)

    # ---------------------------------------------------------------- on hand

    def _apply_on_hand(
        self, change: OnHandChange, *, operation_id: str, at: datetime, actor: str | None
    ) -> dict[str, Any]:
        """Apply a kernel decision on on hand: one conditional update per move, in key order.

        Returns:
            The row after the change, per location.
        """
        rows: dict[str, Any] = {}
        for move in sorted(change.moves, key=lambda m: m.location):
            sku, location = move.sku, move.location
            if move.requires_free is not None:
                # OnHandMove.requires_free as a condition of the update: free >= it.
                row = self._change(
                    sku, location, on_hand=move.delta, condition="free", limit=move.requires_free
                )
                if row is None:
                    move.check_free(self.position(sku, location).free)
                    raise Stale  # pragma: no cover - the row changed between the two
            elif move.expects_on_hand is not None:
                # A count: conditional on the on hand it was decided on.
                row = self._change(
                    sku,
                    location,
                    on_hand=move.delta,
                    condition="count",
                    limit=move.expects_on_hand + move.delta,
                    before=move.expects_on_hand,
                    create=not move.expects_on_hand,
                )
                if row is None:
                    raise Stale
            else:
                row = self._change(sku, location, on_hand=move.delta, create=True)
                if row is None:  # pragma: no cover - positions are never deleted
                    raise Stale
            rows[location] = row
        self._journal(
            [
                self._movement(
                    move.kind,
                    move.sku,
                    move.location,
                    move.delta,
                    ZERO,
                    operation_id=operation_id,
                    at=at,
                    order_id=change.order_id,
                    actor=actor,
                    reason=change.reason,
                )
                for move in change.moves
            ]
        )
        events: list[DomainEvent] = [change.event]
        for move in change.moves:
            row = rows[move.location]
            on_hand_before = row.on_hand - move.delta
            free_before = on_hand_before - row.reserved
            events += falling_stock_alerts(move.sku, move.location, row, free_before, at)
            events += excess_stock_alerts(move.sku, move.location, row, on_hand_before, at)
        self._emit(events)
        return rows

    def _increase(
        self, change: OnHandChange, *, operation_id: str, at: datetime, actor: str | None
    ) -> tuple[Any, StockPosition]:
        (move,) = change.moves
        rows = self._apply_on_hand(change, operation_id=operation_id, at=at, actor=actor)
        position = self._position(move.sku, move.location, rows[move.location])
        return position_document(position), position

    def receive(
        self,
        sku: str,
        location: str,
        *,
        quantity: Decimal | int | str,
        operation_id: str,
        at: datetime,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StockPosition:
        """Goods arrive: on hand goes up (see :meth:`StockLedger.receive`)."""
        fit_move(sku, location, operation_id, actor)
        fit(reason, REASON_BOUND)
        q = positive_stored_quantity(quantity)
        return self._once(
            "receive",
            operation_id,
            ("receive", sku, location, quantity_text(q)),
            lambda: self._increase(
                decide_receipt(sku, location, q, at=at, reason=reason),
                operation_id=operation_id,
                at=at,
                actor=actor,
            ),
            position_from,
        )

    def restock(
        self,
        sku: str,
        location: str,
        *,
        quantity: Decimal | int | str,
        operation_id: str,
        at: datetime,
        order_id: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StockPosition:
        """Returned goods go back on hand (see :meth:`StockLedger.restock`)."""
        fit_move(sku, location, operation_id, actor)
        fit(order_id, ORDER_ID_BOUND)
        fit(reason, REASON_BOUND)
        q = positive_stored_quantity(quantity)
        return self._once(
            "restock",
            operation_id,
            ("restock", sku, location, quantity_text(q), order_id),
            lambda: self._increase(
                decide_restock(sku, location, q, at=at, order_id=order_id, reason=reason),
                operation_id=operation_id,
                at=at,
                actor=actor,
            ),
            position_from,
        )

    def adjust(
        self,
        sku: str,
        location: str,
        *,
        counted: Decimal | int | str,
        reason: str,
        operation_id: str,
        at: datetime,
        actor: str | None = None,
    ) -> StockPosition:
        """Set on hand to a counted quantity, never below reserved (see :meth:`StockLedger.adjust`).

        Raises:
            RuleViolation: ``stock.adjust.below_reserved`` if the count is below reserved.
        """
        fit_move(sku, location, operation_id, actor)
        fit(reason, REASON_BOUND)
        q = stored_quantity(to_quantity(counted, what="counted"), what="counted")

        def work() -> tuple[Any, StockPosition]:
            change = decide_count(self.position(sku, location), q, at=at, reason=reason)
            rows = self._apply_on_hand(change, operation_id=operation_id, at=at, actor=actor)
            position = self._position(sku, location, rows[location])
            return position_document(position), position

        fingerprint = ("adjust", sku, location, quantity_text(q), reason)
        return self._once("adjust", operation_id, fingerprint, work, position_from)

    def transfer(
        self,
        sku: str,
        *,
        source: str,
        destination: str,
        quantity: Decimal | int | str,
        operation_id: str,
        at: datetime,
        actor: str | None = None,
        reason: str | None = None,
    ) -> tuple[StockPosition, StockPosition]:
        """Move unreserved stock between two locations (see :meth:`StockLedger.transfer`).

        Raises:
            InsufficientStock: if the source has less unreserved stock than asked.
            RuleViolation: ``stock.transfer.same_location`` when source is destination.
        """
        fit_move(sku, source, operation_id, actor)
        fit(destination, LOCATION_BOUND)
        fit(reason, REASON_BOUND)
        q = positive_stored_quantity(quantity)

        def work() -> tuple[Any, tuple[StockPosition, StockPosition]]:
            change = decide_transfer(
                sku, source=source, destination=destination, quantity=q, at=at, reason=reason
            )
            rows = self._apply_on_hand(change, operation_id=operation_id, at=at, actor=actor)
            result = (
                self._position(sku, source, rows[source]),
                self._position(sku, destination, rows[destination]),
            )
            return [position_document(r) for r in result], result

        return self._once(
            "transfer",
            operation_id,
            ("transfer", sku, source, destination, quantity_text(q)),
            work,
            lambda docs: (position_from(docs[0]), position_from(docs[1])),
        )


def positive_stored_quantity(value: object) -> Decimal:
    """A positive quantity the columns can store exactly."""
    number = stored_quantity(to_quantity(value))
    if not number:
        raise InvalidQuantity(params={"what": "quantity", "reason": "must be positive"})
    return number
