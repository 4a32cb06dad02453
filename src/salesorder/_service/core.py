"""What every use case of the service shares: ports, settings, pricing, one unit of work.

[OrderService][salesorder.service.OrderService] is assembled from the mixins of this
package; each derives from [ServiceCore][salesorder._service.core.ServiceCore], which
keeps the host's ports and the unpacked settings, prices an order at its own time,
validates against the unit of work's stock, and runs one lifecycle command in one unit
of work (``_run``): load, command, stock, save with the expected version, outbox,
commit, and only then the notifier.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from salesorder import _arguments as arguments
from salesorder._service import pricing as ports_of_pricing
from salesorder.errors import CurrencyMismatch
from salesorder.invoicing import customer_exposure
from salesorder.lifecycle import TransitionResult
from salesorder.money import Money, to_decimal
from salesorder.notifications import DEFAULT_ROUTING, NotificationRouting, RelayResult, relay
from salesorder.order import LockedPrice, Order
from salesorder.ports import (
    Clock,
    CreditControl,
    CreditExposure,
    ExchangeRates,
    InvoiceNumbering,
    Notifier,
    OrderNumbering,
    OrderRepository,
    ServiceUnitOfWork,
    StockAvailability,
    StockStore,
    TaxEngine,
)
from salesorder.pricing import PriceBreakdown, PricingError, RedemptionCounts, price
from salesorder.records import PriceSnapshot
from salesorder.settings import (
    WRONG_TYPE,
    InvalidSettings,
    PolicySettings,
    PricingSettings,
    SlaSettings,
)
from salesorder.stockhook import StoreReservations
from salesorder.validation import ValidationContext

__all__ = ["ServiceCore", "check_caller", "line_quantities", "own_exposure"]

_log = logging.getLogger("salesorder.service")

#: Counts for repricing a stored order: its coupons' limits were checked and the coupons
#: redeemed when it was entered, so they are not counted against it again.
_ALREADY_REDEEMED = RedemptionCounts()


class ServiceCore:
    """The service's ports and settings, and the steps every use case is made of."""

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
        tax_engine: TaxEngine | None = None,
        exchange_rates: ExchangeRates | None = None,
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
        self._units = pricing_settings.units
        # None: PricingSettings.tax for every order (what TaxTable does, without a call).
        self._tax_engine = tax_engine
        self._exchange_rates = exchange_rates
        self._rules = policies.rules
        self._credit_policy = policies.credit_policy
        self._stock_policy = policies.stock_policy
        self._allocation = policies.allocation
        self._approval_policy = policies.approval_policy
        self._lifecycle_policy = policies.lifecycle_policy
        self._calendar = service_levels.calendar
        self._deadlines = service_levels.deadlines

    def price_order(self, order: Order, *, coupons: Iterable[str] | None = None) -> PriceBreakdown:
        """Price ``order`` at its entry time with the service's price list and promotions.

        The coupons are the order's own (``order.coupons``) unless ``coupons`` is given.
        Their usage limits are not counted here: a stored order's coupons were checked
        against the ledger and redeemed when it was entered (``enter``).
        """
        arguments.instance_of(order, Order, argument="order")
        at = order.created_at or self.clock.now()
        tax = self._tax
        if self._tax_engine is not None:
            tax = ports_of_pricing.engine_tax(self._tax_engine, order, at)
        return price(
            order,
            price_list=self._price_list,
            promotions=self._promotions,
            coupons=order.coupons if coupons is None else coupons,
            coupon_book=self._coupon_book,
            tax=tax,
            at=at,
            rounding=self._rounding,
            charges=self._charges,
            stacking=self._stacking,
            redemptions=_ALREADY_REDEEMED,
        )

    def _priced(self, order: Order) -> PriceSnapshot | PriceBreakdown:
        """The figures ``order`` was priced at: its snapshot, or priced again without one.

        An order stored before snapshots were kept has none: it is priced as it always
        was (``price_order``), so its invoices come out as they did.
        """
        snapshot = order.price_snapshot
        return snapshot if snapshot is not None else self.price_order(order)

    @staticmethod
    def _keep_prices(order: Order, breakdown: PriceBreakdown) -> None:
        """Keep the figures of ``breakdown`` on ``order``: its snapshot and line totals."""
        snapshot = breakdown.snapshot()
        order.price_snapshot = snapshot
        order.line_totals = snapshot.line_totals()

    def _context(
        self,
        at: datetime,
        stock: StockStore | None,
        orders: OrderRepository | None = None,
        *,
        known_stock: dict[str, Decimal] | None = None,
    ) -> ValidationContext:
        """The validation context at ``at``, reading ``stock``.

        ``orders``: where the customer's own receivables are counted when the host's
        credit control gives no exposure figure. ``known_stock``: availabilities already
        read in this unit of work (a batch of entries reads each SKU once); filled as
        SKUs are read.
        """
        list_price, price_floor = self._price_list.lookups(at=at)
        credit = self._credit

        def credit_of(customer_id: str) -> Any:
            return None if credit is None else credit.credit_for(customer_id)

        def available(sku: str) -> Decimal | None:
            return None if stock is None else stock.available(sku)

        many = None
        # Seen as a plain object: mypy takes the two protocols for disjoint.
        offered: object = stock
        if isinstance(offered, StockAvailability):
            bulk = offered
            memo: dict[str, Decimal] = {} if known_stock is None else known_stock

            def available_many(skus: Sequence[str]) -> Mapping[str, Decimal | None]:
                # Every SKU of the order in one read; those read before are not read again.
                missing = [sku for sku in skus if sku not in memo]
                if missing:
                    memo.update(bulk.available_many(missing))
                return memo

            many = available_many

        def owed(order: Order) -> Money | None:
            # Credit is checked on the grand total the customer will owe; an order that
            # cannot be priced is reported by the price rules, not here.
            try:
                return self.price_order(order).grand_total
            except (PricingError, CurrencyMismatch):
                return None

        def exposure(order: Order) -> Money | None:
            # The customer's outstanding receivables from the service's own orders, when
            # the host's credit control gives no exposure figure.
            if orders is None:
                return None
            return own_exposure(orders, order)

        return ValidationContext(
            today=at.date(),
            credit=credit_of if credit is not None else None,
            owed=owed if credit is not None else None,
            exposure=exposure if credit is not None and orders is not None else None,
            credit_policy=self._credit_policy,
            availability=available if stock is not None else None,
            availability_many=many,
            stock_policy=self._stock_policy,
            list_price=list_price,
            price_floor=price_floor,
            units=self._units,
        )

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

    def get(self, order_id: str) -> Order:
        """The order.

        Raises:
            NotFound: if there is no such order.
        """
        arguments.storable_text(order_id, argument="order_id")
        with self._uow() as uow:
            return uow.orders.get(order_id)

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


def _check_settings(name: str, value: object, expected: type[object]) -> None:
    # A wrong value here would only fail at the first order, far from the mistake.
    if not isinstance(value, expected):
        raise InvalidSettings(
            name, WRONG_TYPE, expected=expected.__name__, kind=type(value).__name__
        )


def check_caller(actor: object, idempotency_key: object) -> None:
    """Refuse an actor or key that cannot be stored (creating commands check their own)."""
    # The lifecycle commands check their arguments themselves; a creating command
    # stores these before any lifecycle command sees them.
    arguments.storable_text(actor, argument="actor")
    if idempotency_key is not None:
        arguments.storable_text(idempotency_key, argument="idempotency_key")


def line_quantities(lines: Mapping[str, Decimal | int | str]) -> dict[str, Decimal]:
    """Line quantities as exact decimals, refused with a code when they are not numbers."""
    quantities = arguments.mapping(lines, argument="lines")
    return {line_id: to_decimal(q, what="quantity") for line_id, q in quantities.items()}


def own_exposure(orders: OrderRepository, order: Order) -> Money:
    """The credit exposure of ``order``'s customer in its currency, ``order`` left out.

    One query when the repository adds it up itself
    ([CreditExposure][salesorder.ports.CreditExposure]); else the sum over the
    customer's orders.
    """
    customer_id, currency = order.customer.id, order.currency
    if isinstance(orders, CreditExposure):
        return orders.credit_exposure(customer_id, currency=currency, excluding=order.id)
    return customer_exposure(
        orders.find(customer_id=customer_id), customer_id, currency=currency, excluding=order.id
    )
