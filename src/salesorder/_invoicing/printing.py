"""Printed invoices and credit notes (发票 / 红字发票), as text or as one HTML page, bilingual.

The three renderers (text, HTML, PDF) lay out the same strings (`_Sheet`); a credit note prints its
quantities and amounts negative, as a red-letter invoice does, and its total in
Chinese capitals with ``负`` in front. Personal data (the buyer's invoice details)
appears on the document only, never in a ``repr`` or an error.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

import attrs
import babel.dates
import babel.numbers

from salesorder import i18n
from salesorder._documents.pdf import (
    PdfBlock,
    PdfFields,
    PdfParties,
    PdfSheet,
    PdfTable,
    PdfTitle,
    render_sheet,
)
from salesorder._documents.text import display_width, pad
from salesorder.documents import Seller, document_language, rmb_upper
from salesorder.money import Money, in_exact_context
from salesorder.records import CreditNote, InvoiceDocument, InvoiceLine

__all__ = ["render_document_html", "render_document_pdf", "render_document_text"]

#: The labels of printed invoices and credit notes, in English: the msgids of the catalogs'
#: context ``invoice_form`` (translated by ``salesorder.i18n``; ``salesorder._messages``
#: extracts them).
LABELS: Final[dict[str, str]] = {
    "general": "Invoice",
    "vat_special": "VAT Special Invoice",
    "credit_general": "Credit Note",
    "credit_vat_special": "VAT Credit Note",
    "number": "Invoice No.",
    "credit_number": "Credit Note No.",
    "original": "Original invoice",
    "reason": "Reason",
    "issued": "Date",
    "due": "Due date",
    "order": "Order No.",
    "seller": "Seller",
    "buyer": "Buyer",
    "name": "Name",
    "tax_id": "Tax ID",
    "address_phone": "Address, phone",
    "bank": "Bank, account",
    "lines": "Lines",
    "col_item": "Item",
    "col_spec": "Specification",
    "col_unit": "Unit",
    "col_quantity": "Qty",
    "col_price": "Unit price",
    "col_net": "Amount",
    "col_rate": "Tax rate",
    "col_tax": "Tax",
    "by_rate": "Per tax rate",
    "totals": "Totals",
    "net": "Amount",
    "tax": "Tax",
    "gross": "Total (tax included)",
    "in_words": "Total in words (RMB)",
    "page": "Page {page} / {pages}",
}
_NUMERIC: Final = frozenset({3, 4, 5, 6, 7})
_CSS: Final = """
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "SimSun", Arial, sans-serif; font-size: 10pt; margin: 0; }
h1 { text-align: center; font-size: 18pt; letter-spacing: 0.2em; }
h1.credit { color: #b00; }
h2 { font-size: 11pt; margin: 4mm 0 1mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.5pt solid #000; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #eee; }
tr { break-inside: avoid; }
.fields th { background: none; text-align: left; white-space: nowrap; width: 1%; }
.fields th, .fields td { border: none; padding: 0.3mm 1.5mm; }
td.num { text-align: right; white-space: nowrap; }
@media screen { body { max-width: 210mm; margin: 10mm auto; } }
"""


@attrs.frozen
class _Style:
    language: i18n.Language

    @property
    def locale(self) -> str:
        return self.language.locale

    @property
    def chinese(self) -> bool:
        return self.language.is_chinese

    def label(self, key: str) -> str:
        return i18n.translate(LABELS[key], self.language.catalog, context="invoice_form")

    def money(self, value: Money) -> str:
        return value.format(self.locale)

    def number(self, value: Decimal) -> str:
        return babel.numbers.format_decimal(
            value, locale=self.locale, decimal_quantization=False, group_separator=True
        )

    def percent(self, value: Decimal) -> str:
        return babel.numbers.format_percent(
            value, locale=self.locale, format="#,##0.##%", decimal_quantization=False
        )


def _style(locale: str) -> _Style:
    document_language(locale)  # the argument checks every document shares
    return _Style(i18n.negotiate(locale))


@attrs.frozen
class _Sheet:
    """Every printed string of one document, already formatted."""

    title: str
    credit: bool
    header: tuple[tuple[str, str], ...]
    parties: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    lines_title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    by_rate_title: str
    by_rate: tuple[tuple[str, str], ...]
    totals_title: str
    totals: tuple[tuple[str, str], ...]


def _present(pairs: Sequence[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def _joined(*parts: str | None) -> str | None:
    text = " ".join(part for part in parts if part)
    return text or None


def _sheet(document: InvoiceDocument | CreditNote, seller: Seller, style: _Style) -> _Sheet:
    credit = isinstance(document, CreditNote)
    sign = -1 if credit else 1
    label = style.label
    day = babel.dates.format_date(document.issued_at.date(), format="long", locale=style.locale)
    header: list[tuple[str, str | None]] = [
        (label("credit_number" if credit else "number"), document.number),
        (label("issued"), day),
    ]
    if isinstance(document, CreditNote):
        header += [(label("original"), document.invoice_number), (label("reason"), document.reason)]
    else:
        due = babel.dates.format_date(document.due_on, format="long", locale=style.locale)
        header += [(label("order"), document.order_number), (label("due"), due)]
    seller_fields = _present(
        [
            (label("name"), seller.name),
            (label("tax_id"), seller.tax_id),
            (label("address_phone"), _joined(seller.address, seller.phone)),
            (label("bank"), _joined(seller.bank_name, seller.bank_account)),
        ]
    )
    parties: list[tuple[str, tuple[tuple[str, str], ...]]] = [(label("seller"), seller_fields)]
    if isinstance(document, InvoiceDocument):
        buyer = document.buyer
        parties.append(
            (
                label("buyer"),
                _present(
                    [
                        (label("name"), buyer.title),
                        (label("tax_id"), buyer.tax_id),
                        (
                            label("address_phone"),
                            _joined(buyer.registered_address, buyer.registered_phone),
                        ),
                        (label("bank"), _joined(buyer.bank_name, buyer.bank_account)),
                    ]
                ),
            )
        )

    def row(line: InvoiceLine) -> tuple[str, ...]:
        return (
            line.name,
            line.specification or "",
            line.unit,
            style.number(line.quantity * sign) if line.quantity else "",
            style.money(line.unit_price),
            style.money(line.net * sign),
            style.percent(line.tax_rate),
            style.money(line.tax * sign),
        )

    gross = document.gross_total * sign
    totals: list[tuple[str, str | None]] = [
        (label("net"), style.money(document.net_total * sign)),
        (label("tax"), style.money(document.tax_total * sign)),
        (label("gross"), style.money(gross)),
    ]
    if document.currency == "CNY":
        totals.append((label("in_words"), rmb_upper(gross, allow_negative=True)))
    kind = f"credit_{document.kind}" if credit else document.kind
    return _Sheet(
        title=label(kind if kind in LABELS else ("credit_general" if credit else "general")),
        credit=credit,
        header=_present(header),
        parties=tuple(parties),
        lines_title=label("lines"),
        columns=tuple(
            label(key)
            for key in (
                "col_item",
                "col_spec",
                "col_unit",
                "col_quantity",
                "col_price",
                "col_net",
                "col_rate",
                "col_tax",
            )
        ),
        rows=tuple(row(line) for line in document.lines),
        by_rate_title=label("by_rate"),
        by_rate=tuple(
            (
                # A tax of a tax group is named by its code beside its rate.
                style.percent(rate.rate)
                if rate.code is None
                else f"{rate.code} {style.percent(rate.rate)}",
                (
                    f"{label('net')} {style.money(rate.net * sign)}  "
                    f"{label('tax')} {style.money(rate.tax * sign)}"
                ),
            )
            for rate in document.tax_by_rate
        ),
        totals_title=label("totals"),
        totals=_present(totals),
    )


def _fields(fields: Sequence[tuple[str, str]]) -> list[str]:
    if not fields:
        return []
    width = max(display_width(name) for name, _ in fields)
    return [f"  {pad(name, width, right=False)}  {value}" for name, value in fields]


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [
        max(display_width(cell) for cell in column) for column in zip(columns, *rows, strict=True)
    ]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(
            pad(cell, widths[index], right=index in _NUMERIC) for index, cell in enumerate(cells)
        ).rstrip()

    return [line(columns), "-+-".join("-" * width for width in widths), *map(line, rows)]


@in_exact_context
def render_document_text(
    document: InvoiceDocument | CreditNote, *, seller: Seller, locale: str = "zh_CN"
) -> str:
    """Render an invoice or a credit note as plain text (monospaced, CJK-aware widths).

    Args:
        document: The invoice document or credit note.
        seller: The selling company printed in the seller block.
        locale: Negotiated like every document (``salesorder.i18n.negotiate``):
            ``zh_CN`` Simplified Chinese labels, ``zh_TW``/``zh_HK`` Traditional ones,
            ``en``/``en_US`` and any other locale English.
    """
    sheet = _sheet(document, seller, _style(locale))
    out = [sheet.title, "=" * max(display_width(sheet.title), 40), *_fields(sheet.header), ""]
    for title, fields in sheet.parties:
        if fields:
            out += [f"[{title}]", *_fields(fields), ""]
    out += [f"[{sheet.lines_title}]", *_table(sheet.columns, sheet.rows), ""]
    out += [f"[{sheet.by_rate_title}]", *_fields(sheet.by_rate), ""]
    out += [f"[{sheet.totals_title}]", *_fields(sheet.totals)]
    return "\n".join(out) + "\n"


def _html_fields(fields: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>"
        for name, value in fields
    )
    return f'<table class="fields"><tbody>{rows}</tbody></table>'


@in_exact_context
def render_document_html(
    document: InvoiceDocument | CreditNote, *, seller: Seller, locale: str = "zh_CN"
) -> str:
    """Render an invoice or a credit note as one self-contained, printable HTML page.

    Every value is escaped; the page has its own CSS (A4) and no external resource.

    Args:
        document: The invoice document or credit note.
        seller: The selling company printed in the seller block.
        locale: ``zh_CN``, ``zh_TW``, ``en``/``en_US``; see `render_document_text`.
    """
    style = _style(locale)
    sheet = _sheet(document, seller, style)
    e = html.escape
    lang = style.language.catalog.replace("_", "-")
    heading = ' class="credit"' if sheet.credit else ""
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n',
        f"<title>{e(sheet.title)} {e(document.number)}</title>\n",
        f"<style>{_CSS}</style>\n</head>\n<body>\n",
        f"<h1{heading}>{e(sheet.title)}</h1>\n",
        _html_fields(sheet.header),
        "\n",
    ]
    for title, fields in sheet.parties:
        if fields:
            parts.append(f"<h2>{e(title)}</h2>{_html_fields(fields)}\n")
    parts.append(f"<h2>{e(sheet.lines_title)}</h2>\n<table><thead><tr>")
    parts.append("".join(f"<th>{e(column)}</th>" for column in sheet.columns))
    parts.append("</tr></thead><tbody>")
    for row in sheet.rows:
        cells = "".join(
            f'<td class="num">{e(cell)}</td>' if index in _NUMERIC else f"<td>{e(cell)}</td>"
            for index, cell in enumerate(row)
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>\n")
    parts.append(f"<h2>{e(sheet.by_rate_title)}</h2>{_html_fields(sheet.by_rate)}\n")
    parts.append(f"<h2>{e(sheet.totals_title)}</h2>{_html_fields(sheet.totals)}\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)


#: Invoice columns that may wrap in the PDF: the item name and its specification.
_WRAPPING: Final = frozenset({0, 1})


@in_exact_context
def render_document_pdf(
    document: InvoiceDocument | CreditNote, *, seller: Seller, locale: str = "zh_CN"
) -> bytes:
    """Render an invoice or a credit note as an A4 PDF (needs the ``pdf`` extra: reportlab).

    The same sheet as `render_document_text`, laid out like the sales order's PDF:
    reportlab's built-in CID font for Chinese (no font file), the document's number at
    the top and ``page / pages`` at the foot of every page, headers and figures never
    broken. A credit note's title is printed in red.

    Args:
        document: The invoice document or credit note.
        seller: The selling company printed in the seller block.
        locale: ``zh_CN``, ``zh_TW``, ``en``/``en_US``; see `render_document_text`.

    Returns:
        The PDF document (deterministic bytes).

    Raises:
        DocumentError: ``document.pdf.extra_missing`` when reportlab is not installed.
    """
    style = _style(locale)
    sheet = _sheet(document, seller, style)
    blocks: list[PdfBlock] = [
        PdfTitle(sheet.title, main=True, red=sheet.credit),
        PdfFields(sheet.header),
        PdfParties(sheet.parties),
        PdfTitle(sheet.lines_title),
        PdfTable(sheet.columns, sheet.rows, numeric=_NUMERIC, wrapping=_WRAPPING),
        PdfTitle(sheet.by_rate_title),
        PdfFields(sheet.by_rate),
        PdfTitle(sheet.totals_title),
        PdfFields(sheet.totals, align_right=True),
    ]
    return render_sheet(
        PdfSheet(
            title=sheet.title,
            running_head=f"{sheet.title}  {document.number}",
            page_template=style.label("page"),
            blocks=tuple(blocks),
        )
    )
