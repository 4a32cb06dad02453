"""From submission to the customer's signature: approval, confirmation, shipments, holds.

Each command runs through ``ServiceCore._run``; those that move stock hand the lifecycle
command to ``run_with_stock`` with the unit of work's stock store, so a refused stock
step leaves order and stock as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from salesorder import lifecycle
from salesorder._service.core import ServiceCore, line_quantities
from salesorder.errors import ValidationFailed
from salesorder.lifecycle import TransitionResult
from salesorder.order import Order
from salesorder.ports import ServiceUnitOfWork
from salesorder.stockhook import run_with_stock
from salesorder.validation import ValidationReport

__all__ = ["FulfilmentUseCases"]


class FulfilmentUseCases(ServiceCore):
    """Submit, approve, confirm, ship (planned or not), deliver, hold, cancel and close."""

    def submit(
        self, order_id: str, *, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Submit a draft for review; with nothing to approve it is approved at once."""

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            report = ValidationReport(
                issues=self._rules.run(order, self._context(now, uow.stock, uow.orders)),
                order=order,
            )
            if not report.ok:
                raise ValidationFailed(report)
            breakdown = self.price_order(order)
            history = len(order.audit)
            result = lifecycle.submit(
                order,
                actor=actor,
                at=now,
                report=report,
                breakdown=breakdown,
                approval_policy=self._approval_policy,
                idempotency_key=idempotency_key,
            )
            if len(order.audit) != history:
                # The figures the customer confirms: what invoices are sliced from.
                self._keep_prices(order, breakdown)
            return result

        return self._run(order_id, command)

    def approve(
        self,
        order_id: str,
        *,
        level: str,
        actor: str,
        comment: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Sign one approval level (审批)."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.approve(
                order,
                level=level,
                actor=actor,
                at=now,
                comment=comment,
                lifecycle_policy=self._lifecycle_policy,
                idempotency_key=idempotency_key,
            ),
        )

    def reject(
        self,
        order_id: str,
        *,
        reasons: Sequence[str],
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Send an order back to draft with coded reasons (驳回)."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.reject(
                order, reasons=reasons, actor=actor, at=now, idempotency_key=idempotency_key
            ),
        )

    def confirm(
        self, order_id: str, *, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Confirm an approved order and reserve its stock (确认 / 备货)."""
        return self._run(
            order_id,
            lambda order, uow, now: run_with_stock(
                order,
                lambda order, backordered: lifecycle.confirm(
                    order,
                    actor=actor,
                    at=now,
                    backordered=backordered,
                    lifecycle_policy=self._lifecycle_policy,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
                reserves=True,
            ),
        )

    def ship(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal | int | str] | None = None,
        actor: str,
        carrier: str | None = None,
        tracking_number: str | None = None,
        shipment_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Ship line quantities, partially or fully (发货); stock leaves the warehouse.

        With the ``shipment_id`` of a planned shipment
        ([plan_shipment][salesorder.service.OrderService.plan_shipment]) and no ``lines``,
        the plan ships as planned.

        Raises:
            RuleViolation: ``lifecycle.quantity.none_given`` with neither lines nor a plan.
        """
        quantities = line_quantities(lines) if lines is not None else None

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            wanted = quantities
            if wanted is None and shipment_id is not None:
                plans = [s for s in order.shipments if s.shipment_id == shipment_id]
                wanted = dict(plans[0].lines) if plans else {}
            return run_with_stock(
                order,
                lambda order, _backordered: lifecycle.ship(
                    order,
                    lines=wanted or {},
                    actor=actor,
                    at=now,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    shipment_id=shipment_id,
                    lifecycle_policy=self._lifecycle_policy,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
            )

        return self._run(order_id, command)

    def plan_shipment(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal | int | str],
        actor: str,
        shipment_id: str | None = None,
        carrier: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Plan a shipment (备货): nothing leaves yet; ship it later with its id."""
        quantities = line_quantities(lines)
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.plan_shipment(
                order,
                lines=quantities,
                actor=actor,
                at=now,
                shipment_id=shipment_id,
                carrier=carrier,
                idempotency_key=idempotency_key,
            ),
        )

    def cancel_shipment(
        self,
        order_id: str,
        *,
        shipment_id: str,
        reason: str,
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Call off a planned shipment; its goods stay reserved for the order."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.cancel_shipment(
                order,
                shipment_id=shipment_id,
                reason=reason,
                actor=actor,
                at=now,
                idempotency_key=idempotency_key,
            ),
        )

    def void_shipment(
        self,
        order_id: str,
        *,
        shipment_id: str,
        reason: str,
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Void a shipped shipment before it is signed for: goods back, reserved again (作废)."""
        return self._run(
            order_id,
            lambda order, uow, now: run_with_stock(
                order,
                lambda order, _backordered: lifecycle.void_shipment(
                    order,
                    shipment_id=shipment_id,
                    reason=reason,
                    actor=actor,
                    at=now,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
            ),
        )

    def deliver(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal | int | str],
        actor: str,
        proof: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Record that the customer signed for line quantities (签收)."""
        quantities = line_quantities(lines)
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.deliver(
                order,
                lines=quantities,
                actor=actor,
                at=now,
                proof=proof,
                idempotency_key=idempotency_key,
            ),
        )

    def cancel(
        self, order_id: str, *, reason: str, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Cancel (撤单) before anything shipped; reserved stock and coupons are released."""

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            history = len(order.audit)
            result = run_with_stock(
                order,
                lambda order, _backordered: lifecycle.cancel(
                    order,
                    reason=reason,
                    actor=actor,
                    at=now,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
            )
            if order.coupons and len(order.audit) != history:
                uow.coupons.release(order.id)
            return result

        return self._run(order_id, command)

    def close(
        self, order_id: str, *, reason: str, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Short-close an order with undelivered quantities; their reservations are released."""
        return self._run(
            order_id,
            lambda order, uow, now: run_with_stock(
                order,
                lambda order, _backordered: lifecycle.close(
                    order,
                    reason=reason,
                    actor=actor,
                    at=now,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
            ),
        )

    def hold(
        self, order_id: str, *, reason: str, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Put an order on hold (挂起)."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.hold(
                order, reason=reason, actor=actor, at=now, idempotency_key=idempotency_key
            ),
        )

    def resume(
        self, order_id: str, *, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Resume a held order to the status it was held from."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.resume(
                order, actor=actor, at=now, idempotency_key=idempotency_key
            ),
        )
