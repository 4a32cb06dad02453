"""The codes of printed documents and the error that carries them."""

from __future__ import annotations

from typing import Final

from salesorder.errors import SalesOrderError, define_code

__all__ = [
    "ISSUE_DATE_MISSING",
    "LOCALE_UNSUPPORTED",
    "PDF_EXTRA_MISSING",
    "PDF_UNPRINTABLE",
    "RMB_UPPER_NEGATIVE",
    "RMB_UPPER_NOT_CNY",
    "RMB_UPPER_OUT_OF_RANGE",
    "RMB_UPPER_TOO_PRECISE",
    "DocumentError",
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


PDF_EXTRA_MISSING: Final = define_code(
    "document.pdf.extra_missing",
    en="PDF output needs reportlab: install salesorder[pdf].",
)

PDF_UNPRINTABLE: Final = define_code(
    "document.pdf.unprintable",
    en="The document cannot be laid out on A4 pages.",
)


class DocumentError(SalesOrderError, ValueError):
    """A document (or the amount in capitals on it) cannot be produced from these values.

    The code says why: ``document.rmb_upper.negative``, ``.too_precise``,
    ``.out_of_range``, ``.not_cny``, ``document.issued_on.missing``,
    ``document.pdf.extra_missing``, ``document.pdf.unprintable``
    (``document.locale.unsupported`` is no longer raised). Parameters never hold personal data.
    """

    default_code = RMB_UPPER_OUT_OF_RANGE
