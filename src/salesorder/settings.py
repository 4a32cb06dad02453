"""How an :class:`~salesorder.service.OrderService` prices, decides and keeps time.

A service is configured with three frozen values besides its ports:

* :class:`PricingSettings`: the price list, promotions, coupons, tax, rounding,
  order charges and promotion stacking every order is priced with;
* :class:`PolicySettings`: the validation rules and the credit, stock, approval and
  lifecycle policies, and the allocation strategy for reservations;
* :class:`SlaSettings`: the working calendar and the service-level deadlines.

Ports (unit of work, clock, numbering, notifier, credit control) are not settings:
they are the host's infrastructure and stay keyword arguments of the service.

Invariants:

* every setting is keyword-only, has a default where one makes sense, and is checked
  when the value is built: a wrong type or an inconsistent combination raises
  :class:`InvalidSettings` (or the pricing error the first priced order would have
  raised) there, never at the first order;
* a parameter name means the same thing everywhere in the library: ``approval_policy``
  is always an :class:`~salesorder.lifecycle.ApprovalPolicy`, ``lifecycle_policy`` a
  :class:`~salesorder.lifecycle.LifecyclePolicy`, ``credit_policy`` a
  :class:`~salesorder.validation.CreditPolicy`, and the pricing fields are named as
  the keyword arguments of :func:`salesorder.pricing.price`.

Exception (under :class:`~salesorder.errors.SalesOrderError`)::

    InvalidSettings (ValueError)     a setting of the wrong type, or settings that contradict
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import attrs

from salesorder.errors import CurrencyMismatch, SalesOrderError, define_code, define_phrase
from salesorder.inventory import AllocationStrategy
from salesorder.lifecycle import ApprovalPolicy, LifecyclePolicy
from salesorder.money import RoundingPolicy
from salesorder.pricing import (
    Charge,
    Coupon,
    InvalidPricing,
    PriceList,
    Promotion,
    StackingPolicy,
    TaxPolicy,
)
from salesorder.sla import DEFAULT_DEADLINES, BusinessCalendar, Deadline, WeekendCalendar
from salesorder.units import UnitCatalog
from salesorder.validation import CreditPolicy, RuleSet, StockPolicy, default_rules

__all__ = ["InvalidSettings", "PolicySettings", "PricingSettings", "SlaSettings"]

SETTINGS_INVALID: Final = define_code(
    "settings.invalid",
    en="Invalid setting {setting}: {reason}.",
)
# Why a setting is refused (the ``reason``; terms of the catalogs). ``{expected}`` is the
# class the setting takes (a name the developer types, shown as it is), ``{kind}`` the
# type given (a Python type's name, translated when it is a builtin such as ``str``).
WRONG_TYPE: Final = define_phrase("expected {expected}, got {kind}")
WRONG_ITEM_TYPE: Final = define_phrase("expected {expected} items, got {kind}")
NOT_A_STRATEGY: Final = define_phrase("expected an AllocationStrategy, got {kind}")
NOT_A_CALENDAR: Final = define_phrase("expected a BusinessCalendar, got {kind}")
DUPLICATE_DEADLINES: Final = define_phrase("two deadlines share one name")
#: A promotion, coupon or charge id given twice (the ``reason`` of ``price.invalid``).
GIVEN_TWICE: Final = define_phrase("{what} {id} is given twice")
ITEM_KINDS: Final = tuple(define_phrase(kind) for kind in ("promotion", "coupon", "charge"))
#: The settings ``{setting}`` names: the options of ``OrderService`` and the fields of
#: the settings classes (terms, so a Chinese message names them in Chinese).
SETTING_NAMES: Final = tuple(
    define_phrase(name)
    for name in (
        "approval_policy",
        "credit_policy",
        "lifecycle_policy",
        "policy_settings",
        "pricing_settings",
        "sla_settings",
        "promotions",
        "coupon_book",
        "charges",
        "stacking",
        "tax",
        "rounding",
        "units",
        "price_list",
        "rules",
        "stock_policy",
        "calendar",
        "deadlines",
        "allocation",
    )
)


class InvalidSettings(SalesOrderError, ValueError):
    """A service setting of the wrong type, or settings that contradict each other.

    Attributes:
        setting: The setting's name, e.g. ``approval_policy``.
    """

    default_code = SETTINGS_INVALID

    def __init__(self, setting: str, reason: str, **params: object) -> None:
        self.setting = setting
        super().__init__(params={"setting": setting, "reason": reason, **params})


def _of_type(expected: type[Any]) -> Any:
    """An attrs validator: the value is an ``expected`` (an easy mix-up, named in the error)."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, expected):
            raise InvalidSettings(
                attribute.name,
                WRONG_TYPE,
                expected=expected.__name__,
                kind=type(value).__name__,
            )

    return check


def _items_of_type(expected: type[Any]) -> Any:
    """An attrs validator: every item of the tuple is an ``expected``."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        for item in value:
            if not isinstance(item, expected):
                raise InvalidSettings(
                    attribute.name,
                    WRONG_ITEM_TYPE,
                    expected=expected.__name__,
                    kind=type(item).__name__,
                )

    return check


# Typed converters: attrs' mypy plugin cannot infer an element type through ``tuple``.
def _promotions(items: Iterable[Promotion]) -> tuple[Promotion, ...]:
    return tuple(items)


def _coupons(items: Iterable[Coupon]) -> tuple[Coupon, ...]:
    return tuple(items)


def _charges(items: Iterable[Charge]) -> tuple[Charge, ...]:
    return tuple(items)


def _deadlines(items: Iterable[Deadline]) -> tuple[Deadline, ...]:
    return tuple(items)


def _unique(what: str, keys: Iterable[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise InvalidPricing(GIVEN_TWICE, params={"what": what, "id": key})
        seen.add(key)


@attrs.frozen(kw_only=True)
class PricingSettings:
    """What every order of the service is priced with.

    The fields are the keyword arguments of [price][salesorder.pricing.price] that do
    not depend on the order; the service prices each order at its ``created_at``.

    Attributes:
        price_list: Where unit prices come from (its currency is the service's).
        promotions: Automatic promotions (their own validity windows apply).
        coupon_book: Every coupon a customer may enter.
        tax: Tax rates and price basis (China VAT, exclusive prices by default).
        rounding: Rounding mode and scope.
        charges: Shipping and handling charges added to every order.
        stacking: Cap on the total promotion discount.
        units: Units of measure by product (see `salesorder.units`): a line ordered
            in another unit than its product's stock unit gets its conversion factor
            at entry; None (the default): a line's unit is a label.

    Raises:
        InvalidSettings: a field of the wrong type.
        salesorder.pricing.InvalidPricing: two promotions with one id, two coupons with
            one code, or two charges with one id.
        salesorder.errors.CurrencyMismatch: a charge in another currency than the price list.
        salesorder.pricing.UnknownTaxCode: a charge's tax code the tax policy has no rate for.
    """

    price_list: PriceList = attrs.field(validator=_of_type(PriceList))
    promotions: tuple[Promotion, ...] = attrs.field(
        default=(), converter=_promotions, validator=_items_of_type(Promotion)
    )
    coupon_book: tuple[Coupon, ...] = attrs.field(
        default=(), converter=_coupons, validator=_items_of_type(Coupon)
    )
    tax: TaxPolicy = attrs.field(factory=TaxPolicy, validator=_of_type(TaxPolicy))
    rounding: RoundingPolicy = attrs.field(
        factory=RoundingPolicy, validator=_of_type(RoundingPolicy)
    )
    charges: tuple[Charge, ...] = attrs.field(
        default=(), converter=_charges, validator=_items_of_type(Charge)
    )
    stacking: StackingPolicy = attrs.field(
        factory=StackingPolicy, validator=_of_type(StackingPolicy)
    )
    units: UnitCatalog | None = attrs.field(
        default=None, validator=attrs.validators.optional(_of_type(UnitCatalog))
    )

    def __attrs_post_init__(self) -> None:
        # Each of these would fail (or, for duplicates, silently pick one) at the first
        # order priced; refusing them here makes a bad set-up fail at start-up instead.
        _unique("promotion", (promotion.id for promotion in self.promotions))
        _unique("coupon", (coupon.code for coupon in self.coupon_book))
        _unique("charge", (charge.id for charge in self.charges))
        for charge in self.charges:
            if charge.amount.currency != self.price_list.currency:
                raise CurrencyMismatch(
                    params={"left": self.price_list.currency, "right": charge.amount.currency}
                )
            self.tax.resolve(charge.tax_code)


@attrs.frozen(kw_only=True)
class PolicySettings:
    """The rules and policies the service decides with.

    Attributes:
        rules: Validation rules run on entry and again on submit (the built-in rules
            by default; see `salesorder.validation.default_rules`).
        credit_policy: Whether an order over the credit limit is rejected or needs approval.
        stock_policy: Whether short stock at entry warns (backorder) or rejects.
        approval_policy: Who must approve what (submit and amend).
        lifecycle_policy: Backorder, "ship only after payment" and "separate approvers"
            switches (approve, confirm, ship and amend).
        allocation: Which locations serve a reservation (the stock store's default
            when None).

    Raises:
        InvalidSettings: a field of the wrong type, e.g. a ``LifecyclePolicy`` given as
            ``approval_policy``.
    """

    rules: RuleSet = attrs.field(factory=default_rules, validator=_of_type(RuleSet))
    credit_policy: CreditPolicy = attrs.field(
        default=CreditPolicy.REQUIRE_APPROVAL, validator=_of_type(CreditPolicy)
    )
    stock_policy: StockPolicy = attrs.field(
        default=StockPolicy.WARN_BACKORDER, validator=_of_type(StockPolicy)
    )
    approval_policy: ApprovalPolicy = attrs.field(
        factory=ApprovalPolicy, validator=_of_type(ApprovalPolicy)
    )
    lifecycle_policy: LifecyclePolicy = attrs.field(
        factory=LifecyclePolicy, validator=_of_type(LifecyclePolicy)
    )
    allocation: AllocationStrategy | None = attrs.field(default=None)

    @allocation.validator
    def _check_allocation(self, attribute: attrs.Attribute[Any], value: object) -> None:
        # AllocationStrategy is a structural protocol (not runtime-checkable): check its method.
        if value is not None and not callable(getattr(value, "allocate", None)):
            raise InvalidSettings(attribute.name, NOT_A_STRATEGY, kind=type(value).__name__)


@attrs.frozen(kw_only=True)
class SlaSettings:
    """The working calendar and the service-level deadlines of an order service.

    [OrderService.overdue][salesorder.service.OrderService.overdue] checks them.

    Attributes:
        calendar: Working days and hours (Monday to Friday, 9:00 to 18:00 by default;
            `salesorder.sla.ChinaCalendar` knows the public holidays).
        deadlines: How long an order may stay in a status (review within 4 working
            hours, shipping within 3 working days by default).

    Raises:
        InvalidSettings: a deadline that is not a ``Deadline``, a calendar without
            ``is_working_day``, or two deadlines with one name.
    """

    calendar: BusinessCalendar = attrs.field(factory=WeekendCalendar)
    deadlines: tuple[Deadline, ...] = attrs.field(
        default=DEFAULT_DEADLINES, converter=_deadlines, validator=_items_of_type(Deadline)
    )

    @calendar.validator
    def _check_calendar(self, attribute: attrs.Attribute[Any], value: object) -> None:
        # BusinessCalendar is a structural protocol (not runtime-checkable): check its method.
        if not callable(getattr(value, "is_working_day", None)):
            raise InvalidSettings(attribute.name, NOT_A_CALENDAR, kind=type(value).__name__)

    @deadlines.validator
    def _check_unique_names(
        self, attribute: attrs.Attribute[Any], value: tuple[Deadline, ...]
    ) -> None:
        names = [deadline.name for deadline in value]
        if len(set(names)) != len(names):
            # A breach is reported by deadline name: two deadlines of one name are ambiguous.
            raise InvalidSettings(attribute.name, DUPLICATE_DEADLINES)
