"""The in-memory stock ledger's storage engine: :class:`LedgerState`.

Where positions, reservations, the journal, pending events and idempotency records
live and how they are read back (the savepoints are `_memory_savepoints`). No stock rule is
here (they are the stock kernel's, :mod:`salesorder.inventory`); the operations that
apply them are :class:`salesorder.adapters._memory_stock_on_hand.OnHandLedger` and
:class:`salesorder.adapters.memory.StockLedger`, built on this class.

The state is kept as tuples of atoms, chunked journals and int-indexed records so that
snapshots are free and the cyclic garbage collector has little to visit (see
``docs/inventory.md``, "Performance").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import attrs

from salesorder.errors import NotFound, RuleViolation
from salesorder.events import DomainEvent
from salesorder.inventory import (
    EMPTY_SKU_OR_LOCATION,
    STOCK_RESERVATION_INVALID,
    Allocation,
    AllocationStrategy,
    ExcessStockDetected,
    LowStockDetected,
    Movement,
    MovementKind,
    OperationConflict,
    PackedReservation,
    Reservation,
    ReservationExpired,
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
    excess_stock_alerts,
    falling_stock_alerts,
    is_default_strategy,
    to_quantity,
    unpack_reservation,
)

__all__ = [
    "ADJUSTED",
    "CHUNK",
    "COMMITTED",
    "EXPIRED",
    "NO_CELLS",
    "RECEIVED",
    "RELEASED",
    "RESERVED",
    "RESTOCKED",
    "TRANSFERRED_IN",
    "TRANSFERRED_OUT",
    "UNDO_EXPIRING",
    "UNDO_EXPIRING_ADDED",
    "UNDO_RESERVATION",
    "ZERO",
    "Cell",
    "LedgerState",
    "cell_undo",
    "commit_fingerprint",
    "flat_allocations",
    "new_object",
    "public_reservation",
    "release_fingerprint",
    "set_reservation_id",
    "set_reservation_state",
]

ZERO: Final = Decimal(0)

# A journal entry: kind, sku, location, on-hand delta, reserved delta, order id,
# reservation id, operation id, actor, reason, at.
JournalEntry = tuple[
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

RECEIVED: Final = MovementKind.RECEIVED.value
ADJUSTED: Final = MovementKind.ADJUSTED.value
RESERVED: Final = MovementKind.RESERVED.value
RELEASED: Final = MovementKind.RELEASED.value
COMMITTED: Final = MovementKind.COMMITTED.value
RESTOCKED: Final = MovementKind.RESTOCKED.value
TRANSFERRED_OUT: Final = MovementKind.TRANSFERRED_OUT.value
TRANSFERRED_IN: Final = MovementKind.TRANSFERRED_IN.value
EXPIRED: Final = MovementKind.EXPIRED.value

EVENT_TYPES: Final[dict[str, type[DomainEvent]]] = {
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
EVENT_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(f.name for f in attrs.fields(cls) if f.name not in {"occurred_at", "event_id"})
    for name, cls in EVENT_TYPES.items()
}


class Cell:
    """The mutable state of one (SKU, location); only the ledger touches it."""

    __slots__ = ("max_level", "on_hand", "reorder_point", "reserved", "safety_stock")

    def __init__(self) -> None:
        self.on_hand = ZERO
        self.reserved = ZERO
        self.safety_stock = ZERO
        self.reorder_point: Decimal | None = None
        self.max_level: Decimal | None = None


# Read-only stand-in for "no positions yet" (saves building an empty dict per call).
NO_CELLS: Final[Mapping[str, Cell]] = MappingProxyType({})

# The journal, the pending events and the operation records grow with every operation.
# Each is kept as a short list being filled plus a list of sealed, immutable chunks of
# CHUNK items: a chunk of atoms-only tuples is untracked by the cyclic garbage
# collector, so a full collection visits a thousand chunks instead of a million
# entries. Operation ids map to the int index of their record (ints are not tracked,
# so that dict is not traversed either).
CHUNK: Final = 1024


def truncate_chunked(
    chunks: list[tuple[Any, ...]], current: list[Any], sealed: int, kept: int
) -> None:
    """Cut a chunked sequence back to ``sealed`` chunks plus ``kept`` items in ``current``."""
    if len(chunks) > sealed:
        # The list that was current at the savepoint was sealed since; take it back.
        current[:] = chunks[sealed][:kept]
        del chunks[sealed:]
    else:
        del current[kept:]


# Undo-log entries (see StockLedger.savepoint): a tag, then what to restore.
UNDO_MARK: Final = 0  # counts of journal, pending events and operations at a savepoint
UNDO_CELL: Final = 1  # a cell's five fields before a change
UNDO_NEW_CELL: Final = 2  # a cell created: its key and the SKU's previous location map
UNDO_RESERVATION: Final = 3  # a reservation's previous packed state (None: it was new)
UNDO_EXPIRING_ADDED: Final = 4  # a reservation id added to the expiry index
UNDO_EXPIRING: Final = 5  # the expiry index replaced as a whole (by expire)
UNDO_DRAINED: Final = 6  # the pending events handed out by drain_events


def cell_undo(cell: Cell) -> tuple[Any, ...]:
    return (
        UNDO_CELL,
        cell,
        cell.on_hand,
        cell.reserved,
        cell.safety_stock,
        cell.reorder_point,
        cell.max_level,
    )


new_object = object.__new__
set_reservation_id = Reservation.__dict__["reservation_id"].__set__
set_reservation_state = Reservation.__dict__["_state"].__set__


def public_reservation(reservation_id: str, packed: PackedReservation) -> Reservation:
    """The frozen Reservation for a packed internal state (attrs' __init__, faster)."""
    reservation: Reservation = new_object(Reservation)
    set_reservation_id(reservation, reservation_id)
    set_reservation_state(reservation, packed)
    return reservation


def flat_request(lines: Mapping[str, object]) -> tuple[Any, ...]:
    """Per-line quantities laid flat and sorted, for a fingerprint."""
    return tuple(x for item in sorted((k, str(v)) for k, v in lines.items()) for x in item)


def release_fingerprint(reservation_id: str, lines: Mapping[str, object] | None) -> tuple[Any, ...]:
    """What identifies a release request (built only when needed: not on the hot path)."""
    if lines is None:
        return ("release", reservation_id, None)
    return ("release", reservation_id, *flat_request(lines))


def commit_fingerprint(
    reservation_id: str, location: str | None, lines: Mapping[str, object] | None
) -> tuple[Any, ...]:
    """What identifies a commit request (built only when needed: not on the hot path)."""
    if lines is None:
        return ("commit", reservation_id, location, None)
    return ("commit", reservation_id, location, *flat_request(lines))


def flat_allocations(allocations: Iterable[tuple[str, str, Decimal]]) -> tuple[Any, ...]:
    """(sku, location, quantity) triples laid flat, for event records."""
    return tuple(x for triple in allocations for x in triple)


class LedgerState:
    """The storage of :class:`~salesorder.adapters.memory.StockLedger`: state, reads, undo.

    The storage engine: positions and reservations, the chunked journal, pending events
    and records, and their reading back (events and journal entries rebuilt from compact
    records). It holds no stock rule; the undo log behind savepoints is applied by
    ``SavepointLedger`` (``_memory_savepoints``), which records into ``_undo``.

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
        self._cells: dict[tuple[str, str], Cell] = {}
        self._locations: dict[str, dict[str, Cell]] = {}
        self._reservations: dict[str, PackedReservation] = {}
        self._expiring: dict[str, datetime] = {}
        # Operation id -> index of its record; a record is the operation's fingerprint
        # followed by the two parts of its first result.
        self._operations: dict[str, int] = {}
        self._records: list[tuple[Any, ...]] = []
        self._record_chunks: list[tuple[tuple[Any, ...], ...]] = []
        # Entries: JournalEntry, a hot release or shipment's JournalEntry + its packed result, or an
        # operation id (see _entries and _record).
        self._journal: list[tuple[Any, ...] | str] = []
        self._journal_chunks: list[tuple[tuple[Any, ...] | str, ...]] = []
        # Pending events: tuples (event name first), journal entries or operation ids.
        self._pending: list[Any] = []
        self._pending_chunks: list[tuple[Any, ...]] = []
        # The undo log while a savepoint is open; None (the usual case) records nothing.
        self._undo: list[tuple[Any, ...]] | None = None
        self._default_strategy = None if is_default_strategy(default_strategy) else default_strategy

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
        return public_reservation(reservation_id, packed)

    def reservations(self, *, order_id: str | None = None) -> tuple[Reservation, ...]:
        """Every reservation (of one order if given), in creation order."""
        return tuple(
            public_reservation(rid, packed)
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
            self._undo.append((UNDO_DRAINED, chunks, pending))
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
            elif entry[0] == COMMITTED:
                at = entry[10]
                name, values = "StockCommitted", (entry[6], entry[5], (*entry[1:3], -entry[4]))
            elif entry[0] == RELEASED:
                at = entry[10]
                name = "StockReleased"
                values = (entry[6], entry[5], (*entry[1:3], -entry[4]), ZERO)
            else:
                name, at, *recorded = entry
                values = tuple(recorded)
            fields = dict(zip(EVENT_FIELDS[name], values, strict=True))
            if "allocations" in fields:
                flat = fields["allocations"]
                fields["allocations"] = tuple(
                    Allocation(flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)
                )
            events.append(EVENT_TYPES[name](occurred_at=at, **fields))
        return events

    # ---------------------------------------------------------------- internals

    def _state(self, reservation_id: str) -> ReservationState:
        packed = self._reservations.get(reservation_id)
        if packed is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        return unpack_reservation(packed)

    def _cell(self, sku: str, location: str) -> Cell:
        """The cell of (sku, location), created if new; logged for undo when recording."""
        cell = self._cells.get((sku, location))
        if cell is None:
            if not sku or not location:
                raise RuleViolation(
                    STOCK_RESERVATION_INVALID,
                    params={"reason": EMPTY_SKU_OR_LOCATION},
                )
            previous = self._locations.get(sku)
            cell = self._cells[(sku, location)] = Cell()
            here = {} if previous is None else dict(previous)
            here[location] = cell
            # Keep locations in name order: the default strategy walks them as they are.
            # A new dict each time, so the previous one can be put back by an undo.
            self._locations[sku] = dict(sorted(here.items()))
            if self._undo is not None:
                self._undo.append((UNDO_NEW_CELL, (sku, location), sku, previous))
        elif self._undo is not None:
            self._undo.append(cell_undo(cell))
        return cell

    def _touch(self, cell: Cell) -> None:
        """Log a cell's fields before it changes, when recording for undo."""
        if self._undo is not None:
            self._undo.append(cell_undo(cell))

    def _put_reservation(self, reservation_id: str, packed: PackedReservation) -> None:
        """Store a reservation's new state, logging the previous one when recording."""
        if self._undo is not None:
            self._undo.append(
                (UNDO_RESERVATION, reservation_id, self._reservations.get(reservation_id))
            )
        self._reservations[reservation_id] = packed

    def _entries(self) -> Iterator[JournalEntry]:
        """The journal's entries, oldest first.

        A one-location reservation without actor is journalled as its operation id;
        its entry is rebuilt here from the operation's record (its first result).
        """
        for entry in itertools.chain(*self._journal_chunks, self._journal):
            if isinstance(entry, str):
                record = self._record(self._operations[entry])
                packed = record[-1]
                yield (
                    RESERVED,
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
        """The record of the operation at ``index`` (records are chunked by CHUNK)."""
        chunk, offset = divmod(index, CHUNK)
        if chunk < len(self._record_chunks):
            record = self._record_chunks[chunk][offset]
        else:
            record = self._records[offset]
        # A hot release or shipment stores its journal entry, which carries the
        # packed result last: rebuild the usual record (fingerprint, then result).
        kind = record[0]
        if kind == RELEASED:
            return ("release", record[6], None, record[6], record[11])
        if kind == COMMITTED:
            return ("commit", record[6], None, None, record[6], record[11])
        return record

    def _remember(self, operation_id: str, record: tuple[Any, ...]) -> None:
        """Store an operation's record (its fingerprint, then the two result parts)."""
        self._operations[operation_id] = len(self._operations)
        self._records.append(record)
        if len(self._records) >= CHUNK:
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

    def _alerts(
        self, sku: str, location: str, cell: Cell, free_before: Decimal, at: datetime
    ) -> None:
        """Record the kernel's alerts when free stock went down (falling_stock_alerts)."""
        if cell.on_hand - cell.reserved < free_before:
            self._pending += falling_stock_alerts(sku, location, cell, free_before, at)

    def _excess(
        self, sku: str, location: str, cell: Cell, on_hand_before: Decimal, at: datetime
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
