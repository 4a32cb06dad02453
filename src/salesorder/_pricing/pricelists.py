"""Price lists: customer-specific, tier and default prices with quantity breaks and validity.

Precedence (documented in ``docs/pricing.md``), for one SKU at one instant ``at``:

1. only entries valid at ``at`` count (``valid_from <= at < valid_until``, open ends allowed);
2. a customer-specific entry (``customer_id`` equal to the order's customer) beats a tier
   entry (``tier`` equal to the customer's tier), which beats a default entry (neither);
3. within that level, the entry with the highest quantity break ``min_quantity`` not above
   the line quantity wins;
4. remaining ties go to the latest ``valid_from``, then to the entry listed first.

Invariants:

* every entry's price is in the list's currency, non-negative, and known at construction
  (markup prices are derived once, quantized with the list's rounding mode);
* a lookup never returns zero for "no price": it returns ``None`` and :func:`price` raises
  :class:`~salesorder.pricing.MissingPrice`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from salesorder._pricing.errors import (
    ENTRY_CUSTOMER_AND_TIER,
    ENTRY_EMPTY_UNIT,
    ENTRY_MARKUP_BELOW_MINUS_100,
    ENTRY_MARKUP_NEGATIVE_PRICE,
    ENTRY_NEGATIVE_AMOUNT,
    ENTRY_NEGATIVE_BREAK,
    ENTRY_NO_COST,
    ENTRY_NO_PRICE,
    ENTRY_OTHER_CURRENCY,
    MARKUP_BELOW_MINUS_100,
    MARKUP_NEGATIVE_PRICE,
    MARKUP_OUT_OF_BOUNDS,
    InvalidPricing,
)
from salesorder.money import Money, RoundingMode, minor_unit
from salesorder.order import CustomerTier
from salesorder.units import to_stock

if TYPE_CHECKING:
    from salesorder.order import Order, OrderLine

__all__ = ["Markup", "MarkupBase", "PriceEntry", "PriceList", "PriceLookup"]

#: A lookup bound to an instant, as the validation rules use it.
PriceLookup = Callable[["Order", "OrderLine"], Money | None]

_HUNDRED = Decimal(100)


def _decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):  # pragma: no cover - attrs converters see floats only by mistake
        raise TypeError("use Decimal, not float")
    return Decimal(value)


class MarkupBase(enum.StrEnum):
    """What a markup price is derived from."""

    COST = "cost"
    """The entry's ``cost``."""
    LIST = "list"
    """The entry's ``unit_price`` (e.g. a channel list at list price plus 5 %)."""


def _markup_percent(value: Decimal | int | str) -> Decimal:
    number = _decimal(value)
    # -100 % makes the price zero; anything lower would make it negative.
    if not number.is_finite() or number < -_HUNDRED:
        raise InvalidPricing(
            MARKUP_BELOW_MINUS_100, code=MARKUP_OUT_OF_BOUNDS, params={"percent": str(value)}
        )
    return number


@attrs.frozen
class Markup:
    """A price derived from a base plus a margin: ``base * (1 + percent/100) + amount``.

    A negative percent or amount lowers the price (a channel list at list price less
    20 %), but never below zero: a percent under -100 is refused when the markup is
    built, and a price that the amount would take below zero when the entry is built
    (or :meth:`apply` is called), both with ``price.markup.out_of_bounds``.

    Attributes:
        base: Derive from the cost or from the list price.
        percent: Margin in percent of the base (may be 0; at least -100).
        amount: Fixed margin added after the percentage (may be None or negative).
    """

    base: MarkupBase = MarkupBase.COST
    percent: Decimal = attrs.field(default=Decimal(0), converter=_markup_percent)
    amount: Money | None = None

    def apply(self, base: Money, *, rounding: RoundingMode = RoundingMode.HALF_UP) -> Money:
        """The marked-up price of ``base``, quantized to its currency.

        Args:
            base: The cost or list price to start from.
            rounding: How to round the result to the minor unit.

        Returns:
            The derived price.

        Raises:
            InvalidPricing: ``price.markup.out_of_bounds`` when the price would be negative.
        """
        result = base * (1 + self.percent / _HUNDRED)
        if self.amount is not None:
            result = result + self.amount
        if result.amount < 0:
            raise InvalidPricing(
                MARKUP_NEGATIVE_PRICE,
                code=MARKUP_OUT_OF_BOUNDS,
                params={"base": str(base), "price": str(result.quantize(rounding))},
            )
        return result.quantize(rounding)


@attrs.frozen
class PriceEntry:
    """One price of one SKU, for everyone, a customer tier or one customer.

    Attributes:
        sku: The stock keeping unit.
        unit_price: The price per unit (the list price; the base of a ``LIST`` markup).
        min_quantity: Quantity break: the entry applies from this line quantity on (0: any).
        customer_id: Only for this customer (customer-specific price).
        tier: Only for customers of this tier (VIP, regular, prospect).
        valid_from: First instant the entry is valid (inclusive); None is open.
        valid_until: First instant the entry is no longer valid (exclusive); None is open.
        cost: Unit cost, the base of a ``COST`` markup.
        markup: Derive the selling price from cost or list price with this margin.
        unit: The unit of measure the price is for (a box, a dozen) and ``min_quantity``
            counts; None (the default): the product's stock unit. A line ordered in a
            unit takes an entry in that unit first, else the stock unit's entry converted
            (see [PriceList][salesorder.pricing.PriceList]).
    """

    sku: str
    unit_price: Money | None = None
    min_quantity: Decimal = attrs.field(default=Decimal(0), converter=_decimal)
    customer_id: str | None = None
    tier: CustomerTier | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    cost: Money | None = None
    markup: Markup | None = None
    unit: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.unit is not None and not (isinstance(self.unit, str) and self.unit.strip()):
            raise InvalidPricing(ENTRY_EMPTY_UNIT, params={"sku": self.sku})
        if self.customer_id is not None and self.tier is not None:
            raise InvalidPricing(ENTRY_CUSTOMER_AND_TIER, params={"sku": self.sku})
        if self.min_quantity < 0:
            raise InvalidPricing(ENTRY_NEGATIVE_BREAK, params={"sku": self.sku})
        if self.markup is None and self.unit_price is None:
            raise InvalidPricing(ENTRY_NO_PRICE, params={"sku": self.sku})
        if self.markup is not None:
            base = self.cost if self.markup.base is MarkupBase.COST else self.unit_price
            if base is None:
                raise InvalidPricing(
                    ENTRY_NO_COST, params={"sku": self.sku, "field": self.markup.base.value}
                )
        for amount in (self.unit_price, self.cost):
            if amount is not None and amount.amount < 0:
                raise InvalidPricing(ENTRY_NEGATIVE_AMOUNT, params={"sku": self.sku})
        if self.markup is not None:
            try:
                self.price  # noqa: B018 (derived once here so a bad markup fails at construction)
            except InvalidPricing as error:
                inner = error.params["reason"]
                raise InvalidPricing(
                    ENTRY_MARKUP_NEGATIVE_PRICE
                    if inner == MARKUP_NEGATIVE_PRICE
                    else ENTRY_MARKUP_BELOW_MINUS_100,
                    code=MARKUP_OUT_OF_BOUNDS,
                    params={
                        **{key: value for key, value in error.params.items() if key != "reason"},
                        "sku": self.sku,
                    },
                ) from None

    @property
    def price(self) -> Money:
        """The selling price of the entry: ``unit_price``, or the markup applied to its base."""
        if self.markup is None:
            assert self.unit_price is not None  # noqa: S101 (checked at construction)
            return self.unit_price
        base = self.cost if self.markup.base is MarkupBase.COST else self.unit_price
        assert base is not None  # noqa: S101 (checked at construction)
        return self.markup.apply(base)

    def is_valid_at(self, at: datetime) -> bool:
        """Whether ``at`` falls in the entry's validity window."""
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


def _first(
    candidates: tuple[tuple[PriceEntry, Decimal, int], ...] | None,
    quantity: Decimal,
    at: datetime,
    customer_id: str | None,
    tier: CustomerTier | None,
) -> Decimal | None:
    # The first applicable entry of a ranked tuple (the precedence is the ranking).
    if not candidates:
        return None
    for entry, amount, _position in candidates:
        if entry.customer_id is not None and entry.customer_id != customer_id:
            continue
        if entry.tier is not None and entry.tier != tier:
            continue
        if entry.min_quantity > quantity:
            continue
        if (entry.valid_from is not None and at < entry.valid_from) or (
            entry.valid_until is not None and at >= entry.valid_until
        ):
            continue
        return amount
    return None


def _entries(value: Iterable[PriceEntry]) -> tuple[PriceEntry, ...]:
    return tuple(value)


def _rank(item: tuple[PriceEntry, Decimal, int]) -> tuple[int, Decimal, float, int]:
    # Precedence as a sort key: level, highest break, latest start, listed first.
    entry, _amount, position = item
    level = 0 if entry.customer_id is not None else 1 if entry.tier is not None else 2
    since = -entry.valid_from.timestamp() if entry.valid_from is not None else 0.0
    return (level, -entry.min_quantity, since, position)


@attrs.frozen
class PriceList:
    """Prices by SKU, with the precedence stated in the module docstring.

    Units of measure: a line ordered in another unit than the stock unit (its
    ``conversion_factor`` set, see `salesorder.units`) is priced from the entries in
    its unit (``PriceEntry.unit``; precedence as above, quantity breaks in that unit),
    and only when none applies from the stock unit's entries: their quantity breaks
    compared with the line's stock quantity and the price multiplied by the factor (the
    caller rounds it once to the minor unit).

    Attributes:
        currency: ISO 4217 currency of every entry (and of the orders it prices).
        entries: The price entries.
        name: A name for people, e.g. ``2026 dealer list``.
        manual_price_tolerance: Percent a manual unit price may fall under the list price
            before the line is flagged (``price.manual_below_list``) for approval.
        manual_discount_limit: Largest requested line discount percent accepted without
            a flag (``price.discount_beyond_policy``).
    """

    currency: str
    entries: tuple[PriceEntry, ...] = attrs.field(converter=_entries, default=())
    name: str = "default"
    manual_price_tolerance: Decimal = attrs.field(default=Decimal(0), converter=_decimal)
    manual_discount_limit: Decimal = attrs.field(default=Decimal(10), converter=_decimal)
    _index: dict[str, tuple[tuple[PriceEntry, Decimal, int], ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )
    _by_unit: dict[tuple[str, str], tuple[tuple[PriceEntry, Decimal, int], ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        minor_unit(self.currency)  # refuses unknown currencies early
        index: dict[str, list[tuple[PriceEntry, Decimal, int]]] = {}
        by_unit: dict[tuple[str, str], list[tuple[PriceEntry, Decimal, int]]] = {}
        for position, entry in enumerate(self.entries):
            price = entry.price
            if price.currency != self.currency:
                raise InvalidPricing(
                    ENTRY_OTHER_CURRENCY,
                    params={
                        "sku": entry.sku,
                        "currency": price.currency,
                        "expected": self.currency,
                    },
                )
            if entry.unit is None:
                index.setdefault(entry.sku, []).append((entry, price.amount, position))
            else:
                key = (entry.sku, entry.unit)
                by_unit.setdefault(key, []).append((entry, price.amount, position))
        # Each SKU's entries sorted by precedence: the first applicable entry wins.
        ranked = {sku: tuple(sorted(v, key=_rank)) for sku, v in index.items()}
        object.__setattr__(self, "_index", ranked)
        per_unit = {key: tuple(sorted(v, key=_rank)) for key, v in by_unit.items()}
        object.__setattr__(self, "_by_unit", per_unit)

    @classmethod
    def of(
        cls,
        currency: str,
        prices: Iterable[tuple[str, Money | Decimal | int | str]],
        **options: object,
    ) -> PriceList:
        """A default-only price list from ``(sku, price)`` pairs.

        Args:
            currency: The list currency.
            prices: ``(sku, unit price)`` pairs; plain numbers are taken in ``currency``.
            **options: Other [PriceList][salesorder.pricing.PriceList] attributes
                (``name``, thresholds).

        Returns:
            The price list.
        """
        entries = tuple(
            PriceEntry(sku, p if isinstance(p, Money) else Money(p, currency)) for sku, p in prices
        )
        return cls(currency, entries, **options)  # type: ignore[arg-type]

    def unit_price_of(
        self,
        sku: str,
        *,
        quantity: Decimal,
        at: datetime,
        customer_id: str | None = None,
        tier: CustomerTier | None = None,
        unit: str | None = None,
        factor: Decimal | None = None,
    ) -> Decimal | None:
        """The winning unit price amount for ``sku`` (see the precedence rules), or None.

        Args:
            sku: The SKU.
            quantity: The line quantity (for quantity breaks), in ``unit``.
            at: The pricing instant.
            customer_id: The customer, for customer-specific prices.
            tier: The customer's tier, for tier prices.
            unit: The unit the line is ordered in, when it is not the stock unit.
            factor: Stock units in one ``unit`` (with ``unit``): the stock unit's
                entries apply to ``quantity * factor`` and their price is multiplied
                by it when no entry in ``unit`` applies.

        Returns:
            The exact Decimal amount in the list's ``currency`` per ``unit`` (not rounded
            when converted), or None when no entry applies.
        """
        if factor is not None and unit is not None:
            own = _first(self._by_unit.get((sku, unit)), quantity, at, customer_id, tier)
            if own is not None:
                return own
            base = _first(self._index.get(sku), to_stock(quantity, factor), at, customer_id, tier)
            return None if base is None else to_stock(base, factor)
        return _first(self._index.get(sku), quantity, at, customer_id, tier)

    def list_price(self, order: Order, line: OrderLine, *, at: datetime) -> Money | None:
        """The list unit price for ``line`` of ``order`` at ``at``, or None when none applies.

        Args:
            order: The order (its customer selects customer and tier prices).
            line: The line (its SKU and quantity).
            at: The pricing instant.

        Returns:
            The unit price in the list's ``currency`` (in the order's, converted and
            rounded half-up once, when the order holds an exchange rate from the list's
            currency), or None.
        """
        factor = line.conversion_factor
        amount = self.unit_price_of(
            line.sku,
            quantity=line.quantity,
            at=at,
            customer_id=order.customer.id,
            tier=order.customer.tier,
            unit=None if factor is None else line.unit,
            factor=factor,
        )
        if amount is None:
            return None
        fx = order.exchange_rate
        if fx is not None and fx.base == self.currency and fx.quote == order.currency:
            # In the order's currency through its stored rate: rounded once.
            return Money(fx.convert(amount), order.currency).quantize(RoundingMode.HALF_UP)
        if factor is not None:
            # A converted price: rounded once to the minor unit, as price() rounds it.
            return Money(amount, self.currency).quantize(RoundingMode.HALF_UP)
        return Money._exact(amount, self.currency)

    def floor_price(self, order: Order, line: OrderLine, *, at: datetime) -> Money | None:
        """The lowest unit price accepted without approval: list price less the tolerance.

        Args:
            order: The order.
            line: The line.
            at: The pricing instant.

        Returns:
            ``list_price * (1 - manual_price_tolerance/100)`` rounded up to the minor unit
            (so a price at or above the floor is exactly a price that
            [price][salesorder.pricing.price] does not flag), or None.
        """
        listed = self.list_price(order, line, at=at)
        if listed is None:
            return None
        floor = listed * (1 - self.manual_price_tolerance / _HUNDRED)
        return floor.quantize(RoundingMode.CEILING)

    def lookups(self, *, at: datetime) -> tuple[PriceLookup, PriceLookup]:
        """``(list_price, price_floor)`` bound to ``at``, as the validation rules take them.

        Args:
            at: The pricing instant.

        Returns:
            Two callables ``(order, line) -> Money | None``.
        """

        def list_price(order: Order, line: OrderLine) -> Money | None:
            return self.list_price(order, line, at=at)

        def price_floor(order: Order, line: OrderLine) -> Money | None:
            return self.floor_price(order, line, at=at)

        return list_price, price_floor
