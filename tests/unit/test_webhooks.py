"""The webhook notifier against a real HTTP server on 127.0.0.1, and the signature helper."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("httpx", reason="the webhooks extra is not installed")

from salesorder.adapters.memory import MemoryOutbox
from salesorder.events import OrderCancelled, OrderShipped
from salesorder.notifications import (
    DeliveryFailed,
    NotificationError,
    NotificationRouting,
    RetryPolicy,
    SignatureRejected,
    relay,
)
from salesorder.testing.webhooks import WebhookReceiver
from salesorder.webhooks import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    WebhookNotifier,
    WebhookRoute,
    envelope,
    sign,
    verify_signature,
)

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SECRET = "whsec-test"  # noqa: S105  (a test secret)


def shipped(order_id: str = "O-1", shipment: str = "S-1") -> OrderShipped:
    return OrderShipped(
        occurred_at=AT,
        order_id=order_id,
        actor="zhang.wei",
        source="confirmed",
        target="shipped",
        shipment_id=shipment,
        lines=(("L1", "2"),),  # type: ignore[arg-type]
        carrier="SF",
    )


def cancelled() -> OrderCancelled:
    return OrderCancelled(
        occurred_at=AT,
        order_id="O-2",
        actor="li.na",
        source="confirmed",
        target="cancelled",
        reason="customer Wang moved to Chengdu",
    )


def route(url: str, **options: object) -> WebhookRoute:
    return WebhookRoute(url=url, secret=SECRET, audiences={"customer"}, **options)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestDelivery:
    def test_a_2xx_receiver_gets_a_signed_envelope_without_personal_data(self) -> None:
        event = cancelled()
        with (
            WebhookReceiver(secret=SECRET) as receiver,
            WebhookNotifier([route(receiver.url)], tenant_id="acme") as notifier,
        ):
            notifier.notify(event, audiences=frozenset({"customer"}))
        (request,) = receiver.received
        assert request.headers[EVENT_ID_HEADER.lower()] == event.event_id
        assert request.headers["content-type"] == "application/json"
        document = request.document()
        assert document["id"] == event.event_id
        assert document["type"] == "OrderCancelled"
        assert document["tenant"] == "acme"
        assert document["order_id"] == "O-2"
        assert document["occurred_at"] == AT.isoformat()
        assert document["data"]["target"] == "cancelled"
        assert "actor" not in document["data"]
        assert "reason" not in document["data"]
        assert b"Wang" not in request.body
        assert b"li.na" not in request.body

    def test_a_route_that_asks_for_personal_data_gets_it(self) -> None:
        with (
            WebhookReceiver(secret=SECRET) as receiver,
            WebhookNotifier([route(receiver.url, personal_data=True)]) as notifier,
        ):
            notifier.notify(cancelled(), audiences=frozenset({"customer"}))
        data = receiver.received[0].document()["data"]
        assert (data["actor"], data["reason"]) == ("li.na", "customer Wang moved to Chengdu")

    def test_routes_are_chosen_by_event_type_and_audience(self) -> None:
        with (
            WebhookReceiver(secret=SECRET) as finance,
            WebhookReceiver(secret=SECRET) as shipping,
            WebhookNotifier(
                [
                    WebhookRoute(url=finance.url, secret=SECRET, audiences={"finance"}),
                    WebhookRoute(url=shipping.url, secret=SECRET, event_types={"OrderShipped"}),
                ]
            ) as notifier,
        ):
            notifier.notify(shipped(), audiences=frozenset({"customer"}))
            notifier.notify(cancelled(), audiences=frozenset({"finance"}))
            notifier.notify(cancelled(), audiences=frozenset({"warehouse"}))
        assert [r.document()["type"] for r in shipping.received] == ["OrderShipped"]
        assert [r.document()["type"] for r in finance.received] == ["OrderCancelled"]

    def test_the_same_event_is_the_same_body_on_every_attempt(self) -> None:
        event = shipped()
        with (
            WebhookReceiver(secret=SECRET) as receiver,
            WebhookNotifier([route(receiver.url)]) as notifier,
        ):
            notifier.notify(event, audiences=frozenset({"customer"}))
            notifier.notify(event, audiences=frozenset({"customer"}))
        first, second = receiver.received
        assert first.body == second.body == envelope(event, tenant_id="default")

    def test_a_slow_receiver_is_a_timeout(self) -> None:
        with (
            WebhookReceiver(secret=SECRET, delay=1.0) as receiver,
            WebhookNotifier([route(receiver.url)], timeout=0.2) as notifier,
        ):
            started = time.monotonic()
            with pytest.raises(DeliveryFailed) as failure:
                notifier.notify(shipped(), audiences=frozenset({"customer"}))
            assert time.monotonic() - started < 0.9
        assert failure.value.code == "notify.timeout"
        assert receiver.received == []

    def test_a_500_is_a_rejection_with_its_status(self) -> None:
        with (
            WebhookReceiver(secret=SECRET, status=500) as receiver,
            WebhookNotifier([route(receiver.url)]) as notifier,
            pytest.raises(DeliveryFailed) as failure,
        ):
            notifier.notify(shipped(), audiences=frozenset({"customer"}))
        assert (failure.value.code, failure.value.params) == ("notify.rejected", {"status": 500})

    def test_a_refused_connection_is_unreachable(self) -> None:
        url = f"http://127.0.0.1:{free_port()}/hooks"
        with WebhookNotifier([route(url)]) as notifier, pytest.raises(DeliveryFailed) as failure:
            notifier.notify(shipped(), audiences=frozenset({"customer"}))
        assert failure.value.code == "notify.unreachable"
        assert url not in str(failure.value)

    def test_a_redirect_is_not_followed(self) -> None:
        with (
            WebhookReceiver(secret=SECRET) as elsewhere,
            WebhookReceiver(redirect_to=elsewhere.url) as receiver,
            WebhookNotifier([route(receiver.url)]) as notifier,
            pytest.raises(DeliveryFailed) as failure,
        ):
            notifier.notify(shipped(), audiences=frozenset({"customer"}))
        assert (failure.value.code, failure.value.params) == ("notify.redirected", {"status": 307})
        assert elsewhere.requests == 0

    def test_a_receiver_with_another_secret_refuses_the_signature(self) -> None:
        with (
            WebhookReceiver(secret="another secret") as receiver,  # noqa: S106
            WebhookNotifier([route(receiver.url)]) as notifier,
            pytest.raises(DeliveryFailed) as failure,
        ):
            notifier.notify(shipped(), audiences=frozenset({"customer"}))
        assert (failure.value.code, failure.value.params) == ("notify.rejected", {"status": 401})
        assert receiver.rejected == ["webhook.signature.mismatch"]
        assert receiver.received == []

    def test_one_failing_route_fails_the_event_after_trying_the_others(self) -> None:
        with (
            WebhookReceiver(secret=SECRET, status=503) as broken,
            WebhookReceiver(secret=SECRET) as working,
            WebhookNotifier([route(broken.url), route(working.url)]) as notifier,
            pytest.raises(DeliveryFailed),
        ):
            notifier.notify(shipped(), audiences=frozenset({"customer"}))
        assert len(working.received) == 1


class TestThroughTheRelay:
    def test_failures_stay_queued_with_backoff_until_the_receiver_answers(self) -> None:
        outbox = MemoryOutbox()
        events = [shipped("O-1", "S-1"), shipped("O-1", "S-2"), shipped("O-2", "S-3")]
        outbox.add(events)
        routing = NotificationRouting.from_mapping({"OrderShipped": ["customer"]})
        retry = RetryPolicy(base_delay=timedelta(seconds=10), jitter=0)
        with (
            WebhookReceiver(secret=SECRET, status=500) as receiver,
            WebhookNotifier([route(receiver.url)]) as notifier,
        ):
            first = relay(outbox, notifier, routing=routing, now=AT, retry=retry)
            # The first event of each order failed; the second of O-1 waits behind it.
            assert (first.delivered, first.failed) == (0, 2)
            assert receiver.requests == 2
            assert {e.retry_at for e in outbox.pending()} == {AT + timedelta(seconds=10), None}
            receiver.status = 204
            assert relay(outbox, notifier, routing=routing, now=AT, retry=retry).delivered == 0
            later = relay(outbox, notifier, routing=routing, now=AT + timedelta(seconds=10))
            assert later.delivered == 3
        assert receiver.event_ids() == [events[0].event_id, events[2].event_id, events[1].event_id]
        assert len(outbox) == 0


class TestRoutes:
    def test_a_route_needs_an_http_url_and_a_secret(self) -> None:
        for url in ("ftp://example.com/x", "example.com", "http://", 42):
            with pytest.raises(NotificationError) as failure:
                WebhookRoute(url=url, secret=SECRET)  # type: ignore[arg-type]
            assert failure.value.params["name"] == "url"
        with pytest.raises(NotificationError):
            WebhookRoute(url="https://example.com", secret="")

    def test_the_secret_is_not_in_the_repr(self) -> None:
        assert SECRET not in repr(route("https://example.com"))
        assert SECRET not in repr(WebhookNotifier([route("https://example.com")]))

    def test_routes_come_from_configuration_with_the_secret_from_the_environment(self) -> None:
        config = {"url": "https://example.com/h", "secret_env": "HOOK", "events": ["OrderShipped"]}
        built = WebhookRoute.from_config(config, secrets={"HOOK": SECRET})
        assert (built.secret, built.event_types, built.personal_data) == (
            SECRET,
            {"OrderShipped"},
            False,
        )
        for bad in (
            {**config, "secret_env": "UNSET"},
            {**config, "events": "OrderShipped"},
            {**config, "events": [1]},
            {**config, "personal_data": "yes"},
            {**config, "colour": "red"},
            ["not", "a", "mapping"],
        ):
            with pytest.raises(NotificationError):
                WebhookRoute.from_config(bad, secrets={"HOOK": SECRET})  # type: ignore[arg-type]

    def test_the_timeout_must_be_positive(self) -> None:
        for timeout in (0, -1, True, "5"):
            with pytest.raises(NotificationError):
                WebhookNotifier([], timeout=timeout)  # type: ignore[arg-type]


class TestSignature:
    BODY = json.dumps({"id": "e1"}).encode()

    def test_a_fresh_signature_verifies(self) -> None:
        header = sign(self.BODY, secret=SECRET, timestamp=1_000_000)
        assert header.startswith("t=1000000,v1=")
        verify_signature(self.BODY, header, secret=SECRET, now=1_000_100)

    def test_a_rotated_secret_or_a_second_signature_verifies(self) -> None:
        header = sign(self.BODY, secret=SECRET, timestamp=1_000_000)
        verify_signature(self.BODY, header, secret=["new", SECRET], now=1_000_000)
        both = header + ",v1=" + "0" * 64
        verify_signature(self.BODY, both, secret=SECRET, now=1_000_000)

    @pytest.mark.parametrize(
        ("header", "now", "code"),
        [
            (None, 1_000_000, "webhook.signature.missing"),
            ("", 1_000_000, "webhook.signature.missing"),
            ("v1=abc", 1_000_000, "webhook.signature.malformed"),
            ("t=1000000", 1_000_000, "webhook.signature.malformed"),
            ("t=１０００,v1=abc", 1_000_000, "webhook.signature.malformed"),
            ("t=-5,v1=abc", 1_000_000, "webhook.signature.malformed"),
            ("SIGNED", 1_000_301, "webhook.signature.stale"),
            ("SIGNED", 999_699, "webhook.signature.stale"),
            ("t=1000000,v1=" + "0" * 64, 1_000_000, "webhook.signature.mismatch"),
        ],
    )
    def test_bad_signatures_are_rejected_with_a_code(
        self, header: str | None, now: int, code: str
    ) -> None:
        if header == "SIGNED":
            header = sign(self.BODY, secret=SECRET, timestamp=1_000_000)
        with pytest.raises(SignatureRejected) as failure:
            verify_signature(self.BODY, header, secret=SECRET, now=now)
        assert failure.value.code == code

    def test_a_tampered_body_or_another_secret_is_a_mismatch(self) -> None:
        header = sign(self.BODY, secret=SECRET, timestamp=1_000_000)
        for body, secret in ((self.BODY + b" ", SECRET), (self.BODY, "other")):
            with pytest.raises(SignatureRejected) as failure:
                verify_signature(body, header, secret=secret, now=1_000_000)
            assert failure.value.code == "webhook.signature.mismatch"

    def test_the_header_name(self) -> None:
        assert SIGNATURE_HEADER == "X-Salesorder-Signature"
