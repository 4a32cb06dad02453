"""Invoices as amounts, payments, refunds and completion (开票, 收款, 退款, 归档).

The invoice documents with numbers, lines and credit notes are in
``salesorder._service.invoicing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from salesorder import lifecycle
from salesorder._service.core import ServiceCore, line_quantities
from salesorder.lifecycle import TransitionResult
from salesorder.money import Money
from salesorder.order import InvoiceKind, Order
from salesorder.ports import ServiceUnitOfWork

__all__ = ["BillingUseCases"]

ZERO = Decimal(0)


class BillingUseCases(ServiceCore):
    """Invoice what is billable, record payments and refunds, complete the order."""

    def invoice(
        self,
        order_id: str,
        *,
        actor: str,
        kind: InvoiceKind | str | None = None,
        lines: Mapping[str, Decimal | int | str] | None = None,
        amount: Money | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Issue an invoice (开票) for line quantities (all still billable by default).

        By default it bills what `salesorder.lifecycle.billable_quantities` leaves:
        ordered minus returned minus invoiced. The amount defaults to the priced gross
        of the invoiced quantities; the kind
        to the order's invoice request (general when the order asked for none).
        """

        def command(order: Order, _uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            quantities = (
                line_quantities(lines)
                if lines is not None
                else lifecycle.billable_quantities(order)
            )
            due = amount if amount is not None else _charged(order, quantities)
            requested = order.invoice.kind
            chosen = kind or (
                requested if requested is not InvoiceKind.NONE else InvoiceKind.GENERAL
            )
            return lifecycle.invoice(
                order,
                kind=chosen,
                amount=due,
                lines=quantities,
                actor=actor,
                at=now,
                idempotency_key=idempotency_key,
            )

        return self._run(order_id, command)

    def record_payment(
        self,
        order_id: str,
        *,
        amount: Money,
        actor: str,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Record money received (收款), partial or full."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.record_payment(
                order,
                amount=amount,
                actor=actor,
                at=now,
                reference=reference,
                idempotency_key=idempotency_key,
            ),
        )

    def record_refund(
        self,
        order_id: str,
        *,
        amount: Money,
        actor: str,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Record money paid back to the customer (退款)."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.record_refund(
                order,
                amount=amount,
                actor=actor,
                at=now,
                reference=reference,
                idempotency_key=idempotency_key,
            ),
        )

    def complete(
        self, order_id: str, *, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Complete a delivered, invoiced and paid order; it is archived (归档)."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.complete(
                order, actor=actor, at=now, idempotency_key=idempotency_key
            ),
        )


def _charged(order: Order, quantities: Mapping[str, Decimal]) -> Money:
    """What invoicing ``quantities`` should bill.

    Invoicing everything still uninvoiced bills the rest of the grand total (so the
    invoices of an order always add up to it exactly, charges included); a part bills
    each line's priced gross in proportion to the quantity.
    """
    zero = Money.zero(order.currency)
    remaining = {
        line.line_id: line.quantity - order.ledger(line.line_id).invoiced for line in order.lines
    }
    if order.grand_total is not None and all(
        quantities.get(line_id, ZERO) >= left for line_id, left in remaining.items()
    ):
        billed = sum((invoice.amount for invoice in order.invoices), zero)
        return max(order.grand_total - billed, zero)
    totals = dict(order.line_totals)
    amount = zero
    for line in order.lines:
        quantity = quantities.get(line.line_id)
        if quantity and line.line_id in totals and line.quantity:
            amount += totals[line.line_id] * (quantity / line.quantity)
    return amount.quantize()
