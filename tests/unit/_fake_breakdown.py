"""A small stand-in for ``salesorder.pricing.PriceBreakdown`` matching ``PriceBreakdownView``.

The documents tests must not depend on the pricing module, so they build breakdowns
from these attrs classes, the way pricing would compute them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from salesorder.money import Money
from salesorder.order import (
    Address,
    Contact,
    Customer,
    InvoiceInfo,
    InvoiceKind,
    Order,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
)


@attrs.frozen
class FakeAdjustment:
    amount: Money
    promotion_id: str | None = None
    kind: str = "discount"


@attrs.frozen
class FakeApplied:
    promotion_id: str
    name: str


@attrs.frozen
class FakeLine:
    line_id: str
    sku: str
    quantity: Decimal
    unit_price: Money
    net: Money
    tax: Money
    gross: Money
    tax_rate: Decimal
    list_price: Money | None = None
    adjustments: tuple[FakeAdjustment, ...] = ()


@attrs.frozen
class FakeCharge:
    kind: str
    net: Money
    tax: Money
    gross: Money
    name: str | None = None


@attrs.frozen
class FakeBreakdown:
    currency: str
    lines: tuple[FakeLine, ...]
    charges: tuple[FakeCharge, ...]
    subtotal: Money
    discount_total: Money
    charges_total: Money
    tax_total: Money
    grand_total: Money
    applied: tuple[FakeApplied, ...] = ()


def cny(amount: str, currency: str = "CNY") -> Money:
    return Money(amount, currency)


def full_order(*, customer_name: str = "深圳市示例科技有限公司", currency: str = "CNY") -> Order:
    """An order with every printable part filled in."""
    return Order(
        id="o-1",
        number="SO-202611-000123",
        customer=Customer(
            id="c-1",
            name=customer_name,
            contact=Contact(name="张三", phone="13800138000", email="zs@example.com"),
            address=Address(
                country="CN",
                province="广东省",
                city="深圳市",
                district="南山区",
                street="科技园路1号",
            ),
        ),
        currency=currency,
        lines=(
            OrderLine(
                line_id="l1",
                sku="SKU-001",
                name="工业控制器",
                quantity=Decimal(2),
                unit="台",
                specification="IC-200",
            ),
            OrderLine(
                line_id="l2", sku="SKU-002", name="Cable <5m>", quantity=Decimal("1.5"), unit="m"
            ),
        ),
        shipping_address=Address(
            country="CN",
            province="广东省",
            city="深圳市",
            street="仓库路8号",
            recipient="李四",
            phone="13900139000",
        ),
        payment_terms=PaymentTerms(
            method=PaymentMethod.ON_ACCOUNT,
            due_days=30,
            prepayment_percent=Decimal(30),
            description="月结30天",
        ),
        requested_delivery_date=datetime(2026, 12, 1).date(),  # noqa: DTZ001 (a calendar date)
        invoice=InvoiceInfo(
            kind=InvoiceKind.VAT_SPECIAL,
            title="深圳市示例科技有限公司",
            tax_id="91440300MA5XXXXXX1",
            bank_name="招商银行深圳分行",
            bank_account="755900000000001",
            registered_address="深圳市南山区科技园路1号",
            registered_phone="0755-88888888",
        ),
        notes="请上午送货",
        external_ref="PO-7788",
        created_at=datetime(2026, 11, 3, 9, 30),  # noqa: DTZ001 (fixture time)
    )


def full_breakdown(currency: str = "CNY") -> FakeBreakdown:
    """Prices for :func:`full_order`: 2 x 5000 less 500, 1.5 m x 20, 13 % VAT, freight 100."""

    def m(amount: str) -> Money:
        return Money(amount, currency)

    rate = Decimal("0.13")
    line1 = FakeLine(
        line_id="l1",
        sku="SKU-001",
        quantity=Decimal(2),
        unit_price=m("5000.00"),
        list_price=m("5000.00"),
        net=m("9500.00"),
        tax=m("1235.00"),
        gross=m("10735.00"),
        tax_rate=rate,
        adjustments=(FakeAdjustment(amount=m("-500.00"), promotion_id="PROMO-VIP5"),),
    )
    line2 = FakeLine(
        line_id="l2",
        sku="SKU-002",
        quantity=Decimal("1.5"),
        unit_price=m("20.00"),
        net=m("30.00"),
        tax=m("3.90"),
        gross=m("33.90"),
        tax_rate=rate,
    )
    freight = FakeCharge(
        kind="shipping", name="运费", net=m("100.00"), tax=m("13.00"), gross=m("113.00")
    )
    return FakeBreakdown(
        currency=currency,
        lines=(line1, line2),
        charges=(freight,),
        subtotal=m("10030.00"),
        discount_total=m("-500.00"),
        charges_total=m("100.00"),
        tax_total=m("1251.90"),
        grand_total=m("10881.90"),
        applied=(FakeApplied(promotion_id="PROMO-VIP5", name="VIP 九五折"),),
    )
