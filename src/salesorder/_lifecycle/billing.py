"""Invoices, payments and refunds: self-transitions that record money facts.

Invariants: invoiced quantity per line never exceeds ordered minus returned; amounts are
positive and in the order currency; a refund never exceeds the net money received.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder._arguments import optional_texts
from salesorder._lifecycle.codes import INVOICE_EXCEEDS, INVOICE_KIND, REFUND_EXCEEDS
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_amount,
    check_event,
    checked_quantities,
    fire,
    with_ledgers,
)
from salesorder._lifecycle.statuses import billable_quantities, net_paid
from salesorder.errors import (
    RuleViolation,
)
from salesorder.events import (
    OrderInvoiced,
    PaymentRecorded,
    RefundRecorded,
)
from salesorder.money import Money
from salesorder.order import InvoiceKind, Order, new_id
from salesorder.records import (
    Invoice,
    Payment,
    PaymentKind,
    line_quantities,
)

__all__ = ["invoice", "record_payment", "record_refund"]

# -- commands: billing ------------------------------------------------------------------------


def invoice(
    order: Order,
    *,
    kind: InvoiceKind | str,
    amount: Money,
    actor: str,
    at: datetime,
    lines: Mapping[str, Decimal] | None = None,
    invoice_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record an invoice (开票) for line quantities, or for an amount only.

    Args:
        order: A confirmed (or later, not archived) order.
        kind: ``general`` (普通发票) or ``vat_special`` (增值税专用发票).
        amount: Invoiced amount, tax included, in the order currency.
        actor: Who issues it.
        at: When.
        lines: Quantities invoiced per line (None or empty: an amount-only invoice).
        invoice_id: Identifier or official number; a new id when None.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderInvoiced``.

    Raises:
        IllegalTransition: if the order cannot be invoiced now.
        RuleViolation: ``lifecycle.invoice.kind_invalid``, ``lifecycle.amount.not_positive``,
            ``lifecycle.invoice.exceeds_billable`` and line quantity codes.
    """
    request: dict[str, object] = {
        "kind": kind,
        "amount": amount,
        "lines": lines,
        "invoice_id": invoice_id,
    }
    if (first := check_event(order, "invoice", idempotency_key, request)) is not None:
        return first
    optional_texts(invoice_id=invoice_id)
    kind_value = str(getattr(kind, "value", kind))
    if kind_value not in (InvoiceKind.GENERAL.value, InvoiceKind.VAT_SPECIAL.value):
        raise RuleViolation(INVOICE_KIND, params={"kind": kind_value})
    check_amount(order, amount)
    plan = Plan(order)
    updated = []
    checked = checked_quantities(order, lines, "invoice") if lines else {}
    billable = billable_quantities(order) if checked else {}
    for line_id, (_line, quantity) in checked.items():
        ledger = order.ledger(line_id)
        remaining = billable.get(line_id, Decimal(0))
        if quantity > remaining:
            raise RuleViolation(
                INVOICE_EXCEEDS,
                params={"line_id": line_id, "quantity": quantity, "remaining": remaining},
            )
        updated.append(attrs.evolve(ledger, invoiced=ledger.invoiced + quantity))
    frozen = line_quantities({k: q for k, (_, q) in checked.items()})
    record = Invoice(invoice_id or new_id(), kind_value, amount, frozen, at)
    plan.changes = {"invoices": (*order.invoices, record)}
    if updated:
        plan.changes["ledgers"] = with_ledgers(plan, updated)
    plan.facts = [
        (
            OrderInvoiced,
            {
                "invoice_id": record.invoice_id,
                "kind": kind_value,
                "amount": amount,
                "lines": frozen,
            },
        )
    ]
    return fire(plan, "invoice", actor=actor, at=at, key=idempotency_key, request=request)


def record_payment(
    order: Order,
    *,
    amount: Money,
    actor: str,
    at: datetime,
    reference: str | None = None,
    payment_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record money received (收款), partial or full (overpayment is allowed and shown).

    Args:
        order: An approved (or later, not archived) order.
        amount: Positive amount in the order currency.
        actor: Who records it.
        at: When it was received.
        reference: Bank or gateway reference.
        payment_id: Identifier; a new one when None.
        idempotency_key: Repeat protection (use the gateway's notification id).

    Returns:
        The transition result with ``PaymentRecorded``.

    Raises:
        IllegalTransition: if the order cannot take payments now.
        RuleViolation: ``lifecycle.amount.not_positive``.
    """
    request: dict[str, object] = {
        "amount": amount,
        "reference": reference,
        "payment_id": payment_id,
    }
    if (first := check_event(order, "record_payment", idempotency_key, request)) is not None:
        return first
    optional_texts(reference=reference, payment_id=payment_id)
    check_amount(order, amount)
    record = Payment(payment_id or new_id(), PaymentKind.PAYMENT, amount, at, reference)
    plan = Plan(order, changes={"payments": (*order.payments, record)})
    plan.facts = [(PaymentRecorded, {"payment_id": record.payment_id, "amount": amount})]
    return fire(plan, "record_payment", actor=actor, at=at, key=idempotency_key, request=request)


def record_refund(
    order: Order,
    *,
    amount: Money,
    actor: str,
    at: datetime,
    reference: str | None = None,
    payment_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record money paid back to the customer (退款), at most the net received.

    Args:
        order: An approved (or later, not archived) order.
        amount: Positive amount in the order currency.
        actor: Who records it.
        at: When.
        reference: Bank or gateway reference.
        payment_id: Identifier; a new one when None.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``RefundRecorded``.

    Raises:
        IllegalTransition: if the order cannot take refunds now.
        RuleViolation: ``lifecycle.amount.not_positive``, ``lifecycle.refund.exceeds_paid``.
    """
    request: dict[str, object] = {
        "amount": amount,
        "reference": reference,
        "payment_id": payment_id,
    }
    if (first := check_event(order, "record_refund", idempotency_key, request)) is not None:
        return first
    optional_texts(reference=reference, payment_id=payment_id)
    check_amount(order, amount)
    paid = net_paid(order)
    if amount > paid:
        raise RuleViolation(REFUND_EXCEEDS, params={"amount": amount, "paid": paid})
    record = Payment(payment_id or new_id(), PaymentKind.REFUND, amount, at, reference)
    plan = Plan(order, changes={"payments": (*order.payments, record)})
    plan.facts = [(RefundRecorded, {"payment_id": record.payment_id, "amount": amount})]
    return fire(plan, "record_refund", actor=actor, at=at, key=idempotency_key, request=request)
