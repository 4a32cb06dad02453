"""Decisions: a reservation's state and a request in, the whole change out.

Private: import every name from :mod:`salesorder.inventory`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder._inventory.events import (
    ReservationExpired,
    StockAdjusted,
    StockBackorderFilled,
    StockCommitted,
    StockReceived,
    StockReleased,
    StockReserved,
    StockRestocked,
    StockTransferred,
)
from salesorder._inventory.rules import (
    check_stock_count,
    check_transfer,
    distribute_allocations,
    fill_backorder_lines,
    take_from_lines,
)
from salesorder._inventory.values import (
    Allocation,
    AllocationState,
    MovementKind,
    ReservationState,
    StockPosition,
)
from salesorder.errors import InsufficientStock, Shortfall
from salesorder.events import DomainEvent


@attrs.frozen
class GiveBack:
    """What a release, a shipment or an expiry of one reservation changes.

    A store applies it as it is: the reservation's new state, then for each taken
    (SKU, location, quantity) one conditional change of the position that requires
    ``reserved >= quantity`` and lowers reserved by it (on hand too, for a
    shipment), one journal movement of ``kind`` with ``reason``, and ``event``.

    Attributes:
        state: The reservation's state after the change.
        taken: (SKU, location, quantity) leaving the reservation's allocations, in
            the order the rule takes them.
        unbackordered: Backordered quantity released (0 for a shipment).
        kind: The journal movement's kind.
        reason: The journal movement's reason.
        event: The event to record.
    """

    state: ReservationState
    taken: tuple[tuple[str, str, Decimal], ...]
    unbackordered: Decimal
    kind: MovementKind
    reason: str | None
    event: DomainEvent

    @property
    def ships(self) -> bool:
        """True when on hand goes down with reserved (a shipment)."""
        return self.kind is MovementKind.COMMITTED


@attrs.frozen
class Allocate:
    """What a reservation or a backorder fill allocates.

    A store applies it as it is: the reservation's state, then for each taken
    (SKU, location, quantity), added up per position, one conditional change that
    requires ``available >= quantity`` (``on_hand - reserved - safety_stock``, or
    ``on_hand - reserved`` when safety stock may be used: see
    :meth:`StockPosition.available_to`) and raises reserved by it, one ``reserved``
    journal movement, and ``events`` (none when nothing was allocated by a fill).

    Attributes:
        state: The reservation's state after the change.
        taken: (SKU, location, quantity) allocated, in line order.
        events: A :class:`StockReserved`, a :class:`StockBackorderFilled`, or nothing.
    """

    state: ReservationState
    taken: tuple[tuple[str, str, Decimal], ...]
    events: tuple[DomainEvent, ...]


def decide_reservation(
    reservation_id: str,
    order_id: str,
    request: Sequence[tuple[str, str, Decimal]],
    served: Mapping[str, list[AllocationState]],
    *,
    at: datetime,
    expires_at: datetime | None = None,
) -> Allocate:
    """A new reservation of ``request`` from what ``served`` allocates per SKU.

    Args:
        reservation_id: The new reservation's id.
        order_id: The order it serves.
        request: (line id, SKU, quantity) per line, checked by :func:`reservation_demand`.
        served: Per SKU, the (location, quantity) a checked plan allocates
            (:func:`plan_allocation`); what it does not serve is backordered.
        at: When (the reservation's creation time).
        expires_at: When it expires; None never.

    Returns:
        The change; its one event is a :class:`StockReserved`.
    """
    lines = distribute_allocations(request, served)
    taken = tuple((line[1], location, q) for line in lines for location, q in line[3])
    event = StockReserved(
        occurred_at=at,
        reservation_id=reservation_id,
        order_id=order_id,
        allocations=_allocations(taken),
        backordered=sum((line[4] for line in lines), Decimal(0)),
    )
    return Allocate((order_id, at, expires_at, False, lines), taken, (event,))


def decide_backorder_fill(
    reservation_id: str,
    state: ReservationState,
    served: Mapping[str, list[AllocationState]],
    *,
    at: datetime,
) -> Allocate:
    """Allocate ``served`` (planned for :func:`backordered_demand`) to the backordered lines.

    Returns:
        The change; its one event is a :class:`StockBackorderFilled`, and it has
        none when nothing could be served.
    """
    order_id, created_at, expires_at, expired, lines = state
    new_lines = fill_backorder_lines(lines, served)
    taken = tuple((sku, location, q) for sku, got in served.items() for location, q in got)
    events: tuple[DomainEvent, ...] = ()
    if taken:
        events = (
            StockBackorderFilled(
                occurred_at=at,
                reservation_id=reservation_id,
                order_id=order_id,
                allocations=_allocations(taken),
                backordered=sum((line[4] for line in new_lines), Decimal(0)),
            ),
        )
    return Allocate((order_id, created_at, expires_at, expired, new_lines), taken, events)


def _allocations(taken: tuple[tuple[str, str, Decimal], ...]) -> tuple[Allocation, ...]:
    return tuple(Allocation(sku, location, quantity) for sku, location, quantity in taken)


def decide_release(
    reservation_id: str,
    state: ReservationState,
    wanted: Mapping[str, Decimal] | None,
    *,
    at: datetime,
    reason: str | None = None,
) -> GiveBack:
    """Release a reservation, all of it or ``wanted`` per line.

    A line's backordered quantity goes first, then its allocations, the most
    recently added location first (:func:`take_from_lines`).

    Args:
        reservation_id: The reservation.
        state: Its state now.
        wanted: Quantity per line id, checked by :func:`requested_quantities`;
            None releases everything outstanding.
        at: When.
        reason: Why (journalled).

    Returns:
        The change.

    Raises:
        RuleViolation: ``stock.reservation.exceeded`` when a line holds less than asked.
    """
    order_id, created_at, expires_at, expired, lines = state
    new_lines, taken, unbackordered = take_from_lines(lines, wanted, commit=False)
    freed = tuple(taken)
    event = StockReleased(
        occurred_at=at,
        reservation_id=reservation_id,
        order_id=order_id,
        allocations=_allocations(freed),
        backordered=unbackordered,
    )
    after = (order_id, created_at, expires_at, expired, new_lines)
    return GiveBack(after, freed, unbackordered, MovementKind.RELEASED, reason, event)


def decide_commit(
    reservation_id: str,
    state: ReservationState,
    wanted: Mapping[str, Decimal] | None,
    *,
    at: datetime,
    location: str | None = None,
) -> GiveBack:
    """Ship from a reservation: everything allocated (at ``location`` if given) or ``wanted``.

    Allocations are shipped oldest first (:func:`take_from_lines`).

    Raises:
        RuleViolation: ``stock.reservation.exceeded`` when a line holds less than asked.
    """
    order_id, created_at, expires_at, expired, lines = state
    new_lines, taken, _ = take_from_lines(lines, wanted, commit=True, location=location)
    shipped = tuple(taken)
    event = StockCommitted(
        occurred_at=at,
        reservation_id=reservation_id,
        order_id=order_id,
        allocations=_allocations(shipped),
    )
    after = (order_id, created_at, expires_at, expired, new_lines)
    return GiveBack(after, shipped, Decimal(0), MovementKind.COMMITTED, None, event)


def decide_expiry(reservation_id: str, state: ReservationState, *, now: datetime) -> GiveBack:
    """Expire a reservation: release everything outstanding and mark it expired.

    The caller decides which reservations are due (``expires_at <= now`` and still
    open, :func:`reservation_is_open`).
    """
    order_id, created_at, expires_at, _, lines = state
    new_lines, taken, unbackordered = take_from_lines(lines, None, commit=False)
    freed = tuple(taken)
    event = ReservationExpired(
        occurred_at=now,
        reservation_id=reservation_id,
        order_id=order_id,
        allocations=_allocations(freed),
        backordered=unbackordered,
    )
    after = (order_id, created_at, expires_at, True, new_lines)
    return GiveBack(after, freed, unbackordered, MovementKind.EXPIRED, "expired", event)


@attrs.frozen
class OnHandMove:
    """One change of on hand at one position, with the condition it relies on.

    Attributes:
        kind: The journal movement's kind.
        sku: Stock keeping unit.
        location: Location.
        delta: Change of on hand.
        requires_free: Free stock (on hand - reserved) the position must still have
            when the change is applied (a transfer's source), else None. A store
            that finds less asks :func:`check_transfer` for the error.
        expects_on_hand: The on hand the decision was made on (a count), else None;
            a store that finds another on hand decides again.
    """

    kind: MovementKind
    sku: str
    location: str
    delta: Decimal
    requires_free: Decimal | None = None
    expects_on_hand: Decimal | None = None

    def check_free(self, free: Decimal) -> None:
        """Refuse the move if the position's free stock is below what it requires.

        Raises:
            InsufficientStock: one :class:`Shortfall` (asked, free) for the SKU.
        """
        if self.requires_free is not None and free < self.requires_free:
            raise InsufficientStock((Shortfall(self.sku, self.requires_free, free),))


@attrs.frozen
class OnHandChange:
    """What a receipt, a return to stock, a count or a transfer changes.

    A store applies each move (in (SKU, location) order, its lock order) as one
    conditional change of on hand, journals one movement per move (with
    ``order_id`` and ``reason``), records ``event``, then the alerts of each position
    after the change (:func:`falling_stock_alerts`, :func:`excess_stock_alerts`).

    Attributes:
        moves: The changes of on hand.
        order_id: The order concerned (a return), else None.
        reason: Why (journalled).
        event: The event to record.
    """

    moves: tuple[OnHandMove, ...]
    order_id: str | None
    reason: str | None
    event: DomainEvent


def decide_receipt(
    sku: str, location: str, quantity: Decimal, *, at: datetime, reason: str | None = None
) -> OnHandChange:
    """Goods arrive: on hand goes up by ``quantity`` (positive, :func:`to_positive_quantity`)."""
    event = StockReceived(occurred_at=at, sku=sku, location=location, quantity=quantity)
    move = OnHandMove(MovementKind.RECEIVED, sku, location, quantity)
    return OnHandChange((move,), None, reason, event)


def decide_restock(
    sku: str,
    location: str,
    quantity: Decimal,
    *,
    at: datetime,
    order_id: str | None = None,
    reason: str | None = None,
) -> OnHandChange:
    """Returned goods go back on hand (positive ``quantity``)."""
    event = StockRestocked(
        occurred_at=at, sku=sku, location=location, quantity=quantity, order_id=order_id
    )
    move = OnHandMove(MovementKind.RESTOCKED, sku, location, quantity)
    return OnHandChange((move,), order_id, reason, event)


def decide_count(
    before: StockPosition, counted: Decimal, *, at: datetime, reason: str
) -> OnHandChange:
    """A stock count sets on hand to ``counted``, never below what is reserved.

    Raises:
        RuleViolation: ``stock.adjust.below_reserved`` (:func:`check_stock_count`).
    """
    sku, location = before.sku, before.location
    check_stock_count(sku, location, counted=counted, reserved=before.reserved)
    delta = counted - before.on_hand
    event = StockAdjusted(
        occurred_at=at, sku=sku, location=location, counted=counted, delta=delta, reason=reason
    )
    move = OnHandMove(MovementKind.ADJUSTED, sku, location, delta, expects_on_hand=before.on_hand)
    return OnHandChange((move,), None, reason, event)


def decide_transfer(
    sku: str,
    *,
    source: str,
    destination: str,
    quantity: Decimal,
    at: datetime,
    reason: str | None = None,
) -> OnHandChange:
    """Move free stock between two locations; the source must still have it free.

    Raises:
        RuleViolation: ``stock.transfer.same_location`` when source is destination.
    """
    if source == destination:
        check_transfer(
            sku, source=source, destination=destination, quantity=quantity, source_free=quantity
        )
    event = StockTransferred(
        occurred_at=at, sku=sku, source=source, destination=destination, quantity=quantity
    )
    moves = (
        OnHandMove(MovementKind.TRANSFERRED_OUT, sku, source, -quantity, requires_free=quantity),
        OnHandMove(MovementKind.TRANSFERRED_IN, sku, destination, quantity),
    )
    return OnHandChange(moves, None, reason, event)
