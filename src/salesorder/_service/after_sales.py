"""After-sales (售后): return, exchange and repair requests, their approval and receipt."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder import _arguments as arguments
from salesorder import lifecycle
from salesorder._service.core import ServiceCore, line_quantities
from salesorder.lifecycle import TransitionResult
from salesorder.money import Money
from salesorder.order import Order
from salesorder.ports import ServiceUnitOfWork
from salesorder.records import ReturnKind, StockDisposition
from salesorder.stockhook import run_with_stock

__all__ = ["AfterSalesUseCases"]


@attrs.frozen
class _LinePaid:
    """What the customer was charged for a line (a return's refund basis)."""

    line_id: str
    quantity: Decimal
    gross: Money


@attrs.frozen
class _ChargedLines:
    lines: tuple[_LinePaid, ...]


class AfterSalesUseCases(ServiceCore):
    """Request, approve and receive returns, exchanges and repairs; refund on receipt."""

    def request_return(
        self,
        order_id: str,
        *,
        kind: ReturnKind | str,
        lines: Mapping[str, Decimal | int | str],
        reason: str,
        actor: str,
        return_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Request a return, exchange or repair against delivered quantities (售后).

        ``return_id`` is the caller's own id for the request (an RMA number), a new id
        when None. A completed or closed order takes requests within the after-sales
        window of the lifecycle policy, counted on the SLA calendar.
        """
        quantities = line_quantities(lines)
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.request_return(
                order,
                kind=arguments.choice(kind, ReturnKind, argument="kind"),
                lines=quantities,
                reason=reason,
                actor=actor,
                at=now,
                return_id=return_id,
                idempotency_key=idempotency_key,
                lifecycle_policy=self._lifecycle_policy,
                calendar=self._calendar,
            ),
        )

    def approve_return(
        self, order_id: str, *, return_id: str, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Approve a return request."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.approve_return(
                order, return_id=return_id, actor=actor, at=now, idempotency_key=idempotency_key
            ),
        )

    def receive_return(
        self,
        order_id: str,
        *,
        return_id: str,
        actor: str,
        disposition: StockDisposition | str = StockDisposition.RESTOCK,
        refund: bool = False,
        refund_reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Receive returned goods (restock or scrap) and compute the refund due.

        With ``refund=True`` (the short path of a shop that pays back on receipt) the
        refund due is also recorded as paid back, in the same unit of work: all of it,
        or what was received when the customer paid less (nothing when nothing was
        paid). The result is the receipt's; the refund is a payment of kind ``refund``
        on the order, with its own ``RefundRecorded`` event.
        """

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            return run_with_stock(
                order,
                lambda order, _backordered: lifecycle.receive_return(
                    order,
                    return_id=return_id,
                    disposition=arguments.choice(
                        disposition, StockDisposition, argument="disposition"
                    ),
                    actor=actor,
                    at=now,
                    breakdown=_charged_lines(order),
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
            )

        def pay_back(order: Order, now: datetime) -> TransitionResult | None:
            owed = next(r.refund for r in order.returns if r.return_id == return_id)
            paid = lifecycle.net_paid(order)
            amount = owed if owed is not None and owed <= paid else paid
            if not amount:
                return None
            return lifecycle.record_refund(
                order,
                amount=amount,
                actor=actor,
                at=now,
                reference=refund_reference,
                idempotency_key=None if idempotency_key is None else f"{idempotency_key}:refund",
            )

        return self._run(order_id, command, pay_back if refund else None)


def _charged_lines(order: Order) -> _ChargedLines:
    totals = dict(order.line_totals)
    return _ChargedLines(
        tuple(
            _LinePaid(line.line_id, line.quantity, totals[line.line_id])
            for line in order.lines
            if line.line_id in totals
        )
    )
