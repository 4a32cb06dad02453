"""After-sales (售后): return, exchange and repair requests, their approval and receipt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder import _arguments as arguments
from salesorder import lifecycle
from salesorder._service.core import ServiceCore, line_quantities
from salesorder.errors import InvalidArgument, ValidationFailed
from salesorder.lifecycle import ApprovalPolicy, TransitionResult, exchange_reference
from salesorder.money import Money
from salesorder.order import Order, OrderLine, OrderType, new_id
from salesorder.ports import ServiceUnitOfWork
from salesorder.pricing import PriceBreakdown
from salesorder.records import PaymentKind, ReturnKind, ReturnState, Status, StockDisposition
from salesorder.stockhook import StoreReservations, run_with_stock
from salesorder.validation import ValidationReport

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
        replacement: Sequence[OrderLine] | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Receive returned goods (restock or scrap) and compute the refund due.

        With ``refund=True`` (the short path of a shop that pays back on receipt) the
        refund due is also recorded as paid back, in the same unit of work: all of it,
        or what was received when the customer paid less (nothing when nothing was
        paid). The result is the receipt's; the refund is a payment of kind ``refund``
        on the order, with its own ``RefundRecorded`` event.

        An exchange opens its replacement order (换货单, type ``exchange``) in the same
        unit of work, confirmed with its stock reserved, shipped and delivered as any
        order; the return's ``replacement_order_id`` names it. Without ``replacement``
        it ships the exchanged units again at no price (they stay billable here); with
        ``replacement`` (the lines to send instead, priced as at entry) the units given
        back are credited here, the credit the customer paid is carried over to the
        replacement (a refund here, a payment there, both referenced
        ``exchange:<replacement id>``), and the difference is owed on the replacement
        or, when the credit is larger, refunded here. A repair moves no stock: it goes
        back out with [ship_repair][salesorder.service.OrderService.ship_repair].
        """
        if replacement is not None:
            replacement = tuple(
                arguments.instance_of(line, OrderLine, argument="replacement")
                for line in arguments.iterable(replacement, argument="replacement")
            )
            if not replacement:
                raise InvalidArgument(params={"argument": "replacement"})
        number = self._replacement_number(order_id, return_id)

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            hook = self._hook(uow, now, actor)
            opened: _Replacement | None = None
            if number is not None and not _known_key(order, idempotency_key):
                opened = self._open_replacement(order, return_id, replacement, number, now)
            result = run_with_stock(
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
                    replacement_order_id=None if opened is None else opened.order.id,
                    replacement_total=None if opened is None else opened.total,
                    replacement_request=replacement,
                    idempotency_key=idempotency_key,
                ),
                hook,
            )
            if opened is not None:
                self._confirm_replacement(order, opened, uow, hook, now, actor)
            return result

        def pay_back(order: Order, now: datetime) -> TransitionResult | None:
            record = next(r for r in order.returns if r.return_id == return_id)
            owed = record.refund
            if owed is not None and record.replacement_order_id is not None:
                moved = exchange_reference(record.replacement_order_id)
                for payment in order.payments:
                    if payment.reference == moved and payment.kind is PaymentKind.REFUND:
                        owed = owed - payment.amount
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

    def ship_repair(
        self,
        order_id: str,
        *,
        return_id: str,
        actor: str,
        carrier: str | None = None,
        tracking_number: str | None = None,
        shipment_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Send a received repair back to the customer on the return's shipment (寄回).

        No stock moves and nothing is billed; an archived order sends back what it took
        in for repair. An open order cannot complete or close before its received
        repairs have left (``lifecycle.repair.with_seller``).
        """
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.ship_repair(
                order,
                return_id=return_id,
                actor=actor,
                at=now,
                carrier=carrier,
                tracking_number=tracking_number,
                shipment_id=shipment_id,
                idempotency_key=idempotency_key,
            ),
        )

    def deliver_repair(
        self, order_id: str, *, return_id: str, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Record that the customer signed for a repair shipped back."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.deliver_repair(
                order, return_id=return_id, actor=actor, at=now, idempotency_key=idempotency_key
            ),
        )

    def _replacement_number(self, order_id: str, return_id: str) -> str | None:
        """A number for the replacement of an approved exchange, drawn before the work."""
        arguments.storable_text(order_id, argument="order_id")
        arguments.storable_text(return_id, argument="return_id")
        with self._uow() as uow:
            order = uow.orders.get(order_id)
        for record in order.returns:
            if (
                record.return_id == return_id
                and record.kind is ReturnKind.EXCHANGE
                and record.state is ReturnState.APPROVED
            ):
                return self._numbering.next_number(at=self.clock.now())
        return None

    def _open_replacement(
        self,
        order: Order,
        return_id: str,
        replacement: Sequence[OrderLine] | None,
        number: str,
        now: datetime,
    ) -> _Replacement:
        """The replacement order of an exchange, priced and checked, not yet stored."""
        record = next(r for r in order.returns if r.return_id == return_id)
        if replacement is None:
            by_id = {line.line_id: line for line in order.lines}
            zero = Money.zero(order.currency)
            lines = tuple(
                attrs.evolve(
                    by_id[line_id],
                    line_id=str(index),
                    quantity=quantity,
                    unit_price=zero,
                    requested_discount=None,
                )
                for index, (line_id, quantity) in enumerate(record.lines, start=1)
            )
        else:
            lines = tuple(replacement)
        draft = Order(
            new_id(),
            order.customer,
            order.currency,
            lines,
            number=number,
            order_type=OrderType.EXCHANGE,
            channel=order.channel,
            billing_address=order.billing_address,
            shipping_address=order.shipping_address,
            payment_terms=order.payment_terms,
            invoice=order.invoice,
            salesperson=order.salesperson,
            external_ref=order.external_ref,
            created_at=now,
        )
        draft.locked_prices = self._locked_prices(draft, now)
        breakdown = self.price_order(draft)
        if replacement is None:
            # Sent again at no price: what a price list would charge for carriage or
            # anything else is not the customer's to pay for an exchange.
            nothing = Money.zero(order.currency).quantize()
            draft.line_totals = tuple((line.line_id, nothing) for line in lines)
            draft.grand_total = nothing
            return _Replacement(draft, breakdown, None)
        self._keep_prices(draft, breakdown)
        draft.grand_total = breakdown.grand_total
        total = breakdown.grand_total
        return _Replacement(draft, breakdown, total)

    def _confirm_replacement(  # noqa: PLR0917 - the steps of one unit of work
        self,
        original: Order,
        opened: _Replacement,
        uow: ServiceUnitOfWork,
        hook: StoreReservations,
        now: datetime,
        actor: str,
    ) -> None:
        """Check, submit and confirm the replacement; carry the credit over; store it."""
        draft = opened.order
        report = ValidationReport(
            issues=self._rules.run(draft, self._context(now, uow.stock)), order=draft
        )
        if not report.ok:
            raise ValidationFailed(report)
        events = list(
            lifecycle.submit(
                draft,
                actor=actor,
                at=now,
                report=report if opened.total is not None else _NOTHING_TO_APPROVE,
                breakdown=opened.breakdown if opened.total is not None else _Free(draft),
                approval_policy=_APPROVED_BY_THE_RETURN,
            ).events
        )
        if draft.status is Status.APPROVED:
            confirmed = run_with_stock(
                draft,
                lambda order, backordered: lifecycle.confirm(
                    order,
                    actor=actor,
                    at=now,
                    backordered=backordered,
                    lifecycle_policy=self._lifecycle_policy,
                ),
                hook,
                reserves=True,
            )
            events.extend(confirmed.events)
        moved = exchange_reference(draft.id)
        for payment in original.payments:
            if payment.reference == moved and payment.kind is PaymentKind.REFUND:
                paid = lifecycle.record_payment(
                    draft, amount=payment.amount, actor=actor, at=now, reference=moved
                )
                events.extend(paid.events)
        uow.orders.add(draft)
        uow.outbox.add(tuple(events))


#: The exchange was approved with its return: its replacement needs no approval of its
#: own, but for what the pricing of other goods flags (a manual discount beyond policy).
_APPROVED_BY_THE_RETURN = ApprovalPolicy(new_customer_level=None, amendment_level=None)


@attrs.frozen
class _Free:
    """A like-for-like replacement's price: nothing, and its zero prices flag nothing.

    The units were sold (and are billed) on the original order; the exchange that
    sends them again was approved with its return.
    """

    order: Order

    @property
    def grand_total(self) -> Money:
        grand_total = self.order.grand_total
        return Money.zero(self.order.currency) if grand_total is None else grand_total

    @property
    def flags(self) -> tuple[()]:
        return ()


_NOTHING_TO_APPROVE = ValidationReport(issues=())


@attrs.frozen
class _Replacement:
    order: Order
    breakdown: PriceBreakdown
    total: Money | None


def _known_key(order: Order, key: str | None) -> bool:
    """Whether ``key`` is a repeated idempotency key of the order (nothing is opened)."""
    return key is not None and any(entry[0] == key for entry in order.idempotency)


def _charged_lines(order: Order) -> _ChargedLines:
    totals = dict(order.line_totals)
    return _ChargedLines(
        tuple(
            _LinePaid(line.line_id, line.quantity, totals[line.line_id])
            for line in order.lines
            if line.line_id in totals
        )
    )
