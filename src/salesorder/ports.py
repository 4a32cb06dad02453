"""Ports: the small protocols a host application implements to plug in its infrastructure.

The library never does I/O itself. Storage, stock, notifications, time, numbering,
credit, calendars and coupon redemptions come in through these protocols. In-memory
implementations live in :mod:`salesorder.adapters.memory` (the embedded default),
and :mod:`salesorder.testing.contracts` holds test suites any implementation must pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import attrs

from salesorder.events import DomainEvent
from salesorder.money import Money
from salesorder.order import Order

__all__ = [
    "Clock",
    "CouponLedger",
    "CreditLimit",
    "CreditPolicy",
    "EventPublisher",
    "Notifier",
    "OrderNumbering",
    "OrderRepository",
    "Outbox",
    "OutboxEntry",
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
class CreditPolicy(Protocol):
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


class UnitOfWork(Protocol):
    """One atomic change: orders, stock, outbox (and coupons) together, or nothing.

    Use as a context manager; call :meth:`commit` at the end. Leaving the block
    without committing, or with an exception, rolls everything back.
    """

    orders: OrderRepository
    outbox: Outbox
    coupons: CouponLedger

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
