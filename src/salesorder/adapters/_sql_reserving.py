"""The SQL stock store's reservations: planning, the location memo, and two ways to write.

Private to [SqlStockStore][salesorder.adapters.sql.SqlStockStore] (see
``_sql_stock_reads`` for how the store is layered). A reservation is written in one
PostgreSQL statement (data-modifying CTEs) or in SQLite statements with their own undo
(see the invariants in ``_sql_stock``); the planning read is skipped for SKUs the
location memo knows at exactly one location.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from salesorder.adapters._sql_stock_on_hand import SqlOnHandStore
from salesorder.adapters._sql_stock_tables import (
    DEFAULT_STRATEGY,
    MEMO_LIMIT,
    ONE_STATEMENT_ROWS,
    PLANNED,
    PLANNED_LOCKED,
    SQLITE_GIVE_BACK,
    SQLITE_RECORD,
    SQLITE_RESERVATION,
    SQLITE_TAKE,
    SQLITE_UNRECORD,
    ZERO,
    NewReservation,
    PositionRow,
    Replay,
    Stale,
    StoredReservation,
    compact_json,
    expiry_key,
    fit_reserve,
    from_millionths,
    iso_or_none,
    pg_reserve,
    pg_unreserve,
    quantity_text,
    reservation_document,
    reservation_from,
    reservations_table,
    sqlite_events,
    sqlite_journal,
    stock_events_table,
    stored_quantity,
    to_millionths,
    totals_by_position,
)
from salesorder.codec import encode
from salesorder.errors import (
    RuleViolation,
    SalesOrderError,
)
from salesorder.events import DomainEvent

# The stock kernel: every stock rule (see its docstring); this store applies them.
from salesorder.inventory import (
    STOCK_RESERVATION_DUPLICATE,
    AllocationStrategy,
    MovementKind,
    Reservation,
    ReservationLine,
    decide_reservation,
    falling_stock_alerts,
    is_default_strategy,
    plan_allocation,
    reservation_demand,
)

__all__ = ["SqlReservingStore"]


class SqlReservingStore(SqlOnHandStore):
    """Reserve stock for an order's lines, across locations, with backorders."""

    def _served(
        self,
        demand: Mapping[str, Decimal],
        strategy: AllocationStrategy | None,
        *,
        allow_safety_stock: bool,
        allow_backorder: bool,
    ) -> dict[str, list[tuple[str, Decimal]]]:
        """Plan ``demand`` on the positions as they are now (the ledger's planning)."""
        planned = PLANNED_LOCKED if self._one_statement else PLANNED
        rows = self._connection.execute(planned, {"t": self._tenant, "skus": sorted(demand)})
        available: dict[str, dict[str, Decimal]] = {sku: {} for sku in demand}
        locations: dict[str, list[str]] = {sku: [] for sku in demand}
        for row in rows:
            locations[row.sku].append(row.location)
            free = row.on_hand - row.reserved
            if not allow_safety_stock:
                free -= row.safety_stock
            if free > 0:
                available[row.sku][row.location] = free
        self._remember(locations)
        plan = plan_allocation(
            demand,
            available,
            strategy=DEFAULT_STRATEGY if strategy is None else strategy,
            allow_backorder=allow_backorder,
        )
        served: dict[str, list[tuple[str, Decimal]]] = {}
        for a in plan.allocations:
            served.setdefault(a.sku, []).append((a.location, a.quantity))
        return served

    def _remember(self, locations: Mapping[str, list[str]]) -> None:
        """Note which SKUs have exactly one position (the memo is a hint, never trusted)."""
        memo = self._memo
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        for sku, found in locations.items():
            if len(found) == 1:
                memo[sku] = found[0]
            else:
                memo.pop(sku, None)

    def _single_locations(self, demand: Mapping[str, Decimal]) -> dict[str, str] | None:
        """The one location of every demanded SKU if the memo knows them all, else None."""
        found: dict[str, str] = {}
        for sku in demand:
            location = self._memo.get(sku)
            if location is None:
                return None
            found[sku] = location
        return found

    def _reserve_rows(
        self,
        taken: Iterable[tuple[str, str, Decimal]],
        *,
        allow_safety_stock: bool,
        at: datetime,
    ) -> list[DomainEvent]:
        """Reserve each (SKU, location) total by one conditional update, in key order."""
        alerts: list[DomainEvent] = []
        condition = "free" if allow_safety_stock else "available"
        for (sku, location), q in totals_by_position(taken).items():
            row = self._change(sku, location, reserved=q, condition=condition, limit=q)
            if row is None:
                raise Stale  # someone took it since the plan: re-plan.
            alerts += falling_stock_alerts(sku, location, row, row.on_hand - row.reserved + q, at)
        return alerts

    def _release_rows(self, taken: Iterable[tuple[str, str, Decimal]], *, ship: bool) -> None:
        """Give back (or ship) each (SKU, location) total by one conditional update."""
        for (sku, location), q in totals_by_position(taken).items():
            row = self._change(
                sku,
                location,
                on_hand=-q if ship else ZERO,
                reserved=-q,
                condition="reserved",
                limit=q,
            )
            if row is None:  # pragma: no cover - the reservation row guards its stock
                raise Stale

    def _save(self, reservation_id: str, state: StoredReservation) -> None:
        """Store a changed reservation if nobody changed it since it was read."""
        r = reservations_table.c
        updated = self._connection.execute(
            reservations_table.update()
            .where(
                r.tenant_id == self._tenant,
                r.reservation_id == reservation_id,
                r.version == state.version,
            )
            .values(
                document=compact_json(state.document()),
                is_open=state.is_open,
                version=state.version + 1,
            )
        )
        if updated.rowcount != 1:
            raise Stale

    def reserve(
        self,
        order_id: str,
        lines: Sequence[ReservationLine],
        *,
        operation_id: str,
        at: datetime,
        strategy: AllocationStrategy | None = None,
        allow_backorder: bool = False,
        allow_safety_stock: bool = False,
        expires_at: datetime | None = None,
        reservation_id: str | None = None,
        actor: str | None = None,
    ) -> Reservation:
        """Reserve stock for an order's lines, all or nothing (see :meth:`StockLedger.reserve`).

        Raises:
            InsufficientStock: if a SKU is short and backorders are not allowed.
            RuleViolation: ``stock.reservation.invalid`` for no lines or duplicate line
                ids, ``stock.reservation.duplicate`` for a reused reservation id.
            OperationConflict: if the operation id was used for something else.
            ConcurrencyConflict: ``concurrency.conflict`` if the stock kept changing.
        """
        rid = operation_id if reservation_id is None else reservation_id
        fit_reserve(order_id, lines, reservation_id=rid, operation_id=operation_id, actor=actor)
        chosen = None if is_default_strategy(strategy) else strategy
        if chosen is None:
            chosen = self._default_strategy
        request = tuple((ln.line_id, ln.sku, stored_quantity(ln.quantity)) for ln in lines)
        fingerprint = [
            "reserve",
            order_id,
            None if chosen is None else repr(chosen),
            allow_backorder,
            allow_safety_stock,
            iso_or_none(expires_at),
            rid,
            *(x for line_id, sku, q in request for x in (line_id, sku, quantity_text(q))),
        ]

        def plan() -> tuple[dict[str, list[tuple[str, Decimal]]], bool]:
            demand = reservation_demand(request)
            # SKUs at one location, with the default strategy: the plan is "all of it
            # there" if the stock is there, which the write itself checks.
            single = (
                self._single_locations(demand)
                if chosen is None and len(demand) <= ONE_STATEMENT_ROWS
                else None
            )
            if single is not None:
                return {sku: [(single[sku], q)] for sku, q in demand.items()}, True
            served = self._served(
                demand,
                chosen,
                allow_safety_stock=allow_safety_stock,
                allow_backorder=allow_backorder,
            )
            return served, False

        def work() -> tuple[Any, Reservation]:
            try:
                served, unplanned = plan()
            except SalesOrderError:
                # The ledger refuses a reused reservation id before it looks at the
                # lines or the stock; the write only finds it later, so look here
                # (on the refusal path only: a success costs no extra statement).
                if self._reservation_exists(rid):
                    raise RuleViolation(
                        STOCK_RESERVATION_DUPLICATE, params={"reservation_id": rid}
                    ) from None
                raise
            change = decide_reservation(
                rid, order_id, request, served, at=at, expires_at=expires_at
            )
            state = StoredReservation(
                order_id=order_id,
                created_at=at,
                expires_at=expires_at,
                expired=False,
                lines=change.state[4],
            )
            taken = list(change.taken)
            new = NewReservation(
                reservation_id=rid,
                operation_id=operation_id,
                state=state,
                taken=taken,
                event=change.events[0],
                document=reservation_document(rid, state),
                at=at,
                actor=actor,
                allow_safety_stock=allow_safety_stock,
                unplanned=unplanned,
            )
            if len(taken) > ONE_STATEMENT_ROWS:
                # Too big for one statement's parameters: statement by statement, in a
                # savepoint (never planned from the memo, see plan()).
                with self._connection.begin_nested():
                    self._write_reservation(new)
            elif self._one_statement:
                self._reserve_at_once(new)
            else:
                self._reserve_in_steps(new)
            return new.document, state.public(rid)

        return self._once(
            "reserve", operation_id, fingerprint, work, reservation_from, records_itself=True
        )

    def _write_reservation(self, new: NewReservation) -> None:
        """Write a planned reservation statement by statement, the record last."""
        reservation_id, operation_id, at = new.reservation_id, new.operation_id, new.at
        self._insert_reservation(reservation_id, new.state)
        alerts = self._reserve_rows(new.taken, allow_safety_stock=new.allow_safety_stock, at=at)
        self._journal_reserved(
            new.taken,
            operation_id=operation_id,
            at=at,
            order_id=new.state.order_id,
            reservation_id=reservation_id,
            actor=new.actor,
        )
        self._emit([new.event, *alerts])
        if not self._record(operation_id, self._fingerprint, compact_json(new.document)):
            raise Replay

    def _journal_reserved(
        self,
        taken: Iterable[tuple[str, str, Decimal]],
        *,
        operation_id: str,
        at: datetime,
        order_id: str,
        reservation_id: str,
        actor: str | None,
    ) -> None:
        """Queue a ``reserved`` journal row per (SKU, location, quantity) taken."""
        self._journal(
            [
                self._movement(
                    MovementKind.RESERVED,
                    sku,
                    location,
                    ZERO,
                    q,
                    operation_id=operation_id,
                    at=at,
                    order_id=order_id,
                    reservation_id=reservation_id,
                    actor=actor,
                )
                for sku, location, q in taken
            ]
        )

    def _reservation_params(self, new: NewReservation) -> dict[str, Any]:
        """The statement parameters both dialects' reservation writes share."""
        state, document = new.state, new.document
        return {
            "t": self._tenant,
            "o": new.operation_id,
            "r": new.reservation_id,
            "order": state.order_id,
            "expires": None if state.expires_at is None else expiry_key(state.expires_at),
            "open": state.is_open,
            "document": compact_json({k: v for k, v in document.items() if k != "id"}),
            "fingerprint": self._fingerprint,
            "result": compact_json(document),
            "kind": MovementKind.RESERVED.value,
            "actor": new.actor,
            "at": new.at.isoformat(),
        }

    def _reserve_at_once(self, new: NewReservation) -> None:
        """Write a reservation in one statement (PostgreSQL, see ``pg_reserve``).

        Planned: the plan was read with its rows locked (``_served``), so the updates
        find the stock the plan saw; the statement is still conditional, never
        trusting that. ``unplanned``: every SKU is taken whole from the one location
        the memo knows; the statement also checks that it is still the SKU's only
        position, and a miss forgets the memo and re-plans.

        Raises:
            Stale: a position did not have the stock (what was taken is given back
                first).
            Replay: the operation id is recorded (before, or concurrently).
            RuleViolation: ``stock.reservation.duplicate`` for a taken reservation id.
        """
        reservation_id, taken, unplanned = new.reservation_id, new.taken, new.unplanned
        totals = totals_by_position(taken)
        keys = list(totals)
        params = self._reservation_params(new)
        params["event"] = compact_json(encode(new.event))
        for i, key in enumerate(keys):
            params[f"s{i}"], params[f"l{i}"] = key
            params[f"q{i}"] = totals[key]
        for i, (sku, location, q) in enumerate(taken):
            params[f"ms{i}"] = sku
            params[f"ml{i}"] = location
            params[f"mq{i}"] = q
        statement = pg_reserve(
            len(keys),
            len(taken),
            allow_safety_stock=new.allow_safety_stock,
            only_position=unplanned,
        )
        rows = self._connection.exec_driver_sql(statement, params).all()
        outcome = rows[0]
        applied = len(rows) if outcome.k is not None else 0
        if outcome.recorded:
            alerts: list[DomainEvent] = []
            for row, key in zip(rows if keys else (), keys, strict=True):
                after = PositionRow(row)
                free_before = after.on_hand - after.reserved + totals[key]
                alerts += falling_stock_alerts(*key, after, free_before, new.at)
            if alerts:
                self._emit(alerts)
                self._connection.execute(stock_events_table.insert(), self._events)
            return
        # Refused: give back what the statement took (this transaction still holds
        # those rows, so the undo is exact), then say why.
        if applied:
            self._connection.exec_driver_sql(pg_unreserve(applied), params)
        if outcome.created:
            r = reservations_table.c
            self._connection.execute(
                reservations_table.delete().where(
                    r.tenant_id == self._tenant, r.reservation_id == reservation_id
                )
            )
        if outcome.seen:
            raise Replay
        if applied < len(keys):
            if not unplanned:  # pragma: no cover - the plan's rows are locked
                raise Stale
            self._memo.pop(keys[applied][0], None)
            raise Stale  # the memo was out of date, or the stock is short: plan.
        if outcome.created:
            raise Replay  # recorded by a concurrent call that committed first
        raise RuleViolation(STOCK_RESERVATION_DUPLICATE, params={"reservation_id": reservation_id})

    def _reserve_in_steps(self, new: NewReservation) -> None:
        """Write a reservation on SQLite: one statement per table, no savepoint.

        SQLite has one writer: from its first write on, this transaction holds the
        database's write lock, so nothing changes under it and giving back what a
        refused attempt took is exact. The record goes first (a replay then costs one
        statement and nothing to undo), then the conditional updates in key order
        (``unplanned``: each also requires its position to be the SKU's only one), the
        reservation row, and the journal rows and events, which nothing refuses.

        Raises:
            Stale: a position did not have the stock (the memo is forgotten).
            Replay: the operation id is recorded.
            RuleViolation: ``stock.reservation.duplicate`` for a taken reservation id.
        """
        execute = self._connection.exec_driver_sql
        params = self._reservation_params(new)
        if execute(SQLITE_RECORD, params).first() is None:
            raise Replay
        take = SQLITE_TAKE[(new.allow_safety_stock, new.unplanned)]
        applied: list[dict[str, Any]] = []
        alerts: list[DomainEvent] = []
        for (sku, location), q in totals_by_position(new.taken).items():
            key = {"t": self._tenant, "s": sku, "l": location, "q": to_millionths(q)}
            row = execute(take, key).first()
            if row is None:
                self._give_back_steps(applied, params)
                # Short, or the memo is out of date (or, in a transaction the host
                # began, the plan): plan again on the rows as they are now.
                self._memo.pop(sku, None)
                raise Stale
            applied.append(key)
            after = PositionRow(row, from_millionths)
            free_before = after.on_hand - after.reserved + q
            alerts += falling_stock_alerts(sku, location, after, free_before, new.at)
        if execute(SQLITE_RESERVATION, params).first() is None:
            self._give_back_steps(applied, params)
            raise RuleViolation(
                STOCK_RESERVATION_DUPLICATE, params={"reservation_id": new.reservation_id}
            )
        for i, (sku, location, q) in enumerate(new.taken):
            params[f"ms{i}"] = sku
            params[f"ml{i}"] = location
            params[f"mq{i}"] = to_millionths(q)
        if new.taken:
            execute(sqlite_journal(len(new.taken)), params)
        events = [new.event, *alerts]
        payloads = {f"e{i}": compact_json(encode(event)) for i, event in enumerate(events)}
        execute(sqlite_events(len(events)), {"t": self._tenant, **payloads})

    def _give_back_steps(self, applied: list[dict[str, Any]], params: dict[str, Any]) -> None:
        """Undo a refused ``_reserve_in_steps``: its updates and its record."""
        for key in applied:
            self._connection.exec_driver_sql(SQLITE_GIVE_BACK, key)
        self._connection.exec_driver_sql(SQLITE_UNRECORD, params)

    def _insert_reservation(self, reservation_id: str, state: StoredReservation) -> None:
        row = {
            "tenant_id": self._tenant,
            "reservation_id": reservation_id,
            "order_id": state.order_id,
            "expires_key": None if state.expires_at is None else expiry_key(state.expires_at),
            "is_open": state.is_open,
            "version": 1,
            "document": compact_json(state.document()),
        }
        try:
            # No savepoint of its own: the operation's savepoint rolls the error back.
            self._connection.execute(reservations_table.insert(), row)
        except sa.exc.IntegrityError:
            raise RuleViolation(
                STOCK_RESERVATION_DUPLICATE, params={"reservation_id": reservation_id}
            ) from None
