"""Sales reports consume the orders they are given one at a time (a streamed listing)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from decimal import Decimal

from salesorder.analytics import Dimension, Grouping, sales_by, sales_summary
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import Status


def confirmed(k: int) -> Order:
    return Order(
        id=f"o-{k}",
        customer=Customer(id=f"C-{k % 2}", name="Example Trading Ltd."),
        currency="CNY",
        lines=(OrderLine("1", "SKU-1", "Widget", Decimal(1), unit_price=Money("10", "CNY")),),
        status=Status.CONFIRMED,
        grand_total=Money("10.00", "CNY"),
    )


def stream(count: int, released: list[bool]) -> Iterator[Order]:
    """Yield fresh orders; before each, note whether all but the last two are gone."""
    refs: list[weakref.ref[Order]] = []
    for k in range(count):
        gc.collect()
        # The consumer may still hold the previous order (its loop variable).
        released.append(all(ref() is None for ref in refs[:-2]))
        order = confirmed(k)
        refs.append(weakref.ref(order))
        yield order
        del order


def test_sales_summary_holds_no_order_it_has_counted() -> None:
    released: list[bool] = []
    summary = sales_summary(stream(6, released), currency="CNY")
    assert summary.order_count == 6
    assert summary.sales == Money("60.00", "CNY")
    assert all(released)


def test_sales_by_holds_no_order_it_has_counted() -> None:
    released: list[bool] = []
    groups = sales_by(stream(6, released), Grouping(by=Dimension.CUSTOMER), currency="CNY")
    assert {key: group.order_count for key, group in groups.items()} == {"C-0": 3, "C-1": 3}
    assert all(released)
