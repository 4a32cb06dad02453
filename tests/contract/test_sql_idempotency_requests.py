"""Idempotency keys on SQL (issue 13 item 9): one request per key, stock operations per order.

The fingerprint of a creating command's request is kept in the idempotency table beside
its key (no new column); a lifecycle command's, in the order's document.
"""

from __future__ import annotations

import pytest

from salesorder.adapters.memory import FixedClock
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.errors import RuleViolation
from salesorder.notifications import RecordingNotifier
from salesorder.service import OrderService

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase, SqlNumbering


def _service(database: SqlDatabase) -> OrderService:
    with database.unit_of_work() as uow:
        for sku in ("TEA-LJ-250", "CUP-CER-6"):
            uow.stock.receive(sku, "SH-01", quantity=50, operation_id=f"o:{sku}", at=START)
        uow.stock.drain_events()
        uow.commit()
    return build_service(
        FixedClock(START),
        RecordingNotifier(),
        unit_of_work=database.unit_of_work,
        numbering=SqlNumbering(database),
    )


def test_enter_under_one_key_with_another_payload_is_a_conflict(
    sql_database: SqlDatabase,
) -> None:
    service = _service(sql_database)
    first = service.enter(tea_shop_payload(tea=2), actor="S", idempotency_key="e")
    assert service.enter(tea_shop_payload(tea=2), actor="S", idempotency_key="e").id == first.id
    with pytest.raises(RuleViolation) as caught:
        service.enter(tea_shop_payload(tea=4), actor="S", idempotency_key="e")
    assert caught.value.code == "idempotency.conflict"
    assert [order.id for order in service.find()] == [first.id]


def test_ship_under_one_key_with_other_lines_is_a_conflict(sql_database: SqlDatabase) -> None:
    service = _service(sql_database)
    order = service.enter(tea_shop_payload(tea=10, cups=5), actor="S")
    service.submit(order.id, actor="S")
    service.confirm(order.id, actor="S")
    service.ship(order.id, lines={"1": 2}, actor="W", idempotency_key="s")
    with pytest.raises(RuleViolation, match=r"idempotency\.conflict"):
        service.ship(order.id, lines={"1": 7}, actor="W", idempotency_key="s")
    assert service.get(order.id).ledger("1").shipped == 2


def test_one_confirm_key_on_two_orders_reserves_for_both(sql_database: SqlDatabase) -> None:
    service = _service(sql_database)
    ids = []
    for _ in range(2):
        order = service.enter(tea_shop_payload(tea=10, cups=5), actor="S")
        service.submit(order.id, actor="S")
        service.confirm(order.id, actor="S", idempotency_key="confirm")
        ids.append(order.id)
    assert [service.get(order_id).ledger("1").reserved for order_id in ids] == [10, 10]
    with sql_database.unit_of_work() as uow:
        assert uow.stock.available("TEA-LJ-250") == 30
