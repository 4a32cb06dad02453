"""Credit notes (红字发票) on the order: a billing self-transition, like an invoice.

The note itself is built and checked by :mod:`salesorder.invoicing` (its amounts are
exact slices of one invoice document); this command records it: the note joins
``order.credit_notes`` and the credited quantities leave the lines' invoiced quantity,
so that they can be billed again when the goods stay with the customer. It is written
to the audit trail as an ``invoice`` transition with the reason ``credit_note``:
credit notes are negative invoices, and the state machine has one billing event.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from salesorder._lifecycle.engine import Plan, TransitionResult, check_event, fire, with_ledgers
from salesorder.events import CreditNoteIssued
from salesorder.order import Order
from salesorder.records import ZERO, CreditNote, line_quantities

__all__ = ["CREDIT_NOTE_REASON", "record_credit_note"]

CREDIT_NOTE_REASON = "credit_note"
"""The audit reason of the ``invoice`` transition that records a credit note."""


def record_credit_note(
    order: Order,
    *,
    note: CreditNote,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record a credit note built against one of the order's invoice documents.

    Args:
        order: A confirmed (or later, not archived) order.
        note: The credit note (from :func:`salesorder.invoicing.build_credit_note`).
        actor: Who issues it.
        at: When.
        idempotency_key: Repeat protection (shared with the ``invoice`` event).

    Returns:
        The transition result with ``CreditNoteIssued``.

    Raises:
        IllegalTransition: if the order cannot be invoiced (or credited) now.
    """
    if (first := check_event(order, "invoice", idempotency_key)) is not None:
        return first
    known = {line.line_id for line in order.lines}
    credited = {line.line_id: line.quantity for line in note.lines if line.line_id in known}
    plan = Plan(order, reason=CREDIT_NOTE_REASON)
    updated = []
    for line_id, quantity in credited.items():
        ledger = order.ledger(line_id)
        updated.append(attrs.evolve(ledger, invoiced=max(ledger.invoiced - quantity, ZERO)))
    plan.changes = {"credit_notes": (*order.credit_notes, note)}
    if updated:
        plan.changes["ledgers"] = with_ledgers(plan, updated)
    plan.facts = [
        (
            CreditNoteIssued,
            {
                "number": note.number,
                "invoice_number": note.invoice_number,
                "amount": note.gross_total,
                "reason": note.reason,
                "lines": line_quantities(credited),
            },
        )
    ]
    return fire(plan, "invoice", actor=actor, at=at, key=idempotency_key)
