"""The order process as one service: one method per use case, on the host's ports.

:class:`OrderService` is where a host application meets the library. It is the only
layer that loads, saves and publishes: each use case opens one unit of work, loads
the order, applies a pure lifecycle command, carries out the stock requests the command
returns through the unit of work's stock store (:func:`~salesorder.stockhook.run_with_stock`),
saves the order with its expected version, records the events in the outbox, and
commits — all of it or nothing: a refused stock step leaves the unit of work before
the save, and order and stock stay as they were. Only after the commit are the events
handed to the notifier; a notifier failure leaves them queued and never undoes the
change.

Prices are fixed when the order is entered: every later pricing of the order (on
submit, for returns, for the printed form) prices it at its ``created_at`` with the
service's price list, so the figures stay the same as long as the price list does.

Every failure is a :class:`~salesorder.errors.SalesOrderError` with a code, raised
before anything is committed. Order and quote numbers are drawn before the unit of
work opens, so a numbering port with a transaction of its own (a database sequence)
never waits on the change; like a sequence, a refused entry leaves a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from salesorder import _arguments as arguments
from salesorder import _service_keys as keys
from salesorder import lifecycle
from salesorder.documents import Seller, render_html, render_text
from salesorder.errors import NotFound, ValidationFailed
from salesorder.lifecycle import TransitionResult
from salesorder.money import Money, to_decimal
from salesorder.notifications import DEFAULT_ROUTING, NotificationRouting, RelayResult, relay
from salesorder.order import InvoiceKind, Order, new_id
from salesorder.ports import (
    Clock,
    CreditControl,
    Notifier,
    OrderNumbering,
    ServiceUnitOfWork,
    StockStore,
)
from salesorder.pricing import PriceBreakdown, price
from salesorder.quotes import Quote
from salesorder.records import ARCHIVED, ReturnKind, StockDisposition
from salesorder.settings import InvalidSettings, PolicySettings, PricingSettings, SlaSettings
from salesorder.sla import Breach
from salesorder.sla import overdue as sla_overdue
from salesorder.stockhook import StoreReservations, run_with_stock
from salesorder.validation import ValidationContext, ValidationReport, validate

_log = logging.getLogger(__name__)

__all__ = ["OrderService"]

ZERO = Decimal(0)


@attrs.frozen
class _LinePaid:
    """What the customer was charged for a line (a return's refund basis)."""

    line_id: str
    quantity: Decimal
    gross: Money


@attrs.frozen
class _ChargedLines:
    lines: tuple[_LinePaid, ...]


class OrderService:
    """Every step of an order's life, on the host's storage, stock and notifications.

    The host's ports are keyword arguments; how the service prices, decides and keeps
    time comes in three frozen values from :mod:`salesorder.settings`.

    Args:
        unit_of_work: Opens a new unit of work (e.g. ``MemoryDatabase.unit_of_work``).
        clock: Time source.
        numbering: Order numbers (and quote numbers unless ``quote_numbering`` is given).
        pricing_settings: Price list, promotions, coupons, tax, rounding, charges and
            stacking.
        policy_settings: Validation rules, credit, stock, approval and lifecycle
            policies, allocation strategy (all defaults when omitted).
        sla_settings: Working calendar and SLA deadlines (defaults when omitted).
        credit: The host's credit control (no credit check when None).
        notifier: Where committed events go (none: they stay in the outbox).
        routing: Which audiences hear about which events.
        quote_numbering: Numbers for quotes, e.g. ``PatternNumbering(prefix="QT")``;
            when None, quotes take numbers from ``numbering`` (one shared series).

    Raises:
        InvalidSettings: a settings argument that is not the settings value it names
            (e.g. a ``PriceList`` given as ``pricing_settings``).

    Attributes:
        clock: The time source.
        pricing_settings: The pricing settings the service was built with.
        policy_settings: The policy settings the service was built with.
        sla_settings: The SLA settings the service was built with.
    """

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], ServiceUnitOfWork],
        clock: Clock,
        numbering: OrderNumbering,
        pricing_settings: PricingSettings,
        policy_settings: PolicySettings | None = None,
        sla_settings: SlaSettings | None = None,
        credit: CreditControl | None = None,
        notifier: Notifier | None = None,
        routing: NotificationRouting = DEFAULT_ROUTING,
        quote_numbering: OrderNumbering | None = None,
    ) -> None:
        # Defaults are built per service rather than at import (they build the rule set).
        policies = PolicySettings() if policy_settings is None else policy_settings
        service_levels = SlaSettings() if sla_settings is None else sla_settings
        _check_settings("pricing_settings", pricing_settings, PricingSettings)
        _check_settings("policy_settings", policies, PolicySettings)
        _check_settings("sla_settings", service_levels, SlaSettings)
        self.clock = clock
        self.pricing_settings = pricing_settings
        self.policy_settings = policies
        self.sla_settings = service_levels
        self._uow = unit_of_work
        self._numbering = numbering
        self._quote_numbering = quote_numbering or numbering
        self._credit = credit
        self._notifier = notifier
        self._routing = routing
        # The settings are unpacked once into the names the use cases read.
        self._price_list = pricing_settings.price_list
        self._promotions = pricing_settings.promotions
        self._coupon_book = pricing_settings.coupon_book
        self._tax = pricing_settings.tax
        self._rounding = pricing_settings.rounding
        self._charges = pricing_settings.charges
        self._stacking = pricing_settings.stacking
        self._rules = policies.rules
        self._credit_policy = policies.credit_policy
        self._stock_policy = policies.stock_policy
        self._allocation = policies.allocation
        self._approval_policy = policies.approval_policy
        self._lifecycle_policy = policies.lifecycle_policy
        self._calendar = service_levels.calendar
        self._deadlines = service_levels.deadlines

    # -- pricing and validation (pure, at the order's own time) ------------------------------

    def price_order(self, order: Order, *, coupons: Iterable[str] = ()) -> PriceBreakdown:
        """Price ``order`` at its entry time with the service's price list and promotions."""
        arguments.instance_of(order, Order, argument="order")
        return price(
            order,
            price_list=self._price_list,
            promotions=self._promotions,
            coupons=coupons,
            coupon_book=self._coupon_book,
            tax=self._tax,
            at=order.created_at or self.clock.now(),
            rounding=self._rounding,
            charges=self._charges,
            stacking=self._stacking,
        )

    def _context(self, at: datetime, stock: StockStore | None) -> ValidationContext:
        list_price, price_floor = self._price_list.lookups(at=at)
        credit = self._credit

        def credit_of(customer_id: str) -> Any:
            return None if credit is None else credit.credit_for(customer_id)

        def available(sku: str) -> Decimal | None:
            return None if stock is None else stock.available(sku)

        return ValidationContext(
            today=at.date(),
            credit=credit_of if credit is not None else None,
            credit_policy=self._credit_policy,
            availability=available if stock is not None else None,
            stock_policy=self._stock_policy,
            list_price=list_price,
            price_floor=price_floor,
        )

    def check(self, payload: object) -> ValidationReport:
        """Validate a payload as :meth:`enter` would, without storing anything."""
        now = self.clock.now()
        with self._uow() as uow:
            return validate(payload, rules=self._rules, context=self._context(now, uow.stock))

    # -- entering orders and quotes ---------------------------------------------------------

    def enter(self, payload: object, *, actor: str, idempotency_key: str | None = None) -> Order:
        """Validate, price and number a new order, and store it as a draft (录单).

        Args:
            payload: JSON text, a dict or an ``OrderDraft``.
            actor: Who enters it.
            idempotency_key: Repeat protection: a repeated key returns the first order.

        Returns:
            The stored draft order.

        Raises:
            ValidationFailed: with the report, when the payload has errors.
            salesorder.pricing.MissingPrice: a line has no price.
        """
        _check_caller(actor, idempotency_key)
        request = keys.request(
            idempotency_key, "enter", lambda: {"payload": keys.payload_data(payload)}
        )
        now = self.clock.now()
        if idempotency_key is not None and (
            first := self._known_order(f"enter:{idempotency_key}", request)
        ):
            return first
        number = self._numbering.next_number(at=now)
        with self._uow() as uow:
            if idempotency_key is not None:
                known = keys.replayed(uow, f"enter:{idempotency_key}", request)
                if known is not None:
                    return uow.orders.get(known)
            report = validate(payload, rules=self._rules, context=self._context(now, uow.stock))
            if not report.ok or report.order is None:
                raise ValidationFailed(report)
            order = attrs.evolve(
                report.order,
                id=new_id(),
                number=number,
                created_at=now,
                salesperson=report.order.salesperson or actor,
            )
            breakdown = self.price_order(order)
            order.line_totals = tuple((line.line_id, line.gross) for line in breakdown.lines)
            order.grand_total = breakdown.grand_total
            uow.orders.add(order)
            if idempotency_key is not None:
                keys.remember(uow, f"enter:{idempotency_key}", order.id, request)
            uow.commit()
        return order

    def _known_order(self, key: str, request: tuple[str, str]) -> Order | None:
        with self._uow() as uow:
            known = keys.replayed(uow, key, request)
            return None if known is None else uow.orders.get(known)

    def quote(
        self,
        payload: object,
        *,
        actor: str,
        valid_for: timedelta = timedelta(days=15),
        idempotency_key: str | None = None,
    ) -> Quote:
        """Price a payload as a quotation (报价) valid for ``valid_for``.

        Raises:
            ValidationFailed: when the payload has errors.
        """
        _check_caller(actor, idempotency_key)
        arguments.instance_of(valid_for, timedelta, argument="valid_for")
        request = keys.request(
            idempotency_key,
            "quote",
            lambda: {"payload": keys.payload_data(payload), "valid_for": valid_for},
        )
        now = self.clock.now()
        if idempotency_key is not None:
            with self._uow() as uow:
                known_quote = keys.replayed(uow, f"quote:{idempotency_key}", request)
                if known_quote is not None:
                    return uow.quotes.get(known_quote)
        number = self._quote_numbering.next_number(at=now)
        with self._uow() as uow:
            if idempotency_key is not None:
                known = keys.replayed(uow, f"quote:{idempotency_key}", request)
                if known is not None:
                    return uow.quotes.get(known)
            report = validate(payload, rules=self._rules, context=self._context(now, uow.stock))
            if not report.ok or report.order is None:
                raise ValidationFailed(report)
            offered = attrs.evolve(
                report.order,
                id=new_id(),
                created_at=now,
                salesperson=report.order.salesperson or actor,
            )
            breakdown = self.price_order(offered)
            offered.grand_total = breakdown.grand_total
            offered.line_totals = tuple((line.line_id, line.gross) for line in breakdown.lines)
            quote = Quote(
                quote_id=new_id(),
                number=number,
                order=offered,
                total=breakdown.grand_total,
                created_at=now,
                valid_until=now + valid_for,
            )
            uow.quotes.put(quote, expected=None)
            if idempotency_key is not None:
                keys.remember(uow, f"quote:{idempotency_key}", quote.quote_id, request)
            uow.commit()
        return quote

    def convert_quote(
        self, quote_id: str, *, actor: str, idempotency_key: str | None = None
    ) -> Order:
        """Turn a valid quote into a draft order at the quoted prices.

        Raises:
            RuleViolation: ``quote.expired`` or ``quote.not_open``.
        """
        arguments.storable_text(quote_id, argument="quote_id")
        _check_caller(actor, idempotency_key)
        request = keys.request(idempotency_key, "convert_quote", lambda: {"quote_id": quote_id})
        now = self.clock.now()
        number = self._numbering.next_number(at=now)
        with self._uow() as uow:
            quote = uow.quotes.get(quote_id)
            if idempotency_key is not None:
                keys.replayed(uow, f"convert:{idempotency_key}", request)
            if quote.converted_order_id is not None and idempotency_key is not None:
                known = uow.idempotency.get(f"convert:{idempotency_key}")
                if known == quote.converted_order_id:
                    return uow.orders.get(known)
            quote.check_convertible(now)
            order = attrs.evolve(
                quote.order,
                id=new_id(),
                number=number,
                salesperson=quote.order.salesperson or actor,
            )
            uow.orders.add(order)
            uow.quotes.put(quote.converted(order.id), expected=quote)
            if idempotency_key is not None:
                keys.remember(uow, f"convert:{idempotency_key}", order.id, request)
            uow.commit()
        return order

    # -- the lifecycle commands -------------------------------------------------------------

    def _run(
        self,
        order_id: str,
        command: Callable[[Order, ServiceUnitOfWork, datetime], TransitionResult],
    ) -> TransitionResult:
        arguments.storable_text(order_id, argument="order_id")
        now = self.clock.now()
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            version = order.version
            history = len(order.audit)
            result = command(order, uow, now)
            # Every lifecycle change appends an audit entry; a repeated key appends none.
            if len(order.audit) != history:
                uow.orders.save(order, expected_version=version)
                uow.outbox.add((*result.events, *uow.stock.drain_events()))
            uow.commit()
        self._deliver_after_commit()
        return result

    def _hook(self, uow: ServiceUnitOfWork, at: datetime, actor: str) -> StoreReservations:
        return StoreReservations(uow.stock, at=at, actor=actor, strategy=self._allocation)

    def submit(
        self, order_id: str, *, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Submit a draft for review; with nothing to approve it is approved at once."""

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            report = ValidationReport(
                issues=self._rules.run(order, self._context(now, uow.stock)),
                order=order,
            )
            if not report.ok:
                raise ValidationFailed(report)
            breakdown = self.price_order(order)
            return lifecycle.submit(
                order,
                actor=actor,
                at=now,
                report=report,
                breakdown=breakdown,
                approval_policy=self._approval_policy,
                idempotency_key=idempotency_key,
            )

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
        lines: Mapping[str, Decimal | int | str],
        actor: str,
        carrier: str | None = None,
        tracking_number: str | None = None,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Ship line quantities, partially or fully (发货); stock leaves the warehouse."""
        quantities = _quantities(lines)
        return self._run(
            order_id,
            lambda order, uow, now: run_with_stock(
                order,
                lambda order, _backordered: lifecycle.ship(
                    order,
                    lines=quantities,
                    actor=actor,
                    at=now,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    lifecycle_policy=self._lifecycle_policy,
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
        quantities = _quantities(lines)
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

        By default it bills what :func:`~salesorder.lifecycle.billable_quantities` leaves:
        ordered minus returned minus invoiced. The amount defaults to the priced gross
        of the invoiced quantities; the kind
        to the order's invoice request (general when the order asked for none).
        """

        def command(order: Order, _uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            quantities = (
                _quantities(lines) if lines is not None else lifecycle.billable_quantities(order)
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

    def cancel(
        self, order_id: str, *, reason: str, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Cancel (撤单) before anything shipped; reserved stock is released."""
        return self._run(
            order_id,
            lambda order, uow, now: run_with_stock(
                order,
                lambda order, _backordered: lifecycle.cancel(
                    order,
                    reason=reason,
                    actor=actor,
                    at=now,
                    idempotency_key=idempotency_key,
                ),
                self._hook(uow, now, actor),
            ),
        )

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

    def preview_amendment(
        self, order_id: str, changes: Sequence[lifecycle.Change]
    ) -> lifecycle.AmendmentPreview:
        """What an amendment would do: new totals, stock delta, amount due or refundable."""
        arguments.storable_text(order_id, argument="order_id")
        with self._uow() as uow:
            order = uow.orders.get(order_id)
        return lifecycle.preview_amendment(order, changes, pricing=self.price_order)

    def amend(
        self,
        order_id: str,
        changes: Sequence[lifecycle.Change],
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Apply an amendment (改单): a new revision, back through approval if needed."""

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            result = run_with_stock(
                order,
                lambda order, backordered: lifecycle.amend(
                    order,
                    changes,
                    pricing=self.price_order,
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
            breakdown = self.price_order(order)
            order.line_totals = tuple((line.line_id, line.gross) for line in breakdown.lines)
            return result

        return self._run(order_id, command)

    def request_return(
        self,
        order_id: str,
        *,
        kind: ReturnKind | str,
        lines: Mapping[str, Decimal | int | str],
        reason: str,
        actor: str,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Request a return, exchange or repair against delivered quantities (售后)."""
        quantities = _quantities(lines)
        return self._run(
            order_id,
            lambda order, _uow, now: lifecycle.request_return(
                order,
                kind=arguments.choice(kind, ReturnKind, argument="kind"),
                lines=quantities,
                reason=reason,
                actor=actor,
                at=now,
                idempotency_key=idempotency_key,
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
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Receive returned goods (restock or scrap) and compute the refund due."""
        return self._run(
            order_id,
            lambda order, uow, now: run_with_stock(
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
            ),
        )

    # -- queries ----------------------------------------------------------------------------

    def get(self, order_id: str) -> Order:
        """The order.

        Raises:
            NotFound: if there is no such order.
        """
        arguments.storable_text(order_id, argument="order_id")
        with self._uow() as uow:
            return uow.orders.get(order_id)

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
        found: list[tuple[Order, Breach]] = []
        for order in self.find():
            if order.status in ARCHIVED:
                continue
            found.extend(
                (order, breach)
                for breach in sla_overdue(
                    order, moment, calendar=self._calendar, deadlines=self._deadlines
                )
            )
        return found

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

    # -- notifications ----------------------------------------------------------------------

    def _deliver_after_commit(self) -> None:
        # The command has committed: a failure to deliver now (notifier or outbox down)
        # must not turn it into an error. The events stay queued for the next relay.
        try:
            self.deliver_notifications()
        except Exception as error:
            _log.warning("notification relay failed after commit: %s", type(error).__name__)

    def deliver_notifications(self) -> RelayResult:
        """Hand committed events to the notifier (also called after every command)."""
        if self._notifier is None:
            return RelayResult(delivered=0, failed=0)
        with self._uow() as uow:
            result = relay(uow.outbox, self._notifier, routing=self._routing)
            uow.commit()
        return result


def _check_settings(name: str, value: object, expected: type[object]) -> None:
    # A wrong value here would only fail at the first order, far from the mistake.
    if not isinstance(value, expected):
        raise InvalidSettings(name, f"expected {expected.__name__}, got {type(value).__name__}")


def _check_caller(actor: object, idempotency_key: object) -> None:
    # What a creating command stores before the lifecycle sees it (the lifecycle
    # commands check their own arguments).
    arguments.storable_text(actor, argument="actor")
    if idempotency_key is not None:
        arguments.storable_text(idempotency_key, argument="idempotency_key")


def _quantities(lines: Mapping[str, Decimal | int | str]) -> dict[str, Decimal]:
    quantities = arguments.mapping(lines, argument="lines")
    return {line_id: to_decimal(q, what="quantity") for line_id, q in quantities.items()}


def _charged_lines(order: Order) -> _ChargedLines:
    totals = dict(order.line_totals)
    return _ChargedLines(
        tuple(
            _LinePaid(line.line_id, line.quantity, totals[line.line_id])
            for line in order.lines
            if line.line_id in totals
        )
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
