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

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import attrs

from salesorder.errors import InsufficientStock, NotFound, RuleViolation, Shortfall
from salesorder.events import DomainEvent
from salesorder.inventory import (
    STOCK_POSITION_DUPLICATE,
    STOCK_RESERVATION_DUPLICATE,
    STOCK_RESERVATION_INVALID,
    STOCK_SAVEPOINT_UNKNOWN,
    Allocation,
    AllocationState,
    AllocationStrategy,
    ExcessStockDetected,
    InvalidQuantity,
    LineState,
    LowStockDetected,
    Movement,
    MovementKind,
    OperationConflict,
    PackedReservation,
    Reservation,
    ReservationExpired,
    ReservationLine,
    ReservationState,
    SafetyStockBreached,
    StockAdjusted,
    StockBackorderFilled,
    StockCommitted,
    StockPosition,
    StockReceived,
    StockReleased,
    StockReserved,
    StockRestocked,
    StockTransferred,
    backordered_demand,
    check_stock_count,
    check_transfer,
    distribute_allocations,
    excess_stock_alerts,
    falling_stock_alerts,
    fill_backorder_lines,
    is_default_strategy,
    pack_reservation,
    plan_allocation,
    requested_quantities,
    reservation_demand,
    reservation_is_open,
    take_from_lines,
    to_positive_quantity,
    to_quantity,
    unpack_reservation,
)

__all__ = ["StockLedger"]

ZERO: Final = Decimal(0)
_Alloc = AllocationState

# A journal entry: kind, sku, location, on-hand delta, reserved delta, order id,
# reservation id, operation id, actor, reason, at.
_Entry = tuple[
    str,
    str,
    str,
    Decimal,
    Decimal,
    "str | None",
    "str | None",
    str,
    "str | None",
    "str | None",
    datetime,
]

_RECEIVED: Final = MovementKind.RECEIVED.value
_ADJUSTED: Final = MovementKind.ADJUSTED.value
_RESERVED: Final = MovementKind.RESERVED.value
_RELEASED: Final = MovementKind.RELEASED.value
_COMMITTED: Final = MovementKind.COMMITTED.value
_RESTOCKED: Final = MovementKind.RESTOCKED.value
_TRANSFERRED_OUT: Final = MovementKind.TRANSFERRED_OUT.value
_TRANSFERRED_IN: Final = MovementKind.TRANSFERRED_IN.value
_EXPIRED: Final = MovementKind.EXPIRED.value

_EVENT_TYPES: Final[dict[str, type[DomainEvent]]] = {
    cls.__name__: cls
    for cls in (
        StockReceived,
        StockAdjusted,
        StockReserved,
        StockBackorderFilled,
        StockReleased,
        StockCommitted,
        StockRestocked,
        StockTransferred,
        ReservationExpired,
        LowStockDetected,
        SafetyStockBreached,
        ExcessStockDetected,
    )
}
_EVENT_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(f.name for f in attrs.fields(cls) if f.name not in {"occurred_at", "event_id"})
    for name, cls in _EVENT_TYPES.items()
}


class _Cell:
    """The mutable state of one (SKU, location); only the ledger touches it."""

    __slots__ = ("max_level", "on_hand", "reorder_point", "reserved", "safety_stock")

    def __init__(self) -> None:
        self.on_hand = ZERO
        self.reserved = ZERO
        self.safety_stock = ZERO
        self.reorder_point: Decimal | None = None
        self.max_level: Decimal | None = None


# Read-only stand-in for "no positions yet" (saves building an empty dict per call).
_NO_CELLS: Final[Mapping[str, _Cell]] = MappingProxyType({})

# The journal, the pending events and the operation records grow with every operation.
# Each is kept as a short list being filled plus a list of sealed, immutable chunks of
# _CHUNK items: a chunk of atoms-only tuples is untracked by the cyclic garbage
# collector, so a full collection visits a thousand chunks instead of a million
# entries. Operation ids map to the int index of their record (ints are not tracked,
# so that dict is not traversed either).
_CHUNK: Final = 1024


def _truncate(chunks: list[tuple[Any, ...]], current: list[Any], sealed: int, kept: int) -> None:
    """Cut a chunked sequence back to ``sealed`` chunks plus ``kept`` items in ``current``."""
    if len(chunks) > sealed:
        # The list that was current at the savepoint was sealed since; take it back.
        current[:] = chunks[sealed][:kept]
        del chunks[sealed:]
    else:
        del current[kept:]


# Undo-log entries (see StockLedger.savepoint): a tag, then what to restore.
_UNDO_MARK: Final = 0  # counts of journal, pending events and operations at a savepoint
_UNDO_CELL: Final = 1  # a cell's five fields before a change
_UNDO_NEW_CELL: Final = 2  # a cell created: its key and the SKU's previous location map
_UNDO_RESERVATION: Final = 3  # a reservation's previous packed state (None: it was new)
_UNDO_EXPIRING_ADDED: Final = 4  # a reservation id added to the expiry index
_UNDO_EXPIRING: Final = 5  # the expiry index replaced as a whole (by expire)
_UNDO_DRAINED: Final = 6  # the pending events handed out by drain_events


def _cell_undo(cell: _Cell) -> tuple[Any, ...]:
    return (
        _UNDO_CELL,
        cell,
        cell.on_hand,
        cell.reserved,
        cell.safety_stock,
        cell.reorder_point,
        cell.max_level,
    )


_new_object = object.__new__
_set_reservation_id = Reservation.__dict__["reservation_id"].__set__
_set_reservation_state = Reservation.__dict__["_state"].__set__


def _public(reservation_id: str, packed: PackedReservation) -> Reservation:
    """The frozen Reservation for a packed internal state (attrs' __init__, faster)."""
    reservation: Reservation = _new_object(Reservation)
    _set_reservation_id(reservation, reservation_id)
    _set_reservation_state(reservation, packed)
    return reservation


def _flat_request(lines: Mapping[str, object]) -> tuple[Any, ...]:
    """Per-line quantities laid flat and sorted, for a fingerprint."""
    return tuple(x for item in sorted((k, str(v)) for k, v in lines.items()) for x in item)


def _release_fingerprint(
    reservation_id: str, lines: Mapping[str, object] | None
) -> tuple[Any, ...]:
    """What identifies a release request (built only when needed: not on the hot path)."""
    if lines is None:
        return ("release", reservation_id, None)
    return ("release", reservation_id, *_flat_request(lines))


def _commit_fingerprint(
    reservation_id: str, location: str | None, lines: Mapping[str, object] | None
) -> tuple[Any, ...]:
    """What identifies a commit request (built only when needed: not on the hot path)."""
    if lines is None:
        return ("commit", reservation_id, location, None)
    return ("commit", reservation_id, location, *_flat_request(lines))


def _flat(allocations: Iterable[tuple[str, str, Decimal]]) -> tuple[Any, ...]:
    """(sku, location, quantity) triples laid flat, for event records."""
    return tuple(x for triple in allocations for x in triple)


class StockLedger:
    """Pure, in-memory stock per (SKU, location) with reservations and a journal.

    Not thread-safe on its own; see :class:`salesorder.adapters.memory.InMemoryStockStore`.
    Events are collected as operations happen and handed out by :meth:`drain_events`.

    Args:
        default_strategy: Allocation strategy used when ``reserve`` is given none
            (default: :class:`FixedPriority` in location name order).
    """

    __slots__ = (
        "_cells",
        "_default_strategy",
        "_expiring",
        "_journal",
        "_journal_chunks",
        "_locations",
        "_operations",
        "_pending",
        "_pending_chunks",
        "_record_chunks",
        "_records",
        "_reservations",
        "_undo",
    )

    def __init__(self, *, default_strategy: AllocationStrategy | None = None) -> None:
        self._cells: dict[tuple[str, str], _Cell] = {}
        self._locations: dict[str, dict[str, _Cell]] = {}
        self._reservations: dict[str, PackedReservation] = {}
        self._expiring: dict[str, datetime] = {}
        # Operation id -> index of its record; a record is the operation's fingerprint
        # followed by the two parts of its first result.
        self._operations: dict[str, int] = {}
        self._records: list[tuple[Any, ...]] = []
        self._record_chunks: list[tuple[tuple[Any, ...], ...]] = []
        # Entries: _Entry, a hot release or shipment's _Entry + its packed result, or an
        # operation id (see _entries and _record).
        self._journal: list[tuple[Any, ...] | str] = []
        self._journal_chunks: list[tuple[tuple[Any, ...] | str, ...]] = []
        # Pending events: tuples (event name first), journal entries or operation ids.
        self._pending: list[Any] = []
        self._pending_chunks: list[tuple[Any, ...]] = []
        # The undo log while a savepoint is open; None (the usual case) records nothing.
        self._undo: list[tuple[Any, ...]] | None = None
        self._default_strategy = None if is_default_strategy(default_strategy) else default_strategy

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

    # ---------------------------------------------------------------- reading

    def position(self, sku: str, location: str) -> StockPosition:
        """The current position of ``sku`` at ``location`` (all zero if never seen)."""
        cell = self._cells.get((sku, location))
        if cell is None:
            return StockPosition(sku, location)
        return StockPosition(
            sku,
            location,
            cell.on_hand,
            cell.reserved,
            cell.safety_stock,
            cell.reorder_point,
            cell.max_level,
        )

    def positions(self, *, sku: str | None = None) -> tuple[StockPosition, ...]:
        """Every known position (of one SKU if given), sorted by SKU then location."""
        if sku is None:
            keys = sorted(self._cells)
        else:
            keys = [(sku, location) for location in self._locations.get(sku, {})]
        return tuple(self.position(s, location) for s, location in keys)

    def available(self, sku: str, *, allow_safety_stock: bool = False) -> Decimal:
        """Total quantity of ``sku`` a reservation could take, over all locations."""
        total = ZERO
        for cell in self._locations.get(sku, {}).values():
            free = cell.on_hand - cell.reserved
            if not allow_safety_stock:
                free -= cell.safety_stock
            if free > ZERO:
                total += free
        return total

    def reservation(self, reservation_id: str) -> Reservation:
        """The current state of a reservation.

        Raises:
            NotFound: if there is no such reservation.
        """
        packed = self._reservations.get(reservation_id)
        if packed is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        return _public(reservation_id, packed)

    def reservations(self, *, order_id: str | None = None) -> tuple[Reservation, ...]:
        """Every reservation (of one order if given), in creation order."""
        return tuple(
            _public(rid, packed)
            for rid, packed in self._reservations.items()
            if order_id is None or packed[0] == order_id
        )

    def movements(self) -> tuple[Movement, ...]:
        """The journal, oldest first."""
        return tuple(
            Movement(
                sequence=i,
                kind=MovementKind(e[0]),
                sku=e[1],
                location=e[2],
                on_hand_delta=e[3],
                reserved_delta=e[4],
                order_id=e[5],
                reservation_id=e[6],
                operation_id=e[7],
                actor=e[8],
                reason=e[9],
                at=e[10],
            )
            for i, e in enumerate(self._entries())
        )

    def rebuild_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """On hand per (SKU, location) recomputed from the journal alone."""
        totals = dict.fromkeys(self._cells, ZERO)
        for entry in self._entries():
            key = (entry[1], entry[2])
            totals[key] = totals.get(key, ZERO) + entry[3]
        return totals

    def rebuild_reserved(self) -> dict[tuple[str, str], Decimal]:
        """Reserved per (SKU, location) recomputed from the journal alone."""
        totals = dict.fromkeys(self._cells, ZERO)
        for entry in self._entries():
            key = (entry[1], entry[2])
            totals[key] = totals.get(key, ZERO) + entry[4]
        return totals

    def drain_events(self) -> list[DomainEvent]:
        """Hand out the events recorded since the last drain, oldest first."""
        chunks, pending = self._pending_chunks, self._pending
        self._pending_chunks, self._pending = [], []
        if self._undo is not None:
            self._undo.append((_UNDO_DRAINED, chunks, pending))
        events: list[DomainEvent] = []
        # The hot paths record no tuple of their own (fewer objects for the garbage
        # collector): a reservation records its operation id, whose record holds the
        # reserved lines; a one-allocation shipment or release records its journal entry.
        for entry in itertools.chain(*chunks, pending):
            if type(entry) is str:
                record = self._record(self._operations[entry])
                rid, packed = record[-2], record[-1]
                order_id, at, _, _, lines = unpack_reservation(packed)
                name = "StockReserved"
                values: tuple[Any, ...] = (
                    rid,
                    order_id,
                    tuple(x for line in lines for loc, q in line[3] for x in (line[1], loc, q)),
                    sum((line[4] for line in lines), ZERO),
                )
            elif type(entry) is not tuple:
                events.append(entry)  # an alert, built by the kernel as an event
                continue
            elif entry[0] == _COMMITTED:
                at = entry[10]
                name, values = "StockCommitted", (entry[6], entry[5], (*entry[1:3], -entry[4]))
            elif entry[0] == _RELEASED:
                at = entry[10]
                name = "StockReleased"
                values = (entry[6], entry[5], (*entry[1:3], -entry[4]), ZERO)
            else:
                name, at, *recorded = entry
                values = tuple(recorded)
            fields = dict(zip(_EVENT_FIELDS[name], values, strict=True))
            if "allocations" in fields:
                flat = fields["allocations"]
                fields["allocations"] = tuple(
                    Allocation(flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)
                )
            events.append(_EVENT_TYPES[name](occurred_at=at, **fields))
        return events

    # ---------------------------------------------------------------- internals

    def _state(self, reservation_id: str) -> ReservationState:
        packed = self._reservations.get(reservation_id)
        if packed is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        return unpack_reservation(packed)

    def _cell(self, sku: str, location: str) -> _Cell:
        """The cell of (sku, location), created if new; logged for undo when recording."""
        cell = self._cells.get((sku, location))
        if cell is None:
            if not sku or not location:
                raise RuleViolation(
                    STOCK_RESERVATION_INVALID,
                    params={"reason": "SKU and location must not be empty"},
                )
            previous = self._locations.get(sku)
            cell = self._cells[(sku, location)] = _Cell()
            here = {} if previous is None else dict(previous)
            here[location] = cell
            # Keep locations in name order: the default strategy walks them as they are.
            # A new dict each time, so the previous one can be put back by an undo.
            self._locations[sku] = dict(sorted(here.items()))
            if self._undo is not None:
                self._undo.append((_UNDO_NEW_CELL, (sku, location), sku, previous))
        elif self._undo is not None:
            self._undo.append(_cell_undo(cell))
        return cell

    def _touch(self, cell: _Cell) -> None:
        """Log a cell's fields before it changes, when recording for undo."""
        if self._undo is not None:
            self._undo.append(_cell_undo(cell))

    def _put_reservation(self, reservation_id: str, packed: PackedReservation) -> None:
        """Store a reservation's new state, logging the previous one when recording."""
        if self._undo is not None:
            self._undo.append(
                (_UNDO_RESERVATION, reservation_id, self._reservations.get(reservation_id))
            )
        self._reservations[reservation_id] = packed

    def _entries(self) -> Iterator[_Entry]:
        """The journal's entries, oldest first.

        A one-location reservation without actor is journalled as its operation id;
        its entry is rebuilt here from the operation's record (its first result).
        """
        for entry in itertools.chain(*self._journal_chunks, self._journal):
            if isinstance(entry, str):
                record = self._record(self._operations[entry])
                packed = record[-1]
                yield (
                    _RESERVED,
                    packed[5],
                    packed[11],
                    ZERO,
                    packed[12],
                    packed[0],
                    record[-2],
                    entry,
                    None,
                    None,
                    packed[1],
                )
            else:
                yield entry

    def _record(self, index: int) -> tuple[Any, ...]:
        """The record of the operation at ``index`` (records are chunked by _CHUNK)."""
        chunk, offset = divmod(index, _CHUNK)
        if chunk < len(self._record_chunks):
            record = self._record_chunks[chunk][offset]
        else:
            record = self._records[offset]
        # A hot release or shipment stores its journal entry, which carries the
        # packed result last: rebuild the usual record (fingerprint, then result).
        kind = record[0]
        if kind == _RELEASED:
            return ("release", record[6], None, record[6], record[11])
        if kind == _COMMITTED:
            return ("commit", record[6], None, None, record[6], record[11])
        return record

    def _remember(self, operation_id: str, record: tuple[Any, ...]) -> None:
        """Store an operation's record (its fingerprint, then the two result parts)."""
        self._operations[operation_id] = len(self._operations)
        self._records.append(record)
        if len(self._records) >= _CHUNK:
            self._seal()

    def _seal(self) -> None:
        """Turn the full record list, the journal and the pending events into chunks."""
        self._record_chunks.append(tuple(self._records))
        self._records.clear()
        if self._journal:
            self._journal_chunks.append(tuple(self._journal))
            self._journal.clear()
        if self._pending:
            self._pending_chunks.append(tuple(self._pending))
            self._pending.clear()

    def _replay(self, operation_id: str, fingerprint: tuple[Any, ...]) -> tuple[Any, Any] | None:
        """The stored result of ``operation_id`` (two parts), or None if it is new."""
        index = self._operations.get(operation_id)
        if index is None:
            return None
        record = self._record(index)
        if record[:-2] != fingerprint:
            raise OperationConflict(operation_id)
        return record[-2], record[-1]

    # ---------------------------------------------------------------- savepoints

    def savepoint(self) -> int:
        """Start recording changes so that :meth:`rollback_to` can undo them.

        Recording costs O(changes): the previous value of every cell field and
        reservation touched, and the lengths of the journal, the pending events and
        the operation records at the savepoint. Nothing is recorded while no
        savepoint is open. Savepoints nest (a stack); a store usually holds one at a
        time, for the unit of work in progress.

        Returns:
            The savepoint, for :meth:`rollback_to` or :meth:`release_savepoint`.
        """
        if self._undo is None:
            self._undo = []
        self._undo.append(
            (
                _UNDO_MARK,
                len(self._journal_chunks),
                len(self._journal),
                len(self._pending_chunks),
                len(self._pending),
                len(self._operations),
            )
        )
        return len(self._undo) - 1

    def _check_savepoint(self, savepoint: int) -> list[tuple[Any, ...]]:
        undo = self._undo
        if undo is None or not 0 <= savepoint < len(undo) or undo[savepoint][0] != _UNDO_MARK:
            raise RuleViolation(STOCK_SAVEPOINT_UNKNOWN, params={"savepoint": savepoint})
        return undo

    def release_savepoint(self, savepoint: int) -> None:
        """Keep the changes made since ``savepoint``; stop recording if it is the outermost.

        Args:
            savepoint: A savepoint returned by :meth:`savepoint`.

        Raises:
            RuleViolation: ``stock.savepoint.unknown`` for a savepoint not open.
        """
        self._check_savepoint(savepoint)
        if savepoint == 0:
            self._undo = None

    def rollback_to(self, savepoint: int) -> None:
        """Undo every change since ``savepoint``, exactly: as if nothing had happened.

        Positions, levels, reservations, the expiry index, the journal, the pending
        events (drained ones come back) and the operation ids all return to their
        state at the savepoint. The savepoint is closed; recording stops if it was the
        outermost.

        Args:
            savepoint: A savepoint returned by :meth:`savepoint`.

        Raises:
            RuleViolation: ``stock.savepoint.unknown`` for a savepoint not open.
        """
        undo = self._check_savepoint(savepoint)
        for entry in reversed(undo[savepoint:]):
            self._undo_one(entry)
        del undo[savepoint:]
        if savepoint == 0:
            self._undo = None

    def _undo_one(self, entry: tuple[Any, ...]) -> None:
        tag = entry[0]
        if tag == _UNDO_CELL:
            (
                _,
                cell,
                cell.on_hand,
                cell.reserved,
                cell.safety_stock,
                cell.reorder_point,
                cell.max_level,
            ) = entry
        elif tag == _UNDO_RESERVATION:
            _, rid, previous = entry
            if previous is None:
                del self._reservations[rid]
            else:
                self._reservations[rid] = previous
        elif tag == _UNDO_NEW_CELL:
            _, key, sku, previous = entry
            del self._cells[key]
            if previous is None:
                del self._locations[sku]
            else:
                self._locations[sku] = previous
        elif tag == _UNDO_EXPIRING_ADDED:
            del self._expiring[entry[1]]
        elif tag == _UNDO_EXPIRING:
            self._expiring = entry[1]
        elif tag == _UNDO_DRAINED:
            _, self._pending_chunks, self._pending = entry
        else:  # _UNDO_MARK
            _, journal_chunks, journal, pending_chunks, pending, operations = entry
            _truncate(self._journal_chunks, self._journal, journal_chunks, journal)
            _truncate(self._pending_chunks, self._pending, pending_chunks, pending)
            _truncate(self._record_chunks, self._records, *divmod(operations, _CHUNK))
            ops = self._operations
            for _ in range(len(ops) - operations):
                ops.popitem()

    def _alerts(
        self, sku: str, location: str, cell: _Cell, free_before: Decimal, at: datetime
    ) -> None:
        """Record the kernel's alerts when free stock went down (falling_stock_alerts)."""
        if cell.on_hand - cell.reserved < free_before:
            self._pending += falling_stock_alerts(sku, location, cell, free_before, at)

    def _excess(
        self, sku: str, location: str, cell: _Cell, on_hand_before: Decimal, at: datetime
    ) -> None:
        """Record the kernel's alert when on hand went up (excess_stock_alerts)."""
        if cell.max_level is not None:
            self._pending += excess_stock_alerts(sku, location, cell, on_hand_before, at)

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
        """Set the safety stock, reorder point and maximum level of a position.

        Setting is absolute, so repeating it is harmless; it moves no stock and so
        writes no journal entry. Arguments left as None keep their current value.

        Args:
            sku: Stock keeping unit.
            location: Location.
            safety_stock: Quantity kept back from ordinary reservations.
            reorder_point: Free stock at or below which low stock is reported.
            max_level: On hand above which excess stock is reported.

        Returns:
            The position after the change.

        Raises:
            InvalidQuantity: for a negative or non-numeric level.
        """
        safety = None if safety_stock is None else to_quantity(safety_stock, what="safety_stock")
        point = None if reorder_point is None else to_quantity(reorder_point, what="reorder_point")
        level = None if max_level is None else to_quantity(max_level, what="max_level")
        cell = self._cell(sku, location)
        if safety is not None:
            cell.safety_stock = safety
        if point is not None:
            cell.reorder_point = point
        if level is not None:
            cell.max_level = level
        return self.position(sku, location)

    # ---------------------------------------------------------------- movements of on hand

    def _increase(
        self,
        kind: str,
        sku: str,
        location: str,
        quantity: Decimal,
        *,
        order_id: str | None,
        operation_id: str,
        actor: str | None,
        reason: str | None,
        at: datetime,
    ) -> _Cell:
        cell = self._cell(sku, location)
        before = cell.on_hand
        cell.on_hand = before + quantity
        self._journal.append(
            (kind, sku, location, quantity, ZERO, order_id, None, operation_id, actor, reason, at)
        )
        if kind == _RECEIVED:
            self._pending.append(("StockReceived", at, sku, location, quantity))
        else:
            self._pending.append(("StockRestocked", at, sku, location, quantity, order_id))
        self._excess(sku, location, cell, before, at)
        return cell

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
        """Goods arrive: on hand goes up.

        Args:
            sku: Stock keeping unit.
            location: Receiving location.
            quantity: Positive quantity received.
            operation_id: Idempotency key.
            at: When.
            actor: Who.
            reason: Why (purchase order, production...).

        Returns:
            The position after the receipt (the first result on a repeat).

        Raises:
            InvalidQuantity: for a quantity that is not positive.
            OperationConflict: if the operation id was used for something else.
        """
        q = to_positive_quantity(quantity)
        fingerprint = ("receive", sku, location, q)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen[0]  # type: ignore[no-any-return]
        self._increase(
            _RECEIVED,
            sku,
            location,
            q,
            order_id=None,
            operation_id=operation_id,
            actor=actor,
            reason=reason,
            at=at,
        )
        result = self.position(sku, location)
        self._remember(operation_id, (*fingerprint, result, None))
        return result

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
        """Returned goods go back on hand (after-sales).

        Args:
            sku: Stock keeping unit.
            location: Location taking the goods back.
            quantity: Positive quantity returned to stock.
            operation_id: Idempotency key.
            at: When.
            order_id: The order the goods were returned from.
            actor: Who.
            reason: Why (return reason).

        Returns:
            The position after the restock.

        Raises:
            InvalidQuantity: for a quantity that is not positive.
            OperationConflict: if the operation id was used for something else.
        """
        q = to_positive_quantity(quantity)
        fingerprint = ("restock", sku, location, q, order_id)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen[0]  # type: ignore[no-any-return]
        self._increase(
            _RESTOCKED,
            sku,
            location,
            q,
            order_id=order_id,
            operation_id=operation_id,
            actor=actor,
            reason=reason,
            at=at,
        )
        result = self.position(sku, location)
        self._remember(operation_id, (*fingerprint, result, None))
        return result

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
        """Set on hand to a counted quantity (stock count, damage, loss).

        Args:
            sku: Stock keeping unit.
            location: Counted location.
            counted: The quantity found (≥ 0).
            reason: Why the count differs (journalled).
            operation_id: Idempotency key.
            at: When.
            actor: Who counted.

        Returns:
            The position after the adjustment.

        Raises:
            InvalidQuantity: for a negative count.
            RuleViolation: ``stock.adjust.below_reserved`` if the count is below reserved.
            OperationConflict: if the operation id was used for something else.
        """
        q = to_quantity(counted, what="counted")
        fingerprint = ("adjust", sku, location, q, reason)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen[0]  # type: ignore[no-any-return]
        existing = self._cells.get((sku, location))
        if existing is not None:
            check_stock_count(sku, location, counted=q, reserved=existing.reserved)
        cell = self._cell(sku, location)
        before = cell.on_hand
        free_before = before - cell.reserved
        delta = q - before
        cell.on_hand = q
        self._journal.append(
            (_ADJUSTED, sku, location, delta, ZERO, None, None, operation_id, actor, reason, at)
        )
        self._pending.append(("StockAdjusted", at, sku, location, q, delta, reason))
        self._alerts(sku, location, cell, free_before, at)
        self._excess(sku, location, cell, before, at)
        result = self.position(sku, location)
        self._remember(operation_id, (*fingerprint, result, None))
        return result

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
        """Move unreserved stock between locations (it may dip into safety stock).

        Args:
            sku: Stock keeping unit.
            source: Location giving the stock.
            destination: Location receiving it.
            quantity: Positive quantity to move.
            operation_id: Idempotency key.
            at: When.
            actor: Who.
            reason: Why.

        Returns:
            The source and destination positions after the transfer.

        Raises:
            InvalidQuantity: for a quantity that is not positive.
            InsufficientStock: if the source has less unreserved stock than asked.
            RuleViolation: ``stock.transfer.same_location`` when source is destination.
            OperationConflict: if the operation id was used for something else.
        """
        q = to_positive_quantity(quantity)
        fingerprint = ("transfer", sku, source, destination, q)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen[0]  # type: ignore[no-any-return]
        src = self._cells.get((sku, source))
        free = ZERO if src is None else src.on_hand - src.reserved
        check_transfer(sku, source=source, destination=destination, quantity=q, source_free=free)
        # check_transfer refused a source without a position: it has no free stock.
        assert src is not None  # noqa: S101
        dst = self._cell(sku, destination)
        self._touch(src)
        dst_before = dst.on_hand
        src.on_hand -= q
        dst.on_hand = dst_before + q
        journal = self._journal
        journal.append(
            (_TRANSFERRED_OUT, sku, source, -q, ZERO, None, None, operation_id, actor, reason, at)
        )
        journal.append(
            (
                _TRANSFERRED_IN,
                sku,
                destination,
                q,
                ZERO,
                None,
                None,
                operation_id,
                actor,
                reason,
                at,
            )
        )
        self._pending.append(("StockTransferred", at, sku, source, destination, q))
        self._alerts(sku, source, src, free, at)
        self._excess(sku, destination, dst, dst_before, at)
        result = (self.position(sku, source), self.position(sku, destination))
        self._remember(operation_id, (*fingerprint, result, None))
        return result

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
                        _RESERVED,
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
            return _public(record[-2], record[-1])
        reservations = self._reservations
        if rid in reservations:
            raise RuleViolation(STOCK_RESERVATION_DUPLICATE, params={"reservation_id": rid})
        undo = self._undo
        if single and chosen is None:
            # One line with the default strategy: the hot path, straight to the packed
            # state (the general path below gives the same result, only slower).
            cells = self._locations.get(sku, _NO_CELLS)
            first: _Cell | None = None
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
                    undo.append(_cell_undo(first))
                reserved = first.reserved
                first.reserved = reserved + quantity
                if actor is None:
                    # The entry is rebuilt from the operation's record when read (see
                    # _entries): a str is not tracked by the garbage collector, a tuple is.
                    self._journal.append(operation_id)
                else:
                    self._journal.append(
                        (
                            _RESERVED,
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
            undo.append((_UNDO_RESERVATION, rid, None))
        reservations[rid] = packed
        if expires_at is not None:
            self._expiring[rid] = expires_at
            if undo is not None:
                undo.append((_UNDO_EXPIRING_ADDED, rid))
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
        if len(records) >= _CHUNK:
            self._seal()
        # _public, inlined on this hot path (one Python call fewer).
        result: Reservation = _new_object(Reservation)
        _set_reservation_id(result, rid)
        _set_reservation_state(result, packed)
        return result

    def _reserve_spread(
        self,
        cells: Mapping[str, _Cell],
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
                (_RESERVED, sku, location, ZERO, q, order_id, rid, operation_id, actor, None, at)
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
            return _public(seen[0], seen[1])
        state = self._state(reservation_id)
        order_id, created_at, expires_at, expired, lines = state
        _, demand = backordered_demand(lines)
        served, _ = self._allocate(demand, chosen, allow_safety_stock=allow_safety_stock)
        new_lines = fill_backorder_lines(lines, served)
        updated: ReservationState = (order_id, created_at, expires_at, expired, new_lines)
        packed = pack_reservation(updated)
        self._put_reservation(reservation_id, packed)
        allocations = tuple(
            x for sku, got in served.items() for loc, q in got for x in (sku, loc, q)
        )
        if allocations:
            backordered = sum((line[4] for line in new_lines), ZERO)
            self._pending.append(
                ("StockBackorderFilled", at, reservation_id, order_id, allocations, backordered)
            )
        self._apply_reserve(
            served.items(),
            order_id=order_id,
            reservation_id=reservation_id,
            operation_id=operation_id,
            actor=actor,
            at=at,
        )
        self._remember(operation_id, (*fingerprint, reservation_id, packed))
        return _public(reservation_id, packed)

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
            if record[:-2] != _release_fingerprint(reservation_id, lines):
                raise OperationConflict(operation_id)
            return _public(record[-2], record[-1])
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
                undo.append(_cell_undo(cell))
                undo.append((_UNDO_RESERVATION, reservation_id, packed))
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
                _RELEASED,
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
            if len(records) >= _CHUNK:
                self._seal()
            # _public, inlined on this hot path (one Python call fewer).
            result: Reservation = _new_object(Reservation)
            _set_reservation_id(result, reservation_id)
            _set_reservation_state(result, packed)
            return result
        order_id, created_at, expires_at, expired, current = unpack_reservation(packed)
        wanted = requested_quantities(current, lines)
        new_lines, freed, unbackordered = take_from_lines(current, wanted, commit=False)
        self._apply_release(
            reservation_id,
            order_id,
            freed,
            kind=_RELEASED,
            operation_id=operation_id,
            actor=actor,
            reason=reason,
            at=at,
        )
        updated: ReservationState = (order_id, created_at, expires_at, expired, new_lines)
        packed = pack_reservation(updated)
        self._put_reservation(reservation_id, packed)
        self._pending.append(
            ("StockReleased", at, reservation_id, order_id, _flat(freed), unbackordered)
        )
        fingerprint = _release_fingerprint(reservation_id, lines)
        self._remember(operation_id, (*fingerprint, reservation_id, packed))
        return _public(reservation_id, packed)

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
            if record[:-2] != _commit_fingerprint(reservation_id, location, lines):
                raise OperationConflict(operation_id)
            return _public(record[-2], record[-1])
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
                undo.append(_cell_undo(cell))
                undo.append((_UNDO_RESERVATION, reservation_id, packed))
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
                _COMMITTED,
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
            if len(records) >= _CHUNK:
                self._seal()
            # _public, inlined on this hot path (one Python call fewer).
            result: Reservation = _new_object(Reservation)
            _set_reservation_id(result, reservation_id)
            _set_reservation_state(result, packed)
            return result
        order_id, created_at, expires_at, expired, current = unpack_reservation(packed)
        new_lines, shipped, _ = take_from_lines(
            current, requested_quantities(current, lines), commit=True, location=location
        )
        journal = self._journal
        cells = self._cells
        for sku, loc, q in shipped:
            cell = cells[(sku, loc)]
            if undo is not None:
                undo.append(_cell_undo(cell))
            cell.on_hand -= q
            cell.reserved -= q
            journal.append(
                (
                    _COMMITTED,
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
        updated: ReservationState = (order_id, created_at, expires_at, expired, new_lines)
        packed = pack_reservation(updated)
        self._put_reservation(reservation_id, packed)
        self._pending.append(("StockCommitted", at, reservation_id, order_id, _flat(shipped)))
        fingerprint = _commit_fingerprint(reservation_id, location, lines)
        self._remember(operation_id, (*fingerprint, reservation_id, packed))
        return _public(reservation_id, packed)

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
            return tuple(_public(*item) for item in seen[0])
        due = [rid for rid, when in self._expiring.items() if when <= now]
        if due:
            # A new index rather than deletions: an undo puts the old one back as it
            # was, order included (expire walks the whole index anyway).
            if self._undo is not None:
                self._undo.append((_UNDO_EXPIRING, self._expiring))
            self._expiring = {rid: w for rid, w in self._expiring.items() if w > now}
        expired: list[tuple[str, PackedReservation]] = []
        for rid in due:
            state = unpack_reservation(self._reservations[rid])
            if not reservation_is_open(state):
                continue
            order_id, created_at, expires_at, _, current = state
            new_lines, freed, unbackordered = take_from_lines(current, None, commit=False)
            self._apply_release(
                rid,
                order_id,
                freed,
                kind=_EXPIRED,
                operation_id=op,
                actor=actor,
                reason="expired",
                at=now,
            )
            updated: ReservationState = (order_id, created_at, expires_at, True, new_lines)
            packed = pack_reservation(updated)
            self._put_reservation(rid, packed)
            self._pending.append(
                ("ReservationExpired", now, rid, order_id, _flat(freed), unbackordered)
            )
            expired.append((rid, packed))
        self._remember(op, (*fingerprint, tuple(expired), None))
        return tuple(_public(*item) for item in expired)
