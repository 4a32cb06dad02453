"""Hypothesis strategies for property-checking order invariants in your own tests.

Every strategy returns values that the library accepts (valid currencies, bounded
amounts, orders valid under the default rules), so failures point at the property
under test, not at the generator. Each area keeps its strategies in a private module;
this module is the one public place to import them from.
"""

from __future__ import annotations

# -- lifecycle (salesorder.lifecycle) ----------------------------------------------------------
from salesorder.testing._lifecycle import orders_in_lifecycle

# -- money ------------------------------------------------------------------------------------
from salesorder.testing._money import COMMON_CURRENCIES, amounts, currencies, money

# -- order payloads (validation) --------------------------------------------------------------
from salesorder.testing._orders import (
    DRAFT_CONTEXT,
    DRAFT_TODAY,
    defective_payloads,
    order_drafts,
    order_lines,
    unified_social_credit_codes,
)

# -- pricing (salesorder.pricing) -------------------------------------------------------------
from salesorder.testing._pricing import (
    PRICING_AT,
    UNIT_FACTORS,
    PricingInput,
    charges,
    conversion_factors,
    price_lists,
    priceable_orders,
    pricing_inputs,
    promotions,
    rounding_policies,
    tax_policies,
)

# --- stock (inventory) strategies live in a private module; re-exported here.
from salesorder.testing._stock import run_stock_operations, stock_operations, stock_positions

__all__ = [
    "COMMON_CURRENCIES",
    "DRAFT_CONTEXT",
    "DRAFT_TODAY",
    "PRICING_AT",
    "UNIT_FACTORS",
    "PricingInput",
    "amounts",
    "charges",
    "conversion_factors",
    "currencies",
    "defective_payloads",
    "money",
    "order_drafts",
    "order_lines",
    "orders_in_lifecycle",
    "price_lists",
    "priceable_orders",
    "pricing_inputs",
    "promotions",
    "rounding_policies",
    "run_stock_operations",
    "stock_operations",
    "stock_positions",
    "tax_policies",
    "unified_social_credit_codes",
]
