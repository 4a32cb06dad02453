"""Credit notes (红字发票): exact reversals of part or all of one invoice document.

Invariant: per invoice line, Σ credit notes ≤ what the invoice line bills (quantity,
net and tax), with equality once its whole quantity is credited; so credit plus what
the invoice still carries is the invoice, to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder import lifecycle
from salesorder._invoicing.codes import (
    CREDIT_AMOUNT_INVALID,
    CREDIT_EMPTY,
    CREDIT_EXCEEDS,
    CREDIT_LINE_UNKNOWN,
    CREDIT_QUANTITY_NOT_POSITIVE,
    INVOICE_NOT_ISSUED_HERE,
    INVOICE_NUMBER_TAKEN,
    INVOICE_UNKNOWN,
    KEY_USED_ELSEWHERE,
)
from salesorder._invoicing.documents import rate_totals, totals
from salesorder._invoicing.issue import Billed, document_numbers, invoice_documents, repeated
from salesorder._invoicing.items import add_parts, sliced
from salesorder._invoicing.slicing import share
from salesorder._invoicing.slicing import zero as zero_money
from salesorder.errors import RuleViolation
from salesorder.lifecycle import TransitionResult
from salesorder.money import Money, to_decimal
from salesorder.order import Order
from salesorder.records import ZERO, CreditNote, InvoiceDocument, InvoiceLine, TaxPart

__all__ = [
    "IssuedCreditNote",
    "build_credit_note",
    "credited_by_line",
    "find_invoice",
    "issue_credit_note",
]


def find_invoice(order: Order, number: str) -> InvoiceDocument:
    """The invoice document ``number`` of ``order``.

    Raises:
        RuleViolation: ``invoicing.invoice.unknown``, or ``invoicing.invoice.not_a_document``
            for an invoice recorded without a document.
    """
    for document in invoice_documents(order):
        if document.number == number:
            return document
    if any(record.invoice_id == number for record in order.invoices):
        raise RuleViolation(INVOICE_NOT_ISSUED_HERE, params={"number": number})
    raise RuleViolation(INVOICE_UNKNOWN, params={"number": number})


def credited_by_line(order: Order, invoice_number: str) -> dict[str, Billed]:
    """Per invoice line: the quantity, net and tax its credit notes reversed so far."""
    zero = zero_money(order.currency)
    credited: dict[str, Billed] = {}
    for note in order.credit_notes:
        if note.invoice_number != invoice_number:
            continue
        for line in note.lines:
            known = credited.get(line.line_id, Billed(ZERO, zero, zero))
            credited[line.line_id] = Billed(
                known.quantity + line.quantity,
                known.net + line.net,
                known.tax + line.tax,
                add_parts(known.taxes, line.taxes, 1) if line.taxes else known.taxes,
            )
    return credited


def _requested(
    invoice: InvoiceDocument, credited: Mapping[str, Billed], lines: Mapping[str, object] | None
) -> dict[str, Decimal]:
    if lines is None:
        return {
            line.line_id: line.quantity - credited[line.line_id].quantity
            if line.line_id in credited
            else line.quantity
            for line in invoice.lines
        }
    on_invoice = {line.line_id for line in invoice.lines}
    wanted: dict[str, Decimal] = {}
    for line_id, value in lines.items():
        if line_id not in on_invoice:
            raise RuleViolation(
                CREDIT_LINE_UNKNOWN, params={"number": invoice.number, "line_id": line_id}
            )
        quantity = to_decimal(value, what="quantity")
        if quantity <= 0:
            raise RuleViolation(
                CREDIT_QUANTITY_NOT_POSITIVE, params={"line_id": line_id, "quantity": quantity}
            )
        wanted[line_id] = quantity
    return wanted


def build_credit_note(
    order: Order,
    *,
    invoice_number: str,
    number: str,
    at: datetime,
    reason: str,
    lines: Mapping[str, Decimal | int | str] | None = None,
    amount: Money | None = None,
) -> CreditNote:
    """The credit note that reversing ``lines`` of invoice ``invoice_number`` would issue.

    Pure: the order is not changed; :func:`issue_credit_note` records it.

    Args:
        order: The order.
        invoice_number: The invoice document to reverse.
        number: The credit note number.
        at: The issue time.
        reason: Reason code, e.g. ``return``, ``cancellation``.
        lines: Quantity to reverse per invoice line (order line, gift line or
            ``charge:<id>``); everything the invoice still carries when None (and no
            ``amount``).
        amount: A price reduction agreed after invoicing (折让): this gross amount,
            spread over what the invoice's lines still carry, no quantity reversed
            (the credit lines have quantity 0). Not together with ``lines``.

    Raises:
        RuleViolation: ``invoicing.invoice.unknown``, ``invoicing.invoice.not_a_document``,
            ``invoicing.credit.line_unknown``, ``invoicing.credit.quantity_not_positive``,
            ``invoicing.credit.exceeds_invoice``, ``invoicing.credit.nothing_to_credit``,
            ``invoicing.credit.amount_invalid``.
        CurrencyMismatch: an amount in another currency.
    """
    invoice = find_invoice(order, invoice_number)
    credited = credited_by_line(order, invoice_number)
    if amount is not None:
        if lines is not None:
            raise RuleViolation(CREDIT_AMOUNT_INVALID, params={"number": invoice_number})
        reduced = _reduction_lines(invoice, credited, amount)
        return _note(order, invoice, reduced, number=number, at=at, reason=reason)
    wanted = _requested(invoice, credited, lines)
    zero = zero_money(order.currency)
    reversed_lines: list[InvoiceLine] = []
    for line in invoice.lines:
        quantity = wanted.get(line.line_id, ZERO)
        before = credited.get(line.line_id, Billed(ZERO, zero, zero))
        remaining = line.quantity - before.quantity
        if quantity > remaining:
            raise RuleViolation(
                CREDIT_EXCEEDS,
                params={
                    "number": invoice_number,
                    "line_id": line.line_id,
                    "quantity": quantity,
                    "remaining": remaining,
                },
            )
        if quantity <= 0:
            continue
        # k of the r units the line still carries reverse k/r of what it still
        # carries: the last units reverse all of it, so a whole credit is exact.
        net = share(line.net - before.net, quantity, remaining)
        parts, tax = sliced(line.taxes, _credit_of(before.taxes, quantity, remaining, zero))
        if tax is None:
            tax = share(line.tax - before.tax, quantity, remaining)
        reversed_lines.append(attrs.evolve(line, quantity=quantity, net=net, tax=tax, taxes=parts))
    if not reversed_lines:
        raise RuleViolation(CREDIT_EMPTY, params={"number": invoice_number})
    return _note(order, invoice, reversed_lines, number=number, at=at, reason=reason)


def _credit_of(
    credited: Mapping[str, Money], quantity: Decimal, remaining: Decimal, zero: Money
) -> Callable[[TaxPart], Money]:
    """What crediting ``quantity`` of the ``remaining`` units reverses of one tax part."""

    def credit(part: TaxPart) -> Money:
        return share(part.amount - credited.get(part.code, zero), quantity, remaining)

    return credit


def _reduction_lines(
    invoice: InvoiceDocument, credited: Mapping[str, Billed], amount: Money
) -> list[InvoiceLine]:
    """Spread a gross reduction over what each invoice line still carries, exactly."""
    if not isinstance(amount, Money):
        raise RuleViolation(CREDIT_AMOUNT_INVALID, params={"number": invoice.number})
    zero = zero_money(invoice.currency)
    left: list[tuple[InvoiceLine, Money, Money]] = []
    for line in invoice.lines:
        before = credited.get(line.line_id)
        net = line.net - before.net if before is not None else line.net
        tax = line.tax - before.tax if before is not None else line.tax
        left.append((line, net, tax))
    carried = sum((net + tax for _, net, tax in left), zero)
    if amount.amount <= 0 or not amount.is_quantized() or amount > carried:
        raise RuleViolation(
            CREDIT_AMOUNT_INVALID,
            params={"number": invoice.number, "amount": amount, "remaining": carried},
        )
    parts = amount.allocate([(net + tax).amount for _, net, tax in left])
    reduced: list[InvoiceLine] = []
    for (line, net, tax), part in zip(left, parts, strict=True):
        if not part:
            continue
        # The part keeps the line's own split between net and tax.
        part_tax = min(share(tax, part.amount, (net + tax).amount), part)
        part_net = part - part_tax
        if part_net > net:
            part_net, part_tax = net, part - net
        taxes = _reduced_parts(line, credited.get(line.line_id), part_tax)
        reduced.append(attrs.evolve(line, quantity=ZERO, net=part_net, tax=part_tax, taxes=taxes))
    return reduced


def _reduced_parts(line: InvoiceLine, before: Billed | None, tax: Money) -> tuple[TaxPart, ...]:
    """``tax`` spread over what each tax of the line still carries, exactly.

    Each part gets its share of ``tax`` in proportion to what its tax still carries
    (``allocate``): the parts add up to ``tax`` and none exceeds what its tax carries,
    since ``tax`` does not exceed their sum.
    """
    if not line.taxes:
        return ()
    zero = zero_money(tax.currency)
    known = before.taxes if before is not None else {}
    left = [part.amount - known.get(part.code, zero) for part in line.taxes]
    if not tax or not any(amount.amount for amount in left):
        shares: tuple[Money, ...] = tuple(zero for _ in left)
    else:
        shares = tax.allocate([amount.amount for amount in left])
    return tuple(
        TaxPart(part.code, part.rate, share_of)
        for part, share_of in zip(line.taxes, shares, strict=True)
    )


def _note(
    order: Order,
    invoice: InvoiceDocument,
    reversed_lines: list[InvoiceLine],
    *,
    number: str,
    at: datetime,
    reason: str,
) -> CreditNote:
    by_rate = rate_totals(reversed_lines, order.currency)
    net_total, tax_total = totals(by_rate, order.currency)
    return CreditNote(
        number=number,
        invoice_number=invoice.number,
        order_id=order.id,
        customer_id=order.customer.id,
        kind=invoice.kind,
        currency=order.currency,
        issued_at=at,
        reason=reason,
        lines=tuple(reversed_lines),
        tax_by_rate=by_rate,
        net_total=net_total,
        tax_total=tax_total,
    )


@attrs.frozen
class IssuedCreditNote:
    """What :func:`issue_credit_note` did.

    Attributes:
        note: The credit note (the first one for a repeated key).
        result: The lifecycle result (``CreditNoteIssued``).
    """

    note: CreditNote
    result: TransitionResult


def issue_credit_note(
    order: Order,
    *,
    invoice_number: str,
    number: str,
    actor: str,
    at: datetime,
    reason: str,
    lines: Mapping[str, Decimal | int | str] | None = None,
    amount: Money | None = None,
    idempotency_key: str | None = None,
) -> IssuedCreditNote:
    """Issue a credit note against one invoice document and record it on the order.

    The credited quantities of order lines become billable again (unless they were
    returned): a cancelled invoice can be issued anew. A price reduction (``amount``)
    credits no quantity: nothing becomes billable again.

    Args:
        order: A confirmed (or later, not archived) order.
        invoice_number: The invoice to reverse.
        number: The credit note number (from the invoice numbering port).
        actor: Who issues it.
        at: When.
        reason: Reason code.
        lines: Quantity per invoice line; all the invoice still carries when None.
        amount: A price reduction (折让) instead of quantities: see
            :func:`build_credit_note`.
        idempotency_key: Repeat protection: a repeated key returns the first note.

    Raises:
        IllegalTransition: if the order cannot be invoiced (or credited) now.
        RuleViolation: ``invoicing.number_taken`` and the codes of :func:`build_credit_note`.
    """
    first = repeated(order, idempotency_key, actor=actor, at=at)
    if first is not None:
        numbers = {getattr(event, "number", None) for event in first.events}
        for note in order.credit_notes:
            if note.number in numbers:
                return IssuedCreditNote(note, first)
        raise RuleViolation(KEY_USED_ELSEWHERE, params={"document": "credit note"})
    if number in document_numbers(order):
        raise RuleViolation(INVOICE_NUMBER_TAKEN, params={"number": number})
    note = build_credit_note(
        order,
        invoice_number=invoice_number,
        number=number,
        at=at,
        reason=reason,
        lines=lines,
        amount=amount,
    )
    result = lifecycle.record_credit_note(
        order, note=note, actor=actor, at=at, idempotency_key=idempotency_key
    )
    return IssuedCreditNote(note, result)
