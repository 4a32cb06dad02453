"""run_with_stock and carry_out: the lifecycle's stock requests carried out by the host."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from salesorder import lifecycle as lc
from salesorder.errors import IllegalTransition, InsufficientStock
from salesorder.order import Customer, Order, OrderLine
from salesorder.stockhook import carry_out, run_with_stock
from salesorder.testing.lifecycle import FakeReport, FakeStock, flat_pricing

D = Decimal
T = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def approved() -> Order:
    order = Order(
        id="SO-1",
        customer=Customer("C-1", "某公司"),
        currency="CNY",
        lines=(
            OrderLine("1", "SKU-A", "Widget", D(3)),
            OrderLine("2", "SKU-B", "Gadget", D(2)),
        ),
    )
    lc.submit(
        order,
        actor="s",
        at=T,
        report=FakeReport(),
        breakdown=flat_pricing(order),
        approval_policy=lc.ApprovalPolicy(new_customer_level=None),
    )
    return order


def confirm(order: Order, stock: FakeStock, key: str | None = None) -> lc.TransitionResult:
    return run_with_stock(
        order,
        lambda target, backordered: lc.confirm(
            target, actor="s", at=T, backordered=backordered, idempotency_key=key
        ),
        stock,
        reserves=True,
    )


class TestRunWithStock:
    def test_confirm_reserves_then_records_the_backorder(self) -> None:
        stock = FakeStock({"SKU-A": D(1), "SKU-B": D(5)})
        order = approved()
        result = run_with_stock(
            order,
            lambda target, backordered: lc.confirm(
                target,
                actor="s",
                at=T,
                backordered=backordered,
                lifecycle_policy=lc.LifecyclePolicy(allow_backorder=True),
            ),
            stock,
            reserves=True,
        )
        assert stock.calls == [("reserve", "SO-1", {"1": D(3), "2": D(2)})]
        assert result.events[0].backordered == (("1", D(2)),)  # type: ignore[attr-defined]
        assert (order.ledger("1").reserved, order.ledger("1").backordered) == (D(1), D(2))

    def test_a_refused_reservation_changes_neither_order_nor_stock(self) -> None:
        stock = FakeStock({"SKU-A": D(1), "SKU-B": D(5)})
        order = approved()
        audit = order.audit
        with pytest.raises(InsufficientStock):
            confirm(order, stock)
        assert order.audit == audit
        assert stock.calls == []
        assert stock.available == {"SKU-A": D(1), "SKU-B": D(5)}

    def test_a_refused_command_reserves_nothing(self) -> None:
        stock = FakeStock({"SKU-A": D(9), "SKU-B": D(9)})
        order = approved()
        confirm(order, stock)
        with pytest.raises(IllegalTransition):
            confirm(order, stock)
        assert stock.calls == [("reserve", "SO-1", {"1": D(3), "2": D(2)})]

    def test_a_replayed_key_carries_out_nothing_again(self) -> None:
        stock = FakeStock({"SKU-A": D(9), "SKU-B": D(9)})
        order = approved()
        first = confirm(order, stock, key="c")
        ship = run_with_stock(
            order,
            lambda target, _: lc.ship(
                target, lines={"1": D(1)}, actor="w", at=T, idempotency_key="s"
            ),
            stock,
        )
        calls = list(stock.calls)
        assert confirm(order, stock, key="c") is first
        again = run_with_stock(
            order,
            lambda target, _: lc.ship(
                target, lines={"1": D(1)}, actor="w", at=T, idempotency_key="s"
            ),
            stock,
        )
        assert again is ship
        assert stock.calls == calls

    def test_amendment_back_to_approval_releases_and_reserves_nothing(self) -> None:
        stock = FakeStock({"SKU-A": D(9), "SKU-B": D(9)})
        order = approved()
        confirm(order, stock)
        result = run_with_stock(
            order,
            lambda target, backordered: lc.amend(
                target,
                [lc.ChangeQuantity("1", D(5))],
                pricing=flat_pricing,
                approval_policy=lc.ApprovalPolicy(
                    new_customer_level=None, order_type_levels=((order.order_type, "ops"),)
                ),
                actor="s",
                at=T,
                backordered=backordered,
            ),
            stock,
            reserves=True,
        )
        assert result.target is lc.Status.PENDING_APPROVAL
        assert [request.action for request in result.stock] == [lc.StockAction.RELEASE]
        assert stock.calls[1:] == [("release", "SO-1", None)]
        assert stock.available == {"SKU-A": D(9), "SKU-B": D(9)}


class TestCarryOut:
    def test_a_host_ships_and_commits_what_the_result_asks(self) -> None:
        stock = FakeStock({"SKU-A": D(9), "SKU-B": D(9)})
        order = approved()
        confirm(order, stock)
        result = lc.ship(order, lines={"2": D(2)}, actor="w", at=T, idempotency_key="s-1")
        assert result.stock == (
            lc.StockRequest(lc.StockAction.COMMIT, "SO-1", (("2", D(2)),), "SO-1:key:s-1"),
        )
        for request in result.stock:
            assert carry_out(request, stock, order=order) == {}
        assert stock.reserved[("SO-1", "2")] == 0
        assert stock.calls[-1] == ("commit", "SO-1", {"2": D(2)})
