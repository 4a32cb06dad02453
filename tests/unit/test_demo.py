"""The demo story end to end: every figure it prints is checked here by hand."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import attrs
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
        assert "伍仟伍佰捌拾壹元零柒分" in result.printed_orders["zh_CN"]
        assert "SO-202611-000002" in result.printed_orders["zh_CN"]
        assert "SO-202611-000002" in result.printed_orders["en"]


class TestDemoCommand:
    @pytest.mark.parametrize("locale", ["en", "zh_CN"])
    def test_demo_command_prints_the_story(
        self, locale: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["demo", "--locale", locale]) == 0
        out = capsys.readouterr().out
        assert ("已完成" if locale == "zh_CN" else "completed") in out
        assert ("关键指标" if locale == "zh_CN" else "KPIs") in out

    def test_render_is_deterministic(self, result: DemoResult) -> None:
        assert render_demo(result) == render_demo(result)


def _section(report: str, heading: str) -> list[str]:
    lines = report.split("== " + heading + "\n", 1)[1].split("\n== ", 1)[0]
    return [line for line in lines.splitlines() if line.strip()]


class TestDemoReadsWellInBothLanguages:
    def test_the_english_demo_prints_the_english_form(self, result: DemoResult) -> None:
        report = render_demo(result, locale="en")
        form = "\n".join(_section(report, "Printed sales order"))
        assert form.startswith("Sales Order")
        assert "[Items]" in form
        assert "销售订单" not in form
        assert "[商品明细]" not in form

    def test_the_chinese_demo_prints_the_chinese_form(self, result: DemoResult) -> None:
        report = render_demo(result, locale="zh_CN")
        form = "\n".join(_section(report, "打印的销售订单（打单）"))
        assert form.startswith("销售订单")
        assert "人民币大写" in form

    def test_the_chinese_demo_names_no_status_audience_or_event_identifier(
        self, result: DemoResult
    ) -> None:
        report = render_demo(result, locale="zh_CN")
        words = set(re.findall(r"[A-Za-z_]+", report.split("== 打印的销售订单")[0]))
        words |= set(re.findall(r"[A-Za-z_]+", report.split("== 已发送的通知")[1]))
        leaked = words & (
            {status.value for status in Status}
            | {"customer", "finance", "production", "sales", "warehouse", "sales_manager"}
            | {event.name for event, _ in result.events}
            | {"on", "hand", "reserved"}
        )
        assert leaked == set()
        timeline = _section(report, "时间线")
        assert "已签收" in timeline[8]
        assert "财务审批通过改单" in "\n".join(timeline)

    @pytest.mark.parametrize(("locale", "heading"), [("en", "KPIs"), ("zh_CN", "关键指标")])
    def test_every_kpi_line_says_what_it_is(
        self, result: DemoResult, locale: str, heading: str
    ) -> None:
        lines = _section(render_demo(result, locale=locale), heading)
        colon = "：" if locale == "zh_CN" else ": "
        for line in lines:
            label, _, value = line.strip().partition(colon)
            assert label, line
            assert value or line.endswith(colon.strip()), line
        text = "\n".join(lines)
        assert "1.0000" not in text  # a ratio is a percentage
        assert "20:00:00" not in text  # a duration is in days and hours
        assert ("100%（1 / 1 报价已转订单）" if locale == "zh_CN" else "100% (1 / 1 quotes") in text
        assert ("20 小时" if locale == "zh_CN" else ": 20 h (1 orders measured)") in text

    def test_chinese_lines_use_chinese_punctuation(self, result: DemoResult) -> None:
        report = render_demo(result, locale="zh_CN")
        for heading in ("时间线", "关键指标", "已发送的通知（事件 → 接收方）"):
            for line in _section(report, heading):
                assert not re.search(r"[\u4e00-\u9fff][:;,()]", line), line


@pytest.mark.parametrize(
    ("span", "english", "chinese"),
    [
        (timedelta(hours=20), "20 h", "20 小时"),
        (timedelta(days=1, hours=4), "1 d 4 h", "1 天 4 小时"),
        (timedelta(days=2), "2 d", "2 天"),
        (timedelta(minutes=45), "45 min", "45 分钟"),
        (timedelta(0), "0 min", "0 分钟"),
    ],
)
def test_durations_read_as_days_and_hours(
    result: DemoResult, span: timedelta, english: str, chinese: str
) -> None:
    cycle = result.kpis["confirm_to_ship"]
    shown = attrs.evolve(
        result, kpis={**result.kpis, "confirm_to_ship": attrs.evolve(cycle, mean=span)}
    )
    assert f": {english} (" in render_demo(shown, locale="en")
    assert f"：{chinese}（" in render_demo(shown, locale="zh_CN")


def test_the_demo_page_shows_the_real_output(result: DemoResult) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "demo.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```text\n(.*?)^```", page, re.S | re.M)
    assert blocks[0] == render_demo(result, locale="en") + "\n"
    chinese = render_demo(result, locale="zh_CN")
    head, _, kpis = blocks[1].partition("...\n")
    assert chinese.startswith(head)
    assert chinese.endswith(kpis.rstrip("\n"))
