"""What a printed form reads: structural views of a price breakdown, and the seller."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from salesorder.money import Money

__all__ = ["AdjustmentView", "ChargeView", "LineView", "PriceBreakdownView", "Seller"]

# -- what the form reads from a price breakdown ----------------------------------------------


class AdjustmentView(Protocol):
    """A price adjustment (discount or surcharge) as the form reads it.

    ``promotion_id`` and ``kind`` are read when present (``getattr``), not required.
    """

    @property
    def amount(self) -> Money:
        """The adjustment amount, with the sign the pricing gave it."""


class LineView(Protocol):
    """One priced line as the form reads it (structural: pricing's line type fits)."""

    @property
    def line_id(self) -> str:
        """The order line this prices."""

    @property
    def sku(self) -> str:
        """Stock keeping unit."""

    @property
    def quantity(self) -> Decimal:
        """Quantity priced."""

    @property
    def unit_price(self) -> Money:
        """Unit price applied."""

    @property
    def list_price(self) -> Money | None:
        """List price before adjustments, if known."""

    @property
    def net(self) -> Money:
        """Line amount before tax, after adjustments."""

    @property
    def tax(self) -> Money:
        """Tax of the line."""

    @property
    def gross(self) -> Money:
        """Line amount including tax."""

    @property
    def tax_rate(self) -> Decimal:
        """Tax rate as a fraction (``Decimal("0.13")`` for 13 %)."""

    @property
    def adjustments(self) -> Sequence[AdjustmentView]:
        """Adjustments applied to the line."""


class ChargeView(Protocol):
    """An order-level charge (freight, installation...) as the form reads it.

    ``name`` is read when present and not empty, ``kind`` otherwise.
    """

    @property
    def kind(self) -> str:
        """Kind of charge, e.g. ``shipping``."""

    @property
    def net(self) -> Money:
        """Charge before tax."""

    @property
    def tax(self) -> Money:
        """Tax on the charge."""

    @property
    def gross(self) -> Money:
        """Charge including tax."""


class PriceBreakdownView(Protocol):
    """What :func:`render_text` and :func:`render_html` read from a price breakdown.

    ``salesorder.pricing.PriceBreakdown`` satisfies it structurally.
    """

    @property
    def currency(self) -> str:
        """ISO 4217 currency of every amount."""

    @property
    def lines(self) -> Sequence[LineView]:
        """Priced lines, in order."""

    @property
    def charges(self) -> Sequence[ChargeView]:
        """Order-level charges."""

    @property
    def subtotal(self) -> Money:
        """Goods subtotal, as the pricing defines it."""

    @property
    def discount_total(self) -> Money:
        """Sum of discounts."""

    @property
    def charges_total(self) -> Money:
        """Sum of charges."""

    @property
    def tax_total(self) -> Money:
        """Sum of taxes."""

    @property
    def grand_total(self) -> Money:
        """Amount the customer pays."""


# -- the seller -------------------------------------------------------------------------------


@attrs.frozen
class Seller:
    """The selling company as printed on the form (销售方). Only ``name`` is in ``repr``.

    Attributes:
        name: Registered company name.
        address: Registered or business address.
        phone: Phone number.
        tax_id: Unified social credit code (统一社会信用代码).
        bank_name: Bank (开户行).
        bank_account: Account number (账号).
    """

    name: str
    address: str | None = attrs.field(default=None, repr=False)
    phone: str | None = attrs.field(default=None, repr=False)
    tax_id: str | None = attrs.field(default=None, repr=False)
    bank_name: str | None = attrs.field(default=None, repr=False)
    bank_account: str | None = attrs.field(default=None, repr=False)
