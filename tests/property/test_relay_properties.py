"""The relay's promise, for any history: at least once, in commit order per order, never a rollback.

A history interleaves units of work that commit or roll back events of a few orders
with relay passes. In a pass the receiver may fail some deliveries (the relay keeps
them queued, with backoff) and the relay may be killed after a send and before the
acknowledgement (its unit of work rolls back: nothing it marked is kept). Time moves
on between passes. At the end the receiver recovers and the relay drains. Then:

* every committed event was delivered at least once;
* no event of a rolled-back unit of work was ever delivered;
* whenever an event was delivered, every event committed before it for the same order
  had already been delivered (commit order per order, redeliveries included).

On the in-memory database and on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesorder.adapters.memory import MemoryDatabase
from salesorder.events import DomainEvent, OrderShipped
from salesorder.notifications import NotificationRouting, RetryPolicy, relay

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EVERYONE = NotificationRouting(default=frozenset({"all"}))
# No entry is parked in these histories: parking is the one way "at least once" ends,
# and it has its own tests. No jitter: the histories replay exactly.
RETRY = RetryPolicy(max_attempts=10_000, base_delay=timedelta(seconds=5), jitter=0)
ORDERS = ("A", "B", "C")


class Killed(BaseException):
    """The relay dies after a send, before the acknowledgement."""


class Receiver:
    """Records deliveries; fails every n-th one; the relay dies after the ``kill_after``-th."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.fail_every = 0
        self.kill_after: int | None = None
        self.calls = 0

    def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
        self.calls += 1
        if self.fail_every and self.calls % self.fail_every == 0:
            raise ConnectionError  # the receiver is down: nothing delivered
        self.log.append(event.event_id)
        if self.kill_after is not None and self.calls >= self.kill_after:
            raise Killed


commits = st.tuples(st.just("commit"), st.sampled_from(ORDERS), st.integers(1, 3))
rollbacks = st.tuples(st.just("rollback"), st.sampled_from(ORDERS), st.integers(1, 2))
passes = st.tuples(
    st.just("relay"),
    st.integers(0, 3),  # fail every n-th delivery (0: none)
    st.one_of(st.none(), st.integers(1, 4)),  # killed after the n-th send
    st.sampled_from([0, 5, 30, 600, 7200]),  # seconds that pass before it
)
histories = st.lists(st.one_of(commits, rollbacks, passes), min_size=1, max_size=14)


def _memory() -> Iterator[Callable[[], Any]]:
    yield MemoryDatabase().unit_of_work


def _sqlite() -> Iterator[Callable[[], Any]]:
    pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")
    from salesorder.adapters.sql import SqlDatabase

    database = SqlDatabase()
    database.create_schema()
    yield database.unit_of_work
    database.engine.dispose()


@pytest.mark.parametrize("backend", [_memory, _sqlite], ids=["memory", "sqlite"])
@given(history=histories)
def test_committed_events_arrive_at_least_once_in_order_and_rolled_back_ones_never(
    backend: Callable[[], Iterator[Callable[[], Any]]], history: list[tuple[Any, ...]]
) -> None:
    storage = backend()
    unit_of_work = next(storage)
    now = START
    committed: list[OrderShipped] = []
    rolled_back: set[str] = set()
    log: list[str] = []
    receiver = Receiver(log)
    for step in history:
        if step[0] in {"commit", "rollback"}:
            _, order, count = step
            events = [_event(order, now) for _ in range(count)]
            with unit_of_work() as uow:
                uow.outbox.add(events)
                if step[0] == "commit":
                    uow.commit()
            if step[0] == "commit":
                committed.extend(events)
            else:
                rolled_back.update(e.event_id for e in events)
        else:
            _, fail_every, kill_after, seconds = step
            now += timedelta(seconds=seconds)
            receiver.fail_every, receiver.calls = fail_every, 0
            receiver.kill_after = kill_after
            _pass(unit_of_work, receiver, now, expect_kill=True)
    receiver.fail_every, receiver.kill_after = 0, None
    for _ in range(len(committed) + 2):  # each pass delivers at least one order's next event
        now += timedelta(hours=2)
        _pass(unit_of_work, receiver, now, expect_kill=False)
    with unit_of_work() as uow:
        assert uow.outbox.pending() == []
    next(storage, None)

    delivered = set(log)
    assert {e.event_id for e in committed} <= delivered
    assert not delivered & rolled_back
    before: dict[str, list[str]] = {}
    for event in committed:
        before[event.event_id] = [e.event_id for e in committed if e.order_id == event.order_id]
        before[event.event_id] = before[event.event_id][
            : before[event.event_id].index(event.event_id)
        ]
    seen: set[str] = set()
    for event_id in log:
        assert set(before[event_id]) <= seen, "an event arrived before an earlier one of its order"
        seen.add(event_id)


def _event(order: str, now: datetime) -> OrderShipped:
    return OrderShipped(
        occurred_at=now,
        order_id=order,
        actor="a",
        source="confirmed",
        target="shipped",
        shipment_id="S",
        lines=(),
    )


def _pass(
    unit_of_work: Callable[[], Any], receiver: Receiver, now: datetime, *, expect_kill: bool
) -> None:
    try:
        with unit_of_work() as uow:
            relay(uow.outbox, receiver, routing=EVERYONE, now=now, retry=RETRY, limit=50)
            uow.commit()
    except Killed:
        assert expect_kill
