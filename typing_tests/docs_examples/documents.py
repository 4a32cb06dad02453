"""Generated from docs/documents.md by scripts/extract_docs_examples.py: do not edit."""

from decimal import Decimal
from salesorder.documents import rmb_upper
from salesorder.money import Money

assert rmb_upper(0) == "零元整"
assert rmb_upper(10) == "壹拾元整"
assert rmb_upper(1010) == "壹仟零壹拾元整"
assert rmb_upper(10005) == "壹万零伍元整"
assert rmb_upper(100000) == "壹拾万元整"
assert rmb_upper(100010000) == "壹亿零壹万元整"
assert rmb_upper(1000000001) == "壹拾亿零壹元整"
assert rmb_upper(10**12) == "壹万亿元整"
assert rmb_upper("0.05") == "伍分"
assert rmb_upper("1.05") == "壹元零伍分"
assert rmb_upper(Decimal("1.50")) == "壹元伍角整"
assert rmb_upper(Money("10881.90", "CNY")) == "壹万零捌佰捌拾壹元玖角整"

from salesorder.documents import rmb_upper

assert rmb_upper(105000) == "壹拾万零伍仟元整"          # not 壹拾万伍仟元整
assert rmb_upper("1680.32") == "壹仟陆佰捌拾元零叁角贰分"  # not 壹仟陆佰捌拾元叁角贰分
assert rmb_upper("107000.53") == "壹拾万零柒仟元零伍角叁分"

import pytest
from salesorder.documents import DocumentError, rmb_upper
from salesorder.errors import FloatRefused
from salesorder.money import Money

with pytest.raises(DocumentError) as caught:
    rmb_upper("-1")
assert caught.value.code == "document.rmb_upper.negative"
with pytest.raises(DocumentError) as caught:
    rmb_upper(Money("1.00", "USD"))
assert caught.value.code == "document.rmb_upper.not_cny"
with pytest.raises(FloatRefused):
    rmb_upper(0.1)  # type: ignore[arg-type]  # mypy refuses it too

from datetime import date
from decimal import Decimal

import attrs

from salesorder.documents import AdjustmentView, ChargeView, Seller, render_html, render_text
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine


@attrs.frozen
class Line:
    line_id: str
    sku: str
    quantity: Decimal
    unit_price: Money
    net: Money
    tax: Money
    gross: Money
    tax_rate: Decimal
    list_price: Money | None = None
    adjustments: tuple[AdjustmentView, ...] = ()


@attrs.frozen
class Breakdown:
    currency: str
    lines: tuple[Line, ...]
    charges: tuple[ChargeView, ...]
    subtotal: Money
    discount_total: Money
    charges_total: Money
    tax_total: Money
    grand_total: Money


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


order = Order(
    id="o-1",
    number="SO-202611-000123",
    customer=Customer(id="c-1", name="深圳市示例科技有限公司"),
    currency="CNY",
    lines=(OrderLine(line_id="l1", sku="SKU-001", name="工业控制器", quantity=Decimal(2), unit="台"),),
)
line = Line("l1", "SKU-001", Decimal(2), cny("5000"), cny("10000"), cny("1300"), cny("11300"), Decimal("0.13"))
breakdown = Breakdown("CNY", (line,), (), cny("10000"), cny("0"), cny("0"), cny("1300"), cny("11300"))
seller = Seller(name="上海卖方贸易有限公司", tax_id="91310000MA1XXXXXX2")

text = render_text(order, breakdown, seller=seller, issued_on=date(2026, 11, 3))
assert "¥11,300.00" in text
assert "人民币大写  壹万壹仟叁佰元整" in text
assert "2026年11月3日" in text

page = render_html(order, breakdown, seller=seller, locale="en", issued_on=date(2026, 11, 3))
assert "@page { size: A4; margin: 15mm; }" in page
assert "Amount in words (RMB)" in page

from salesorder.documents import render_pdf

pdf = render_pdf(order, breakdown, seller=seller, issued_on=date(2026, 11, 3))
assert pdf.startswith(b"%PDF-")
assert pdf == render_pdf(order, breakdown, seller=seller, issued_on=date(2026, 11, 3))
