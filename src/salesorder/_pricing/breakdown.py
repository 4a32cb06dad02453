"""The result of pricing: every amount, how it came to be, and what was refused.

Invariants (checked by ``tests/property/test_pricing_properties.py``):

* every Money is in :attr:`PriceBreakdown.currency` and quantized to its minor unit;
* per line and charge: ``extended - discount`` is the price-basis amount (the net with
  exclusive prices, the gross with inclusive prices), ``net + tax == gross``, nothing is
  negative;
* ``grand_total == net_total + tax_total == Σ line gross + Σ charge gross``
  ``== subtotal + charges_total - discount_total (+ tax_total with exclusive prices)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final

import attrs

from salesorder import i18n
from salesorder._pricing.errors import REASON_MANUAL_ORDER
from salesorder.errors import render_message
from salesorder.money import Money
from salesorder.records import PriceSnapshot, TaxRow

__all__ = [
    "Adjustment",
    "AppliedPromotion",
    "ChargePrice",
    "DiscountLine",
    "DiscountShare",
    "LinePrice",
    "PriceBreakdown",
    "PriceFlag",
    "Rejection",
    "TaxAmount",
]


def _params(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return dict(value or {})


@attrs.frozen
class Adjustment:
    """One amount taken off a line or charge.

    Attributes:
        promotion_id: The promotion, or None for a manual discount.
        kind: What kind of discount (``line_percent``, ``threshold``, ``manual``...).
        amount: The amount off (positive).
        reason: Dotted reason code (``discount.<kind>``), rendered by :meth:`message`.
        params: Parameters of the reason message.
        coupon: The coupon code that unlocked it, if any.
    """

    promotion_id: str | None
    kind: str
    amount: Money
    reason: str
    # No converter: the engine passes one dict per promotion, shared and never mutated.
    params: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    coupon: str | None = None

    def message(self, locale: str = "en") -> str:
        """The reason in ``locale`` (negotiated: ``en``, ``zh_CN``, ``zh_TW`` ...)."""
        return render_message(self.reason, self.params, locale)


#: One adjustment as stored: (promotion id, kind, amount, reason code, params, coupon).
AdjustmentRow = tuple[str | None, str, Decimal, str, Mapping[str, str], str | None]


def _money(amount: Decimal, currency: str) -> Money:
    # Amounts on a breakdown were quantized by the engine: no need to validate again.
    return Money._exact(amount, currency)


#: One component's tax on a line as stored: (component code, rate, tax amount).
TaxParts = tuple[tuple[str, Decimal, Decimal], ...]


@attrs.frozen
class TaxAmount:
    """One tax on a priced line or charge (one per component of a tax group).

    Attributes:
        code: The tax code (a component's code, or the line's code for a single rate).
        rate: The percentage as a fraction (0 for a pure levy).
        amount: The tax.
    """

    code: str
    rate: Decimal
    amount: Money


@attrs.frozen
class DiscountShare:
    """A line's share of its tax code's discount line (``DiscountLines.PER_TAX``).

    The line's own figures are after the order discount (what returns and invoices take);
    its figures before the order discount are its own plus this share.

    Attributes:
        net: The net the order discount took off the line.
        tax: The tax it took off.
        gross: ``net + tax``.
        taxes: The tax taken off per component code (one for a plain rate).
    """

    net: Money
    tax: Money
    gross: Money
    taxes: tuple[TaxAmount, ...] = ()


@attrs.frozen
class DiscountLine:
    """The manual order discount on the lines of one tax code, shown as its own line.

    Amounts are negative (or zero): the line subtracts from the order. It is the sum of
    the [DiscountShare][salesorder.pricing.DiscountShare]s of the lines with its code.

    Attributes:
        tax_code: The tax code of the lines it discounts.
        tax_rate: The rate of that code (nominal for a tax group).
        net: Net off, negative.
        tax: Tax off, negative.
        gross: ``net + tax``.
        taxes: The tax off per component code (one for a plain rate), negative.
    """

    tax_code: str
    tax_rate: Decimal
    net: Money
    tax: Money
    gross: Money
    taxes: tuple[TaxAmount, ...] = ()


class _Amounts:
    """Money views over the Decimal amounts a priced line or charge stores.

    A breakdown keeps its amounts as quantized Decimals and builds Money (and
    Adjustment objects) when they are read: a 20-line order would otherwise build
    some 250 objects that most callers never look at (see ``bench_pricing.py``).
    """

    __slots__ = ()
    currency: str
    _adjustments: tuple[AdjustmentRow, ...]
    _discount: Decimal
    _net: Decimal
    _tax: Decimal
    _gross: Decimal
    _tax_parts: TaxParts | None
    tax_code: str
    tax_rate: Decimal

    @property
    def taxes(self) -> tuple[TaxAmount, ...]:
        """The line's taxes: one per component of a tax group, else the one rate's."""
        currency = self.currency
        if self._tax_parts is None:
            return (TaxAmount(self.tax_code, self.tax_rate, _money(self._tax, currency)),)
        return tuple(
            TaxAmount(code, rate, _money(amount, currency))
            for code, rate, amount in self._tax_parts
        )

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Every discount, in the order applied."""
        currency = self.currency
        return tuple(
            Adjustment(promotion_id, kind, _money(amount, currency), reason, params, coupon)
            for promotion_id, kind, amount, reason, params, coupon in self._adjustments
        )

    @property
    def discount(self) -> Money:
        """Sum of the adjustments."""
        return _money(self._discount, self.currency)

    @property
    def net(self) -> Money:
        """Amount before tax."""
        return _money(self._net, self.currency)

    @property
    def tax(self) -> Money:
        """Tax."""
        return _money(self._tax, self.currency)

    @property
    def gross(self) -> Money:
        """``net + tax``."""
        return _money(self._gross, self.currency)


@attrs.frozen(repr=False)
class LinePrice(_Amounts):
    """How one line was priced.

    Amounts are stored as quantized Decimals (the ``*_amount`` constructor arguments)
    and read as Money through the properties below.

    Attributes:
        line_id: The order line (``gift:<promotion id>`` for a gift line).
        sku: The SKU.
        quantity: The quantity.
        currency: Currency of every amount.
        tax_code: Effective tax code.
        tax_rate: Rate of that code (fraction).
        is_gift: Whether a promotion added the line as a free gift.
        list_price: Unit price from the price list, or None when there is none.
        unit_price: Unit price used (the manual price when the line has one).
        extended: ``unit_price * quantity``, quantized.
        adjustments: Every discount on the line, in the order applied.
        discount: Sum of the adjustments.
        net: Amount before tax.
        tax: Tax on the line.
        gross: ``net + tax``.
        taxes: The line's taxes, one per component of a tax group (see
            [TaxAmount][salesorder.pricing.TaxAmount]); they add up to ``tax``.
        order_discount_share: With ``DiscountLines.PER_TAX``, what the order discount
            took off the line (its share of its code's discount line); None otherwise.
    """

    line_id: str
    sku: str
    quantity: Decimal
    currency: str
    tax_code: str
    tax_rate: Decimal
    is_gift: bool
    _list_price: Decimal | None
    _unit_price: Decimal
    _extended: Decimal
    # Rows hold their params dicts (shared, never mutated): equal, but not hashed.
    _adjustments: tuple[AdjustmentRow, ...] = attrs.field(hash=False)
    _discount: Decimal
    _net: Decimal
    _tax: Decimal
    _gross: Decimal
    _tax_parts: TaxParts | None = None
    order_discount_share: DiscountShare | None = None

    @property
    def list_price(self) -> Money | None:
        """Unit price from the price list, or None."""
        return None if self._list_price is None else _money(self._list_price, self.currency)

    @property
    def unit_price(self) -> Money:
        """Unit price used."""
        return _money(self._unit_price, self.currency)

    @property
    def extended(self) -> Money:
        """``unit_price * quantity``, quantized."""
        return _money(self._extended, self.currency)

    def __repr__(self) -> str:
        return (
            f"LinePrice(line_id={self.line_id!r}, sku={self.sku!r}, quantity={self.quantity}, "
            f"unit_price={self.unit_price!r}, net={self.net!r}, tax={self.tax!r}, "
            f"gross={self.gross!r})"
        )


@attrs.frozen(repr=False)
class ChargePrice(_Amounts):
    """How one shipping or handling charge was priced.

    Attributes:
        charge_id: The charge's id.
        kind: ``shipping`` or ``handling``.
        currency: Currency of every amount.
        tax_code: Effective tax code.
        tax_rate: Rate (fraction).
        amount: The charge before discounts.
        adjustments: Discounts on the charge.
        discount: Sum of the adjustments.
        net: Amount before tax.
        tax: Tax on the charge.
        gross: ``net + tax``.
        taxes: The charge's taxes, one per component of a tax group.
    """

    charge_id: str
    kind: str
    currency: str
    tax_code: str
    tax_rate: Decimal
    _amount: Decimal
    _adjustments: tuple[AdjustmentRow, ...] = attrs.field(hash=False)
    _discount: Decimal
    _net: Decimal
    _tax: Decimal
    _gross: Decimal
    _tax_parts: TaxParts | None = None

    @property
    def amount(self) -> Money:
        """The charge before discounts."""
        return _money(self._amount, self.currency)

    def __repr__(self) -> str:
        return (
            f"ChargePrice(charge_id={self.charge_id!r}, amount={self.amount!r}, "
            f"net={self.net!r}, tax={self.tax!r}, gross={self.gross!r})"
        )


@attrs.frozen
class AppliedPromotion:
    """A promotion that gave a discount.

    Attributes:
        promotion_id: The promotion.
        name: Its name.
        amount: What it took off in total.
        unused: What it asked for but could not give (amounts at zero, or the cap).
        code: ``promotion.applied``, ``promotion.partially_applied`` or ``promotion.cap_reached``.
        coupon: The coupon code that unlocked it, if any.
    """

    promotion_id: str
    name: str
    amount: Money
    unused: Money
    code: str
    coupon: str | None = None

    @property
    def params(self) -> dict[str, str]:
        """Message parameters (built on demand: most callers never render them)."""
        return {
            "promotion_id": self.promotion_id,
            "amount": str(self.amount),
            "applied": str(self.amount),
            "requested": str(self.amount + self.unused),
            "unused": str(self.unused),
        }

    def message(self, locale: str = "en") -> str:
        """Why it applied as it did, in ``locale``."""
        return render_message(self.code, self.params, locale)


@attrs.frozen
class Rejection:
    """A promotion or coupon that gave nothing, with a coded reason.

    Attributes:
        kind: ``promotion`` or ``coupon``.
        id: The promotion id or the coupon code.
        code: Dotted reason code (``coupon.expired``, ``promotion.excluded``...).
        params: Message parameters.
    """

    kind: str
    id: str
    code: str
    params: Mapping[str, str] = attrs.field(factory=dict, converter=_params, hash=False)

    def message(self, locale: str = "en") -> str:
        """The reason in ``locale`` (negotiated: ``en``, ``zh_CN``, ``zh_TW`` ...)."""
        return render_message(self.code, self.params, locale)


@attrs.frozen
class PriceFlag:
    """Something a person must approve: a manual price or discount beyond policy.

    Attributes:
        code: ``price.manual_below_list``, ``price.discount_beyond_policy`` or
            ``price.order_discount_beyond_policy``.
        line_id: The line concerned (empty for the whole order).
        params: Message parameters (amounts, percentages, threshold).
    """

    code: str
    line_id: str
    params: Mapping[str, str] = attrs.field(factory=dict, converter=_params, hash=False)

    def message(self, locale: str = "en") -> str:
        """The flag in ``locale`` (negotiated: ``en``, ``zh_CN``, ``zh_TW`` ...)."""
        return render_message(self.code, self.params, locale)


#: The labels of [PriceBreakdown.explain][salesorder.pricing.PriceBreakdown.explain], in
#: English: the msgids of the catalogs, with the context ``price_breakdown.<key>`` (two
#: labels read "Charges" in English; salesorder._messages extracts them).
LABELS: Final[dict[str, str | tuple[str, ...]]] = {
    "title": "Price breakdown ({currency}, prices {basis} tax)",
    "incl": "including",
    "excl": "excluding",
    "head": ("line", "SKU", "qty", "list", "unit", "amount", "discount", "net", "tax", "gross"),
    "charges": "Charges",
    "charge_head": ("charge", "amount", "discount", "net", "tax", "gross"),
    "discount_lines": "Order discount per tax code",
    "discount_line_head": ("tax code", "net", "tax", "gross"),
    "subtotal": "Subtotal",
    "discount_total": "Discounts",
    "charges_total": "Charges",
    "net_total": "Net total",
    "tax_total": "Tax",
    "grand_total": "Grand total",
    "applied": "Applied promotions",
    "rejected": "Not applied",
    "flags": "Needs approval",
    "manual": "manual",
    "none": "-",
}


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def _labels(catalog: str) -> Mapping[str, str | tuple[str, ...]]:
    """The explain() labels translated into a catalog language."""

    def translated(key: str, text: str) -> str:
        return i18n.translate(text, catalog, context=f"price_breakdown.{key}")

    return {
        key: tuple(translated(key, item) for item in value)
        if isinstance(value, tuple)
        else translated(key, value)
        for key, value in LABELS.items()
    }


def _note(
    adjustment: Adjustment,
    labels: Mapping[str, object],
    locale: str,
    fmt: Callable[[Money | None], str],
) -> str:
    source = adjustment.promotion_id or str(labels["manual"])
    coupon = f" [{adjustment.coupon}]" if adjustment.coupon else ""
    return f"    - {source}{coupon}: {adjustment.message(locale)}: -{fmt(adjustment.amount)}"


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


#: How a charge is named among a document's items (its invoice line id).
CHARGE_ITEM: Final = "charge:"


def _is_grouped(priced: _Amounts) -> bool:
    """Whether a tax group taxed the item (not one rate of its own code)."""
    parts = priced._tax_parts
    if parts is None:
        return False
    return len(parts) != 1 or parts[0][0] != priced.tax_code or parts[0][1] != priced.tax_rate


def _component_rows(item: str, priced: _Amounts, rows: list[TaxRow]) -> None:
    """Add the item's taxes to ``rows``, one per component (its one tax for a plain rate)."""
    parts = priced._tax_parts
    if parts is None:
        return
    rows.extend((item, code, rate, amount) for code, rate, amount in parts)


@attrs.frozen
class PriceBreakdown:
    """The priced order: lines, charges, totals, promotions applied and refused, flags.

    Attributes:
        currency: Currency of every amount.
        prices_include_tax: Whether unit prices and charges were gross.
        lines: One [LinePrice][salesorder.pricing.LinePrice] per order line (order of the
            order), then gift lines.
        charges: One [ChargePrice][salesorder.pricing.ChargePrice] per charge.
        subtotal: Σ line ``extended`` (before discounts).
        discount_total: Σ discounts on lines and charges.
        charges_total: Σ charge amounts before discounts.
        net_total: Σ nets.
        tax_total: Σ taxes.
        grand_total: ``net_total + tax_total``, what the customer pays.
        applied: Promotions that gave something.
        rejected: Promotions and coupons that gave nothing, with reasons.
        flags: Manual prices and discounts beyond policy (for the approval policy).
        discount_lines: With ``DiscountLines.PER_TAX``, the manual order discount as one
            [DiscountLine][salesorder.pricing.DiscountLine] per tax code (by code);
            ``Σ (line gross + its share) + Σ discount line gross == grand_total``.
    """

    currency: str
    prices_include_tax: bool
    lines: tuple[LinePrice, ...]
    charges: tuple[ChargePrice, ...]
    subtotal: Money
    discount_total: Money
    charges_total: Money
    net_total: Money
    tax_total: Money
    grand_total: Money
    applied: tuple[AppliedPromotion, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    flags: tuple[PriceFlag, ...] = ()
    discount_lines: tuple[DiscountLine, ...] = ()

    @property
    def needs_approval(self) -> bool:
        """Whether any flag asks for approval."""
        return bool(self.flags)

    def tax_by_code(self) -> dict[str, Money]:
        """The document's tax per tax code (per component code of a tax group).

        The amounts add up to ``tax_total`` exactly; codes in the order first met.
        """
        totals: dict[str, Decimal] = {}
        for item in (*self.lines, *self.charges):
            for part in item.taxes:
                totals[part.code] = totals.get(part.code, Decimal(0)) + part.amount.amount
        return {code: _money(amount, self.currency) for code, amount in totals.items()}

    def snapshot(self) -> PriceSnapshot:
        """The figures invoices slice, frozen to be kept on the order.

        Per line, gift line and charge: quantity, unit price, net, tax and rate, and the
        tax per component of a line taxed by a tax group (see
        [PriceSnapshot][salesorder.records.PriceSnapshot]).
        """
        # Taxes per component are kept when a tax group taxed some item; then every item
        # lists its taxes, so a document totals each tax under its code, a plain rate's
        # lines beside a group's taxes of the same code.
        grouped = any(_is_grouped(item) for item in (*self.lines, *self.charges))
        order_lines: list[tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal]] = []
        gifts: list[tuple[str, str, Decimal, Decimal, Decimal, Decimal, Decimal]] = []
        taxes: list[TaxRow] = []
        for line in self.lines:
            if line.is_gift:
                gifts.append(
                    (line.line_id, line.sku, line.quantity, line._unit_price, line._net,
                     line._tax, line.tax_rate)
                )  # fmt: skip
            else:
                order_lines.append(
                    (line.line_id, line.quantity, line._unit_price, line._net, line._tax,
                     line.tax_rate)
                )  # fmt: skip
            if grouped:
                _component_rows(line.line_id, line, taxes)
        charges = []
        for charge in self.charges:
            charges.append(
                (charge.charge_id, charge.kind, charge._amount, charge._net, charge._tax,
                 charge.tax_rate)
            )  # fmt: skip
            if grouped:
                _component_rows(CHARGE_ITEM + charge.charge_id, charge, taxes)
        return PriceSnapshot(
            self.currency, tuple(order_lines), tuple(gifts), tuple(charges), tuple(taxes)
        )

    def line(self, line_id: str) -> LinePrice:
        """The priced line with ``line_id``.

        Raises:
            KeyError: if there is no such line.
        """
        for candidate in self.lines:
            if candidate.line_id == line_id:
                return candidate
        raise KeyError(line_id)

    def explain(self, locale: str = "en") -> str:
        """A readable table of how each amount came to be.

        Args:
            locale: Any locale, negotiated by [salesorder.i18n.negotiate][]: ``en``,
                ``zh_CN`` (Simplified Chinese), ``zh_TW``/``zh_HK`` (Traditional).

        Returns:
            Multi-line text: lines with their adjustments, charges, totals, promotions
            applied and refused, flags.
        """
        language = i18n.negotiate(locale)
        labels = _labels(language.catalog)
        fmt_locale = language.locale

        def fmt(money: Money | None) -> str:
            return str(labels["none"]) if money is None else money.format(fmt_locale)

        basis = labels["incl"] if self.prices_include_tax else labels["excl"]
        out = [str(labels["title"]).format(currency=self.currency, basis=basis), ""]
        rows: list[tuple[str, ...]] = [tuple(labels["head"])]
        notes: list[list[str]] = [[]]
        for line in self.lines:
            rate = f"{(line.tax_rate * 100).normalize():f}%"
            # With discount lines, a line is shown before the order discount (its share
            # is on its code's discount line, listed after the lines).
            discount, net, tax, gross = line.discount, line.net, line.tax, line.gross
            adjustments = line.adjustments
            share = line.order_discount_share
            if share is not None:
                discount -= share.gross if self.prices_include_tax else share.net
                net, tax, gross = net + share.net, tax + share.tax, gross + share.gross
                adjustments = tuple(a for a in adjustments if a.reason != REASON_MANUAL_ORDER)
            rows.append(
                (
                    line.line_id,
                    line.sku,
                    f"{line.quantity:f}",
                    fmt(line.list_price),
                    fmt(line.unit_price),
                    fmt(line.extended),
                    fmt(discount),
                    fmt(net),
                    f"{fmt(tax)} ({line.tax_code} {rate})",
                    fmt(gross),
                )
            )
            notes.append([_note(a, labels, locale, fmt) for a in adjustments])
        for row, row_notes in zip(_table(rows), notes, strict=True):
            out.append(row)
            out.extend(row_notes)
        if self.charges:
            out.extend(["", str(labels["charges"])])
            charge_rows: list[tuple[str, ...]] = [tuple(labels["charge_head"])]
            notes = [[]]
            for charge in self.charges:
                charge_rows.append(
                    (charge.charge_id, fmt(charge.amount), fmt(charge.discount),
                     fmt(charge.net), fmt(charge.tax), fmt(charge.gross))
                )  # fmt: skip
                notes.append([_note(a, labels, locale, fmt) for a in charge.adjustments])
            for row, row_notes in zip(_table(charge_rows), notes, strict=True):
                out.append(row)
                out.extend(row_notes)
        if self.discount_lines:
            out.extend(["", str(labels["discount_lines"])])
            out.extend(
                _table(
                    [
                        tuple(labels["discount_line_head"]),
                        *(
                            (item.tax_code, fmt(item.net), fmt(item.tax), fmt(item.gross))
                            for item in self.discount_lines
                        ),
                    ]
                )
            )
        out.append("")
        totals = [
            (str(labels[name]), fmt(getattr(self, name)))
            for name in (
                "subtotal",
                "discount_total",
                "charges_total",
                "net_total",
                "tax_total",
                "grand_total",
            )
        ]
        out.extend(_table(totals))
        if self.applied:
            out.extend(["", str(labels["applied"])])
            for applied in self.applied:
                coupon = f" [{applied.coupon}]" if applied.coupon else ""
                out.append(f"  {applied.promotion_id}{coupon}: {applied.message(locale)}")
        if self.rejected:
            out.extend(["", str(labels["rejected"])])
            out.extend(
                f"  {item.kind} {item.id}: [{item.code}] {item.message(locale)}"
                for item in self.rejected
            )
        if self.flags:
            out.extend(["", str(labels["flags"])])
            out.extend(f"  [{flag.code}] {flag.message(locale)}" for flag in self.flags)
        return "\n".join(out) + "\n"
