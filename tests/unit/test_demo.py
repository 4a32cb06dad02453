"""The demo story end to end: every figure it prints is checked here by hand."""

from decimal import Decimal

import pytest

from salesorder.cli import main
from salesorder.demo import DemoResult, render_demo, run_demo
from salesorder.money import Money
from salesorder.records import Status


@pytest.fixture(scope="module")
def result() -> DemoResult:
    return run_demo()


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def by_number(result: DemoResult) -> dict[str, object]:
    return {order.number: order for order in result.orders}


class TestDemoStory:
    def test_every_order_ends_archived(self, result: DemoResult) -> None:
        statuses = {order.number: order.status for order in result.orders}
        assert statuses == {
            "SO-202611-000001": Status.CANCELLED,
            "SO-202611-000002": Status.COMPLETED,
            "SO-202611-000003": Status.CANCELLED,
        }

    def test_order_a_is_priced_with_the_vip_price_the_manjian_and_vat(
        self, result: DemoResult
    ) -> None:
        # 40 x 118.00 (VIP) + 6 x 86.50 = 5 239.00; 满3000减300 split 270.28 / 29.72;
        # 13 % VAT per line: 578.46 + 63.61; grand total 5 581.07.
        order = next(o for o in result.orders if o.number == "SO-202611-000002")
        assert order.grand_total == cny("5581.07")
        assert dict(order.line_totals) == {"1": cny("5028.18"), "2": cny("552.89")}
        assert sum((amount for _, amount in order.line_totals), cny("0")) == order.grand_total

    def test_order_a_was_shipped_in_two_parts_invoiced_and_paid(self, result: DemoResult) -> None:
        order = next(o for o in result.orders if o.number == "SO-202611-000002")
        assert [s.tracking_number for s in order.shipments] == ["SF1234567890", "ZT9876543210"]
        assert sum((i.amount for i in order.invoices), cny("0")) == cny("5581.07")
        assert [p.amount for p in order.payments] == [cny("2790.54"), cny("2790.53"), cny("251.41")]

    def test_the_return_refunds_what_the_customer_paid_for_two_boxes(
        self, result: DemoResult
    ) -> None:
        # 5 028.18 for 40 boxes, discount and tax included: 2 boxes = 251.409 -> 251.41.
        order = next(o for o in result.orders if o.number == "SO-202611-000002")
        (returned,) = order.returns
        assert returned.refund == cny("251.41")
        assert dict(returned.lines) == {"1": Decimal(2)}

    def test_order_b_went_back_through_approval_after_the_amendment(
        self, result: DemoResult
    ) -> None:
        order = next(o for o in result.orders if o.number == "SO-202611-000003")
        assert order.revision == 2
        assert order.lines[0].quantity == Decimal(500)
        events = [entry.event for entry in order.audit]
        assert events.count("approve") == 3
        assert events[-1] == "cancel"

    def test_stock_is_back_where_the_story_leaves_it(self, result: DemoResult) -> None:
        stock = {
            (sku, location): (on_hand, reserved)
            for sku, location, on_hand, reserved in result.stock
        }
        # Tea: 30 shipped from SH-01, 10 from GZ-02; the 2 returned boxes go back to
        # SH-01, where they were shipped from.
        assert stock[("TEA-LJ-250", "SH-01")] == (2, 0)
        assert stock[("TEA-LJ-250", "GZ-02")] == (40, 0)
        assert stock[("CUP-CER-6", "SH-01")] == (14, 0)
        # Order B was cancelled: everything it reserved is free again.
        assert stock[("BRG-6204", "SH-01")] == (400, 0)
        assert stock[("BRG-6204", "GZ-02")] == (200, 0)
        assert stock[("OIL-HM46", "GZ-02")] == (100, 0)

    def test_events_reach_the_configured_audiences(self, result: DemoResult) -> None:
        names = [event.name for event, _ in result.events]
        assert names.count("OrderConfirmed") == 2
        assert "LowStockDetected" in names
        warehouse = [event.name for event, audiences in result.events if "warehouse" in audiences]
        assert "OrderShipped" not in warehouse
        assert "OrderConfirmed" in warehouse
        assert len({event.event_id for event, _ in result.events}) == len(result.events)

    def test_kpis(self, result: DemoResult) -> None:
        sales = result.kpis["sales"]
        assert sales.order_count == 1
        assert sales.sales == cny("5329.66")  # 5 581.07 less the 251.41 refund
        assert result.kpis["quote_conversion"].rate == Decimal("1.0000")
        assert str(result.kpis["confirm_to_ship"].mean) == "20:00:00"

    def test_printed_order_carries_the_amount_in_chinese_capitals(self, result: DemoResult) -> None:
        assert "伍仟伍佰捌拾壹元零柒分" in result.printed_order
        assert "SO-202611-000002" in result.printed_order


class TestDemoCommand:
    @pytest.mark.parametrize("locale", ["en", "zh_CN"])
    def test_demo_command_prints_the_story(
        self, locale: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["demo", "--locale", locale]) == 0
        out = capsys.readouterr().out
        assert "completed" in out
        assert ("关键指标" if locale == "zh_CN" else "KPIs") in out

    def test_render_is_deterministic(self, result: DemoResult) -> None:
        assert render_demo(result) == render_demo(result)
