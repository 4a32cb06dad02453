"""The sales order form as monospaced plain text (CJK-aware column widths)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Final

from salesorder._documents.form import Field, build_form, issue_date
from salesorder._documents.style import checked_style
from salesorder._documents.views import PriceBreakdownView, Seller
from salesorder.money import in_exact_context
from salesorder.order import Order

__all__ = ["NUMERIC_COLUMNS", "display_width", "pad", "render_text", "text_fields", "text_table"]

# -- plain text -------------------------------------------------------------------------------

#: Columns of the item table right-aligned in text (numbers and money).
NUMERIC_COLUMNS: Final = frozenset({0, 4, 6, 7, 8, 9, 10, 11})


def display_width(text: str) -> int:
    # CJK characters take two cells on a terminal or a monospaced printer.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


def text_fields(fields: Sequence[Field]) -> list[str]:
    if not fields:
        return []
    width = max(display_width(field.label) for field in fields)
    return [f"  {pad(field.label, width, right=False)}  {field.value}" for field in fields]


def text_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [
        max(display_width(cell) for cell in column)
        for column in zip(columns, *rows, strict=True)  # one tuple per column
    ]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(
            pad(cell, widths[index], right=index in NUMERIC_COLUMNS)
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
        locale: Negotiated by `document_language` (``salesorder.i18n.negotiate``):
            ``zh_CN`` prints Simplified Chinese labels, ``zh_TW``/``zh_HK`` Traditional
            ones, ``en``/``en_US`` English ones, any other locale English; numbers,
            money and dates are formatted for this locale with babel.
        issued_on: Date printed on the form; defaults to the date of ``order.created_at``.

    Returns:
        The form as lines of text, ending with a newline.

    Raises:
        DocumentError: ``document.issued_on.missing`` if there is neither ``issued_on``
            nor ``order.created_at``; an ``document.rmb_upper.*`` code if a CNY grand
            total cannot be written in capitals.
    """
    style = checked_style(order, seller, locale, issued_on)
    form = build_form(
        order, breakdown, seller=seller, style=style, day=issue_date(order, issued_on)
    )
    out = [form.title, "=" * max(display_width(form.title), 40), *text_fields(form.header), ""]
    for title, fields in (
        (form.seller_title, form.seller),
        (form.buyer_title, form.buyer),
        (form.invoice_title, form.invoice),
    ):
        out += [f"[{title}]", *text_fields(fields), ""]
    out += [f"[{form.lines_title}]", *text_table(form.columns, form.rows), ""]
    for title, fields in (
        (form.discounts_title, form.discounts),
        (form.charges_title, form.charges),
    ):
        if fields:
            out += [f"[{title}]", *text_fields(fields), ""]
    totals = [*form.totals, *([form.in_words] if form.in_words else [])]
    out += [f"[{form.totals_title}]", *text_fields(totals), ""]
    out += [*text_fields(form.terms), ""]
    for signature in form.signatures:
        out += [f"{signature}: ____________________    {form.sign_date}: ____________"]
    return "\n".join(out) + "\n"
