"""The in-memory outbox: live entries in commit order, delivered ids, dead letters.

Kept apart from the other in-memory repositories because the outbox carries the
relay's bookkeeping (attempts, next try, parking) and its own undo log.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

import attrs

from salesorder.events import DomainEvent
from salesorder.ports import DeadLetter, OutboxEntry, stream_of

__all__ = ["DEFAULT_DELIVERED_RETENTION", "MemoryOutbox"]

#: Delivered event ids a `MemoryOutbox` remembers unless told otherwise.
DEFAULT_DELIVERED_RETENTION: Final = 100_000


@attrs.define
class _State:
    """Everything a rollback must be able to restore."""

    entries: dict[str, OutboxEntry]
    order: deque[str]
    # Delivered ids, oldest first (a dict keeps the order in which they were delivered).
    delivered: dict[str, None]
    dead: dict[str, OutboxEntry]

    def copy(self) -> _State:
        return _State(dict(self.entries), deque(self.order), dict(self.delivered), dict(self.dead))


class MemoryOutbox:
    """Thread-safe in-memory :class:`~salesorder.ports.Outbox`, oldest first.

    An event is recorded once: adding an event id that is pending, dead or was
    delivered changes nothing. Delivered ids are remembered for a bounded retention:
    the last ``delivered_retention`` of them (100,000 by default, a few MB), oldest
    forgotten first, so that a long-running process does not grow without end; an
    event added again after its id was forgotten would be delivered again (the
    service adds each event once, when its change commits).

    Inside a unit of work every change is undoable: additions are logged (the hot
    path, one id each); the first mark (delivered, failed, dead, re-queued) takes a
    copy of the state, which a rollback restores. Claimed entries are held by the unit
    of work's lock: a relay in another thread waits for the lock instead of delivering
    them too.
    """

    def __init__(
        self,
        *,
        lock: threading.RLock | None = None,
        delivered_retention: int = DEFAULT_DELIVERED_RETENTION,
    ) -> None:
        if delivered_retention < 0:
            msg = "delivered_retention must not be negative"
            raise ValueError(msg)
        self._lock = lock or threading.RLock()
        self._retention = delivered_retention
        self._state = _State({}, deque(), {}, {})
        # Commit position of every recorded event, to put a re-queued entry back in place.
        self._position: dict[str, int] = {}
        self._counter = itertools.count()
        self._added: list[str] | None = None
        # The state before the first mark of the open unit of work, with the number of
        # additions made before it.
        self._before_marks: tuple[_State, int] | None = None

    def begin(self) -> None:
        """Start recording changes so that :meth:`rollback` can undo them."""
        with self._lock:
            self._added = []
            self._before_marks = None

    def end(self) -> None:
        """Keep the changes made since :meth:`begin`."""
        with self._lock:
            self._added = None
            self._before_marks = None

    def rollback(self) -> None:
        """Undo every addition and mark made since :meth:`begin`."""
        with self._lock:
            added = self._added or []
            if self._before_marks is not None:
                # Additions made after the copy are not in it; those made before are.
                self._state, added_before = self._before_marks
                added = added[:added_before]
            forgotten = set(added)
            for event_id in forgotten:
                self._state.entries.pop(event_id, None)
                self._position.pop(event_id, None)
            if forgotten:
                self._state.order = deque(e for e in self._state.order if e not in forgotten)
            self._added = None
            self._before_marks = None

    def _before_marking(self) -> None:
        if self._added is not None and self._before_marks is None:
            self._before_marks = (self._state.copy(), len(self._added))

    def _known(self, event_id: str) -> bool:
        state = self._state
        return event_id in state.entries or event_id in state.delivered or event_id in state.dead

    def add(self, events: Iterable[DomainEvent]) -> None:
        """Record events (an event id already recorded is ignored: at most one copy)."""
        with self._lock:
            for event in events:
                if not self._known(event.event_id):
                    self._state.entries[event.event_id] = OutboxEntry(event)
                    self._state.order.append(event.event_id)
                    self._position[event.event_id] = next(self._counter)
                    if self._added is not None:
                        self._added.append(event.event_id)

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        """Live entries, oldest first, due or not."""
        with self._lock:
            entries = self._state.entries
            return [entries[event_id] for event_id in itertools.islice(self._state.order, limit)]

    def claim(self, *, limit: int, now: datetime) -> Sequence[OutboxEntry]:
        """Due entries that come first among the live entries of their order, oldest first."""
        with self._lock:
            claimed: list[OutboxEntry] = []
            blocked: set[str] = set()
            for event_id in self._state.order:
                if len(claimed) >= limit:
                    break
                entry = self._state.entries[event_id]
                stream = stream_of(entry.event)
                if stream is not None:
                    if stream in blocked:
                        continue
                    blocked.add(stream)  # later entries of this order wait for this one
                if entry.retry_at is None or entry.retry_at <= now:
                    claimed.append(entry)
            return claimed

    def mark_delivered(self, event_ids: Iterable[str]) -> None:
        """Drop delivered events from the pending list (their ids are remembered)."""
        with self._lock:
            delivered = {event_id for event_id in event_ids if event_id in self._state.entries}
            if not delivered:
                return
            self._before_marking()
            for event_id in delivered:
                del self._state.entries[event_id]
            remembered = self._state.delivered
            remembered.update(dict.fromkeys(delivered))
            while len(remembered) > self._retention:
                forgotten = next(iter(remembered))
                del remembered[forgotten]
                self._position.pop(forgotten, None)
            self._state.order = deque(e for e in self._state.order if e not in delivered)

    def mark_failed(self, event_id: str, *, error: str, retry_at: datetime | None = None) -> None:
        """Count a failed attempt; the entry stays pending, due again at ``retry_at``."""
        with self._lock:
            entry = self._state.entries.get(event_id)
            if entry is not None:
                self._before_marking()
                self._state.entries[event_id] = attrs.evolve(
                    entry, attempts=entry.attempts + 1, last_error=error, retry_at=retry_at
                )

    def mark_dead(self, event_id: str, *, error: str) -> None:
        """Count a last failed attempt and park the entry."""
        with self._lock:
            entry = self._state.entries.get(event_id)
            if entry is None:
                return
            self._before_marking()
            del self._state.entries[event_id]
            self._state.order = deque(e for e in self._state.order if e != event_id)
            self._state.dead[event_id] = attrs.evolve(
                entry, attempts=entry.attempts + 1, last_error=error, retry_at=None
            )

    def dead(self, *, limit: int = 100) -> Sequence[DeadLetter]:
        """Parked entries, oldest first."""
        with self._lock:
            parked = sorted(self._state.dead, key=self._position.__getitem__)[:limit]
            return [_dead_letter(self._state.dead[event_id]) for event_id in parked]

    def requeue(self, event_ids: Iterable[str]) -> int:
        """Make parked entries live again, in their commit place, with no attempt counted."""
        with self._lock:
            revived = [
                event_id for event_id in dict.fromkeys(event_ids) if event_id in self._state.dead
            ]
            if not revived:
                return 0
            self._before_marking()
            for event_id in revived:
                entry = self._state.dead.pop(event_id)
                self._state.entries[event_id] = attrs.evolve(entry, attempts=0, retry_at=None)
            self._state.order = deque(sorted(self._state.entries, key=self._position.__getitem__))
            return len(revived)

    def __len__(self) -> int:
        with self._lock:
            return len(self._state.entries)


def _dead_letter(entry: OutboxEntry) -> DeadLetter:
    return DeadLetter(
        event_id=entry.event.event_id,
        event_type=entry.event.name,
        attempts=entry.attempts,
        last_error=entry.last_error,
        event=entry.event,
    )
