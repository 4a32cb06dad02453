"""Pricing problems: the typed exceptions and every pricing, promotion and coupon code.

Invariants:

* every code used by :mod:`salesorder.pricing` is registered here once, with an English
  and a Simplified Chinese template;
* exception parameters are SKUs, line ids, tax codes and promotion ids, never personal data.

Exception tree (all under :class:`~salesorder.errors.SalesOrderError`)::

    PricingError (ValueError)        a pricing input that cannot be priced
     ├── MissingPrice                 a line with no manual price and no price-list entry
     ├── UnknownTaxCode               a tax code the tax policy has no rate for
     └── InvalidPricing               a malformed price entry, promotion or policy
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from salesorder.errors import SalesOrderError, define_code, define_phrase

__all__ = [
    "InvalidPricing",
    "MissingPrice",
    "PricingError",
    "UnknownTaxCode",
]

# -- exceptions ---------------------------------------------------------------------------------

PRICE_MISSING = define_code(
    "price.missing",
    en="No price for SKU {sku} on line {line_id}.",
)
TAX_CODE_UNKNOWN = define_code(
    "price.tax_code.unknown",
    en="Unknown tax code {tax_code}.",
)
PRICING_INVALID = define_code(
    "price.invalid",
    en="Invalid pricing input: {reason}.",
)

# Why a pricing input is refused: the ``reason`` of ``price.invalid`` and
# ``price.markup.out_of_bounds`` (terms of the catalogs; fields filled from the params).
MARKUP_BELOW_MINUS_100 = define_phrase("percent {percent} is below -100")
MARKUP_NEGATIVE_PRICE = define_phrase("the price from {base} would be {price}")
ENTRY_MARKUP_BELOW_MINUS_100 = define_phrase("entry for {sku}: percent {percent} is below -100")
ENTRY_MARKUP_NEGATIVE_PRICE = define_phrase(
    "entry for {sku}: the price from {base} would be {price}"
)
ENTRY_EMPTY_UNIT = define_phrase("entry for {sku} has an empty unit")
ENTRY_CUSTOMER_AND_TIER = define_phrase("entry for {sku} names both a customer and a tier")
ENTRY_NEGATIVE_BREAK = define_phrase("entry for {sku} has a negative quantity break")
ENTRY_NO_PRICE = define_phrase("entry for {sku} has neither a price nor a markup")
ENTRY_NO_COST = define_phrase("markup entry for {sku} lacks its {field}")
ENTRY_NEGATIVE_AMOUNT = define_phrase("entry for {sku} has a negative amount")
ENTRY_OTHER_CURRENCY = define_phrase("entry for {sku} is in {currency}, the list in {expected}")
TAX_RATE_NEGATIVE = define_phrase("tax rate of {tax_code} must be a non-negative fraction")
RATE_NEGATIVE = define_phrase("tax rate {rate} must be a non-negative fraction")
LEVY_NEGATIVE = define_phrase("a levy per unit must be a non-negative Money")
TAX_GROUP_EMPTY = define_phrase("tax group {tax_code} needs one or more TaxComponent")
TAX_GROUP_REPEATS = define_phrase("tax group {tax_code} names a component twice")
TAX_CODE_TWICE = define_phrase("tax code {tax_code} is both a rate and a group")
LINE_QUANTITY_NOT_FINITE = define_phrase(
    "line {line_id} has a quantity that is not a finite number"
)
LINE_FACTOR_INVALID = define_phrase(
    "line {line_id} has a conversion factor that is not a bounded positive number"
)
LINE_NEGATIVE_QUANTITY = define_phrase("line {line_id} has a negative quantity")
LINE_NEGATIVE_PRICE = define_phrase("line {line_id} has a negative unit price")
LINE_DISCOUNT_BEYOND = define_phrase("line {line_id} asks for a discount beyond 0..100")
TOTAL_TOO_LARGE = define_phrase("the priced total reaches the largest amount, 10^15")
PERCENT_OUT_OF_RANGE = define_phrase("percentage {percent} is not within 0..100")
QUANTITY_NEGATIVE = define_phrase("quantity {quantity} must be a non-negative number")
NOT_A_POSITIVE_COUNT = define_phrase("{field} must be a positive whole number")
MUST_NOT_BE_NEGATIVE = define_phrase("{field} must not be negative")
MUST_BE_POSITIVE = define_phrase("{field} must be positive")
NO_TIERS = define_phrase("a threshold promotion needs at least one tier")
PERCENT_OR_AMOUNT = define_phrase("a charge discount needs exactly one of percent and amount")
#: The fields ``{field}`` names in these reasons (terms): promotion and charge fields.
PRICING_FIELDS = tuple(
    define_phrase(name)
    for name in (
        "amount",
        "buy",
        "cost",
        "get",
        "list",
        "max_units",
        "per_quantity",
        "price",
        "quantity",
        "threshold",
    )
)


class PricingError(SalesOrderError, ValueError):
    """Base of the pricing exceptions: an input that cannot be priced."""

    default_code = PRICING_INVALID


class MissingPrice(PricingError):
    """Lines whose SKU has neither a manual unit price nor a price-list entry valid at ``at``.

    The message names the first such line; ``missing`` lists every one as
    ``(line_id, sku)`` pairs, so a caller can report them all at once.

    Attributes:
        missing: ``(line_id, sku)`` of every line without a price, in line order.
    """

    default_code = PRICE_MISSING

    def __init__(self, missing: tuple[tuple[str, str], ...]) -> None:
        self.missing = tuple(missing)
        line_id, sku = self.missing[0]
        super().__init__(params={"sku": sku, "line_id": line_id, "count": len(self.missing)})


class UnknownTaxCode(PricingError):
    """A tax code with no rate in the :class:`~salesorder.pricing.TaxPolicy`."""

    default_code = TAX_CODE_UNKNOWN

    def __init__(self, tax_code: str, *, line_id: str | None = None) -> None:
        self.tax_code = tax_code
        params: Mapping[str, Any] = {"tax_code": tax_code, "line_id": line_id}
        super().__init__(params=params)


MARKUP_OUT_OF_BOUNDS = define_code(
    "price.markup.out_of_bounds",
    en="Markup out of bounds: {reason}; a markup may lower a price to zero at most.",
)


class InvalidPricing(PricingError):
    """A price entry, promotion, coupon or policy built with values that make no sense.

    Args:
        reason: What is wrong, in English (SKUs and ids only, never personal data).
        code: A more precise code than ``price.invalid`` (e.g. ``price.markup.out_of_bounds``).
        params: Further parameters of that code's message.
    """

    default_code = PRICING_INVALID

    def __init__(
        self, reason: str, *, code: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(code, params={"reason": reason, **(params or {})})


# -- flags: manual prices and discounts beyond policy (read by the approval policy) ---------------

FLAG_MANUAL_PRICE_BELOW_LIST = define_code(
    "price.manual_below_list",
    en="Line {line_id}: manual unit price {unit_price} is {percent}% under the list price "
    "{list_price} (allowed: {threshold}%).",
)
FLAG_DISCOUNT_BEYOND_POLICY = define_code(
    "price.discount_beyond_policy",
    en="Line {line_id}: requested discount {percent}% exceeds the allowed {threshold}%.",
)

FLAG_ORDER_DISCOUNT_BEYOND_POLICY = define_code(
    "price.order_discount_beyond_policy",
    en="The manual order discount of {amount} ({percent}%) exceeds the allowed {threshold}%.",
)

# -- promotion outcomes ---------------------------------------------------------------------------

PROMOTION_NOT_ACTIVE = define_code(
    "promotion.not_active",
    en="Promotion {promotion_id} is not valid at this time.",
)
PROMOTION_CUSTOMER = define_code(
    "promotion.customer_not_eligible",
    en="Promotion {promotion_id} does not apply to this customer.",
)
PROMOTION_NO_LINES = define_code(
    "promotion.no_eligible_lines",
    en="Promotion {promotion_id} has no eligible lines or charges.",
)
PROMOTION_MIN_SPEND = define_code(
    "promotion.min_spend",
    en="Promotion {promotion_id} needs a spend of {required}; eligible amount is {actual}.",
)
PROMOTION_MIN_QUANTITY = define_code(
    "promotion.min_quantity",
    en="Promotion {promotion_id} needs a quantity of {required}; eligible quantity is {actual}.",
)
PROMOTION_MAX_QUANTITY = define_code(
    "promotion.max_quantity",
    en="Promotion {promotion_id} applies up to a quantity of {limit}; eligible quantity "
    "is {actual}.",
)
PROMOTION_NO_BENEFIT = define_code(
    "promotion.no_benefit",
    en="Promotion {promotion_id} gives no discount on this order.",
)
PROMOTION_EXCLUDED = define_code(
    "promotion.excluded",
    en="Promotion {promotion_id} cannot be combined with {winner}, which is better "
    "for the customer.",
)
PROMOTION_NOT_BEST = define_code(
    "promotion.not_best",
    en="Promotion {promotion_id} lost to {winner} in group {group} (only the best applies).",
)
PROMOTION_EXCLUDED_BY_PRIORITY = define_code(
    "promotion.excluded_by_priority",
    en="Promotion {promotion_id} cannot be combined with {winner}, which comes first by priority.",
)
PROMOTION_LOWER_PRIORITY = define_code(
    "promotion.lower_priority",
    en="Promotion {promotion_id} gave way to {winner} in group {group} (the first by "
    "priority applies).",
)
PROMOTION_CAP_REACHED = define_code(
    "promotion.cap_reached",
    en="Promotion {promotion_id}: the discount cap is reached; {unused} not used.",
)
PROMOTION_PARTIAL = define_code(
    "promotion.partially_applied",
    en="Promotion {promotion_id}: only {applied} of {requested} could be used; "
    "amounts cannot go below zero.",
)
PROMOTION_APPLIED = define_code(
    "promotion.applied",
    en="Promotion {promotion_id} applied: {amount} off.",
)

# -- coupons --------------------------------------------------------------------------------------

COUPON_UNKNOWN = define_code(
    "coupon.unknown",
    en="Coupon {coupon} is unknown.",
)
COUPON_NOT_YET_VALID = define_code(
    "coupon.not_yet_valid",
    en="Coupon {coupon} is not valid yet.",
)
COUPON_EXPIRED = define_code(
    "coupon.expired",
    en="Coupon {coupon} has expired.",
)
COUPON_MIN_SPEND = define_code(
    "coupon.min_spend",
    en="Coupon {coupon} needs a spend of {required}; the order subtotal is {actual}.",
)
COUPON_USAGE_LIMIT = define_code(
    "coupon.usage_limit",
    en="Coupon {coupon} has been used up ({limit} uses).",
)
COUPON_CUSTOMER_LIMIT = define_code(
    "coupon.customer_limit",
    en="Coupon {coupon} has been used {limit} time(s) by this customer already.",
)
COUPON_USAGE_UNKNOWN = define_code(
    "coupon.usage_unknown",
    en="Coupon {coupon} has usage limits but no redemption lookup was given.",
)
COUPON_DUPLICATE = define_code(
    "coupon.duplicate",
    en="Coupon {coupon} was entered more than once.",
)

# -- adjustment reasons (explain() shows these) ---------------------------------------------------

REASON_MANUAL = define_code("discount.manual", en="manual discount {percent}%")
REASON_MANUAL_ORDER = define_code(
    "discount.manual_order",
    en="manual order discount {amount} ({percent}%), allocated",
)
REASON_LINE_PERCENT = define_code("discount.line_percent", en="{percent}% off the line")
REASON_LINE_AMOUNT = define_code("discount.line_amount", en="{amount} off per {per}")
REASON_ORDER_PERCENT = define_code(
    "discount.order_percent",
    en="{percent}% off the order, allocated",
)
REASON_ORDER_AMOUNT = define_code("discount.order_amount", en="{amount} off the order, allocated")
REASON_THRESHOLD = define_code(
    "discount.threshold",
    en="spend {threshold}, get {amount} off, allocated",
)
REASON_BUY_GET = define_code(
    "discount.buy_get",
    en="buy {buy} get {get} at {percent}% off",
)
REASON_BUNDLE = define_code("discount.bundle", en="{quantity} for {price}")
REASON_GIFT = define_code("discount.gift", en="free gift")
REASON_GIFT_AT_PRICE = define_code("discount.gift_at_price", en="gift at {price} each")
REASON_CHARGE = define_code("discount.charge", en="off the {charge} charge")
