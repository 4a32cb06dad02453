"""Error codes of the lifecycle, registered once with English and Chinese messages.

Invariant: every refusal the lifecycle raises carries one of these codes (or a code of
:mod:`salesorder.errors`); messages hold ids, codes and quantities, never personal data.
"""

from __future__ import annotations

from typing import Final

from salesorder.errors import (
    define_code,
    define_phrase,
)

__all__ = [
    "AMENDMENT_INVALID",
    "AMENDMENT_PENDING",
    "AMOUNT_NOT_MONEY",
    "AMOUNT_NOT_POSITIVE",
    "AMOUNT_NOT_QUANTIZED",
    "APPROVAL_ALREADY_GIVEN",
    "APPROVAL_NOT_REQUIRED",
    "APPROVAL_SAME_ACTOR",
    "ARCHIVED_CODE",
    "CANCEL_AFTER_SHIPMENT",
    "DAYS_EXPECTED",
    "DELIVER_EXCEEDS",
    "DURATION_EXPECTED",
    "EXPIRE_NOT_DUE",
    "EXPIRY_NOT_REACHED",
    "IDEMPOTENCY_REUSED",
    "INVOICE_EXCEEDS",
    "INVOICE_KIND",
    "LINE_ID_NOT_TEXT",
    "NEVER_EXPIRES",
    "NONE_PENDING",
    "NOTHING_GIVEN",
    "NOTHING_UNDELIVERED",
    "NOT_INVOICED",
    "NOT_PAID",
    "NO_PRICE",
    "PAYMENT_INVOICE_UNKNOWN",
    "PAYMENT_NOT_PENDING",
    "PAYMENT_SETTLED",
    "PAYMENT_STATE_INVALID",
    "PAYMENT_STILL_REFUNDED",
    "PAYMENT_UNKNOWN",
    "POLICY_INVALID",
    "POLICY_KIND_INVALID",
    "QUANTITY_NOT_POSITIVE",
    "REASON_REQUIRED",
    "REFUND_CREDIT_UNKNOWN",
    "REFUND_EXCEEDS",
    "REFUND_EXCEEDS_CREDIT",
    "REFUND_EXCEEDS_PAYMENT",
    "REFUND_PAYMENT_UNKNOWN",
    "REPAIR_NOT_REPAIR",
    "REPAIR_SHIPPED_BACK",
    "REPAIR_WITH_SELLER",
    "REPLAY_BROKEN",
    "RETURN_DUPLICATE",
    "RETURN_EXCEEDS",
    "RETURN_NOT_EXCHANGE",
    "RETURN_NOT_FOUND",
    "RETURN_NOT_PRICED",
    "RETURN_WINDOW_CLOSED",
    "RETURN_WRONG_STATE",
    "SHIPMENT_DUPLICATE",
    "SHIPMENT_NOT_FOUND",
    "SHIPMENT_SIGNED_FOR",
    "SHIPMENT_WRONG_STATE",
    "SHIP_EXCEEDS",
    "SHIP_NEEDS_PAYMENT",
    "TERM_PHRASES",
    "UNKNOWN_LINE",
]

# Phrases that fill a message's {why} or {expected}: terms of the catalogs (context
# ``term``, collected by salesorder._messages), so Chinese shows them translated.
NEVER_EXPIRES: Final = "the policy does not expire it"
EXPIRY_NOT_REACHED: Final = "its expiry time has not come"
DAYS_EXPECTED: Final = "a whole number of days >= 0"
DURATION_EXPECTED: Final = "a positive timedelta"
TERM_PHRASES: Final = (NEVER_EXPIRES, EXPIRY_NOT_REACHED, DAYS_EXPECTED, DURATION_EXPECTED)
#: Why an amendment or an edit is refused: the ``reason`` of ``lifecycle.amendment.invalid``.
LINE_EXISTS: Final = define_phrase("line {line_id} already exists")
AMENDMENT_REASONS: Final = (
    LINE_EXISTS,
    *(
        define_phrase(reason)
        for reason in (
            "no changes",
            "no lines would be left",
            "the requested delivery date is not a date",
            "the requested delivery date does not change",
            "the draft does not change",
            "coupons do not change in an edit (discard the draft, enter it anew)",
        )
    ),
)

# -- codes ------------------------------------------------------------------------------------

POLICY_INVALID: Final = define_code(
    "lifecycle.policy.invalid",
    en="Lifecycle policy field '{field}' is invalid: expected {expected}, or None.",
)
POLICY_KIND_INVALID: Final = define_code(
    "lifecycle.policy.kind_invalid",
    en="Policy field '{field}' names a change kind that does not exist.",
)
EXPIRE_NOT_DUE: Final = define_code(
    "lifecycle.expire.not_due",
    en="The order does not expire now ({why}).",
)
RETURN_WINDOW_CLOSED: Final = define_code(
    "lifecycle.return.window_closed",
    en="The after-sales window of this {state} order closed on {closed_on}.",
)
ARCHIVED_CODE: Final = define_code(
    "lifecycle.archived",
    en="The order is archived ('{state}'); '{event}' is refused.",
)
CANCEL_AFTER_SHIPMENT: Final = define_code(
    "lifecycle.cancel_after_shipment",
    en="Goods have already shipped; cancel is refused, use a return instead.",
)
REASON_REQUIRED: Final = define_code(
    "lifecycle.reason_required",
    en="'{event}' needs a reason code.",
)
LINE_ID_NOT_TEXT: Final = define_code(
    "lifecycle.line_id.not_text",
    en="Line ids are text; a {kind} was given.",
)
UNKNOWN_LINE: Final = define_code(
    "lifecycle.unknown_line",
    en="The order has no line {line_id}.",
)
QUANTITY_NOT_POSITIVE: Final = define_code(
    "lifecycle.quantity.not_positive",
    en="Quantity for line {line_id} must be positive.",
)
QUANTITY_TOO_PRECISE: Final = define_code(
    "lifecycle.quantity.too_precise",
    en="Quantity for line {line_id} has more than {max_places} decimal places.",
)
NOTHING_GIVEN: Final = define_code(
    "lifecycle.quantity.none_given",
    en="'{event}' needs at least one line quantity.",
)
SHIPMENT_NOT_FOUND: Final = define_code(
    "lifecycle.shipment.not_found",
    en="The order has no shipment {shipment_id}.",
)
SHIPMENT_WRONG_STATE: Final = define_code(
    "lifecycle.shipment.wrong_state",
    en="Shipment {shipment_id} is {state}; this needs it {expected}.",
)
SHIPMENT_DUPLICATE: Final = define_code(
    "lifecycle.shipment.duplicate",
    en="The order already has a shipment {shipment_id}.",
)
SHIPMENT_SIGNED_FOR: Final = define_code(
    "lifecycle.shipment.signed_for",
    en="Line {line_id} of shipment {shipment_id} was already signed for; it cannot be voided.",
)
SHIP_EXCEEDS: Final = define_code(
    "lifecycle.ship.exceeds_remaining",
    en="Line {line_id}: shipping {quantity} exceeds the {remaining} left to ship.",
)
SHIP_NEEDS_PAYMENT: Final = define_code(
    "lifecycle.ship.payment_required",
    en="Shipping needs payment first: {paid} paid of {required} required.",
)
DELIVER_EXCEEDS: Final = define_code(
    "lifecycle.deliver.exceeds_shipped",
    en="Line {line_id}: delivering {quantity} exceeds the {remaining} shipped and undelivered.",
)
INVOICE_EXCEEDS: Final = define_code(
    "lifecycle.invoice.exceeds_billable",
    en="Line {line_id}: invoicing {quantity} exceeds the {remaining} left to invoice.",
)
INVOICE_KIND: Final = define_code(
    "lifecycle.invoice.kind_invalid",
    en="Invoice kind must be 'general' or 'vat_special', not '{kind}'.",
)
AMOUNT_NOT_POSITIVE: Final = define_code(
    "lifecycle.amount.not_positive",
    en="The amount must be positive and in the order currency {currency}.",
)
AMOUNT_NOT_MONEY: Final = define_code(
    "lifecycle.amount.not_money",
    en="The amount must be Money in {currency}, not a {kind}.",
)
AMOUNT_NOT_QUANTIZED: Final = define_code(
    "lifecycle.amount.not_quantized",
    en="The amount has more decimal places than {currency} allows ({places}).",
)
REFUND_EXCEEDS: Final = define_code(
    "lifecycle.refund.exceeds_paid",
    en="Refund {amount} exceeds the {paid} paid.",
)
NOT_INVOICED: Final = define_code(
    "lifecycle.complete.not_invoiced",
    en="The order is not fully invoiced.",
)
NOT_PAID: Final = define_code(
    "lifecycle.complete.not_paid",
    en="The order is not exactly paid (status {payment}).",
)
NOTHING_UNDELIVERED: Final = define_code(
    "lifecycle.close.nothing_undelivered",
    en="Every quantity was delivered; complete the order instead of closing it.",
)
NO_PRICE: Final = define_code(
    "lifecycle.submit.not_priced",
    en="The order has no lines or its price is in {currency}, not {expected}.",
)
APPROVAL_NOT_REQUIRED: Final = define_code(
    "lifecycle.approval.level_not_required",
    en="Approval level '{level}' is not required for this order.",
)
APPROVAL_ALREADY_GIVEN: Final = define_code(
    "lifecycle.approval.already_given",
    en="Approval level '{level}' has already signed.",
)
APPROVAL_SAME_ACTOR: Final = define_code(
    "lifecycle.approval.same_actor",
    en="One person cannot sign two approval levels of the same order.",
)
RETURN_EXCEEDS: Final = define_code(
    "lifecycle.return.exceeds_delivered",
    en="Line {line_id}: returning {quantity} exceeds the {remaining} delivered and not returned.",
)
RETURN_NOT_FOUND: Final = define_code(
    "lifecycle.return.not_found",
    en="There is no return {return_id} on this order.",
)
RETURN_WRONG_STATE: Final = define_code(
    "lifecycle.return.wrong_state",
    en="Return {return_id} is '{state}', expected '{expected}'.",
)
AMENDMENT_PENDING: Final = define_code(
    "lifecycle.amendment.pending",
    en="Revision {revision} of the order awaits approval: approve or reject it first.",
)
NONE_PENDING: Final = define_code(
    "lifecycle.amendment.none_pending",
    en="No amendment of the order awaits approval.",
)
REPAIR_NOT_REPAIR: Final = define_code(
    "lifecycle.repair.not_repair",
    en="Return {return_id} is a '{kind}', not a repair: nothing goes back out on it.",
)
REPAIR_SHIPPED_BACK: Final = define_code(
    "lifecycle.repair.shipment_state",
    en="The repair of return {return_id} is '{state}', expected '{expected}'.",
)
REPAIR_WITH_SELLER: Final = define_code(
    "lifecycle.repair.with_seller",
    en="Repair {return_id} is still with the seller: ship it back before the order is archived.",
)
RETURN_NOT_EXCHANGE: Final = define_code(
    "lifecycle.return.not_exchange",
    en="Return {return_id} is a '{kind}': only an exchange sends replacement goods.",
)
RETURN_DUPLICATE: Final = define_code(
    "lifecycle.return.duplicate",
    en="Return {return_id} already exists.",
)
RETURN_NOT_PRICED: Final = define_code(
    "lifecycle.return.not_priced",
    en="The price breakdown has no line {line_id} to compute the refund from.",
)
AMENDMENT_INVALID: Final = define_code(
    "lifecycle.amendment.invalid",
    en="The amendment cannot be applied: {reason}.",
)
IDEMPOTENCY_REUSED: Final = define_code(
    "lifecycle.idempotency_key_reused",
    en="Idempotency key was first used for '{first}', not '{event}'.",
)
REPLAY_BROKEN: Final = define_code(
    "lifecycle.audit.broken",
    en="The audit trail does not replay at entry {index}.",
)
PAYMENT_UNKNOWN: Final = define_code(
    "lifecycle.payment.unknown",
    en="The order has no payment {payment_id}.",
)
PAYMENT_NOT_PENDING: Final = define_code(
    "lifecycle.payment.not_pending",
    en="Payment {payment_id} is {state}; only a pending payment can be confirmed.",
)
PAYMENT_SETTLED: Final = define_code(
    "lifecycle.payment.final",
    en="Payment {payment_id} is already {state}; it cannot be voided.",
)
PAYMENT_STILL_REFUNDED: Final = define_code(
    "lifecycle.payment.refunded",
    en="Payment {payment_id} cannot be voided: refunds of {refunded} stand against the money "
    "received.",
)
PAYMENT_INVOICE_UNKNOWN: Final = define_code(
    "lifecycle.payment.invoice_unknown",
    en="The order has no invoice {invoice_number} to apply the payment to.",
)
PAYMENT_STATE_INVALID: Final = define_code(
    "lifecycle.payment.state_invalid",
    en="A payment is recorded as 'pending' or 'confirmed', not '{state}'.",
)
REFUND_PAYMENT_UNKNOWN: Final = define_code(
    "lifecycle.refund.payment_unknown",
    en="The order has no confirmed payment {payment_id} to refund.",
)
REFUND_EXCEEDS_PAYMENT: Final = define_code(
    "lifecycle.refund.exceeds_payment",
    en="Refund {amount} exceeds the {left} payment {payment_id} still carries.",
)
REFUND_CREDIT_UNKNOWN: Final = define_code(
    "lifecycle.refund.credit_note_unknown",
    en="The order has no credit note {credit_note}.",
)
REFUND_EXCEEDS_CREDIT: Final = define_code(
    "lifecycle.refund.exceeds_credit",
    en="Refund {amount} exceeds the {left} credit note {credit_note} still carries.",
)
