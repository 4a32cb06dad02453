"""Signed webhooks: each event POSTed as a JSON envelope to the URLs that subscribe to it.

Install with the ``webhooks`` extra (``pip install "salesorder[webhooks]"``, which
brings httpx). A ``WebhookNotifier`` is a ``Notifier``:
hand it to ``relay``, to the relay loop
(``run_relay``, ``salesorder relay``) or to
``OrderService``.

* **Routes.** A ``WebhookRoute`` receives the events of the types it names and
  the events routed to one of its audiences.
* **Envelope.** One JSON object per event (``envelope``): ``id`` (the stable event
  id, for de-duplication), ``type``, ``occurred_at``, ``tenant``, ``order_id`` and
  ``data`` (the event's fields). Events carry identifiers, codes, quantities and
  amounts; the fields that name or may name a person (``PERSONAL_FIELDS``: who
  acted, free-text reasons) are left out unless the route asks for them. The body is
  a pure function of the event, the tenant and the route's choice, so a retried event
  is the same bytes every time.
* **Signature.** ``X-Salesorder-Signature: t=<unix seconds>,v1=<hex>``, where the hex
  is HMAC-SHA256 with the route's secret over ``"<t>." + body``. Receivers check it
  with ``verify_signature``, which also refuses a timestamp older (or newer) than
  a tolerance, so a captured request cannot be replayed later.
* **Failures.** Every request has a timeout, and redirects are never followed (a
  redirect is a failure: following it would send signed data somewhere the route did
  not name). A timeout, a refused connection or a non-2xx answer raises
  ``DeliveryFailed`` with its code; the relay keeps
  the event queued and tries again after its backoff. Only a 2xx acknowledges. When
  one route of an event fails, the event is retried for every route: receivers
  de-duplicate by ``id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlsplit

import attrs
import httpx

from salesorder.codec import encode
from salesorder.events import DomainEvent
from salesorder.notifications import (
    NOTIFY_REDIRECTED,
    NOTIFY_REJECTED,
    NOTIFY_TIMEOUT,
    NOTIFY_UNREACHABLE,
    WEBHOOK_SIGNATURE_MALFORMED,
    WEBHOOK_SIGNATURE_MISMATCH,
    WEBHOOK_SIGNATURE_MISSING,
    WEBHOOK_SIGNATURE_STALE,
    DeliveryFailed,
    NotificationError,
    SignatureRejected,
)
from salesorder.ports import stream_of

__all__ = [
    "EVENT_ID_HEADER",
    "PERSONAL_FIELDS",
    "SIGNATURE_HEADER",
    "WebhookNotifier",
    "WebhookRoute",
    "envelope",
    "sign",
    "verify_signature",
]

#: The header carrying ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.
SIGNATURE_HEADER: Final = "X-Salesorder-Signature"
#: The header carrying the event id (also in the body), for receivers that route early.
EVENT_ID_HEADER: Final = "X-Salesorder-Event-Id"
#: Event fields that name or may name a person: who acted, and free-text reasons.
PERSONAL_FIELDS: Final = frozenset({"actor", "reason", "reasons"})
#: Default tolerance of ``verify_signature``, in seconds.
DEFAULT_TOLERANCE: Final = 300

# Envelope keys taken out of the event's fields; everything else goes under "data".
_ENVELOPE_KEYS: Final = frozenset({"type", "event_id", "occurred_at"})


def _frozen(names: Iterable[str]) -> frozenset[str]:
    return frozenset(names)


def _check_url(_route: object, _attribute: object, url: str) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise NotificationError(params={"name": "url", "reason": "not an http(s) URL"})


def _check_secret(_route: object, _attribute: object, secret: str) -> None:
    if not isinstance(secret, str) or not secret:
        raise NotificationError(params={"name": "secret", "reason": "empty"})


@attrs.frozen
class WebhookRoute:
    """One subscriber URL: which events it receives, the secret that signs them.

    Attributes:
        url: ``http`` or ``https`` URL the events are POSTed to.
        secret: Shared secret of the signature (never shown in ``repr``).
        audiences: Receive the events routed to any of these audiences.
        event_types: Receive the events of these type names (``OrderShipped``...).
        personal_data: Include ``PERSONAL_FIELDS`` in the envelope.

    Raises:
        NotificationError: ``notify.settings.invalid`` for a URL that is not http(s) or
            an empty secret.
    """

    url: str = attrs.field(validator=_check_url)
    secret: str = attrs.field(repr=False, validator=_check_secret)
    audiences: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    event_types: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    personal_data: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, secrets: Mapping[str, str]) -> WebhookRoute:
        """Build from plain configuration; the secret is named, not written, in it.

        ``{"url": ..., "secret_env": "NAME", "audiences": [...], "events": [...],
        "personal_data": false}``, the secret read from ``secrets[NAME]`` (usually
        ``os.environ``), so that configuration files hold no secret.

        Raises:
            NotificationError: ``notify.settings.invalid`` for a missing or malformed
                entry, or a secret variable that is not set.
        """
        if not isinstance(config, Mapping):
            raise NotificationError(params={"name": "route", "reason": "not an object"})
        unknown = set(config) - {"url", "secret_env", "audiences", "events", "personal_data"}
        if unknown:
            raise NotificationError(params={"name": sorted(unknown)[0], "reason": "unknown key"})
        secret = secrets.get(str(config.get("secret_env", "")))
        if not secret:
            raise NotificationError(params={"name": "secret_env", "reason": "variable not set"})
        personal = config.get("personal_data", False)
        if not isinstance(personal, bool):
            raise NotificationError(params={"name": "personal_data", "reason": "not a boolean"})
        return cls(
            url=config.get("url"),  # type: ignore[arg-type]  # checked by the validator
            secret=secret,
            audiences=_names(config.get("audiences", ()), "audiences"),
            event_types=_names(config.get("events", ()), "events"),
            personal_data=personal,
        )

    def wants(self, event: DomainEvent, audiences: frozenset[str]) -> bool:
        """Whether this route receives ``event`` routed to ``audiences``."""
        return event.name in self.event_types or not self.audiences.isdisjoint(audiences)


def _names(value: object, name: str) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise NotificationError(params={"name": name, "reason": "not a list of names"})
    names = list(value)
    if not all(isinstance(item, str) for item in names):
        raise NotificationError(params={"name": name, "reason": "not a list of names"})
    return frozenset(names)


def envelope(event: DomainEvent, *, tenant_id: str, personal_data: bool = False) -> bytes:
    """The JSON body POSTed for ``event``: compact, keys sorted, the same bytes every time.

    Args:
        event: The event.
        tenant_id: Tenant the event belongs to.
        personal_data: Keep ``PERSONAL_FIELDS`` (left out by default).

    Raises:
        SalesOrderError: when the event holds a value that cannot be encoded (the
            relay records its code and, after the last attempt, parks the event).
    """
    fields = encode(event)
    data = {
        key: value
        for key, value in fields.items()
        if key not in _ENVELOPE_KEYS and (personal_data or key not in PERSONAL_FIELDS)
    }
    document = {
        "id": event.event_id,
        "type": event.name,
        "occurred_at": fields["occurred_at"],
        "tenant": tenant_id,
        "order_id": stream_of(event),
        "data": data,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(body: bytes, *, secret: str, timestamp: int) -> str:
    """The signature header's value: ``t=<timestamp>,v1=<hex HMAC-SHA256>``."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(
    body: bytes,
    header: str | None,
    *,
    secret: str | Sequence[str],
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check a received webhook: signed with ``secret`` over this body, and recent.

    For receivers: pass the raw request body (before any JSON parsing) and the
    ``SIGNATURE_HEADER`` value. Several ``v1`` values, or several secrets (while
    one is rotated), are accepted if any pair matches.

    Args:
        body: The raw body.
        header: The signature header (None: absent).
        secret: The route's secret, or the secrets currently accepted.
        now: Current Unix time; the system clock by default.
        tolerance: Most seconds between the signature's timestamp and ``now``.

    Raises:
        SignatureRejected: ``webhook.signature.missing``, ``.malformed``, ``.stale``
            (too old or too far in the future) or ``.mismatch``.
    """
    if not header:
        raise SignatureRejected(WEBHOOK_SIGNATURE_MISSING)
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureRejected(WEBHOOK_SIGNATURE_MALFORMED)
    age = (time.time() if now is None else now) - timestamp
    if abs(age) > tolerance:
        raise SignatureRejected(
            WEBHOOK_SIGNATURE_STALE, params={"age": int(age), "tolerance": tolerance}
        )
    secrets = [secret] if isinstance(secret, str) else list(secret)
    expected = [_digest(key, timestamp, body) for key in secrets]
    # compare_digest for every pair: the time taken says nothing about a near match.
    if not any(hmac.compare_digest(want, got) for want in expected for got in candidates):
        raise SignatureRejected(WEBHOOK_SIGNATURE_MISMATCH)


class WebhookNotifier:
    """POSTs each event to the routes that want it, signed; a failure raises.

    Args:
        routes: The subscriber routes.
        tenant_id: Tenant written in the envelopes.
        timeout: Seconds for connecting, and for each read and write (positive).
        client: An httpx client to use (tests, proxies, custom TLS); the notifier then
            does not close it. Redirects are refused whatever the client's setting.
        clock: Unix time source of the signature timestamps.

    Raises:
        NotificationError: ``notify.settings.invalid`` for a timeout that is not a
            positive number.

    Use as a context manager, or call ``close``, to release the connections.
    """

    def __init__(
        self,
        routes: Iterable[WebhookRoute],
        *,
        tenant_id: str = "default",
        timeout: float = 5.0,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise NotificationError(params={"name": "timeout", "reason": "not a positive number"})
        self.routes: tuple[WebhookRoute, ...] = tuple(routes)
        self.tenant_id = tenant_id
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._timeout = httpx.Timeout(timeout)
        self._clock = clock

    def __repr__(self) -> str:
        return f"WebhookNotifier(routes={len(self.routes)}, tenant_id={self.tenant_id!r})"

    def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
        """POST ``event`` to every route that wants it.

        Raises:
            DeliveryFailed: some route did not answer 2xx (``notify.timeout``,
                ``notify.unreachable``, ``notify.rejected``, ``notify.redirected``);
                the others were still tried.
            SalesOrderError: the event cannot be encoded.
        """
        failure: DeliveryFailed | None = None
        for route in self.routes:
            if route.wants(event, audiences):
                try:
                    self.post(event, route)
                except DeliveryFailed as error:
                    failure = failure or error
        if failure is not None:
            raise failure

    def post(self, event: DomainEvent, route: WebhookRoute) -> None:
        """POST ``event`` to ``route`` once.

        Raises:
            DeliveryFailed: no 2xx answer.
        """
        body = envelope(event, tenant_id=self.tenant_id, personal_data=route.personal_data)
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: event.event_id,
            SIGNATURE_HEADER: sign(body, secret=route.secret, timestamp=int(self._clock())),
        }
        try:
            response = self._client.post(
                route.url,
                content=body,
                headers=headers,
                timeout=self._timeout,
                follow_redirects=False,
            )
        # The exception's text may carry the URL, which may carry a token: codes only.
        except httpx.TimeoutException:
            raise DeliveryFailed(NOTIFY_TIMEOUT) from None
        except httpx.HTTPError:
            raise DeliveryFailed(NOTIFY_UNREACHABLE) from None
        if response.is_redirect:
            raise DeliveryFailed(NOTIFY_REDIRECTED, params={"status": response.status_code})
        if not response.is_success:
            raise DeliveryFailed(NOTIFY_REJECTED, params={"status": response.status_code})

    def close(self) -> None:
        """Close the connections (not those of a client passed in)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
