"""Shipments with their own states (issue 14): planned, shipped, delivered, cancelled, voided."""

from __future__ import annotations

from decimal import Decimal

import pytest
from _service_world import World, make_world

from salesorder import lifecycle
from salesorder.errors import RuleViolation
from salesorder.lifecycle import ChangeQuantity, ShipmentState
from salesorder.records import Status


@pytest.fixture
def world() -> World:
    return make_world()


def states(world: World, order_id: str) -> dict[str, ShipmentState]:
    return {s.shipment_id: s.state for s in world.service.get(order_id).shipments}


def test_a_planned_shipment_ships_as_planned_and_is_delivered(world: World) -> None:
    order = world.confirmed(tea=3, cups=1)
    world.service.plan_shipment(order.id, lines={"1": 2}, actor="W", shipment_id="SH-1")
    assert states(world, order.id) == {"SH-1": ShipmentState.PLANNED}
    planned = world.service.get(order.id)
    assert planned.status is Status.CONFIRMED
    assert planned.ledger("1").shipped == 0
    assert world.position("TEA-LJ-250", "SH-01") == (30, 3)  # nothing left the warehouse
    world.service.ship(order.id, shipment_id="SH-1", actor="W", tracking_number="SF123")
    shipped = world.service.get(order.id)
    assert shipped.status is Status.PARTIALLY_SHIPPED
    (record,) = shipped.shipments
    assert (record.state, record.tracking_number) == (ShipmentState.SHIPPED, "SF123")
    assert world.position("TEA-LJ-250", "SH-01") == (28, 1)
    world.service.deliver(order.id, lines={"1": 1}, actor="W")
    assert states(world, order.id) == {"SH-1": ShipmentState.SHIPPED}
    world.service.deliver(order.id, lines={"1": 1}, actor="W")
    assert states(world, order.id) == {"SH-1": ShipmentState.DELIVERED}


def test_plans_set_goods_aside_from_other_shipments(world: World) -> None:
    order = world.confirmed(tea=3, cups=1)
    world.service.plan_shipment(order.id, lines={"1": 2}, actor="W", shipment_id="SH-1")
    before = world.state()
    with pytest.raises(RuleViolation) as caught:
        world.service.ship(order.id, lines={"1": 2}, actor="W")
    assert caught.value.code == "lifecycle.ship.exceeds_remaining"
    with pytest.raises(RuleViolation) as caught:
        world.service.plan_shipment(order.id, lines={"1": 2}, actor="W")
    assert caught.value.code == "lifecycle.ship.exceeds_remaining"
    with pytest.raises(RuleViolation) as caught:
        world.service.plan_shipment(order.id, lines={"1": 1}, actor="W", shipment_id="SH-1")
    assert caught.value.code == "lifecycle.shipment.duplicate"
    with pytest.raises(RuleViolation) as caught:
        world.service.ship(order.id, lines={"1": 1}, shipment_id="SH-1", actor="W")
    assert caught.value.code == "lifecycle.shipment.wrong_state"
    assert world.state() == before
    assert lifecycle.planned_quantities(world.service.get(order.id)) == {"1": 2}


def test_a_cancelled_plan_frees_its_goods_and_an_amendment_respects_plans(world: World) -> None:
    order = world.confirmed(tea=3, cups=1)
    world.service.plan_shipment(order.id, lines={"1": 3}, actor="W", shipment_id="SH-1")
    with pytest.raises(RuleViolation) as caught:
        world.service.amend(order.id, [ChangeQuantity("1", Decimal(2))], actor="S-LI")
    assert caught.value.code == "lifecycle.amendment.below_progress"
    world.service.cancel_shipment(order.id, shipment_id="SH-1", reason="truck", actor="W")
    assert states(world, order.id) == {"SH-1": ShipmentState.CANCELLED}
    world.service.ship(order.id, lines={"1": 3, "2": 1}, actor="W")
    assert world.service.get(order.id).status is Status.SHIPPED


def test_a_voided_shipment_brings_the_goods_back_reserved(world: World) -> None:
    order = world.confirmed(tea=3, cups=1)
    world.service.ship(order.id, lines={"1": 3, "2": 1}, actor="W", shipment_id="SH-1")
    assert world.position("TEA-LJ-250", "SH-01") == (27, 0)
    result = world.service.void_shipment(
        order.id, shipment_id="SH-1", reason="wrong_address", actor="W"
    )
    assert result.target is Status.CONFIRMED
    voided = world.service.get(order.id)
    assert states(world, order.id) == {"SH-1": ShipmentState.VOIDED}
    assert voided.ledger("1").shipped == 0
    assert voided.ledger("1").reserved == 3
    assert world.position("TEA-LJ-250", "SH-01") == (30, 3)
    assert world.position("CUP-CER-6", "SH-01") == (20, 1)
    assert lifecycle.fulfilment_status(voided) is lifecycle.FulfilmentStatus.NONE
    # Shipped again, as if never voided.
    world.service.ship(order.id, lines={"1": 3, "2": 1}, actor="W")
    assert world.service.get(order.id).status is Status.SHIPPED
    assert world.position("TEA-LJ-250", "SH-01") == (27, 0)


def test_voiding_one_of_two_shipments_leaves_the_order_partially_shipped(world: World) -> None:
    order = world.confirmed(tea=3, cups=1)
    world.service.ship(order.id, lines={"1": 1}, actor="W", shipment_id="A")
    world.service.ship(order.id, lines={"1": 2, "2": 1}, actor="W", shipment_id="B")
    result = world.service.void_shipment(order.id, shipment_id="B", reason="x", actor="W")
    assert result.target is Status.PARTIALLY_SHIPPED


def test_what_was_signed_for_is_not_voided(world: World) -> None:
    order = world.confirmed(tea=3, cups=1)
    world.service.ship(order.id, lines={"1": 3}, actor="W", shipment_id="A")
    world.service.deliver(order.id, lines={"1": 1}, actor="W")
    before = world.state()
    with pytest.raises(RuleViolation) as caught:
        world.service.void_shipment(order.id, shipment_id="A", reason="x", actor="W")
    assert caught.value.code == "lifecycle.shipment.signed_for"
    with pytest.raises(RuleViolation) as caught:
        world.service.void_shipment(order.id, shipment_id="nope", reason="x", actor="W")
    assert caught.value.code == "lifecycle.shipment.not_found"
    assert world.state() == before


def test_cancelling_the_order_calls_off_its_plans(world: World) -> None:
    order = world.confirmed(tea=3, cups=1)
    world.service.plan_shipment(order.id, lines={"1": 1}, actor="W", shipment_id="P")
    world.service.cancel(order.id, reason="customer", actor="S-LI")
    assert states(world, order.id) == {"P": ShipmentState.CANCELLED}
