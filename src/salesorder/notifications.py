"""Who hears about what: event routing as configuration, and the outbox relay (R15).

Which events reach the warehouse, finance, production or the customer is data — a
:class:`NotificationRouting` mapping event type names to audiences — not code. The
:func:`relay` hands pending outbox events to the host's
:class:`~salesorder.ports.Notifier` after the change has committed: at least once,
each event carrying its ``event_id`` for de-duplication. A notifier failure is
logged (type only, no message: it may carry personal data) and counted; the event
stays in the outbox for the next relay. It never undoes the order change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import attrs

from salesorder.events import DomainEvent
from salesorder.ports import Notifier, Outbox

__all__ = [
    "DEFAULT_ROUTING",
    "NotificationRouting",
    "RecordingNotifier",
    "RelayResult",
    "relay",
]

_log = logging.getLogger(__name__)


@attrs.frozen
class NotificationRouting:
    """Audiences per event type name; ``default`` for types not listed.

    Attributes:
        routes: Event type name (e.g. ``OrderConfirmed``) → audiences.
        default: Audiences of unlisted events (empty: not sent at all).
    """

    routes: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    default: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(
        cls, config: Mapping[str, Iterable[str]], *, default: Iterable[str] = ()
    ) -> NotificationRouting:
        """Build from plain configuration, e.g. loaded from JSON or TOML."""
        return cls(
            routes={name: frozenset(audiences) for name, audiences in config.items()},
            default=frozenset(default),
        )

    def audiences(self, event: DomainEvent) -> frozenset[str]:
        """Who should hear about ``event``."""
        return self.routes.get(event.name, self.default)


#: A sensible starting point: warehouse hears about stock and shipments, finance about
#: money, production about confirmed demand, the customer about milestones.
DEFAULT_ROUTING = NotificationRouting.from_mapping(
    {
        "OrderSubmitted": ["sales"],
        "OrderApproved": ["sales"],
        "OrderRejected": ["sales"],
        "OrderConfirmed": ["warehouse", "production", "finance", "customer"],
        "OrderShipped": ["customer", "finance"],
        "OrderDelivered": ["finance", "customer"],
        "OrderInvoiced": ["finance", "customer"],
        "InvoiceIssued": ["finance", "customer"],
        "CreditNoteIssued": ["finance", "customer"],
        "InvoiceOverdue": ["finance", "sales", "customer"],
        "PaymentRecorded": ["finance"],
        "OrderCompleted": ["sales"],
        "OrderCancelled": ["warehouse", "production", "finance", "customer"],
        "OrderAmended": ["warehouse", "production", "finance", "customer"],
        "OrderClosed": ["warehouse", "finance"],
        "OrderHeld": ["sales", "warehouse"],
        "OrderResumed": ["sales", "warehouse"],
        "ReturnRequested": ["sales", "warehouse"],
        "ReturnApproved": ["warehouse", "customer"],
        "ReturnReceived": ["warehouse", "finance"],
        "RefundRecorded": ["finance", "customer"],
        "RefundDue": ["finance", "customer"],
        "LowStockDetected": ["warehouse", "production"],
        "SafetyStockBreached": ["warehouse", "production"],
        "ExcessStockDetected": ["warehouse"],
        "ReservationExpired": ["warehouse", "sales"],
        "DeliveryDateChanged": ["customer", "warehouse"],
    },
)


@attrs.frozen
class RelayResult:
    """What one relay pass did.

    Attributes:
        delivered: Events handed to the notifier (or skipped as unrouted).
        failed: Events whose delivery raised; they stay pending.
    """

    delivered: int
    failed: int


def relay(
    outbox: Outbox,
    notifier: Notifier,
    *,
    routing: NotificationRouting = DEFAULT_ROUTING,
    limit: int = 100,
) -> RelayResult:
    """Hand pending outbox events to ``notifier``, oldest first.

    Events with no audience are marked delivered without calling the notifier.

    Args:
        outbox: Where committed events wait.
        notifier: The host's delivery channel.
        routing: Audiences per event type.
        limit: Most events handled in this pass.

    Returns:
        Counts of delivered and failed events.
    """
    delivered: list[str] = []
    failed = 0
    for entry in outbox.pending(limit=limit):
        event = entry.event
        audiences = routing.audiences(event)
        if audiences:
            try:
                notifier.notify(event, audiences=audiences)
            # Any notifier failure means "retry later"; it must never undo the change.
            except Exception as error:
                failed += 1
                outbox.mark_failed(event.event_id, error=type(error).__name__)
                _log.warning(
                    "notification of %s %s failed: %s",
                    event.name,
                    event.event_id,
                    type(error).__name__,
                )
                continue
        delivered.append(event.event_id)
    outbox.mark_delivered(delivered)
    return RelayResult(delivered=len(delivered), failed=failed)


class RecordingNotifier:
    """A notifier that keeps what it was given: for tests, demos and debugging.

    Attributes:
        sent: Every (event, audiences) pair, in delivery order.
    """

    def __init__(self) -> None:
        self.sent: list[tuple[DomainEvent, frozenset[str]]] = []

    def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
        """Record the delivery."""
        self.sent.append((event, audiences))

    def events(self, audience: str | None = None) -> list[DomainEvent]:
        """Events sent (to ``audience`` only, if given)."""
        return [e for e, a in self.sent if audience is None or audience in a]
