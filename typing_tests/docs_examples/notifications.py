"""Generated from docs/notifications.md by scripts/extract_docs_examples.py: do not edit."""

from salesorder.notifications import DEFAULT_ROUTING, NotificationRouting

routing = NotificationRouting.from_mapping(
    {"OrderShipped": ["customer", "finance"], "PaymentRecorded": ["finance"]},
    default=["audit"],
)
assert DEFAULT_ROUTING.routes["OrderShipped"] == frozenset({"customer", "finance"})

from datetime import UTC, datetime

from salesorder.adapters.memory import MemoryDatabase
from salesorder.events import OrderShipped
from salesorder.notifications import Subscriptions, relay

shipped_to: list[str] = []


def tell_the_carrier(event: OrderShipped) -> None:
    shipped_to.append(event.shipment_id)


subscriptions = Subscriptions()
subscriptions.subscribe(OrderShipped, tell_the_carrier)

database = MemoryDatabase()
event = OrderShipped(
    occurred_at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
    order_id="O-1",
    actor="zhang.wei",
    source="confirmed",
    target="shipped",
    shipment_id="S-1",
    lines=(),
)
with database.unit_of_work() as uow:
    uow.outbox.add([event])
    uow.commit()

with database.unit_of_work() as uow:
    result = relay(uow.outbox, subscriptions)
    uow.commit()
assert (result.delivered, shipped_to) == (1, ["S-1"])

from salesorder.testing.webhooks import WebhookReceiver
from salesorder.webhooks import WebhookNotifier, WebhookRoute

with database.unit_of_work() as uow:
    uow.outbox.add([event])  # recorded once: already delivered above, so nothing new
    uow.commit()

second_shipment = OrderShipped(
    occurred_at=datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
    order_id="O-2",
    actor="li.na",
    source="confirmed",
    target="shipped",
    shipment_id="S-2",
    lines=(),
)
with database.unit_of_work() as uow:
    uow.outbox.add([second_shipment])
    uow.commit()

with WebhookReceiver(secret="whsec-demo") as receiver:
    route = WebhookRoute(url=receiver.url, secret="whsec-demo", event_types={"OrderShipped"})
    with WebhookNotifier([route], tenant_id="acme") as webhooks, database.unit_of_work() as uow:
        result = relay(uow.outbox, webhooks)
        uow.commit()

(request,) = receiver.received
envelope = request.document()
assert (envelope["type"], envelope["order_id"], envelope["tenant"]) == ("OrderShipped", "O-2", "acme")
assert "actor" not in envelope["data"]

from salesorder.notifications import SignatureRejected
from salesorder.webhooks import SIGNATURE_HEADER, sign, verify_signature

body = b'{"id":"e-1","type":"OrderShipped"}'
header = sign(body, secret="whsec-demo", timestamp=1_765_000_000)
verify_signature(body, header, secret=["whsec-new", "whsec-demo"], now=1_765_000_060)

try:
    verify_signature(body, header, secret="whsec-demo", now=1_765_000_000 + 3600)
except SignatureRejected as error:
    assert error.code == "webhook.signature.stale"
assert SIGNATURE_HEADER == "X-Salesorder-Signature"

from datetime import timedelta

from salesorder.adapters.memory import MemoryOutbox
from salesorder.notifications import NotificationRouting, RecordingNotifier, RetryPolicy


class ReceiverDown:
    def notify(self, event, *, audiences):
        raise ConnectionError


outbox = MemoryOutbox()
outbox.add([event])
everyone = NotificationRouting(default=frozenset({"all"}))
retry = RetryPolicy(max_attempts=2, base_delay=timedelta(seconds=10), jitter=0)
now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

first = relay(outbox, ReceiverDown(), routing=everyone, now=now, retry=retry)
assert (first.failed, outbox.pending()[0].retry_at) == (1, now + timedelta(seconds=10))
last = relay(outbox, ReceiverDown(), routing=everyone, now=now + timedelta(seconds=10), retry=retry)
assert last.dead == 1

(letter,) = outbox.dead()
assert (letter.event_id, letter.attempts, letter.last_error) == (event.event_id, 2, "ConnectionError")
assert outbox.requeue([letter.event_id]) == 1  # live again, attempts reset
assert relay(outbox, RecordingNotifier(), routing=everyone, now=now).delivered == 1

small = MemoryOutbox(delivered_retention=1)
small.add([event])
relay(small, RecordingNotifier(), routing=everyone, now=now)
small.add([event])  # still remembered: ignored
assert small.pending() == []

from salesorder.outbox_relay import run_relay

with database.unit_of_work() as uow:
    uow.outbox.add([OrderShipped(
        occurred_at=datetime(2026, 12, 7, 11, 0, tzinfo=UTC), order_id="O-3", actor="a",
        source="confirmed", target="shipped", shipment_id="S-3", lines=(),
    )])
    uow.commit()

totals = run_relay(database.unit_of_work, subscriptions, until_idle=True, report=print)
assert (totals.delivered, shipped_to[-1]) == (1, "S-3")
