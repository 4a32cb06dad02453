"""An idempotency key answers one request (issue 13 item 9).

The same key with the same arguments returns the first result; with other arguments it
is refused with ``idempotency.conflict`` and nothing changes (it used to return the first
result silently: ship 2, then ship 7 under the same key, shipped 2). A key is the
caller's, so the same key used on two orders names two stock operations.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from salesorder import lifecycle
from salesorder.adapters.memory import FixedClock, MemoryDatabase
from salesorder.codec import decode, encode
from salesorder.demo import START, build_service, cny, tea_shop_payload
from salesorder.errors import RuleViolation
from salesorder.notifications import RecordingNotifier
from salesorder.order import Order
from salesorder.service import OrderService

CONFLICT = "idempotency.conflict"


def _service() -> tuple[OrderService, MemoryDatabase]:
    database = MemoryDatabase()
    service = build_service(
        FixedClock(START), RecordingNotifier(), unit_of_work=database.unit_of_work
    )
    for sku in ("TEA-LJ-250", "CUP-CER-6"):
        database.stock.receive(sku, "SH-01", quantity=100, operation_id=f"o:{sku}", at=START)
    database.stock.drain_events()
    return service, database


def _confirmed(service: OrderService, *, key: str | None = None) -> str:
    order = service.enter(tea_shop_payload(tea=10, cups=5), actor="S")
    service.submit(order.id, actor="S")
    service.confirm(order.id, actor="S", idempotency_key=key)
    return order.id


class TestLifecycleCommands:
    def test_ship_2_then_ship_7_under_one_key_is_a_conflict(self) -> None:
        service, database = _service()
        order_id = _confirmed(service)
        first = service.ship(order_id, lines={"1": 2}, actor="W", idempotency_key="ship-1")
        before = attrs.asdict(database.orders.snapshot()[order_id])
        with pytest.raises(RuleViolation) as caught:
            service.ship(order_id, lines={"1": 7}, actor="W", idempotency_key="ship-1")
        assert caught.value.code == CONFLICT
        assert caught.value.params == {"event": "ship"}
        assert attrs.asdict(database.orders.snapshot()[order_id]) == before
        assert service.get(order_id).ledger("1").shipped == 2
        assert first.target is lifecycle.Status.PARTIALLY_SHIPPED

    @pytest.mark.parametrize("same", [2, "2", Decimal("2.000")])
    def test_the_same_request_returns_the_first_result(self, same: object) -> None:
        service, _ = _service()
        order_id = _confirmed(service)
        first = service.ship(order_id, lines={"1": Decimal(2)}, actor="W", idempotency_key="k")
        again = service.ship(
            order_id,
            lines={"1": same},  # type: ignore[dict-item]
            actor="another worker",
            idempotency_key="k",
        )
        assert again == first
        assert service.get(order_id).ledger("1").shipped == 2

    def test_other_optional_arguments_are_another_request(self) -> None:
        service, _ = _service()
        order_id = _confirmed(service)
        service.record_payment(
            order_id, amount=cny(100), actor="F", reference="BANK-1", idempotency_key="p"
        )
        with pytest.raises(RuleViolation) as caught:
            service.record_payment(
                order_id, amount=cny(100), actor="F", reference="BANK-2", idempotency_key="p"
            )
        assert caught.value.code == CONFLICT
        with pytest.raises(RuleViolation, match=CONFLICT):
            service.record_payment(order_id, amount=cny(101), actor="F", idempotency_key="p")

    def test_hold_with_another_reason_is_another_request(self) -> None:
        service, _ = _service()
        order_id = _confirmed(service)
        service.hold(order_id, reason="credit", actor="S", idempotency_key="h")
        service.hold(order_id, reason="credit", actor="S", idempotency_key="h")
        with pytest.raises(RuleViolation, match=CONFLICT):
            service.hold(order_id, reason="stock", actor="S", idempotency_key="h")

    def test_an_order_stored_before_fingerprints_replays_without_comparing(self) -> None:
        service, _ = _service()
        order_id = _confirmed(service)
        order = service.get(order_id)
        first = lifecycle.ship(
            order, lines={"1": Decimal(2)}, actor="W", at=START, idempotency_key="k"
        )
        data = json.loads(json.dumps(encode(order)))
        data["idempotency"] = [entry[:3] for entry in data["idempotency"]]  # the old shape
        old = decode(Order, data)
        assert all(len(entry) == 3 for entry in old.idempotency)
        again = lifecycle.ship(
            old, lines={"1": Decimal(7)}, actor="W", at=START, idempotency_key="k"
        )
        assert again == first
        assert old.ledger("1").shipped == 2

    def test_the_new_shape_reads_back_and_still_compares(self) -> None:
        service, _ = _service()
        order = service.get(_confirmed(service))
        lifecycle.ship(order, lines={"1": Decimal(2)}, actor="W", at=START, idempotency_key="k")
        back = decode(Order, json.loads(json.dumps(encode(order))))
        assert [entry[3] for entry in back.idempotency] == [entry[3] for entry in order.idempotency]
        with pytest.raises(RuleViolation, match=CONFLICT):
            lifecycle.ship(back, lines={"1": Decimal(3)}, actor="W", at=START, idempotency_key="k")


class TestCreatingCommands:
    def test_enter_with_another_payload_under_one_key_is_a_conflict(self) -> None:
        service, database = _service()
        first = service.enter(tea_shop_payload(tea=2), actor="S", idempotency_key="e-1")
        with pytest.raises(RuleViolation) as caught:
            service.enter(tea_shop_payload(tea=3), actor="S", idempotency_key="e-1")
        assert caught.value.code == CONFLICT
        assert caught.value.params == {"event": "enter"}
        assert list(database.orders.snapshot()) == [first.id]
        again = service.enter(tea_shop_payload(tea=2), actor="S", idempotency_key="e-1")
        assert again.id == first.id

    def test_quote_with_another_validity_under_one_key_is_a_conflict(self) -> None:
        service, _ = _service()
        first = service.quote(tea_shop_payload(), actor="S", idempotency_key="q")
        assert service.quote(tea_shop_payload(), actor="S", idempotency_key="q") == first
        with pytest.raises(RuleViolation, match=CONFLICT):
            service.quote(
                tea_shop_payload(), actor="S", idempotency_key="q", valid_for=timedelta(days=3)
            )

    def test_converting_another_quote_under_one_key_is_a_conflict(self) -> None:
        service, _ = _service()
        one = service.quote(tea_shop_payload(tea=2), actor="S")
        two = service.quote(tea_shop_payload(tea=3), actor="S")
        order = service.convert_quote(one.quote_id, actor="S", idempotency_key="c")
        assert service.convert_quote(one.quote_id, actor="S", idempotency_key="c").id == order.id
        with pytest.raises(RuleViolation, match=CONFLICT):
            service.convert_quote(two.quote_id, actor="S", idempotency_key="c")


def test_one_confirm_key_on_two_orders_reserves_for_both() -> None:
    service, database = _service()
    first = _confirmed(service, key="confirm")
    second = _confirmed(service, key="confirm")
    assert service.get(first).ledger("1").reserved == 10
    assert service.get(second).ledger("1").reserved == 10
    reserved = sum(
        position.reserved for position in database.stock.positions() if position.sku == "TEA-LJ-250"
    )
    assert reserved == 20
