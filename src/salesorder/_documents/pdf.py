"""Printed documents as PDF through reportlab (the ``pdf`` extra), laid out for A4.

Every document (sales order, invoice, credit note) is first described as a `PdfSheet`,
plain data of already formatted strings; `render_sheet` lays it out. Chinese is set in
reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1), which PDF readers supply:
no font file is needed or embedded. The layout keeps the promises of issue 17:

* column headers and codes (SKU, numbers, money) are never broken: their columns are
  as wide as their widest cell, and only names and specifications wrap (CJK-aware);
  when the fixed columns do not fit, the table's type gets smaller (down to 6 pt);
* every page carries the document's title and number at the top and ``page / pages``
  at the foot; the item table's header repeats on each page;
* the output is deterministic (reportlab's invariant mode: no creation time, no
  random document id), so the same document gives the same bytes.

reportlab is imported only when a PDF is asked for; without it the renderers raise
`DocumentError` with the code ``document.pdf.extra_missing``. A row taller than a page
is split across pages; should reportlab still fail to lay something out, the error is
``document.pdf.unprintable``, without reportlab's message (which quotes the data).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from salesorder._documents.errors import PDF_EXTRA_MISSING, PDF_UNPRINTABLE, DocumentError

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

__all__ = [
    "FONT",
    "PdfFields",
    "PdfParties",
    "PdfSheet",
    "PdfSignatures",
    "PdfTable",
    "PdfTitle",
    "render_sheet",
]

#: reportlab's built-in CID font for Simplified Chinese (with Latin glyphs).
FONT: Final = "STSong-Light"
_PAGE_MARGIN: Final = 42.5  # 15 mm, as the HTML form's @page rule
_BODY_SIZE: Final = 9.0
_TABLE_SIZES: Final = (8.0, 7.5, 7.0, 6.5, 6.0)
_PADDING: Final = 2.5
_MIN_WRAP_WIDTH: Final = 48.0


@attrs.frozen
class PdfTitle:
    """A heading: the document title (large, centred) or a section title."""

    text: str
    main: bool = False
    red: bool = False


@attrs.frozen
class PdfFields:
    """Label/value pairs, labels never wrapped; ``align_right`` for totals (half width)."""

    fields: tuple[tuple[str, str], ...]
    align_right: bool = False
    #: Pairs per row: long repetitive lists (discounts) print in several columns.
    columns: int = 1


@attrs.frozen
class PdfParties:
    """Two titled field blocks side by side (seller and buyer)."""

    blocks: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


@attrs.frozen
class PdfTable:
    """A table of strings: ``numeric`` columns right-aligned, ``wrapping`` ones may wrap."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int]
    wrapping: frozenset[int]


@attrs.frozen
class PdfSignatures:
    """Signature lines, each with a date line."""

    labels: tuple[str, ...]
    date_label: str


PdfBlock = PdfTitle | PdfFields | PdfParties | PdfTable | PdfSignatures


@attrs.frozen
class PdfSheet:
    """One document to print: its blocks, and what every page repeats."""

    title: str
    running_head: str
    page_template: str
    blocks: tuple[PdfBlock, ...]


def _reportlab() -> None:
    try:
        import reportlab  # noqa: F401, PLC0415  (the optional extra, checked on use)
    except ImportError:
        raise DocumentError(PDF_EXTRA_MISSING) from None


def render_sheet(sheet: PdfSheet) -> bytes:
    """Lay out ``sheet`` on A4 and return the PDF bytes.

    Raises:
        DocumentError: ``document.pdf.extra_missing`` when reportlab is not installed.
    """
    _reportlab()
    from reportlab.lib.pagesizes import A4  # noqa: PLC0415  (optional extra)
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: PLC0415
    from reportlab.platypus import SimpleDocTemplate  # noqa: PLC0415
    from reportlab.platypus.doctemplate import LayoutError  # noqa: PLC0415

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width = A4[0] - 2 * _PAGE_MARGIN

    def build(total: int) -> tuple[bytes, int]:
        pages = 0

        def decorate(canvas: Any, _document: Any) -> None:
            nonlocal pages
            pages += 1
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.drawRightString(A4[0] - _PAGE_MARGIN, A4[1] - 28, sheet.running_head)
            foot = sheet.page_template.format(page=pages, pages=total or "?")
            canvas.drawCentredString(A4[0] / 2, 22, foot)
            canvas.restoreState()

        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=_PAGE_MARGIN,
            rightMargin=_PAGE_MARGIN,
            topMargin=_PAGE_MARGIN,
            bottomMargin=_PAGE_MARGIN,
            title=sheet.title,
            invariant=True,
        )
        document.build(_flowables(sheet, width), onFirstPage=decorate, onLaterPages=decorate)
        return buffer.getvalue(), pages

    # The layout is deterministic: a first pass counts the pages, the second prints
    # "page / pages" with the count.
    try:
        _, total = build(0)
        data, _ = build(total)
    except LayoutError:
        # Rows split across pages (splitInRow), so this is a last resort: reportlab's
        # message would quote the flowable, that is the customer's data.
        raise DocumentError(PDF_UNPRINTABLE) from None
    return data


def _flowables(sheet: PdfSheet, width: float) -> list[Flowable]:
    from reportlab.platypus import KeepTogether, Spacer  # noqa: PLC0415  (optional extra)

    out: list[Flowable] = []
    for block in sheet.blocks:
        if isinstance(block, PdfTitle):
            if not block.main:
                out.append(Spacer(width, 4))
            out.append(_title(block))
        elif isinstance(block, PdfFields):
            if block.fields and block.align_right:
                out.append(_fields(block.fields, width / 2, align_right=True))
            elif block.fields:
                out.append(_field_columns(block, width))
        elif isinstance(block, PdfParties):
            out.append(_parties(block, width))
        elif isinstance(block, PdfTable):
            out.append(_table(block, width))
        else:
            # Signatures never stand alone on a last page: they go with what precedes.
            last = out.pop() if out else Spacer(width, 0)
            out.append(KeepTogether([last, Spacer(width, 18), _signatures(block, width)]))
    return out


def _field_columns(block: PdfFields, width: float) -> Flowable:
    from reportlab.platypus import Table, TableStyle  # noqa: PLC0415  (optional extra)

    per_row = max(block.columns, 1)
    if per_row == 1 or len(block.fields) <= per_row:
        return _fields(block.fields, width)
    column_width = width / per_row
    rows = [
        [
            _fields((pair,), column_width) if pair else ""
            for pair in (*block.fields[start : start + per_row], *((None,) * per_row))[:per_row]
        ]
        for start in range(0, len(block.fields), per_row)
    ]
    table = Table(rows, colWidths=[column_width] * per_row, hAlign="LEFT", splitInRow=1)
    table.setStyle(TableStyle([*_base_style(_BODY_SIZE), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _paragraph(
    text: str, *, size: float, align: Literal[0, 1, 2] = 0, color: str = "#000000"
) -> Flowable:
    from reportlab.lib.colors import HexColor  # noqa: PLC0415  (optional extra)
    from reportlab.lib.styles import ParagraphStyle  # noqa: PLC0415
    from reportlab.platypus import Paragraph  # noqa: PLC0415

    style = ParagraphStyle(
        "salesorder",
        fontName=FONT,
        fontSize=size,
        leading=size * 1.3,
        alignment=align,
        textColor=HexColor(color),
        wordWrap="CJK",
    )
    # Paragraph reads markup: every value is escaped, so names like <b> print as text.
    return Paragraph(html.escape(text, quote=False), style)


def _title(block: PdfTitle) -> Flowable:
    if block.main:
        color = "#b00000" if block.red else "#000000"
        return _paragraph(block.text, size=16, align=1, color=color)
    return _paragraph(block.text, size=10.5)


def _width(text: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415  (optional extra)

    return float(pdfmetrics.stringWidth(text, FONT, size))


def _base_style(size: float) -> list[tuple[Any, ...]]:
    return [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]


def _fields(
    fields: Sequence[tuple[str, str]], width: float, *, align_right: bool = False
) -> Flowable:
    from reportlab.platypus import Table, TableStyle  # noqa: PLC0415  (optional extra)

    size = _BODY_SIZE
    label_width = max(_width(label, size) for label, _ in fields) + 2 * _PADDING
    rows = [
        [label, _paragraph(value, size=size, align=2 if align_right else 0)]
        for label, value in fields
    ]
    table = Table(
        rows,
        colWidths=[label_width, max(width - label_width, 24.0)],
        hAlign="RIGHT" if align_right else "LEFT",
        splitInRow=1,
    )
    table.setStyle(TableStyle(_base_style(size)))
    return table


def _parties(block: PdfParties, width: float) -> Flowable:
    from reportlab.platypus import Table, TableStyle  # noqa: PLC0415  (optional extra)

    half = width / max(len(block.blocks), 1)
    cells: list[list[Flowable]] = []
    for title, fields in block.blocks:
        inner: list[Flowable] = [_paragraph(title, size=10.5)]
        if fields:
            inner.append(_fields(fields, half - 2 * _PADDING))
        cells.append(inner)
    table = Table([cells], colWidths=[half] * len(cells), splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, "#000000"),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, "#000000"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _column_widths(block: PdfTable, width: float, size: float) -> list[float] | None:
    """Widths at ``size`` that keep every fixed column whole, or None if they do not fit."""
    natural = [
        max(_width(cell, size) for cell in column) + 2 * _PADDING + 0.5
        for column in zip(block.columns, *block.rows, strict=True)
    ]
    # A wrapping column never narrower than its header: headers are never broken.
    headers = [_width(cell, size) + 2 * _PADDING + 0.5 for cell in block.columns]
    fixed = sum(w for index, w in enumerate(natural) if index not in block.wrapping)
    wrapping = [index for index in range(len(natural)) if index in block.wrapping]
    floor = [max(headers[index], _MIN_WRAP_WIDTH) for index in wrapping]
    left = width - fixed
    if left < sum(floor):
        return None
    wanted = sum(natural[index] for index in wrapping)
    widths = list(natural)
    if wanted <= left:
        # Everything fits on one line: give the spare width to the wrapping columns.
        spare = (left - wanted) / max(len(wrapping), 1)
        for index in wrapping:
            widths[index] = natural[index] + spare
        return widths
    # Share what is left in proportion to the wanted widths, above each column's floor.
    extra = left - sum(floor)
    above = [natural[index] - low for index, low in zip(wrapping, floor, strict=True)]
    total_above = sum(above) or 1.0
    for index, low, more in zip(wrapping, floor, above, strict=True):
        widths[index] = low + extra * more / total_above
    return widths


def _table(block: PdfTable, width: float) -> Flowable:
    from reportlab.platypus import Table, TableStyle  # noqa: PLC0415  (optional extra)

    widths: list[float] | None = None
    size = _TABLE_SIZES[-1]
    for size in _TABLE_SIZES:
        widths = _column_widths(block, width, size)
        if widths is not None:
            break
    if widths is None:
        # Not even the smallest type fits: keep the codes whole and let the page
        # margin take the overflow rather than break a SKU.
        widths = [
            max(_width(cell, size) for cell in column) + 2 * _PADDING
            for column in zip(block.columns, *block.rows, strict=True)
        ]
    cell: Callable[[int, str], object] = lambda index, text: (  # noqa: E731
        _paragraph(text, size=size) if index in block.wrapping else text
    )
    rows: list[list[object]] = [list(block.columns)]
    rows += [[cell(index, text) for index, text in enumerate(row)] for row in block.rows]
    # splitInRow: a row taller than a page (a name of thousands of characters) is split
    # across pages instead of failing the layout.
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    style = _base_style(size)
    style += [
        ("GRID", (0, 0), (-1, -1), 0.5, "#000000"),
        ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
    ]
    style += [("ALIGN", (index, 1), (index, -1), "RIGHT") for index in sorted(block.numeric)]
    table.setStyle(TableStyle(style))
    return table


def _signatures(block: PdfSignatures, width: float) -> Flowable:
    from reportlab.platypus import Table, TableStyle  # noqa: PLC0415  (optional extra)

    rule = "_" * 18
    cells = [f"{label}: {rule}\n\n{block.date_label}: {rule}" for label in block.labels]
    table = Table([cells], colWidths=[width / max(len(cells), 1)] * len(cells))
    table.setStyle(TableStyle(_base_style(_BODY_SIZE)))
    return table
