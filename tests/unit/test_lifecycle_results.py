"""Transition results build their domain events on first read: same values, same ids."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from salesorder import lifecycle as lc
from salesorder.codec import decode, encode
from salesorder.errors import IllegalTransition
from salesorder.events import OrderHeld, OrderResumed
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import AuditEntry, Status

T = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def confirmed_order() -> Order:
    order = Order(
        id="SO-9",
        customer=Customer("C-1", "某公司"),
        currency="CNY",
        lines=(OrderLine("1", "SKU-A", "Widget", Decimal(1)),),
    )
    order.status = Status.CONFIRMED
    return order


class TestEventsBuiltOnFirstRead:
    def test_events_read_twice_are_the_same_tuple(self) -> None:
        result = lc.hold(confirmed_order(), actor="u", at=T, reason="dispute")
        first = result.events
        assert result.events is first
        assert first == (
            OrderHeld(
                occurred_at=T,
                event_id="SO-9:0:0",
                order_id="SO-9",
                actor="u",
                source=Status.CONFIRMED,
                target=Status.ON_HOLD,
                revision=1,
                reason="dispute",
            ),
        )

    def test_events_read_late_describe_their_own_transition(self) -> None:
        order = confirmed_order()
        held = lc.hold(order, actor="u", at=T)
        resumed = lc.resume(order, actor="v", at=T)
        lc.hold(order, actor="w", at=T)
        (event,) = resumed.events
        assert isinstance(event, OrderResumed)
        assert (event.event_id, event.actor, event.source, event.target) == (
            "SO-9:1:0",
            "v",
            Status.ON_HOLD,
            Status.CONFIRMED,
        )
        assert held.events[0].event_id == "SO-9:0:0"

    def test_result_equals_its_decoded_copy_either_way(self) -> None:
        result = lc.hold(confirmed_order(), actor="u", at=T)
        rebuilt = decode(lc.TransitionResult, encode(result))
        assert rebuilt == result
        assert result == rebuilt
        assert hash(rebuilt) == hash(result)
        assert repr(rebuilt) == repr(result)

    def test_stock_requests_survive_encoding(self) -> None:
        order = confirmed_order()
        shipped = lc.ship(order, lines={"1": Decimal(1)}, actor="w", at=T, idempotency_key="s")
        assert shipped.stock[0].action is lc.StockAction.COMMIT
        order = confirmed_order()
        order.ledgers = (attrs.evolve(order.ledger("1"), reserved=Decimal(1)),)
        cancelled = lc.cancel(order, reason="customer_request", actor="u", at=T)
        assert cancelled.stock[0].lines is None  # a release of everything the order holds
        for result in (shipped, cancelled):
            assert decode(lc.TransitionResult, encode(result)) == result

    def test_repr_shows_the_events(self) -> None:
        result = lc.resume(lc_held(), actor="u", at=T)
        assert "OrderResumed(" in repr(result)
        assert repr(result).startswith("TransitionResult(")

    def test_copies_and_pickles_keep_the_events(self) -> None:
        result = lc.hold(confirmed_order(), actor="u", at=T)
        for clone in (copy.deepcopy(result), pickle.loads(pickle.dumps(result))):  # noqa: S301 - our own bytes
            assert clone == result
            assert clone.events == result.events

    def test_evolve_keeps_the_events(self) -> None:
        result = lc.hold(confirmed_order(), actor="u", at=T)
        changed = attrs.evolve(result, revision=2)
        assert changed.events == result.events
        assert changed.revision == 2

    def test_result_is_frozen(self) -> None:
        result = lc.hold(confirmed_order(), actor="u", at=T)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            result.events = ()  # type: ignore[misc]


def lc_held() -> Order:
    order = confirmed_order()
    lc.hold(order, actor="u", at=T)
    return order


class TestHoldAndResumeShortPath:
    def test_each_transition_appends_one_audit_entry(self) -> None:
        order = confirmed_order()
        lc.hold(order, actor="u", at=T, reason="credit")
        lc.resume(order, actor="u", at=T)
        assert order.audit == (
            AuditEntry(T, "u", "hold", Status.CONFIRMED, Status.ON_HOLD, "credit", 1),
            AuditEntry(T, "u", "resume", Status.ON_HOLD, Status.CONFIRMED, None, 1),
        )
        assert (order.status, order.held_from) == (Status.CONFIRMED, None)

    def test_resume_with_a_lost_held_from_is_refused_and_changes_nothing(self) -> None:
        order = lc_held()
        order.held_from = None
        before = attrs.asdict(order, recurse=False)
        with pytest.raises(IllegalTransition):
            lc.resume(order, actor="u", at=T)
        assert attrs.asdict(order, recurse=False) == before

    def test_keyed_resume_with_a_lost_held_from_is_refused(self) -> None:
        order = lc_held()
        order.held_from = None
        with pytest.raises(IllegalTransition):
            lc.resume(order, actor="u", at=T, idempotency_key="r")
        assert (order.status, len(order.audit), order.idempotency) == (Status.ON_HOLD, 1, ())

    def test_hold_of_an_order_on_hold_is_refused(self) -> None:
        order = lc_held()
        before = attrs.asdict(order, recurse=False)
        with pytest.raises(IllegalTransition):
            lc.hold(order, actor="u", at=T)
        assert attrs.asdict(order, recurse=False) == before

    def test_a_repeated_key_returns_the_first_result_with_its_events(self) -> None:
        order = confirmed_order()
        first = lc.hold(order, actor="u", at=T, idempotency_key="k")
        again = lc.hold(order, actor="u", at=T, idempotency_key="k")
        assert again is first
        assert again.events[0].event_id == "SO-9:0:0"
        assert len(order.audit) == 1

    def test_keyed_resume_takes_the_short_path_too(self) -> None:
        order = lc_held()
        result = lc.resume(order, actor="u", at=T, idempotency_key="r")
        assert result.target is Status.CONFIRMED
        [(key, event, stored, digest)] = order.idempotency
        assert (key, event, stored) == ("r", "resume", result)
        assert len(digest) == 32  # the fingerprint of the arguments (none but the reason)
