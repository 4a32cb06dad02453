"""Tax policy: rates by tax code, tax-inclusive or tax-exclusive prices.

Invariants:

* a rate is a non-negative Decimal fraction (``0.13`` for 13 %); the default code has a rate;
* an unknown code raises :class:`~salesorder.pricing.UnknownTaxCode`, never taxes at zero;
* with inclusive prices every line's ``net + tax == gross`` exactly (tax is extracted from the
  gross, the net is the difference); with exclusive prices ``gross = net + tax`` by construction.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from salesorder._pricing.errors import (
    LEVY_NEGATIVE,
    RATE_NEGATIVE,
    TAX_CODE_TWICE,
    TAX_GROUP_EMPTY,
    TAX_GROUP_REPEATS,
    TAX_RATE_NEGATIVE,
    InvalidPricing,
    UnknownTaxCode,
)
from salesorder.money import Money
from salesorder.order import CustomerTier, Order, OrderType

#: Division context for rebasing factors; local, so a caller's context cannot change them.
_DIVIDE: Final = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)

__all__ = ["CHINA_VAT_RATES", "Rebase", "TaxComponent", "TaxMapping", "TaxPolicy"]

#: China VAT rates (增值税): 13 % goods, 9 % transport/agri, 6 % services, 0 % exports.
CHINA_VAT_RATES: Final[Mapping[str, Decimal]] = MappingProxyType(
    {
        "VAT13": Decimal("0.13"),
        "VAT9": Decimal("0.09"),
        "VAT6": Decimal("0.06"),
        "VAT0": Decimal(0),
    }
)


def _rates(value: Mapping[str, Decimal | int | str]) -> Mapping[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for code, rate in value.items():
        if isinstance(rate, float):
            raise TypeError("tax rates must be Decimal, not float")
        number = Decimal(rate)
        if not number.is_finite() or number < 0:
            raise InvalidPricing(TAX_RATE_NEGATIVE, params={"tax_code": code})
        rates[code] = number
    return MappingProxyType(rates)


class Rebase(enum.StrEnum):
    """What a tax-included price becomes when a mapping changes its tax (Odoo's two ways)."""

    KEEP_NET = "keep_net"
    """The price less its original tax stays; the mapped tax is added to it (Odoo's
    default: an export mapped to 0 % pays the net price)."""
    KEEP_GROSS = "keep_gross"
    """The customer pays the tax-included price as listed; the mapped tax is taken out
    of it (a B2C price that must not move)."""


def _codes(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


# Named converters: mypy reads a constructor's parameter types from them (frozenset
# itself, being generic, would make them unusable).
def _texts(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _tiers(values: Iterable[CustomerTier]) -> frozenset[CustomerTier]:
    return frozenset(values)


def _types(values: Iterable[OrderType]) -> frozenset[OrderType]:
    return frozenset(values)


@attrs.frozen
class TaxMapping:
    """A fiscal position (Odoo): tax codes replaced for some orders.

    A mapping applies to an order when every criterion it sets matches (an empty
    criterion matches every order); the first mapping of the policy that applies is
    used. The country is the shipping address's, else the billing address's, else the
    customer's address's.

    Attributes:
        name: A name for people, e.g. ``export``.
        codes: Tax code replaced -> tax code used (``{"VAT13": "VAT0"}``); codes not
            listed stay as they are. Keys are the codes after the policy default.
        customer_ids: Only for these customers (e.g. tax-exempt ones).
        customer_tiers: Only for customers of these tiers.
        countries: Only for orders going to these countries (ISO 3166-1 alpha-2).
        order_types: Only for these order types.
        rebase: What a tax-included price becomes when its tax changes.
    """

    name: str
    codes: Mapping[str, str] = attrs.field(converter=_codes, hash=False)
    customer_ids: frozenset[str] = attrs.field(default=frozenset(), converter=_texts)
    customer_tiers: frozenset[CustomerTier] = attrs.field(default=frozenset(), converter=_tiers)
    countries: frozenset[str] = attrs.field(default=frozenset(), converter=_texts)
    order_types: frozenset[OrderType] = attrs.field(default=frozenset(), converter=_types)
    rebase: Rebase = Rebase.KEEP_NET

    def applies_to(self, order: Order) -> bool:
        """Whether the mapping applies to ``order`` (every criterion set matches)."""
        customer = order.customer
        if self.customer_ids and customer.id not in self.customer_ids:
            return False
        if self.customer_tiers and customer.tier not in self.customer_tiers:
            return False
        if self.order_types and order.order_type not in self.order_types:
            return False
        if self.countries:
            address = order.shipping_address or order.billing_address or customer.address
            if address is None or address.country not in self.countries:
                return False
        return True


def _mappings(value: Iterable[TaxMapping]) -> tuple[TaxMapping, ...]:
    return tuple(value)


def _component_rate(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("tax rates must be Decimal, not float")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise InvalidPricing(RATE_NEGATIVE, params={"rate": str(value)})
    return number


def _levy(
    _instance: TaxComponent, _attribute: attrs.Attribute[Money | None], value: Money | None
) -> None:
    if value is not None and (not isinstance(value, Money) or value.amount < 0):
        raise InvalidPricing(LEVY_NEGATIVE)


@attrs.frozen
class TaxComponent:
    """One tax of a tax group: a percentage, a fixed amount per unit (a levy), or both.

    Attributes:
        code: The tax's own code, e.g. ``CT`` (消费税) or ``DEPOSIT``; the breakdown
            reports each line's tax per component code.
        rate: Percentage as a fraction (``0.10``) of the line's net (0 for a pure levy).
        per_unit: A fixed amount per stock unit of the line (a charge: per charge),
            in the order currency, or None.
        compound: Computed on the net plus the taxes of the group before it (a tax on
            top of another: Odoo's "affect base of subsequent taxes"), instead of on the
            net alone.
    """

    code: str
    rate: Decimal = attrs.field(default=Decimal(0), converter=_component_rate)
    per_unit: Money | None = attrs.field(default=None, validator=_levy)
    compound: bool = False


def _groups(
    value: Mapping[str, Iterable[TaxComponent]],
) -> Mapping[str, tuple[TaxComponent, ...]]:
    groups: dict[str, tuple[TaxComponent, ...]] = {}
    for code, components in value.items():
        items = tuple(components)
        if not items or not all(isinstance(c, TaxComponent) for c in items):
            raise InvalidPricing(TAX_GROUP_EMPTY, params={"tax_code": code})
        if len({c.code for c in items}) != len(items):
            raise InvalidPricing(TAX_GROUP_REPEATS, params={"tax_code": code})
        groups[code] = items
    return MappingProxyType(groups)


@attrs.frozen
class TaxPolicy:
    """How lines and charges are taxed.

    Attributes:
        rates: Rate (a fraction, ``0.13``) per tax code; China VAT by default.
        default_code: Code used for lines and charges without a tax code.
        prices_include_tax: Whether list, manual and charge prices are gross (含税价)
            rather than net (不含税价).
        mappings: Fiscal positions: the first that applies to an order replaces its
            tax codes (lines, gifts and charges).
        groups: Several taxes on one line: a tax code naming a group taxes the line with
            every [TaxComponent][salesorder.pricing.TaxComponent] of it, in order
            (percentages, levies per unit, taxes on top of earlier ones). A group's
            nominal ``tax_rate`` on the breakdown is the sum of its percentages; its
            amounts per component are in ``LinePrice.taxes``. Empty by default: one
            rate per code.
    """

    rates: Mapping[str, Decimal] = attrs.field(
        default=CHINA_VAT_RATES, converter=_rates, hash=False
    )
    default_code: str = "VAT13"
    prices_include_tax: bool = False
    mappings: tuple[TaxMapping, ...] = attrs.field(default=(), converter=_mappings)
    groups: Mapping[str, tuple[TaxComponent, ...]] = attrs.field(
        factory=dict, converter=_groups, hash=False
    )

    def __attrs_post_init__(self) -> None:
        for code in self.groups:
            if code in self.rates:
                raise InvalidPricing(TAX_CODE_TWICE, params={"tax_code": code})
        if self.default_code not in self.rates and self.default_code not in self.groups:
            raise UnknownTaxCode(self.default_code)
        for mapping in self.mappings:
            for code in mapping.codes.values():
                if code not in self.rates and code not in self.groups:
                    raise UnknownTaxCode(code)

    def nominal_rate(self, code: str) -> Decimal:
        """The rate of ``code``; for a group, the sum of its components' percentages.

        Raises:
            UnknownTaxCode: the policy has no rate or group for ``code``.
        """
        rate = self.rates.get(code)
        if rate is not None:
            return rate
        group = self.groups.get(code)
        if group is None:
            raise UnknownTaxCode(code)
        return sum((component.rate for component in group), Decimal(0))

    def mapping_for(self, order: Order) -> TaxMapping | None:
        """The first mapping that applies to ``order``, or None."""
        for mapping in self.mappings:
            if mapping.applies_to(order):
                return mapping
        return None

    @classmethod
    def china_vat(
        cls, *, default_code: str = "VAT13", prices_include_tax: bool = False
    ) -> TaxPolicy:
        """China VAT (13/9/6/0 %) with the given default code and price basis.

        Args:
            default_code: Code for lines without one.
            prices_include_tax: Whether prices are tax-inclusive.

        Returns:
            The policy.
        """
        return cls(default_code=default_code, prices_include_tax=prices_include_tax)

    def resolve(
        self,
        tax_code: str | None,
        *,
        line_id: str | None = None,
        mapping: TaxMapping | None = None,
    ) -> tuple[str, Decimal]:
        """The effective code and rate for ``tax_code`` (None means the default).

        Args:
            tax_code: The line's or charge's code.
            line_id: Named in the error when the code is unknown.
            mapping: The order's fiscal position, if any: it replaces the code.

        Returns:
            ``(code, rate)``.

        Raises:
            UnknownTaxCode: if the policy has no rate for the code.
        """
        code = self.default_code if tax_code is None else tax_code
        rate = self.rates.get(code)
        if rate is None:
            if code not in self.groups:
                raise UnknownTaxCode(code, line_id=line_id)
            rate = self.nominal_rate(code)
        if mapping is not None:
            mapped = mapping.codes.get(code)
            if mapped is not None:
                return mapped, self.nominal_rate(mapped)
        return code, rate

    def rebase_factor(self, tax_code: str | None, mapping: TaxMapping | None) -> Decimal | None:
        """What a tax-included price of ``tax_code`` is multiplied by under ``mapping``.

        ``(1 + mapped rate) / (1 + original rate)`` when prices include tax, the mapping
        replaces the code with another rate and its ``rebase`` keeps the net; otherwise
        None (the price stays). A tax group on either side keeps the gross (its levies
        and compounding have no single rate to re-base by).
        """
        if mapping is None or not self.prices_include_tax or mapping.rebase is Rebase.KEEP_GROSS:
            return None
        code = self.default_code if tax_code is None else tax_code
        mapped = mapping.codes.get(code)
        if mapped is None or code not in self.rates or mapped not in self.rates:
            return None
        before, after = self.rates[code], self.rates[mapped]
        if before == after:
            return None
        return _DIVIDE.divide(1 + after, 1 + before)
