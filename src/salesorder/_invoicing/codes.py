"""Error codes of invoice documents, credit notes and receivables (one place).

Messages carry numbers, ids, codes and amounts, never customer personal data.
"""

from __future__ import annotations

from typing import Final

from salesorder.errors import define_code

__all__ = [
    "CREDIT_AMOUNT_INVALID",
    "CREDIT_EMPTY",
    "CREDIT_EXCEEDS",
    "CREDIT_LINE_UNKNOWN",
    "CREDIT_QUANTITY_NOT_POSITIVE",
    "INVOICE_EMPTY",
    "INVOICE_NOT_ISSUED_HERE",
    "INVOICE_NOT_PRICED",
    "INVOICE_NUMBER_TAKEN",
    "INVOICE_UNKNOWN",
    "KEY_USED_ELSEWHERE",
    "NUMBERING_MISSING",
]

INVOICE_EMPTY: Final = define_code(
    "invoicing.invoice.nothing_to_bill",
    en="There is nothing to bill: no quantity given or left to invoice.",
    zh="没有可开票的内容:未指定数量,或已无可开票数量。",
)
INVOICE_NOT_PRICED: Final = define_code(
    "invoicing.invoice.line_not_priced",
    en="Line {line_id} has no price in the order's price breakdown.",
    zh="订单行 {line_id} 在订单价格明细中没有价格。",
)
INVOICE_NUMBER_TAKEN: Final = define_code(
    "invoicing.number_taken",
    en="Document number {number} is already used on this order.",
    zh="单据号 {number} 已在本订单中使用。",
)
INVOICE_UNKNOWN: Final = define_code(
    "invoicing.invoice.unknown",
    en="Invoice {number} is not an invoice document of this order.",
    zh="发票 {number} 不是本订单的发票。",
)
INVOICE_NOT_ISSUED_HERE: Final = define_code(
    "invoicing.invoice.not_a_document",
    en="Invoice {number} was recorded as an amount only and has no lines to credit.",
    zh="发票 {number} 仅记录了金额,没有可冲红的明细行。",
)
CREDIT_EXCEEDS: Final = define_code(
    "invoicing.credit.exceeds_invoice",
    en="Line {line_id}: crediting {quantity} exceeds the {remaining} left on invoice {number}.",
    zh="行 {line_id}:冲红数量 {quantity} 超过发票 {number} 剩余可冲红数量 {remaining}。",
)
CREDIT_LINE_UNKNOWN: Final = define_code(
    "invoicing.credit.line_unknown",
    en="Invoice {number} has no line {line_id}.",
    zh="发票 {number} 没有行 {line_id}。",
)
CREDIT_QUANTITY_NOT_POSITIVE: Final = define_code(
    "invoicing.credit.quantity_not_positive",
    en="Line {line_id}: the quantity to credit must be positive, not {quantity}.",
    zh="行 {line_id}:冲红数量必须为正数,而不是 {quantity}。",
)
CREDIT_AMOUNT_INVALID: Final = define_code(
    "invoicing.credit.amount_invalid",
    en=(
        "A price reduction on invoice {number} must be one positive amount of the invoice's"
        " currency, in its minor unit, at most what the invoice still carries, without"
        " quantities."
    ),
    zh=(
        "发票 {number} 的折让须为发票币种的单一正数金额,精确到最小货币单位,"
        "不超过发票剩余金额,且不指定数量。"
    ),
)
CREDIT_EMPTY: Final = define_code(
    "invoicing.credit.nothing_to_credit",
    en="There is nothing to credit on invoice {number}.",
    zh="发票 {number} 没有可冲红的内容。",
)
KEY_USED_ELSEWHERE: Final = define_code(
    "invoicing.idempotency_key_reused",
    en="This idempotency key was first used for another billing document, not an {document}.",
    zh="该幂等键已用于其他开票单据,而非{document}。",
)
NUMBERING_MISSING: Final = define_code(
    "invoicing.numbering_missing",
    en="The service has no invoice numbering: pass invoice_numbering when building it.",
    zh="服务未配置发票编号:创建服务时请传入 invoice_numbering。",
)
