"""Amendments after a partial shipment change only what has not shipped, through approval.

Issue 14: the default (defect 6) sends every amendment through approval; once goods are
out the order cannot go back to ``pending_approval``, so the amendment waits as a
proposal, the preview shows the new totals and the stock delta, and approval applies it.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from _service_world import World, make_world

from salesorder.errors import RuleViolation, SalesOrderError
from salesorder.lifecycle import (
    AddLine,
    AmendmentKind,
    ApprovalPolicy,
    ChangeQuantity,
    LifecyclePolicy,
    RemoveLine,
    Status,
)
from salesorder.order import Order, OrderLine


@pytest.fixture
def world() -> World:
    return make_world()


def partly_shipped(world: World) -> Order:
    """Three boxes of tea and two cup sets, one of each shipped."""
    order = world.confirmed(tea=3, cups=2)
    world.service.ship(order.id, lines={"1": 1, "2": 1}, actor="W-SH", shipment_id="S-1")
    return world.service.get(order.id)


def held(world: World, order_id: str) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for reservation in world.database.stock.reservations(order_id=order_id):
        if reservation.is_open:
            for line in reservation.lines:
                found[line.line_id] = found.get(line.line_id, Decimal(0)) + line.allocated
    return {k: v for k, v in found.items() if v}


RAISE_TEA_DROP_CUPS = [ChangeQuantity("1", Decimal(5)), RemoveLine("2")]


def test_the_preview_shows_the_new_totals_and_the_stock_delta(world: World) -> None:
    order = partly_shipped(world)
    preview = world.service.preview_amendment(order.id, RAISE_TEA_DROP_CUPS)
    # The cups line keeps the set that shipped; only the unshipped one goes.
    assert [(line.line_id, line.quantity) for line in preview.lines] == [
        ("1", Decimal(5)),
        ("2", Decimal(1)),
    ]
    assert preview.stock_delta == (("CUP-CER-6", Decimal(-1)), ("TEA-LJ-250", Decimal(2)))
    assert preview.old_total == order.grand_total
    candidate = attrs.evolve(order, lines=preview.lines)
    assert preview.new_total == world.service.price_order(candidate).grand_total
    assert world.service.get(order.id).lines == order.lines  # a preview changes nothing


def test_an_amendment_waits_for_approval_and_changes_nothing_meanwhile(world: World) -> None:
    order = partly_shipped(world)
    reserved = held(world, order.id)
    result = world.service.amend(order.id, RAISE_TEA_DROP_CUPS, actor="S-LI")
    (event,) = result.events
    assert event.name == "OrderAmended"
    assert event.needs_approval  # type: ignore[attr-defined]
    waiting = world.service.get(order.id)
    assert waiting.status is Status.PARTIALLY_SHIPPED
    assert waiting.lines == order.lines
    assert waiting.revision == order.revision
    assert waiting.grand_total == order.grand_total
    assert waiting.proposed is not None
    assert waiting.proposed.number == order.revision + 1
    assert dict(waiting.required_approvals) == {"sales_manager": ("approval.amendment",)}
    assert held(world, order.id) == reserved


@pytest.mark.parametrize("step", ["ship", "plan", "void", "amend"])
def test_goods_do_not_move_while_the_amendment_waits(world: World, step: str) -> None:
    order = partly_shipped(world)
    world.service.amend(order.id, RAISE_TEA_DROP_CUPS, actor="S-LI")
    before = world.state()
    service = world.service
    steps = {
        "ship": lambda: service.ship(order.id, lines={"1": 1}, actor="W-SH"),
        "plan": lambda: service.plan_shipment(order.id, lines={"1": 1}, actor="W-SH"),
        "void": lambda: service.void_shipment(
            order.id, shipment_id="S-1", reason="x", actor="W-SH"
        ),
        "amend": lambda: service.amend(order.id, [ChangeQuantity("1", Decimal(4))], actor="S"),
    }
    with pytest.raises(RuleViolation) as caught:
        steps[step]()
    assert caught.value.code == "lifecycle.amendment.pending"
    assert world.state() == before


def test_approval_applies_it_to_what_has_not_shipped(world: World) -> None:
    order = partly_shipped(world)
    preview = world.service.preview_amendment(order.id, RAISE_TEA_DROP_CUPS)
    world.service.amend(order.id, RAISE_TEA_DROP_CUPS, actor="S-LI")
    result = world.service.approve_amendment(order.id, level="sales_manager", actor="M-WANG")
    assert [event.name for event in result.events] == ["AmendmentApproved", "OrderAmended"]
    amended = world.service.get(order.id)
    assert amended.status is Status.PARTIALLY_SHIPPED
    assert amended.revision == order.revision + 1
    assert amended.proposed is None
    assert amended.lines == preview.lines
    assert amended.grand_total == preview.new_total
    assert amended.revisions[-1].lines == preview.lines
    # Four boxes of tea left to ship are reserved; the cup set removed is released.
    assert amended.ledger("1").reserved == 4
    assert amended.ledger("2").reserved == 0
    assert held(world, order.id) == {"1": Decimal(4)}
    assert dict(amended.line_totals).keys() == {"1", "2"}


def test_added_lines_are_reserved_on_approval(world: World) -> None:
    order = partly_shipped(world)
    oil = OrderLine("3", "TEA-LJ-250", "tea again", Decimal(2))
    world.service.amend(order.id, [AddLine(oil)], actor="S-LI")
    world.service.approve_amendment(order.id, level="sales_manager", actor="M-WANG")
    assert held(world, order.id) == {"1": Decimal(2), "2": Decimal(1), "3": Decimal(2)}


def test_dropping_what_is_left_ships_the_order_in_full(world: World) -> None:
    order = partly_shipped(world)
    drop = [RemoveLine("1"), RemoveLine("2")]
    world.service.amend(order.id, drop, actor="S-LI")
    world.service.approve_amendment(order.id, level="sales_manager", actor="M-WANG")
    amended = world.service.get(order.id)
    assert amended.status is Status.SHIPPED
    assert [(line.line_id, line.quantity) for line in amended.lines] == [
        ("1", Decimal(1)),
        ("2", Decimal(1)),
    ]
    assert held(world, order.id) == {}


def test_a_line_below_what_shipped_is_refused_with_a_code(world: World) -> None:
    order = world.confirmed(tea=3, cups=2)
    world.service.ship(order.id, lines={"1": 2}, actor="W-SH")
    before = world.state()
    with pytest.raises(RuleViolation) as caught:
        world.service.amend(order.id, [ChangeQuantity("1", Decimal(1))], actor="S-LI")
    assert caught.value.code == "lifecycle.amendment.below_progress"
    assert caught.value.params == {"line_id": "1", "minimum": "2"}
    with pytest.raises(RuleViolation):
        world.service.preview_amendment(order.id, [ChangeQuantity("1", Decimal(1))])
    assert world.state() == before


def test_shipping_past_a_proposal_is_impossible_so_it_still_applies(world: World) -> None:
    # The proposal was checked against what shipped when it was made, and nothing
    # ships while it waits: at approval the check holds again.
    order = partly_shipped(world)
    world.service.amend(order.id, [ChangeQuantity("1", Decimal(1))], actor="S-LI")
    world.service.approve_amendment(order.id, level="sales_manager", actor="M-WANG")
    assert world.service.get(order.id).ledger("1").reserved == 0


def test_a_rejected_amendment_is_dropped_and_its_reasons_kept(world: World) -> None:
    order = partly_shipped(world)
    world.service.amend(order.id, RAISE_TEA_DROP_CUPS, actor="S-LI")
    result = world.service.reject_amendment(order.id, reasons=["price_too_low"], actor="M-WANG")
    (event,) = result.events
    assert event.name == "AmendmentRejected"
    assert event.proposed_revision == order.revision + 1  # type: ignore[attr-defined]
    after = world.service.get(order.id)
    assert after.proposed is None
    assert after.lines == order.lines
    assert after.audit[-1].event == "reject_amendment"
    assert after.audit[-1].reason == "price_too_low"
    world.service.ship(order.id, lines={"1": 1}, actor="W-SH")  # goods move again


def test_nothing_to_decide_is_refused(world: World) -> None:
    order = partly_shipped(world)
    before = world.state()
    for decide in (
        lambda: world.service.approve_amendment(order.id, level="sales_manager", actor="M"),
        lambda: world.service.reject_amendment(order.id, reasons=["x"], actor="M"),
    ):
        with pytest.raises(RuleViolation) as caught:
            decide()
        assert caught.value.code == "lifecycle.amendment.none_pending"
    assert world.state() == before


def test_closing_drops_the_waiting_amendment(world: World) -> None:
    order = partly_shipped(world)
    world.service.amend(order.id, RAISE_TEA_DROP_CUPS, actor="S-LI")
    world.service.close(order.id, reason="short", actor="S-LI")
    closed = world.service.get(order.id)
    assert closed.status is Status.CLOSED
    assert closed.proposed is None
    assert held(world, order.id) == {}


def test_a_policy_that_lets_quantities_through_applies_them_at_once() -> None:
    relaxed = ApprovalPolicy(
        amount_levels=(),
        new_customer_level=None,
        amendments_without_approval={AmendmentKind.QUANTITY},
    )
    world = make_world(approval_policy=relaxed)
    order = partly_shipped(world)
    world.service.amend(order.id, [ChangeQuantity("1", Decimal(4))], actor="S-LI")
    amended = world.service.get(order.id)
    assert amended.proposed is None
    assert amended.revision == order.revision + 1
    assert amended.ledger("1").reserved == 3
    assert held(world, order.id)["1"] == 3


def test_a_key_reused_for_another_signature_is_refused(world: World) -> None:
    order = partly_shipped(world)
    world.service.amend(order.id, [ChangeQuantity("1", Decimal(5))], actor="S-LI")
    first = world.service.approve_amendment(
        order.id, level="sales_manager", actor="M", comment="ok", idempotency_key="a-1"
    )
    again = world.service.approve_amendment(
        order.id, level="sales_manager", actor="M", comment="ok", idempotency_key="a-1"
    )
    assert again.events == first.events
    with pytest.raises(SalesOrderError) as caught:
        world.service.approve_amendment(
            order.id, level="sales_manager", actor="M", comment="no", idempotency_key="a-1"
        )
    assert caught.value.code == "idempotency.conflict"


def held_in_store(world: World, order_id: str) -> dict[str, tuple[Decimal, Decimal]]:
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for reservation in world.database.stock.reservations(order_id=order_id):
        if reservation.is_open:
            for line in reservation.lines:
                allocated, backordered = found.get(line.line_id, (Decimal(0), Decimal(0)))
                found[line.line_id] = (allocated + line.allocated, backordered + line.backordered)
    return found


@pytest.mark.parametrize(
    "change",
    [ChangeQuantity("2", Decimal(22)), RemoveLine("2")],
    ids=["lowered", "removed"],
)
def test_a_backordered_line_lowered_releases_its_backorder_in_the_store(
    change: ChangeQuantity | RemoveLine,
) -> None:
    # Defect found by the whole-life test: lowering (or removing) a line with a
    # backorder dropped the backorder in the order's ledger but asked the store to
    # release only the reserved part, which the store took from the backorder first:
    # the store kept holding goods the order no longer counted.
    relaxed = ApprovalPolicy(
        amount_levels=(),
        new_customer_level=None,
        amendments_without_approval={AmendmentKind.QUANTITY, AmendmentKind.REMOVE_LINE},
    )
    world = make_world(
        approval_policy=relaxed, lifecycle_policy=LifecyclePolicy(allow_backorder=True)
    )
    order = world.confirmed(tea=2, cups=25)  # 20 cup sets in stock: 5 on backorder
    world.service.ship(order.id, lines={"1": 1}, actor="W-SH")
    assert world.service.get(order.id).ledger("2").backordered == 5
    world.service.amend(order.id, [change], actor="S-LI")
    amended = world.service.get(order.id)
    store = held_in_store(world, order.id).get("2", (Decimal(0), Decimal(0)))
    ledger = amended.ledger("2")
    assert store == (ledger.reserved, ledger.backordered)
