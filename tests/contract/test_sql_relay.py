"""The relay on the SQL outbox: poison rows parked, crashes redelivered, relays side by side.

Issue 13 item 3: an outbox row that does not decode (an amount with more decimals than
its currency, recorded before the gate refused it) used to make every relay raise
``InvalidMoney``, so no notification of the tenant was delivered again. It is parked
as dead with its code now, and the others go on.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase
from salesorder.events import DomainEvent, OrderShipped, PaymentRecorded
from salesorder.money import Money
from salesorder.notifications import NotificationRouting, RecordingNotifier, relay
from salesorder.outbox_relay import run_relay

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EVERYONE = NotificationRouting(default=frozenset({"all"}))


def shipped(order_id: str, shipment: str) -> OrderShipped:
    return OrderShipped(
        occurred_at=AT,
        order_id=order_id,
        actor="a",
        source="confirmed",
        target="shipped",
        shipment_id=shipment,
        lines=(),
    )


def committed(database: Any, events: list[DomainEvent]) -> None:
    with database.unit_of_work() as uow:
        uow.outbox.add(events)
        uow.commit()


def relay_once(database: Any, notifier: Any, **options: Any) -> Any:
    with database.unit_of_work() as uow:
        result = relay(uow.outbox, notifier, routing=EVERYONE, now=AT, **options)
        uow.commit()
    return result


class Killed(BaseException):
    """The relay process dies: not an error the relay handles."""


def test_a_poison_row_is_parked_and_never_blocks_the_others(sql_database: Any) -> None:
    poison = PaymentRecorded(
        occurred_at=AT,
        order_id="A",
        actor="a",
        source="confirmed",
        target="confirmed",
        payment_id="P-1",
        amount=Money("100.00", "CNY") * (Decimal(1) / 3),
    )
    after_it, other = shipped("A", "S-1"), shipped("B", "S-2")
    committed(sql_database, [poison, after_it, other])
    notifier = RecordingNotifier()
    result = relay_once(sql_database, notifier)
    assert result.delivered == 2
    assert notifier.events() == [other, after_it]
    with sql_database.unit_of_work() as uow:
        (letter,) = uow.outbox.dead()
        assert uow.outbox.pending() == []
    assert (letter.event_id, letter.event_type, letter.attempts, letter.last_error) == (
        poison.event_id,
        "PaymentRecorded",
        1,
        "money.invalid_amount",
    )
    assert letter.event is None  # it does not decode: that is why it is parked
    assert relay_once(sql_database, notifier).delivered == 0


def test_a_relay_killed_between_send_and_acknowledge_delivers_again(sql_database: Any) -> None:
    events = [shipped("A", "1"), shipped("B", "2")]
    committed(sql_database, events)

    class DiesAfterSending(RecordingNotifier):
        def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
            super().notify(event, audiences=audiences)
            raise Killed

    dying = DiesAfterSending()
    with pytest.raises(Killed):
        relay_once(sql_database, dying)
    assert dying.events() == [events[0]]
    notifier = RecordingNotifier()
    assert relay_once(sql_database, notifier).delivered == 2
    assert notifier.events() == events


def test_backoff_and_requeue_survive_the_round_trip(sql_database: Any) -> None:
    event = shipped("A", "1")
    committed(sql_database, [event])
    retry_at = AT + timedelta(minutes=3)
    with sql_database.unit_of_work() as uow:
        uow.outbox.mark_failed(event.event_id, error="notify.timeout", retry_at=retry_at)
        uow.commit()
    with sql_database.unit_of_work() as uow:
        (entry,) = uow.outbox.pending()
        assert entry.retry_at == retry_at
        assert uow.outbox.claim(limit=10, now=retry_at - timedelta(seconds=1)) == []
        assert len(uow.outbox.claim(limit=10, now=retry_at)) == 1


def test_relays_side_by_side_on_postgresql_deliver_each_entry_once_in_order(
    postgres_database_url: str,
) -> None:
    database = SqlDatabase(postgres_database_url, tenant_id=f"relay-{uuid.uuid4().hex[:10]}")
    database.create_schema()
    orders = [f"O{i}" for i in range(30)]
    events = [shipped(order, f"{order}-{n}") for n in range(4) for order in orders]
    committed(database, events)
    deliveries: list[tuple[str, str]] = []
    lock = threading.Lock()

    class Slow:
        def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
            time.sleep(0.002)  # a receiver's round trip: relays overlap
            with lock:
                deliveries.append((threading.current_thread().name, event.event_id))

    def worker() -> None:
        run_relay(database.unit_of_work, Slow(), routing=EVERYONE, batch_size=5, until_idle=True)

    threads = [threading.Thread(target=worker, name=f"relay-{i}") for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    database.engine.dispose()
    delivered = [event_id for _, event_id in deliveries]
    assert sorted(delivered) == sorted(e.event_id for e in events)  # each exactly once
    assert len({name for name, _ in deliveries}) > 1  # the work was shared
    position = {event_id: index for index, event_id in enumerate(delivered)}
    per_order: dict[str, list[int]] = defaultdict(list)
    for event in events:
        per_order[event.order_id].append(position[event.event_id])
    assert all(spots == sorted(spots) for spots in per_order.values())
