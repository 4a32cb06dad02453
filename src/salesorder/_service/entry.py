"""Entering orders and quotes (录单, 报价): validation, prices fixed at entry, coupons.

An order's number is drawn inside the unit of work that stores the order, after every
check has passed, when the numbering offers it
([NumberingInUnitOfWork][salesorder.ports.NumberingInUnitOfWork], as ``SqlNumbering``
does): one transaction per entry, and a refused entry draws no number. A numbering
without it (a host's own, with a transaction of its own) is drawn before the unit of
work opens, so it never waits on the change, and a refused entry leaves a gap. Quote
numbers are drawn before the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from salesorder import _arguments as arguments
from salesorder import lifecycle
from salesorder._service import keys
from salesorder._service import pricing as ports_of_pricing
from salesorder._service.core import ServiceCore, check_caller
from salesorder.errors import IllegalTransition, ValidationFailed
from salesorder.lifecycle import TransitionResult
from salesorder.order import Order, new_id
from salesorder.ports import CouponLedger, NumberingInUnitOfWork, ServiceUnitOfWork
from salesorder.pricing import PriceBreakdown, coupon_limits
from salesorder.quotes import Quote
from salesorder.records import Status
from salesorder.validation import (
    Issue,
    Severity,
    ValidationContext,
    ValidationReport,
    validate,
)

__all__ = ["EntryUseCases"]


class EntryUseCases(ServiceCore):
    """Check, enter, edit and discard drafts; quote and convert quotes."""

    def check(self, payload: object) -> ValidationReport:
        """Validate a payload without saving anything.

        The checks are those of [enter][salesorder.service.OrderService.enter].
        """
        now = self.clock.now()
        with self._uow() as uow:
            return validate(
                payload, rules=self._rules, context=self._context(now, uow.stock, uow.orders)
            )

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
        check_caller(actor, idempotency_key)
        request = keys.request(
            idempotency_key, "enter", lambda: {"payload": keys.payload_data(payload)}
        )
        extra = _coupon_codes(coupons)
        now = self.clock.now()
        inside = isinstance(self._numbering, NumberingInUnitOfWork)
        drawn: str | None = None
        if not inside:
            # A numbering of the host's own: its number is drawn before the unit of work,
            # and a replayed key must not draw one.
            if idempotency_key is not None and (
                first := self._known_order(f"enter:{idempotency_key}", request)
            ):
                return first
            drawn = self._numbering.next_number(at=now)
        with self._uow() as uow:
            if idempotency_key is not None:
                known = keys.replayed(uow, f"enter:{idempotency_key}", request)
                if known is not None:
                    return uow.orders.get(known)
            context = self._context(now, uow.stock, uow.orders)
            order, breakdown = self._entered(
                payload, actor=actor, coupons=extra, now=now, uow=uow, context=context
            )
            # Drawn last, once every check has passed: a refused entry draws no number
            # in the unit of work, and the counter is held for the shortest time.
            order.number = drawn or self._numbers_in(uow, now, 1)[0]
            self._redeem_coupons(order, breakdown, uow.coupons, checked=True)
            uow.orders.add(order)
            if idempotency_key is not None:
                keys.remember(uow, f"enter:{idempotency_key}", order.id, request)
            uow.commit()
        return order

    def _entered(
        self,
        payload: object,
        *,
        actor: str,
        coupons: tuple[str, ...],
        now: datetime,
        uow: ServiceUnitOfWork,
        context: ValidationContext,
    ) -> tuple[Order, PriceBreakdown]:
        """The order a payload enters, validated, priced and its coupons checked; no number.

        Nothing is written: the caller numbers it, redeems its coupons and stores it.

        Raises:
            ValidationFailed: the payload has errors, or a coupon is refused.
        """
        report = validate(payload, rules=self._rules, context=context)
        if not report.ok or report.order is None:
            raise ValidationFailed(report)
        order = attrs.evolve(
            report.order,
            id=new_id(),
            number=None,
            created_at=now,
            salesperson=report.order.salesperson or actor,
            coupons=(*report.order.coupons, *coupons),
        )
        order.exchange_rate = ports_of_pricing.exchange_rate_for(
            self._exchange_rates, self._price_list.currency, order.currency, now
        )
        order.locked_prices = self._locked_prices(order, now)
        breakdown = self.price_order(order)
        self._keep_prices(order, breakdown)
        order.grand_total = breakdown.grand_total
        if order.coupons:
            self._check_coupons(order, breakdown, uow.coupons)
        return order, breakdown

    def _numbers_in(self, uow: ServiceUnitOfWork, now: datetime, count: int) -> list[str]:
        """``count`` order numbers, in ``uow``'s transaction when the numbering can."""
        numbering = self._numbering
        if isinstance(numbering, NumberingInUnitOfWork):
            drawn = numbering.next_numbers_in(uow, at=now, count=count)
            if drawn is not None:
                return list(drawn)
        return [numbering.next_number(at=now) for _ in range(count)]

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
            report = validate(
                payload, rules=self._rules, context=self._context(now, uow.stock, uow.orders)
            )
            if not report.ok or report.order is None:
                raise ValidationFailed(report)
            replacement = attrs.evolve(
                report.order,
                salesperson=report.order.salesperson or order.salesperson,
                coupons=report.order.coupons or order.coupons,
                exchange_rate=ports_of_pricing.exchange_rate_for(
                    self._exchange_rates, self._price_list.currency, report.order.currency, now
                ),
            )
            # A draft is not agreed yet: its list prices (and rate) are fixed anew at the edit.
            replacement.locked_prices = self._locked_prices(replacement, now)
            breakdown = self.price_order(replacement)
            self._keep_prices(replacement, breakdown)
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

    def _redeem_coupons(
        self,
        order: Order,
        breakdown: PriceBreakdown,
        ledger: CouponLedger,
        *,
        checked: bool = False,
    ) -> None:
        # Inside the unit of work that stores the order: the counts read here and the
        # redemptions written here commit together (see CouponLedger on concurrency).
        if not order.coupons:
            return
        if not checked:
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
        check_caller(actor, idempotency_key)
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
            report = validate(
                payload, rules=self._rules, context=self._context(now, uow.stock, uow.orders)
            )
            if not report.ok or report.order is None:
                raise ValidationFailed(report)
            offered = attrs.evolve(
                report.order,
                id=new_id(),
                created_at=now,
                salesperson=report.order.salesperson or actor,
            )
            # The quoted rate and prices stay with the quote's order, and so with the
            # converted one: the rate in force on the quotation date, as at entry.
            offered.exchange_rate = ports_of_pricing.exchange_rate_for(
                self._exchange_rates, self._price_list.currency, offered.currency, now
            )
            offered.locked_prices = self._locked_prices(offered, now)
            breakdown = self.price_order(offered)
            if offered.coupons:
                # Checked, not redeemed: the coupons are redeemed when the quote converts.
                self._check_coupons(offered, breakdown, uow.coupons)
            offered.grand_total = breakdown.grand_total
            self._keep_prices(offered, breakdown)
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
        check_caller(actor, idempotency_key)
        request = keys.request(idempotency_key, "convert_quote", lambda: {"quote_id": quote_id})
        now = self.clock.now()
        inside = isinstance(self._numbering, NumberingInUnitOfWork)
        drawn = None if inside else self._numbering.next_number(at=now)
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
                salesperson=quote.order.salesperson or actor,
            )
            if order.coupons:
                self._redeem_coupons(order, self.price_order(order), uow.coupons)
            order.number = drawn or self._numbers_in(uow, now, 1)[0]
            uow.orders.add(order)
            uow.quotes.put(quote.converted(order.id), expected=quote)
            if idempotency_key is not None:
                keys.remember(uow, f"convert:{idempotency_key}", order.id, request)
            uow.commit()
        return order


def _coupon_codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(code).strip().upper() for code in codes)
