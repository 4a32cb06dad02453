"""The sales order form as a PDF (the ``pdf`` extra)."""

from __future__ import annotations

from datetime import date

from salesorder._documents.form import Field, Form, build_form, issue_date
from salesorder._documents.pdf import (
    PdfBlock,
    PdfFields,
    PdfParties,
    PdfSheet,
    PdfSignatures,
    PdfTable,
    PdfTitle,
    render_sheet,
)
from salesorder._documents.style import checked_style
from salesorder._documents.text import NUMERIC_COLUMNS
from salesorder._documents.views import PriceBreakdownView, Seller
from salesorder.money import in_exact_context
from salesorder.order import Order

__all__ = ["render_pdf"]

#: Item columns that may wrap: the product name and its specification. Everything
#: else (number, SKU, quantity, unit, money, rate) is printed whole.
_WRAPPING: frozenset[int] = frozenset({2, 3})


def _pairs(fields: tuple[Field, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((field.label, field.value) for field in fields)


def _sheet(form: Form) -> PdfSheet:
    blocks: list[PdfBlock] = [
        PdfTitle(form.title, main=True),
        PdfFields(_pairs(form.header)),
        PdfParties(
            (
                (form.seller_title, _pairs(form.seller)),
                (form.buyer_title, _pairs(form.buyer)),
            )
        ),
        PdfTitle(form.invoice_title),
        PdfFields(_pairs(form.invoice)),
        PdfTitle(form.lines_title),
        PdfTable(form.columns, form.rows, numeric=NUMERIC_COLUMNS, wrapping=_WRAPPING),
    ]
    if form.discounts:
        blocks += [PdfTitle(form.discounts_title), PdfFields(_pairs(form.discounts), columns=3)]
    if form.charges:
        blocks += [PdfTitle(form.charges_title), PdfFields(_pairs(form.charges))]
    totals = (*form.totals, *((form.in_words,) if form.in_words else ()))
    blocks += [PdfTitle(form.totals_title), PdfFields(_pairs(totals), align_right=True)]
    blocks += [PdfFields(_pairs(form.terms)), PdfSignatures(form.signatures, form.sign_date)]
    return PdfSheet(
        title=form.title,
        running_head=form.running_head,
        page_template=form.page_template,
        blocks=tuple(blocks),
    )


@in_exact_context
def render_pdf(
    order: Order,
    breakdown: PriceBreakdownView,
    *,
    seller: Seller,
    locale: str = "zh_CN",
    issued_on: date | None = None,
) -> bytes:
    """Render the sales order form as an A4 PDF (needs the ``pdf`` extra: reportlab).

    The same form as `render_text` and `render_html`. Chinese is set in reportlab's
    built-in CID font ``STSong-Light``, which PDF readers supply, so no font file is
    needed. Every page repeats the order number at the top, ``page / pages`` at the
    foot and the item table's header; column headers, SKUs and figures are never
    broken (only names and specifications wrap). The bytes are deterministic.

    Args:
        order: The order; its buyer, invoice, terms and notes are printed as given.
        breakdown: The order's price breakdown (see `PriceBreakdownView`).
        seller: The selling company printed in the seller block.
        locale: ``zh_CN``, ``zh_TW``, ``en``/``en_US``; see `render_text`.
        issued_on: Date printed on the form; defaults to the date of ``order.created_at``.

    Returns:
        The PDF document.

    Raises:
        DocumentError: as `render_text`, and ``document.pdf.extra_missing`` when
            reportlab is not installed.
    """
    style = checked_style(order, seller, locale, issued_on)
    form = build_form(
        order, breakdown, seller=seller, style=style, day=issue_date(order, issued_on)
    )
    return render_sheet(_sheet(form))
