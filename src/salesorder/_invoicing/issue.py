"""Issuing an invoice document: the slices of the price breakdown it bills, and the command.

Invariants (checked by ``tests/property/test_invoicing_properties.py``): per line,
gift line and charge, and so per tax rate, Σ invoices − Σ credit notes never exceeds
the price breakdown, and equals it to the cent once every quantity is invoiced.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder import lifecycle
from salesorder._invoicing.codes import (
    INVOICE_EMPTY,
    INVOICE_NOT_PRICED,
    INVOICE_NUMBER_TAKEN,
    KEY_USED_ELSEWHERE,
)
from salesorder._invoicing.documents import buyer_of, due_on, rate_totals, totals
from salesorder._invoicing.items import CHARGE_PREFIX, Item, add_parts, items_of, sliced
from salesorder._invoicing.slicing import share, slice_of
from salesorder._invoicing.slicing import zero as zero_money
from salesorder.codec import decode
from salesorder.errors import RuleViolation
from salesorder.events import DomainEvent, InvoiceIssued
from salesorder.lifecycle import TransitionResult
from salesorder.money import Money, minor_unit, to_decimal
from salesorder.order import InvoiceKind, Order
from salesorder.pricing import PriceBreakdown
from salesorder.records import ZERO, InvoiceDocument, InvoiceLine, PriceSnapshot, TaxPart
from salesorder.sla import BusinessCalendar, WeekendCalendar

__all__ = [
    "Billed",
    "IssuedInvoice",
    "billed_by_line",
    "build_invoice",
    "deliverable_billing",
    "document_numbers",
    "invoice_documents",
    "issue_invoice",
    "repeated",
]

ONE = Decimal(1)


@attrs.frozen
class Billed:
    """What the invoice documents of an order bill for one line, net of credit notes.

    Attributes:
        quantity: Quantity.
        net: Net.
        tax: Tax.
        taxes: For a line taxed by a tax group, the tax per component code.
    """

    quantity: Decimal
    net: Money
    tax: Money
    taxes: Mapping[str, Money] = attrs.field(factory=dict, hash=False)


def invoice_documents(order: Order) -> tuple[InvoiceDocument, ...]:
    """The order's invoice documents, in issue order (amount-only invoices have none)."""
    return tuple(record.document for record in order.invoices if record.document is not None)


def document_numbers(order: Order) -> set[str]:
    """Every invoice and credit note number used on the order."""
    numbers = {document.number for document in invoice_documents(order)}
    numbers.update(note.number for note in order.credit_notes)
    return numbers


def billed_by_line(order: Order) -> dict[str, Billed]:
    """Per line id: quantity, net and tax of the invoice documents minus the credit notes.

    Price reductions (credit lines of quantity 0) are left out: they lower what the
    customer owes, not what the invoices bill for the units.
    """
    zero = zero_money(order.currency)
    billed: dict[str, Billed] = {}

    def add(line: InvoiceLine, sign: int) -> None:
        known = billed.get(line.line_id, Billed(ZERO, zero, zero))
        billed[line.line_id] = Billed(
            known.quantity + sign * line.quantity,
            known.net + line.net * sign,
            known.tax + line.tax * sign,
            add_parts(known.taxes, line.taxes, sign) if line.taxes else known.taxes,
        )

    for document in invoice_documents(order):
        for line in document.lines:
            add(line, 1)
    for note in order.credit_notes:
        for line in note.lines:
            # A price reduction (quantity 0) stays off: its units remain billed, and the
            # invoices of the rest of the line must not bill the reduction back.
            if line.quantity:
                add(line, -1)
    return billed


def _order_lines(
    order: Order,
    items: Mapping[str, Item],
    quantities: Mapping[str, Decimal],
    billed: Mapping[str, Billed],
) -> list[InvoiceLine]:
    invoiced_by_line = {ledger.line_id: ledger.invoiced for ledger in order.ledgers}
    lines: list[InvoiceLine] = []
    for line in order.lines:
        quantity = quantities.get(line.line_id, ZERO)
        if quantity <= 0:
            continue
        priced = items.get(line.line_id)
        if priced is None:
            raise RuleViolation(INVOICE_NOT_PRICED, params={"line_id": line.line_id})
        invoiced = invoiced_by_line.get(line.line_id, ZERO)
        net, tax, parts = _line_slice(priced, invoiced, quantity, billed.get(line.line_id))
        lines.append(
            InvoiceLine(
                line.line_id,
                line.sku,
                line.name,
                line.specification,
                line.unit,
                quantity,
                priced.unit_price,
                net,
                priced.tax_rate,
                tax,
                parts,
            )
        )
    return lines


def _line_slice(
    priced: Item, invoiced: Decimal, quantity: Decimal, before: Billed | None
) -> tuple[Money, Money, tuple[TaxPart, ...]]:
    """Net, tax and tax parts of ``quantity`` more units of a line ``invoiced`` so far."""
    after = invoiced + quantity
    whole = priced.quantity
    if before is None and not invoiced:
        # The first document of the line: nothing billed to take off.
        parts, tax = sliced(priced.taxes, lambda part: share(part.amount, after, whole))
        if tax is None:
            tax = share(priced.tax, after, whole)
        return share(priced.net, after, whole), tax, parts
    # Quantities billed by invoices without a document (amount-only or line invoices
    # recorded by ``lifecycle.invoice``) are taken to carry their share of the line;
    # the documents bill the rest.
    documented = before.quantity if before is not None else ZERO
    legacy = max(invoiced - documented, ZERO)
    billed_net = share(priced.net, legacy, whole)
    billed_tax = share(priced.tax, legacy, whole)
    billed_parts: Mapping[str, Money] = {}
    if before is not None:
        billed_net += before.net
        billed_tax += before.tax
        billed_parts = before.taxes

    def part_slice(part: TaxPart) -> Money:
        already = share(part.amount, legacy, whole)
        known = billed_parts.get(part.code)
        if known is not None:
            already += known
        return slice_of(part.amount, after, whole, already)

    # Documents issued before taxes were listed per code billed tax without parts: the
    # line goes on without them, so no tax is billed twice.
    taxes = priced.taxes if _parts_known(before) else ()
    parts, tax = sliced(taxes, part_slice)
    if tax is None:
        tax = slice_of(priced.tax, after, whole, billed_tax)
    return slice_of(priced.net, after, whole, billed_net), tax, parts


def _parts_known(before: Billed | None) -> bool:
    """Whether what the documents billed for a line is known per tax code."""
    return before is None or bool(before.taxes) or not before.tax


def _rest_of(before: Billed) -> Callable[[TaxPart], Money]:
    """What is left of a whole item's tax part once ``before`` billed some of it."""
    known = before.taxes

    def rest(part: TaxPart) -> Money:
        billed = known.get(part.code, zero_money(part.amount.currency))
        return slice_of(part.amount, ONE, ONE, billed)

    return rest


def _extra_lines(extras: tuple[Item, ...], billed: Mapping[str, Billed]) -> list[InvoiceLine]:
    """Gift lines and charges not billed yet: whole, on the first invoice that finds them."""
    lines: list[InvoiceLine] = []
    for item in extras:
        before = billed.get(item.line_id)
        billed_quantity = ZERO if before is None else before.quantity
        if billed_quantity >= item.quantity:
            continue
        if before is None:
            net, tax, parts = item.net, item.tax, item.taxes
        else:
            net = slice_of(item.net, ONE, ONE, before.net)
            taxes = item.taxes if _parts_known(before) else ()
            parts, part_tax = sliced(taxes, _rest_of(before))
            tax = part_tax if part_tax is not None else slice_of(item.tax, ONE, ONE, before.tax)
        charge = item.line_id.startswith(CHARGE_PREFIX)
        lines.append(
            InvoiceLine(
                item.line_id,
                item.sku,
                item.name,
                None,
                "-" if charge else "pcs",
                item.quantity - billed_quantity,
                item.unit_price,
                net,
                item.tax_rate,
                tax,
                parts,
            )
        )
    return lines


def build_invoice(
    order: Order,
    breakdown: PriceSnapshot | PriceBreakdown,
    *,
    number: str,
    at: datetime,
    quantities: Mapping[str, Decimal],
    kind: InvoiceKind | str | None = None,
    calendar: BusinessCalendar | None = None,
) -> InvoiceDocument:
    """The invoice document that billing ``quantities`` of ``order`` now would issue.

    Pure: the order is not changed; :func:`issue_invoice` records the document.

    Args:
        order: The order.
        breakdown: The figures the order was priced at: its
            [PriceSnapshot][salesorder.records.PriceSnapshot] (``order.price_snapshot``),
            or for an order stored without one, its price breakdown.
        number: The invoice number.
        at: The issue time.
        quantities: Quantity to bill per order line (lines not named are not billed).
            Gift lines and charges not billed yet go on the invoice whole.
        kind: ``general`` or ``vat_special``; the order's request when None (general
            when it asked for none).
        calendar: Working days for the due date (Monday to Friday when None).

    Raises:
        RuleViolation: ``invoicing.invoice.nothing_to_bill`` when no line is billed,
            ``invoicing.invoice.line_not_priced`` for a line the breakdown lacks.
    """
    billed = billed_by_line(order)
    items = items_of(breakdown)
    lines = _order_lines(order, items.lines, quantities, billed) + _extra_lines(
        items.extras, billed
    )
    if not lines:
        raise RuleViolation(INVOICE_EMPTY)
    by_rate = rate_totals(lines, order.currency)
    net, tax = totals(by_rate, order.currency)
    requested = order.invoice.kind
    chosen = kind or (requested if requested is not InvoiceKind.NONE else InvoiceKind.GENERAL)
    return InvoiceDocument(
        number=number,
        order_id=order.id,
        order_number=order.number,
        customer_id=order.customer.id,
        kind=str(getattr(chosen, "value", chosen)),
        currency=order.currency,
        issued_at=at,
        due_on=due_on(order, at, calendar or WeekendCalendar()),
        lines=tuple(lines),
        tax_by_rate=by_rate,
        net_total=net,
        tax_total=tax,
        buyer=buyer_of(order),
    )


@attrs.frozen
class IssuedInvoice:
    """What :func:`issue_invoice` did.

    Attributes:
        document: The invoice document (the first one for a repeated key).
        result: The lifecycle result (``OrderInvoiced``).
        events: Every event to record: the result's, then ``InvoiceIssued`` (the
            payment notice); empty for a repeated key.
    """

    document: InvoiceDocument
    result: TransitionResult
    events: tuple[DomainEvent, ...]


def deliverable_billing(order: Order) -> dict[str, Decimal]:
    """What each line may be invoiced for when only delivered goods are billed.

    Delivered minus returned minus invoiced, never more than the billable quantity
    (:func:`salesorder.lifecycle.billable_quantities`); lines with nothing left are
    left out.
    """
    billable = lifecycle.billable_quantities(order)
    found: dict[str, Decimal] = {}
    for line_id, left in billable.items():
        ledger = order.ledger(line_id)
        delivered = ledger.delivered - ledger.returned - ledger.invoiced
        quantity = min(left, delivered)
        if quantity > 0:
            found[line_id] = quantity
    return found


def repeated(order: Order, key: str | None, *, actor: str, at: datetime) -> TransitionResult | None:
    """The first result of a billing command (invoice or credit note) repeated with ``key``.

    ``actor`` and ``at`` are those of the repeat; the first result is returned as it was.
    """
    del actor, at  # the stored result answers the repeat, whoever repeats it and when
    if key is None:
        return None
    for entry in order.idempotency:
        if entry[0] == key:
            # Invoices and credit notes share the lifecycle's ``invoice`` event.
            stored = entry[2]
            if isinstance(stored, TransitionResult):
                return stored
            rebuilt: TransitionResult = decode(TransitionResult, stored)
            return rebuilt
    return None


def _first_issue(order: Order, result: TransitionResult) -> IssuedInvoice:
    numbers = {getattr(event, "invoice_id", None) for event in result.events}
    for document in invoice_documents(order):
        if document.number in numbers:
            return IssuedInvoice(document, result, ())
    # The key was first used by a credit note or an invoice recorded without a document.
    raise RuleViolation(KEY_USED_ELSEWHERE, params={"document": "invoice"})


def _check_quantities(
    order: Order, quantities: Mapping[str, Decimal], *, actor: str, at: datetime
) -> None:
    """Raise the lifecycle's own refusal of ``quantities`` (unknown line, not positive).

    Quantities that bill nothing are wrong in a way the lifecycle names best; it checks
    them on a copy (the copy is changed, never the order: the lifecycle replaces the
    order's fields and never mutates their values).
    """
    trial = copy.copy(order)
    smallest = Money.of(Decimal(1).scaleb(-minor_unit(order.currency)), order.currency)
    lifecycle.invoice(
        trial, kind=InvoiceKind.GENERAL, amount=smallest, lines=quantities, actor=actor, at=at
    )


def issue_invoice(
    order: Order,
    breakdown: PriceSnapshot | PriceBreakdown,
    *,
    number: str,
    actor: str,
    at: datetime,
    lines: Mapping[str, Decimal | int | str] | None = None,
    kind: InvoiceKind | str | None = None,
    calendar: BusinessCalendar | None = None,
    delivered_only: bool = False,
    idempotency_key: str | None = None,
) -> IssuedInvoice:
    """Issue a numbered invoice document (开票) and record it on the order.

    The document bills exact slices of ``breakdown`` (see :func:`build_invoice`); the
    lifecycle records it as an invoice of its gross amount for its quantities
    (:func:`salesorder.lifecycle.invoice`, so every billing rule and status applies),
    and the document is kept on that record (``order.invoices[-1].document``).

    Args:
        order: A confirmed (or later, not archived) order.
        breakdown: The order's price snapshot (``order.price_snapshot``), or its price
            breakdown for an order stored without one.
        number: The invoice number (from the invoice numbering port).
        actor: Who issues it.
        at: When.
        lines: Quantity per line; everything still billable when None (with
            ``delivered_only``: everything delivered and not invoiced yet).
        kind: ``general`` or ``vat_special``; the order's request when None.
        calendar: Working days for the due date.
        delivered_only: Bill what was delivered (按签收开票) when ``lines`` is None.
        idempotency_key: Repeat protection: a repeated key returns the first document.

    Returns:
        The document, the lifecycle result and the events to record.

    Raises:
        IllegalTransition: if the order cannot be invoiced now.
        RuleViolation: ``invoicing.number_taken``, the codes of :func:`build_invoice`
            and of :func:`salesorder.lifecycle.invoice` (kind, quantities, billable).
    """
    first = repeated(order, idempotency_key, actor=actor, at=at)
    if first is not None:
        return _first_issue(order, first)
    if number in document_numbers(order):
        raise RuleViolation(INVOICE_NUMBER_TAKEN, params={"number": number})
    if lines is None:
        quantities = (
            deliverable_billing(order) if delivered_only else lifecycle.billable_quantities(order)
        )
    else:
        quantities = {
            line_id: to_decimal(quantity, what="quantity") for line_id, quantity in lines.items()
        }
    try:
        document = build_invoice(
            order,
            breakdown,
            number=number,
            at=at,
            quantities=quantities,
            kind=kind,
            calendar=calendar,
        )
    except RuleViolation as refusal:
        if refusal.code == INVOICE_EMPTY and quantities:
            _check_quantities(order, quantities, actor=actor, at=at)
        raise
    # The lifecycle checks the quantities (line ids, positive, billable) before any write.
    result = lifecycle.invoice(
        order,
        kind=document.kind,
        amount=document.gross_total,
        lines=quantities,
        actor=actor,
        at=at,
        invoice_id=number,
        idempotency_key=idempotency_key,
        document=document,
    )
    notice = InvoiceIssued(
        occurred_at=at,
        order_id=order.id,
        actor=actor,
        source=result.source.value,
        target=result.target.value,
        revision=result.revision,
        number=number,
        kind=document.kind,
        amount=document.gross_total,
        tax=document.tax_total,
        due_on=document.due_on,
    )
    return IssuedInvoice(document, result, (*result.events, notice))
