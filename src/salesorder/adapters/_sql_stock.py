"""SQL stock store: :class:`~salesorder.ports.StockStore` on SQLAlchemy 2 Core.

:class:`SqlStockStore` works on the caller's connection and transaction (the unit of
work commits). Every table is keyed by ``tenant_id``. The semantics are those of
:class:`salesorder.adapters.memory.StockLedger`, and every stock rule is the stock
kernel's (:mod:`salesorder.inventory`): allocation planning (strategies, aggregation
per SKU, shortfalls), distribution to lines, backorder filling, what a release or
shipment takes from which line, transfers, counts and alerts. This store loads what
an operation concerns, asks the kernel, and applies the answer with conditional
statements; where a hot statement must encode a rule (availability in the
conditional ``UPDATE`` of a reservation, free stock in a transfer's), the kernel's
function defines the rule and the statement is its documented application.

Invariants:

* Every change of a position is ONE conditional ``UPDATE`` whose ``WHERE`` clause
  re-checks the condition on the row as it is now (``on_hand - reserved -
  safety_stock >= :q`` for a reservation, ``reserved >= :q`` for a release...), never
  a read-modify-write. "0 rows updated" means the plan is stale: the attempt is
  rolled back to its savepoint and re-planned from fresh rows (bounded), or the
  operation fails with :class:`~salesorder.inventory.InsufficientStock`.
* Positions, reservation, journal rows, events and the idempotency record change
  together or not at all, and a refused operation leaves the caller's transaction
  usable and unchanged. Each operation runs in one SAVEPOINT, except a reservation,
  whose store undoes what it took when a later step refuses — exact, since the
  transaction still holds those rows (PostgreSQL) or the database's one write lock
  (SQLite). On PostgreSQL the reservation is one statement (data-modifying CTEs
  chained so that each step runs only if the one before succeeded); on SQLite one
  driver-SQL statement per table. That saves the SAVEPOINT and RELEASE round trips.
* Rows are locked in one global order — existing reservation rows, positions sorted
  by (SKU, location), then new rows (a new reservation, the operation record), which
  nobody else can hold — so two operations cannot deadlock each other. On
  PostgreSQL a reservation plans on rows it locks (``FOR UPDATE`` in that order), so
  its plan cannot go stale. (SQLite locks the whole database for its one writer, so
  the order is moot there: a SQLite reservation writes its new record first.) A
  reservation row carries a ``version``; its update is conditional too.
* A deadlock with a unit of work that holds other rows (several operations in one
  transaction) is still possible; it becomes ``concurrency.conflict``. Where no
  savepoint protected the transaction, a database error may leave the work
  half-done: PostgreSQL has aborted the transaction, and on SQLite the store marks
  the connection. ``SqlUnitOfWork.commit`` then refuses with
  ``storage.transaction_aborted``, rather than committing half a reservation or
  letting the server turn the COMMIT into a silent rollback.
* The idempotency record is inserted ``ON CONFLICT DO NOTHING`` (last, except in a
  SQLite reservation, where it goes first): a recorded operation id undoes the
  attempt and replays the stored result. Every retryable
  database error (deadlock, serialization failure, busy SQLite file) becomes
  ``concurrency.conflict``.
* ``0 <= reserved <= on_hand`` is also a ``CHECK`` constraint of the table.
* Identifiers and texts longer than their ``VARCHAR`` column are refused with
  ``storage.value_too_long`` before any statement runs (``_sql_schema.fit``).
* Quantities are exact: ``NUMERIC(24, 6)`` on PostgreSQL, integers of millionths on
  SQLite (which has no exact decimal type); more than 6 decimals is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from salesorder.adapters._sql_reserving import SqlReservingStore
from salesorder.adapters._sql_schema import fit
from salesorder.adapters._sql_stock_tables import (
    ACTOR_BOUND,
    LOCATION_BOUND,
    OPERATION_ID_BOUND,
    REASON_BOUND,
    RESERVATION_ID_BOUND,
    ZERO,
    StoredReservation,
    expiry_key,
    reservation_document,
    reservation_from,
    reservations_table,
    stored_quantity,
)
from salesorder.events import DomainEvent

# The stock kernel: every stock rule (see its docstring); this store applies them.
from salesorder.inventory import (
    AllocationStrategy,
    GiveBack,
    Reservation,
    backordered_demand,
    decide_backorder_fill,
    decide_commit,
    decide_expiry,
    decide_release,
    is_default_strategy,
    requested_quantities,
)

__all__ = ["SqlStockStore"]


class SqlStockStore(SqlReservingStore):
    """:class:`~salesorder.ports.StockStore` on one connection (transaction) and tenant.

    The store never commits: the unit of work that owns ``connection`` does. A refused
    operation changes nothing and the transaction goes on: each operation runs in a
    savepoint, except a reservation, which the store undoes itself (see the module
    docstring). An error that is not a refusal (a database error, any exception)
    may leave a reservation half-written: roll the transaction back.
    :class:`~salesorder.adapters.sql.SqlUnitOfWork` refuses to commit it
    (``storage.transaction_aborted``); a host that owns the connection must not
    commit it either.

    Args:
        connection: An open connection inside a transaction.
        tenant_id: Tenant whose stock this store reads and writes.
        default_strategy: Strategy used when ``reserve`` is given none (default:
            :class:`~salesorder.inventory.FixedPriority` in location name order).
        attempts: How many times a stale plan is re-made before
            :class:`~salesorder.errors.ConcurrencyConflict` (``concurrency.conflict``).
        location_memo: Where to remember, across units of work, the SKUs stocked at
            exactly one location (SKU to location). A reservation of such SKUs with
            the default strategy skips the planning read: its conditional updates
            check the memo against the rows (still one location, enough free stock)
            and it falls back to planning when the memo is out of date. Share one
            dict per database and tenant (:class:`SqlDatabase` does); default: a new
            one for this store.

    The store is built in layers, one per family of operations: plumbing
    (``SqlStockBase``), reads and levels (``SqlStockReads``), on-hand operations
    (``SqlOnHandStore``), reservations (``SqlReservingStore``: the planning read, the
    location memo, and the two ways to write a reservation that the budgets need: one
    PostgreSQL statement, SQLite statements with their own undo), and this class
    (backorder filling, release, commit, expiry). The stock rules are not here: each
    operation asks the kernel (``salesorder.inventory``) and applies its answer; tables
    and prepared statements are in ``_sql_stock_tables``.

    Every writing operation also raises
    :class:`~salesorder.errors.RuleViolation` ``storage.value_too_long`` (having
    written nothing) for a SKU, location, order id, reservation id, operation id,
    actor or reason longer than its column; so does a tenant id too long here.
    """

    def fill_backorders(
        self,
        reservation_id: str,
        *,
        operation_id: str,
        at: datetime,
        strategy: AllocationStrategy | None = None,
        allow_safety_stock: bool = False,
        actor: str | None = None,
    ) -> Reservation:
        """Allocate newly available stock to backordered lines (as the ledger does).

        Raises:
            NotFound: if there is no such reservation.
            OperationConflict: if the operation id was used for something else.
        """
        fit(reservation_id, RESERVATION_ID_BOUND)
        fit(operation_id, OPERATION_ID_BOUND)
        fit(actor, ACTOR_BOUND)
        chosen = self._default_strategy if is_default_strategy(strategy) else strategy
        fingerprint = [
            "fill_backorders",
            reservation_id,
            None if chosen is None else repr(chosen),
            allow_safety_stock,
        ]

        def work() -> tuple[Any, Reservation]:
            state = self._load(reservation_id)
            _, demand = backordered_demand(state.lines)
            served = (
                self._served(
                    demand, chosen, allow_safety_stock=allow_safety_stock, allow_backorder=True
                )
                if demand
                else {}
            )
            change = decide_backorder_fill(reservation_id, state.state, served, at=at)
            state.take_state(change.state)
            self._save(reservation_id, state)
            taken = list(change.taken)
            alerts = self._reserve_rows(taken, allow_safety_stock=allow_safety_stock, at=at)
            if taken:
                self._journal_reserved(
                    taken,
                    operation_id=operation_id,
                    at=at,
                    order_id=state.order_id,
                    reservation_id=reservation_id,
                    actor=actor,
                )
            self._emit([*change.events, *alerts])
            return reservation_document(reservation_id, state), state.public(reservation_id)

        return self._once("fill_backorders", operation_id, fingerprint, work, reservation_from)

    def _give_back(
        self,
        reservation_id: str,
        *,
        operation_id: str,
        at: datetime,
        lines: Mapping[str, Decimal | int | str] | None,
        ship: bool,
        location: str | None,
        actor: str | None,
        reason: str | None,
    ) -> tuple[Any, Reservation]:
        """Release or ship: the kernel decides, then the reservation row, then the positions."""
        state = self._load(reservation_id)
        wanted = _stored_request(requested_quantities(state.lines, lines))
        change = (
            decide_commit(reservation_id, state.state, wanted, at=at, location=location)
            if ship
            else decide_release(reservation_id, state.state, wanted, at=at, reason=reason)
        )
        state.take_state(change.state)
        self._save(reservation_id, state)
        self._release_rows(change.taken, ship=change.ships)
        if change.taken:
            self._journal(
                self._give_back_movements(
                    reservation_id,
                    state.order_id,
                    change,
                    operation_id=operation_id,
                    at=at,
                    actor=actor,
                )
            )
        self._emit([change.event])
        return reservation_document(reservation_id, state), state.public(reservation_id)

    def _give_back_movements(
        self,
        reservation_id: str,
        order_id: str,
        change: GiveBack,
        *,
        operation_id: str,
        at: datetime,
        actor: str | None,
    ) -> list[dict[str, Any]]:
        """The journal rows of a kernel's release, shipment or expiry decision."""
        return [
            self._movement(
                change.kind,
                sku,
                location,
                -q if change.ships else ZERO,
                -q,
                operation_id=operation_id,
                at=at,
                order_id=order_id,
                reservation_id=reservation_id,
                actor=actor,
                reason=change.reason,
            )
            for sku, location, q in change.taken
        ]

    def release(
        self,
        reservation_id: str,
        *,
        operation_id: str,
        at: datetime,
        lines: Mapping[str, Decimal | int | str] | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> Reservation:
        """Give reserved (or backordered) quantity back, all or per line.

        Raises:
            NotFound: for an unknown reservation or line.
            RuleViolation: ``stock.reservation.exceeded`` when releasing more than is
                outstanding.
            OperationConflict: if the operation id was used for something else.
        """
        fit(reservation_id, RESERVATION_ID_BOUND)
        fit(operation_id, OPERATION_ID_BOUND)
        fit(actor, ACTOR_BOUND)
        fit(reason, REASON_BOUND)
        fingerprint = ["release", reservation_id, _request(lines)]
        return self._once(
            "release",
            operation_id,
            fingerprint,
            lambda: self._give_back(
                reservation_id,
                operation_id=operation_id,
                at=at,
                lines=lines,
                ship=False,
                location=None,
                actor=actor,
                reason=reason,
            ),
            reservation_from,
        )

    def commit(
        self,
        reservation_id: str,
        *,
        operation_id: str,
        at: datetime,
        lines: Mapping[str, Decimal | int | str] | None = None,
        location: str | None = None,
        actor: str | None = None,
    ) -> Reservation:
        """Ship reserved stock: on hand and reserved both go down.

        Raises:
            NotFound: for an unknown reservation or line.
            RuleViolation: ``stock.reservation.exceeded`` when shipping more than is
                allocated.
            OperationConflict: if the operation id was used for something else.
        """
        fit(reservation_id, RESERVATION_ID_BOUND)
        fit(operation_id, OPERATION_ID_BOUND)
        fit(location, LOCATION_BOUND)
        fit(actor, ACTOR_BOUND)
        fingerprint = ["commit", reservation_id, location, _request(lines)]
        return self._once(
            "commit",
            operation_id,
            fingerprint,
            lambda: self._give_back(
                reservation_id,
                operation_id=operation_id,
                at=at,
                lines=lines,
                ship=True,
                location=location,
                actor=actor,
                reason=None,
            ),
            reservation_from,
        )

    def expire(
        self, now: datetime, *, operation_id: str | None = None, actor: str | None = None
    ) -> tuple[Reservation, ...]:
        """Release every open reservation whose expiry is at or before ``now``.

        Reservation rows are updated first (creation order), then the positions in
        (SKU, location) order, as everywhere else.

        Raises:
            OperationConflict: if the operation id was used for something else.
        """
        op = f"expire:{now.isoformat()}" if operation_id is None else operation_id
        fit(op, OPERATION_ID_BOUND)
        fit(actor, ACTOR_BOUND)
        r = reservations_table.c

        def work() -> tuple[Any, tuple[Reservation, ...]]:
            rows = self._connection.execute(
                sa.select(r.reservation_id, r.document, r.version)
                .where(
                    r.tenant_id == self._tenant,
                    r.is_open.is_(True),
                    r.expires_key <= expiry_key(now),
                )
                .order_by(r.seq)
            ).all()
            freed_all: list[tuple[str, str, Decimal]] = []
            journal: list[dict[str, Any]] = []
            events: list[DomainEvent] = []
            expired: list[tuple[str, StoredReservation]] = []
            for row in rows:
                state = StoredReservation.load(row.document, row.version)
                change = decide_expiry(row.reservation_id, state.state, now=now)
                state.take_state(change.state)
                self._save(row.reservation_id, state)
                freed_all += change.taken
                journal += self._give_back_movements(
                    row.reservation_id, state.order_id, change, operation_id=op, at=now, actor=actor
                )
                events.append(change.event)
                expired.append((row.reservation_id, state))
            self._release_rows(freed_all, ship=False)
            if journal:
                self._journal(journal)
            self._emit(events)
            return (
                [reservation_document(rid, state) for rid, state in expired],
                tuple(state.public(rid) for rid, state in expired),
            )

        return self._once(
            "expire",
            op,
            ["expire", now.isoformat()],
            work,
            lambda docs: tuple(reservation_from(d) for d in docs),
        )


def _stored_request(wanted: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
    """Checked per-line quantities, refused if a column cannot store them exactly."""
    if wanted is None:
        return None
    return {line_id: stored_quantity(quantity) for line_id, quantity in wanted.items()}


def _request(lines: Mapping[str, Decimal | int | str] | None) -> list[str] | None:
    """Per-line quantities in a canonical order, for a fingerprint."""
    if lines is None:
        return None
    return [x for k, v in sorted(lines.items()) for x in (k, str(v))]
