"""Stock ledger operations that give reserved stock back: backorder filling and release.

Private to [StockLedger][salesorder.adapters.memory.StockLedger] (see
``_memory_reserving`` for how the ledger is layered). ``release`` carries an inlined
path for a reservation of one line at one location next to the general path; both
apply ``decide_release`` of the stock kernel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from salesorder.adapters._memory_ledger_state import (
    CHUNK,
    RELEASED,
    UNDO_RESERVATION,
    ZERO,
    cell_undo,
    new_object,
    public_reservation,
    release_fingerprint,
    set_reservation_id,
    set_reservation_state,
)
from salesorder.adapters._memory_reserving import ReservingLedger
from salesorder.errors import NotFound
from salesorder.inventory import (
    AllocationStrategy,
    OperationConflict,
    Reservation,
    backordered_demand,
    decide_backorder_fill,
    decide_release,
    is_default_strategy,
    pack_reservation,
    requested_quantities,
    unpack_reservation,
)

__all__ = ["ReleasingLedger"]


class ReleasingLedger(ReservingLedger):
    """Fill backorders from new stock; release reservations in whole or in part."""

    __slots__ = ()

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
