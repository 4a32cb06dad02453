"""Amendments (改单) and rescheduling (改交期) of an order already entered.

Lines an amendment adds are priced at its time, earlier lines keep their locked prices;
a price change back to the list (``ChangePrice`` to None) reprices that line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Final

import attrs

from salesorder import _arguments as arguments
from salesorder import lifecycle
from salesorder._service import pricing as ports_of_pricing
from salesorder._service.core import ServiceCore
from salesorder.lifecycle import TransitionResult
from salesorder.order import LockedPrice, Order, Revision
from salesorder.ports import ServiceUnitOfWork
from salesorder.pricing import PriceBreakdown
from salesorder.stockhook import run_with_stock

__all__ = ["ChangeUseCases"]


class ChangeUseCases(ServiceCore):
    """Preview and apply amendments; move the requested delivery date."""

    def preview_amendment(
        self, order_id: str, changes: Sequence[lifecycle.Change]
    ) -> lifecycle.AmendmentPreview:
        """What an amendment would do: new totals, stock delta, amount due or refundable."""
        arguments.storable_text(order_id, argument="order_id")
        changes = ports_of_pricing.in_units(self._units, changes)
        with self._uow() as uow:
            order = uow.orders.get(order_id)
        return lifecycle.preview_amendment(
            order, changes, pricing=self._amended_pricing(changes, self.clock.now())
        )

    def _amended_pricing(
        self, changes: Sequence[lifecycle.Change], at: datetime
    ) -> _AmendmentPricing:
        # Read before the lifecycle checks the changes: refuse what is not a change here.
        for change in arguments.iterable(changes, argument="changes"):
            if not isinstance(change, _CHANGE_TYPES):
                raise arguments.wrong_type("change", "an amendment Change", change)
        # Lines the amendment adds are priced at its time, earlier lines keep their locked
        # prices; a price change back to the list (unit_price None) reprices that line.
        requantified = frozenset(
            change.line_id for change in changes if isinstance(change, lifecycle.ChangeQuantity)
        )
        return self._amendment_pricing(at, reprice=_repriced(changes), requantified=requantified)

    def _amendment_pricing(
        self, at: datetime, *, reprice: frozenset[str], requantified: frozenset[str]
    ) -> _AmendmentPricing:
        def locks_of(candidate: Order) -> tuple[LockedPrice, ...]:
            return self._locked_prices(candidate, at, reprice=reprice, requantified=requantified)

        return _AmendmentPricing(locks_of, self.price_order, self._keep_prices)

    def amend(
        self,
        order_id: str,
        changes: Sequence[lifecycle.Change],
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Apply an amendment (改单): a new revision, back through approval if needed.

        A line it adds in another unit than its stock unit takes its conversion factor
        from ``PricingSettings.units`` (an unknown unit raises
        `salesorder.units.UnknownUnit`).
        """
        changes = ports_of_pricing.in_units(self._units, changes)

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            pricing = self._amended_pricing(changes, now)
            revision = order.revision
            result = run_with_stock(
                order,
                lambda order, backordered: lifecycle.amend(
                    order,
                    changes,
                    pricing=pricing,
                    approval_policy=self._approval_policy,
                    actor=actor,
                    at=now,
                    backordered=backordered,
                    lifecycle_policy=self._lifecycle_policy,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
                reserves=True,
            )
            if order.revision != revision:
                pricing.keep_on(order)
            return result

        return self._run(order_id, command)

    def approve_amendment(
        self,
        order_id: str,
        *,
        level: str,
        actor: str,
        comment: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Sign one level of a partly shipped order's amendment (改单审批).

        The last required signature applies it: a new revision priced as the amendment
        was (added lines at the time it was asked), reservations following what is
        left to ship. Until then the order's goods do not move.
        """

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            proposed = order.proposed
            pricing = self._proposal_pricing(proposed, now)
            revision = order.revision
            result = run_with_stock(
                order,
                lambda order, backordered: lifecycle.approve_amendment(
                    order,
                    level=level,
                    actor=actor,
                    at=now,
                    pricing=pricing,
                    backordered=backordered,
                    comment=comment,
                    lifecycle_policy=self._lifecycle_policy,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
                reserves=True,
            )
            if order.revision != revision:
                pricing.keep_on(order)
            return result

        return self._run(order_id, command)

    def reject_amendment(
        self,
        order_id: str,
        *,
        reasons: Sequence[str],
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Turn down a partly shipped order's amendment; the order keeps its terms."""
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.reject_amendment(
                order, reasons=reasons, actor=actor, at=now, idempotency_key=idempotency_key
            ),
        )

    def _proposal_pricing(self, proposed: Revision | None, now: datetime) -> _AmendmentPricing:
        """Prices an applied proposal as its amendment was priced when it was asked."""
        at = now if proposed is None or proposed.at is None else proposed.at
        reprice = frozenset() if proposed is None else _repriced_in(proposed)
        requantified = frozenset() if proposed is None else _coded(proposed, "quantity:")
        return self._amendment_pricing(at, reprice=reprice, requantified=requantified)

    def reschedule(
        self,
        order_id: str,
        *,
        requested_delivery_date: date | None,
        reason: str,
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Move the requested delivery date (改交期), also after the first shipment.

        No approval and no new revision (goods and money do not change); audited with
        its reason, and the customer is told (``DeliveryDateChanged``).
        """
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.reschedule(
                order,
                requested_delivery_date=requested_delivery_date,
                reason=reason,
                actor=actor,
                at=now,
                idempotency_key=idempotency_key,
            ),
        )


class _AmendmentPricing:
    """Prices an amended order for the lifecycle, and keeps what it priced last.

    Lines the amendment adds are locked at its time, a line sent back to the list is
    locked anew, and a requantified line takes its lock day's price at its new quantity
    (its quantity break). Once the lifecycle applied the new revision, ``keep_on`` puts
    those very locks and figures on the order: its grand total came from the same
    breakdown, so the kept figures agree with it, and nothing is priced twice.
    """

    def __init__(
        self,
        locks_of: Callable[[Order], tuple[LockedPrice, ...]],
        price: Callable[[Order], PriceBreakdown],
        keep: Callable[[Order, PriceBreakdown], None],
    ) -> None:
        self._locks_of = locks_of
        self._price = price
        self._keep = keep
        self._last: tuple[tuple[LockedPrice, ...], PriceBreakdown] | None = None

    def __call__(self, candidate: Order) -> PriceBreakdown:
        locks = self._locks_of(candidate)
        breakdown = self._price(attrs.evolve(candidate, locked_prices=locks))
        self._last = (locks, breakdown)
        return breakdown

    def keep_on(self, order: Order) -> None:
        """Keep the locks and figures of the last pricing on ``order`` (the new revision)."""
        if self._last is None:  # pragma: no cover - the lifecycle prices every revision
            return
        order.locked_prices, breakdown = self._last
        self._keep(order, breakdown)


_CHANGE_TYPES: Final = (
    lifecycle.ChangeQuantity,
    lifecycle.AddLine,
    lifecycle.RemoveLine,
    lifecycle.ChangePrice,
    lifecycle.ChangeDeliveryDate,
)


def _repriced(changes: Sequence[lifecycle.Change]) -> frozenset[str]:
    """Lines an amendment sends back to the price list (``ChangePrice`` to None)."""
    return frozenset(
        change.line_id
        for change in changes
        if isinstance(change, lifecycle.ChangePrice) and change.unit_price is None
    )


def _coded(proposed: Revision, prefix: str) -> frozenset[str]:
    """The lines a proposal's change codes name with ``prefix`` (``quantity:1`` ...)."""
    return frozenset(code[len(prefix) :] for code in proposed.changes if code.startswith(prefix))


def _repriced_in(proposed: Revision) -> frozenset[str]:
    """Lines a proposal sends back to the price list (a price change to no agreed price)."""
    by_id = {line.line_id: line for line in proposed.lines}
    return frozenset(
        line_id
        for line_id in _coded(proposed, "price:")
        if line_id in by_id and by_id[line_id].unit_price is None
    )
