"""Stock values: positions, reservation requests and states, reservations, movements.

Private: import every name from :mod:`salesorder.inventory`.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from salesorder._inventory.quantities import (
    CHECKED_QUANTITIES,
    RESERVED_ABOVE_ON_HAND,
    ZERO,
    InvalidQuantity,
    as_quantity,
    to_optional_level,
    to_positive_quantity,
)
from salesorder.errors import (
    NotFound,
)

# --------------------------------------------------------------------------- values


@attrs.frozen
class StockPosition:
    """Stock of one SKU at one location (库存台账的一行).

    Attributes:
        sku: Stock keeping unit.
        location: Warehouse or bin.
        on_hand: Physically present quantity.
        reserved: Quantity promised to open reservations (≤ on hand).
        safety_stock: Quantity kept back from ordinary reservations (安全库存).
        reorder_point: Free stock at or below which a :class:`LowStockDetected` is raised;
            None for no low-stock alert.
        max_level: On hand above which an :class:`ExcessStockDetected` is raised;
            None for no excess alert.
    """

    sku: str
    location: str
    on_hand: Decimal = attrs.field(default=ZERO, converter=as_quantity)
    reserved: Decimal = attrs.field(default=ZERO, converter=as_quantity)
    safety_stock: Decimal = attrs.field(default=ZERO, converter=as_quantity)
    reorder_point: Decimal | None = attrs.field(default=None, converter=to_optional_level)
    max_level: Decimal | None = attrs.field(default=None, converter=to_optional_level)

    def __attrs_post_init__(self) -> None:
        if self.reserved > self.on_hand:
            raise InvalidQuantity(params={"what": "reserved", "reason": RESERVED_ABOVE_ON_HAND})

    @property
    def free(self) -> Decimal:
        """On hand minus reserved: what is physically unpromised (safety stock included)."""
        return self.on_hand - self.reserved

    @property
    def available(self) -> Decimal:
        """What an ordinary reservation may take: on hand − reserved − safety stock, ≥ 0."""
        return self.available_to(allow_safety_stock=False)

    def available_to(self, *, allow_safety_stock: bool) -> Decimal:
        """What a reservation may take under the caller's policy.

        Args:
            allow_safety_stock: True lets the reservation dip into safety stock.

        Returns:
            The available quantity, never negative.
        """
        free = self.on_hand - self.reserved
        if not allow_safety_stock:
            free -= self.safety_stock
        return free if free > 0 else ZERO

    @property
    def is_below_reorder_point(self) -> bool:
        """True when free stock is at or below the reorder point."""
        return self.reorder_point is not None and self.free <= self.reorder_point

    @property
    def is_below_safety_stock(self) -> bool:
        """True when free stock is below the safety stock."""
        return self.free < self.safety_stock

    @property
    def is_excess(self) -> bool:
        """True when on hand is above the maximum level."""
        return self.max_level is not None and self.on_hand > self.max_level


@attrs.frozen(init=False)
class ReservationLine:
    """One line of a reservation request; the service maps order lines to these.

    Attributes:
        line_id: The order line's id, unique within the request.
        sku: Stock keeping unit.
        quantity: Positive quantity to reserve.
    """

    line_id: str
    sku: str
    quantity: Decimal

    def __init__(self, line_id: str, sku: str, quantity: Decimal | int | str) -> None:
        # Written by hand: attrs' frozen __init__ costs three times as much, and every
        # reservation request builds these (benchmarks/bench_inventory.py).
        if not (
            type(quantity) is Decimal
            and quantity.is_finite()
            and quantity > 0
            and quantity in CHECKED_QUANTITIES
        ):
            quantity = to_positive_quantity(quantity)
        _set_line_id(self, line_id)
        _set_line_sku(self, sku)
        _set_line_quantity(self, quantity)


# Slot setters of the frozen classes built on hot paths (what attrs' __init__ does,
# without its per-call lookups).
_set_line_id = ReservationLine.__dict__["line_id"].__set__
_set_line_sku = ReservationLine.__dict__["sku"].__set__
_set_line_quantity = ReservationLine.__dict__["quantity"].__set__


@attrs.frozen
class Allocation:
    """A quantity of one SKU served from one location.

    Attributes:
        sku: Stock keeping unit.
        location: Where it is served from.
        quantity: Positive quantity.
    """

    sku: str
    location: str
    quantity: Decimal


@attrs.frozen
class ReservedLine:
    """The state of one reserved line.

    ``quantity == allocated + backordered + committed + released`` always holds.

    Attributes:
        line_id: The order line's id.
        sku: Stock keeping unit.
        quantity: Quantity requested.
        allocations: Open allocations per location (reserved, not yet shipped).
        backordered: Quantity waiting for stock (not reserved anywhere).
        committed: Quantity shipped from this reservation.
        released: Quantity released (cancelled or expired).
    """

    line_id: str
    sku: str
    quantity: Decimal
    allocations: tuple[Allocation, ...] = ()
    backordered: Decimal = ZERO
    committed: Decimal = ZERO
    released: Decimal = ZERO

    @property
    def allocated(self) -> Decimal:
        """Sum of the open allocations."""
        return sum((a.quantity for a in self.allocations), ZERO)

    @property
    def outstanding(self) -> Decimal:
        """Allocated plus backordered: what the reservation still promises."""
        return self.allocated + self.backordered


@attrs.frozen(repr=False)
class Reservation:
    """Stock promised to one order, per line and per location (a snapshot).

    The ledger builds reservations from its compact internal state; ``lines`` are
    materialised on first access. Build one yourself with :meth:`from_lines`.

    Attributes:
        reservation_id: Identifier (defaults to the reserving operation id).
        order_id: The order it serves.
        created_at: When it was made.
        expires_at: When :meth:`StockLedger.expire` releases it; None never.
        expired: True once released by expiry.
        lines: One :class:`ReservedLine` per requested line, in request order.
    """

    reservation_id: str
    # The packed state (see ``pack_reservation``): one flat tuple, cheap to build and compare.
    _state: tuple[Any, ...] = attrs.field(alias="state")

    @property
    def order_id(self) -> str:
        """The order it serves."""
        return self._state[0]  # type: ignore[no-any-return]

    @property
    def created_at(self) -> datetime:
        """When it was made."""
        return self._state[1]  # type: ignore[no-any-return]

    @property
    def expires_at(self) -> datetime | None:
        """When :meth:`StockLedger.expire` releases it; None never."""
        return self._state[2]  # type: ignore[no-any-return]

    @property
    def expired(self) -> bool:
        """True once released by expiry."""
        return self._state[3]  # type: ignore[no-any-return]

    @classmethod
    def from_lines(
        cls,
        reservation_id: str,
        order_id: str,
        lines: Iterable[ReservedLine],
        *,
        created_at: datetime,
        expires_at: datetime | None = None,
        expired: bool = False,
    ) -> Reservation:
        """A reservation from its lines (for adapters that load reservations).

        Args:
            reservation_id: Identifier.
            order_id: The order it serves.
            lines: The reserved lines.
            created_at: When it was made.
            expires_at: When it expires; None never.
            expired: Whether it was released by expiry.

        Returns:
            The reservation.
        """
        state = tuple(
            (
                line.line_id,
                line.sku,
                line.quantity,
                tuple((a.location, a.quantity) for a in line.allocations),
                line.backordered,
                line.committed,
                line.released,
            )
            for line in lines
        )
        packed = pack_reservation((order_id, created_at, expires_at, expired, state))
        return cls(reservation_id, packed)

    @property
    def state(self) -> ReservationState:
        """The state the kernel's rules compute on (see :data:`ReservationState`)."""
        return unpack_reservation(self._state)

    @functools.cached_property
    def lines(self) -> tuple[ReservedLine, ...]:
        """One :class:`ReservedLine` per requested line, in request order."""
        return tuple(
            ReservedLine(
                line_id,
                sku,
                quantity,
                tuple([Allocation(sku, location, q) for location, q in allocations]),
                backordered,
                committed,
                released,
            )
            for line_id, sku, quantity, allocations, backordered, committed, released in (
                unpack_reservation(self._state)[4]
            )
        )

    def __repr__(self) -> str:
        return (
            f"Reservation(reservation_id={self.reservation_id!r}, order_id={self.order_id!r}, "
            f"lines={self.lines!r}, created_at={self.created_at!r}, "
            f"expires_at={self.expires_at!r}, expired={self.expired!r})"
        )

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        """Every open allocation of every line."""
        return tuple(a for line in self.lines for a in line.allocations)

    @property
    def allocated(self) -> Decimal:
        """Total quantity currently reserved by this reservation."""
        return sum((q for line in unpack_reservation(self._state)[4] for _, q in line[3]), ZERO)

    @property
    def backordered(self) -> Decimal:
        """Total quantity waiting for stock."""
        return sum((line[4] for line in unpack_reservation(self._state)[4]), ZERO)

    @property
    def is_open(self) -> bool:
        """True while anything is still allocated or backordered."""
        return any(line[3] or line[4] for line in unpack_reservation(self._state)[4])

    def line(self, line_id: str) -> ReservedLine:
        """The reserved line with ``line_id``.

        Raises:
            NotFound: if the reservation has no such line.
        """
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise NotFound(params={"entity": "reservation line", "id": line_id})


class MovementKind(enum.StrEnum):
    """What a journal movement records."""

    RECEIVED = "received"
    ADJUSTED = "adjusted"
    RESERVED = "reserved"
    RELEASED = "released"
    COMMITTED = "committed"
    RESTOCKED = "restocked"
    TRANSFERRED_OUT = "transferred_out"
    TRANSFERRED_IN = "transferred_in"
    EXPIRED = "expired"


@attrs.frozen(kw_only=True)
class Movement:
    """One append-only journal entry: a change of on hand and/or reserved at one position.

    Attributes:
        sequence: Position in the journal, from 0.
        kind: What happened.
        sku: Stock keeping unit.
        location: Where.
        on_hand_delta: Change of on hand.
        reserved_delta: Change of reserved.
        order_id: The order concerned, if any.
        reservation_id: The reservation concerned, if any.
        operation_id: The operation that made the change.
        actor: Who did it (a user or system id), if given.
        reason: Why (count reason, return reason...), if given.
        at: When.
    """

    sequence: int
    kind: MovementKind
    sku: str
    location: str
    on_hand_delta: Decimal
    reserved_delta: Decimal
    order_id: str | None
    reservation_id: str | None
    operation_id: str
    actor: str | None
    reason: str | None
    at: datetime


# --------------------------------------------------------------------------- reservation state

# A reservation's state as plain tuples of atoms (str, Decimal, datetime, None): the one
# representation every store computes on (the kernel's decisions take and return it),
# cheap to snapshot (tuples are immutable) and untracked by the cyclic garbage collector.
# An allocation is a pair of location and quantity; a line holds line id, SKU, quantity,
# allocations, backordered, committed and released; a reservation's state holds order
# id, created at, expires at, the expired flag and the lines.
AllocationState = tuple[str, Decimal]
LineState = tuple[str, str, Decimal, tuple[AllocationState, ...], Decimal, Decimal, Decimal]
ReservationState = tuple[str, datetime, "datetime | None", bool, tuple[LineState, ...]]
# The same state packed flat (see pack_reservation): what a Reservation holds.
PackedReservation = tuple[Any, ...]


def reservation_is_open(state: ReservationState) -> bool:
    """True while a line still has something allocated or backordered."""
    return any(line[3] or line[4] for line in state[4])


# Stored states are packed into one flat tuple of atoms: order id, created at, expires
# at, expired, then per line: line id, SKU, quantity, backordered, committed, released,
# the number of allocations and that many (location, quantity) pairs laid flat. Flat
# tuples of atoms are untracked by the cyclic garbage collector at its first pass, so a
# ledger with millions of entries does not make every full collection slower.
def pack_reservation(state: ReservationState) -> PackedReservation:
    """A reservation state laid flat, as a :class:`Reservation` holds it."""
    order_id, created_at, expires_at, expired, lines = state
    flat: list[Any] = [order_id, created_at, expires_at, expired]
    for line_id, sku, quantity, allocations, backordered, committed, released in lines:
        flat += (line_id, sku, quantity, backordered, committed, released, len(allocations))
        for pair in allocations:
            flat += pair
    return tuple(flat)


def unpack_reservation(packed: PackedReservation) -> ReservationState:
    """The reservation state of a packed one (the inverse of :func:`pack_reservation`)."""
    lines: list[LineState] = []
    i, end = 4, len(packed)
    while i < end:
        line_id, sku, quantity, backordered, committed, released, count = packed[i : i + 7]
        i += 7
        pairs = packed[i : i + 2 * count]
        allocations = tuple(zip(pairs[::2], pairs[1::2], strict=True))
        i += 2 * count
        lines.append((line_id, sku, quantity, allocations, backordered, committed, released))
    return (packed[0], packed[1], packed[2], packed[3], tuple(lines))
