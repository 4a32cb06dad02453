"""Type-checked from the user's side: a host's own breakdown type fits the document protocol."""

from datetime import date
from decimal import Decimal

import attrs

from salesorder import Customer, Money, Order, OrderLine
from salesorder.documents import (
    PriceBreakdownView,
    Seller,
    render_html,
    render_pdf,
    render_text,
    rmb_upper,
)


@attrs.frozen
class HostLine:
    """A host's priced line."""

    line_id: str
    sku: str
    quantity: Decimal
    unit_price: Money
    list_price: Money | None
    net: Money
    tax: Money
    gross: Money
    tax_rate: Decimal
    adjustments: tuple[()] = ()


@attrs.frozen
class HostCharge:
    """A host's charge."""

    kind: str
    net: Money
    tax: Money
    gross: Money


@attrs.frozen
class HostBreakdown:
    """A host's price breakdown."""

    currency: str
    lines: tuple[HostLine, ...]
    charges: tuple[HostCharge, ...]
    subtotal: Money
    discount_total: Money
    charges_total: Money
    tax_total: Money
    grand_total: Money


yuan = Money("8.00", "CNY")
zero = Money("0.00", "CNY")
line = HostLine("l1", "S1", Decimal(1), yuan, None, yuan, zero, yuan, Decimal(0))
breakdown: PriceBreakdownView = HostBreakdown("CNY", (line,), (), yuan, zero, zero, zero, yuan)
order = Order(
    id="o1",
    customer=Customer(id="c1", name="n"),
    currency="CNY",
    lines=(OrderLine(line_id="l1", sku="S1", name="x", quantity=Decimal(1)),),
)
seller = Seller(name="卖方")
words: str = rmb_upper(Decimal("8.00"))
text: str = render_text(order, breakdown, seller=seller, issued_on=date(2026, 1, 1))
page: str = render_html(order, breakdown, seller=seller, locale="en", issued_on=date(2026, 1, 1))
pdf: bytes = render_pdf(order, breakdown, seller=seller, issued_on=date(2026, 1, 1))
