import gc
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from salesorder.events import DomainEvent, event_types


@attrs.frozen(kw_only=True)
class ThingHappened(DomainEvent):
    order_id: str
    quantity: Decimal
    skus: frozenset[str] = frozenset()
    extra: dict[str, object] = attrs.field(factory=dict)


AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def test_events_have_unique_ids_and_names() -> None:
    first = ThingHappened(occurred_at=AT, order_id="o1", quantity=Decimal(1))
    second = ThingHappened(occurred_at=AT, order_id="o1", quantity=Decimal(1))
    assert first.event_id != second.event_id
    assert first.name == "ThingHappened"


def test_events_are_frozen() -> None:
    event = ThingHappened(occurred_at=AT, order_id="o1", quantity=Decimal(1))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.order_id = "o2"  # type: ignore[misc]


def test_to_dict_is_json_friendly() -> None:
    event = ThingHappened(
        occurred_at=AT,
        order_id="o1",
        quantity=Decimal("1.5"),
        skus=frozenset({"B", "A"}),
        extra={"n": 1, "ok": True, "none": None, "list": [Decimal(2)]},
    )
    data = event.to_dict()
    assert data["type"] == "ThingHappened"
    assert data["occurred_at"] == "2026-11-22T09:30:00+00:00"
    assert data["quantity"] == "1.5"
    assert data["skus"] == ["A", "B"]
    assert data["extra"] == {"n": 1, "ok": True, "none": None, "list": ["2"]}


def test_event_types_names_the_class_attrs_made_not_the_one_it_replaced() -> None:
    # attrs builds a new class for a slotted one; until the garbage collector runs, the
    # class it replaced is still listed among DomainEvent's subclasses.
    gc.disable()
    try:

        @attrs.frozen(kw_only=True)
        class PalletWeighed(DomainEvent):
            kilograms: int = 0

        listed = [c for c in DomainEvent.__subclasses__() if c.__name__ == "PalletWeighed"]
        assert len(listed) == 2  # the replaced class is still there: the test means something
        assert event_types()["PalletWeighed"] is PalletWeighed
    finally:
        gc.enable()
