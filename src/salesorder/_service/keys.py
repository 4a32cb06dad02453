"""The idempotency keys of the service's creating commands: one key, one request.

``enter``, ``quote`` and ``convert_quote`` remember the id a key produced in the unit
of work's :class:`~salesorder.ports.IdempotencyKeys`; with it they keep a fingerprint
of the request (:func:`salesorder._arguments.fingerprint`), so that the key reused with
other arguments is refused (``idempotency.conflict``) instead of answering the first
request. The lifecycle commands keep theirs on the order itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from salesorder import _arguments as arguments
from salesorder.errors import IDEMPOTENCY_CONFLICT, RuleViolation
from salesorder.ports import ServiceUnitOfWork
from salesorder.schema import OrderDraft

__all__ = ["REQUEST_SUFFIX", "payload_data", "remember", "replayed", "request"]

# Where a keyed creating command keeps the fingerprint of its request, beside the key's
# result: the idempotency store keeps one id per key, so the fingerprint takes a key of
# its own (no new column; keys stored before it was kept have none and are not compared).
REQUEST_SUFFIX: Final = "#request"


def request(
    key: str | None, event: str, arguments_of: Callable[[], Mapping[str, object]]
) -> tuple[str, str]:
    """``(event, fingerprint)`` of a creating command's request.

    Fingerprinting reads the whole payload: only a keyed request pays for it (the
    fingerprint of an unkeyed one is empty and never stored).
    """
    return event, "" if key is None else arguments.fingerprint(event, arguments_of())


def payload_data(payload: object) -> object:
    """What a payload's fingerprint reads: a draft's data; JSON text and dicts as given."""
    if isinstance(payload, OrderDraft):
        return payload.model_dump(mode="json")
    return payload


def replayed(uow: ServiceUnitOfWork, key: str, request: tuple[str, str]) -> str | None:
    """The id a key produced, if any; refuse the key reused with other arguments."""
    known = uow.idempotency.get(key)
    if known is not None:
        event, digest = request
        stored = uow.idempotency.get(key + REQUEST_SUFFIX)
        if stored is not None and stored != digest:
            raise RuleViolation(IDEMPOTENCY_CONFLICT, params={"event": event})
    return known


def remember(uow: ServiceUnitOfWork, key: str, result: str, request: tuple[str, str]) -> None:
    """Store what ``key`` produced and the fingerprint of its request, in ``uow``."""
    uow.idempotency.put(key, result)
    uow.idempotency.put(key + REQUEST_SUFFIX, request[1])
