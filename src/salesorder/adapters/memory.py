"""In-memory adapters: thread-safe implementations of the ports, the embedded default.

A :class:`MemoryDatabase` holds orders, quotes, stock, the outbox, coupon redemptions
and idempotency keys (the repositories live in private modules; this is their public
home). A :class:`MemoryUnitOfWork` takes the database's lock for its whole duration
(units of work run one at a time, so each use case is isolated) and records what it
changes in every part; leaving it without :meth:`~MemoryUnitOfWork.commit` undoes all
of it. Readers outside a unit of work take the same lock, so they never see a change
half made.

Invariants: every method of :class:`InMemoryStockStore` runs under one lock, so each
operation of the underlying :class:`StockLedger` is atomic with
respect to every other thread; a reader never sees a half-applied reservation, and
concurrent reservations never oversell. Between :meth:`InMemoryStockStore.begin` and
:meth:`~InMemoryStockStore.rollback` the ledger records an undo log (one unit of work at
a time), so a rollback restores exactly the state at ``begin`` in O(changes).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

from salesorder.adapters._memory_analytics import MemoryAnalytics
from salesorder.adapters._memory_orders import (
    FixedClock,
    FixedCreditControl,
    MemoryCouponLedger,
    MemoryExchangeRates,
    MemoryOrderRepository,
    MemoryOutbox,
    PatternNumbering,
    SystemClock,
    TaxTable,
)
from salesorder.adapters._memory_quotes import MemoryIdempotencyKeys, MemoryQuoteRepository
from salesorder.adapters._memory_stock import StockLedger
from salesorder.events import DomainEvent
from salesorder.inventory import (
    AllocationStrategy,
    Movement,
    Reservation,
    ReservationLine,
    StockPosition,
)

__all__ = [
    "FixedClock",
    "FixedCreditControl",
    "InMemoryStockStore",
    "MemoryAnalytics",
    "MemoryCouponLedger",
    "MemoryDatabase",
    "MemoryExchangeRates",
    "MemoryIdempotencyKeys",
    "MemoryOrderRepository",
    "MemoryOutbox",
    "MemoryQuoteRepository",
    "MemoryUnitOfWork",
    "PatternNumbering",
    "StockLedger",
    "SystemClock",
    "TaxTable",
]


class InMemoryStockStore:
    """A thread-safe :class:`~salesorder.ports.StockStore` built on a :class:`StockLedger`.

    Args:
        ledger: The ledger to guard; a new empty one by default.
        default_strategy: Allocation strategy of the new ledger (ignored with ``ledger``).

    """

    def __init__(
        self,
        ledger: StockLedger | None = None,
        *,
        default_strategy: AllocationStrategy | None = None,
    ) -> None:
        self._ledger = StockLedger(default_strategy=default_strategy) if ledger is None else ledger
        # One lock for the whole ledger: reservations touch several positions at once,
        # and all-or-nothing needs them checked and changed together.
        self._lock = threading.Lock()
        # The ledger's savepoint of the open unit of work (one at a time), if any.
        self._savepoint: int | None = None

    @classmethod
    def from_positions(
        cls, positions: Iterable[StockPosition], *, at: datetime
    ) -> InMemoryStockStore:
        """A store whose opening balances are ``positions`` (see ``StockLedger.from_positions``).

        Args:
            positions: Positions without reservations.
            at: Time of the opening balance.

        Returns:
            The new store.
        """
        return cls(StockLedger.from_positions(positions, at=at))

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
        with self._lock:
            return self._ledger.receive(
                sku,
                location,
                quantity=quantity,
                operation_id=operation_id,
                at=at,
                actor=actor,
                reason=reason,
            )

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
        with self._lock:
            return self._ledger.restock(
                sku,
                location,
                quantity=quantity,
                operation_id=operation_id,
                at=at,
                order_id=order_id,
                actor=actor,
                reason=reason,
            )

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
        with self._lock:
            return self._ledger.adjust(
                sku,
                location,
                counted=counted,
                reason=reason,
                operation_id=operation_id,
                at=at,
                actor=actor,
            )

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
        with self._lock:
            return self._ledger.transfer(
                sku,
                source=source,
                destination=destination,
                quantity=quantity,
                operation_id=operation_id,
                at=at,
                actor=actor,
                reason=reason,
            )

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
        with self._lock:
            return self._ledger.set_levels(
                sku,
                location,
                safety_stock=safety_stock,
                reorder_point=reorder_point,
                max_level=max_level,
            )

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
        with self._lock:
            return self._ledger.reserve(
                order_id,
                lines,
                operation_id=operation_id,
                at=at,
                strategy=strategy,
                allow_backorder=allow_backorder,
                allow_safety_stock=allow_safety_stock,
                expires_at=expires_at,
                reservation_id=reservation_id,
                actor=actor,
            )

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
        with self._lock:
            return self._ledger.fill_backorders(
                reservation_id,
                operation_id=operation_id,
                at=at,
                strategy=strategy,
                allow_safety_stock=allow_safety_stock,
                actor=actor,
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
        """Give reserved (or backordered) quantity back, all or per line."""
        with self._lock:
            return self._ledger.release(
                reservation_id,
                operation_id=operation_id,
                at=at,
                lines=lines,
                actor=actor,
                reason=reason,
            )

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
        with self._lock:
            return self._ledger.commit(
                reservation_id,
                operation_id=operation_id,
                at=at,
                lines=lines,
                location=location,
                actor=actor,
            )

    def expire(
        self, now: datetime, *, operation_id: str | None = None, actor: str | None = None
    ) -> tuple[Reservation, ...]:
        """Release every open reservation whose expiry is at or before ``now``."""
        with self._lock:
            return self._ledger.expire(now, operation_id=operation_id, actor=actor)

    def position(self, sku: str, location: str) -> StockPosition:
        """The current position (all zero if never seen)."""
        with self._lock:
            return self._ledger.position(sku, location)

    def positions(self, *, sku: str | None = None) -> tuple[StockPosition, ...]:
        """Every known position (of one SKU if given), sorted by SKU then location."""
        with self._lock:
            return self._ledger.positions(sku=sku)

    def available(self, sku: str, *, allow_safety_stock: bool = False) -> Decimal:
        """Total quantity of ``sku`` a reservation could take now."""
        with self._lock:
            return self._ledger.available(sku, allow_safety_stock=allow_safety_stock)

    def available_many(
        self, skus: Iterable[str], *, allow_safety_stock: bool = False
    ) -> dict[str, Decimal]:
        """What `available` answers for each SKU, read at one moment (under one lock).

        The ``StockAvailability`` capability of ``salesorder.ports``: the service's stock
        rule asks it for every SKU of an order at once.
        """
        wanted = sorted(set(skus))
        with self._lock:
            return {
                sku: self._ledger.available(sku, allow_safety_stock=allow_safety_stock)
                for sku in wanted
            }

    def reservation(self, reservation_id: str) -> Reservation:
        """The current state of a reservation (NotFound if unknown)."""
        with self._lock:
            return self._ledger.reservation(reservation_id)

    def reservations(self, *, order_id: str | None = None) -> tuple[Reservation, ...]:
        """Every reservation (of one order if given)."""
        with self._lock:
            return self._ledger.reservations(order_id=order_id)

    def movements(self) -> tuple[Movement, ...]:
        """The journal, oldest first."""
        with self._lock:
            return self._ledger.movements()

    def rebuild_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """On hand per (SKU, location) recomputed from the journal alone."""
        with self._lock:
            return self._ledger.rebuild_on_hand()

    def rebuild_reserved(self) -> dict[tuple[str, str], Decimal]:
        """Reserved per (SKU, location) recomputed from the journal alone."""
        with self._lock:
            return self._ledger.rebuild_reserved()

    def drain_events(self) -> list[DomainEvent]:
        """Hand out the events recorded since the last drain, oldest first."""
        with self._lock:
            return self._ledger.drain_events()

    # -- unit-of-work support --------------------------------------------------------------

    def begin(self) -> None:
        """Start recording changes so that :meth:`rollback` can undo them.

        One unit of work at a time: calling it again keeps the changes recorded so
        far and starts a new batch. Recording costs O(changes), not O(ledger size)
        (see :meth:`StockLedger.savepoint`).
        """
        with self._lock:
            if self._savepoint is not None:
                self._ledger.release_savepoint(self._savepoint)
            self._savepoint = self._ledger.savepoint()

    def end(self) -> None:
        """Keep the changes made since :meth:`begin` and stop recording."""
        with self._lock:
            if self._savepoint is not None:
                self._ledger.release_savepoint(self._savepoint)
                self._savepoint = None

    def rollback(self) -> None:
        """Undo every change since :meth:`begin`, exactly, and stop recording.

        Positions, levels, reservations, the journal, operation ids, expiry
        bookkeeping and pending events (drained ones included) are as they were.
        Without an open :meth:`begin` it does nothing.
        """
        with self._lock:
            if self._savepoint is not None:
                self._ledger.rollback_to(self._savepoint)
                self._savepoint = None


class _Undoable(Protocol):
    def begin(self) -> None: ...
    def end(self) -> None: ...
    def rollback(self) -> None: ...


class MemoryDatabase:
    """Everything the embedded default stores, behind one re-entrant lock.

    Args:
        stock: The stock store; a new empty :class:`InMemoryStockStore` by default.
    """

    def __init__(self, *, stock: InMemoryStockStore | None = None) -> None:
        self.lock = threading.RLock()
        self.orders = MemoryOrderRepository(lock=self.lock)
        self.quotes = MemoryQuoteRepository(lock=self.lock)
        self.outbox = MemoryOutbox(lock=self.lock)
        self.coupons = MemoryCouponLedger(lock=self.lock)
        self.idempotency = MemoryIdempotencyKeys(lock=self.lock)
        self.stock = stock if stock is not None else InMemoryStockStore()

    def parts(self) -> tuple[_Undoable, ...]:
        """Every part a unit of work must be able to undo."""
        return (self.orders, self.quotes, self.outbox, self.coupons, self.idempotency, self.stock)

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work over this database."""
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork:
    """All-or-nothing over a :class:`MemoryDatabase`; see the module docstring."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        self.orders = database.orders
        self.quotes = database.quotes
        self.stock = database.stock
        self.outbox = database.outbox
        self.coupons = database.coupons
        self.idempotency = database.idempotency
        self._open = False

    def __enter__(self) -> Self:
        self._database.lock.acquire()
        self._open = True
        for part in self._database.parts():
            part.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
            for part in self._database.parts():
                part.end()
        finally:
            self._open = False
            self._database.lock.release()

    def commit(self) -> None:
        """Keep every change made so far; later changes form a new, undoable batch."""
        for part in self._database.parts():
            part.end()
            part.begin()

    def rollback(self) -> None:
        """Undo every change since the last commit."""
        for part in self._database.parts():
            part.rollback()
            part.begin()
