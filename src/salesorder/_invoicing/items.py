"""What invoices slice: the priced items of an order, read from its price snapshot.

An invoice line is a slice of one priced *item*: an order line, a gift line or a
charge, with its quantity, unit price, net, tax and rate and, when a tax group taxed
it, its tax per component. The items come from the order's
[PriceSnapshot][salesorder.records.PriceSnapshot] (the figures it was priced at), or
from a [PriceBreakdown][salesorder.pricing.PriceBreakdown] for an order stored
without one (the breakdown's own snapshot: one reading for both).

This module also keeps the arithmetic of tax parts that the slicing of
:mod:`.issue` and :mod:`.credit` shares: parts are sliced one by one (each by the rule
of :mod:`.slicing`) and a line's tax is the sum of its parts, so every component adds
up across invoices and credit notes exactly as the line's tax does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import attrs

from salesorder.money import Money
from salesorder.pricing import PriceBreakdown
from salesorder.records import PriceSnapshot, TaxPart

__all__ = ["CHARGE_PREFIX", "Item", "Items", "add_parts", "items_of", "parts_total", "sliced"]

#: A charge's invoice line id is this prefix and the charge's id.
CHARGE_PREFIX = "charge:"
_ONE = Decimal(1)


def _money(amount: Decimal, currency: str) -> Money:
    # A snapshot's amounts were quantized by the pricing engine (and read back from the
    # order's own document): no need to validate them again for each invoice.
    return Money._exact(amount, currency)


@attrs.frozen(slots=True)
class Item:
    """One priced order line, gift line or charge, its amounts as Money.

    Attributes:
        line_id: The invoice line id (order line id, ``gift:<promotion>`` or
            ``charge:<charge id>``).
        sku: The SKU (None for a charge).
        name: The charge's kind for a charge, else the SKU (order lines take their
            names from the order).
        quantity: Quantity priced (1 for a charge).
        unit_price: Unit price as priced (a charge: its amount before discounts).
        net: Net.
        tax: Tax.
        tax_rate: Rate (nominal for a tax group).
        taxes: The tax per component for a tax group (empty for one tax).
    """

    line_id: str
    sku: str | None
    name: str
    quantity: Decimal
    unit_price: Money
    net: Money
    tax: Money
    tax_rate: Decimal
    taxes: tuple[TaxPart, ...] = ()


@attrs.frozen
class Items:
    """The priced items of an order: its lines by id, then gift lines and charges."""

    lines: Mapping[str, Item]
    extras: tuple[Item, ...]


def items_of(priced: PriceSnapshot | PriceBreakdown) -> Items:
    """The items of a snapshot (or of a breakdown, through its snapshot)."""
    snapshot = priced.snapshot() if isinstance(priced, PriceBreakdown) else priced
    currency = snapshot.currency
    parts: dict[str, list[TaxPart]] = {}
    for item, code, rate, amount in snapshot.taxes:
        parts.setdefault(item, []).append(TaxPart(code, rate, _money(amount, currency)))

    def taxes(line_id: str) -> tuple[TaxPart, ...]:
        found = parts.get(line_id)
        return () if found is None else tuple(found)

    lines = {
        line_id: Item(
            line_id,
            None,
            line_id,
            quantity,
            _money(unit_price, currency),
            _money(net, currency),
            _money(tax, currency),
            rate,
            taxes(line_id),
        )
        for line_id, quantity, unit_price, net, tax, rate in snapshot.lines
    }
    extras = [
        Item(
            line_id,
            sku,
            sku,
            quantity,
            _money(unit_price, currency),
            _money(net, currency),
            _money(tax, currency),
            rate,
            taxes(line_id),
        )
        for line_id, sku, quantity, unit_price, net, tax, rate in snapshot.gifts
    ]
    for charge_id, kind, amount, net, tax, rate in snapshot.charges:
        line_id = CHARGE_PREFIX + charge_id
        extras.append(
            Item(
                line_id,
                None,
                kind,
                _ONE,
                _money(amount, currency),
                _money(net, currency),
                _money(tax, currency),
                rate,
                taxes(line_id),
            )
        )
    return Items(lines, tuple(extras))


def sliced(
    parts: Iterable[TaxPart], cut: Callable[[TaxPart], Money]
) -> tuple[tuple[TaxPart, ...], Money | None]:
    """Each part cut by ``cut``, and their sum (None when there are no parts)."""
    cut_parts = tuple(TaxPart(part.code, part.rate, cut(part)) for part in parts)
    if not cut_parts:
        return (), None
    return cut_parts, parts_total(cut_parts)


def parts_total(parts: Iterable[TaxPart]) -> Money:
    """Σ of the parts' amounts (there is at least one)."""
    iterator = iter(parts)
    total = next(iterator).amount
    for part in iterator:
        total += part.amount
    return total


def add_parts(known: Mapping[str, Money], parts: Iterable[TaxPart], sign: int) -> dict[str, Money]:
    """``known`` with each part's amount added (``sign`` 1) or taken off (-1), by code."""
    total = dict(known)
    for part in parts:
        before = total.get(part.code)
        amount = part.amount * sign
        total[part.code] = amount if before is None else before + amount
    return total
