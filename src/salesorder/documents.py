"""The printed sales order (打单, R18): plain text, printable HTML and 人民币大写.

:func:`rmb_upper` writes a CNY amount in Chinese financial capitals following the
People's Bank of China rules (《支付结算办法》附件《正确填写票据和结算凭证的基本规定》);
:func:`render_text` and :func:`render_html` lay out a sales order form (销售订单) in
Simplified Chinese or English, ready for signature.

Invariants:

* :func:`rmb_upper` is exact and total on ``0 <= amount < 10**13`` with at most two
  decimals (trailing zeros beyond do not count): every such amount has exactly one
  spelling, and reading it back gives the amount (``tests/property``). Anything else is
  refused with a coded :class:`DocumentError`; ``float`` with
  :class:`~salesorder.errors.FloatRefused`.
* The amount in capitals printed on a form is the grand total exactly as printed in
  figures (both quantized half-up to the minor unit), so the two can never disagree.
* Rendering is pure: no clock (the issue date is an argument or the order's own
  ``created_at``), no I/O, and it never mutates the order or the breakdown.
* The form is the one place where the caller asks for personal data (buyer name,
  contact, addresses, invoice details). It appears in the returned document only;
  errors raised here never carry it. Every value in the HTML is escaped.
* The price breakdown is read through the structural :class:`PriceBreakdownView`
  protocol, so this module does not depend on :mod:`salesorder.pricing`.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Final, Protocol

import attrs
import babel
import babel.dates
import babel.numbers

from salesorder import _arguments as arguments
from salesorder import i18n
from salesorder.errors import SalesOrderError, define_code
from salesorder.money import Money, RoundingMode, in_exact_context, to_decimal
from salesorder.order import Address, InvoiceKind, Order, OrderLine, PaymentMethod

__all__ = [
    "RMB_UPPER_LIMIT",
    "AdjustmentView",
    "ChargeView",
    "DocumentError",
    "LineView",
    "PriceBreakdownView",
    "Seller",
    "document_language",
    "render_html",
    "render_text",
    "rmb_upper",
]

# -- errors ---------------------------------------------------------------------------------

RMB_UPPER_NEGATIVE: Final = define_code(
    "document.rmb_upper.negative",
    en="Cannot write a negative amount in Chinese capitals.",
)
RMB_UPPER_TOO_PRECISE: Final = define_code(
    "document.rmb_upper.too_precise",
    en="Cannot write an amount finer than one fen (0.01) in Chinese capitals.",
)
RMB_UPPER_OUT_OF_RANGE: Final = define_code(
    "document.rmb_upper.out_of_range",
    en="Amounts in Chinese capitals must be below {limit}.",
)
RMB_UPPER_NOT_CNY: Final = define_code(
    "document.rmb_upper.not_cny",
    en="Chinese capitals are written for CNY amounts only, not {currency}.",
)
ISSUE_DATE_MISSING: Final = define_code(
    "document.issued_on.missing",
    en="The order has no creation date; pass issued_on to date the document.",
)
#: No longer raised: every locale negotiates to a language (English at worst). Kept so
#: the code of an error stored by an earlier version still renders.
LOCALE_UNSUPPORTED: Final = define_code(
    "document.locale.unsupported",
    en="Documents are printed in Chinese (zh_CN) or English (en), not {locale}.",
)


class DocumentError(SalesOrderError, ValueError):
    """A document (or the amount in capitals on it) cannot be produced from these values.

    The code says why: ``document.rmb_upper.negative``, ``.too_precise``,
    ``.out_of_range``, ``.not_cny``, ``document.issued_on.missing``,
    ``document.locale.unsupported``. Parameters never hold personal data.
    """

    default_code = RMB_UPPER_OUT_OF_RANGE


# -- 人民币大写 -------------------------------------------------------------------------------

#: Largest amount (exclusive) written in capitals: 9 999 999 999 999.99 is the largest accepted,
#: i.e. up to 玖万玖仟玖佰玖拾玖亿… (万亿, ten trillion yuan).
RMB_UPPER_LIMIT: Final = Decimal(10) ** 13

_DIGITS: Final = "零壹贰叁肆伍陆柒捌玖"
_FEN: Final = Decimal("0.01")


def _section(number: int) -> str:
    """Capitals of 1..9999 without a leading 零; inner zero runs become one 零."""
    parts: list[str] = []
    pending_zero = False
    for unit_value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            # A zero counts only once something non-zero was written before it.
            pending_zero = pending_zero or bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_DIGITS[digit] + unit)
    return "".join(parts)


def _integer_upper(number: int) -> str:
    """Capitals of a positive whole number, split recursively at 亿 and 万."""
    for base, unit in ((10**8, "亿"), (10**4, "万")):
        if number >= base:
            high, low = divmod(number, base)
            text = _integer_upper(high) + unit
            if low:
                # 零 when the lower group starts with a zero (10005 → 壹万零伍) and, by the
                # PBoC rule that the 万/亿 digit being 0 may be marked with one 零, also
                # when the higher part ends in 0 (105000 → 壹拾万零伍仟): we always mark it.
                if low < base // 10 or high % 10 == 0:
                    text += "零"
                text += _integer_upper(low)
            return text
    return _section(number)


def _as_amount(amount: Money | Decimal | int | str) -> Decimal:
    if isinstance(amount, Money):
        if amount.currency != "CNY":
            raise DocumentError(RMB_UPPER_NOT_CNY, params={"currency": amount.currency})
        return amount.amount
    return to_decimal(amount)


@in_exact_context
def rmb_upper(amount: Money | Decimal | int | str, *, allow_negative: bool = False) -> str:
    """Write a CNY amount in Chinese financial capitals (人民币大写).

    The PBoC rules leave three choices open; this function always takes the same side:

    * ``元`` (not ``圆``), and ``整`` after ``元`` *and* after ``角`` (``1.50`` →
      ``壹元伍角整``), which leaves no room to append a ``分``; nothing follows ``分``.
    * A zero ``万``/``亿``/``元`` digit followed by non-zero lower digits is marked with one
      ``零`` (``105000`` → ``壹拾万零伍仟元整``, ``10.50`` → ``壹拾元零伍角整``).
    * Tens are written ``壹拾`` (``10`` → ``壹拾元整``), as the rules require for
      ``拾`` at the head of an amount.

    Runs of zeros in the middle become one ``零``; trailing zeros are not written.
    The text has no ``人民币`` prefix: forms print it in front. A credit document (红字发票)
    writes its negative amount with ``负`` in front (``-113`` → ``负壹佰壹拾叁元整``) when
    ``allow_negative`` is set; elsewhere a negative amount is a mistake and refused.

    Args:
        amount: ``Money`` in CNY, or a ``Decimal``, ``int`` or numeric ``str``, from 0 up to
            (excluding) :data:`RMB_UPPER_LIMIT`, with at most two decimals (trailing zeros
            beyond two are fine: ``Decimal("1.500")``).
        allow_negative: Accept amounts down to (excluding) ``-RMB_UPPER_LIMIT``, written
            ``负…``, for credit documents.

    Returns:
        The amount in capitals, e.g. ``壹万零伍元整``, ``壹元零伍分``, ``零元整``.

    Raises:
        DocumentError: ``document.rmb_upper.negative`` (unless ``allow_negative``),
            ``.too_precise`` (finer than a fen),
            ``.out_of_range`` (``>= 10**13``) or ``.not_cny`` (Money in another currency).
        FloatRefused: for a ``float``.
        InvalidMoney: for text that is not a finite number.

    Examples:
        >>> rmb_upper(10005)
        '壹万零伍元整'
        >>> rmb_upper("1.05")
        '壹元零伍分'
        >>> rmb_upper(-113, allow_negative=True)
        '负壹佰壹拾叁元整'
    """
    number = _as_amount(amount)
    if number < 0:
        if not allow_negative:
            raise DocumentError(RMB_UPPER_NEGATIVE)
        return "负" + _upper(-number)
    return _upper(number)


def _upper(number: Decimal) -> str:
    if number >= RMB_UPPER_LIMIT:
        raise DocumentError(RMB_UPPER_OUT_OF_RANGE, params={"limit": "10000000000000"})
    if number != number.quantize(_FEN):
        raise DocumentError(RMB_UPPER_TOO_PRECISE)
    fen_total = int(number.quantize(_FEN).scaleb(2))
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    text = ""
    if yuan:
        text = _integer_upper(yuan) + "元"
        if cents == 0:
            return text + "整"
        if yuan % 10 == 0 or jiao == 0:
            # 元位 is 0 (10.50) or 角 is 0 (1.05): one 零 stands for the skipped zeros.
            text += "零"
    if jiao:
        text += _DIGITS[jiao] + "角"
    if fen:
        return text + _DIGITS[fen] + "分"
    return text + "整"


# -- what the form reads from a price breakdown ----------------------------------------------


class AdjustmentView(Protocol):
    """A price adjustment (discount or surcharge) as the form reads it.

    ``promotion_id`` and ``kind`` are read when present (``getattr``), not required.
    """

    @property
    def amount(self) -> Money:
        """The adjustment amount, with the sign the pricing gave it."""


class LineView(Protocol):
    """One priced line as the form reads it (structural: pricing's line type fits)."""

    @property
    def line_id(self) -> str:
        """The order line this prices."""

    @property
    def sku(self) -> str:
        """Stock keeping unit."""

    @property
    def quantity(self) -> Decimal:
        """Quantity priced."""

    @property
    def unit_price(self) -> Money:
        """Unit price applied."""

    @property
    def list_price(self) -> Money | None:
        """List price before adjustments, if known."""

    @property
    def net(self) -> Money:
        """Line amount before tax, after adjustments."""

    @property
    def tax(self) -> Money:
        """Tax of the line."""

    @property
    def gross(self) -> Money:
        """Line amount including tax."""

    @property
    def tax_rate(self) -> Decimal:
        """Tax rate as a fraction (``Decimal("0.13")`` for 13 %)."""

    @property
    def adjustments(self) -> Sequence[AdjustmentView]:
        """Adjustments applied to the line."""


class ChargeView(Protocol):
    """An order-level charge (freight, installation...) as the form reads it.

    ``name`` is read when present and not empty, ``kind`` otherwise.
    """

    @property
    def kind(self) -> str:
        """Kind of charge, e.g. ``shipping``."""

    @property
    def net(self) -> Money:
        """Charge before tax."""

    @property
    def tax(self) -> Money:
        """Tax on the charge."""

    @property
    def gross(self) -> Money:
        """Charge including tax."""


class PriceBreakdownView(Protocol):
    """What :func:`render_text` and :func:`render_html` read from a price breakdown.

    ``salesorder.pricing.PriceBreakdown`` satisfies it structurally.
    """

    @property
    def currency(self) -> str:
        """ISO 4217 currency of every amount."""

    @property
    def lines(self) -> Sequence[LineView]:
        """Priced lines, in order."""

    @property
    def charges(self) -> Sequence[ChargeView]:
        """Order-level charges."""

    @property
    def subtotal(self) -> Money:
        """Goods subtotal, as the pricing defines it."""

    @property
    def discount_total(self) -> Money:
        """Sum of discounts."""

    @property
    def charges_total(self) -> Money:
        """Sum of charges."""

    @property
    def tax_total(self) -> Money:
        """Sum of taxes."""

    @property
    def grand_total(self) -> Money:
        """Amount the customer pays."""


# -- the seller -------------------------------------------------------------------------------


@attrs.frozen
class Seller:
    """The selling company as printed on the form (销售方). Only ``name`` is in ``repr``.

    Attributes:
        name: Registered company name.
        address: Registered or business address.
        phone: Phone number.
        tax_id: Unified social credit code (统一社会信用代码).
        bank_name: Bank (开户行).
        bank_account: Account number (账号).
    """

    name: str
    address: str | None = attrs.field(default=None, repr=False)
    phone: str | None = attrs.field(default=None, repr=False)
    tax_id: str | None = attrs.field(default=None, repr=False)
    bank_name: str | None = attrs.field(default=None, repr=False)
    bank_account: str | None = attrs.field(default=None, repr=False)


# -- labels -----------------------------------------------------------------------------------

#: Every printed label: key -> (English, 中文).
#: The labels of the printed order form, in English: the msgids of the catalogs' context
#: ``order_form`` (translated by [salesorder.i18n][]; ``salesorder._messages`` extracts
#: them). ``{name}`` fields are filled after translation.
LABELS: Final[dict[str, str]] = {
    "title": "Sales Order",
    "order_number": "Order No.",
    "order_date": "Date",
    "customer_ref": "Customer PO",
    "seller": "Seller",
    "buyer": "Buyer",
    "name": "Name",
    "address": "Address",
    "phone": "Phone",
    "tax_id": "Tax ID",
    "bank": "Bank",
    "account": "Account",
    "contact": "Contact",
    "ship_to": "Ship to",
    "recipient": "Recipient",
    "invoice": "Invoice",
    "invoice_kind": "Invoice type",
    "invoice_title": "Invoice title",
    "registered_address": "Registered address",
    "registered_phone": "Registered phone",
    "lines": "Items",
    "col_no": "No.",
    "col_sku": "SKU",
    "col_name": "Item",
    "col_spec": "Spec.",
    "col_qty": "Qty",
    "col_unit": "Unit",
    "col_price": "Unit price",
    "col_discount": "Discount",
    "col_net": "Net",
    "col_rate": "Tax rate",
    "col_tax": "Tax",
    "col_amount": "Amount",
    "discounts": "Discounts",
    "line": "line",
    "charges": "Charges",
    "totals": "Totals",
    "subtotal": "Subtotal",
    "discount_total": "Discount total",
    "charges_total": "Charges total",
    "tax_total": "Tax total",
    "grand_total": "Grand total",
    "in_words": "Amount in words (RMB)",
    "payment_terms": "Payment terms",
    "payment_method": "Method",
    "due_days": "Due in {days} days after invoice",
    "due_now": "Due on delivery or prepaid",
    "prepayment": "Prepayment {percent}",
    "delivery_date": "Requested delivery date",
    "notes": "Notes",
    "seller_sign": "Seller signature / seal",
    "buyer_sign": "Customer signature / seal",
    "sign_date": "Date",
    "none": "—",
    "kind_none": "No invoice",
    "kind_general": "General invoice",
    "kind_vat_special": "VAT special invoice",
    "pm_bank_transfer": "Bank transfer",
    "pm_cash": "Cash",
    "pm_card": "Card",
    "pm_alipay": "Alipay",
    "pm_wechat_pay": "WeChat Pay",
    "pm_cheque": "Cheque",
    "pm_on_account": "On account",
    "pm_other": "Other",
}


@attrs.frozen
class _Style:
    """Resolved locale: babel locale for numbers and dates, and the label language."""

    language: i18n.Language

    @property
    def locale(self) -> str:
        return self.language.locale

    @property
    def chinese(self) -> bool:
        return self.language.is_chinese

    def label(self, key: str, **params: object) -> str:
        text = i18n.translate(LABELS[key], self.language.catalog, context="order_form")
        return text.format(**params) if params else text

    def money(self, value: Money) -> str:
        return value.format(self.locale)

    def number(self, value: Decimal) -> str:
        # Quantities keep their own precision: 1.5 kg stays 1.5, 2 pcs stays 2.
        return babel.numbers.format_decimal(
            value, locale=self.locale, decimal_quantization=False, group_separator=True
        )

    def percent(self, value: Decimal) -> str:
        return babel.numbers.format_percent(
            value, locale=self.locale, format="#,##0.##%", decimal_quantization=False
        )

    def day(self, value: date) -> str:
        return babel.dates.format_date(value, format="long", locale=self.locale)


def _checked_style(order: object, seller: object, locale: object, issued_on: object) -> _Style:
    """The style of ``locale``, once the arguments of a render are what it takes."""
    arguments.instance_of(order, Order, argument="order")
    arguments.instance_of(seller, Seller, argument="seller")
    if issued_on is not None:
        arguments.instance_of(issued_on, date, argument="issued_on")
    return _style(arguments.storable_text(locale, argument="locale"))


def _style(locale: str) -> _Style:
    # Not cached here: negotiate() is, and forgets when a host adds catalogs.
    return _Style(i18n.negotiate(locale))


def document_language(locale: str) -> tuple[str, bool]:
    """The babel locale of a printed document and whether its labels are Chinese.

    One rule for every printed document (order form, invoice, credit note) and every
    message: [salesorder.i18n.negotiate][]. ``zh_TW``/``zh_HK`` print Traditional
    Chinese labels, other ``zh*`` Simplified ones, ``en*`` English ones, a language a
    host added a catalog for its own; any other locale prints English (it used to
    raise ``document.locale.unsupported``). Numbers, money and dates follow the
    requested locale when it is of the language printed, else the language's default
    (``en_US``, ``zh_CN``, ``zh_TW``).
    """
    style = _style(locale)
    return style.locale, style.chinese


# -- the form as data ------------------------------------------------------------------------


@attrs.frozen
class _Field:
    label: str
    value: str


@attrs.frozen
class _Form:
    """Every printed string of the form, already formatted; both renderers lay it out."""

    title: str
    header: tuple[_Field, ...]
    seller_title: str
    seller: tuple[_Field, ...]
    buyer_title: str
    buyer: tuple[_Field, ...]
    invoice_title: str
    invoice: tuple[_Field, ...]
    lines_title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    discounts_title: str
    discounts: tuple[_Field, ...]
    charges_title: str
    charges: tuple[_Field, ...]
    totals_title: str
    totals: tuple[_Field, ...]
    in_words: _Field | None
    terms: tuple[_Field, ...]
    signatures: tuple[str, ...]
    sign_date: str


def _present(fields: Iterable[tuple[str, str | None]]) -> tuple[_Field, ...]:
    # Absent optional data is left off the form rather than printed as "None".
    return tuple(_Field(label, value) for label, value in fields if value)


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


def _issue_date(order: Order, issued_on: date | None) -> date:
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


def _adjustment_name(adjustment: AdjustmentView) -> str:
    promotion = getattr(adjustment, "promotion_id", None)
    kind = getattr(adjustment, "kind", None)
    return str(promotion or kind or "")


def _line_discount(line: LineView) -> Money | None:
    amounts = [adjustment.amount for adjustment in getattr(line, "adjustments", ()) or ()]
    return sum(amounts[1:], amounts[0]) if amounts else None


def _build_form(
    order: Order, breakdown: PriceBreakdownView, *, seller: Seller, style: _Style, day: date
) -> _Form:
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
            name = _adjustment_name(adjustment)
            where = f"{label('line')} {number}" + (f" · {name}" if name else "")
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
        in_words = _Field(label("in_words"), rmb_upper(grand_total))

    terms = order.payment_terms
    term_parts = [label(f"pm_{PaymentMethod(terms.method).value}")]
    if terms.prepayment_percent:
        term_parts.append(
            label("prepayment", percent=style.percent(terms.prepayment_percent / 100))
        )
    if terms.due_days:
        term_parts.append(label("due_days", days=terms.due_days))
    else:
        term_parts.append(label("due_now"))
    if terms.description:
        term_parts.append(terms.description)
    delivery = order.requested_delivery_date
    term_fields = _present(
        (
            (label("payment_terms"), ("；" if style.chinese else "; ").join(term_parts)),
            (label("delivery_date"), style.day(delivery) if delivery else None),
            (label("notes"), order.notes),
        )
    )
    return _Form(
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
    )


# -- plain text -------------------------------------------------------------------------------

#: Columns of the item table right-aligned in text (numbers and money).
_NUMERIC_COLUMNS: Final = frozenset({0, 4, 6, 7, 8, 9, 10, 11})


def _width(text: str) -> int:
    # CJK characters take two cells on a terminal or a monospaced printer.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * max(width - _width(text), 0)
    return gap + text if right else text + gap


def _text_fields(fields: Sequence[_Field]) -> list[str]:
    if not fields:
        return []
    width = max(_width(field.label) for field in fields)
    return [f"  {_pad(field.label, width, right=False)}  {field.value}" for field in fields]


def _text_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [
        max(_width(cell) for cell in column)
        for column in zip(columns, *rows, strict=True)  # one tuple per column
    ]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(
            _pad(cell, widths[index], right=index in _NUMERIC_COLUMNS)
            for index, cell in enumerate(cells)
        ).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    return [line(columns), rule, *(line(row) for row in rows)]


@in_exact_context
def render_text(
    order: Order,
    breakdown: PriceBreakdownView,
    *,
    seller: Seller,
    locale: str = "zh_CN",
    issued_on: date | None = None,
) -> str:
    """Render the sales order form as plain text (monospaced, CJK-aware column widths).

    Args:
        order: The order; its buyer, invoice, terms and notes are printed as given.
        breakdown: The order's price breakdown (``salesorder.pricing.PriceBreakdown``
            or anything matching :class:`PriceBreakdownView`).
        seller: The selling company printed in the seller block.
        locale: ``zh_CN`` (labels in Chinese) or ``en``/``en_US`` (labels in English);
            numbers, money and dates are formatted for this locale with babel.
        issued_on: Date printed on the form; defaults to the date of ``order.created_at``.

    Returns:
        The form as lines of text, ending with a newline.

    Raises:
        DocumentError: ``document.issued_on.missing`` if there is neither ``issued_on``
            nor ``order.created_at``; ``document.locale.unsupported`` for other languages;
            an ``document.rmb_upper.*`` code if a CNY grand total cannot be written in capitals.
    """
    style = _checked_style(order, seller, locale, issued_on)
    form = _build_form(
        order, breakdown, seller=seller, style=style, day=_issue_date(order, issued_on)
    )
    out = [form.title, "=" * max(_width(form.title), 40), *_text_fields(form.header), ""]
    for title, fields in (
        (form.seller_title, form.seller),
        (form.buyer_title, form.buyer),
        (form.invoice_title, form.invoice),
    ):
        out += [f"[{title}]", *_text_fields(fields), ""]
    out += [f"[{form.lines_title}]", *_text_table(form.columns, form.rows), ""]
    for title, fields in (
        (form.discounts_title, form.discounts),
        (form.charges_title, form.charges),
    ):
        if fields:
            out += [f"[{title}]", *_text_fields(fields), ""]
    totals = [*form.totals, *([form.in_words] if form.in_words else [])]
    out += [f"[{form.totals_title}]", *_text_fields(totals), ""]
    out += [*_text_fields(form.terms), ""]
    for signature in form.signatures:
        out += [f"{signature}: ____________________    {form.sign_date}: ____________"]
    return "\n".join(out) + "\n"


# -- HTML -------------------------------------------------------------------------------------

_CSS: Final = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "SimSun", "Helvetica Neue", Arial, sans-serif;
  font-size: 10pt; color: #000; margin: 0; }
h1 { text-align: center; font-size: 18pt; letter-spacing: 0.2em; margin: 0 0 4mm; }
h2 { font-size: 11pt; margin: 4mm 0 1mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.5pt solid #000; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #eee; font-weight: bold; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
.header td, .parties td { border: none; padding: 0.5mm 1.5mm; }
.parties > tbody > tr > td { width: 50%; border: 0.5pt solid #000; }
.fields th { background: none; text-align: left; white-space: nowrap; width: 1%; }
.fields th, .fields td { border: none; padding: 0.3mm 1.5mm; }
.items td.num { text-align: right; white-space: nowrap; }
.totals { width: 60%; margin-left: 40%; }
.totals td { text-align: right; }
.in-words td { font-weight: bold; }
.signatures { margin-top: 12mm; }
.signatures td { border: none; width: 50%; padding-top: 10mm; }
.line { display: inline-block; border-bottom: 0.5pt solid #000; width: 45mm; }
@media screen { body { max-width: 210mm; margin: 10mm auto; } }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_fields(fields: Sequence[_Field], *, css_class: str = "fields") -> str:
    rows = "".join(f"<tr><th>{_e(f.label)}</th><td>{_e(f.value)}</td></tr>" for f in fields)
    return f'<table class="{css_class}"><tbody>{rows}</tbody></table>'


@in_exact_context
def render_html(
    order: Order,
    breakdown: PriceBreakdownView,
    *,
    seller: Seller,
    locale: str = "zh_CN",
    issued_on: date | None = None,
) -> str:
    """Render the sales order form as one self-contained, printable HTML document.

    The page carries its own CSS (A4, 15 mm margins, bordered tables, rows never split
    across pages, CJK font fallbacks) and no external resource. Every value is escaped
    with :func:`html.escape`, so names like ``<script>`` print as text.

    Args:
        order: The order; its buyer, invoice, terms and notes are printed as given.
        breakdown: The order's price breakdown (see :class:`PriceBreakdownView`).
        seller: The selling company printed in the seller block.
        locale: ``zh_CN`` or ``en``/``en_US``; see :func:`render_text`.
        issued_on: Date printed on the form; defaults to the date of ``order.created_at``.

    Returns:
        A complete HTML5 document as a string.

    Raises:
        DocumentError: as :func:`render_text`.
    """
    style = _checked_style(order, seller, locale, issued_on)
    form = _build_form(
        order, breakdown, seller=seller, style=style, day=_issue_date(order, issued_on)
    )
    lang = style.language.catalog.replace("_", "-")
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n',
        f"<title>{_e(form.title)} {_e(order.number or '')}</title>\n",
        f"<style>{_CSS}</style>\n</head>\n<body>\n",
        f"<h1>{_e(form.title)}</h1>\n",
        _html_fields(form.header, css_class="fields header"),
        '\n<table class="parties"><tbody><tr>',
        f"<td><h2>{_e(form.seller_title)}</h2>{_html_fields(form.seller)}</td>",
        f"<td><h2>{_e(form.buyer_title)}</h2>{_html_fields(form.buyer)}</td>",
        "</tr></tbody></table>\n",
        f"<h2>{_e(form.invoice_title)}</h2>{_html_fields(form.invoice)}\n",
        f'<h2>{_e(form.lines_title)}</h2>\n<table class="items"><thead><tr>',
        "".join(f"<th>{_e(column)}</th>" for column in form.columns),
        "</tr></thead><tbody>",
    ]
    for row in form.rows:
        cells = "".join(
            f'<td class="num">{_e(cell)}</td>'
            if index in _NUMERIC_COLUMNS
            else f"<td>{_e(cell)}</td>"
            for index, cell in enumerate(row)
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>\n")
    for title, fields in (
        (form.discounts_title, form.discounts),
        (form.charges_title, form.charges),
    ):
        if fields:
            parts.append(f"<h2>{_e(title)}</h2>{_html_fields(fields)}\n")
    parts.append(f"<h2>{_e(form.totals_title)}</h2>\n")
    parts.append(_html_fields(form.totals, css_class="fields totals"))
    if form.in_words is not None:
        parts.append(_html_fields((form.in_words,), css_class="fields totals in-words"))
    parts.append("\n")
    parts.append(_html_fields(form.terms) + "\n")
    signatures = "".join(
        f'<td>{_e(signature)}: <span class="line"></span><br><br>'
        f'{_e(form.sign_date)}: <span class="line"></span></td>'
        for signature in form.signatures
    )
    parts.append(f'<table class="signatures"><tbody><tr>{signatures}</tr></tbody></table>\n')
    parts.append("</body>\n</html>\n")
    return "".join(parts)
