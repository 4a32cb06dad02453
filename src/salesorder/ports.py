"""Ports: the small protocols a host application implements to plug in its infrastructure.

The library never does I/O itself. Storage (orders, quotes, idempotency keys, the
outbox, coupon redemptions, all inside one unit of work), stock, notifications, time,
numbering, credit data and tax rates come in through these protocols, and every one of them is
here, with its contract in its docstring. In-memory implementations live in
``memory`` (the embedded default), and
``contracts`` holds test suites any implementation must pass.

What is a port, and what is not. A port is infrastructure the host owns: state that
outlives a call, or something the library cannot compute (the time, the next number,
a customer's credit). A *strategy* is a pure decision a caller may swap; it stays in
the module that calls it, beside its built-in implementations:

* ``AllocationStrategy`` (which locations serve a
  reservation) is the stock kernel's: ``plan_allocation``
  calls it, and this module imports inventory types, so it could not move here
  without a cycle.
* ``CouponRedemptions`` (redemption counts) is what the
  pure ``price`` reads; the port a host implements is
  ``CouponLedger``, which extends it with ``redeem`` and ``release``, so the two
  cannot drift.
* ``Rule`` (a business rule) belongs to the validation
  gate: its signature is made of the gate's own types (``ValidationContext``,
  ``Issue``), and the gate imports this module (``CreditLimit``), so moving it here
  would make a cycle and pull pydantic below the service.
* ``BusinessCalendar`` (working days and hours) is the SLA
  module's: a pure question about dates.

Layering: this module imports core types only (money, order, events, inventory,
pricing, quotes) and never the service, the adapters or the validation gate; a core
module may import a port from here only where that makes no import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import attrs

from salesorder.events import DomainEvent
from salesorder.exchange import ExchangeRate
from salesorder.inventory import (
    AllocationStrategy,
    Movement,
    Reservation,
    ReservationLine,
    StockPosition,
)
from salesorder.money import Money
from salesorder.order import Order
from salesorder.pricing import CouponRedemptions, TaxPolicy
from salesorder.quotes import Quote
from salesorder.records import Status, StockDisposition

__all__ = [
    "Clock",
    "CouponLedger",
    "CreditControl",
    "CreditExposure",
    "CreditLimit",
    "DeadLetter",
    "EventPublisher",
    "ExchangeRates",
    "IdempotencyKeys",
    "InvoiceNumbering",
    "Notifier",
    "NumberingInUnitOfWork",
    "OrderBatches",
    "OrderLineStock",
    "OrderNumbering",
    "OrderRepository",
    "Outbox",
    "OutboxEntry",
    "OverdueIndex",
    "QuoteRepository",
    "ReservationOutcome",
    "ServiceUnitOfWork",
    "StockAvailability",
    "StockStore",
    "TaxEngine",
    "UnitOfWork",
    "stream_of",
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
class NumberingInUnitOfWork(Protocol):
    """Optional capability of an ``OrderNumbering``: numbers drawn inside a unit of work.

    A numbering that offers it (``SqlNumbering`` does) lets the service draw an entry's
    number in the same transaction as the order, after every check has passed: one
    transaction per entry instead of two. A host's own numbering without it keeps
    working: its number is drawn before the unit of work opens, in a transaction of
    its own, as before.

    Contract: ``next_numbers_in`` returns ``count`` numbers, unique like those of
    ``next_number`` and from the same series (the two never collide), drawn through
    ``unit_of_work``; or None when it cannot draw through that unit of work (another
    database), and the service then falls back to ``next_number``. A number drawn
    this way and rolled back with the unit of work is either issued again (a counter
    row, SQLite) or never (a database sequence, PostgreSQL: a gap), as the database
    decides; it is never seen outside a committed order.
    """

    def next_numbers_in(
        self, unit_of_work: UnitOfWork, *, at: datetime, count: int = 1
    ) -> Sequence[str] | None:
        """``count`` numbers for the period containing ``at``, or None (see above)."""
        ...


@runtime_checkable
class InvoiceNumbering(Protocol):
    """Issues invoice and credit note numbers such as ``INV-202612-000042``: its own series.

    Contract (``salesorder.testing.contracts.InvoiceNumberingContract``): numbers are
    unique across every call, including concurrent ones, and never shared with the order
    series; a number once issued is never issued again, even when the invoice it was
    drawn for is refused (like a database sequence, a refusal leaves a gap). The
    memory and SQL numberings serve, with a prefix of their own
    (``PatternNumbering(prefix="INV")``, ``SqlNumbering(database, prefix="INV")``); a
    host that takes official numbers from its tax system plugs that in here.
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
      ``ConcurrencyConflict``.
    * ``save(order, expected_version=n)`` stores the order only if the stored version
      is still ``n``, then sets both to ``n + 1``; otherwise it raises
      ``ConcurrencyConflict`` and writes nothing. Two concurrent saves of the same
      version can never both win.
    * ``get`` of an unknown id raises ``NotFound``.
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


@runtime_checkable
class OrderBatches(Protocol):
    """Optional capability of an ``OrderRepository``: many new orders in one statement.

    ``OrderService.enter_many`` stores a batch with it when the repository offers it
    (``SqlOrderRepository`` does), else with ``add`` per order. Contract: like ``add``
    for each order (version 1, a taken id or number raises ``ConcurrencyConflict``),
    in the caller's unit of work; on a conflict the unit of work must be rolled back.
    """

    def add_many(self, orders: Sequence[Order]) -> None:
        """Insert new orders with version 1."""


@runtime_checkable
class OverdueIndex(Protocol):
    """Orders by how long they have been in their current status (SLA and overdue checks).

    An optional extension of [OrderRepository][salesorder.ports.OrderRepository]:
    ``OrderService.overdue`` uses it when the unit of work's order repository has it,
    and otherwise reads every order of the watched statuses.

    Contract: ``find_entered_before(bounds)`` returns every order whose current status
    is a key of ``bounds`` and that entered that status (its last audit entry into it)
    at or before the status's moment, and no other order; oldest first (undated orders
    first, then by ``created_at`` and id). An order whose audit does not say when it
    entered its status is not returned. An empty ``bounds`` returns nothing.
    """

    def find_entered_before(self, bounds: Mapping[Status, datetime]) -> Sequence[Order]:
        """The orders in a status of ``bounds`` since its moment or earlier."""
        ...


@attrs.frozen
class OutboxEntry:
    """An event recorded with the change that produced it, waiting for delivery.

    Attributes:
        event: The domain event.
        attempts: Delivery attempts so far.
        last_error: Code of the last delivery error: a library error's ``code``, or the
            exception's type name (never its message: it may hold personal data).
        retry_at: Earliest time of the next attempt (None: at once).
    """

    event: DomainEvent
    attempts: int = 0
    last_error: str | None = None
    retry_at: datetime | None = None


@attrs.frozen
class DeadLetter:
    """An outbox entry the relay gave up on, parked until the host re-queues it.

    Attributes:
        event_id: The event's id.
        event_type: The event's type name.
        attempts: Delivery attempts made.
        last_error: Code of the error that parked it.
        event: The event, or None when it cannot be read back (its stored form does
            not decode: the reason why it was parked).
    """

    event_id: str
    event_type: str
    attempts: int
    last_error: str | None
    event: DomainEvent | None


def stream_of(event: DomainEvent) -> str | None:
    """The ordering stream of ``event``: its order's id (None: no ordering to keep).

    Events of one order are delivered in commit order; others in any order.
    """
    order_id = getattr(event, "order_id", None)
    return order_id if isinstance(order_id, str) else None


@runtime_checkable
class Outbox(Protocol):
    """Events recorded in the same transaction as the change (transactional outbox).

    Contract:

    * ``add`` is part of the unit of work: rolled back with it. An event id is
      recorded once.
    * ``pending`` lists the live entries (neither delivered nor dead), oldest first.
    * ``claim`` hands the relay what it may deliver now: live entries that are due
      (``retry_at`` absent or not after ``now``) and first among the live entries of
      their stream (``stream_of``, the order), so that one order's events go out
      in commit order. A claimed entry is held for the unit of work: a concurrent
      relay's ``claim`` skips it instead of waiting (``FOR UPDATE SKIP LOCKED``), so
      no two relays deliver one entry at the same time. An entry whose stored form
      cannot be read back is parked as dead by ``claim`` (with the error's code)
      instead of blocking the others.
    * A failed delivery is recorded with ``mark_failed`` (attempts + 1, the error's
      code, the time of the next try); ``mark_dead`` parks an entry, which ``claim``
      and ``pending`` then skip and ``dead`` lists, until ``requeue`` makes it live
      again with its attempts reset.
    * Marking an unknown id changes nothing.
    """

    def add(self, events: Iterable[DomainEvent]) -> None:
        """Record events of the current change."""
        ...

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        """Live (undelivered, not dead) entries, oldest first, due or not."""
        ...

    def claim(self, *, limit: int, now: datetime) -> Sequence[OutboxEntry]:
        """Due entries first in their stream, oldest first, held for this unit of work."""
        ...

    def mark_delivered(self, event_ids: Iterable[str]) -> None:
        """Remove delivered events from the pending list."""
        ...

    def mark_failed(self, event_id: str, *, error: str, retry_at: datetime | None = None) -> None:
        """Count a failed delivery attempt; the next one not before ``retry_at``."""
        ...

    def mark_dead(self, event_id: str, *, error: str) -> None:
        """Count a last failed attempt and park the entry as dead."""
        ...

    def dead(self, *, limit: int = 100) -> Sequence[DeadLetter]:
        """Parked entries, oldest first."""
        ...

    def requeue(self, event_ids: Iterable[str]) -> int:
        """Make parked entries live again (attempts reset); returns how many were."""
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
        exposure: Open receivables and unshipped confirmed orders, as the host counts
            them; None when the host gives no figure: the service then counts the
            customer's outstanding receivables from its own orders
            ([credit_exposure][salesorder.invoicing.credit_exposure]).
    """

    limit: Money
    exposure: Money | None = None

    @property
    def headroom(self) -> Money:
        """Limit minus exposure (negative when already over; the limit when no exposure)."""
        return self.limit if self.exposure is None else self.limit - self.exposure


@runtime_checkable
class CreditExposure(Protocol):
    """A repository that adds up a customer's credit exposure itself (one query on SQL).

    The memory and SQL order repositories implement it; with another repository the
    service adds up [credit_exposure][salesorder.invoicing.credit_exposure] over the
    customer's orders (``find(customer_id=...)``).
    """

    def credit_exposure(
        self, customer_id: str, *, currency: str, excluding: str | None = None
    ) -> Money:
        """Σ the credit exposure of the customer's orders in ``currency``, but ``excluding``."""
        ...


@runtime_checkable
class CreditControl(Protocol):
    """The host's credit data. ``None`` means "no limit known": the credit rule is skipped."""

    def credit_for(self, customer_id: str) -> CreditLimit | None:
        """The customer's limit and exposure."""
        ...


class ExchangeRates(Protocol):
    """Date-effective exchange rates (a host's treasury table or a rates service).

    Contract: ``rate(base, quote, on=day)`` is the rate in force on ``day`` (the latest
    one that started on or before it), or None when there is none; the same question
    gives the same answer (a past day's rate does not change). The service asks it
    once, at entry, and stores the answer on the order (``Order.exchange_rate``).
    """

    def rate(self, base: str, quote: str, *, on: date) -> ExchangeRate | None:
        """One ``base`` in ``quote`` on ``on``, or None."""
        ...


class TaxEngine(Protocol):
    """Where the service's tax rates come from: the host's tax table or tax service.

    The service asks it for the [TaxPolicy][salesorder.pricing.TaxPolicy] of each order
    it prices, with the order's pricing instant (its ``created_at``), and prices the
    order with it: the rates, tax groups (several taxes and levies on one line) and
    mappings it returns apply to that order only.

    Contract: pure for the library's purposes — the same order and instant give the
    same policy (a date-effective table answers by ``at``), so re-pricing a stored
    order at a later step gives its stored totals; the answer is a ``TaxPolicy``; a
    failure raises (the command stops, nothing is saved). ``TaxTable`` in
    ``salesorder.adapters.memory`` is the default adapter: the service's
    ``PricingSettings.tax``, whatever the order.
    """

    def tax_policy(self, order: Order, *, at: datetime) -> TaxPolicy:
        """The tax policy for ``order`` priced at ``at``."""
        ...


@runtime_checkable
class CouponLedger(CouponRedemptions, Protocol):
    """Coupon redemptions, for usage limits (total and per customer).

    The counting side is ``CouponRedemptions``, what pricing
    reads; a ledger adds ``redeem``.

    Contract: ``redeem`` and ``release`` are part of the unit of work; counts include
    every committed redemption not released. Usage limits hold under concurrent units of
    work when counting a code and redeeming it cannot interleave with another unit of
    work doing the same for that code: the in-memory and SQLite adapters run one writer
    at a time; the PostgreSQL adapter locks the code (a transaction-level advisory lock)
    when it counts it.
    """

    def redeem(self, code: str, *, customer_id: str, order_id: str) -> None:
        """Record a redemption."""
        ...

    def release(self, order_id: str) -> None:
        """Forget every redemption by ``order_id`` (the order was cancelled unshipped)."""
        ...


@runtime_checkable
class StockStore(Protocol):
    """Stock per (SKU, location), with reservations, a journal and events.

    The operations and their semantics are those of
    ``StockLedger``, whose rules are the stock kernel's
    (``inventory``); a store adds durability and safe
    concurrent access. The contract (checked by
    ``StockStoreContract``):

    * **Atomic.** Each operation happens entirely or not at all; a failed operation
      (any exception) changes no position, reservation, journal entry or event.
      ``reserve`` is all-or-nothing across every line of the request.
    * **Never oversold.** For every (SKU, location), at every moment visible to any
      reader: ``0 <= reserved <= on_hand``, and a reservation only takes what is
      available (on hand − reserved − safety stock, unless the caller allows
      dipping into safety stock); what cannot be served raises
      ``InsufficientStock`` or, when allowed, is backordered.
      Lines of one SKU are aggregated before the check.
    * **Idempotent.** Every mutating operation carries an ``operation_id``; repeating
      it returns the first result and changes nothing; repeating it with different
      arguments raises ``OperationConflict``.
    * **Journalled.** Every change of on hand or reserved is an append-only
      ``Movement``; summing them gives on hand and reserved.
    * **Safe under concurrency.** Concurrent callers (threads, processes, machines)
      never oversell. A SQL store implements each position change as one
      conditional update — e.g. ``UPDATE stock SET reserved = reserved + :q WHERE
      sku = :s AND location = :l AND on_hand - reserved - safety_stock >= :q`` —
      and treats "0 rows updated" as a conflict (re-plan or raise), never as a
      read-modify-write; a reservation's updates, its journal rows and its
      idempotency record commit in one transaction.
    * **Events.** Changes and alerts (``StockReserved``, ``LowStockDetected``...) are
      recorded with the change and handed out once by ``drain_events``.
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


# -- the lifecycle's stock requests, in order-line terms ----------------------------------------


@runtime_checkable
class StockAvailability(Protocol):
    """Optional capability of a ``StockStore``: the availability of many SKUs at once.

    The service's stock rule asks it for every SKU of an order in one call (one
    statement on SQL, ``SqlStockStore``) when the store offers it, else
    ``available`` per SKU. Contract: the result maps every SKU asked to what
    ``available(sku, allow_safety_stock=allow_safety_stock)`` would return.
    """

    def available_many(
        self, skus: Iterable[str], *, allow_safety_stock: bool = False
    ) -> Mapping[str, Decimal]:
        """Total quantity of each SKU a reservation could take now."""
        ...


class ReservationOutcome(Protocol):
    """What a reservation served: quantities per line left on backorder."""

    @property
    def backordered(self) -> Mapping[str, Decimal]:
        """Quantity per line id that could not be reserved (only with ``allow_backorder``)."""
        ...


class OrderLineStock(Protocol):
    """Stock spoken in order lines: what carries out the lifecycle's stock requests.

    The lifecycle calls no port: its commands return ``StockRequest``
    values (reserve, release, commit, restock, in order lines) and
    ``run_with_stock`` carries them out through this protocol,
    in the transaction that saves the order. ``StoreReservations``
    implements it over a ``StockStore``; a host with its own stock may implement it
    instead (and ``FakeStock`` does, for tests).

    Contract: each call is atomic (all of it or nothing) and idempotent per
    ``operation_id``: a call repeated with an operation id already applied changes
    nothing and reports what the first one did.
    """

    def reserve(
        self,
        order: Order,
        *,
        lines: Mapping[str, Decimal],
        allow_backorder: bool,
        operation_id: str,
    ) -> ReservationOutcome:
        """Reserve ``lines`` of ``order`` (its lines give the SKUs).

        Raises:
            InsufficientStock: if stock is short and ``allow_backorder`` is false
                (then nothing is reserved).
        """
        ...

    def release(
        self, order_id: str, *, lines: Mapping[str, Decimal] | None, operation_id: str
    ) -> None:
        """Release reservations of ``lines`` (all of the order's when None)."""
        ...

    def commit(self, order_id: str, *, lines: Mapping[str, Decimal], operation_id: str) -> None:
        """Turn reserved quantities into shipped stock (goods leave the warehouse).

        Raises:
            InsufficientStock: backordered quantities to ship have no stock yet.
        """
        ...

    def restock(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal],
        disposition: StockDisposition,
        operation_id: str,
    ) -> None:
        """Take returned goods back: into available stock (restock) or written off (scrap)."""
        ...


class UnitOfWork(Protocol):
    """One atomic change: orders, stock, outbox (and coupons) together, or nothing.

    Use as a context manager; call ``commit`` at the end. Leaving the block
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


# -- what the service needs beyond the core ports: quotes and idempotency keys ---------------


@runtime_checkable
class QuoteRepository(Protocol):
    """Where quotations live (frozen ``Quote`` values).

    Contract:

    * ``put(quote, expected=None)`` stores a new quote; ``put(quote, expected=old)``
      replaces the stored quote only if it is still ``old`` (compare-and-set). When the
      stored value is not ``expected`` (a quote already stored under a new id, or
      changed since it was read) it raises ``ConcurrencyConflict``
      and writes nothing: two conversions of one quote can never both win.
    * ``put`` is part of the unit of work: rolled back with it.
    * ``get`` of an unknown id raises ``NotFound``.
    """

    def get(self, quote_id: str) -> Quote:
        """The quote with ``quote_id``."""
        ...

    def put(self, quote: Quote, *, expected: Quote | None) -> None:
        """Store ``quote`` if the stored one is still ``expected`` (None: a new quote)."""
        ...

    def all(self) -> Sequence[Quote]:
        """Every quote, oldest first."""
        ...


@runtime_checkable
class IdempotencyKeys(Protocol):
    """What keyed creating commands produced (order or quote ids), for repeat protection.

    Contract: ``put`` is part of the unit of work (rolled back with it), so a key is
    remembered exactly when what it produced is stored. A key is written once: a
    second ``put`` of a known key raises ``ConcurrencyConflict``
    (two concurrent commands with one key cannot both create). ``get`` of an unknown
    key returns None.
    """

    def get(self, key: str) -> str | None:
        """The id ``key`` produced, if any."""
        ...

    def put(self, key: str, result: str) -> None:
        """Remember the id ``key`` produced."""
        ...


class ServiceUnitOfWork(UnitOfWork, Protocol):
    """The unit of work ``OrderService`` opens.

    A ``UnitOfWork`` that also carries the quotes and the idempotency keys,
    committed and rolled back together with the orders, stock, outbox and coupons.
    Checked by ``UnitOfWorkContract``.
    """

    @property
    def quotes(self) -> QuoteRepository:
        """Quotations, inside this change."""
        ...

    @property
    def idempotency(self) -> IdempotencyKeys:
        """Results of keyed creating commands, inside this change."""
        ...
