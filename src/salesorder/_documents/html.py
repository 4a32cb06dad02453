"""The sales order form as one self-contained, printable HTML page."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from typing import Final

from salesorder._documents.form import Field, build_form, issue_date
from salesorder._documents.style import checked_style
from salesorder._documents.text import NUMERIC_COLUMNS
from salesorder._documents.views import PriceBreakdownView, Seller
from salesorder.money import in_exact_context
from salesorder.order import Order

__all__ = ["css_string", "render_html"]

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
th { background: #eee; font-weight: bold; white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
.header td, .parties td { border: none; padding: 0.5mm 1.5mm; }
.parties > tbody > tr > td { width: 50%; border: 0.5pt solid #000; }
.fields th { background: none; text-align: left; white-space: nowrap; width: 1%; }
.fields th, .fields td { border: none; padding: 0.3mm 1.5mm; }
.items { font-size: 8.5pt; }
.items th, .items td { padding: 0.8mm 1mm; }
.items td.num, .items td.code { white-space: nowrap; }
.items td.num { text-align: right; }
.totals { width: 60%; margin-left: 40%; }
.totals td { text-align: right; }
.in-words td { font-weight: bold; }
.signatures { margin-top: 12mm; }
.signatures td { border: none; width: 50%; padding-top: 10mm; }
.line { display: inline-block; border-bottom: 0.5pt solid #000; width: 45mm; }
@media screen { body { max-width: 210mm; margin: 10mm auto; } }
"""


#: Columns of the item table never broken inside: the SKU is a code, read as one word.
_CODE_COLUMNS: Final = frozenset({1})


def css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string that no value can close or break out of.

    ASCII marks other than a few safe ones, and every control or unprintable character,
    become hex escapes ending in the space that terminates them (the space is part of
    the escape), so ``"``, ``\``, ``<`` and line breaks never reach the style sheet as such.
    """
    safe = " -_./:"
    out = []
    for ch in text:
        printable = ch.isprintable()
        if (ch.isascii() and (ch.isalnum() or ch in safe)) or (not ch.isascii() and printable):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


def _page_css(running_head: str, page_template: str) -> str:
    """Margin boxes: the order number atop and ``page / pages`` at the foot of each page.

    CSS Paged Media: printed by the browsers and HTML-to-PDF tools that support it.
    """
    before, _, rest = page_template.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    counter = " ".join(
        (
            css_string(before),
            "counter(page)",
            css_string(middle),
            "counter(pages)",
            css_string(after),
        )
    )
    return (
        "@page {\n"
        f"  @top-right {{ content: {css_string(running_head)}; font-size: 8pt; }}\n"
        f"  @bottom-center {{ content: {counter}; font-size: 8pt; }}\n"
        "}\n"
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_fields(fields: Sequence[Field], *, css_class: str = "fields") -> str:
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
    style = checked_style(order, seller, locale, issued_on)
    form = build_form(
        order, breakdown, seller=seller, style=style, day=issue_date(order, issued_on)
    )
    lang = style.html_lang
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n',
        f"<title>{_e(form.title)} {_e(order.number or '')}</title>\n",
        f"<style>{_CSS}{_page_css(form.running_head, form.page_template)}</style>\n",
        "</head>\n<body>\n",
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
            if index in NUMERIC_COLUMNS
            else f'<td class="code">{_e(cell)}</td>'
            if index in _CODE_COLUMNS
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
