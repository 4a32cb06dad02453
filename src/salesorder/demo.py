"""``salesorder demo``: a realistic order story, end to end, on the embedded default.

Two customers, two warehouses, a price list with a VIP tier price, a 满减 promotion,
China VAT, and an approval policy by amount and for new customers. The story:

1. a quotation for the tea shop, converted into an order;
2. order A (tea shop, VIP): 满减 applies; approved by finance (amount over the
   threshold); confirmed with stock allocated across both warehouses; shipped in two
   parts; signed for; invoiced; paid in two instalments; two boxes returned damaged,
   restocked and refunded; completed;
3. order B (machinery company, new customer, VAT special invoice): approved by the
   sales manager; confirmed; amended (more bearings) and approved again; then
   cancelled at the customer's request, releasing its stock.

:func:`run_demo` returns a :class:`DemoResult` with every figure, which the end-to-end
test checks; :func:`render_demo` prints it in English or Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs

from salesorder import analytics, i18n
from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.documents import Seller
from salesorder.events import DomainEvent
from salesorder.inventory import FixedPriority
from salesorder.lifecycle import ApprovalPolicy, ChangeQuantity
from salesorder.money import Money
from salesorder.notifications import RecordingNotifier
from salesorder.order import CustomerTier, Order, new_id
from salesorder.ports import InvoiceNumbering, OrderNumbering, ServiceUnitOfWork, StockStore
from salesorder.pricing import PriceEntry, PriceList, Promotion, Target, TaxPolicy, ThresholdOff
from salesorder.quotes import Quote
from salesorder.records import Status
from salesorder.service import OrderService
from salesorder.settings import PolicySettings, PricingSettings

__all__ = [
    "CST",
    "START",
    "DemoResult",
    "DemoStep",
    "build_service",
    "cny",
    "demo_price_list",
    "machinery_payload",
    "render_demo",
    "run_demo",
    "tea_shop_payload",
]

#: China Standard Time, for the story's clock.
CST = timezone(timedelta(hours=8), "CST")
START = datetime(2026, 11, 23, 9, 0, tzinfo=CST)


def cny(amount: str | int) -> Money:
    """Money in yuan."""
    return Money(amount, "CNY")


SELLER = Seller(
    name="示例贸易（上海）有限公司",
    address="上海市浦东新区示例路 88 号",
    phone="021-5555 0000",
    tax_id="91310115MA1K4CDE9W",
    bank_name="示例银行上海分行",
    bank_account="6222 0000 0000 0000",
)


def demo_price_list() -> PriceList:
    """Four products, one VIP tier price."""
    return PriceList(
        "CNY",
        (
            PriceEntry("TEA-LJ-250", cny("128.00")),
            PriceEntry("TEA-LJ-250", cny("118.00"), tier=CustomerTier.VIP),
            PriceEntry("CUP-CER-6", cny("86.50")),
            PriceEntry("BRG-6204", cny("12.80")),
            PriceEntry("BRG-6204", cny("12.20"), min_quantity=Decimal(500)),
            PriceEntry("OIL-HM46", cny("31.20")),
        ),
        name="2026 price list",
    )


def tea_shop_payload(*, tea: int = 40, cups: int = 6) -> dict[str, Any]:
    """Order A's payload: a VIP tea shop in Hangzhou (fictitious)."""
    return {
        "customer": {
            "id": "C-10086",
            "name": "杭州示例茶庄",
            "tier": "vip",
            "contact": {"name": "王小明", "phone": "13800000001", "email": "tea@example.cn"},
        },
        "currency": "CNY",
        "channel": "phone",
        "salesperson": "S-LI",
        "shipping_address": {
            "country": "CN",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "示例路 1 号",
            "recipient": "王小明",
            "phone": "13800000001",
        },
        "payment_terms": {"method": "bank_transfer", "due_days": 30},
        "requested_delivery_date": "2026-12-05",
        "lines": [
            {
                "line_id": "1",
                "sku": "TEA-LJ-250",
                "name": "西湖龙井 250g",
                "quantity": str(tea),
                "unit": "盒",
                "category": "tea",
            },
            {
                "line_id": "2",
                "sku": "CUP-CER-6",
                "name": "青瓷茶杯 6只装",
                "quantity": str(cups),
                "unit": "套",
                "category": "teaware",
            },
        ],
    }


def machinery_payload() -> dict[str, Any]:
    """Order B's payload: a new machinery customer asking for a VAT special invoice."""
    return {
        "customer": {
            "id": "C-20240",
            "name": "上海示例机械有限公司",
            "is_new": True,
            "contact": {"name": "陈工", "phone": "13900000002"},
        },
        "order_type": "new_customer",
        "currency": "CNY",
        "channel": "email",
        "salesperson": "S-ZHAO",
        "shipping_address": {
            "country": "CN",
            "province": "上海市",
            "city": "上海市",
            "street": "示例工业园 5 号",
        },
        "invoice": {
            "kind": "vat_special",
            "title": "上海示例机械有限公司",
            "tax_id": "91310000MA1FL8TQ6F",
            "bank_name": "示例银行",
            "bank_account": "31001234567890",
            "registered_address": "上海市示例工业园 5 号",
            "registered_phone": "021-55550002",
        },
        "lines": [
            {"line_id": "1", "sku": "BRG-6204", "name": "深沟球轴承 6204", "quantity": "200"},
            {
                "line_id": "2",
                "sku": "OIL-HM46",
                "name": "抗磨液压油 46#",
                "quantity": "12.5",
                "unit": "L",
            },
        ],
    }


@attrs.frozen
class DemoStep:
    """One line of the timeline."""

    at: datetime
    order: str
    action: tuple[str, str]
    """What happened, in English and in Chinese."""
    status: str


@attrs.frozen
class DemoResult:
    """Everything the demo did, for printing and for the end-to-end test."""

    timeline: tuple[DemoStep, ...]
    orders: tuple[Order, ...]
    quotes: tuple[Quote, ...]
    events: tuple[tuple[DomainEvent, frozenset[str]], ...]
    printed_orders: dict[str, str]
    """The sales order form (打单) of order A, per locale: ``en`` and ``zh_CN``."""
    stock: tuple[tuple[str, str, Decimal, Decimal], ...]
    kpis: dict[str, Any]


def build_service(
    clock: FixedClock,
    notifier: RecordingNotifier,
    *,
    unit_of_work: Callable[[], ServiceUnitOfWork] | None = None,
    numbering: OrderNumbering | None = None,
    quote_numbering: OrderNumbering | None = None,
    invoice_numbering: InvoiceNumbering | None = None,
) -> OrderService:
    """The set-up the demo (and a host's first prototype) uses; embedded by default."""
    return OrderService(
        unit_of_work=unit_of_work or MemoryDatabase().unit_of_work,
        clock=clock,
        numbering=numbering or PatternNumbering(),
        quote_numbering=quote_numbering or PatternNumbering(prefix="QT"),
        invoice_numbering=invoice_numbering or PatternNumbering(prefix="INV"),
        pricing_settings=PricingSettings(
            price_list=demo_price_list(),
            promotions=(
                Promotion(
                    "MJ-2026",
                    "满减：满1000减100，满3000减300",
                    ThresholdOff.of("CNY", (1000, 100), (3000, 300)),
                    target=Target(categories={"tea", "teaware"}),
                ),
            ),
            tax=TaxPolicy.china_vat(),
        ),
        policy_settings=PolicySettings(
            approval_policy=ApprovalPolicy(
                amount_levels=((cny(5000), "finance"),),
                new_customer_level="sales_manager",
            ),
            # The attrs converter (tuple) hides the element type from mypy.
            allocation=FixedPriority(locations=("SH-01", "GZ-02")),
        ),
        notifier=notifier,
    )


def _stock(unit_of_work: Callable[[], ServiceUnitOfWork], at: datetime) -> None:
    with unit_of_work() as uow:
        _receive_opening_stock(uow.stock, at)
        uow.commit()


def _receive_opening_stock(store: StockStore, at: datetime) -> None:
    for sku, location, quantity in (
        ("TEA-LJ-250", "SH-01", 30),
        ("TEA-LJ-250", "GZ-02", 50),
        ("CUP-CER-6", "SH-01", 20),
        ("BRG-6204", "SH-01", 400),
        ("BRG-6204", "GZ-02", 200),
        ("OIL-HM46", "GZ-02", 100),
    ):
        store.receive(
            sku, location, quantity=quantity, operation_id=f"open:{sku}:{location}", at=at
        )
    store.set_levels("TEA-LJ-250", "SH-01", safety_stock=0, reorder_point=10)
    store.drain_events()


def run_demo(database_url: str | None = None) -> DemoResult:  # noqa: PLR0915  (one story)
    """Run the whole story and return what happened.

    Args:
        database_url: None for the embedded default (in memory); a SQLAlchemy URL
            (``sqlite:///demo.db``, ``postgresql+psycopg://...``) to run it on the
            reference SQL adapter (extra ``salesorder[sql]``), in a tenant of its own.
    """
    clock = FixedClock(START)
    notifier = RecordingNotifier()
    if database_url is None:
        unit_of_work: Callable[[], ServiceUnitOfWork] = MemoryDatabase().unit_of_work
        service = build_service(clock, notifier, unit_of_work=unit_of_work)
    else:
        from salesorder.adapters.sql import SqlDatabase, SqlNumbering  # noqa: PLC0415

        sql = SqlDatabase(database_url, tenant_id=f"demo-{new_id()[:12]}")
        sql.create_schema()
        unit_of_work = sql.unit_of_work
        service = build_service(
            clock,
            notifier,
            unit_of_work=unit_of_work,
            numbering=SqlNumbering(sql),
            quote_numbering=SqlNumbering(sql, prefix="QT"),
        )
    _stock(unit_of_work, START)
    timeline: list[DemoStep] = []

    def step(order_id: str, action: tuple[str, str], hours: float = 1) -> None:
        order = service.get(order_id)
        timeline.append(DemoStep(clock.now(), order.number or order.id, action, order.status.value))
        clock.advance(timedelta(hours=hours))

    # 1. A quotation, converted.
    offer = service.quote(
        tea_shop_payload(tea=10, cups=2), actor="S-LI", valid_for=timedelta(days=7)
    )
    clock.advance(timedelta(hours=2))
    quoted = service.convert_quote(offer.quote_id, actor="S-LI")
    step(
        quoted.id,
        (f"quote {offer.number} converted into an order", f"报价单 {offer.number} 转为订单"),
    )
    service.cancel(quoted.id, reason="replaced_by_larger_order", actor="S-LI")
    step(quoted.id, ("cancelled: replaced by a larger order", "撤单：由更大的订单取代"))

    # 2. Order A.
    a = service.enter(tea_shop_payload(), actor="S-LI", idempotency_key="demo-a")
    step(a.id, ("entered (validated, priced, numbered)", "录单（已校验、定价、编号）"))
    service.submit(a.id, actor="S-LI")
    step(
        a.id,
        ("submitted: finance must approve (over 5 000)", "提交审核：金额超过 5000，需财务审批"),
    )
    service.approve(a.id, level="finance", actor="F-ZHOU", comment="within terms")
    step(a.id, ("approved by finance", "财务审批通过"))
    service.confirm(a.id, actor="S-LI")
    step(
        a.id,
        (
            "confirmed: 30 tea from SH-01, 10 from GZ-02",
            "确认订单：茶叶 30 盒由 SH-01、10 盒由 GZ-02 备货",
        ),
        hours=20,
    )
    service.ship(
        a.id, lines={"1": 30, "2": 6}, actor="W-SH", carrier="SF", tracking_number="SF1234567890"
    )
    step(a.id, ("shipped in part (SF1234567890)", "部分发货（顺丰 SF1234567890）"), hours=4)
    service.ship(a.id, lines={"1": 10}, actor="W-GZ", carrier="ZTO", tracking_number="ZT9876543210")
    step(a.id, ("shipped the rest (ZT9876543210)", "余量发货（中通 ZT9876543210）"), hours=24)
    service.deliver(a.id, lines={"1": 40, "2": 6}, actor="W-SH", proof="POD-001")
    step(a.id, ("signed for by the customer", "客户签收"))
    service.invoice(a.id, actor="F-ZHOU")
    step(a.id, ("invoiced", "已开票"))
    total = service.get(a.id).grand_total or cny(0)
    first = (total * Decimal("0.5")).quantize()
    service.record_payment(a.id, amount=first, actor="F-ZHOU", reference="BANK-001")
    step(a.id, ("first instalment received", "收到首期款"))
    service.record_payment(a.id, amount=total - first, actor="F-ZHOU", reference="BANK-002")
    step(a.id, ("paid in full", "全额收款"))
    returned = service.request_return(
        a.id, kind="return", lines={"1": 2}, reason="damaged", actor="CS"
    )
    return_id = _return_id(service.get(a.id), returned.events)
    step(a.id, ("return of 2 boxes requested (damaged)", "申请退货 2 盒（破损）"))
    service.approve_return(a.id, return_id=return_id, actor="CS-LEAD")
    service.receive_return(a.id, return_id=return_id, actor="W-SH", disposition="restock")
    refund = service.get(a.id).returns[-1].refund or cny(0)
    step(
        a.id,
        (
            f"return received and restocked; refund due {refund.format('en_US')}",
            f"退货入库；应退款 {refund.format('zh_CN')}",
        ),
    )
    service.record_refund(a.id, amount=refund, actor="F-ZHOU", reference="BANK-R01")
    step(a.id, ("refund paid", "已退款"))
    service.complete(a.id, actor="S-LI")
    step(a.id, ("completed and archived", "订单完成并归档"))

    # 3. Order B.
    b = service.enter(machinery_payload(), actor="S-ZHAO")
    step(b.id, ("entered with a VAT special invoice request", "录单（要求开具增值税专用发票）"))
    service.submit(b.id, actor="S-ZHAO")
    step(
        b.id,
        (
            "submitted: new customer, the sales manager must approve",
            "提交审核：新客户，需销售经理审批",
        ),
    )
    service.approve(b.id, level="sales_manager", actor="M-WU")
    step(b.id, ("approved by the sales manager", "销售经理审批通过"))
    service.confirm(b.id, actor="S-ZHAO")
    step(b.id, ("confirmed: bearings and oil reserved", "确认订单：轴承和液压油已预留"))
    preview = service.preview_amendment(b.id, [ChangeQuantity("1", Decimal(500))])
    service.amend(b.id, [ChangeQuantity("1", Decimal(500))], actor="S-ZHAO")
    step(
        b.id,
        (
            f"amended: bearings 200 -> 500 (new total {preview.new_total.format('en_US')})",
            f"改单：轴承 200 → 500（新总额 {preview.new_total.format('zh_CN')}）",
        ),
    )
    approvers = {"sales_manager": "M-WU", "finance": "F-ZHOU"}
    for level, _reasons in service.get(b.id).required_approvals:
        if service.get(b.id).status is Status.PENDING_APPROVAL:
            service.approve(b.id, level=level, actor=approvers.get(level, "M-WU"))
            english, chinese = _LEVELS.get(level, (level, level))
            step(b.id, (f"amendment approved by {english}", f"{chinese}审批通过改单"))
    service.cancel(b.id, reason="customer_request", actor="S-ZHAO")
    step(b.id, ("cancelled at the customer's request: stock released", "应客户要求撤单：释放库存"))

    orders = tuple(service.find())
    quotes = tuple(service.quotes())
    printed = {
        locale: service.print_order(a.id, seller=SELLER, locale=locale)
        for locale in ("en", "zh_CN")
    }
    with unit_of_work() as uow:
        stock = tuple((p.sku, p.location, p.on_hand, p.reserved) for p in uow.stock.positions())
    kpis: dict[str, Any] = {
        "sales": analytics.sales_summary(orders, currency="CNY"),
        "by_salesperson": analytics.sales_by(
            orders, analytics.Grouping(by=analytics.Dimension.SALESPERSON), currency="CNY"
        ),
        "quote_conversion": analytics.quote_conversion(quotes, currency="CNY"),
        "confirm_to_ship": analytics.cycle_times(orders, analytics.CycleSpan.CONFIRM_TO_SHIP),
    }
    return DemoResult(
        timeline=tuple(timeline),
        orders=orders,
        quotes=quotes,
        events=tuple(notifier.sent),
        printed_orders=printed,
        stock=stock,
        kpis=kpis,
    )


def _return_id(order: Order, events: tuple[DomainEvent, ...]) -> str:
    for event in events:
        found = getattr(event, "return_id", None)
        if isinstance(found, str):
            return found
    return order.returns[-1].return_id


def _money(amount: Money | None, locale: str) -> str:
    return "-" if amount is None else amount.format(locale)


def _plain(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


_LEVELS = {"finance": ("finance", "财务"), "sales_manager": ("the sales manager", "销售经理")}

_LABELS = {
    "timeline": ("Timeline", "时间线"),
    "printed": ("Printed sales order", "打印的销售订单（打单）"),
    "events": ("Notifications sent (event -> audiences)", "已发送的通知（事件 → 接收方）"),
    "per_audience": ("Notifications per audience", "各接收方通知数"),
    "stock": ("Stock after the story", "故事结束后的库存"),
    "on_hand": ("on hand", "在库"),
    "reserved": ("reserved", "已预留"),
    "kpis": ("KPIs", "关键指标"),
    "sales": ("Sales, net of refunds", "销售额（扣除退款）"),
    "orders": ("orders counted as sales", "计入销售的订单"),
    "aov": ("average order value", "平均订单金额"),
    "conversion": ("Quote-to-order conversion", "报价转订单率"),
    "converted": ("quotes converted", "报价已转订单"),
    "cycle": ("Confirmation to first shipment, mean", "确认到首次发货（平均）"),
    "cycle_orders": ("orders measured", "个订单"),
    "by_salesperson": ("Sales by salesperson", "按销售员的销售额"),
    "none": ("none yet", "暂无"),
}

# The audiences and events the report names, in Chinese (the English report shows the
# identifiers, which are English words); statuses are terms of the message catalogs.
_AUDIENCE_ZH = {
    "customer": "客户",
    "finance": "财务",
    "production": "生产",
    "sales": "销售",
    "warehouse": "仓库",
}
_EVENT_ZH = {
    "LowStockDetected": "库存低于再订货点",
    "AmendmentApproved": "改单已审批",
    "AmendmentRejected": "改单已驳回",
    "OrderAmended": "订单已修改",
    "OrderApproved": "订单已审批",
    "OrderCancelled": "订单已撤销",
    "OrderCompleted": "订单已完成",
    "OrderConfirmed": "订单已确认",
    "OrderDelivered": "客户已签收",
    "OrderInvoiced": "已开票",
    "OrderShipped": "已发货",
    "OrderSubmitted": "订单已提交审核",
    "PaymentRecorded": "已收款",
    "RefundDue": "应退款",
    "RefundRecorded": "已退款",
    "RepairDelivered": "维修件已签收",
    "RepairShipped": "维修件已寄回",
    "ReplacementOrdered": "已开换货单",
    "ReturnApproved": "退货已批准",
    "ReturnReceived": "退货已入库",
    "ReturnRequested": "已申请退货",
}


def _percent(rate: Decimal | None, chinese: bool) -> str:
    if rate is None:
        return str(_LABELS["none"][chinese])
    return f"{(rate * 100).quantize(Decimal('0.1')).normalize():f}%"


def _duration(span: timedelta, chinese: bool) -> str:
    """``1 d 4 h`` / ``1 天 4 小时``: days and hours, minutes when under an hour."""
    minutes = round(span.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = ("天", "小时", "分钟") if chinese else ("d", "h", "min")
    parts = [(days, units[0]), (hours, units[1])] if days or hours else [(minutes, units[2])]
    return " ".join(f"{value} {unit}" for value, unit in parts if value or len(parts) == 1)


def render_demo(result: DemoResult, *, locale: str = "en") -> str:
    """The demo's report for people, in ``en`` or ``zh_CN``.

    The English report prints the English sales order form and the Chinese one the
    Chinese form; statuses, audiences, events and labels are translated in Chinese;
    ratios print as percentages and durations as days and hours.
    """
    chinese = locale.lower().startswith("zh")
    display = "zh_CN" if chinese else "en_US"

    def label(key: str) -> str:
        return _LABELS[key][chinese]

    def status(value: str) -> str:
        if not chinese:
            return value
        return i18n.translate(Status(value).value, i18n.SIMPLIFIED_CHINESE, context="term")

    def audience(name: str) -> str:
        return _AUDIENCE_ZH.get(name, name) if chinese else name

    # Chinese text takes Chinese punctuation: full-width colon, brackets, semicolon, 、.
    colon, opening, closing, semicolon, comma, arrow = (
        ("：", "（", "）", "；", "、", "→") if chinese else (": ", " (", ")", "; ", ", ", "->")
    )

    out: list[str] = [f"== {label('timeline')}"]
    width = max(_width(status(item.status)) for item in result.timeline)
    for item in result.timeline:
        when = item.at.astimezone(CST).strftime("%m-%d %H:%M")
        action = item.action[1] if chinese else item.action[0]
        shown = status(item.status)
        out.append(f"{when}  {item.order:<18} {shown}{' ' * (width - _width(shown))}  {action}")
    printed = result.printed_orders["zh_CN" if chinese else "en"]
    out += ["", f"== {label('printed')}", printed, "", f"== {label('events')}"]
    counts: dict[str, int] = {}
    events = [
        (_EVENT_ZH.get(event.name, event.name) if chinese else event.name, audiences)
        for event, audiences in result.events
    ]
    event_width = max((_width(what) for what, _ in events), default=0)
    for what, audiences in events:
        for name in sorted(audiences):
            counts[name] = counts.get(name, 0) + 1
        pad = " " * (event_width - _width(what))
        out.append(
            f"{what}{pad} {arrow} {comma.join(audience(name) for name in sorted(audiences))}"
        )
    out.append(
        f"{label('per_audience')}{colon}"
        + comma.join(f"{audience(name)} {count}" for name, count in sorted(counts.items()))
    )
    out += ["", f"== {label('stock')}"]
    out += [
        f"{sku:<12} {location:<6} {label('on_hand')} {_plain(on_hand):>6}  "
        f"{label('reserved')} {_plain(reserved):>6}"
        for sku, location, on_hand, reserved in result.stock
    ]
    sales = result.kpis["sales"]
    conversion = result.kpis["quote_conversion"]
    cycle = result.kpis["confirm_to_ship"]
    out += [
        "",
        f"== {label('kpis')}",
        (
            f"{label('sales')}{colon}{sales.sales.format(display)}{opening}{label('orders')}"
            f"{colon}{sales.order_count}{semicolon}{label('aov')}{colon}"
            f"{_money(sales.average_order_value, display)}{closing}"
        ),
        (
            f"{label('conversion')}{colon}{_percent(conversion.rate, chinese)}{opening}"
            f"{conversion.converted} / {conversion.quotes} {label('converted')}{closing}"
        ),
        (
            f"{label('cycle')}{colon}"
            + (
                f"{_duration(cycle.mean, chinese)}{opening}{cycle.count} "
                f"{label('cycle_orders')}{closing}"
                if cycle
                else label("none")
            )
        ),
        f"{label('by_salesperson')}{colon.strip()}",
    ]
    for person, summary in result.kpis["by_salesperson"].items():
        out.append(
            f"  {person}{colon}{summary.sales.format(display)}{opening}{label('orders')}"
            f"{colon}{summary.order_count}{closing}"
        )
    return "\n".join(out)


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: two for each CJK character."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)
