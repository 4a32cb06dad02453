"""In-memory orders, outbox, numbering, clocks, credit and coupons (the embedded default).

All state of one embedded "database" lives in a :class:`MemoryDatabase`; units of
work over it are serialised by one re-entrant lock, which makes every use case
atomic and isolated without any database. Orders are stored as private copies, so a
caller mutating a loaded order changes nothing until it saves.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from salesorder.adapters._memory_outbox import MemoryOutbox
from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.exchange import ExchangeRate
from salesorder.invoicing import customer_exposure
from salesorder.money import Money
from salesorder.order import Order
from salesorder.ports import CreditLimit
from salesorder.pricing import TaxPolicy
from salesorder.records import Status
from salesorder.sla import status_entered_at

__all__ = [
    "FixedClock",
    "FixedCreditControl",
    "MemoryCouponLedger",
    "MemoryExchangeRates",
    "MemoryOrderRepository",
    "MemoryOutbox",
    "PatternNumbering",
    "SystemClock",
    "TaxTable",
]


def clone_order(order: Order) -> Order:
    """An independent copy of an order.

    A shallow copy is enough: every field of the aggregate is an immutable value
    (frozen attrs objects, tuples, strings, Decimals) that the lifecycle replaces
    rather than mutates, so only the aggregate shell itself must not be shared.
    """
    return copy.copy(order)


class SystemClock:
    """The system clock, in UTC."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests, demos and replays.

    Args:
        at: The time to show (timezone-aware).
    """

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            msg = "FixedClock needs a timezone-aware datetime"
            raise ValueError(msg)
        self._at = at
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The time set."""
        with self._lock:
            return self._at

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new time."""
        with self._lock:
            self._at += delta
            return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to ``at``."""
        with self._lock:
            self._at = at


class PatternNumbering:
    """Order numbers from a pattern and a per-period counter, e.g. ``SO-202611-000123``.

    Args:
        prefix: Text before the period, e.g. ``SO``.
        period_format: ``strftime`` format of the period; the counter restarts each period.
        width: Digits of the counter.
        start: First counter value of a period.
    """

    def __init__(
        self, *, prefix: str = "SO", period_format: str = "%Y%m", width: int = 6, start: int = 1
    ) -> None:
        self._prefix = prefix
        self._period_format = period_format
        self._width = width
        self._start = start
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def next_number(self, *, at: datetime) -> str:
        """The next number of the period containing ``at``."""
        period = at.strftime(self._period_format)
        with self._lock:
            counter = self._counters.setdefault(period, itertools.count(self._start))
            value = next(counter)
        return f"{self._prefix}-{period}-{value:0{self._width}d}"


class MemoryOrderRepository:
    """Thread-safe in-memory :class:`~salesorder.ports.OrderRepository`.

    Args:
        lock: Lock shared with the unit of work of the same database.
    """

    def __init__(self, *, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._orders: dict[str, Order] = {}
        self._by_number: dict[str, str] = {}
        # While a unit of work is open: the state of each touched order before it.
        self._undo: dict[str, Order | None] | None = None

    def _remember(self, order_id: str) -> None:
        if self._undo is not None and order_id not in self._undo:
            self._undo[order_id] = self._orders.get(order_id)

    def begin(self) -> None:
        """Start recording changes so that :meth:`rollback` can undo them."""
        with self._lock:
            self._undo = {}

    def end(self) -> None:
        """Keep the changes made since :meth:`begin`."""
        with self._lock:
            self._undo = None

    def rollback(self) -> None:
        """Undo every change since :meth:`begin`."""
        with self._lock:
            for order_id, previous in (self._undo or {}).items():
                current = self._orders.pop(order_id, None)
                if current is not None and current.number is not None:
                    self._by_number.pop(current.number, None)
                if previous is not None:
                    self._orders[order_id] = previous
                    if previous.number is not None:
                        self._by_number[previous.number] = order_id
            self._undo = None

    def get(self, order_id: str) -> Order:
        """A private copy of the stored order."""
        with self._lock:
            stored = self._orders.get(order_id)
            if stored is None:
                raise NotFound(params={"entity": "order", "id": order_id})
            return clone_order(stored)

    def add(self, order: Order) -> None:
        """Store a new order with version 1."""
        with self._lock:
            if order.id in self._orders or (
                order.number is not None and order.number in self._by_number
            ):
                raise ConcurrencyConflict(params={"entity": "order", "expected": 0})
            order.version = 1
            self._remember(order.id)
            self._orders[order.id] = clone_order(order)
            if order.number is not None:
                self._by_number[order.number] = order.id

    def add_many(self, orders: Sequence[Order]) -> None:
        """Store new orders with version 1: all of them, or none on a taken id or number.

        The ``OrderBatches`` capability of ``salesorder.ports`` (``OrderService.enter_many``).
        """
        with self._lock:
            ids: set[str] = set()
            numbers: set[str] = set()
            for order in orders:
                taken = order.id in self._orders or order.id in ids
                if order.number is not None:
                    taken = taken or order.number in self._by_number or order.number in numbers
                    numbers.add(order.number)
                if taken:
                    raise ConcurrencyConflict(params={"entity": "order", "expected": 0})
                ids.add(order.id)
            for order in orders:
                self.add(order)

    def save(self, order: Order, *, expected_version: int) -> None:
        """Store ``order`` if the stored version is still ``expected_version``."""
        with self._lock:
            stored = self._orders.get(order.id)
            if stored is None:
                raise NotFound(params={"entity": "order", "id": order.id})
            if stored.version != expected_version:
                raise ConcurrencyConflict(params={"entity": "order", "expected": expected_version})
            if order.number is not None:
                owner = self._by_number.get(order.number)
                if owner is not None and owner != order.id:
                    raise ConcurrencyConflict(
                        params={"entity": "order", "expected": expected_version}
                    )
            self._remember(order.id)
            stored_copy = clone_order(order)
            stored_copy.version = expected_version + 1
            self._orders[order.id] = stored_copy
            order.version = expected_version + 1
            if stored.number != order.number and stored.number is not None:
                self._by_number.pop(stored.number, None)
            if order.number is not None:
                self._by_number[order.number] = order.id

    def find_by_number(self, number: str) -> Order | None:
        """The order with this number, if any (a private copy)."""
        with self._lock:
            order_id = self._by_number.get(number)
            return None if order_id is None else clone_order(self._orders[order_id])

    def find(
        self,
        *,
        customer_id: str | None = None,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> Sequence[Order]:
        """Orders matching every criterion, oldest first (private copies)."""
        with self._lock:
            matches = [
                order
                for order in self._orders.values()
                if _matches(order, customer_id, status, created_from, created_to)
            ]
            matches.sort(key=_creation_key)
            return [clone_order(order) for order in matches]

    def credit_exposure(
        self, customer_id: str, *, currency: str, excluding: str | None = None
    ) -> Money:
        """Σ the credit exposure of the customer's orders in ``currency``, but ``excluding``.

        See [credit_exposure][salesorder.invoicing.credit_exposure]; the stored orders
        are read in place, not copied.
        """
        with self._lock:
            return customer_exposure(
                self._orders.values(), customer_id, currency=currency, excluding=excluding
            )

    def find_entered_before(self, bounds: Mapping[Status, datetime]) -> Sequence[Order]:
        """Orders in a status of ``bounds`` since its moment or earlier, oldest first.

        The :class:`~salesorder.ports.OverdueIndex` port (private copies).
        """
        limits = {str(status): moment for status, moment in bounds.items()}
        with self._lock:
            matches = []
            for order in self._orders.values():
                limit = limits.get(str(order.status))
                if limit is None:
                    continue
                entered = status_entered_at(order)
                if entered is not None and entered <= limit:
                    matches.append(order)
            matches.sort(key=_creation_key)
            return [clone_order(order) for order in matches]

    def __len__(self) -> int:
        with self._lock:
            return len(self._orders)

    def snapshot(self) -> Mapping[str, Order]:
        """Every stored order by id (private copies): for tests and replication."""
        with self._lock:
            return {order_id: clone_order(order) for order_id, order in self._orders.items()}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _creation_key(order: Order) -> tuple[datetime, str]:
    return (order.created_at or _EPOCH, order.id)


def _matches(
    order: Order,
    customer_id: str | None,
    status: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
) -> bool:
    if customer_id is not None and order.customer.id != customer_id:
        return False
    if status is not None and str(getattr(order, "status", "")) != str(status):
        return False
    created = order.created_at
    if created_from is not None and (created is None or created < created_from):
        return False
    return not (created_to is not None and (created is None or created >= created_to))


class FixedCreditControl:
    """Credit limits from a mapping, exposure tracked by the caller.

    Args:
        limits: Credit position per customer id; unknown customers have no limit.
    """

    def __init__(self, limits: Mapping[str, CreditLimit] | None = None) -> None:
        self._limits = dict(limits or {})
        self._lock = threading.Lock()

    def credit_for(self, customer_id: str) -> CreditLimit | None:
        """The configured limit, if any."""
        with self._lock:
            return self._limits.get(customer_id)

    def set(self, customer_id: str, credit: CreditLimit) -> None:
        """Set or replace a customer's credit position."""
        with self._lock:
            self._limits[customer_id] = credit


class MemoryExchangeRates:
    """Thread-safe in-memory :class:`~salesorder.ports.ExchangeRates`: rates by start date."""

    def __init__(self, rates: Iterable[ExchangeRate] = ()) -> None:
        self._lock = threading.Lock()
        self._rates: dict[tuple[str, str], list[ExchangeRate]] = {}
        for rate in rates:
            self.add(rate)

    def add(self, rate: ExchangeRate) -> None:
        """Record a rate in force from ``rate.on`` (replacing one of the same day)."""
        if not isinstance(rate, ExchangeRate):
            raise TypeError("expected an ExchangeRate")
        with self._lock:
            known = [r for r in self._rates.get((rate.base, rate.quote), []) if r.on != rate.on]
            self._rates[rate.base, rate.quote] = sorted([*known, rate], key=lambda r: r.on)

    def rate(self, base: str, quote: str, *, on: date) -> ExchangeRate | None:
        """The latest rate from ``base`` to ``quote`` that started on or before ``on``."""
        with self._lock:
            found = None
            for candidate in self._rates.get((base, quote), []):
                if candidate.on <= on:
                    found = candidate
            return found


class TaxTable:
    """The default :class:`~salesorder.ports.TaxEngine`: one tax policy for every order.

    Args:
        policy: The tax table (rates, groups, mappings); China VAT by default.
    """

    def __init__(self, policy: TaxPolicy | None = None) -> None:
        self.policy = TaxPolicy() if policy is None else policy

    def tax_policy(self, order: Order, *, at: datetime) -> TaxPolicy:
        """The table, whatever the order and instant."""
        return self.policy


class MemoryCouponLedger:
    """Thread-safe in-memory :class:`~salesorder.ports.CouponLedger`."""

    def __init__(self, *, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._redemptions: list[tuple[str, str, str]] = []
        # Releases are appended too (orders whose redemptions no longer count), so that
        # a rollback undoes them the same way: by cutting both lists back to the mark.
        self._released: list[str] = []
        self._mark: tuple[int, int] | None = None

    def _live(self) -> list[tuple[str, str, str]]:
        released = set(self._released)
        return [entry for entry in self._redemptions if entry[2] not in released]

    def count(self, code: str) -> int:
        """Redemptions of ``code`` (released ones not counted)."""
        with self._lock:
            return sum(1 for redeemed, _, _ in self._live() if redeemed == code)

    def count_for_customer(self, code: str, customer_id: str) -> int:
        """Redemptions of ``code`` by ``customer_id`` (released ones not counted)."""
        with self._lock:
            return sum(
                1
                for redeemed, customer, _ in self._live()
                if redeemed == code and customer == customer_id
            )

    def redeem(self, code: str, *, customer_id: str, order_id: str) -> None:
        """Record a redemption."""
        with self._lock:
            self._redemptions.append((code, customer_id, order_id))

    def release(self, order_id: str) -> None:
        """Forget every redemption by ``order_id``."""
        with self._lock:
            self._released.append(order_id)

    def begin(self) -> None:
        """Start recording so that :meth:`rollback` can undo redemptions and releases."""
        with self._lock:
            self._mark = (len(self._redemptions), len(self._released))

    def end(self) -> None:
        """Keep the redemptions and releases made since :meth:`begin`."""
        with self._lock:
            self._mark = None

    def rollback(self) -> None:
        """Forget redemptions and releases made since :meth:`begin`."""
        with self._lock:
            if self._mark is not None:
                redeemed, released = self._mark
                del self._redemptions[redeemed:]
                del self._released[released:]
            self._mark = None
