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

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from salesorder.adapters._memory_ledger_state import (
    CHUNK,
    COMMITTED,
    EXPIRED,
    UNDO_EXPIRING,
    UNDO_RESERVATION,
    cell_undo,
    commit_fingerprint,
    new_object,
    public_reservation,
    set_reservation_id,
    set_reservation_state,
)
from salesorder.adapters._memory_releasing import ReleasingLedger
from salesorder.errors import NotFound, RuleViolation
from salesorder.inventory import (
    OPENING_RESERVED,
    STOCK_POSITION_DUPLICATE,
    InvalidQuantity,
    OperationConflict,
    PackedReservation,
    Reservation,
    StockPosition,
    decide_commit,
    decide_expiry,
    pack_reservation,
    requested_quantities,
    reservation_is_open,
    unpack_reservation,
)

__all__ = ["StockLedger"]


class StockLedger(ReleasingLedger):
    """Pure, in-memory stock per (SKU, location) with reservations and a journal.

    Not thread-safe on its own; see :class:`salesorder.adapters.memory.InMemoryStockStore`.
    Events are collected as operations happen and handed out by :meth:`drain_events`.
    The ledger is built in layers, one per family of operations: storage
    (``LedgerState``), on hand (``OnHandLedger``: receive, restock, adjust, transfer),
    reserving (``ReservingLedger``), releasing (``ReleasingLedger``: backorder filling,
    release), and this class (opening balances, commit, expiry).

    The reservation operations are the library's hot path
    (``benchmarks/bench_inventory.py`` holds them to at least a fifth of a bare dict of
    counters): ``reserve``, ``release`` and ``commit`` each carry an inlined path for the
    commonest case (one line at one location) next to the general path; both apply the
    same kernel rules, and the property and differential tests check that they agree.

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
                raise InvalidQuantity(params={"what": "reserved", "reason": OPENING_RESERVED})
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
