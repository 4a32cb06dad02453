"""Labels and the locale rule of every printed document.

The rule is [salesorder.i18n.negotiate][], the one messages follow; the labels are
English msgids translated through the catalogs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

import attrs
import babel.dates
import babel.numbers

from salesorder import _arguments as arguments
from salesorder import i18n
from salesorder._documents.views import Seller
from salesorder.money import Money
from salesorder.order import Order

__all__ = ["LABELS", "Style", "checked_style", "document_language", "style_for"]

# -- labels -----------------------------------------------------------------------------------

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
    "manual_discount": "Agreed discount",
    "promotion": "Promotion",
    "coupon": "coupon",
    "page": "Page {page} / {pages}",
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
    "month_end": "Month-end settlement, due {days} days after month end",
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
class Style:
    """Resolved locale: babel locale for numbers and dates, and the label language."""

    language: i18n.Language

    @property
    def locale(self) -> str:
        """The babel locale numbers, money and dates are formatted with."""
        return self.language.locale

    @property
    def chinese(self) -> bool:
        """Whether the labels are Chinese (either script)."""
        return self.language.is_chinese

    @property
    def html_lang(self) -> str:
        """The ``lang`` attribute of an HTML document (``zh-Hant``, ``en``)."""
        return self.language.catalog.replace("_", "-")

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


def checked_style(order: object, seller: object, locale: object, issued_on: object) -> Style:
    """The style of ``locale``, once the arguments of a render are what it takes."""
    arguments.instance_of(order, Order, argument="order")
    arguments.instance_of(seller, Seller, argument="seller")
    if issued_on is not None:
        arguments.instance_of(issued_on, date, argument="issued_on")
    return style_for(arguments.storable_text(locale, argument="locale"))


def style_for(locale: str) -> Style:
    """The style of a requested locale, by the rule of [salesorder.i18n.negotiate][]."""
    # Not cached here: negotiate() is, and forgets when a host adds catalogs.
    return Style(i18n.negotiate(locale))


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
    style = style_for(locale)
    return style.locale, style.chinese
