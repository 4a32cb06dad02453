"""Ports: the small protocols a host application implements to plug in its infrastructure.

The library never does I/O itself. Storage, stock, notifications, time, numbering,
credit, calendars and coupon redemptions come in through these protocols. In-memory
implementations live in :mod:`salesorder.adapters.memory` (the embedded default),
and :mod:`salesorder.testing.contracts` holds test suites any implementation must pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import attrs

from salesorder.events import DomainEvent
from salesorder.inventory import (
    AllocationStrategy,
    Movement,
    Reservation,
    ReservationLine,
    StockPosition,
)
from salesorder.money import Money
from salesorder.order import Order

__all__ = [
    "Clock",
    "CouponLedger",
    "CreditControl",
    "CreditLimit",
    "EventPublisher",
    "Notifier",
    "OrderNumbering",
    "OrderRepository",
    "Outbox",
    "OutboxEntry",
    "StockStore",
    "UnitOfWork",
]


@runtime_checkable
class Clock(Protocol):
    """The time source. Pure code never reads the system clock; the service asks this."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@runtime_checkable
class OrderNumbering(Protocol):
    """Issues human-facing order numbers such as ``SO-202611-000123``.

    Contract: numbers are unique across every call, including concurrent ones; a
    number once issued is never issued again, even if the order is never saved.
    """

    def next_number(self, *, at: datetime) -> str:
        """The next number, formatted for the period containing ``at``."""
        ...


@runtime_checkable
class OrderRepository(Protocol):
    """Where orders live.

    Contract:

    * ``get`` returns an independent copy: changing it changes nothing stored until
      ``save``.
    * ``add`` stores a new order with ``version`` 1; an existing id or number raises
      :class:`~salesorder.errors.ConcurrencyConflict`.
    * ``save(order, expected_version=n)`` stores the order only if the stored version
      is still ``n``, then sets both to ``n + 1``; otherwise it raises
      ``ConcurrencyConflict`` and writes nothing. Two concurrent saves of the same
      version can never both win.
    * ``get`` of an unknown id raises :class:`~salesorder.errors.NotFound`.
    """

    def get(self, order_id: str) -> Order:
        """The order with ``order_id``."""
        ...

    def add(self, order: Order) -> None:
        """Store a new order."""
        ...

    def save(self, order: Order, *, expected_version: int) -> None:
        """Store a changed order if nobody else saved it since ``expected_version``."""
        ...

    def find_by_number(self, number: str) -> Order | None:
        """The order with this number, if any."""
        ...

    def find(
        self,
        *,
        customer_id: str | None = None,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> Sequence[Order]:
        """Orders matching every given criterion (``created_to`` exclusive), oldest first."""
        ...


@attrs.frozen
class OutboxEntry:
    """An event recorded with the change that produced it, waiting for delivery.

    Attributes:
        event: The domain event.
        attempts: Delivery attempts so far.
        last_error: Type name of the last delivery error (no message: it may hold data).
    """

    event: DomainEvent
    attempts: int = 0
    last_error: str | None = None


@runtime_checkable
class Outbox(Protocol):
    """Events recorded in the same transaction as the change (transactional outbox).

    Contract: ``add`` is part of the unit of work: rolled back with it. Entries stay
    pending, in order, until ``mark_delivered``; a failed delivery is recorded with
    ``mark_failed`` and the entry stays pending for a retry.
    """

    def add(self, events: Iterable[DomainEvent]) -> None:
        """Record events of the current change."""
        ...

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        """Undelivered entries, oldest first."""
        ...

    def mark_delivered(self, event_ids: Iterable[str]) -> None:
        """Remove delivered events from the pending list."""
        ...

    def mark_failed(self, event_id: str, *, error: str) -> None:
        """Count a failed delivery attempt."""
        ...


@runtime_checkable
class Notifier(Protocol):
    """Delivers an event to the outside (warehouse, finance, the customer...).

    Contract: delivery is at least once; receivers de-duplicate by ``event.event_id``.
    Raising means "not delivered": the event stays in the outbox for a retry.
    """

    def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
        """Deliver ``event`` to the given audiences."""
        ...


#: Historical name used in the architecture notes; the same protocol.
EventPublisher = Notifier


@attrs.frozen
class CreditLimit:
    """A customer's credit position.

    Attributes:
        limit: The credit limit.
        exposure: Open receivables and unshipped confirmed orders.
    """

    limit: Money
    exposure: Money

    @property
    def headroom(self) -> Money:
        """Limit minus exposure (negative when already over)."""
        return self.limit - self.exposure


@runtime_checkable
class CreditControl(Protocol):
    """The host's credit data. ``None`` means "no limit known": the credit rule is skipped."""

    def credit_for(self, customer_id: str) -> CreditLimit | None:
        """The customer's limit and exposure."""
        ...


@runtime_checkable
class CouponLedger(Protocol):
    """Coupon redemptions, for usage limits (total and per customer).

    Contract: ``redeem`` is part of the unit of work; counts include every committed
    redemption.
    """

    def count(self, code: str) -> int:
        """Redemptions of ``code`` so far."""
        ...

    def count_for_customer(self, code: str, customer_id: str) -> int:
        """Redemptions of ``code`` by one customer."""
        ...

    def redeem(self, code: str, *, customer_id: str, order_id: str) -> None:
        """Record a redemption."""
        ...


@runtime_checkable
class StockStore(Protocol):
    """Stock per (SKU, location), with reservations, a journal and events.

    The operations and their semantics are those of
    :class:`salesorder.adapters.memory.StockLedger`, whose rules are the stock kernel's
    (:mod:`salesorder.inventory`); a store adds durability and safe
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


class UnitOfWork(Protocol):
    """One atomic change: orders, stock, outbox (and coupons) together, or nothing.

    Use as a context manager; call :meth:`commit` at the end. Leaving the block
    without committing, or with an exception, rolls everything back.
    """

    @property
    def orders(self) -> OrderRepository:
        """The orders, inside this change."""
        ...

    @property
    def stock(self) -> StockStore:
        """The stock, inside this change."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox, inside this change."""
        ...

    @property
    def coupons(self) -> CouponLedger:
        """Coupon redemptions, inside this change."""
        ...

    def __enter__(self) -> Self:
        """Begin the change."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Make the change durable and visible."""
        ...

    def rollback(self) -> None:
        """Discard the change."""
        ...
