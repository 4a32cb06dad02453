"""Decisions: a reservation's state and a request in, the whole change out.

Private: import every name from :mod:`salesorder.inventory`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder._inventory.events import ReservationExpired, StockCommitted, StockReleased
from salesorder._inventory.rules import take_from_lines
from salesorder._inventory.values import Allocation, MovementKind, ReservationState
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
