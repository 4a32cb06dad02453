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
)
INVOICE_NOT_PRICED: Final = define_code(
    "invoicing.invoice.line_not_priced",
    en="Line {line_id} has no price in the order's price breakdown.",
)
INVOICE_NUMBER_TAKEN: Final = define_code(
    "invoicing.number_taken",
    en="Document number {number} is already used on this order.",
)
INVOICE_UNKNOWN: Final = define_code(
    "invoicing.invoice.unknown",
    en="Invoice {number} is not an invoice document of this order.",
)
INVOICE_NOT_ISSUED_HERE: Final = define_code(
    "invoicing.invoice.not_a_document",
    en="Invoice {number} was recorded as an amount only and has no lines to credit.",
)
CREDIT_EXCEEDS: Final = define_code(
    "invoicing.credit.exceeds_invoice",
    en="Line {line_id}: crediting {quantity} exceeds the {remaining} left on invoice {number}.",
)
CREDIT_LINE_UNKNOWN: Final = define_code(
    "invoicing.credit.line_unknown",
    en="Invoice {number} has no line {line_id}.",
)
CREDIT_QUANTITY_NOT_POSITIVE: Final = define_code(
    "invoicing.credit.quantity_not_positive",
    en="Line {line_id}: the quantity to credit must be positive, not {quantity}.",
)
CREDIT_AMOUNT_INVALID: Final = define_code(
    "invoicing.credit.amount_invalid",
    en=(
        "A price reduction on invoice {number} must be one positive amount of the invoice's"
        " currency, in its minor unit, at most what the invoice still carries, without"
        " quantities."
    ),
)
CREDIT_EMPTY: Final = define_code(
    "invoicing.credit.nothing_to_credit",
    en="There is nothing to credit on invoice {number}.",
)
KEY_USED_ELSEWHERE: Final = define_code(
    "invoicing.idempotency_key_reused",
    en="This idempotency key was first used for another billing document, not an {document}.",
)
NUMBERING_MISSING: Final = define_code(
    "invoicing.numbering_missing",
    en="The service has no invoice numbering: pass invoice_numbering when building it.",
)
