"""Payments with states, and refunds against payments and credit notes (收款, 到账, 作废, 退款).

Self-transitions that record money facts. Invariants:

* only a ``confirmed`` payment is money: :func:`~salesorder._lifecycle.statuses.net_paid`,
  the payment status, completion and the open items read confirmed payments only;
* a payment is recorded ``pending`` or ``confirmed``; a pending one is confirmed, failed
  or voided once; a confirmed one may be voided (a cheque that bounced) while the
  refunds still stand on the rest of the money; failed and voided are final;
* a refund never exceeds the net confirmed money received, nor what the payment it
  names still carries (its amount less the refunds against it), nor what the credit
  note it names still carries (its gross total less the refunds against it).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from salesorder._arguments import choice, instance_of, optional_texts, storable_text
from salesorder._lifecycle.codes import (
    PAYMENT_INVOICE_UNKNOWN,
    PAYMENT_NOT_PENDING,
    PAYMENT_SETTLED,
    PAYMENT_STATE_INVALID,
    PAYMENT_STILL_REFUNDED,
    PAYMENT_UNKNOWN,
    REFUND_CREDIT_UNKNOWN,
    REFUND_EXCEEDS,
    REFUND_EXCEEDS_CREDIT,
    REFUND_EXCEEDS_PAYMENT,
    REFUND_PAYMENT_UNKNOWN,
)
from salesorder._lifecycle.engine import Plan, TransitionResult, check_amount, check_event, fire
from salesorder._lifecycle.statuses import net_paid
from salesorder.errors import RuleViolation
from salesorder.events import PaymentConfirmed, PaymentRecorded, PaymentVoided, RefundRecorded
from salesorder.money import Money
from salesorder.order import Order, new_id
from salesorder.records import Payment, PaymentKind, PaymentMethod, PaymentState

__all__ = [
    "confirm_payment",
    "record_payment",
    "record_refund",
    "refundable_on_credit_note",
    "refundable_on_payment",
    "void_payment",
]

_RECORDABLE = (PaymentState.PENDING, PaymentState.CONFIRMED)
_VOIDED = (PaymentState.FAILED, PaymentState.VOIDED)


def _refunds(order: Order) -> list[Payment]:
    return [p for p in order.payments if p.kind is PaymentKind.REFUND and p.counts]


def refundable_on_payment(order: Order, payment_id: str) -> Money:
    """What the confirmed payment ``payment_id`` still carries: its amount less its refunds.

    Raises:
        RuleViolation: ``lifecycle.refund.payment_unknown`` when the order has no
            confirmed payment with that id.
    """
    payment = next(
        (
            p
            for p in order.payments
            if p.payment_id == payment_id and p.kind is PaymentKind.PAYMENT and p.counts
        ),
        None,
    )
    if payment is None:
        raise RuleViolation(REFUND_PAYMENT_UNKNOWN, params={"payment_id": payment_id})
    left = payment.amount
    for refund in _refunds(order):
        if refund.refunded_payment == payment_id:
            left = left - refund.amount
    return left


def refundable_on_credit_note(order: Order, number: str) -> Money:
    """What the credit note ``number`` still carries: its gross total less its refunds.

    Raises:
        RuleViolation: ``lifecycle.refund.credit_note_unknown`` when the order has no
            credit note with that number.
    """
    note = next((n for n in order.credit_notes if n.number == number), None)
    if note is None:
        raise RuleViolation(REFUND_CREDIT_UNKNOWN, params={"credit_note": number})
    left = note.gross_total
    for refund in _refunds(order):
        if refund.credit_note == number:
            left = left - refund.amount
    return left


def record_payment(
    order: Order,
    *,
    amount: Money,
    actor: str,
    at: datetime,
    reference: str | None = None,
    payment_id: str | None = None,
    idempotency_key: str | None = None,
    state: PaymentState | str = PaymentState.CONFIRMED,
    method: PaymentMethod | str | None = None,
    invoice_number: str | None = None,
) -> TransitionResult:
    """Record a payment (收款), partial or full (overpayment is allowed and shown).

    A payment is ``confirmed`` (money received) unless recorded ``pending`` (a
    gateway's pending notice, a cheque not yet cleared): a pending payment counts for
    nothing until :func:`confirm_payment`, and :func:`void_payment` calls it off.

    Args:
        order: An approved (or later, not archived) order.
        amount: Positive amount in the order currency.
        actor: Who records it.
        at: When it was received (or announced, for a pending one).
        reference: Bank or gateway reference.
        payment_id: Identifier; a new one when None.
        idempotency_key: Repeat protection (use the gateway's notification id).
        state: ``confirmed`` (the default) or ``pending``.
        method: How it was paid, when known.
        invoice_number: The invoice document the host applies it to (None: the open
            invoices, oldest due first).

    Returns:
        The transition result with ``PaymentRecorded``.

    Raises:
        IllegalTransition: if the order cannot take payments now.
        RuleViolation: ``lifecycle.amount.not_positive``, ``lifecycle.payment.state_invalid``,
            ``lifecycle.payment.invoice_unknown``.
        InvalidArgument: ``argument.not_a_choice`` for an unknown state or method.
    """
    request: dict[str, object] = {
        "amount": amount,
        "reference": reference,
        "payment_id": payment_id,
    }
    # Only what was given beyond the original three arguments is fingerprinted, so the
    # keys stored before payments had states still compare equal.
    if state != PaymentState.CONFIRMED:
        request["state"] = state
    if method is not None:
        request["method"] = method
    if invoice_number is not None:
        request["invoice_number"] = invoice_number
    if (first := check_event(order, "record_payment", idempotency_key, request)) is not None:
        return first
    optional_texts(reference=reference, payment_id=payment_id, invoice_number=invoice_number)
    chosen = choice(state, PaymentState, argument="state")
    if chosen not in _RECORDABLE:
        raise RuleViolation(PAYMENT_STATE_INVALID, params={"state": chosen.value})
    paid_by = None if method is None else choice(method, PaymentMethod, argument="method")
    check_amount(order, amount)
    if invoice_number is not None and not any(
        invoice.document is not None and invoice.document.number == invoice_number
        for invoice in order.invoices
    ):
        raise RuleViolation(PAYMENT_INVOICE_UNKNOWN, params={"invoice_number": invoice_number})
    record = Payment(
        payment_id or new_id(),
        PaymentKind.PAYMENT,
        amount,
        at,
        reference,
        state=chosen,
        method=paid_by,
        invoice_number=invoice_number,
    )
    plan = Plan(order, changes={"payments": (*order.payments, record)})
    facts: dict[str, object] = {"payment_id": record.payment_id, "amount": amount}
    if chosen is not PaymentState.CONFIRMED:
        facts["state"] = chosen.value
    if paid_by is not None:
        facts["method"] = paid_by.value
    plan.facts = [(PaymentRecorded, facts)]
    return fire(plan, "record_payment", actor=actor, at=at, key=idempotency_key, request=request)


def _payment(order: Order, payment_id: str) -> tuple[int, Payment]:
    storable_text(payment_id, argument="payment_id")
    for index, payment in enumerate(order.payments):
        if payment.payment_id == payment_id and payment.kind is PaymentKind.PAYMENT:
            return index, payment
    raise RuleViolation(PAYMENT_UNKNOWN, params={"payment_id": payment_id})


def _replaced(order: Order, index: int, payment: Payment) -> tuple[Payment, ...]:
    payments = list(order.payments)
    payments[index] = payment
    return tuple(payments)


def confirm_payment(
    order: Order,
    *,
    payment_id: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Confirm a pending payment (到账): from ``at`` on it counts as paid.

    Args:
        order: An order that takes payments or refunds now.
        payment_id: The pending payment.
        actor: Who confirms it.
        at: When the money arrived.
        idempotency_key: Repeat protection (use the gateway's notification id).

    Returns:
        The transition result with ``PaymentConfirmed``.

    Raises:
        IllegalTransition: if the order cannot take payments now.
        RuleViolation: ``lifecycle.payment.unknown``, ``lifecycle.payment.not_pending``.
    """
    request: dict[str, object] = {"payment_id": payment_id}
    if (first := check_event(order, "confirm_payment", idempotency_key, request)) is not None:
        return first
    index, payment = _payment(order, payment_id)
    if payment.state is not PaymentState.PENDING:
        raise RuleViolation(
            PAYMENT_NOT_PENDING, params={"payment_id": payment_id, "state": payment.state.value}
        )
    confirmed = attrs.evolve(payment, state=PaymentState.CONFIRMED, settled_at=at)
    plan = Plan(order, changes={"payments": _replaced(order, index, confirmed)})
    plan.facts = [(PaymentConfirmed, {"payment_id": payment_id, "amount": payment.amount})]
    return fire(plan, "confirm_payment", actor=actor, at=at, key=idempotency_key, request=request)


def void_payment(
    order: Order,
    *,
    payment_id: str,
    actor: str,
    at: datetime,
    failed: bool = False,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Call off a payment: it failed (支付失败) or is voided (作废), and counts for nothing.

    A pending payment can fail or be voided; a confirmed one can be voided (a cheque
    that bounced, an entry in error) unless refunds name it, or the refunds recorded
    would then exceed the confirmed money left.

    Args:
        order: An order that takes payments or refunds now.
        payment_id: The payment.
        actor: Who records it.
        at: When.
        failed: The gateway or bank reported a failure (state ``failed``); else the
            seller voids it (state ``voided``).
        reason: Why, kept in the audit trail.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``PaymentVoided``.

    Raises:
        IllegalTransition: if the order cannot take payments now.
        RuleViolation: ``lifecycle.payment.unknown``, ``lifecycle.payment.final`` (already
            failed or voided, or a confirmed payment reported failed),
            ``lifecycle.payment.refunded``.
    """
    request: dict[str, object] = {"payment_id": payment_id, "failed": failed, "reason": reason}
    if (first := check_event(order, "void_payment", idempotency_key, request)) is not None:
        return first
    optional_texts(reason=reason)
    instance_of(failed, bool, argument="failed")
    index, payment = _payment(order, payment_id)
    was_confirmed = payment.state is PaymentState.CONFIRMED
    if payment.state in _VOIDED or (was_confirmed and failed):
        raise RuleViolation(
            PAYMENT_SETTLED, params={"payment_id": payment_id, "state": payment.state.value}
        )
    if was_confirmed:
        named = [r for r in _refunds(order) if r.refunded_payment == payment_id]
        if named or net_paid(order) < payment.amount:
            refunded = sum((r.amount for r in _refunds(order)), Money.zero(order.currency))
            raise RuleViolation(
                PAYMENT_STILL_REFUNDED, params={"payment_id": payment_id, "refunded": refunded}
            )
    state = PaymentState.FAILED if failed else PaymentState.VOIDED
    voided = attrs.evolve(payment, state=state, settled_at=at)
    plan = Plan(order, changes={"payments": _replaced(order, index, voided)}, reason=reason)
    plan.facts = [
        (
            PaymentVoided,
            {
                "payment_id": payment_id,
                "amount": payment.amount,
                "state": state.value,
                "was_confirmed": was_confirmed,
            },
        )
    ]
    return fire(plan, "void_payment", actor=actor, at=at, key=idempotency_key, request=request)


def record_refund(
    order: Order,
    *,
    amount: Money,
    actor: str,
    at: datetime,
    reference: str | None = None,
    payment_id: str | None = None,
    idempotency_key: str | None = None,
    refunded_payment: str | None = None,
    credit_note: str | None = None,
    method: PaymentMethod | str | None = None,
) -> TransitionResult:
    """Record money paid back to the customer (退款), at most the net confirmed received.

    A refund may name the payment it pays back (``refunded_payment``: at most what that
    payment still carries) and the credit note it settles (``credit_note``, where an
    invoice was credited: at most what that credit note still carries).

    Args:
        order: An approved (or later) order that takes refunds now.
        amount: Positive amount in the order currency.
        actor: Who records it.
        at: When.
        reference: Bank or gateway reference.
        payment_id: The refund's identifier; a new one when None.
        idempotency_key: Repeat protection.
        refunded_payment: The confirmed payment it pays back.
        credit_note: The number of the credit note it settles.
        method: How it was paid back, when known.

    Returns:
        The transition result with ``RefundRecorded``.

    Raises:
        IllegalTransition: if the order cannot take refunds now.
        RuleViolation: ``lifecycle.amount.not_positive``, ``lifecycle.refund.exceeds_paid``,
            ``lifecycle.refund.payment_unknown``, ``lifecycle.refund.exceeds_payment``,
            ``lifecycle.refund.credit_note_unknown``, ``lifecycle.refund.exceeds_credit``.
    """
    request: dict[str, object] = {
        "amount": amount,
        "reference": reference,
        "payment_id": payment_id,
    }
    named = {"refunded_payment": refunded_payment, "credit_note": credit_note, "method": method}
    request.update({name: value for name, value in named.items() if value is not None})
    if (first := check_event(order, "record_refund", idempotency_key, request)) is not None:
        return first
    optional_texts(
        reference=reference,
        payment_id=payment_id,
        refunded_payment=refunded_payment,
        credit_note=credit_note,
    )
    paid_by = None if method is None else choice(method, PaymentMethod, argument="method")
    check_amount(order, amount)
    paid = net_paid(order)
    if amount > paid:
        raise RuleViolation(REFUND_EXCEEDS, params={"amount": amount, "paid": paid})
    if refunded_payment is not None:
        left = refundable_on_payment(order, refunded_payment)
        if amount > left:
            params = {"amount": amount, "left": left, "payment_id": refunded_payment}
            raise RuleViolation(REFUND_EXCEEDS_PAYMENT, params=params)
    if credit_note is not None:
        left = refundable_on_credit_note(order, credit_note)
        if amount > left:
            params = {"amount": amount, "left": left, "credit_note": credit_note}
            raise RuleViolation(REFUND_EXCEEDS_CREDIT, params=params)
    record = Payment(
        payment_id or new_id(),
        PaymentKind.REFUND,
        amount,
        at,
        reference,
        method=paid_by,
        refunded_payment=refunded_payment,
        credit_note=credit_note,
    )
    plan = Plan(order, changes={"payments": (*order.payments, record)})
    facts: dict[str, object] = {"payment_id": record.payment_id, "amount": amount}
    if refunded_payment is not None:
        facts["refunded_payment"] = refunded_payment
    if credit_note is not None:
        facts["credit_note"] = credit_note
    plan.facts = [(RefundRecorded, facts)]
    return fire(plan, "record_refund", actor=actor, at=at, key=idempotency_key, request=request)
