"""Exact, explainable, pure pricing (R4, R5): price lists, promotions, coupons, charges, tax.

:func:`price` turns an :class:`~salesorder.order.Order`, a :class:`PriceList`, promotions,
coupons, a :class:`TaxPolicy` and an instant ``at`` into a :class:`PriceBreakdown`.

Invariants (property-tested in ``tests/property/test_pricing_properties.py``):

* pure: same inputs, same output; no clock, no settings;
* ``grand_total`` equals the sum of its parts to the minor unit; allocated order discounts
  and document tax sum exactly to their totals;
* no line, charge or total below zero; every amount quantized to the currency;
* totals do not depend on the order of the lines;
* with tax-inclusive prices ``net + tax == gross`` on every line.

This module is the public face; the implementation lives in the private package
``salesorder._pricing``, split by concern (price lists, promotions, tax, the breakdown,
coupons, the engine, the errors). Import every name from ``salesorder.pricing``: the private
paths may change.
"""

from salesorder._pricing.breakdown import (
    Adjustment,
    AppliedPromotion,
    ChargePrice,
    DiscountLine,
    DiscountShare,
    LinePrice,
    PriceBreakdown,
    PriceFlag,
    Rejection,
    TaxAmount,
)
from salesorder._pricing.coupons import coupon_limits
from salesorder._pricing.engine import price
from salesorder._pricing.errors import InvalidPricing, MissingPrice, PricingError, UnknownTaxCode
from salesorder._pricing.pricelists import Markup, MarkupBase, PriceEntry, PriceList, PriceLookup
from salesorder._pricing.promotions import (
    Basis,
    Benefit,
    BundlePrice,
    BuyGet,
    Charge,
    ChargeKind,
    ChargeOff,
    Choice,
    Conditions,
    Coupon,
    CouponRedemptions,
    DiscountLines,
    FreeGift,
    LineAmountOff,
    LinePercentOff,
    OnceScope,
    OrderAmountOff,
    OrderPercentOff,
    Per,
    Promotion,
    RedemptionCounts,
    Remainder,
    Stacking,
    StackingPolicy,
    Target,
    ThresholdOff,
    ThresholdTier,
)
from salesorder._pricing.tax import CHINA_VAT_RATES, Rebase, TaxComponent, TaxMapping, TaxPolicy

# A tier price names the customer's tier: importable with the price list it builds.
from salesorder.order import CustomerTier

__all__ = [
    "CHINA_VAT_RATES",
    "Adjustment",
    "AppliedPromotion",
    "Basis",
    "Benefit",
    "BundlePrice",
    "BuyGet",
    "Charge",
    "ChargeKind",
    "ChargeOff",
    "ChargePrice",
    "Choice",
    "Conditions",
    "Coupon",
    "CouponRedemptions",
    "CustomerTier",
    "DiscountLine",
    "DiscountLines",
    "DiscountShare",
    "FreeGift",
    "InvalidPricing",
    "LineAmountOff",
    "LinePercentOff",
    "LinePrice",
    "Markup",
    "MarkupBase",
    "MissingPrice",
    "OnceScope",
    "OrderAmountOff",
    "OrderPercentOff",
    "Per",
    "PriceBreakdown",
    "PriceEntry",
    "PriceFlag",
    "PriceList",
    "PriceLookup",
    "PricingError",
    "Promotion",
    "Rebase",
    "RedemptionCounts",
    "Rejection",
    "Remainder",
    "Stacking",
    "StackingPolicy",
    "Target",
    "TaxAmount",
    "TaxComponent",
    "TaxMapping",
    "TaxPolicy",
    "ThresholdOff",
    "ThresholdTier",
    "UnknownTaxCode",
    "coupon_limits",
    "price",
]
