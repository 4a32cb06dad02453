"""In-memory quotes and idempotency keys: the service's own stores, in the embedded default.

Both share the lock of their :class:`~salesorder.adapters.memory.MemoryDatabase` and record
what they change between ``begin`` and ``end``, so its unit of work can undo them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.quotes import Quote

__all__ = [
    "MemoryIdempotencyKeys",
    "MemoryQuoteRepository",
]


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
