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

from salesorder.errors import SalesOrderError, define_code

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
    zh="订单行 {line_id} 的商品 {sku} 没有价格。",
)
TAX_CODE_UNKNOWN = define_code(
    "price.tax_code.unknown",
    en="Unknown tax code {tax_code}.",
    zh="未知的税码 {tax_code}。",
)
PRICING_INVALID = define_code(
    "price.invalid",
    en="Invalid pricing input: {reason}.",
    zh="定价参数无效:{reason}。",
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
    zh="加价规则超出范围:{reason};加价最多只能把价格降到零。",
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
    zh="订单行 {line_id}:手工单价 {unit_price} 低于价目表价格 {list_price} "
    "达 {percent}%(允许 {threshold}%)。",
)
FLAG_DISCOUNT_BEYOND_POLICY = define_code(
    "price.discount_beyond_policy",
    en="Line {line_id}: requested discount {percent}% exceeds the allowed {threshold}%.",
    zh="订单行 {line_id}:申请折扣 {percent}% 超过允许的 {threshold}%。",
)

FLAG_ORDER_DISCOUNT_BEYOND_POLICY = define_code(
    "price.order_discount_beyond_policy",
    en="The manual order discount of {amount} ({percent}%) exceeds the allowed {threshold}%.",
    zh="整单手工折扣 {amount}({percent}%)超过允许的 {threshold}%。",
)

# -- promotion outcomes ---------------------------------------------------------------------------

PROMOTION_NOT_ACTIVE = define_code(
    "promotion.not_active",
    en="Promotion {promotion_id} is not valid at this time.",
    zh="促销 {promotion_id} 当前不在有效期内。",
)
PROMOTION_CUSTOMER = define_code(
    "promotion.customer_not_eligible",
    en="Promotion {promotion_id} does not apply to this customer.",
    zh="促销 {promotion_id} 不适用于该客户。",
)
PROMOTION_NO_LINES = define_code(
    "promotion.no_eligible_lines",
    en="Promotion {promotion_id} has no eligible lines or charges.",
    zh="促销 {promotion_id} 没有适用的订单行或费用。",
)
PROMOTION_MIN_SPEND = define_code(
    "promotion.min_spend",
    en="Promotion {promotion_id} needs a spend of {required}; eligible amount is {actual}.",
    zh="促销 {promotion_id} 需消费满 {required};适用金额为 {actual}。",
)
PROMOTION_MIN_QUANTITY = define_code(
    "promotion.min_quantity",
    en="Promotion {promotion_id} needs a quantity of {required}; eligible quantity is {actual}.",
    zh="促销 {promotion_id} 需购买数量达到 {required};适用数量为 {actual}。",
)
PROMOTION_MAX_QUANTITY = define_code(
    "promotion.max_quantity",
    en="Promotion {promotion_id} applies up to a quantity of {limit}; eligible quantity "
    "is {actual}.",
    zh="促销 {promotion_id} 仅适用于数量不超过 {limit};适用数量为 {actual}。",
)
PROMOTION_NO_BENEFIT = define_code(
    "promotion.no_benefit",
    en="Promotion {promotion_id} gives no discount on this order.",
    zh="促销 {promotion_id} 对本订单没有优惠。",
)
PROMOTION_EXCLUDED = define_code(
    "promotion.excluded",
    en="Promotion {promotion_id} cannot be combined with {winner}, which is better "
    "for the customer.",
    zh="促销 {promotion_id} 不能与更优惠的 {winner} 同时使用。",
)
PROMOTION_NOT_BEST = define_code(
    "promotion.not_best",
    en="Promotion {promotion_id} lost to {winner} in group {group} (only the best applies).",
    zh="促销 {promotion_id} 在互斥组 {group} 中不如 {winner} 优惠(只取最优)。",
)
PROMOTION_EXCLUDED_BY_PRIORITY = define_code(
    "promotion.excluded_by_priority",
    en="Promotion {promotion_id} cannot be combined with {winner}, which comes first by priority.",
    zh="促销 {promotion_id} 不能与优先级更高的 {winner} 同时使用。",
)
PROMOTION_LOWER_PRIORITY = define_code(
    "promotion.lower_priority",
    en="Promotion {promotion_id} gave way to {winner} in group {group} (the first by "
    "priority applies).",
    zh="促销 {promotion_id} 在互斥组 {group} 中让位于优先级更高的 {winner}。",
)
PROMOTION_CAP_REACHED = define_code(
    "promotion.cap_reached",
    en="Promotion {promotion_id}: the discount cap is reached; {unused} not used.",
    zh="促销 {promotion_id}:已达到优惠上限;{unused} 未使用。",
)
PROMOTION_PARTIAL = define_code(
    "promotion.partially_applied",
    en="Promotion {promotion_id}: only {applied} of {requested} could be used; "
    "amounts cannot go below zero.",
    zh="促销 {promotion_id}:只能使用 {requested} 中的 {applied};金额不能低于零。",
)
PROMOTION_APPLIED = define_code(
    "promotion.applied",
    en="Promotion {promotion_id} applied: {amount} off.",
    zh="已应用促销 {promotion_id}:优惠 {amount}。",
)

# -- coupons --------------------------------------------------------------------------------------

COUPON_UNKNOWN = define_code(
    "coupon.unknown",
    en="Coupon {coupon} is unknown.",
    zh="优惠券 {coupon} 不存在。",
)
COUPON_NOT_YET_VALID = define_code(
    "coupon.not_yet_valid",
    en="Coupon {coupon} is not valid yet.",
    zh="优惠券 {coupon} 尚未生效。",
)
COUPON_EXPIRED = define_code(
    "coupon.expired",
    en="Coupon {coupon} has expired.",
    zh="优惠券 {coupon} 已过期。",
)
COUPON_MIN_SPEND = define_code(
    "coupon.min_spend",
    en="Coupon {coupon} needs a spend of {required}; the order subtotal is {actual}.",
    zh="优惠券 {coupon} 需消费满 {required};订单小计为 {actual}。",
)
COUPON_USAGE_LIMIT = define_code(
    "coupon.usage_limit",
    en="Coupon {coupon} has been used up ({limit} uses).",
    zh="优惠券 {coupon} 已达使用次数上限({limit} 次)。",
)
COUPON_CUSTOMER_LIMIT = define_code(
    "coupon.customer_limit",
    en="Coupon {coupon} has been used {limit} time(s) by this customer already.",
    zh="该客户已使用优惠券 {coupon} {limit} 次,达到上限。",
)
COUPON_USAGE_UNKNOWN = define_code(
    "coupon.usage_unknown",
    en="Coupon {coupon} has usage limits but no redemption lookup was given.",
    zh="优惠券 {coupon} 有使用次数限制,但未提供核销记录查询。",
)
COUPON_DUPLICATE = define_code(
    "coupon.duplicate",
    en="Coupon {coupon} was entered more than once.",
    zh="优惠券 {coupon} 重复输入。",
)

# -- adjustment reasons (explain() shows these) ---------------------------------------------------

REASON_MANUAL = define_code(
    "discount.manual", en="manual discount {percent}%", zh="手工折扣 {percent}%"
)
REASON_MANUAL_ORDER = define_code(
    "discount.manual_order",
    en="manual order discount {amount} ({percent}%), allocated",
    zh="整单手工折扣 {amount}({percent}%,分摊)",
)
REASON_LINE_PERCENT = define_code(
    "discount.line_percent", en="{percent}% off the line", zh="单品 {percent}% 折扣"
)
REASON_LINE_AMOUNT = define_code(
    "discount.line_amount", en="{amount} off per {per}", zh="每{per_zh}立减 {amount}"
)
REASON_ORDER_PERCENT = define_code(
    "discount.order_percent",
    en="{percent}% off the order, allocated",
    zh="整单 {percent}% 折扣(分摊)",
)
REASON_ORDER_AMOUNT = define_code(
    "discount.order_amount", en="{amount} off the order, allocated", zh="整单立减 {amount}(分摊)"
)
REASON_THRESHOLD = define_code(
    "discount.threshold",
    en="spend {threshold}, get {amount} off, allocated",
    zh="满 {threshold} 减 {amount}(分摊)",
)
REASON_BUY_GET = define_code(
    "discount.buy_get",
    en="buy {buy} get {get} at {percent}% off",
    zh="买 {buy} 送 {get}(优惠 {percent}%)",
)
REASON_BUNDLE = define_code(
    "discount.bundle", en="{quantity} for {price}", zh="{quantity} 件 {price}"
)
REASON_GIFT = define_code("discount.gift", en="free gift", zh="赠品")
REASON_GIFT_AT_PRICE = define_code(
    "discount.gift_at_price", en="gift at {price} each", zh="赠品按每件 {price} 计价"
)
REASON_CHARGE = define_code("discount.charge", en="off the {charge} charge", zh="{charge_zh}优惠")
