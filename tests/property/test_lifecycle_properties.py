"""Properties of orders produced by the public lifecycle strategy."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from salesorder import lifecycle as lc
from salesorder.errors import IllegalTransition
from salesorder.order import Order
from salesorder.records import Status
from salesorder.testing.strategies import orders_in_lifecycle


@given(orders_in_lifecycle())
def test_audit_replays_and_statuses_agree(order: Order) -> None:
    assert lc.replay(order.audit) is order.status
    if order.status is Status.COMPLETED:
        assert lc.fulfilment_status(order) is lc.FulfilmentStatus.FULL
        assert lc.billing_status(order) is lc.BillingStatus.FULL
        assert lc.payment_status(order) is lc.PaymentStatus.PAID
    if order.status in (Status.DRAFT, Status.APPROVED, Status.CONFIRMED, Status.CANCELLED):
        assert lc.fulfilment_status(order) is lc.FulfilmentStatus.NONE


@given(orders_in_lifecycle(statuses=(Status.SHIPPED, Status.DELIVERED)))
def test_shipped_orders_refuse_cancel(order: Order) -> None:
    with pytest.raises(IllegalTransition) as info:
        lc.cancel(order, reason="x", actor="u", at=order.audit[-1].at)
    assert info.value.code == "lifecycle.cancel_after_shipment"


@given(orders_in_lifecycle())
def test_history_is_json_friendly_and_free_of_personal_data(order: Order) -> None:
    assert order.customer.name not in repr(order)
    trail = [[e.event, e.source, e.target, e.at.isoformat(), e.actor] for e in order.audit]
    assert json.loads(json.dumps(trail)) == trail
