"""Invoices as amounts: a self-transition that records what was billed.

Invariants: invoiced quantity per line never exceeds ordered minus returned; amounts are
positive and in the order currency. Payments and refunds are in
``salesorder._lifecycle.payments``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from salesorder._arguments import optional_texts
from salesorder._lifecycle.codes import INVOICE_EXCEEDS, INVOICE_KIND
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_amount,
    check_event,
    checked_quantities,
    fire,
    with_ledgers,
)
from salesorder._lifecycle.statuses import billable_quantities
from salesorder.errors import (
    RuleViolation,
)
from salesorder.events import (
    OrderInvoiced,
)
from salesorder.money import Money
from salesorder.order import InvoiceKind, Order, new_id
from salesorder.records import (
    Invoice,
    InvoiceDocument,
    LineLedger,
    line_quantities,
)

__all__ = ["invoice"]

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
    document: InvoiceDocument | None = None,
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
        document: The numbered invoice document it records, when it was issued as one
            (``salesorder.invoicing.issue_invoice`` passes it; not fingerprinted: the
            document follows from the other arguments and the order).

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
    ledgers = {ledger.line_id: ledger for ledger in order.ledgers} if checked else {}
    for line_id, (_line, quantity) in checked.items():
        remaining = billable.get(line_id, Decimal(0))
        if quantity > remaining:
            raise RuleViolation(
                INVOICE_EXCEEDS,
                params={"line_id": line_id, "quantity": quantity, "remaining": remaining},
            )
        ledger = ledgers.get(line_id) or LineLedger(line_id)
        updated.append(ledger.plus_invoiced(quantity))
    frozen = line_quantities({k: q for k, (_, q) in checked.items()})
    record = Invoice(invoice_id or new_id(), kind_value, amount, frozen, at, document)
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
