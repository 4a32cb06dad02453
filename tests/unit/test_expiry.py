"""Order expiry (issue 14): unconfirmed or unpaid orders time out and release their stock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _service_world import World, make_world

from salesorder import lifecycle
from salesorder.demo import START, cny
from salesorder.errors import IllegalTransition, InvalidOrder, RuleViolation
from salesorder.lifecycle import EXPIRED_REASON, LifecyclePolicy
from salesorder.records import Status

PAY_FIRST = LifecyclePolicy(
    ship_only_after_payment=True,
    expire_unconfirmed_after=timedelta(days=3),
    expire_unpaid_after=timedelta(hours=24),
)


@pytest.fixture
def world() -> World:
    return make_world(lifecycle_policy=PAY_FIRST)


def test_an_unconfirmed_order_expires_after_its_time(world: World) -> None:
    draft = world.entered()
    approved = world.approved()
    assert lifecycle.expiry_due(draft, PAY_FIRST) == START + timedelta(days=3)
    assert world.service.expire_orders(now=START + timedelta(days=3) - timedelta(seconds=1)) == []
    results = world.service.expire_orders(now=START + timedelta(days=3))
    assert sorted(result.order_id for result in results) == sorted([draft.id, approved.id])
    for order_id in (draft.id, approved.id):
        order = world.service.get(order_id)
        assert order.status is Status.CANCELLED
        assert order.audit[-1].event == "expire"
        assert order.audit[-1].reason == EXPIRED_REASON
    cancelled = [event for event, _ in world.notifier.sent if event.name == "OrderCancelled"]
    assert {event.reason for event in cancelled} == {EXPIRED_REASON}  # type: ignore[attr-defined]


def test_a_confirmed_unpaid_order_expires_and_releases_its_stock(world: World) -> None:
    order = world.confirmed(tea=2, cups=1)
    assert world.position("TEA-LJ-250", "SH-01") == (30, 2)
    world.clock.advance(timedelta(hours=25))
    (result,) = world.service.expire_orders()
    assert result.order_id == order.id
    assert world.position("TEA-LJ-250", "SH-01") == (30, 0)
    assert world.position("CUP-CER-6", "SH-01") == (20, 0)
    with world.database.unit_of_work() as uow:
        assert not any(r.is_open for r in uow.stock.reservations(order_id=order.id))


def test_a_payment_keeps_the_order_and_its_stock(world: World) -> None:
    order = world.confirmed(tea=2, cups=1)
    world.service.record_payment(order.id, amount=cny(10), actor="F-ZHOU")
    world.clock.advance(timedelta(days=30))
    assert world.service.expire_orders() == []
    assert world.service.get(order.id).status is Status.CONFIRMED
    assert world.position("TEA-LJ-250", "SH-01") == (30, 2)


def test_held_shipped_and_archived_orders_never_expire(world: World) -> None:
    held = world.approved()
    world.service.hold(held.id, reason="credit", actor="F")
    shipped = world.confirmed(tea=2, cups=1)
    world.service.record_payment(shipped.id, amount=shipped.grand_total, actor="F")  # type: ignore[arg-type]
    world.service.ship(shipped.id, lines={"1": 1}, actor="W")
    world.clock.advance(timedelta(days=30))
    assert world.service.expire_orders() == []


def test_expiring_early_is_refused_and_changes_nothing(world: World) -> None:
    order = world.entered()
    stored = world.service.get(order.id)
    with pytest.raises(RuleViolation) as caught:
        lifecycle.expire(stored, at=START + timedelta(days=1), lifecycle_policy=PAY_FIRST)
    assert caught.value.code == "lifecycle.expire.not_due"
    assert stored == world.service.get(order.id)
    with pytest.raises(RuleViolation) as caught:
        lifecycle.expire(stored, at=START + timedelta(days=9))  # the default never expires
    assert caught.value.code == "lifecycle.expire.not_due"


def test_a_shipped_order_cannot_expire(world: World) -> None:
    order = world.confirmed(tea=2, cups=1)
    world.service.record_payment(order.id, amount=order.grand_total, actor="F")  # type: ignore[arg-type]
    world.service.ship(order.id, lines={"1": 1}, actor="W")
    with pytest.raises(IllegalTransition):
        lifecycle.expire(world.service.get(order.id), at=START + timedelta(days=90))


@pytest.mark.parametrize("after", [timedelta(0), timedelta(hours=-1), 3])
def test_a_malformed_expiry_is_refused_with_a_code(after: object) -> None:
    with pytest.raises(InvalidOrder) as caught:
        LifecyclePolicy(expire_unpaid_after=after)  # type: ignore[arg-type]
    assert caught.value.code == "lifecycle.policy.invalid"
