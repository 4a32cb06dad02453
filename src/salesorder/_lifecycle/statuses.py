"""Derived statuses: fulfilment, returns, billing and payment, from the exact ledgers.

Invariant: nothing here is stored; every status is a pure function of the order's
per-line ``Decimal`` quantities and its recorded payments.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal

from salesorder.money import Money
from salesorder.order import Order
from salesorder.records import (
    LineLedger,
    PaymentKind,
    Status,
)

__all__ = [
    "BillingStatus",
    "FulfilmentStatus",
    "PaymentStatus",
    "ReturnStatus",
    "amount_due",
    "billable_quantities",
    "billing_status",
    "fulfilment_status",
    "net_paid",
    "payment_status",
    "return_status",
]

# -- derived statuses -------------------------------------------------------------------------


class FulfilmentStatus(enum.StrEnum):
    """How much of the order has shipped."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class BillingStatus(enum.StrEnum):
    """How much of the billable quantity (ordered minus returned) has been invoiced."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class PaymentStatus(enum.StrEnum):
    """Money received against the amount due."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERPAID = "overpaid"
    REFUNDED = "refunded"


class ReturnStatus(enum.StrEnum):
    """How much of what was delivered has come back for good (kind ``return``)."""

    NONE = "none"
    PARTIALLY_RETURNED = "partially_returned"
    RETURNED = "returned"


def return_status(order: Order) -> ReturnStatus:
    """Returned against delivered quantities, per line.

    Exchanged and repaired units stay with the customer and do not count; requests not
    yet received do not either.

    Args:
        order: The order.

    Returns:
        ``none`` when nothing came back, ``returned`` when every delivered unit of every
        line did, else ``partially_returned``.
    """
    returned_any = False
    everything = True
    for ledger in order.ledgers:
        returned_any = returned_any or ledger.returned > 0
        everything = everything and ledger.returned >= ledger.delivered
    if not returned_any:
        return ReturnStatus.NONE
    return ReturnStatus.RETURNED if everything else ReturnStatus.PARTIALLY_RETURNED


def fulfilment_status(order: Order) -> FulfilmentStatus:
    """Shipped against ordered quantities, per line.

    Args:
        order: The order.

    Returns:
        ``none`` when nothing shipped, ``full`` when every line shipped in full.
    """
    shipped_any = False
    full = True
    for line in order.lines:
        shipped = order.ledger(line.line_id).shipped
        shipped_any = shipped_any or shipped > 0
        full = full and shipped >= line.quantity
    if not shipped_any:
        return FulfilmentStatus.NONE
    return FulfilmentStatus.FULL if full else FulfilmentStatus.PARTIAL


def billable_quantities(order: Order) -> dict[str, Decimal]:
    """What each line may still be invoiced for: ordered minus returned minus invoiced.

    For a closed order, delivered (not ordered) minus returned minus invoiced. An order
    priced at nothing (a sample, the like-for-like replacement of an exchange) has
    nothing to bill: no invoice of a positive amount could be issued for it.

    The one definition of "billable": :func:`invoice` refuses more, the service's
    ``invoice()`` bills exactly this by default, and :func:`billing_status` is ``full``
    when nothing is left.

    Args:
        order: The order.

    Returns:
        Quantity per line id, for the lines with something left to invoice.
    """
    left: dict[str, Decimal] = {}
    total = order.grand_total
    if total is not None and not total:
        return left
    # A closed order bills what it delivered: the rest was closed out, never to ship.
    closed = order.status is Status.CLOSED
    ledgers = {ledger.line_id: ledger for ledger in order.ledgers}
    for line in order.lines:
        ledger = ledgers.get(line.line_id) or LineLedger(line.line_id)
        billed_on = ledger.delivered if closed else line.quantity
        remaining = billed_on - ledger.returned - ledger.invoiced
        if remaining > 0:
            left[line.line_id] = remaining
    return left


def billing_status(order: Order) -> BillingStatus:
    """Invoiced against billable quantities (ordered minus returned), per line.

    Amount-only invoices (advance invoices) count in the invoiced amount, not here.

    Args:
        order: The order.

    Returns:
        ``full`` when nothing is left to invoice (an order returned in full before any
        invoice included), else ``none`` when no quantity was invoiced, else ``partial``.
    """
    if not billable_quantities(order):
        # Everything is invoiced, or nothing is left to bill (all of it returned).
        return BillingStatus.FULL
    if not any(order.ledger(line.line_id).invoiced > 0 for line in order.lines):
        return BillingStatus.NONE
    return BillingStatus.PARTIAL


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def net_paid(order: Order) -> Money:
    """Confirmed payments received minus refunds paid, in the order currency.

    Pending, failed and voided payments count for nothing.
    """
    paid = _sum(
        (p.amount for p in order.payments if p.kind is PaymentKind.PAYMENT and p.counts),
        order.currency,
    )
    refunded = _sum(
        (p.amount for p in order.payments if p.kind is PaymentKind.REFUND and p.counts),
        order.currency,
    )
    return paid - refunded


def amount_due(order: Order) -> Money:
    """The order total less the refunds owed for received returns (zero before pricing)."""
    total = order.grand_total if order.grand_total is not None else Money.zero(order.currency)
    credited = _sum((r.refund for r in order.returns if r.refund is not None), order.currency)
    return total - credited


def payment_status(order: Order) -> PaymentStatus:
    """Money received against :func:`amount_due`.

    Args:
        order: The order.

    Only confirmed payments count: a pending one leaves the order ``unpaid``.

    Returns:
        ``unpaid`` (nothing confirmed received), ``refunded`` (everything received paid back),
        otherwise ``partially_paid``, ``paid`` or ``overpaid`` by the net received.
    """
    if not any(p.kind is PaymentKind.PAYMENT and p.counts for p in order.payments):
        return PaymentStatus.UNPAID
    net = net_paid(order)
    refunded_any = any(p.kind is PaymentKind.REFUND and p.counts for p in order.payments)
    if refunded_any and not net:
        return PaymentStatus.REFUNDED
    due = amount_due(order)
    if net < due:
        return PaymentStatus.PARTIALLY_PAID
    return PaymentStatus.PAID if net == due else PaymentStatus.OVERPAID
