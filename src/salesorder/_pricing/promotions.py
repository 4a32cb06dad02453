"""Promotions, coupons, charges and the stacking policy (pure data plus exact benefit math).

A ``Promotion`` has an id, a name, a validity window, a ``Target`` (which lines),
``Conditions`` (customer, minimum spend, minimum quantity), a ``priority`` (lower runs
first), a stacking rule (stackable or exclusive, optionally in a mutually exclusive ``group``)
and one benefit:

============================  ===============================================================
benefit                       effect
============================  ===============================================================
``LinePercentOff``       percent off each eligible line
``LineAmountOff``        fixed amount off per unit or per line of each eligible line
``OrderPercentOff``      percent off the eligible lines together, allocated over them
``OrderAmountOff``       fixed amount off the eligible lines, allocated over them
``ThresholdOff``         满减 tiers: spend 1000 get 100 off, spend 2000 get 250 off
``BuyGet``               buy N get M (cheapest units free, or a percent off them)
``BundlePrice``          fixed-price bundles: 3 for 100
``FreeGift``             a free gift line
``ChargeOff``            percent or amount off a shipping or handling charge
============================  ===============================================================

Invariants:

* percentages are within 0..100, counts are positive, amounts are non-negative;
* a benefit never asks for more than the amounts it works on (allocations are split in
  proportion to current line amounts, so no line can go below zero); whatever it cannot
  use is reported by ``price`` as unused, never silently dropped;
* every computed amount is a whole number of minor units.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol, runtime_checkable

import attrs

from salesorder._pricing import errors as codes
from salesorder._pricing._state import Context, LineState
from salesorder._pricing.errors import (
    MUST_BE_POSITIVE,
    MUST_NOT_BE_NEGATIVE,
    NO_TIERS,
    NOT_A_POSITIVE_COUNT,
    PERCENT_OR_AMOUNT,
    PERCENT_OUT_OF_RANGE,
    QUANTITY_NEGATIVE,
    InvalidPricing,
)
from salesorder.money import Money
from salesorder.order import CustomerTier

__all__ = [
    "Basis",
    "Benefit",
    "BundlePrice",
    "BuyGet",
    "Charge",
    "ChargeKind",
    "ChargeOff",
    "Choice",
    "Conditions",
    "Coupon",
    "CouponRedemptions",
    "DiscountLines",
    "FreeGift",
    "LineAmountOff",
    "LinePercentOff",
    "OnceScope",
    "OrderAmountOff",
    "OrderPercentOff",
    "Per",
    "Promotion",
    "RedemptionCounts",
    "Remainder",
    "Stacking",
    "StackingPolicy",
    "Target",
    "ThresholdOff",
    "ThresholdTier",
]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_ONE = Decimal(1)


def _percent(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("percentages must be Decimal, not float")
    number = Decimal(value)
    if not number.is_finite() or not 0 <= number <= _HUNDRED:
        raise InvalidPricing(PERCENT_OUT_OF_RANGE, params={"percent": str(value)})
    return number


def _quantity(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("quantities must be Decimal, not float")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise InvalidPricing(QUANTITY_NEGATIVE, params={"quantity": str(value)})
    return number


def _positive_count(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidPricing(NOT_A_POSITIVE_COUNT, params={"field": attribute.name})


def _non_negative_money(_instance: object, attribute: attrs.Attribute[Money], value: Money) -> None:
    if value.amount < 0:
        raise InvalidPricing(MUST_NOT_BE_NEGATIVE, params={"field": attribute.name})


class NotApplicable(Exception):
    """A benefit's own condition is not met; carries the rejection code and params."""

    def __init__(self, code: str, params: Mapping[str, str]) -> None:
        super().__init__(code)
        self.code = code
        self.params = dict(params)


#: What a benefit computes: an amount off per working line (aligned), the amount it
#: asked for in total, the reason code and its parameters.
Outcome = tuple[list[Decimal], Decimal, str, dict[str, str]]


class Per(enum.StrEnum):
    """What a fixed line amount is counted per."""

    UNIT = "unit"
    LINE = "line"


class ChargeKind(enum.StrEnum):
    """Kinds of order charge."""

    SHIPPING = "shipping"
    HANDLING = "handling"


def _by_value_desc(lines: list[LineState]) -> list[int]:
    # Unit value desc, then SKU and line id: a total order independent of line order.
    return sorted(
        range(len(lines)),
        key=lambda i: (-(lines[i].net / lines[i].quantity), lines[i].sku, lines[i].line_id),
    )


def _whole_units(line: LineState) -> int:
    return int(line.quantity.to_integral_value(rounding=ROUND_FLOOR)) if line.quantity > 0 else 0


@attrs.frozen
class LinePercentOff:
    """Percent off every eligible line.

    Attributes:
        percent: 0..100.
    """

    percent: Decimal = attrs.field(converter=_percent)

    def compute(
        self,
        lines: list[LineState],
        ctx: Context,
        *,
        once: bool,
        basis: list[Decimal] | None = None,
    ) -> Outcome:
        """Amounts off each line (see ``Benefit``).

        ``basis``: the amounts to take the percentage of, aligned with ``lines``
        (default: what the lines still cost).
        """
        factor = self.percent / _HUNDRED
        quantum, mode = ctx.quantum, ctx.mode
        bases = [line.net for line in lines] if basis is None else basis
        amounts = [(amount * factor).quantize(quantum, rounding=mode) for amount in bases]
        if once:
            amounts = _only_best(amounts, lines)
        return (
            amounts,
            sum(amounts, _ZERO),
            codes.REASON_LINE_PERCENT,
            {"percent": str(self.percent)},
        )


def _only_best(amounts: list[Decimal], lines: list[LineState]) -> list[Decimal]:
    # "Once per order": keep the largest amount (ties: smallest line id), zero the rest.
    if not amounts:
        return amounts
    best = min(range(len(amounts)), key=lambda i: (-amounts[i], lines[i].line_id))
    return [amount if i == best else _ZERO for i, amount in enumerate(amounts)]


@attrs.frozen
class LineAmountOff:
    """A fixed amount off every eligible line, per unit or per line.

    Attributes:
        amount: Amount off.
        per: Per unit (times the quantity) or once per line.
    """

    amount: Money = attrs.field(validator=_non_negative_money)
    per: Per = Per.UNIT

    def compute(self, lines: list[LineState], ctx: Context, *, once: bool) -> Outcome:
        """Amounts off each line (see ``Benefit``)."""
        off = self.amount.amount
        if self.per is Per.UNIT:
            quantum, mode = ctx.quantum, ctx.mode
            amounts = [(off * line.quantity).quantize(quantum, rounding=mode) for line in lines]
        else:
            amounts = [ctx.q(off) for _ in lines]
        if once:
            amounts = _only_best(amounts, lines)
        params = {
            "amount": str(self.amount),
            "per": str(self.per),
        }
        return amounts, sum(amounts, _ZERO), codes.REASON_LINE_AMOUNT, params


def _allocated(
    total: Decimal, lines: list[LineState], ctx: Context
) -> tuple[list[Decimal], Decimal]:
    # Allocate over current line amounts; never more than they hold (the rest is unused).
    scale = ctx.scale
    weights = [int(line.net * scale) for line in lines]
    available = ctx.amount(sum(weights))
    usable = min(total, available)
    if not usable:
        return [_ZERO] * len(lines), total
    return ctx.allocate(usable, weights), total


@attrs.frozen
class OrderPercentOff:
    """Percent off the eligible lines together, allocated over them exactly.

    Attributes:
        percent: 0..100.
    """

    percent: Decimal = attrs.field(converter=_percent)

    def compute(
        self,
        lines: list[LineState],
        ctx: Context,
        *,
        once: bool,
        basis: list[Decimal] | None = None,
    ) -> Outcome:
        """Amounts off each line (see ``Benefit``).

        ``basis``: the amounts to take the percentage of (default: what the lines still
        cost); the discount is allocated over what the lines still cost.
        """
        measured = sum((line.net for line in lines) if basis is None else basis, _ZERO)
        total = ctx.q(measured * self.percent / _HUNDRED)
        amounts, requested = _allocated(total, lines, ctx)
        return amounts, requested, codes.REASON_ORDER_PERCENT, {"percent": str(self.percent)}


@attrs.frozen
class OrderAmountOff:
    """A fixed amount off the eligible lines, allocated over them exactly.

    Attributes:
        amount: Amount off the order.
    """

    amount: Money = attrs.field(validator=_non_negative_money)

    def compute(self, lines: list[LineState], ctx: Context, *, once: bool) -> Outcome:
        """Amounts off each line (see ``Benefit``)."""
        amounts, requested = _allocated(ctx.q(self.amount.amount), lines, ctx)
        return amounts, requested, codes.REASON_ORDER_AMOUNT, {"amount": str(self.amount)}


@attrs.frozen
class ThresholdTier:
    """One 满减 tier: spend at least ``threshold``, get ``amount`` off.

    Attributes:
        threshold: Minimum eligible amount.
        amount: Amount off once the threshold is reached.
    """

    threshold: Money = attrs.field(validator=_non_negative_money)
    amount: Money = attrs.field(validator=_non_negative_money)


def _tiers(value: Iterable[ThresholdTier]) -> tuple[ThresholdTier, ...]:
    tiers = tuple(value)
    if not tiers:
        raise InvalidPricing(NO_TIERS)
    return tuple(sorted(tiers, key=lambda tier: tier.threshold.amount))


@attrs.frozen
class ThresholdOff:
    """满减: the highest tier whose threshold the eligible lines reach, allocated over them.

    Attributes:
        tiers: The tiers (any order; the highest reached applies).
    """

    tiers: tuple[ThresholdTier, ...] = attrs.field(converter=_tiers)

    @classmethod
    def of(
        cls, currency: str, *pairs: tuple[Decimal | int | str, Decimal | int | str]
    ) -> ThresholdOff:
        """Tiers from ``(threshold, amount)`` pairs in ``currency``, e.g. ``(1000, 100)``."""
        return cls(tuple(ThresholdTier(Money(t, currency), Money(a, currency)) for t, a in pairs))

    def compute(
        self,
        lines: list[LineState],
        ctx: Context,
        *,
        once: bool,
        basis: list[Decimal] | None = None,
    ) -> Outcome:
        """Amounts off each line (see ``Benefit``).

        ``basis``: the amounts the thresholds are measured on (default: what the lines
        still cost); the discount is allocated over what the lines still cost.

        Raises:
            NotApplicable: when no tier is reached.
        """
        spend = sum((line.net for line in lines) if basis is None else basis, _ZERO)
        reached = [tier for tier in self.tiers if tier.threshold.amount <= spend]
        if not reached:
            lowest = self.tiers[0].threshold
            raise NotApplicable(
                codes.PROMOTION_MIN_SPEND,
                {"required": str(lowest), "actual": f"{spend} {ctx.currency}"},
            )
        tier = reached[-1]
        amounts, requested = _allocated(ctx.q(tier.amount.amount), lines, ctx)
        params = {"threshold": str(tier.threshold), "amount": str(tier.amount)}
        return amounts, requested, codes.REASON_THRESHOLD, params


@attrs.frozen
class BuyGet:
    """Buy ``buy``, get ``get``: the cheapest units are free (or ``percent`` off).

    Every group of ``buy + get`` eligible units makes ``get`` of the cheapest units free.
    Units are whole; fractional quantities count their whole part.

    Attributes:
        buy: Units to pay for per group.
        get: Units discounted per group.
        percent: Discount on the cheapest units (100: free).
    """

    buy: int = attrs.field(validator=_positive_count)
    get: int = attrs.field(validator=_positive_count)
    percent: Decimal = attrs.field(default=_HUNDRED, converter=_percent)

    def compute(self, lines: list[LineState], ctx: Context, *, once: bool) -> Outcome:
        """Amounts off each line (see ``Benefit``).

        Raises:
            NotApplicable: when there are fewer than ``buy + get`` units.
        """
        units = [_whole_units(line) for line in lines]
        groups = sum(units) // (self.buy + self.get)
        if once:
            groups = min(groups, 1)
        if not groups:
            raise NotApplicable(
                codes.PROMOTION_MIN_QUANTITY,
                {"required": str(self.buy + self.get), "actual": str(sum(units))},
            )
        free = groups * self.get
        amounts = [_ZERO] * len(lines)
        factor = self.percent / _HUNDRED
        # The cheapest units: walk the lines from the lowest current unit value.
        for index in reversed(_by_value_desc(lines)):
            if not free:
                break
            take = min(free, units[index])
            line = lines[index]
            amounts[index] = ctx.q(line.net * take / line.quantity * factor)
            free -= take
        params = {"buy": str(self.buy), "get": str(self.get), "percent": str(self.percent)}
        return amounts, sum(amounts, _ZERO), codes.REASON_BUY_GET, params


@attrs.frozen
class BundlePrice:
    """Fixed-price bundles: every ``quantity`` eligible units cost ``price`` together.

    The most valuable units go into bundles first (best for the customer); the discount
    is what the bundled units would have cost minus the bundle prices, allocated over the
    bundled lines by their bundled value.

    Attributes:
        quantity: Units per bundle.
        price: Price of one bundle.
    """

    quantity: int = attrs.field(validator=_positive_count)
    price: Money = attrs.field(validator=_non_negative_money)

    def compute(self, lines: list[LineState], ctx: Context, *, once: bool) -> Outcome:
        """Amounts off each line (see ``Benefit``).

        Raises:
            NotApplicable: when there are fewer than ``quantity`` units.
        """
        units = [_whole_units(line) for line in lines]
        bundles = sum(units) // self.quantity
        if once:
            bundles = min(bundles, 1)
        if not bundles:
            raise NotApplicable(
                codes.PROMOTION_MIN_QUANTITY,
                {"required": str(self.quantity), "actual": str(sum(units))},
            )
        left = bundles * self.quantity
        values = [_ZERO] * len(lines)
        for index in _by_value_desc(lines):
            if not left:
                break
            take = min(left, units[index])
            line = lines[index]
            values[index] = ctx.q(line.net * take / line.quantity)
            left -= take
        discount = sum(values, _ZERO) - ctx.q(self.price.amount * bundles)
        params = {"quantity": str(self.quantity), "price": str(self.price)}
        if discount <= 0:
            return [_ZERO] * len(lines), _ZERO, codes.REASON_BUNDLE, params
        amounts = ctx.split(discount, [ctx.units(value) for value in values])
        return amounts, discount, codes.REASON_BUNDLE, params


def _positive_quantity(value: Decimal | int | str | None) -> Decimal | None:
    if value is None:
        return None
    number = _quantity(value)
    if not number:
        raise InvalidPricing(MUST_BE_POSITIVE, params={"field": "per_quantity"})
    return number


def _optional_non_negative_money(
    _instance: object, attribute: attrs.Attribute[Money | None], value: Money | None
) -> None:
    if value is not None and value.amount < 0:
        raise InvalidPricing(MUST_NOT_BE_NEGATIVE, params={"field": attribute.name})


@attrs.frozen
class FreeGift:
    """A gift line added to the order (priced at its list price, then given away).

    By default one fixed ``quantity`` is free. Two options, as ERPNext's product
    discounts have them:

    * ``per_quantity``: the gift grows with the quantity bought: ``quantity`` gifts for
      every whole ``per_quantity`` units of the eligible lines (buy 10, get 1 free, 20
      get 2 ...); fewer than ``per_quantity`` units give no gift
      (``promotion.min_quantity``);
    * ``price``: the gift is sold at this unit price instead of free (never more than
      its list price): the discount is the list value less what the customer pays.

    Attributes:
        sku: The gift's SKU.
        quantity: Gift quantity (per ``per_quantity`` units bought, when given).
        name: Name shown on the breakdown.
        tax_code: Tax code of the gift line (None: the policy default).
        per_quantity: Eligible units bought per ``quantity`` gifts (None: a fixed gift).
        price: Unit price the customer pays for the gift (None: free).
    """

    sku: str
    quantity: Decimal = attrs.field(default=Decimal(1), converter=_quantity)
    name: str = ""
    tax_code: str | None = None
    per_quantity: Decimal | None = attrs.field(default=None, converter=_positive_quantity)
    price: Money | None = attrs.field(default=None, validator=_optional_non_negative_money)


@attrs.frozen
class ChargeOff:
    """Percent or amount off the order's charges of one kind (e.g. free shipping).

    Attributes:
        kind: Shipping or handling.
        percent: Percent off (100: free); exclusive with ``amount``.
        amount: Amount off, allocated over the charges of that kind.
    """

    kind: ChargeKind = ChargeKind.SHIPPING
    percent: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(_percent)
    )
    amount: Money | None = None

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise InvalidPricing(PERCENT_OR_AMOUNT)
        if self.amount is not None and self.amount.amount < 0:
            raise InvalidPricing(MUST_NOT_BE_NEGATIVE, params={"field": "amount"})

    def compute(self, lines: list[LineState], ctx: Context, *, once: bool) -> Outcome:
        """Amounts off each charge (see ``Benefit``)."""
        params = {"charge": str(self.kind)}
        if self.percent is not None:
            factor = self.percent / _HUNDRED
            amounts = [ctx.q(line.net * factor) for line in lines]
            return amounts, sum(amounts, _ZERO), codes.REASON_CHARGE, params
        assert self.amount is not None  # noqa: S101 (checked at construction)
        amounts, requested = _allocated(ctx.q(self.amount.amount), lines, ctx)
        return amounts, requested, codes.REASON_CHARGE, params


#: Every benefit a promotion can give.
Benefit = (
    LinePercentOff
    | LineAmountOff
    | OrderPercentOff
    | OrderAmountOff
    | ThresholdOff
    | BuyGet
    | BundlePrice
    | FreeGift
    | ChargeOff
)


def _frozen_strs(value: str | Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset(value)


@attrs.frozen
class Target:
    """Which lines a promotion works on: any of the SKUs, categories or tags; empty: all.

    Attributes:
        skus: SKUs.
        categories: Product categories (``OrderLine.category``).
        tags: Product tags (``OrderLine.tags``); one shared tag is enough.
    """

    skus: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_strs)
    categories: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_strs)
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_strs)

    @property
    def is_everything(self) -> bool:
        """Whether the target selects every line."""
        return not (self.skus or self.categories or self.tags)

    def matches(self, line: LineState) -> bool:
        """Whether ``line`` is eligible."""
        if line.is_gift:
            return False
        if self.is_everything:
            return True
        return (
            line.sku in self.skus
            or (line.category is not None and line.category in self.categories)
            or not self.tags.isdisjoint(line.tags)
        )


@attrs.frozen
class Conditions:
    """When a promotion applies, beyond its validity window.

    Attributes:
        min_spend: Minimum current amount of the eligible lines.
        min_quantity: Minimum total quantity of the eligible lines.
        max_quantity: Maximum total quantity of the eligible lines (ERPNext's "max qty"):
            above it the promotion does not apply (``promotion.max_quantity``).
        customer_tiers: Only for these tiers (empty: any) — customer-tier discounts.
        customer_ids: Only for these customers (empty: any).
    """

    min_spend: Money | None = None
    min_quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(_quantity)
    )
    max_quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(_quantity)
    )
    customer_tiers: frozenset[CustomerTier] = attrs.field(default=frozenset(), converter=frozenset)
    customer_ids: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_strs)
    #: Whether a spend or quantity condition is set (checked per promotion per run).
    limits_amounts: bool = attrs.field(
        init=False,
        repr=False,
        eq=False,
        hash=False,
        default=attrs.Factory(
            lambda self: (
                not (
                    self.min_spend is None
                    and self.min_quantity is None
                    and self.max_quantity is None
                )
            ),
            takes_self=True,
        ),
    )


class Basis(enum.StrEnum):
    """Which amounts a promotion measures or takes its percentage of."""

    CURRENT = "current"
    """What the lines still cost after the promotions before it (percentages compound)."""
    UNDISCOUNTED = "undiscounted"
    """The lines before any promotion (after manual line discounts): percentages add up
    (ERPNext), thresholds ignore earlier promotions."""


class OnceScope(enum.StrEnum):
    """What ``once_per_order`` limits a line benefit to."""

    LINE = "line"
    """One whole line (the one the benefit gives most on), one group, one bundle."""
    CHEAPEST_UNIT = "cheapest_unit"
    """One unit of the cheapest eligible line (Saleor's "apply once per order")."""


def _unit_cap(value: Decimal | int | str | None) -> Decimal | None:
    if value is None:
        return None
    number = _quantity(value)
    if not number:
        raise InvalidPricing(MUST_BE_POSITIVE, params={"field": "max_units"})
    return number


class Stacking(enum.StrEnum):
    """How a promotion combines with others."""

    STACKABLE = "stackable"
    """Combines with every other stackable promotion (in priority order)."""
    EXCLUSIVE = "exclusive"
    """Applies alone: it wins only if it is better for the customer than all the rest."""


def _amounts_of(benefit: object) -> list[Money]:
    if isinstance(benefit, FreeGift):
        return [] if benefit.price is None else [benefit.price]
    if isinstance(benefit, ThresholdOff):
        return [m for tier in benefit.tiers for m in (tier.threshold, tier.amount)]
    return [getattr(benefit, name) for name in ("amount", "price")
            if isinstance(getattr(benefit, name, None), Money)]  # fmt: skip


def _reach_of(promotion: Promotion) -> Decimal | None:
    reach = promotion.max_units
    if promotion.once_per_order and promotion.once_scope is OnceScope.CHEAPEST_UNIT:
        reach = _ONE if reach is None else min(reach, _ONE)
    return reach


def _reads_undiscounted(promotion: Promotion) -> bool:
    if isinstance(promotion.benefit, ThresholdOff):
        return promotion.spend_on is Basis.UNDISCOUNTED
    return promotion.percent_on is Basis.UNDISCOUNTED and isinstance(
        promotion.benefit, LinePercentOff | OrderPercentOff
    )


@attrs.frozen
class Promotion:
    """A promotion (促销活动).

    Attributes:
        id: Stable identifier (appears on adjustments and rejections).
        name: Name for people.
        benefit: What it gives.
        target: Which lines it works on (and whose amounts its conditions measure).
        conditions: Customer, minimum spend, minimum quantity.
        valid_from: First valid instant (inclusive); None: open.
        valid_until: First instant no longer valid (exclusive); None: open.
        priority: Lower runs first; later promotions work on already discounted amounts.
        stacking: Stackable or exclusive.
        group: Mutually exclusive group: of the promotions sharing a group, only the one
            best for the customer applies.
        once_per_order: Apply the benefit once only: one line, one group, one bundle
            (``once_scope`` LINE), or one unit of the cheapest eligible line
            (``once_scope`` CHEAPEST_UNIT).
        once_scope: What ``once_per_order`` means (see ``OnceScope``).
        percent_on: What a ``LinePercentOff`` or ``OrderPercentOff`` takes its percentage
            of: the current amounts (compounding, the default) or the undiscounted ones
            (percentages of several promotions add up, as ERPNext's).
        spend_on: What ``conditions.min_spend`` and ``ThresholdOff`` tiers are measured
            on: the current amounts (the default) or the undiscounted ones.
        max_units: The most units the benefit reaches, cheapest units first (django-oscar's
            "max affected items"): the benefit is computed as if the eligible lines held
            only those units. None: every eligible unit.
    """

    id: str
    name: str
    benefit: Benefit
    target: Target = Target()
    conditions: Conditions = Conditions()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    priority: int = 100
    stacking: Stacking = Stacking.STACKABLE
    group: str | None = None
    once_per_order: bool = False
    once_scope: OnceScope = OnceScope.LINE
    max_units: Decimal | None = attrs.field(default=None, converter=_unit_cap)
    percent_on: Basis = Basis.CURRENT
    spend_on: Basis = Basis.CURRENT
    _currencies: frozenset[str] = attrs.field(init=False, repr=False, eq=False, hash=False)
    #: The most units the benefit reaches: ``max_units``, or 1 for the cheapest unit.
    reach: Decimal | None = attrs.field(
        init=False,
        repr=False,
        eq=False,
        hash=False,
        default=attrs.Factory(_reach_of, takes_self=True),
    )
    #: True when no option changes how the benefit is computed (no reach, no undiscounted
    #: basis): ``price`` then takes its shortest path.
    simple: bool = attrs.field(
        init=False,
        repr=False,
        eq=False,
        hash=False,
        default=attrs.Factory(
            lambda self: self.reach is None and not _reads_undiscounted(self), takes_self=True
        ),
    )

    def is_valid_at(self, at: datetime) -> bool:
        """Whether ``at`` is in the validity window."""
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )

    @property
    def currencies(self) -> frozenset[str]:
        """Currencies of every amount in the promotion (empty when it has none)."""
        return self._currencies

    def __attrs_post_init__(self) -> None:
        # Computed once: price() checks it for every promotion on every call.
        amounts = _amounts_of(self.benefit)
        if self.conditions.min_spend is not None:
            amounts.append(self.conditions.min_spend)
        object.__setattr__(self, "_currencies", frozenset(m.currency for m in amounts))

    @property
    def undiscounted_basis(self) -> bool:
        """Whether the benefit reads undiscounted amounts (``percent_on``, ``spend_on``)."""
        return _reads_undiscounted(self)

    @property
    def once_per_line(self) -> bool:
        """Whether the benefit is limited to one line, group or bundle."""
        return self.once_per_order and self.once_scope is OnceScope.LINE


def _coupon_code(code: str) -> str:
    return str(code).strip().upper()


@attrs.frozen
class Coupon:
    """A coupon code (优惠券) bound to a promotion.

    Codes compare case-insensitively, ignoring surrounding spaces.

    Attributes:
        code: The code customers enter.
        promotion: The promotion it unlocks.
        valid_from: First valid instant (inclusive); None: open.
        valid_until: First instant no longer valid (exclusive); None: open.
        min_spend: Minimum order subtotal (before any discount).
        usage_limit: Most redemptions in total (None: unlimited).
        per_customer_limit: Most redemptions per customer (None: unlimited).
    """

    code: str = attrs.field(converter=_coupon_code)
    promotion: Promotion
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    min_spend: Money | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None


@runtime_checkable
class CouponRedemptions(Protocol):
    """How many times a coupon has been redeemed (the coupon ledger port implements it)."""

    def count(self, code: str) -> int:
        """Redemptions of ``code`` by anyone."""
        ...

    def count_for_customer(self, code: str, customer_id: str) -> int:
        """Redemptions of ``code`` by ``customer_id``."""
        ...


@attrs.frozen
class RedemptionCounts:
    """A fixed, in-memory ``CouponRedemptions`` (tests, examples, batch pricing).

    Attributes:
        totals: Redemptions per code.
        by_customer: Redemptions per ``(code, customer_id)``.
    """

    totals: Mapping[str, int] = attrs.field(factory=dict, hash=False)
    by_customer: Mapping[tuple[str, str], int] = attrs.field(factory=dict, hash=False)

    def count(self, code: str) -> int:
        """Redemptions of ``code`` by anyone."""
        return self.totals.get(code, 0)

    def count_for_customer(self, code: str, customer_id: str) -> int:
        """Redemptions of ``code`` by ``customer_id``."""
        return self.by_customer.get((code, customer_id), 0)


@attrs.frozen
class Charge:
    """A shipping or handling charge on the order (运费 / 手续费).

    Attributes:
        kind: Shipping or handling.
        amount: The charge before promotions (gross when prices include tax).
        charge_id: Identifier on the breakdown; defaults to the kind.
        tax_code: Tax code (None: the policy default).
    """

    kind: ChargeKind
    amount: Money = attrs.field(validator=_non_negative_money)
    charge_id: str | None = None
    tax_code: str | None = None

    @property
    def id(self) -> str:
        """The id shown on the breakdown."""
        return self.charge_id or str(self.kind)


class Choice(enum.StrEnum):
    """How one promotion is chosen among promotions that cannot combine."""

    BEST_FOR_CUSTOMER = "best_for_customer"
    """The largest benefit for the customer wins (the default; Saleor, django-oscar)."""
    PRIORITY = "priority"
    """The lowest ``priority`` wins, then the smallest id, whatever it gives (ERPNext)."""


class Remainder(enum.StrEnum):
    """Where the odd minor units of an order-level discount split over lines go."""

    LARGEST_REMAINDER = "largest_remainder"
    """To the lines with the largest fractional shares (the default; exact and fair)."""
    LAST_LINE = "last_line"
    """Every line but the last gets its share rounded down; the last line (in line-id
    order) takes the rest (django-oscar)."""


class DiscountLines(enum.StrEnum):
    """How the manual order discount is shown: spread over the lines, or as its own lines."""

    SPREAD = "spread"
    """Only spread over the lines as a ``manual`` adjustment (the default)."""
    PER_TAX = "per_tax"
    """Also shown as one discount line per tax code, with its own tax (Odoo's global
    discount); the lines keep their spread figures, each with its share of its code's
    discount line."""


@attrs.frozen
class StackingPolicy:
    """How promotions combine: caps, the choice among rivals, where remainders go.

    Attributes:
        max_discount: Cap on the total promotion discount (manual discounts and gifts
            are not counted).
        max_discount_percent: Cap as a percentage of the subtotal plus charges.
        choice: How the winner is chosen within a ``group`` and between exclusive
            promotions and the stack.
        remainder: Where the odd minor units of an order-level discount go.
        discount_lines: Whether the manual order discount is also shown as discount lines
            per tax code (see [DiscountLines][salesorder.pricing.DiscountLines]).
    """

    max_discount: Money | None = None
    max_discount_percent: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(_percent)
    )
    choice: Choice = Choice.BEST_FOR_CUSTOMER
    remainder: Remainder = Remainder.LARGEST_REMAINDER
    discount_lines: DiscountLines = DiscountLines.SPREAD
