"""The embedded default: one in-memory database and its units of work.

A :class:`MemoryDatabase` holds orders, quotes, stock, the outbox, coupon
redemptions and idempotency keys. A :class:`MemoryUnitOfWork` takes the database's
lock for its whole duration (units of work run one at a time, so each use case is
isolated) and records what it changes in every part; leaving it without
:meth:`~MemoryUnitOfWork.commit` undoes all of it. Readers outside a unit of work
take the same lock, so they never see a change half made.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from salesorder.adapters._memory_orders import (
    MemoryCouponLedger,
    MemoryOrderRepository,
    MemoryOutbox,
)
from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.quotes import Quote

if TYPE_CHECKING:
    from salesorder.adapters.memory import InMemoryStockStore

__all__ = [
    "MemoryDatabase",
    "MemoryIdempotencyKeys",
    "MemoryQuoteRepository",
    "MemoryUnitOfWork",
]


class _Undoable(Protocol):
    def begin(self) -> None: ...
    def end(self) -> None: ...
    def rollback(self) -> None: ...


class MemoryQuoteRepository:
    """Quotes by id and number, with the same undo tracking as the order repository."""

    def __init__(self, *, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._quotes: dict[str, Quote] = {}
        self._undo: dict[str, Quote | None] | None = None

    def begin(self) -> None:
        """Start recording changes."""
        with self._lock:
            self._undo = {}

    def end(self) -> None:
        """Keep the changes."""
        with self._lock:
            self._undo = None

    def rollback(self) -> None:
        """Undo the changes since :meth:`begin`."""
        with self._lock:
            for quote_id, previous in (self._undo or {}).items():
                if previous is None:
                    self._quotes.pop(quote_id, None)
                else:
                    self._quotes[quote_id] = previous
            self._undo = None

    def get(self, quote_id: str) -> Quote:
        """The quote (quotes are frozen: no copy needed)."""
        with self._lock:
            quote = self._quotes.get(quote_id)
            if quote is None:
                raise NotFound(params={"entity": "quote", "id": quote_id})
            return quote

    def put(self, quote: Quote, *, expected: Quote | None) -> None:
        """Store ``quote`` if the stored one is still ``expected`` (None: a new quote)."""
        with self._lock:
            if self._quotes.get(quote.quote_id) is not expected:
                raise ConcurrencyConflict(params={"entity": "quote", "expected": 0})
            if self._undo is not None and quote.quote_id not in self._undo:
                self._undo[quote.quote_id] = expected
            self._quotes[quote.quote_id] = quote

    def all(self) -> Sequence[Quote]:
        """Every quote, oldest first."""
        with self._lock:
            return sorted(self._quotes.values(), key=lambda q: (q.created_at, q.quote_id))


class MemoryIdempotencyKeys:
    """Results of keyed commands that create things (enter, quote, convert)."""

    def __init__(self, *, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._keys: dict[str, str] = {}
        self._added: list[str] | None = None

    def begin(self) -> None:
        """Start recording additions."""
        with self._lock:
            self._added = []

    def end(self) -> None:
        """Keep the additions."""
        with self._lock:
            self._added = None

    def rollback(self) -> None:
        """Forget additions since :meth:`begin`."""
        with self._lock:
            for key in self._added or ():
                self._keys.pop(key, None)
            self._added = None

    def get(self, key: str) -> str | None:
        """What ``key`` produced, if it was used."""
        with self._lock:
            return self._keys.get(key)

    def put(self, key: str, result: str) -> None:
        """Remember that ``key`` produced ``result``."""
        with self._lock:
            if key in self._keys:
                raise ConcurrencyConflict(params={"entity": "idempotency key", "expected": 0})
            self._keys[key] = result
            if self._added is not None:
                self._added.append(key)


class MemoryDatabase:
    """Everything the embedded default stores, behind one re-entrant lock.

    Args:
        stock: The stock store; a new empty :class:`InMemoryStockStore` by default.
    """

    def __init__(self, *, stock: InMemoryStockStore | None = None) -> None:
        # memory.py re-exports this module, so its store is imported here, not at the top.
        from salesorder.adapters.memory import InMemoryStockStore  # noqa: PLC0415

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
