"""Once an order is archived, the stock store holds nothing reserved for it (memory and SQL).

The order's ledger and the store can describe a backorder differently: shipping from a
backorder fills the whole backorder in the store, while the ledger still counts the rest
as backordered. Cancelling or closing must release whatever the store holds for the
order, however it holds it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.lifecycle import ARCHIVED, LifecyclePolicy, Status
from salesorder.notifications import RecordingNotifier
from salesorder.service import OrderService


@pytest.fixture(params=["memory", "sqlite"])
def unit_of_work(request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    if request.param == "memory":
        yield MemoryDatabase().unit_of_work
        return
    pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")
    from salesorder.adapters.sql import SqlDatabase

    database = SqlDatabase(tenant_id=f"t-{uuid.uuid4().hex[:8]}")
    database.create_schema()
    yield database.unit_of_work
    database.engine.dispose()


def backordering_service(unit_of_work: Callable[[], Any]) -> OrderService:
    demo = build_service(FixedClock(START), RecordingNotifier())
    return OrderService(
        unit_of_work=unit_of_work,
        clock=FixedClock(START),
        numbering=PatternNumbering(),
        pricing_settings=demo.pricing_settings,
        policy_settings=attrs.evolve(
            demo.policy_settings, lifecycle_policy=LifecyclePolicy(allow_backorder=True)
        ),
    )


def held_for(unit_of_work: Callable[[], Any], order_id: str) -> tuple[Decimal, list[Any]]:
    """Units reserved in every position, and the order's open reservations."""
    with unit_of_work() as uow:
        reserved = sum((p.reserved for p in uow.stock.positions()), Decimal(0))
        open_ones = [r for r in uow.stock.reservations(order_id=order_id) if r.is_open]
    return reserved, open_ones


def confirmed_on_backorder(service: OrderService, unit_of_work: Callable[[], Any]) -> str:
    """Tea 4 and cups 1 confirmed with no stock at all; then 9 boxes of tea arrive."""
    order = service.enter(tea_shop_payload(tea=4, cups=1), actor="S-LI")
    service.submit(order.id, actor="S-LI")
    if service.get(order.id).status is Status.PENDING_APPROVAL:
        service.approve(order.id, level="finance", actor="F-ZHOU")
    service.confirm(order.id, actor="S-LI")
    with unit_of_work() as uow:
        uow.stock.receive("TEA-LJ-250", "SH-01", quantity=9, operation_id="in:tea", at=START)
        uow.stock.drain_events()
        uow.commit()
    return order.id


@pytest.mark.parametrize("finish", ["close", "cancel_before_shipping"])
def test_nothing_stays_reserved_for_an_archived_order(
    unit_of_work: Callable[[], Any], finish: str
) -> None:
    service = backordering_service(unit_of_work)
    order_id = confirmed_on_backorder(service, unit_of_work)
    if finish == "close":
        service.ship(order_id, lines={"1": 1}, actor="W-SH")
        reserved, _ = held_for(unit_of_work, order_id)
        assert reserved == 3  # the store filled the whole backorder, then shipped one
        service.close(order_id, reason="customer_accepts_partial", actor="S-LI")
    else:
        service.cancel(order_id, reason="customer_request", actor="S-LI")
    assert service.get(order_id).status in ARCHIVED
    reserved, open_ones = held_for(unit_of_work, order_id)
    assert reserved == 0
    assert open_ones == []
