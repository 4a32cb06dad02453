"""Domain events: past-tense, frozen facts that something happened.

Every change in the library is described by events (``OrderConfirmed``,
``StockReserved``, ``LowStockDetected``...). The service layer records them with the
change (the outbox) and hands them to the notifier after the change commits. Each
event has a unique ``event_id`` so receivers can de-duplicate at-least-once delivery.

Events carry identifiers, codes and quantities, never customer personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from salesorder.order import new_id

__all__ = ["DomainEvent"]


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base class of every domain event.

    Subclass with ``@attrs.frozen(kw_only=True)`` and name the class in the past tense.

    Attributes:
        occurred_at: When it happened (timezone-aware, from the caller's clock).
        event_id: Unique id for de-duplication by receivers.
    """

    occurred_at: datetime
    event_id: str = attrs.field(factory=new_id)

    @property
    def name(self) -> str:
        """The event's type name, e.g. ``OrderConfirmed``."""
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict: the type name plus every field, values as strings or numbers."""
        data: dict[str, Any] = {"type": self.name}
        for key, value in attrs.asdict(self, recurse=True).items():
            data[key] = _jsonable(value)
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)
