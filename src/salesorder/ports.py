"""Ports: the small protocols through which salesorder talks to the host's world.

Each port is a :class:`typing.Protocol` named by its role. The library ships an
in-memory implementation of each (:mod:`salesorder.adapters.memory`) and a contract
test suite (:mod:`salesorder.testing.contracts`) that any implementation, ours or
the host's, must pass.

Invariants every implementation keeps are stated in each port's docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from salesorder.events import DomainEvent
from salesorder.inventory import (
    AllocationStrategy,
    Movement,
    Reservation,
    ReservationLine,
    StockPosition,
)

__all__ = ["StockStore"]


@runtime_checkable
class StockStore(Protocol):
    """Stock per (SKU, location), with reservations, a journal and events.

    The operations and their semantics are those of
    :class:`salesorder.inventory.StockLedger`; a store adds durability and safe
    concurrent access. The contract (checked by
    :class:`salesorder.testing.contracts.StockStoreContract`):

    * **Atomic.** Each operation happens entirely or not at all; a failed operation
      (any exception) changes no position, reservation, journal entry or event.
      ``reserve`` is all-or-nothing across every line of the request.
    * **Never oversold.** For every (SKU, location), at every moment visible to any
      reader: ``0 <= reserved <= on_hand``, and a reservation only takes what is
      available (on hand − reserved − safety stock, unless the caller allows
      dipping into safety stock); what cannot be served raises
      :class:`~salesorder.errors.InsufficientStock` or, when allowed, is backordered.
      Lines of one SKU are aggregated before the check.
    * **Idempotent.** Every mutating operation carries an ``operation_id``; repeating
      it returns the first result and changes nothing; repeating it with different
      arguments raises :class:`~salesorder.inventory.OperationConflict`.
    * **Journalled.** Every change of on hand or reserved is an append-only
      :class:`~salesorder.inventory.Movement`; summing them gives on hand and reserved.
    * **Safe under concurrency.** Concurrent callers (threads, processes, machines)
      never oversell. A SQL store implements each position change as one
      conditional update — e.g. ``UPDATE stock SET reserved = reserved + :q WHERE
      sku = :s AND location = :l AND on_hand - reserved - safety_stock >= :q`` —
      and treats "0 rows updated" as a conflict (re-plan or raise), never as a
      read-modify-write; a reservation's updates, its journal rows and its
      idempotency record commit in one transaction.
    * **Events.** Changes and alerts (``StockReserved``, ``LowStockDetected``...) are
      recorded with the change and handed out once by :meth:`drain_events`.
    """

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
        """Goods arrive: on hand goes up."""
        ...

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
        """Returned goods go back on hand."""
        ...

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
        """Set on hand to a counted quantity (never below reserved)."""
        ...

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
        """Move unreserved stock between two locations."""
        ...

    def set_levels(
        self,
        sku: str,
        location: str,
        *,
        safety_stock: Decimal | int | str | None = None,
        reorder_point: Decimal | int | str | None = None,
        max_level: Decimal | int | str | None = None,
    ) -> StockPosition:
        """Set safety stock, reorder point and maximum level (None keeps the value)."""
        ...

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
        """Reserve stock for an order's lines, all or nothing."""
        ...

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
        """Allocate newly available stock to a reservation's backordered lines."""
        ...

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
        """Give reserved (or backordered) quantity back, all or per line."""
        ...

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
        """Ship reserved stock: on hand and reserved both go down."""
        ...

    def expire(
        self, now: datetime, *, operation_id: str | None = None, actor: str | None = None
    ) -> tuple[Reservation, ...]:
        """Release every open reservation whose expiry is at or before ``now``."""
        ...

    def position(self, sku: str, location: str) -> StockPosition:
        """The current position (all zero if never seen)."""
        ...

    def positions(self, *, sku: str | None = None) -> tuple[StockPosition, ...]:
        """Every known position (of one SKU if given), sorted by SKU then location."""
        ...

    def available(self, sku: str, *, allow_safety_stock: bool = False) -> Decimal:
        """Total quantity of ``sku`` a reservation could take now."""
        ...

    def reservation(self, reservation_id: str) -> Reservation:
        """The current state of a reservation (NotFound if unknown)."""
        ...

    def reservations(self, *, order_id: str | None = None) -> tuple[Reservation, ...]:
        """Every reservation (of one order if given)."""
        ...

    def movements(self) -> tuple[Movement, ...]:
        """The journal, oldest first."""
        ...

    def rebuild_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """On hand per (SKU, location) recomputed from the journal alone."""
        ...

    def rebuild_reserved(self) -> dict[tuple[str, str], Decimal]:
        """Reserved per (SKU, location) recomputed from the journal alone."""
        ...

    def drain_events(self) -> list[DomainEvent]:
        """Hand out the events recorded since the last drain, oldest first."""
        ...
