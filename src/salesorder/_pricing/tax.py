"""Tax policy: rates by tax code, tax-inclusive or tax-exclusive prices.

Invariants:

* a rate is a non-negative Decimal fraction (``0.13`` for 13 %); the default code has a rate;
* an unknown code raises :class:`~salesorder.pricing.UnknownTaxCode`, never taxes at zero;
* with inclusive prices every line's ``net + tax == gross`` exactly (tax is extracted from the
  gross, the net is the difference); with exclusive prices ``gross = net + tax`` by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from salesorder._pricing.errors import InvalidPricing, UnknownTaxCode

__all__ = ["CHINA_VAT_RATES", "TaxPolicy"]

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
            raise InvalidPricing(f"tax rate of {code} must be a non-negative fraction")
        rates[code] = number
    return MappingProxyType(rates)


@attrs.frozen
class TaxPolicy:
    """How lines and charges are taxed.

    Attributes:
        rates: Rate (a fraction, ``0.13``) per tax code; China VAT by default.
        default_code: Code used for lines and charges without a tax code.
        prices_include_tax: Whether list, manual and charge prices are gross (含税价)
            rather than net (不含税价).
    """

    rates: Mapping[str, Decimal] = attrs.field(
        default=CHINA_VAT_RATES, converter=_rates, hash=False
    )
    default_code: str = "VAT13"
    prices_include_tax: bool = False

    def __attrs_post_init__(self) -> None:
        if self.default_code not in self.rates:
            raise UnknownTaxCode(self.default_code)

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

    def resolve(self, tax_code: str | None, *, line_id: str | None = None) -> tuple[str, Decimal]:
        """The effective code and rate for ``tax_code`` (None means the default).

        Args:
            tax_code: The line's or charge's code.
            line_id: Named in the error when the code is unknown.

        Returns:
            ``(code, rate)``.

        Raises:
            UnknownTaxCode: if the policy has no rate for the code.
        """
        code = self.default_code if tax_code is None else tax_code
        rate = self.rates.get(code)
        if rate is None:
            raise UnknownTaxCode(code, line_id=line_id)
        return code, rate
