"""Type-checked from the user's side: typed subscriptions, the relay and webhooks."""

from datetime import UTC, datetime

from salesorder.adapters.memory import MemoryDatabase
from salesorder.events import DomainEvent, OrderShipped, PaymentRecorded
from salesorder.notifications import RelayResult, RetryPolicy, Subscriptions, relay
from salesorder.outbox_relay import RelayTotals, run_relay
from salesorder.ports import DeadLetter, Notifier
from salesorder.webhooks import WebhookNotifier, WebhookRoute, verify_signature


def on_shipped(event: OrderShipped) -> None:
    print(event.shipment_id, event.carrier)


def on_payment(event: PaymentRecorded) -> None:
    print(event.amount)


def on_any(event: DomainEvent) -> None:
    print(event.event_id)


subscriptions = Subscriptions()
subscriptions.subscribe(OrderShipped, on_shipped)
subscriptions.subscribe(OrderShipped, on_any)  # a handler of the base class takes any event
subscriptions.subscribe(OrderShipped, lambda event: print(event.tracking_number))
# A handler of another event class is refused by the type checker.
subscriptions.subscribe(OrderShipped, on_payment)  # type: ignore[arg-type]

notifier: Notifier = subscriptions
database = MemoryDatabase()
with database.unit_of_work() as uow:
    result: RelayResult = relay(
        uow.outbox, notifier, now=datetime.now(UTC), retry=RetryPolicy(max_attempts=5)
    )
    letters: list[DeadLetter] = list(uow.outbox.dead())
    uow.commit()

totals: RelayTotals = run_relay(database.unit_of_work, subscriptions, until_idle=True)
route = WebhookRoute(url="https://example.com/hooks", secret="s3cret", audiences={"finance"})
webhooks: Notifier = WebhookNotifier([route], tenant_id="acme")
verify_signature(b"{}", "t=1,v1=00", secret="s3cret", now=1.0)
