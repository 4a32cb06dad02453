"""The printed sales order (打单, R18): plain text, printable HTML, PDF and 人民币大写.

:func:`rmb_upper` writes a CNY amount in Chinese financial capitals following the
People's Bank of China rules (《支付结算办法》附件《正确填写票据和结算凭证的基本规定》);
:func:`render_text`, :func:`render_html` and :func:`render_pdf` lay out a sales order
form (销售订单) in Simplified or Traditional Chinese or English (labels from the message
catalogs, the locale negotiated by ``salesorder.i18n.negotiate``), ready for signature.

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

from salesorder._documents.capitals import RMB_UPPER_LIMIT, rmb_upper
from salesorder._documents.errors import DocumentError
from salesorder._documents.html import render_html
from salesorder._documents.order_pdf import render_pdf
from salesorder._documents.style import document_language
from salesorder._documents.text import render_text
from salesorder._documents.views import (
    AdjustmentView,
    ChargeView,
    LineView,
    PriceBreakdownView,
    Seller,
)

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
    "render_pdf",
    "render_text",
    "rmb_upper",
]
