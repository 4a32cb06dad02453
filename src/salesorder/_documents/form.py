"""The sales order form as data: every printed string, already formatted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from salesorder._documents.capitals import rmb_upper
from salesorder._documents.errors import ISSUE_DATE_MISSING, DocumentError
from salesorder._documents.style import Style
from salesorder._documents.views import AdjustmentView, LineView, PriceBreakdownView, Seller
from salesorder.money import Money, RoundingMode
from salesorder.order import Address, InvoiceKind, Order, OrderLine, PaymentMethod, PaymentTerms

__all__ = ["Field", "Form", "build_form", "issue_date"]

# -- the form as data ------------------------------------------------------------------------


@attrs.frozen
class Field:
    label: str
    value: str


@attrs.frozen
class Form:
    """Every printed string of the form, already formatted; both renderers lay it out."""

    title: str
    header: tuple[Field, ...]
    seller_title: str
    seller: tuple[Field, ...]
    buyer_title: str
    buyer: tuple[Field, ...]
    invoice_title: str
    invoice: tuple[Field, ...]
    lines_title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    discounts_title: str
    discounts: tuple[Field, ...]
    charges_title: str
    charges: tuple[Field, ...]
    totals_title: str
    totals: tuple[Field, ...]
    in_words: Field | None
    terms: tuple[Field, ...]
    signatures: tuple[str, ...]
    sign_date: str
    #: Printed at the top of every page: the order number, so a loose sheet is traceable.
    running_head: str
    #: ``Page {page} / {pages}`` in the form's language, filled in per page.
    page_template: str


def _present(fields: Iterable[tuple[str, str | None]]) -> tuple[Field, ...]:
    # Absent optional data is left off the form rather than printed as "None".
    return tuple(Field(label, value) for label, value in fields if value)


def _address_text(address: Address | None) -> str | None:
    if address is None:
        return None
    parts = (
        address.country,
        address.province,
        address.city,
        address.district,
        address.street,
        address.postal_code,
    )
    return " ".join(part for part in parts if part) or None


def issue_date(order: Order, issued_on: date | None) -> date:
    if issued_on is not None:
        return issued_on
    if order.created_at is not None:
        return order.created_at.date()
    raise DocumentError(ISSUE_DATE_MISSING)


def _order_line(order: Order, line_id: str) -> OrderLine | None:
    try:
        return order.line(line_id)
    except KeyError:
        return None


def _promotion_names(breakdown: PriceBreakdownView) -> dict[str, str]:
    # The breakdown's ``applied`` promotions carry the names people know them by; a
    # breakdown without them (a host's own view) prints the generic label instead.
    names: dict[str, str] = {}
    for applied in getattr(breakdown, "applied", ()) or ():
        promotion_id = getattr(applied, "promotion_id", None)
        name = getattr(applied, "name", None)
        if isinstance(promotion_id, str) and isinstance(name, str) and name:
            names[promotion_id] = name
    return names


def _adjustment_name(adjustment: AdjustmentView, names: dict[str, str], style: Style) -> str:
    """The promotion's name, never its id: ids are codes of the seller's system."""
    promotion = getattr(adjustment, "promotion_id", None)
    if promotion is None or getattr(adjustment, "kind", None) == "manual":
        name = style.label("manual_discount")
    else:
        name = names.get(str(promotion)) or style.label("promotion")
    coupon = getattr(adjustment, "coupon", None)
    if isinstance(coupon, str) and coupon:
        name += f" ({style.label('coupon')} {coupon})"
    return name


def _line_discount(line: LineView) -> Money | None:
    amounts = [adjustment.amount for adjustment in getattr(line, "adjustments", ()) or ()]
    return sum(amounts[1:], amounts[0]) if amounts else None


def _terms_text(terms: PaymentTerms, style: Style) -> str | None:
    """The payment terms as the order states them; None when it states none.

    An order whose terms are the defaults (``PaymentTerms()``) did not say how it is
    paid, so the form prints no terms rather than inventing "bank transfer, due now".
    """
    if terms == PaymentTerms():
        return None
    label = style.label
    parts = [label(f"pm_{PaymentMethod(terms.method).value}")]
    if terms.prepayment_percent:
        parts.append(label("prepayment", percent=style.percent(terms.prepayment_percent / 100)))
    if terms.due_days:
        parts.append(label("due_days", days=terms.due_days))
    else:
        parts.append(label("due_now"))
    if terms.description:
        parts.append(terms.description)
    return ("；" if style.chinese else "; ").join(parts)


def build_form(
    order: Order, breakdown: PriceBreakdownView, *, seller: Seller, style: Style, day: date
) -> Form:
    label = style.label
    header = _present(
        (
            (label("order_number"), order.number or label("none")),
            (label("order_date"), style.day(day)),
            (label("customer_ref"), order.external_ref),
        )
    )
    seller_fields = _present(
        (
            (label("name"), seller.name),
            (label("tax_id"), seller.tax_id),
            (label("address"), seller.address),
            (label("phone"), seller.phone),
            (label("bank"), seller.bank_name),
            (label("account"), seller.bank_account),
        )
    )
    customer = order.customer
    contact = customer.contact
    shipping = order.shipping_address
    recipient = None
    if shipping is not None and shipping.recipient:
        recipient = " ".join(part for part in (shipping.recipient, shipping.phone) if part)
    buyer_fields = _present(
        (
            (label("name"), customer.name),
            (label("contact"), contact.name if contact else None),
            (label("phone"), contact.phone if contact else None),
            (label("address"), _address_text(customer.address or order.billing_address)),
            (label("ship_to"), _address_text(shipping)),
            (label("recipient"), recipient),
        )
    )
    invoice = order.invoice
    invoice_fields: list[tuple[str, str | None]] = [
        (label("invoice_kind"), label(f"kind_{invoice.kind.value}"))
    ]
    if invoice.kind is not InvoiceKind.NONE:
        invoice_fields += [
            (label("invoice_title"), invoice.title),
            (label("tax_id"), invoice.tax_id),
        ]
    if invoice.kind is InvoiceKind.VAT_SPECIAL:
        invoice_fields += [
            (label("registered_address"), invoice.registered_address),
            (label("registered_phone"), invoice.registered_phone),
            (label("bank"), invoice.bank_name),
            (label("account"), invoice.bank_account),
        ]

    names = _promotion_names(breakdown)
    rows: list[tuple[str, ...]] = []
    discounts: list[tuple[str, str | None]] = []
    for number, priced in enumerate(breakdown.lines, start=1):
        ordered = _order_line(order, priced.line_id)
        discount = _line_discount(priced)
        rows.append(
            (
                str(number),
                priced.sku,
                ordered.name if ordered else priced.sku,
                (ordered.specification or "") if ordered else "",
                style.number(priced.quantity),
                ordered.unit if ordered else "",
                style.money(priced.unit_price),
                style.money(discount) if discount is not None else "",
                style.money(priced.net),
                style.percent(priced.tax_rate),
                style.money(priced.tax),
                style.money(priced.gross),
            )
        )
        for adjustment in getattr(priced, "adjustments", ()) or ():
            name = _adjustment_name(adjustment, names, style)
            where = f"{label('line')} {number} · {name}"
            discounts.append((where, style.money(adjustment.amount)))

    charges = [
        (
            str(getattr(charge, "name", None) or charge.kind),
            f"{style.money(charge.net)} + {style.money(charge.tax)} = {style.money(charge.gross)}",
        )
        for charge in breakdown.charges
    ]
    grand_total = breakdown.grand_total.quantize(RoundingMode.HALF_UP)
    totals = _present(
        (
            (label("subtotal"), style.money(breakdown.subtotal)),
            (label("discount_total"), style.money(breakdown.discount_total)),
            (label("charges_total"), style.money(breakdown.charges_total)),
            (label("tax_total"), style.money(breakdown.tax_total)),
            (label("grand_total"), style.money(grand_total)),
        )
    )
    in_words = None
    if grand_total.currency == "CNY":
        in_words = Field(label("in_words"), rmb_upper(grand_total))

    delivery = order.requested_delivery_date
    term_fields = _present(
        (
            (label("payment_terms"), _terms_text(order.payment_terms, style)),
            (label("delivery_date"), style.day(delivery) if delivery else None),
            (label("notes"), order.notes),
        )
    )
    return Form(
        title=label("title"),
        header=header,
        seller_title=label("seller"),
        seller=seller_fields,
        buyer_title=label("buyer"),
        buyer=buyer_fields,
        invoice_title=label("invoice"),
        invoice=_present(invoice_fields),
        lines_title=label("lines"),
        columns=tuple(
            label(key)
            for key in (
                "col_no",
                "col_sku",
                "col_name",
                "col_spec",
                "col_qty",
                "col_unit",
                "col_price",
                "col_discount",
                "col_net",
                "col_rate",
                "col_tax",
                "col_amount",
            )
        ),
        rows=tuple(rows),
        discounts_title=label("discounts"),
        discounts=_present(discounts),
        charges_title=label("charges"),
        charges=_present(charges),
        totals_title=label("totals"),
        totals=totals,
        in_words=in_words,
        terms=term_fields,
        signatures=(label("seller_sign"), label("buyer_sign")),
        sign_date=label("sign_date"),
        running_head=f"{label('title')}  {label('order_number')} {order.number or label('none')}",
        page_template=label("page"),
    )
