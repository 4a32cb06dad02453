"""The order process as one service: one method per use case, on the host's ports.

``OrderService`` is where a host application meets the library. It is the only
layer that loads, saves and publishes: each use case opens one unit of work, loads
the order, applies a pure lifecycle command, carries out the stock requests the command
returns through the unit of work's stock store (``run_with_stock``),
saves the order with its expected version, records the events in the outbox, and
commits — all of it or nothing: a refused stock step leaves the unit of work before
the save, and order and stock stay as they were. Only after the commit are the events
handed to the notifier; a notifier failure leaves them queued and never undoes the
change.

Prices are fixed when the order is entered (or quoted): each list-priced line's unit
price is stored on the order (``Order.locked_prices``), and every later pricing of the
order (on submit, for returns, for the printed form) reads it instead of the price list,
at the order's ``created_at``, so a changed price list moves no figure of an order
already taken. A line an amendment adds is priced on the amendment's day; repricing a
line is an explicit amendment (``ChangePrice`` back to the list), audited and approved
like any other.

Every failure is a ``SalesOrderError`` with a code, raised
before anything is committed. Order and quote numbers are drawn before the unit of
work opens, so a numbering port with a transaction of its own (a database sequence)
never waits on the change; like a sequence, a refused entry leaves a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import attrs

from salesorder import _arguments as arguments
from salesorder import _service_keys as keys
from salesorder import lifecycle
from salesorder._invoicing_service import InvoicingUseCases as _InvoicingUseCases
from salesorder.documents import Seller, render_html, render_text
from salesorder.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    IllegalTransition,
    NotFound,
    RuleViolation,
    ValidationFailed,
)
from salesorder.lifecycle import TransitionResult
from salesorder.money import Money, to_decimal
from salesorder.notifications import DEFAULT_ROUTING, NotificationRouting, RelayResult, relay
from salesorder.order import InvoiceKind, LockedPrice, Order, new_id
from salesorder.ports import (
    Clock,
    CouponLedger,
    CreditControl,
    InvoiceNumbering,
    Notifier,
    OrderNumbering,
    OverdueIndex,
    ServiceUnitOfWork,
    StockStore,
)
from salesorder.pricing import (
    PriceBreakdown,
    PricingError,
    RedemptionCounts,
    coupon_limits,
    price,
)
from salesorder.quotes import Quote
from salesorder.records import ARCHIVED, ReturnKind, Status, StockDisposition
from salesorder.settings import InvalidSettings, PolicySettings, PricingSettings, SlaSettings
from salesorder.sla import Breach
from salesorder.sla import overdue as sla_overdue
from salesorder.sla import overdue_bounds as sla_bounds
from salesorder.stockhook import StoreReservations, run_with_stock
from salesorder.validation import (
    Issue,
    Severity,
    ValidationContext,
    ValidationReport,
    validate,
)

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


class OrderService(_InvoicingUseCases):
    """Every step of an order's life, on the host's storage, stock and notifications.

    The host's ports are keyword arguments; how the service prices, decides and keeps
    time comes in three frozen values from `salesorder.settings`.

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
        invoice_numbering: Numbers for invoice documents and credit notes, e.g.
            ``PatternNumbering(prefix="INV")`` (their own series); without it the service
            records invoices as amounts only (``invoice``) and ``issue_invoice`` refuses.

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
        invoice_numbering: InvoiceNumbering | None = None,
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
        self._invoice_numbering = invoice_numbering
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

    def price_order(self, order: Order, *, coupons: Iterable[str] | None = None) -> PriceBreakdown:
        """Price ``order`` at its entry time with the service's price list and promotions.

        The coupons are the order's own (``order.coupons``) unless ``coupons`` is given.
        Their usage limits are not counted here: a stored order's coupons were checked
        against the ledger and redeemed when it was entered (``enter``).
        """
        arguments.instance_of(order, Order, argument="order")
        return price(
            order,
            price_list=self._price_list,
            promotions=self._promotions,
            coupons=order.coupons if coupons is None else coupons,
            coupon_book=self._coupon_book,
            tax=self._tax,
            at=order.created_at or self.clock.now(),
            rounding=self._rounding,
            charges=self._charges,
            stacking=self._stacking,
            redemptions=_ALREADY_REDEEMED,
        )

    def _context(self, at: datetime, stock: StockStore | None) -> ValidationContext:
        list_price, price_floor = self._price_list.lookups(at=at)
        credit = self._credit

        def credit_of(customer_id: str) -> Any:
            return None if credit is None else credit.credit_for(customer_id)

        def available(sku: str) -> Decimal | None:
            return None if stock is None else stock.available(sku)

        def owed(order: Order) -> Money | None:
            # Credit is checked on the grand total the customer will owe; an order that
            # cannot be priced is reported by the price rules, not here.
            try:
                return self.price_order(order).grand_total
            except (PricingError, CurrencyMismatch):
                return None

        return ValidationContext(
            today=at.date(),
            credit=credit_of if credit is not None else None,
            owed=owed if credit is not None else None,
            credit_policy=self._credit_policy,
            availability=available if stock is not None else None,
            stock_policy=self._stock_policy,
            list_price=list_price,
            price_floor=price_floor,
        )

    def check(self, payload: object) -> ValidationReport:
        """Validate a payload without saving anything.

        The checks are those of [enter][salesorder.service.OrderService.enter].
        """
        now = self.clock.now()
        with self._uow() as uow:
            return validate(payload, rules=self._rules, context=self._context(now, uow.stock))

    # -- entering orders and quotes ---------------------------------------------------------

    def enter(
        self,
        payload: object,
        *,
        actor: str,
        idempotency_key: str | None = None,
        coupons: Iterable[str] = (),
    ) -> Order:
        """Validate, price and number a new order, and store it as a draft (录单).

        Coupon codes (the payload's ``coupons`` and then ``coupons``) are checked and
        redeemed through the unit of work's coupon ledger, in the same unit of work that
        stores the order: a refused coupon (unknown, expired, used up, under its minimum
        spend, or giving nothing) refuses the entry with a bilingual issue at
        ``/coupons/<index>``, and nothing is redeemed.

        Args:
            payload: JSON text, a dict or an ``OrderDraft``.
            actor: Who enters it.
            idempotency_key: Repeat protection: a repeated key returns the first order.
            coupons: Coupon codes entered besides the payload's.

        Returns:
            The stored draft order.

        Raises:
            ValidationFailed: with the report, when the payload has errors or a coupon
                is refused.
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
                coupons=(*report.order.coupons, *_coupon_codes(coupons)),
            )
            order.locked_prices = self._locked_prices(order, now)
            breakdown = self.price_order(order)
            order.line_totals = tuple((line.line_id, line.gross) for line in breakdown.lines)
            order.grand_total = breakdown.grand_total
            self._redeem_coupons(order, breakdown, uow.coupons)
            uow.orders.add(order)
            if idempotency_key is not None:
                keys.remember(uow, f"enter:{idempotency_key}", order.id, request)
            uow.commit()
        return order

    def edit_draft(
        self, order_id: str, payload: object, *, actor: str, idempotency_key: str | None = None
    ) -> TransitionResult:
        """Replace a draft's terms (customer, lines, addresses, dates ...) from a payload.

        The payload is validated and priced as
        [enter][salesorder.service.OrderService.enter] would; the draft keeps its id,
        number and history. A rejected order is edited this way and submitted again.

        Raises:
            ValidationFailed: with the report, when the payload has errors.
            IllegalTransition: the order is not a draft.
        """

        def command(order: Order, uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            report = validate(payload, rules=self._rules, context=self._context(now, uow.stock))
            if not report.ok or report.order is None:
                raise ValidationFailed(report)
            replacement = attrs.evolve(
                report.order,
                salesperson=report.order.salesperson or order.salesperson,
                coupons=report.order.coupons or order.coupons,
            )
            # A draft is not agreed yet: its list prices are fixed anew at the edit.
            replacement.locked_prices = self._locked_prices(replacement, now)
            breakdown = self.price_order(replacement)
            replacement.line_totals = tuple((line.line_id, line.gross) for line in breakdown.lines)
            replacement.grand_total = breakdown.grand_total
            return lifecycle.edit_draft(
                order, replacement, actor=actor, at=now, idempotency_key=idempotency_key
            )

        return self._run(order_id, command)

    def discard(
        self,
        order_id: str,
        *,
        actor: str,
        reason: str = "discarded",
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Discard a draft: it is cancelled, keeping its number and history (no gap, no trace lost).

        Raises:
            IllegalTransition: the order is not a draft (cancel it instead).
        """

        def command(order: Order, _uow: ServiceUnitOfWork, now: datetime) -> TransitionResult:
            if order.status is not Status.DRAFT and not any(
                entry[0] == idempotency_key for entry in order.idempotency
            ):
                raise IllegalTransition(state=order.status.value, event="discard")
            return lifecycle.cancel(
                order, reason=reason, actor=actor, at=now, idempotency_key=idempotency_key
            )

        return self._run(order_id, command)

    def _locked_prices(
        self,
        order: Order,
        at: datetime,
        *,
        reprice: frozenset[str] = frozenset(),
        requantified: frozenset[str] = frozenset(),
    ) -> tuple[LockedPrice, ...]:
        """The order's locked prices, with every list-priced line not yet locked fixed at ``at``.

        Lines in ``reprice`` (an amendment back to the price list) are fixed anew; lines
        in ``requantified`` (an amendment of their quantity) keep the day of their lock
        but take that day's price at the new quantity (its quantity break); locks of lines
        no longer on the order are dropped.
        """
        kept = {lock.line_id: lock for lock in order.locked_prices if lock.line_id not in reprice}
        locks: list[LockedPrice] = []
        for line in order.lines:
            lock = kept.get(line.line_id)
            if lock is not None and line.line_id in requantified:
                # A new quantity may reach another quantity break: the list of the day the
                # line was priced decides, at the new quantity.
                listed = self._price_list.list_price(order, line, at=lock.at)
                lock = lock if listed is None else LockedPrice(line.line_id, listed, lock.at)
            if lock is None and line.unit_price is None:
                listed = self._price_list.list_price(order, line, at=at)
                lock = None if listed is None else LockedPrice(line.line_id, listed, at)
            if lock is not None:
                locks.append(lock)
        return tuple(locks)

    def _redeem_coupons(
        self, order: Order, breakdown: PriceBreakdown, ledger: CouponLedger
    ) -> None:
        # Inside the unit of work that stores the order: the counts read here and the
        # redemptions written here commit together (see CouponLedger on concurrency).
        if not order.coupons:
            return
        self._check_coupons(order, breakdown, ledger)
        for code in order.coupons:
            ledger.redeem(code, customer_id=order.customer.id, order_id=order.id)

    def _check_coupons(self, order: Order, breakdown: PriceBreakdown, ledger: CouponLedger) -> None:
        refused = [*(r for r in breakdown.rejected if r.kind == "coupon")]
        refused += coupon_limits(
            order.coupons,
            coupon_book=self._coupon_book,
            customer_id=order.customer.id,
            redemptions=ledger,
        )
        if refused:
            issues = tuple(
                Issue(r.code, f"/coupons/{order.coupons.index(r.id)}", Severity.ERROR, r.params)
                for r in refused
            )
            raise ValidationFailed(ValidationReport(issues=issues, order=order))

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
            # The quoted prices stay with the quote's order, and so with the converted one.
            offered.locked_prices = self._locked_prices(offered, now)
            breakdown = self.price_order(offered)
            if offered.coupons:
                # Checked, not redeemed: the coupons are redeemed when the quote converts.
                self._check_coupons(offered, breakdown, uow.coupons)
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
            if order.coupons:
                self._redeem_coupons(order, self.price_order(order), uow.coupons)
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
        follow_up: Callable[[Order, datetime], TransitionResult | None] | None = None,
    ) -> TransitionResult:
        """Run ``command`` on the order in one unit of work, then ``follow_up`` if given.

        The follow-up is a second lifecycle command of the same unit of work (a refund
        recorded on receipt); its events are queued after the command's. The command's
        result is returned.
        """
        arguments.storable_text(order_id, argument="order_id")
        now = self.clock.now()
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            version = order.version
            history = len(order.audit)
            result = command(order, uow, now)
            followed = follow_up(order, now) if follow_up is not None else None
            # Every lifecycle change appends an audit entry; a repeated key appends none.
            if len(order.audit) != history:
                uow.orders.save(order, expected_version=version)
                also = followed.events if followed is not None else ()
                uow.outbox.add((*result.events, *uow.stock.drain_events(), *also))
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
        quantities = _quantities(lines) if lines is not None else None

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
        quantities = _quantities(lines)
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

        By default it bills what `salesorder.lifecycle.billable_quantities` leaves:
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

    def preview_amendment(
        self, order_id: str, changes: Sequence[lifecycle.Change]
    ) -> lifecycle.AmendmentPreview:
        """What an amendment would do: new totals, stock delta, amount due or refundable."""
        arguments.storable_text(order_id, argument="order_id")
        with self._uow() as uow:
            order = uow.orders.get(order_id)
        return lifecycle.preview_amendment(
            order, changes, pricing=self._amended_pricing(changes, self.clock.now())
        )

    def _amended_pricing(
        self, changes: Sequence[lifecycle.Change], at: datetime
    ) -> Callable[[Order], PriceBreakdown]:
        # Read before the lifecycle checks the changes: refuse what is not a change here.
        for change in arguments.iterable(changes, argument="changes"):
            if not isinstance(change, _CHANGE_TYPES):
                raise arguments.wrong_type("change", "an amendment Change", change)
        # Lines the amendment adds are priced at its time, earlier lines keep their locked
        # prices; a price change back to the list (unit_price None) reprices that line.
        reprice = _repriced(changes)
        requantified = frozenset(
            change.line_id for change in changes if isinstance(change, lifecycle.ChangeQuantity)
        )

        def pricing(candidate: Order) -> PriceBreakdown:
            locks = self._locked_prices(candidate, at, reprice=reprice, requantified=requantified)
            return self.price_order(attrs.evolve(candidate, locked_prices=locks))

        return pricing

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
                # The amended lines' prices, as the amendment priced them.
                order.locked_prices = self._locked_prices(order, now, reprice=_repriced(changes))
            breakdown = self.price_order(order)
            order.line_totals = tuple((line.line_id, line.gross) for line in breakdown.lines)
            return result

        return self._run(order_id, command)

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

    # -- notifications ----------------------------------------------------------------------

    def _deliver_after_commit(self) -> None:
        # The command has committed: a failure to deliver now (notifier or outbox down)
        # must not turn it into an error. The events stay queued for the next relay.
        try:
            self.deliver_notifications()
        except Exception as error:
            _log.warning("notification relay failed after commit: %s", type(error).__name__)

    def deliver_notifications(self) -> RelayResult:
        """Hand committed events to the notifier (also called after every command).

        What is due is decided by the service's clock: an event whose delivery failed
        waits for its backoff (``RetryPolicy``).
        """
        if self._notifier is None:
            return RelayResult(delivered=0, failed=0)
        with self._uow() as uow:
            result = relay(uow.outbox, self._notifier, routing=self._routing, now=self.clock.now())
            uow.commit()
        return result


#: Counts for repricing a stored order: its coupons' limits were checked and the coupons
#: redeemed when it was entered, so they are not counted against it again.
_ALREADY_REDEEMED = RedemptionCounts()


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


def _coupon_codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(code).strip().upper() for code in codes)


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
