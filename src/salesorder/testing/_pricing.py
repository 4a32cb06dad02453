"""Hypothesis strategies for pricing: price lists, promotions, tax policies, priceable orders.

Every generated input is one that :func:`salesorder.pricing.price` accepts: orders use only
SKUs the price list prices (or carry a manual price), tax codes the policy knows, and the
price list's currency.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs
from hypothesis import strategies as st

from salesorder._pricing.tax import CHINA_VAT_RATES
from salesorder.money import Money, RoundingMode, RoundingPolicy, RoundingScope, minor_unit
from salesorder.order import Customer, CustomerTier, Order, OrderDiscount, OrderLine
from salesorder.pricing import (
    Basis,
    Benefit,
    BundlePrice,
    BuyGet,
    Charge,
    ChargeKind,
    ChargeOff,
    Choice,
    Conditions,
    DiscountLines,
    FreeGift,
    LineAmountOff,
    LinePercentOff,
    OnceScope,
    OrderAmountOff,
    OrderPercentOff,
    Per,
    PriceEntry,
    PriceList,
    Promotion,
    Rebase,
    Remainder,
    Stacking,
    StackingPolicy,
    Target,
    TaxComponent,
    TaxMapping,
    TaxPolicy,
    ThresholdOff,
    ThresholdTier,
)

__all__ = [
    "PRICING_AT",
    "UNIT_FACTORS",
    "PricingInput",
    "charges",
    "conversion_factors",
    "price_lists",
    "priceable_orders",
    "pricing_inputs",
    "promotions",
    "rounding_policies",
    "tax_policies",
]

#: The instant generated inputs are priced at; validity windows are drawn around it.
PRICING_AT = datetime(2026, 6, 1, 12, tzinfo=UTC)

_SKUS = tuple(f"SKU-{letter}" for letter in "ABCDEFGH")
_CATEGORIES = ("tea", "cups", "pots")
_TAGS = ("new", "sale", "gift")
_CURRENCIES = ("CNY", "USD", "JPY", "KWD")


def _amount(currency: str, *, low: int = 0, high: int = 5000) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=low, max_value=high, places=minor_unit(currency), allow_nan=False)


def _percent() -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=100, places=1, allow_nan=False)


def _window() -> st.SearchStrategy[tuple[datetime | None, datetime | None]]:
    day = timedelta(days=1)
    return st.sampled_from(
        [
            (None, None),
            (PRICING_AT - 30 * day, None),
            (None, PRICING_AT + 30 * day),
            (PRICING_AT - day, PRICING_AT + day),
            (PRICING_AT + day, None),  # not yet valid
            (None, PRICING_AT),  # just expired
        ]
    )


@st.composite
def price_lists(
    draw: st.DrawFn, *, currency: str | None = None, skus: tuple[str, ...] | None = None
) -> PriceList:
    """Price lists with default, tier, customer and quantity-break entries.

    Every SKU has an always-valid default entry, so every SKU is priceable.

    Args:
        draw: Supplied by Hypothesis.
        currency: Fix the currency (else one of CNY, USD, JPY, KWD).
        skus: Fix the SKUs (else a non-empty subset of ``SKU-A`` .. ``SKU-H``).
    """
    code = currency or draw(st.sampled_from(_CURRENCIES))
    chosen = skus or tuple(
        draw(st.lists(st.sampled_from(_SKUS), min_size=1, max_size=6, unique=True))
    )
    entries = [PriceEntry(sku, Money(draw(_amount(code, low=1)), code)) for sku in chosen]
    extras = draw(st.integers(min_value=0, max_value=6))
    for _ in range(extras):
        sku = draw(st.sampled_from(chosen))
        scope = draw(st.sampled_from(["tier", "customer", "break", "unit"]))
        valid_from, valid_until = draw(_window())
        entries.append(
            PriceEntry(
                sku,
                Money(draw(_amount(code, low=1)), code),
                min_quantity=Decimal(draw(st.integers(min_value=1, max_value=10))),
                tier=draw(st.sampled_from(CustomerTier)) if scope == "tier" else None,
                customer_id="C-1" if scope == "customer" else None,
                valid_from=valid_from,
                valid_until=valid_until,
                # A price per box (a unit of measure); the other units convert.
                unit="box" if scope == "unit" else None,
            )
        )
    tolerance = draw(st.decimals(min_value=0, max_value=30, places=0))
    return PriceList(code, tuple(entries), manual_price_tolerance=tolerance)


@st.composite
def tax_policies(draw: st.DrawFn, *, currency: str | None = None) -> TaxPolicy:
    """China VAT policies with a drawn default code, price basis, tax mapping and groups.

    The mapping (when drawn) applies to VIP customers and replaces 13 % by 6 % or 0 %,
    re-basing tax-included prices either way. With ``currency``, tax groups may be
    drawn too: ``LIQ`` (a 10 % excise, 13 % VAT on top of it and a levy per unit) and
    ``LEVY`` (a levy per unit alone), and the default code may be one of them.

    Args:
        draw: Supplied by Hypothesis.
        currency: The currency of levies (no groups without it).
    """
    codes = sorted(CHINA_VAT_RATES)
    groups: dict[str, tuple[TaxComponent, ...]] = {}
    if currency is not None and draw(st.booleans()):
        levy = Money(draw(_amount(currency, high=20)), currency)
        groups = {
            "LIQ": (
                TaxComponent("CT", Decimal("0.10")),
                TaxComponent("VAT13", Decimal("0.13"), compound=True),
                TaxComponent("DEPOSIT", per_unit=levy),
            ),
            "LEVY": (TaxComponent("ENV", per_unit=levy),),
        }
        codes += sorted(groups)
    mappings = draw(
        st.lists(
            st.builds(
                TaxMapping,
                name=st.just("vip"),
                codes=st.sampled_from(["VAT6", "VAT0"]).map(lambda code: {"VAT13": code}),
                customer_tiers=st.just(frozenset({CustomerTier.VIP})),
                rebase=st.sampled_from(Rebase),
            ),
            max_size=1,
        )
    )
    return TaxPolicy(
        default_code=draw(st.sampled_from(codes)),
        prices_include_tax=draw(st.booleans()),
        mappings=tuple(mappings),
        groups=groups,
    )


def rounding_policies() -> st.SearchStrategy[RoundingPolicy]:
    """Every rounding mode with line or document scope."""
    return st.builds(
        RoundingPolicy, mode=st.sampled_from(RoundingMode), scope=st.sampled_from(RoundingScope)
    )


@st.composite
def _benefit(draw: st.DrawFn, currency: str, skus: tuple[str, ...]) -> Benefit:
    def money(*, high: int = 500) -> Money:
        return Money(draw(_amount(currency, high=high)), currency)

    kind = draw(st.integers(min_value=0, max_value=9))
    options: list[Benefit] = [
        LinePercentOff(draw(_percent())),
        LineAmountOff(money(high=50), per=draw(st.sampled_from(Per))),
        OrderPercentOff(draw(_percent())),
        OrderAmountOff(money()),
        ThresholdOff(
            tuple(ThresholdTier(money(high=3000), money(high=300))
                  for _ in range(draw(st.integers(1, 3))))
        ),
        BuyGet(draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(_percent())),
        BundlePrice(draw(st.integers(2, 4)), money(high=1000)),
        FreeGift(
            draw(st.sampled_from(skus)),
            Decimal(draw(st.integers(1, 3))),
            per_quantity=draw(st.none() | st.integers(1, 5)),
            price=money(high=20) if draw(st.booleans()) else None,
        ),
        ChargeOff(ChargeKind.SHIPPING, percent=draw(_percent())),
        ChargeOff(ChargeKind.HANDLING, amount=money(high=30)),
    ]  # fmt: skip
    return options[kind]


@st.composite
def promotions(
    draw: st.DrawFn, *, currency: str = "CNY", skus: tuple[str, ...] = _SKUS, index: int = 0
) -> Promotion:
    """One promotion of any kind, with drawn target, conditions, validity and stacking.

    Args:
        draw: Supplied by Hypothesis.
        currency: Currency of its amounts.
        skus: SKUs it may target (and gift).
        index: Makes the id unique when drawing several (``P<index>``).
    """
    target = draw(
        st.sampled_from(
            [
                Target(),
                Target(skus=frozenset(skus[:1])),
                Target(categories=frozenset({"tea"})),
                Target(tags=frozenset({"sale"})),
            ]
        )
    )
    conditions = Conditions(
        min_spend=draw(st.none() | _amount(currency, high=2000).map(lambda a: Money(a, currency))),
        min_quantity=draw(st.none() | st.integers(1, 5).map(Decimal)),
        max_quantity=draw(st.none() | st.integers(5, 40).map(Decimal)),
        customer_tiers=draw(st.sampled_from([frozenset(), frozenset({CustomerTier.VIP})])),
    )
    valid_from, valid_until = draw(_window())
    return Promotion(
        f"P{index}",
        f"promotion {index}",
        draw(_benefit(currency, skus)),
        target=target,
        conditions=conditions,
        valid_from=valid_from,
        valid_until=valid_until,
        priority=draw(st.integers(0, 3)),
        stacking=draw(st.sampled_from(Stacking)),
        group=draw(st.none() | st.sampled_from(["g1", "g2"])),
        once_per_order=draw(st.booleans()),
        once_scope=draw(st.sampled_from(OnceScope)),
        max_units=draw(st.none() | st.integers(1, 6)),
        percent_on=draw(st.sampled_from(Basis)),
        spend_on=draw(st.sampled_from(Basis)),
    )


@st.composite
def priceable_orders(
    draw: st.DrawFn, price_list: PriceList, *, tax: TaxPolicy | None = None, max_lines: int = 8
) -> Order:
    """Orders in ``price_list``'s currency whose SKUs it prices.

    Lines may carry a manual price, a requested discount, a tax code of ``tax``,
    a category and tags, and a unit of measure with its conversion factor
    ([UNIT_FACTORS][salesorder.testing.strategies.UNIT_FACTORS]).

    Args:
        draw: Supplied by Hypothesis.
        price_list: The price list the order must be priceable with.
        tax: Tax codes are drawn from this policy (default China VAT).
        max_lines: Most lines.
    """
    currency = price_list.currency
    skus = sorted({entry.sku for entry in price_list.entries})
    policy = tax or TaxPolicy()
    codes = sorted([*policy.rates, *policy.groups])
    count = draw(st.integers(min_value=1, max_value=max_lines))
    lines = []
    for number in range(count):
        quantity = draw(
            st.integers(min_value=0, max_value=20).map(Decimal)
            | st.decimals(min_value=0, max_value=50, places=3, allow_nan=False)
        )
        manual = draw(st.none() | _amount(currency).map(lambda a: Money(a, currency)))
        unit = draw(st.sampled_from(_UNITS))
        lines.append(
            OrderLine(
                unit=unit,
                conversion_factor=UNIT_FACTORS.get(unit),
                line_id=f"L{number}",
                sku=draw(st.sampled_from(skus)),
                name="item",
                quantity=quantity,
                unit_price=manual,
                requested_discount=draw(st.none() | _percent()),
                tax_code=draw(st.none() | st.sampled_from(codes)),
                category=draw(st.none() | st.sampled_from(_CATEGORIES)),
                tags=frozenset(draw(st.lists(st.sampled_from(_TAGS), max_size=2))),
            )
        )
    customer = Customer(
        id=draw(st.sampled_from(["C-1", "C-2"])), name="-", tier=draw(st.sampled_from(CustomerTier))
    )
    discount = draw(
        st.none()
        | _percent().map(lambda p: OrderDiscount(percent=p))
        | _amount(currency, high=500).map(lambda a: OrderDiscount(amount=Money(a, currency)))
    )
    return Order(
        id="order",
        customer=customer,
        currency=currency,
        lines=tuple(lines),
        order_discount=discount,
    )


#: The units of measure the generated lines use and their factors (stock units in one);
#: ``pcs`` is the stock unit. Price lists may hold ``box`` entries.
UNIT_FACTORS: Final[dict[str, Decimal]] = {
    "box": Decimal(12),
    "dozen": Decimal(12),
    "half": Decimal("0.5"),
    "crate": Decimal("2.5"),
}
_UNITS: Final = ("pcs", "pcs", "pcs", *UNIT_FACTORS)


@st.composite
def conversion_factors(draw: st.DrawFn) -> Decimal:
    """Conversion factors the library accepts, for unit conversion properties.

    Positive, at most 12 significant digits, between 10^-9 and 10^9: whole counts,
    packs, and fractions such as 0.45359237.
    """
    digits = draw(st.integers(min_value=1, max_value=10**12 - 1))
    exponent = draw(st.integers(min_value=-9, max_value=9))
    factor = Decimal(digits).scaleb(exponent - len(str(digits)) + 1)
    return min(max(factor, Decimal("1e-9")), Decimal("1e9"))


@st.composite
def charges(draw: st.DrawFn, *, currency: str = "CNY") -> tuple[Charge, ...]:
    """Zero to two charges (shipping, handling) in ``currency``."""
    kinds = draw(st.lists(st.sampled_from(ChargeKind), max_size=2, unique=True))
    return tuple(Charge(kind, Money(draw(_amount(currency, high=200)), currency)) for kind in kinds)


@attrs.frozen
class PricingInput:
    """Everything :func:`~salesorder.pricing.price` needs, consistent with itself.

    Attributes:
        order: The order.
        price_list: A price list pricing every SKU of the order.
        promotions: Promotions (unique ids).
        tax: The tax policy.
        rounding: The rounding policy.
        charges: Shipping and handling charges.
        at: The pricing instant (:data:`PRICING_AT`).
        stacking: The stacking policy (caps none; any choice and remainder placement).
    """

    order: Order
    price_list: PriceList
    promotions: tuple[Promotion, ...]
    tax: TaxPolicy
    rounding: RoundingPolicy
    charges: tuple[Charge, ...]
    at: datetime = PRICING_AT
    stacking: StackingPolicy = attrs.field(factory=StackingPolicy)

    def price_kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``price(self.order, **kwargs)``."""
        return {
            "stacking": self.stacking,
            "price_list": self.price_list,
            "promotions": self.promotions,
            "tax": self.tax,
            "rounding": self.rounding,
            "charges": self.charges,
            "at": self.at,
        }


@st.composite
def pricing_inputs(draw: st.DrawFn, *, max_promotions: int = 5) -> PricingInput:
    """A consistent :class:`PricingInput`: order, price list, promotions, tax, rounding."""
    price_list = draw(price_lists())
    currency = price_list.currency
    tax = draw(tax_policies(currency=currency))
    skus = tuple(sorted({entry.sku for entry in price_list.entries}))
    count = draw(st.integers(min_value=0, max_value=max_promotions))
    drawn = tuple(
        draw(promotions(currency=currency, skus=skus, index=index)) for index in range(count)
    )
    return PricingInput(
        order=draw(priceable_orders(price_list, tax=tax)),
        price_list=price_list,
        promotions=drawn,
        tax=tax,
        rounding=draw(rounding_policies()),
        charges=draw(charges(currency=currency)),
        stacking=StackingPolicy(
            choice=draw(st.sampled_from(Choice)),
            remainder=draw(st.sampled_from(Remainder)),
            discount_lines=draw(st.sampled_from(DiscountLines)),
        ),
    )
