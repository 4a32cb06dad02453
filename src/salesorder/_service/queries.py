"""Reading orders and quotes, SLA breaches, expiry for a scheduler, the printed form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from salesorder import _arguments as arguments
from salesorder import lifecycle
from salesorder._service.core import ServiceCore
from salesorder.documents import Seller, render_html, render_text
from salesorder.errors import ConcurrencyConflict, IllegalTransition, NotFound, RuleViolation
from salesorder.lifecycle import TransitionResult
from salesorder.order import Order
from salesorder.ports import OverdueIndex, ServiceUnitOfWork
from salesorder.quotes import Quote
from salesorder.records import ARCHIVED, Status
from salesorder.sla import Breach
from salesorder.sla import overdue as sla_overdue
from salesorder.sla import overdue_bounds as sla_bounds
from salesorder.stockhook import run_with_stock

__all__ = ["QueryUseCases"]


class QueryUseCases(ServiceCore):
    """Get and find orders, list quotes, find overdue orders, expire orders, print one."""

    def get_by_number(self, number: str) -> Order:
        """The order with this number.

        Raises:
            NotFound: if there is no such order.
        """
        arguments.storable_text(number, argument="number")
        with self._uow() as uow:
            order = uow.orders.find_by_number(number)
        if order is None:
            raise NotFound(params={"entity": "order", "id": number})
        return order

    def find(
        self,
        *,
        customer_id: str | None = None,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> Sequence[Order]:
        """Orders by customer, status and creation time, oldest first."""
        arguments.optional_texts(customer_id=customer_id, status=status)
        for moment in (created_from, created_to):
            if moment is not None:
                arguments.instance_of(moment, datetime, argument="created_from / created_to")
        with self._uow() as uow:
            return uow.orders.find(
                customer_id=customer_id,
                status=status,
                created_from=created_from,
                created_to=created_to,
            )

    def quotes(self) -> Sequence[Quote]:
        """Every quote, oldest first."""
        with self._uow() as uow:
            return uow.quotes.all()

    def overdue(self, *, now: datetime | None = None) -> list[tuple[Order, Breach]]:
        """Every open order past one of its SLA deadlines, with the breach."""
        if now is not None:
            arguments.instance_of(now, datetime, argument="now")
        moment = now or self.clock.now()
        # Only an order in a status some deadline watches can be overdue: ask the
        # store for those statuses (an indexed filter on SQL), not for every order.
        watched = sorted({deadline.status for deadline in self._deadlines} - ARCHIVED)
        with self._uow() as uow:
            if isinstance(uow.orders, OverdueIndex):
                # Only those in it since a moment past which a deadline is missed.
                bounds = sla_bounds(
                    self._deadlines, moment, calendar=self._calendar, statuses=watched
                )
                candidates = list(uow.orders.find_entered_before(bounds))
            else:
                candidates = [o for status in watched for o in uow.orders.find(status=status)]
        candidates.sort(
            key=lambda order: (order.created_at is not None, order.created_at, order.id)
        )
        found: list[tuple[Order, Breach]] = []
        for order in candidates:
            found.extend(
                (order, breach)
                for breach in sla_overdue(
                    order, moment, calendar=self._calendar, deadlines=self._deadlines
                )
            )
        return found

    def expire_orders(
        self, *, now: datetime | None = None, actor: str = "system"
    ) -> list[TransitionResult]:
        """Expire every order whose time is up under the lifecycle policy (for a scheduler).

        Each order expires in its own unit of work (cancelled with the reason
        ``expired``, its stock released), so one failure does not hold back the others;
        an order that changed meanwhile (a payment arrived, someone confirmed it) is
        left alone.

        Args:
            now: The moment to judge by (the clock's now when None).
            actor: Who the audit names.

        Returns:
            The results of the orders expired, in the order found.
        """
        moment = now or self.clock.now()
        policy = self._lifecycle_policy
        due = [
            order.id
            for status in (Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED, Status.CONFIRMED)
            for order in self.find(status=status)
            if (deadline := lifecycle.expiry_due(order, policy)) is not None and deadline <= moment
        ]
        expired: list[TransitionResult] = []
        for order_id in due:

            def command(order: Order, uow: ServiceUnitOfWork, _now: datetime) -> TransitionResult:
                return run_with_stock(
                    order,
                    lambda order, _backordered: lifecycle.expire(
                        order, at=moment, actor=actor, lifecycle_policy=policy
                    ),
                    self._hook(uow, moment, actor),
                )

            try:
                expired.append(self._run(order_id, command))
            except (ConcurrencyConflict, IllegalTransition, RuleViolation):
                continue  # changed since it was found: no longer due
        return expired

    def print_order(
        self,
        order_id: str,
        *,
        seller: Seller,
        locale: str = "zh_CN",
        html: bool = False,
        issued_on: date | None = None,
    ) -> str:
        """The printable sales order form (打单), as text or A4 HTML."""
        order = self.get(order_id)
        breakdown = self.price_order(order)
        render = render_html if html else render_text
        return render(order, breakdown, seller=seller, locale=locale, issued_on=issued_on)
