"""Drafts through the service (issue 14): edited whole, discarded, corrected after rejection."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from _service_world import World, make_world

from salesorder import lifecycle
from salesorder.demo import cny, machinery_payload, tea_shop_payload
from salesorder.errors import IllegalTransition, RuleViolation, SalesOrderError, ValidationFailed
from salesorder.lifecycle import ChangeQuantity
from salesorder.order import Order
from salesorder.records import Status


@pytest.fixture
def world() -> World:
    return make_world()


def test_every_order_field_is_a_term_or_a_record() -> None:
    fields = {field.name for field in attrs.fields(Order)}
    terms, records = set(lifecycle.DRAFT_TERMS), set(lifecycle.DRAFT_RECORDS)
    assert not terms & records
    assert terms | records == fields


def test_a_draft_is_edited_whole_and_repriced(world: World) -> None:
    draft = world.entered(tea=2, cups=1)
    payload = tea_shop_payload(tea=5, cups=1)
    payload["notes"] = "gift wrap"
    result = world.service.edit_draft(draft.id, payload, actor="S-LI")
    edited = world.service.get(draft.id)
    assert result.target is Status.DRAFT
    assert (edited.id, edited.number, edited.created_at) == (
        draft.id,
        draft.number,
        draft.created_at,
    )
    assert edited.line("1").quantity == 5
    assert edited.notes == "gift wrap"
    assert edited.grand_total is not None
    assert draft.grand_total is not None
    assert edited.grand_total > draft.grand_total
    assert dict(edited.line_totals)["1"] > dict(draft.line_totals)["1"]
    (event,) = result.events
    assert event.name == "DraftEdited"
    changed = set(event.changed)  # type: ignore[attr-defined]
    assert changed == {"lines", "notes", "grand_total", "line_totals", "price_snapshot"}
    assert edited.audit[-1].event == "edit"


def test_a_rejected_order_is_corrected_and_resubmitted(world: World) -> None:
    big = world.entered(tea=45, cups=1)  # over 5 000: finance must approve
    world.service.submit(big.id, actor="S-LI")
    world.service.reject(big.id, reasons=["price_too_low"], actor="F-ZHOU")
    assert world.service.get(big.id).status is Status.DRAFT
    world.service.edit_draft(big.id, tea_shop_payload(tea=3, cups=1), actor="S-LI")
    world.service.submit(big.id, actor="S-LI")
    order = world.service.get(big.id)
    assert order.status is Status.APPROVED
    trail = [(entry.event, entry.reason) for entry in order.audit]
    assert ("reject", "price_too_low") in trail
    assert trail.index(("reject", "price_too_low")) < [e for e, _ in trail].index("edit")


def test_an_invalid_edit_is_refused_and_changes_nothing(world: World) -> None:
    draft = world.entered()
    payload = tea_shop_payload()
    payload["lines"] = []
    before = world.state()
    with pytest.raises(ValidationFailed):
        world.service.edit_draft(draft.id, payload, actor="S-LI")
    with pytest.raises(RuleViolation) as caught:
        world.service.edit_draft(draft.id, tea_shop_payload(tea=2, cups=1), actor="S-LI")
    assert caught.value.code == "lifecycle.amendment.invalid"
    assert world.state() == before


def test_only_a_draft_is_edited_or_discarded(world: World) -> None:
    approved = world.approved()
    before = world.state()
    with pytest.raises(IllegalTransition):
        world.service.edit_draft(approved.id, tea_shop_payload(tea=3, cups=1), actor="S-LI")
    with pytest.raises(IllegalTransition) as caught:
        world.service.discard(approved.id, actor="S-LI")
    assert caught.value.params["event"] == "discard"
    assert world.state() == before


def test_a_discarded_draft_keeps_its_number_and_history(world: World) -> None:
    draft = world.entered()
    world.service.discard(draft.id, actor="S-LI", idempotency_key="d-1")
    world.service.discard(draft.id, actor="S-LI", idempotency_key="d-1")  # a retry
    order = world.service.get_by_number(draft.number or "")
    assert order.status is Status.CANCELLED
    assert order.audit[-1].reason == "discarded"


def test_an_amended_quantity_takes_the_quantity_break_of_its_locked_day(world: World) -> None:
    # BRG-6204 is 12.80, or 12.20 from 500 units: the lock keeps the day, not the break.
    order = world.service.enter(machinery_payload(), actor="S-ZHAO")
    change = [ChangeQuantity("1", Decimal(500))]
    preview = world.service.preview_amendment(order.id, change)
    locks = {line.line_id: line.unit_price for line in preview.breakdown.lines}
    assert locks["1"] == cny("12.20")


def test_a_retried_edit_is_answered_and_another_under_its_key_refused(world: World) -> None:
    draft = world.entered(tea=2, cups=1)
    first = world.service.edit_draft(
        draft.id, tea_shop_payload(tea=5, cups=1), actor="S", idempotency_key="e-1"
    )
    world.clock.advance(timedelta(hours=1))
    again = world.service.edit_draft(
        draft.id, tea_shop_payload(tea=5, cups=1), actor="S", idempotency_key="e-1"
    )
    assert again == first
    with pytest.raises(SalesOrderError) as caught:
        world.service.edit_draft(
            draft.id, tea_shop_payload(tea=6, cups=1), actor="S", idempotency_key="e-1"
        )
    assert caught.value.code == "idempotency.conflict"
