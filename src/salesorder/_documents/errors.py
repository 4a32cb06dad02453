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
    zh="负数金额不能写成人民币大写。",
)
RMB_UPPER_TOO_PRECISE: Final = define_code(
    "document.rmb_upper.too_precise",
    en="Cannot write an amount finer than one fen (0.01) in Chinese capitals.",
    zh="人民币大写金额最小到分(0.01),该金额精度过高。",
)
RMB_UPPER_OUT_OF_RANGE: Final = define_code(
    "document.rmb_upper.out_of_range",
    en="Amounts in Chinese capitals must be below {limit}.",
    zh="人民币大写金额必须小于 {limit}。",
)
RMB_UPPER_NOT_CNY: Final = define_code(
    "document.rmb_upper.not_cny",
    en="Chinese capitals are written for CNY amounts only, not {currency}.",
    zh="人民币大写只适用于人民币(CNY)金额,不适用于 {currency}。",
)
ISSUE_DATE_MISSING: Final = define_code(
    "document.issued_on.missing",
    en="The order has no creation date; pass issued_on to date the document.",
    zh="订单没有创建日期;请通过 issued_on 指定单据日期。",
)
LOCALE_UNSUPPORTED: Final = define_code(
    "document.locale.unsupported",
    en="Documents are printed in Chinese (zh_CN) or English (en), not {locale}.",
    zh="单据只支持中文(zh_CN)或英文(en),不支持 {locale}。",
)


PDF_EXTRA_MISSING: Final = define_code(
    "document.pdf.extra_missing",
    en="PDF output needs reportlab: install salesorder[pdf].",
    zh="生成 PDF 需要 reportlab：请安装 salesorder[pdf]。",
)

PDF_UNPRINTABLE: Final = define_code(
    "document.pdf.unprintable",
    en="The document cannot be laid out on A4 pages.",
    zh="该单据无法排版到 A4 页面上。",
)


class DocumentError(SalesOrderError, ValueError):
    """A document (or the amount in capitals on it) cannot be produced from these values.

    The code says why: ``document.rmb_upper.negative``, ``.too_precise``,
    ``.out_of_range``, ``.not_cny``, ``document.issued_on.missing``,
    ``document.locale.unsupported``, ``document.pdf.extra_missing``,
    ``document.pdf.unprintable``. Parameters never hold personal data.
    """

    default_code = RMB_UPPER_OUT_OF_RANGE
