"""The in-memory stock store's engine: :class:`StockLedger`, applying the stock kernel.

The rules (what a reservation may take, which line a release or shipment takes from,
when an alert is raised, what a transfer or a count may do) are the pure functions of
:mod:`salesorder.inventory`; this module is storage: where positions and reservations
live, the journal, the pending events, idempotency records and savepoints, and the
hot paths that make the in-memory store fast. Import :class:`StockLedger` from
:mod:`salesorder.adapters.memory` (or the package root).

Invariants (checked after every step by ``tests/property/test_inventory_stateful.py``):

* every invariant of :mod:`salesorder.inventory` holds for the ledger's state;
* on hand and reserved can be rebuilt from the journal at any time
  (:meth:`StockLedger.rebuild_on_hand`, :meth:`StockLedger.rebuild_reserved`);
* repeating an operation id returns the first result and changes nothing;
  repeating it with different arguments raises :class:`OperationConflict`;
* a failed operation changes nothing (no position, journal entry or event);
* :meth:`StockLedger.rollback_to` a savepoint restores exactly the observable state
  at the savepoint (positions, reservations, journal, operation ids, expiry index,
  pending events), at a cost proportional to the changes since.

The ledger is not thread-safe by itself:
:class:`salesorder.adapters.memory.InMemoryStockStore` serialises access to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from salesorder.adapters._memory_ledger_state import (
    CHUNK,
    COMMITTED,
    EXPIRED,
    NO_CELLS,
    RELEASED,
    RESERVED,
    UNDO_EXPIRING,
    UNDO_EXPIRING_ADDED,
    UNDO_RESERVATION,
    ZERO,
    Cell,
    cell_undo,
    commit_fingerprint,
    new_object,
    public_reservation,
    release_fingerprint,
    set_reservation_id,
    set_reservation_state,
)
from salesorder.adapters._memory_stock_on_hand import OnHandLedger
from salesorder.errors import InsufficientStock, NotFound, RuleViolation, Shortfall
from salesorder.inventory import (
    STOCK_POSITION_DUPLICATE,
    STOCK_RESERVATION_DUPLICATE,
    AllocationState,
    AllocationStrategy,
    InvalidQuantity,
    LineState,
    OperationConflict,
    PackedReservation,
    Reservation,
    ReservationLine,
    StockPosition,
    backordered_demand,
    decide_backorder_fill,
    decide_commit,
    decide_expiry,
    decide_release,
    distribute_allocations,
    is_default_strategy,
    pack_reservation,
    plan_allocation,
    requested_quantities,
    reservation_demand,
    reservation_is_open,
    unpack_reservation,
)

__all__ = ["StockLedger"]


class StockLedger(OnHandLedger):
    """Pure, in-memory stock per (SKU, location) with reservations and a journal.

    Not thread-safe on its own; see :class:`salesorder.adapters.memory.InMemoryStockStore`.
    Events are collected as operations happen and handed out by :meth:`drain_events`.
    Storage is :class:`LedgerState`, the on-hand operations :class:`OnHandLedger`.

    Why this class is long (about 900 lines): the reservation operations are the
    library's hot path (``benchmarks/bench_inventory.py`` holds them to at least a
    fifth of a bare dict of counters). ``reserve``, ``release`` and ``commit`` each
    carry an inlined path for the commonest case (one line at one location) next to
    the general path; both apply the same kernel rules, and the property and
    differential tests check that they agree.

    Args:
        default_strategy: Allocation strategy used when ``reserve`` is given none
            (default: :class:`FixedPriority` in location name order).
    """

    __slots__ = ()

    @classmethod
    def from_positions(cls, positions: Iterable[StockPosition], *, at: datetime) -> StockLedger:
        """A ledger whose opening balances are ``positions`` (journalled as receipts).

        Args:
            positions: Positions without reservations (``reserved`` must be 0).
            at: Time of the opening balance.

        Returns:
            The new ledger, with no pending events.

        Raises:
            InvalidQuantity: if a position carries reserved stock.
            RuleViolation: ``stock.position.duplicate`` if a (SKU, location) repeats.
        """
        ledger = cls()
        for p in positions:
            if (p.sku, p.location) in ledger._cells:
                raise RuleViolation(
                    STOCK_POSITION_DUPLICATE, params={"sku": p.sku, "location": p.location}
                )
            if p.reserved:
                raise InvalidQuantity(
                    params={"what": "reserved", "reason": "opening positions cannot be reserved"}
                )
            ledger.set_levels(
                p.sku,
                p.location,
                safety_stock=p.safety_stock,
                reorder_point=p.reorder_point,
                max_level=p.max_level,
            )
            if p.on_hand:
                ledger.receive(
                    p.sku,
                    p.location,
                    quantity=p.on_hand,
                    operation_id=f"opening:{p.sku}:{p.location}",
                    at=at,
                    reason="opening balance",
                )
        ledger._pending.clear()
        ledger._pending_chunks.clear()
        return ledger

    # ---------------------------------------------------------------- reservations

    def _allocate(
        self,
        demand: Mapping[str, Decimal],
        strategy: AllocationStrategy | None,
        *,
        allow_safety_stock: bool,
    ) -> tuple[dict[str, list[AllocationState]], list[Shortfall]]:
        """Serve ``demand`` from current stock; nothing changes here."""
        served: dict[str, list[AllocationState]] = {}
        shortfalls: list[Shortfall] = []
        if strategy is None:
            # The default (fixed priority in name order), inlined: the hot path.
            for sku, quantity in demand.items():
                remaining = quantity
                got: list[AllocationState] = []
                for location, cell in self._locations.get(sku, {}).items():
                    free = cell.on_hand - cell.reserved
                    if not allow_safety_stock:
                        free -= cell.safety_stock
                    if free <= ZERO:
                        continue
                    if free >= remaining:
                        got.append((location, remaining))
                        remaining = ZERO
                        break
                    got.append((location, free))
                    remaining -= free
                served[sku] = got
                if remaining:
                    shortfalls.append(Shortfall(sku, quantity, quantity - remaining))
            return served, shortfalls
        available: dict[str, dict[str, Decimal]] = {}
        for sku in demand:
            here: dict[str, Decimal] = {}
            for location, cell in self._locations.get(sku, {}).items():
                free = cell.on_hand - cell.reserved
                if not allow_safety_stock:
                    free -= cell.safety_stock
                if free > ZERO:
                    here[location] = free
            available[sku] = here
        plan = plan_allocation(demand, available, strategy=strategy, allow_backorder=True)
        for a in plan.allocations:
            served.setdefault(a.sku, []).append((a.location, a.quantity))
        return served, list(plan.shortfalls)

    def _apply_reserve(
        self,
        served: Iterable[tuple[str, Sequence[AllocationState]]],
        *,
        order_id: str,
        reservation_id: str,
        operation_id: str,
        actor: str | None,
        at: datetime,
    ) -> None:
        journal = self._journal
        # Alerts compare each position before and after the whole reservation (a
        # position several allocations share is not judged between them), and come
        # in (SKU, location) order, the SQL store's lock order.
        before: dict[tuple[str, str], Decimal] = {}
        for sku, allocations in served:
            if not allocations:
                continue  # all backordered: the SKU may have no position at all
            cells = self._locations[sku]
            for location, q in allocations:
                cell = cells[location]
                self._touch(cell)
                before.setdefault((sku, location), cell.on_hand - cell.reserved)
                cell.reserved += q
                journal.append(
                    (
                        RESERVED,
                        sku,
                        location,
                        ZERO,
                        q,
                        order_id,
                        reservation_id,
                        operation_id,
                        actor,
                        None,
                        at,
                    )
                )
        for (sku, location), free_before in sorted(before.items()):
            cell = self._locations[sku][location]
            if cell.reorder_point is not None or cell.safety_stock:
                self._alerts(sku, location, cell, free_before, at)

    # The single-line path is inlined on purpose (benchmarks/bench_inventory.py).
    def reserve(  # noqa: PLR0912, PLR0915
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
        """Reserve stock for an order's lines, all or nothing.

        Lines of one SKU are aggregated before the check, so two lines cannot
        together take more than is available.

        Args:
            order_id: The order the stock is for.
            lines: What to reserve; line ids must be unique.
            operation_id: Idempotency key.
            at: When.
            strategy: Which locations to prefer (default: the ledger's default).
            allow_backorder: True records what cannot be served as backordered
                instead of refusing the whole request.
            allow_safety_stock: True lets the reservation dip into safety stock.
            expires_at: When :meth:`expire` may release it; None never.
            reservation_id: Identifier; defaults to ``operation_id``.
            actor: Who.

        Returns:
            The reservation (the first result on a repeat).

        Raises:
            InsufficientStock: if a SKU is short and backorders are not allowed;
                carries one Shortfall per short SKU.
            RuleViolation: ``stock.reservation.invalid`` for no lines or duplicate
                line ids, ``stock.reservation.duplicate`` for a reused reservation id.
            OperationConflict: if the operation id was used for something else.
        """
        rid = operation_id if reservation_id is None else reservation_id
        chosen = None if strategy is None or is_default_strategy(strategy) else strategy
        if chosen is None:
            chosen = self._default_strategy
        single = len(lines) == 1
        if single:
            only = lines[0]
            line_id, sku, quantity = only.line_id, only.sku, only.quantity
            flat_request: tuple[Any, ...] = ()
        else:
            flat_request = tuple(x for ln in lines for x in (ln.line_id, ln.sku, ln.quantity))
        index = self._operations.get(operation_id)
        if index is not None:
            fingerprint = (
                "reserve",
                order_id,
                chosen,
                allow_backorder,
                allow_safety_stock,
                expires_at,
                rid,
                *((line_id, sku, quantity) if single else flat_request),
            )
            record = self._record(index)
            if record[:-2] != fingerprint:
                raise OperationConflict(operation_id)
            return public_reservation(record[-2], record[-1])
        reservations = self._reservations
        if rid in reservations:
            raise RuleViolation(STOCK_RESERVATION_DUPLICATE, params={"reservation_id": rid})
        undo = self._undo
        if single and chosen is None:
            # One line with the default strategy: the hot path, straight to the packed
            # state (the general path below gives the same result, only slower).
            cells = self._locations.get(sku, NO_CELLS)
            first: Cell | None = None
            location = ""
            for here, cell in cells.items():
                free = cell.on_hand - cell.reserved
                if not allow_safety_stock:
                    free -= cell.safety_stock
                # quantity > 0, so "free >= quantity" implies stock here; tested first
                # as the commonest case (one Decimal comparison fewer).
                if free >= quantity:
                    first, location = cell, here
                    break
                if free > ZERO:
                    break
            if first is not None:
                # The first location with stock serves it all: the commonest case.
                if undo is not None:
                    undo.append(cell_undo(first))
                reserved = first.reserved
                first.reserved = reserved + quantity
                if actor is None:
                    # The entry is rebuilt from the operation's record when read (see
                    # _entries): a str is not tracked by the garbage collector, a tuple is.
                    self._journal.append(operation_id)
                else:
                    self._journal.append(
                        (
                            RESERVED,
                            sku,
                            location,
                            ZERO,
                            quantity,
                            order_id,
                            rid,
                            operation_id,
                            actor,
                            None,
                            at,
                        )
                    )
                self._pending.append(operation_id)
                # Without safety stock allowed, what stays free is ≥ the safety stock.
                if first.reorder_point is not None or (
                    allow_safety_stock and free - quantity < first.safety_stock
                ):
                    self._alerts(sku, location, first, first.on_hand - reserved, at)
                packed: PackedReservation = (
                    order_id,
                    at,
                    expires_at,
                    False,
                    line_id,
                    sku,
                    quantity,
                    ZERO,
                    ZERO,
                    ZERO,
                    1,
                    location,
                    quantity,
                )
            else:
                packed = self._reserve_spread(
                    cells,
                    order_id,
                    line_id,
                    sku,
                    quantity,
                    rid=rid,
                    operation_id=operation_id,
                    at=at,
                    expires_at=expires_at,
                    allow_backorder=allow_backorder,
                    allow_safety_stock=allow_safety_stock,
                    actor=actor,
                )
        else:
            request = (
                ((line_id, sku, quantity),)
                if single
                else tuple(
                    zip(flat_request[::3], flat_request[1::3], flat_request[2::3], strict=True)
                )
            )
            lines_state = self._reserve_many(
                request,
                chosen,
                allow_backorder=allow_backorder,
                allow_safety_stock=allow_safety_stock,
            )
            self._pending.append(operation_id)
            self._apply_reserve(
                ((line[1], line[3]) for line in lines_state),
                order_id=order_id,
                reservation_id=rid,
                operation_id=operation_id,
                actor=actor,
                at=at,
            )
            packed = pack_reservation((order_id, at, expires_at, False, lines_state))
        if undo is not None:
            undo.append((UNDO_RESERVATION, rid, None))
        reservations[rid] = packed
        if expires_at is not None:
            self._expiring[rid] = expires_at
            if undo is not None:
                undo.append((UNDO_EXPIRING_ADDED, rid))
        self._operations[operation_id] = len(self._operations)
        records = self._records
        if single:
            # Built in one go (an unpacked request would cost a list and a tuple more).
            records.append(
                (
                    "reserve",
                    order_id,
                    chosen,
                    allow_backorder,
                    allow_safety_stock,
                    expires_at,
                    rid,
                    line_id,
                    sku,
                    quantity,
                    rid,
                    packed,
                )
            )
        else:
            records.append(
                (
                    "reserve",
                    order_id,
                    chosen,
                    allow_backorder,
                    allow_safety_stock,
                    expires_at,
                    rid,
                    *flat_request,
                    rid,
                    packed,
                )
            )
        if len(records) >= CHUNK:
            self._seal()
        # public_reservation, inlined on this hot path (one Python call fewer).
        result: Reservation = new_object(Reservation)
        set_reservation_id(result, rid)
        set_reservation_state(result, packed)
        return result

    def _reserve_spread(
        self,
        cells: Mapping[str, Cell],
        order_id: str,
        line_id: str,
        sku: str,
        quantity: Decimal,
        *,
        rid: str,
        operation_id: str,
        at: datetime,
        expires_at: datetime | None,
        allow_backorder: bool,
        allow_safety_stock: bool,
        actor: str | None,
    ) -> PackedReservation:
        """One line, default strategy, over several locations or backordered in part."""
        remaining = quantity
        taken: list[Any] = []
        for location, cell in cells.items():
            free = cell.on_hand - cell.reserved
            if not allow_safety_stock:
                free -= cell.safety_stock
            if free <= ZERO:
                continue
            if free >= remaining:
                taken += (location, remaining)
                remaining = ZERO
                break
            taken += (location, free)
            remaining -= free
        if remaining and not allow_backorder:
            raise InsufficientStock((Shortfall(sku, quantity, quantity - remaining),))
        # Checked; from here on nothing can fail.
        self._pending.append(operation_id)
        journal = self._journal
        for i in range(0, len(taken), 2):
            location, q = taken[i], taken[i + 1]
            cell = cells[location]
            self._touch(cell)
            free_before = cell.on_hand - cell.reserved
            cell.reserved += q
            journal.append(
                (RESERVED, sku, location, ZERO, q, order_id, rid, operation_id, actor, None, at)
            )
            if cell.reorder_point is not None or free_before - q < cell.safety_stock:
                self._alerts(sku, location, cell, free_before, at)
        return (
            order_id,
            at,
            expires_at,
            False,
            line_id,
            sku,
            quantity,
            remaining,
            ZERO,
            ZERO,
            len(taken) // 2,
            *taken,
        )

    def _reserve_many(
        self,
        request: tuple[tuple[str, str, Decimal], ...],
        strategy: AllocationStrategy | None,
        *,
        allow_backorder: bool,
        allow_safety_stock: bool,
    ) -> tuple[LineState, ...]:
        """Plan several lines (aggregated per SKU) with any strategy; nothing changes here."""
        demand = reservation_demand(request)
        served, shortfalls = self._allocate(demand, strategy, allow_safety_stock=allow_safety_stock)
        if shortfalls and not allow_backorder:
            raise InsufficientStock(tuple(shortfalls))
        return distribute_allocations(request, served)

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
        """Allocate stock that is now available to a reservation's backordered lines.

        Serves what it can (partially if need be); the rest stays backordered.

        Args:
            reservation_id: The reservation.
            operation_id: Idempotency key.
            at: When.
            strategy: Which locations to prefer (default: the ledger's default).
            allow_safety_stock: True lets it dip into safety stock.
            actor: Who.

        Returns:
            The reservation after filling.

        Raises:
            NotFound: if there is no such reservation.
            OperationConflict: if the operation id was used for something else.
        """
        chosen = self._default_strategy if is_default_strategy(strategy) else strategy
        fingerprint = ("fill_backorders", reservation_id, chosen, allow_safety_stock)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return public_reservation(seen[0], seen[1])
        state = self._state(reservation_id)
        _, demand = backordered_demand(state[4])
        served, _ = self._allocate(demand, chosen, allow_safety_stock=allow_safety_stock)
        change = decide_backorder_fill(reservation_id, state, served, at=at)
        packed = pack_reservation(change.state)
        self._put_reservation(reservation_id, packed)
        self._pending += change.events
        self._apply_reserve(
            served.items(),
            order_id=state[0],
            reservation_id=reservation_id,
            operation_id=operation_id,
            actor=actor,
            at=at,
        )
        self._remember(operation_id, (*fingerprint, reservation_id, packed))
        return public_reservation(reservation_id, packed)

    def _apply_release(
        self,
        reservation_id: str,
        order_id: str,
        freed: Iterable[tuple[str, str, Decimal]],
        *,
        kind: str,
        operation_id: str,
        actor: str | None,
        reason: str | None,
        at: datetime,
    ) -> None:
        journal = self._journal
        cells = self._cells
        for sku, location, q in freed:
            cell = cells[(sku, location)]
            self._touch(cell)
            cell.reserved -= q
            journal.append(
                (
                    kind,
                    sku,
                    location,
                    ZERO,
                    -q,
                    order_id,
                    reservation_id,
                    operation_id,
                    actor,
                    reason,
                    at,
                )
            )

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
        """Give reserved stock back (cancellation, amendment), all or per line.

        A line's backordered quantity is released first, then its allocations, the
        most recently added location first.

        Args:
            reservation_id: The reservation.
            operation_id: Idempotency key.
            at: When.
            lines: Quantity to release per line id; None releases everything outstanding.
            actor: Who.
            reason: Why.

        Returns:
            The reservation after the release.

        Raises:
            NotFound: for an unknown reservation or line.
            RuleViolation: ``stock.reservation.exceeded`` when releasing more than is
                outstanding.
            OperationConflict: if the operation id was used for something else.
        """
        index = self._operations.get(operation_id)
        if index is not None:
            record = self._record(index)
            if record[:-2] != release_fingerprint(reservation_id, lines):
                raise OperationConflict(operation_id)
            return public_reservation(record[-2], record[-1])
        packed = self._reservations.get(reservation_id)
        if packed is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        if lines is None and len(packed) == 13:
            # One line at one location, released in full (a cancellation): the hot
            # path, on the packed state (the general path gives the same result).
            (
                order_id,
                created_at,
                expires_at,
                expired,
                line_id,
                sku,
                quantity,
                backordered,
                committed,
                released,
                _,
                location,
                q,
            ) = packed
            cell = self._cells[sku, location]
            undo = self._undo
            if undo is not None:
                undo.append(cell_undo(cell))
                undo.append((UNDO_RESERVATION, reservation_id, packed))
            cell.reserved -= q
            # Additions of zero skipped (the usual case): Decimal arithmetic is dear.
            now_released = released + q if released else q
            if backordered:
                now_released += backordered
            packed = (
                order_id,
                created_at,
                expires_at,
                expired,
                line_id,
                sku,
                quantity,
                ZERO,
                committed,
                now_released,
                0,
            )
            # The packed result rides on the journal entry, which is also the
            # operation's record (see _record): no tuple of its own for either.
            entry = (
                RELEASED,
                sku,
                location,
                ZERO,
                -q,
                order_id,
                reservation_id,
                operation_id,
                actor,
                reason,
                at,
                packed,
            )
            self._journal.append(entry)
            self._reservations[reservation_id] = packed
            if backordered:
                self._pending.append(
                    (
                        "StockReleased",
                        at,
                        reservation_id,
                        order_id,
                        (sku, location, q),
                        backordered,
                    )
                )
            else:
                self._pending.append(entry)  # the event is read from the journal entry
            self._operations[operation_id] = len(self._operations)
            records = self._records
            records.append(entry)
            if len(records) >= CHUNK:
                self._seal()
            # public_reservation, inlined on this hot path (one Python call fewer).
            result: Reservation = new_object(Reservation)
            set_reservation_id(result, reservation_id)
            set_reservation_state(result, packed)
            return result
        state = unpack_reservation(packed)
        wanted = requested_quantities(state[4], lines)
        change = decide_release(reservation_id, state, wanted, at=at, reason=reason)
        self._apply_release(
            reservation_id,
            state[0],
            change.taken,
            kind=RELEASED,
            operation_id=operation_id,
            actor=actor,
            reason=change.reason,
            at=at,
        )
        packed = pack_reservation(change.state)
        self._put_reservation(reservation_id, packed)
        self._pending.append(change.event)
        fingerprint = release_fingerprint(reservation_id, lines)
        self._remember(operation_id, (*fingerprint, reservation_id, packed))
        return public_reservation(reservation_id, packed)

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

        Args:
            reservation_id: The reservation.
            operation_id: Idempotency key.
            at: When.
            lines: Quantity shipped per line id; None ships everything allocated
                (at ``location`` if given).
            location: Ship only from this location's allocations.
            actor: Who.

        Returns:
            The reservation after the shipment.

        Raises:
            NotFound: for an unknown reservation or line.
            RuleViolation: ``stock.reservation.exceeded`` when shipping more than is
                allocated.
            OperationConflict: if the operation id was used for something else.
        """
        index = self._operations.get(operation_id)
        if index is not None:
            record = self._record(index)
            if record[:-2] != commit_fingerprint(reservation_id, location, lines):
                raise OperationConflict(operation_id)
            return public_reservation(record[-2], record[-1])
        packed = self._reservations.get(reservation_id)
        if packed is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        undo = self._undo
        if lines is None and location is None and len(packed) == 13:
            # One line at one location, shipped in full: the hot path, on the packed
            # state (the general path gives the same result).
            (
                order_id,
                created_at,
                expires_at,
                expired,
                line_id,
                sku,
                quantity,
                backordered,
                committed,
                released,
                _,
                location_1,
                q,
            ) = packed
            cell = self._cells[sku, location_1]
            if undo is not None:
                undo.append(cell_undo(cell))
                undo.append((UNDO_RESERVATION, reservation_id, packed))
            cell.on_hand -= q
            cell.reserved -= q
            minus = -q
            # The packed result rides on the journal entry (see the release hot path).
            packed = (
                order_id,
                created_at,
                expires_at,
                expired,
                line_id,
                sku,
                quantity,
                backordered,
                committed + q if committed else q,
                released,
                0,
            )
            entry = (
                COMMITTED,
                sku,
                location_1,
                minus,
                minus,
                order_id,
                reservation_id,
                operation_id,
                actor,
                None,
                at,
                packed,
            )
            self._journal.append(entry)
            self._reservations[reservation_id] = packed
            self._pending.append(entry)  # the event is read from the journal entry
            self._operations[operation_id] = len(self._operations)
            records = self._records
            records.append(entry)
            if len(records) >= CHUNK:
                self._seal()
            # public_reservation, inlined on this hot path (one Python call fewer).
            result: Reservation = new_object(Reservation)
            set_reservation_id(result, reservation_id)
            set_reservation_state(result, packed)
            return result
        state = unpack_reservation(packed)
        order_id = state[0]
        wanted = requested_quantities(state[4], lines)
        change = decide_commit(reservation_id, state, wanted, at=at, location=location)
        journal = self._journal
        cells = self._cells
        for sku, loc, q in change.taken:
            cell = cells[(sku, loc)]
            if undo is not None:
                undo.append(cell_undo(cell))
            cell.on_hand -= q
            cell.reserved -= q
            journal.append(
                (
                    COMMITTED,
                    sku,
                    loc,
                    -q,
                    -q,
                    order_id,
                    reservation_id,
                    operation_id,
                    actor,
                    None,
                    at,
                )
            )
        packed = pack_reservation(change.state)
        self._put_reservation(reservation_id, packed)
        self._pending.append(change.event)
        fingerprint = commit_fingerprint(reservation_id, location, lines)
        self._remember(operation_id, (*fingerprint, reservation_id, packed))
        return public_reservation(reservation_id, packed)

    def expire(
        self, now: datetime, *, operation_id: str | None = None, actor: str | None = None
    ) -> tuple[Reservation, ...]:
        """Release every open reservation whose expiry is at or before ``now``.

        Args:
            now: The caller's current time.
            operation_id: Idempotency key; None derives one from ``now``.
            actor: Who (usually a scheduler id).

        Returns:
            The expired reservations (after release), in creation order.

        Raises:
            OperationConflict: if the operation id was used for something else.
        """
        op = f"expire:{now.isoformat()}" if operation_id is None else operation_id
        fingerprint = ("expire", now)
        seen = self._replay(op, fingerprint)
        if seen is not None:
            return tuple(public_reservation(*item) for item in seen[0])
        due = [rid for rid, when in self._expiring.items() if when <= now]
        if due:
            # A new index rather than deletions: an undo puts the old one back as it
            # was, order included (expire walks the whole index anyway).
            if self._undo is not None:
                self._undo.append((UNDO_EXPIRING, self._expiring))
            self._expiring = {rid: w for rid, w in self._expiring.items() if w > now}
        expired: list[tuple[str, PackedReservation]] = []
        for rid in due:
            state = unpack_reservation(self._reservations[rid])
            if not reservation_is_open(state):
                continue
            change = decide_expiry(rid, state, now=now)
            self._apply_release(
                rid,
                state[0],
                change.taken,
                kind=EXPIRED,
                operation_id=op,
                actor=actor,
                reason=change.reason,
                at=now,
            )
            packed = pack_reservation(change.state)
            self._put_reservation(rid, packed)
            self._pending.append(change.event)
            expired.append((rid, packed))
        self._remember(op, (*fingerprint, tuple(expired), None))
        return tuple(public_reservation(*item) for item in expired)
