from datetime import UTC, datetime, timedelta

import attrs

from salesorder.adapters.memory import MemoryOutbox
from salesorder.events import DomainEvent
from salesorder.notifications import (
    DEFAULT_ROUTING,
    NotificationRouting,
    RecordingNotifier,
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
