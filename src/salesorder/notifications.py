"""Who hears about what, and how committed events reach them (R15).

Which events reach the warehouse, finance, production or the customer is data — a
``NotificationRouting`` mapping event type names to audiences — not code; a host
can also subscribe handlers to event classes (``Subscriptions``). ``relay``
hands the outbox's due events to the host's ``Notifier`` after
the change has committed: at least once, each event carrying its stable ``event_id``
for de-duplication, one order's events in commit order. A notifier failure is logged
and recorded with its code (never its message: it may carry personal data); the event
stays in the outbox and is tried again after an exponential backoff with jitter
(``RetryPolicy``); after the last allowed attempt it is parked as dead, where the
host sees it (``Outbox.dead``) and can re-queue it (``Outbox.requeue``). One entry that
cannot be delivered never holds back the others, and a failure never undoes the order
change.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final, TypeVar

import attrs

from salesorder.errors import SalesOrderError, define_code, define_phrase
from salesorder.events import DomainEvent
from salesorder.ports import Notifier, Outbox, OutboxEntry, stream_of

__all__ = [
    "DEFAULT_ROUTING",
    "DeliveryFailed",
    "NotificationError",
    "NotificationRouting",
    "RecordingNotifier",
    "RelayResult",
    "RetryPolicy",
    "SignatureRejected",
    "Subscriptions",
    "delivery_error_code",
    "relay",
]

_log = logging.getLogger(__name__)

NOTIFY_SETTINGS_INVALID: Final = define_code(
    "notify.settings.invalid",
    en="Invalid notification setting {name}: {reason}.",
)
#: Why a notification setting is refused: the ``reason`` of ``notify.settings.invalid``
#: (terms of the catalogs). ``{name}`` is the setting's key as the host writes it in code,
#: a routes file or on the command line (``url``, ``--webhooks``), shown as it is.
NOTIFY_REASONS: Final = tuple(
    define_phrase(reason)
    for reason in (
        "out of range",
        "not an event class",
        "batch or interval out of range",
        "not a readable JSON file",
        "no list of routes",
        "not a number",
        "not an http(s) URL",
        "empty",
        "not an object",
        "unknown key",
        "variable not set",
        "not a boolean",
        "not a list of names",
        "not a positive number",
    )
)
NOTIFY_TIMEOUT: Final = define_code(
    "notify.timeout",
    en="The receiver did not answer in time.",
)
NOTIFY_UNREACHABLE: Final = define_code(
    "notify.unreachable",
    en="The receiver could not be reached.",
)
NOTIFY_REJECTED: Final = define_code(
    "notify.rejected",
    en="The receiver answered HTTP {status}.",
)
NOTIFY_REDIRECTED: Final = define_code(
    "notify.redirected",
    en="The receiver answered with a redirect (HTTP {status}); redirects are not followed.",
)
WEBHOOK_SIGNATURE_MISSING: Final = define_code(
    "webhook.signature.missing",
    en="The request carries no signature.",
)
WEBHOOK_SIGNATURE_MALFORMED: Final = define_code(
    "webhook.signature.malformed",
    en="The signature header is not of the form t=…,v1=….",
)
WEBHOOK_SIGNATURE_STALE: Final = define_code(
    "webhook.signature.stale",
    en="The signature's timestamp is {age} seconds away from now (at most {tolerance}).",
)
WEBHOOK_SIGNATURE_MISMATCH: Final = define_code(
    "webhook.signature.mismatch",
    en="The signature does not match the body.",
)


class NotificationError(SalesOrderError):
    """A notification cannot be set up or delivered (see the subclasses)."""

    default_code = NOTIFY_SETTINGS_INVALID


class DeliveryFailed(NotificationError):
    """A receiver did not acknowledge an event: timeout, unreachable, non-2xx answer.

    The relay records the code and tries again later; nothing about the receiver's
    answer but its status is kept.
    """

    default_code = NOTIFY_UNREACHABLE


class SignatureRejected(NotificationError, ValueError):
    """A webhook request whose signature does not verify: missing, malformed, stale, forged."""

    default_code = WEBHOOK_SIGNATURE_MISMATCH


def delivery_error_code(error: BaseException) -> str:
    """What the outbox records of a delivery error: the library's code, else the type name.

    Never the message, which may carry personal data.
    """
    code = getattr(error, "code", None)
    return str(code) if isinstance(code, str) else type(error).__name__


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
        "DraftEdited": ["sales"],
        "OrderConfirmed": ["warehouse", "production", "finance", "customer"],
        "OrderShipped": ["customer", "finance"],
        "ShipmentPlanned": ["warehouse"],
        "ShipmentCancelled": ["warehouse"],
        "ShipmentVoided": ["warehouse", "finance", "customer"],
        "OrderDelivered": ["finance", "customer"],
        "OrderInvoiced": ["finance", "customer"],
        "InvoiceIssued": ["finance", "customer"],
        "CreditNoteIssued": ["finance", "customer"],
        "InvoiceOverdue": ["finance", "sales", "customer"],
        "PaymentRecorded": ["finance"],
        "PaymentConfirmed": ["finance", "customer"],
        "PaymentVoided": ["finance", "sales"],
        "OrderCompleted": ["sales"],
        "OrderCancelled": ["warehouse", "production", "finance", "customer"],
        "OrderAmended": ["warehouse", "production", "finance", "customer"],
        "AmendmentApproved": ["sales"],
        "AmendmentRejected": ["sales", "customer"],
        "OrderClosed": ["warehouse", "finance"],
        "OrderHeld": ["sales", "warehouse"],
        "OrderResumed": ["sales", "warehouse"],
        "ReturnRequested": ["sales", "warehouse"],
        "ReturnApproved": ["warehouse", "customer"],
        "ReturnReceived": ["warehouse", "finance"],
        "RefundRecorded": ["finance", "customer"],
        "RefundDue": ["finance", "customer"],
        "ReplacementOrdered": ["warehouse", "finance", "customer"],
        "RepairShipped": ["warehouse", "customer"],
        "RepairDelivered": ["warehouse", "customer"],
        "LowStockDetected": ["warehouse", "production"],
        "SafetyStockBreached": ["warehouse", "production"],
        "ExcessStockDetected": ["warehouse"],
        "ReservationExpired": ["warehouse", "sales"],
        "DeliveryDateChanged": ["customer", "warehouse"],
    },
)


# Jitter is spread, not secrecy: the standard generator is the right tool.
_JITTER: Final = random.Random()  # noqa: S311


@attrs.frozen
class RetryPolicy:
    """How often and how soon a failed delivery is tried again.

    The delay after the ``n``-th failed attempt is ``base_delay * 2 ** (n - 1)``, at most
    ``max_delay``, less a random part of up to ``jitter`` of it (so that relays retrying
    after one outage do not all knock at once). The ``max_attempts``-th failure parks
    the entry as dead.

    Attributes:
        max_attempts: Attempts before an entry is parked (at least 1).
        base_delay: Delay after the first failure (positive).
        max_delay: Longest delay (at least ``base_delay``).
        jitter: Fraction of the delay that is random, from 0 to 1.

    Raises:
        NotificationError: ``notify.settings.invalid`` for a value out of range.
    """

    max_attempts: int = 10
    base_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    jitter: float = 0.5

    def __attrs_post_init__(self) -> None:
        problems = {
            "max_attempts": not isinstance(self.max_attempts, int) or self.max_attempts < 1,
            "base_delay": self.base_delay <= timedelta(0),
            "max_delay": self.max_delay < self.base_delay,
            "jitter": not 0 <= self.jitter <= 1,
        }
        for name, wrong in problems.items():
            if wrong:
                raise NotificationError(params={"name": name, "reason": "out of range"})

    def delay(self, attempts: int, *, rng: random.Random | None = None) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        exponent = min(max(attempts - 1, 0), 32)  # 2**32 base delays exceed any max_delay
        full = min(self.base_delay * (1 << exponent), self.max_delay)
        spread = (rng or _JITTER).random() * self.jitter
        return full * (1 - spread)

    def is_last(self, attempts: int) -> bool:
        """Whether the ``attempts``-th failed attempt is the last allowed."""
        return attempts >= self.max_attempts


@attrs.frozen
class RelayResult:
    """What one relay pass did.

    Attributes:
        delivered: Events handed to the notifier (or skipped as unrouted).
        failed: Events whose delivery raised; they stay pending for a later try.
        dead: Events whose last allowed attempt failed; parked as dead.
    """

    delivered: int
    failed: int
    dead: int = 0


E = TypeVar("E", bound=DomainEvent)


class Subscriptions:
    """Handlers subscribed to event classes: ``subscribe(OrderShipped, handler)``.

    A ``Notifier``: ``relay`` hands it every event some
    handler is subscribed to (whatever the routing's audiences), and each handler whose
    class the event is an instance of (subclasses included) is called with it, in
    subscription order. A handler that raises makes the delivery fail: the event stays
    queued, and every handler sees it again (handlers de-duplicate by ``event_id``).
    """

    def __init__(self) -> None:
        self._handlers: list[tuple[type[DomainEvent], Callable[[DomainEvent], None]]] = []

    def subscribe(self, event_type: type[E], handler: Callable[[E], object]) -> None:
        """Call ``handler`` with every event of ``event_type`` (or a subclass).

        Raises:
            NotificationError: ``notify.settings.invalid`` when ``event_type`` is not a
                ``DomainEvent`` class.
        """
        if not (isinstance(event_type, type) and issubclass(event_type, DomainEvent)):
            raise NotificationError(params={"name": "event_type", "reason": "not an event class"})

        def call(event: DomainEvent) -> None:
            handler(event)  # type: ignore[arg-type]  # only events of event_type get here

        self._handlers.append((event_type, call))

    def handles(self, event: DomainEvent) -> bool:
        """Whether some handler is subscribed to ``event``'s class."""
        return any(isinstance(event, event_type) for event_type, _ in self._handlers)

    def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
        """Call the handlers subscribed to ``event``'s class."""
        for event_type, call in self._handlers:
            if isinstance(event, event_type):
                call(event)


def relay(
    outbox: Outbox,
    notifier: Notifier,
    *,
    routing: NotificationRouting = DEFAULT_ROUTING,
    limit: int = 100,
    now: datetime | None = None,
    retry: RetryPolicy | None = None,
) -> RelayResult:
    """Hand the outbox's due events to ``notifier``, oldest first, each order's in order.

    Takes what ``claim`` hands out (the first due entry of
    every order, and events of no order), delivers it, and claims again, until
    ``limit`` events were handled or nothing due is left. Events with no audience (and
    no subscriber, for ``Subscriptions``) are marked delivered without calling the
    notifier. A failed delivery is recorded with its code and the time of the next try
    (``retry``), and holds back the later events of its order; the last allowed attempt
    parks the entry as dead, and the order's next event goes on. Call it inside a unit
    of work and commit after: the marks are part of it, and on PostgreSQL the claimed
    entries stay locked against other relays until then.

    Args:
        outbox: Where committed events wait.
        notifier: The host's delivery channel.
        routing: Audiences per event type.
        limit: Most events handled in this pass.
        now: The time that decides what is due; the system clock by default.
        retry: Backoff and attempt bound; ``RetryPolicy`` defaults if None.

    Returns:
        Counts of delivered, failed and parked events.
    """
    now = now if now is not None else datetime.now(UTC)
    retry = retry if retry is not None else _DEFAULT_RETRY
    attempted: set[str] = set()
    delivered = failed = dead = 0
    while len(attempted) < limit:
        batch = [
            entry
            for entry in outbox.claim(limit=limit - len(attempted), now=now)
            if entry.event.event_id not in attempted
        ]
        if not batch:
            break
        acknowledged: list[str] = []
        for entry in batch:
            attempted.add(entry.event.event_id)
            error = _deliver(entry.event, notifier, routing)
            if error is None:
                acknowledged.append(entry.event.event_id)
            elif _record_failure(outbox, entry, error, now=now, retry=retry):
                dead += 1
            else:
                failed += 1
        outbox.mark_delivered(acknowledged)
        delivered += len(acknowledged)
    return RelayResult(delivered=delivered, failed=failed, dead=dead)


_DEFAULT_RETRY: Final = RetryPolicy()


def _deliver(
    event: DomainEvent, notifier: Notifier, routing: NotificationRouting
) -> Exception | None:
    """Deliver ``event``; the error that stopped it, or None."""
    audiences = routing.audiences(event)
    if not audiences and not (isinstance(notifier, Subscriptions) and notifier.handles(event)):
        return None
    try:
        notifier.notify(event, audiences=audiences)
    # Any notifier failure means "retry later"; it must never undo the change.
    except Exception as error:
        return error
    return None


def _record_failure(
    outbox: Outbox, entry: OutboxEntry, error: Exception, *, now: datetime, retry: RetryPolicy
) -> bool:
    """Record a failed attempt; whether it parked the entry as dead."""
    event = entry.event
    code = delivery_error_code(error)
    attempts = entry.attempts + 1
    if retry.is_last(attempts):
        outbox.mark_dead(event.event_id, error=code)
        _log.warning(
            "notification of %s %s failed for the last time (%s, attempt %d): parked as dead",
            event.name,
            event.event_id,
            code,
            attempts,
        )
        return True
    outbox.mark_failed(event.event_id, error=code, retry_at=now + retry.delay(attempts))
    _log.warning(
        "notification of %s %s failed: %s (attempt %d, stream %s)",
        event.name,
        event.event_id,
        code,
        attempts,
        stream_of(event),
    )
    return False


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
