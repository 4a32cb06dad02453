"""Receivables (应收): what each invoice of an order still asks for, and when it was due.

Everything is judged at the end of one day: documents issued and money received later
do not count.

Only confirmed money counts (a pending, failed or voided payment is not money), from
the moment it was confirmed. Money received is allocated to the open invoices: a
payment the host applied to one invoice (``Payment.invoice_number``) settles that
invoice first, and everything else goes to the open invoices oldest due first (then
by number). The per-order totals do not depend on the allocation.

Invariant: ``outstanding == invoiced − credited − paid + refunded`` per order, and the
per-invoice open amounts add up to it while it is not negative (more received than
billed is a prepayment, shown as a negative outstanding).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from salesorder._invoicing.issue import invoice_documents
from salesorder._invoicing.slicing import zero as zero_money
from salesorder._lifecycle.statuses import amount_due, net_paid
from salesorder.money import Money
from salesorder.order import Order
from salesorder.records import PaymentKind, Status

__all__ = [
    "OpenInvoice",
    "OpenItems",
    "credit_exposure",
    "customer_exposure",
    "open_items",
    "open_items_by_customer",
]

# An order in these statuses is a commitment: the customer will owe what it still asks
# for, invoiced or not. Drafts and orders waiting for approval are not (yet), archived
# orders ask only for their open invoices.
_COMMITTED = frozenset(
    {
        Status.APPROVED,
        Status.CONFIRMED,
        Status.PARTIALLY_SHIPPED,
        Status.SHIPPED,
        Status.DELIVERED,
    }
)


@attrs.frozen
class OpenInvoice:
    """One invoice as a receivable.

    Attributes:
        number: The invoice number.
        order_id: The order.
        customer_id: The customer.
        due_on: When it is due.
        invoiced: What it bills, tax included.
        credited: What its credit notes reverse.
        settled: What the payments allocated to it cover.
        open: ``invoiced − credited − settled``.
        days_overdue: Days past ``due_on`` on the day asked (0 when not overdue or
            nothing is open).
    """

    number: str
    order_id: str
    customer_id: str
    due_on: date
    invoiced: Money
    credited: Money
    settled: Money
    open: Money
    days_overdue: int

    @property
    def is_overdue(self) -> bool:
        """Something is open after the due date."""
        return self.days_overdue > 0


@attrs.frozen
class OpenItems:
    """The receivables of one order or customer on one day (open-items view).

    Attributes:
        currency: Currency of every amount.
        invoiced: Σ invoice documents, tax included.
        credited: Σ credit notes.
        paid: Σ payments received.
        refunded: Σ refunds paid back.
        outstanding: ``invoiced − credited − paid + refunded`` (negative: prepaid).
        overdue: Σ open amounts past their due date.
        invoices: Each invoice with something still open, oldest due first.
    """

    currency: str
    invoiced: Money
    credited: Money
    paid: Money
    refunded: Money
    outstanding: Money
    overdue: Money
    invoices: tuple[OpenInvoice, ...]


def _order_items(order: Order, on: date) -> OpenItems:
    # As the books stood at the end of day ``on``: later documents and money left out.
    zero = zero_money(order.currency)
    documents = sorted(
        (d for d in invoice_documents(order) if d.issued_at.date() <= on),
        key=lambda d: (d.due_on, d.issued_at, d.number),
    )
    credited_by_invoice: dict[str, Money] = {}
    for note in order.credit_notes:
        if note.issued_at.date() <= on:
            credited_by_invoice[note.invoice_number] = (
                credited_by_invoice.get(note.invoice_number, zero) + note.gross_total
            )
    payments = [p for p in order.payments if p.counts and p.counted_from.date() <= on]
    paid = sum((p.amount for p in payments if p.kind is PaymentKind.PAYMENT), zero)
    refunded = sum((p.amount for p in payments if p.kind is PaymentKind.REFUND), zero)
    invoiced = sum((d.gross_total for d in documents), zero)
    credited = sum(credited_by_invoice.values(), zero)
    owed = {
        d.number: max(d.gross_total - credited_by_invoice.get(d.number, zero), zero)
        for d in documents
    }
    settled = dict.fromkeys(owed, zero)
    # What the host applied to an invoice settles it first (up to what it still owes);
    # refunds come out of the unapplied money, then out of the applied, newest first.
    applied = {
        p.payment_id: p.amount
        for p in payments
        if p.kind is PaymentKind.PAYMENT and p.invoice_number in owed
    }
    unapplied = paid - sum(applied.values(), zero) - refunded
    if unapplied < zero:
        for payment_id in reversed(list(applied)):
            taken = min(applied[payment_id], zero - unapplied)
            applied[payment_id] -= taken
            unapplied += taken
    for payment in payments:
        if payment.payment_id in applied and payment.invoice_number is not None:
            number = payment.invoice_number
            amount = min(applied[payment.payment_id], owed[number] - settled[number])
            settled[number] += amount
            unapplied += applied[payment.payment_id] - amount
    available = max(unapplied, zero)
    items: list[OpenInvoice] = []
    overdue = zero
    for document in documents:
        number = document.number
        share = min(owed[number] - settled[number], available)
        available -= share
        settled[number] += share
        left = owed[number] - settled[number]
        late = (on - document.due_on).days if left and on > document.due_on else 0
        if left:
            overdue += left if late else zero
            items.append(
                OpenInvoice(
                    number,
                    order.id,
                    order.customer.id,
                    document.due_on,
                    document.gross_total,
                    credited_by_invoice.get(number, zero),
                    settled[number],
                    left,
                    late,
                )
            )
    return OpenItems(
        order.currency,
        invoiced,
        credited,
        paid,
        refunded,
        invoiced - credited - paid + refunded,
        overdue,
        tuple(items),
    )


def open_items(order: Order, *, on: date) -> OpenItems:
    """The open items of one order at the end of day ``on``.

    Documents issued and money received after ``on`` are left out, so the view of a
    past day is what the books said then.
    """
    return _order_items(order, on)


def open_items_by_customer(
    orders: Iterable[Order], *, on: date, currency: str
) -> dict[str, OpenItems]:
    """The open items of each customer over ``orders`` in ``currency`` (others are skipped)."""
    per_customer: dict[str, list[OpenItems]] = {}
    for order in orders:
        if order.currency == currency:
            per_customer.setdefault(order.customer.id, []).append(_order_items(order, on))
    return {customer: _combine(items, currency) for customer, items in per_customer.items()}


def _combine(parts: list[OpenItems], currency: str) -> OpenItems:
    zero = zero_money(currency)
    return OpenItems(
        currency,
        sum((p.invoiced for p in parts), zero),
        sum((p.credited for p in parts), zero),
        sum((p.paid for p in parts), zero),
        sum((p.refunded for p in parts), zero),
        sum((p.outstanding for p in parts), zero),
        sum((p.overdue for p in parts), zero),
        tuple(sorted((i for p in parts for i in p.invoices), key=lambda i: (i.due_on, i.number))),
    )


def credit_exposure(order: Order) -> Money:
    """What the order counts against the customer's credit (授信占用), never negative.

    An approved, confirmed or shipping order (or one held from those) counts what it
    still asks for: the larger of its amount due (grand total less the refunds owed
    for received returns) and its invoices less their credit notes, less the confirmed
    money received. Any other order (a draft, one waiting for approval, an archived one)
    counts its open invoices only: invoiced − credited − paid + refunded. Pending
    payments do not lower it.
    """
    zero = zero_money(order.currency)
    invoiced = sum((d.gross_total for d in invoice_documents(order)), zero)
    credited = sum((n.gross_total for n in order.credit_notes), zero)
    owed = invoiced - credited
    status = order.held_from if order.status is Status.ON_HOLD else order.status
    if status in _COMMITTED:
        owed = max(owed, amount_due(order))
    return max(owed - net_paid(order), zero)


def customer_exposure(
    orders: Iterable[Order], customer_id: str, *, currency: str, excluding: str | None = None
) -> Money:
    """Σ :func:`credit_exposure` of the customer's orders in ``currency``.

    ``excluding`` leaves one order out (the order whose credit is being checked).
    """
    total = zero_money(currency)
    for order in orders:
        if (
            order.customer.id == customer_id
            and order.currency == currency
            and order.id != excluding
        ):
            total += credit_exposure(order)
    return total
