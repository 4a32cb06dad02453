import random
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from salesorder.adapters.memory import MemoryOutbox
from salesorder.events import DomainEvent, OrderShipped
from salesorder.notifications import (
    DEFAULT_ROUTING,
    DeliveryFailed,
    NotificationError,
    NotificationRouting,
    RecordingNotifier,
    RetryPolicy,
    Subscriptions,
    relay,
)

AT = datetime(2026, 11, 22, tzinfo=UTC)


@attrs.frozen(kw_only=True)
class OrderConfirmed(DomainEvent):
    order_id: str


@attrs.frozen(kw_only=True)
class SomethingInternal(DomainEvent):
    pass


class FlakyNotifier(RecordingNotifier):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("customer@example.com unreachable")
        super().notify(event, audiences=audiences)


class TestRouting:
    def test_routes_come_from_configuration(self) -> None:
        routing = NotificationRouting.from_mapping(
            {"OrderConfirmed": ["warehouse"]}, default=["audit"]
        )
        assert routing.audiences(OrderConfirmed(occurred_at=AT, order_id="o")) == {"warehouse"}
        assert routing.audiences(SomethingInternal(occurred_at=AT)) == {"audit"}

    def test_default_routing_tells_the_warehouse_about_confirmations(self) -> None:
        event = OrderConfirmed(occurred_at=AT, order_id="o")
        assert "warehouse" in DEFAULT_ROUTING.audiences(event)
        assert DEFAULT_ROUTING.audiences(SomethingInternal(occurred_at=AT)) == frozenset()


class TestRelay:
    def test_delivers_pending_events_once_and_empties_the_outbox(self) -> None:
        outbox, notifier = MemoryOutbox(), RecordingNotifier()
        event = OrderConfirmed(occurred_at=AT, order_id="o")
        outbox.add([event])
        result = relay(outbox, notifier)
        assert (result.delivered, result.failed) == (1, 0)
        assert notifier.events("warehouse") == [event]
        assert notifier.events("nobody") == []
        assert relay(outbox, notifier).delivered == 0
        assert len(notifier.sent) == 1

    def test_unrouted_events_are_dropped_without_calling_the_notifier(self) -> None:
        outbox, notifier = MemoryOutbox(), RecordingNotifier()
        outbox.add([SomethingInternal(occurred_at=AT)])
        assert relay(outbox, notifier).delivered == 1
        assert notifier.sent == []
        assert len(outbox) == 0

    def test_failed_delivery_stays_queued_for_retry(self, caplog: object) -> None:
        outbox, notifier = MemoryOutbox(), FlakyNotifier(failures=1)
        event = OrderConfirmed(occurred_at=AT, order_id="o")
        outbox.add([event])
        first = relay(outbox, notifier, now=AT)
        assert (first.delivered, first.failed) == (0, 1)
        (entry,) = outbox.pending()
        assert entry.attempts == 1
        assert entry.last_error == "ConnectionError"
        # Due again once the backoff has passed (the longest delay is an hour).
        second = relay(outbox, notifier, now=AT + timedelta(hours=2))
        assert (second.delivered, second.failed) == (1, 0)
        assert notifier.events() == [event]

    def test_failure_log_holds_no_personal_data(self, caplog) -> None:  # type: ignore[no-untyped-def]
        outbox, notifier = MemoryOutbox(), FlakyNotifier(failures=1)
        outbox.add([OrderConfirmed(occurred_at=AT, order_id="o")])
        relay(outbox, notifier)
        assert "ConnectionError" in caplog.text
        assert "example.com" not in caplog.text


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


class FailingFor(RecordingNotifier):
    """Fails every delivery of the given event ids."""

    def __init__(self, *event_ids: str) -> None:
        super().__init__()
        self.failing = set(event_ids)

    def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
        if event.event_id in self.failing:
            raise DeliveryFailed(params={})
        super().notify(event, audiences=audiences)


EVERYONE = NotificationRouting(default=frozenset({"all"}))


class TestRetryPolicy:
    def test_the_delay_doubles_up_to_the_maximum(self) -> None:
        policy = RetryPolicy(
            base_delay=timedelta(seconds=2), max_delay=timedelta(seconds=30), jitter=0
        )
        delays = [policy.delay(n).total_seconds() for n in range(1, 7)]
        assert delays == [2, 4, 8, 16, 30, 30]
        assert policy.delay(10_000) == timedelta(seconds=30)

    def test_jitter_takes_off_at_most_its_share(self) -> None:
        policy = RetryPolicy(base_delay=timedelta(seconds=100), jitter=0.5)
        rng = random.Random(7)
        delays = {policy.delay(1, rng=rng).total_seconds() for _ in range(200)}
        assert all(50 <= delay <= 100 for delay in delays)
        assert len(delays) > 100  # spread, not one value

    def test_the_last_attempt_is_the_bound(self) -> None:
        policy = RetryPolicy(max_attempts=3)
        assert [policy.is_last(n) for n in (1, 2, 3, 4)] == [False, False, True, True]

    @pytest.mark.parametrize(
        ("options", "name"),
        [
            ({"max_attempts": 0}, "max_attempts"),
            ({"base_delay": timedelta(0)}, "base_delay"),
            ({"max_delay": timedelta(seconds=1)}, "max_delay"),
            ({"jitter": 1.5}, "jitter"),
        ],
    )
    def test_settings_out_of_range_are_refused(self, options: dict[str, object], name: str) -> None:
        with pytest.raises(NotificationError) as failure:
            RetryPolicy(**options)  # type: ignore[arg-type]
        assert (failure.value.code, failure.value.params["name"]) == (
            "notify.settings.invalid",
            name,
        )


class TestOrderAndDeadLetters:
    def test_a_failure_holds_back_its_order_only(self) -> None:
        outbox = MemoryOutbox()
        a1, a2, b1 = shipped("A", "1"), shipped("A", "2"), shipped("B", "3")
        outbox.add([a1, a2, b1])
        notifier = FailingFor(a1.event_id)
        result = relay(outbox, notifier, routing=EVERYONE, now=AT)
        assert (result.delivered, result.failed, result.dead) == (1, 1, 0)
        assert notifier.events() == [b1]
        notifier.failing.clear()
        later = relay(outbox, notifier, routing=EVERYONE, now=AT + timedelta(hours=2))
        assert later.delivered == 2
        assert notifier.events() == [b1, a1, a2]

    def test_the_last_allowed_attempt_parks_the_entry_and_its_order_goes_on(self) -> None:
        outbox = MemoryOutbox()
        a1, a2 = shipped("A", "1"), shipped("A", "2")
        outbox.add([a1, a2])
        notifier = FailingFor(a1.event_id)
        retry = RetryPolicy(max_attempts=2, base_delay=timedelta(seconds=1), jitter=0)
        first = relay(outbox, notifier, routing=EVERYONE, now=AT, retry=retry)
        assert (first.delivered, first.failed, first.dead) == (0, 1, 0)
        second = relay(
            outbox, notifier, routing=EVERYONE, now=AT + timedelta(seconds=1), retry=retry
        )
        assert (second.delivered, second.failed, second.dead) == (1, 0, 1)
        assert notifier.events() == [a2]
        (letter,) = outbox.dead()
        assert (letter.event_id, letter.attempts, letter.last_error) == (
            a1.event_id,
            2,
            "notify.unreachable",
        )
        notifier.failing.clear()
        assert outbox.requeue([a1.event_id]) == 1
        assert relay(outbox, notifier, routing=EVERYONE, now=AT, retry=retry).delivered == 1
        assert notifier.events() == [a2, a1]

    def test_the_limit_bounds_one_pass(self) -> None:
        outbox, notifier = MemoryOutbox(), RecordingNotifier()
        outbox.add([shipped(f"O{i}", str(i)) for i in range(5)])
        assert relay(outbox, notifier, routing=EVERYONE, limit=3, now=AT).delivered == 3
        assert relay(outbox, notifier, routing=EVERYONE, limit=3, now=AT).delivered == 2

    def test_one_pass_delivers_an_orders_events_one_after_the_other(self) -> None:
        outbox, notifier = MemoryOutbox(), RecordingNotifier()
        events = [shipped("A", str(i)) for i in range(4)]
        outbox.add(events)
        assert relay(outbox, notifier, routing=EVERYONE, now=AT).delivered == 4
        assert notifier.events() == events


class TestSubscriptions:
    def test_handlers_get_the_events_of_their_class_routed_or_not(self) -> None:
        subscriptions = Subscriptions()
        seen: list[str] = []
        subscriptions.subscribe(OrderShipped, lambda event: seen.append(event.shipment_id))
        subscriptions.subscribe(DomainEvent, lambda event: seen.append(event.name))
        outbox = MemoryOutbox()
        outbox.add([shipped("A", "S-1"), SomethingInternal(occurred_at=AT)])
        result = relay(outbox, subscriptions, routing=NotificationRouting(), now=AT)
        assert result.delivered == 2
        assert seen == ["S-1", "OrderShipped", "SomethingInternal"]

    def test_a_failing_handler_keeps_the_event_queued(self) -> None:
        subscriptions = Subscriptions()

        def broken(event: OrderShipped) -> None:
            raise RuntimeError(event.shipment_id)

        subscriptions.subscribe(OrderShipped, broken)
        outbox = MemoryOutbox()
        outbox.add([shipped("A", "S-1")])
        assert relay(outbox, subscriptions, now=AT).failed == 1
        assert outbox.pending()[0].last_error == "RuntimeError"

    def test_only_event_classes_can_be_subscribed_to(self) -> None:
        with pytest.raises(NotificationError):
            Subscriptions().subscribe(str, print)  # type: ignore[type-var]

    def test_events_without_subscribers_and_audience_are_not_handed_over(self) -> None:
        subscriptions = Subscriptions()
        subscriptions.subscribe(OrderShipped, lambda event: None)
        assert not subscriptions.handles(SomethingInternal(occurred_at=AT))
