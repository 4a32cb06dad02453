"""Moving the requested delivery date, also after the first shipment (issue 14 defect 7).

R10: delivery-date changes are notified to the customer. Before, the date could change
only through an amendment, and no amendment is possible once goods have shipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from _service_world import World, make_world

from salesorder.errors import IllegalTransition, RuleViolation, SalesOrderError
from salesorder.records import Status


@pytest.fixture
def world() -> World:
    return make_world()


def partially_shipped(world: World) -> str:
    order = world.confirmed(tea=2, cups=1)
    world.service.ship(order.id, lines={"1": 1}, actor="W-SH")
    assert world.service.get(order.id).status is Status.PARTIALLY_SHIPPED
    return order.id


def test_the_date_moves_after_the_first_shipment_and_the_customer_is_told(world: World) -> None:
    order_id = partially_shipped(world)
    before = world.service.get(order_id)
    result = world.service.reschedule(
        order_id, requested_delivery_date=date(2026, 12, 24), reason="carrier_delay", actor="CS"
    )
    after = world.service.get(order_id)
    assert result.target is Status.PARTIALLY_SHIPPED
    assert after.requested_delivery_date == date(2026, 12, 24)
    assert after.revision == before.revision  # goods and money unchanged
    assert after.audit[-1].event == "reschedule"
    assert after.audit[-1].reason == "carrier_delay"
    (changed,) = [event for event, _ in world.notifier.sent if event.name == "DeliveryDateChanged"]
    assert changed.previous == before.requested_delivery_date  # type: ignore[attr-defined]
    assert changed.requested_delivery_date == date(2026, 12, 24)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("given", "reason", "code"),
    [
        (date(2026, 12, 24), " ", "lifecycle.reason_required"),
        (datetime(2026, 12, 24, 9, 0, tzinfo=UTC), "late", "lifecycle.amendment.invalid"),
        ("2026-12-24", "late", "lifecycle.amendment.invalid"),
    ],
)
def test_a_bad_request_is_refused_and_changes_nothing(
    world: World, given: object, reason: str, code: str
) -> None:
    order_id = partially_shipped(world)
    before = world.state()
    with pytest.raises(RuleViolation) as caught:
        world.service.reschedule(
            order_id,
            requested_delivery_date=given,  # type: ignore[arg-type]
            reason=reason,
            actor="CS",
        )
    assert caught.value.code == code
    assert world.state() == before


def test_the_same_date_is_no_change(world: World) -> None:
    order_id = partially_shipped(world)
    same = world.service.get(order_id).requested_delivery_date
    with pytest.raises(RuleViolation) as caught:
        world.service.reschedule(order_id, requested_delivery_date=same, reason="x", actor="CS")
    assert caught.value.code == "lifecycle.amendment.invalid"


def test_a_delivered_or_draft_order_is_not_rescheduled(world: World) -> None:
    delivered = world.delivered(tea=2, cups=1)
    draft = world.entered()
    for order in (delivered, draft):
        with pytest.raises(IllegalTransition):
            world.service.reschedule(
                order.id, requested_delivery_date=date(2027, 1, 4), reason="x", actor="CS"
            )


def test_a_key_reused_for_another_date_is_refused(world: World) -> None:
    order_id = partially_shipped(world)
    world.service.reschedule(
        order_id,
        requested_delivery_date=date(2026, 12, 24),
        reason="late",
        actor="CS",
        idempotency_key="r-1",
    )
    with pytest.raises(SalesOrderError) as caught:
        world.service.reschedule(
            order_id,
            requested_delivery_date=date(2026, 12, 28),
            reason="late",
            actor="CS",
            idempotency_key="r-1",
        )
    assert caught.value.code == "idempotency.conflict"
