"""Units of measure: a line ordered in another unit than the stock unit (R1, R4, R9).

A product is kept in stock in one unit (its *stock unit*: a piece, a kilogram) and may be
sold in others (a box of 12, a dozen, a carton of 48). A :class:`ProductUnits` names a
SKU's stock unit and, for each other unit it may be ordered in, how many stock units one
such unit holds (its *conversion factor*); a :class:`UnitCatalog` holds them for every
product that has any. The catalogue is an option: without one (the default everywhere)
a line's ``unit`` is only a label and every quantity is a stock quantity, as before.

When the validation gate has a catalogue
(:attr:`ValidationContext.units <salesorder.validation.ValidationContext>`; the service
passes its ``PricingSettings.units``), each line ordered in another unit of a catalogued
product gets its factor stored on the line
([OrderLine.conversion_factor][salesorder.order.OrderLine]); a unit the catalogue does
not know for that product is an issue ``line.unit.unknown`` at ``/lines/<i>/unit``.
The factor stays with the order, so a later change of the catalogue changes no stored
order. From there:

* pricing takes a price entry in the line's unit if the price list has one (its quantity
  breaks compared with the ordered quantity), else the stock unit's entry converted:
  its quantity breaks compared with the stock quantity, its price times the factor
  rounded once to the currency's minor unit (see ``docs/pricing.md``);
* promotion quantity conditions count stock units, so lines in different units add up;
* stock is reserved, released, shipped and restocked in stock units
  (:mod:`salesorder.stockhook` converts a request's line quantities with
  :func:`to_stock`), and the stock rule of the validation gate compares stock
  quantities (:meth:`Order.quantities_by_sku <salesorder.order.Order.quantities_by_sku>`).

Invariants (property-tested): a conversion is exact, ``from_stock(to_stock(q, f), f) ==
q`` for every quantity and factor the library accepts; a factor is a positive, finite
Decimal of at most 12 significant digits between 10^-9 and 10^9, so no conversion rounds.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from salesorder.errors import SalesOrderError, define_code, define_phrase
from salesorder.order import Order, OrderLine

__all__ = [
    "InvalidUnits",
    "ProductUnits",
    "UnitCatalog",
    "UnknownUnit",
    "check_factor",
    "from_stock",
    "to_stock",
    "whole_units_for",
]

UNIT_UNKNOWN: Final = define_code(
    "line.unit.unknown",
    en="SKU {sku} is not sold in unit {unit} (known: {known}).",
)
UNITS_INVALID: Final = define_code(
    "units.invalid",
    en="Invalid unit of measure set-up: {reason}.",
)

#: The arithmetic of conversions: far more digits than a bounded quantity times a bounded
#: factor needs, and a trap on anything inexact, so a conversion never rounds silently.
_EXACT: Final = decimal.Context(
    prec=60, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero]
)
_SMALLEST: Final = Decimal("1e-9")
_LARGEST: Final = Decimal("1e9")
_DIGITS: Final = 12


# Why a unit set-up is refused: the ``reason`` of ``units.invalid`` (terms of the
# catalogs; fields filled from the error's params; ``{what}`` is a term of its own).
FACTOR_NOT_A_NUMBER_TYPE: Final = define_phrase("{what} must be a Decimal, int or str")
FACTOR_NOT_A_NUMBER: Final = define_phrase("{what} is not a number")
FACTOR_OUT_OF_RANGE: Final = define_phrase("{what} must lie between 1e-9 and 1e9")
FACTOR_TOO_PRECISE: Final = define_phrase("{what} has more than {digits} significant digits")
PRODUCT_NOT_EXACT: Final = define_phrase("{quantity} x {factor} is not exact")
QUOTIENT_NOT_EXACT: Final = define_phrase("{stock} / {factor} is not exact")
FACTORS_NOT_A_MAPPING: Final = define_phrase("factors must be a mapping of unit to stock units")
EMPTY_UNIT: Final = define_phrase("a unit must be a non-empty text")
NOT_TEXTS: Final = define_phrase("a SKU and a stock unit are texts")
EMPTY_STOCK_UNIT: Final = define_phrase("{sku} has an empty stock unit")
STOCK_UNIT_WITH_FACTOR: Final = define_phrase("{sku}: the stock unit {unit} has no factor")
PRODUCTS_NOT_ITERABLE: Final = define_phrase("products must be an iterable of ProductUnits")
NOT_PRODUCT_UNITS: Final = define_phrase("expected ProductUnits, got {kind}")
PRODUCT_TWICE: Final = define_phrase("{sku} is given twice")
#: What ``{what}`` names (terms): a factor, or a unit's factor.
FACTOR_NAMES: Final = (define_phrase("conversion factor"), define_phrase("factor of {unit}"))


class InvalidUnits(SalesOrderError, ValueError):
    """A unit catalogue or conversion factor that cannot be used (``units.invalid``)."""

    default_code = UNITS_INVALID

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(params={"reason": reason, **params})


class UnknownUnit(SalesOrderError, LookupError):
    """A line ordered in a unit its catalogued product is not sold in (``line.unit.unknown``).

    Attributes:
        sku: The product.
        unit: The unit asked for.
    """

    default_code = UNIT_UNKNOWN

    def __init__(self, sku: str, unit: str, known: Iterable[str]) -> None:
        self.sku = sku
        self.unit = unit
        super().__init__(params={"sku": sku, "unit": unit, "known": ", ".join(sorted(known))})


def check_factor(
    value: object, *, what: str = "conversion factor", unit: str | None = None
) -> Decimal:
    """``value`` as a conversion factor, or :class:`InvalidUnits`.

    Args:
        value: A Decimal, int or str (never a float or a bool).
        what: Named in the error (a term: ``conversion factor``, ``factor of {unit}``).
        unit: The unit ``what`` names, when it names one.

    Returns:
        The factor as a Decimal.

    Raises:
        InvalidUnits: not a positive finite number of at most 12 significant digits
            between 10^-9 and 10^9.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidUnits(FACTOR_NOT_A_NUMBER_TYPE, what=what, unit=unit)
    try:
        factor = Decimal(value)
    except decimal.InvalidOperation:
        raise InvalidUnits(FACTOR_NOT_A_NUMBER, what=what, unit=unit) from None
    if not factor.is_finite() or not _SMALLEST <= factor <= _LARGEST:
        raise InvalidUnits(FACTOR_OUT_OF_RANGE, what=what, unit=unit)
    if len(factor.normalize().as_tuple().digits) > _DIGITS:
        raise InvalidUnits(FACTOR_TOO_PRECISE, what=what, unit=unit, digits=_DIGITS)
    return factor


def to_stock(quantity: Decimal, factor: Decimal | None) -> Decimal:
    """A quantity in an ordered unit as stock units: ``quantity * factor``, exact.

    Args:
        quantity: The quantity in the ordered unit.
        factor: Stock units per ordered unit; None means the stock unit itself.

    Returns:
        The stock quantity.

    Raises:
        InvalidUnits: the product cannot be represented exactly (not with the bounded
            quantities and factors the library accepts).
    """
    if factor is None:
        return quantity
    try:
        return _EXACT.multiply(quantity, factor)
    except decimal.DecimalException:
        raise InvalidUnits(PRODUCT_NOT_EXACT, quantity=str(quantity), factor=str(factor)) from None


def from_stock(stock: Decimal, factor: Decimal | None) -> Decimal:
    """A stock quantity in the ordered unit: ``stock / factor``, exact or refused.

    Args:
        stock: The quantity in stock units.
        factor: Stock units per ordered unit; None means the stock unit itself.

    Returns:
        The quantity in the ordered unit.

    Raises:
        InvalidUnits: ``stock`` is not a whole multiple of a representable quantity (5
            pieces are not a finite decimal number of boxes of 12); see
            [whole_units_for][salesorder.units.whole_units_for].
    """
    if factor is None:
        return stock
    try:
        return _EXACT.divide(stock, factor)
    except decimal.DecimalException:
        raise InvalidUnits(QUOTIENT_NOT_EXACT, stock=str(stock), factor=str(factor)) from None


def whole_units_for(stock: Decimal, factor: Decimal | None, *, at_most: Decimal) -> Decimal:
    """The ordered units that cover ``stock`` stock units: exact when it divides, else rounded up.

    What a reservation left on backorder is told to the order in its own unit: 5 pieces
    short of a line in boxes of 12 are one box on backorder (the store keeps the 7 pieces
    it did reserve for that box, and shipping the box takes those first).

    Args:
        stock: Stock units.
        factor: Stock units per ordered unit; None means the stock unit itself.
        at_most: The line's quantity: the result never exceeds it.

    Returns:
        ``min(at_most, stock / factor)`` when exact, else the next whole number of
        ordered units (capped the same way).
    """
    if factor is None:
        return min(stock, at_most)
    try:
        exact = _EXACT.divide(stock, factor)
    except decimal.Inexact:
        ratio = Fraction(stock) / Fraction(factor)
        exact = Decimal(-(-ratio.numerator // ratio.denominator))
    return min(exact, at_most)


def _factors(value: Mapping[str, Decimal | int | str]) -> Mapping[str, Decimal]:
    if not isinstance(value, Mapping):
        raise InvalidUnits(FACTORS_NOT_A_MAPPING)
    checked: dict[str, Decimal] = {}
    for unit, factor in value.items():
        if not isinstance(unit, str) or not unit.strip():
            raise InvalidUnits(EMPTY_UNIT)
        checked[unit] = check_factor(factor, what=FACTOR_NAMES[1], unit=unit)
    return dict(sorted(checked.items()))


@attrs.frozen
class ProductUnits:
    """The units one product is sold in (ERPNext's UOM conversion, Odoo's packaging).

    Attributes:
        sku: The product.
        stock_unit: The unit stock is kept in (a line in it needs no conversion).
        factors: For each other unit, stock units in one of it: ``{"box": 12,
            "dozen": 12, "carton": 48}``; positive, exact, at most 12 significant digits.

    Raises:
        InvalidUnits: an empty unit, a bad factor, or the stock unit among ``factors``.
    """

    sku: str
    stock_unit: str
    factors: Mapping[str, Decimal] = attrs.field(converter=_factors)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.sku, str) or not isinstance(self.stock_unit, str):
            raise InvalidUnits(NOT_TEXTS)
        if not self.stock_unit.strip():
            raise InvalidUnits(EMPTY_STOCK_UNIT, sku=self.sku)
        if self.stock_unit in self.factors:
            raise InvalidUnits(STOCK_UNIT_WITH_FACTOR, sku=self.sku, unit=self.stock_unit)

    def factor(self, unit: str) -> Decimal | None:
        """Stock units in one ``unit``; None for the stock unit itself.

        Raises:
            UnknownUnit: the product is not sold in ``unit``.
        """
        if unit == self.stock_unit:
            return None
        found = self.factors.get(unit)
        if found is None:
            raise UnknownUnit(self.sku, unit, (self.stock_unit, *self.factors))
        return found


def _products(items: Iterable[ProductUnits]) -> Mapping[str, ProductUnits]:
    found: dict[str, ProductUnits] = {}
    given: object = items
    if not isinstance(given, Iterable):
        raise InvalidUnits(PRODUCTS_NOT_ITERABLE)
    for item in items:
        if not isinstance(item, ProductUnits):
            raise InvalidUnits(NOT_PRODUCT_UNITS, kind=type(item).__name__)
        if item.sku in found:
            raise InvalidUnits(PRODUCT_TWICE, sku=item.sku)
        found[item.sku] = item
    return found


@attrs.frozen
class UnitCatalog:
    """Units of measure by product; a product it does not list is sold in its stock unit only.

    Attributes:
        products: The products with units, by SKU (built from an iterable of
            [ProductUnits][salesorder.units.ProductUnits]).
    """

    products: Mapping[str, ProductUnits] = attrs.field(converter=_products, factory=dict)

    @classmethod
    def of(cls, *products: tuple[str, str, Mapping[str, Decimal | int | str]]) -> UnitCatalog:
        """A catalogue from ``(sku, stock unit, {unit: factor})`` triples."""
        return cls(ProductUnits(sku, stock, factors) for sku, stock, factors in products)

    def factor(self, sku: str, unit: str) -> Decimal | None:
        """Stock units in one ``unit`` of ``sku``; None when no conversion applies.

        Raises:
            UnknownUnit: the product is catalogued and not sold in ``unit``.
        """
        product = self.products.get(sku)
        return None if product is None else product.factor(unit)

    def convert_line(self, line: OrderLine) -> OrderLine:
        """``line`` with its conversion factor from the catalogue (unchanged when none).

        Raises:
            UnknownUnit: the line's product is catalogued and not sold in its unit.
        """
        factor = self.factor(line.sku, line.unit)
        if factor == line.conversion_factor:
            return line
        return attrs.evolve(line, conversion_factor=factor)

    def unknown_units(self, order: Order) -> list[tuple[int, UnknownUnit]]:
        """Each line (by index) ordered in a unit its catalogued product is not sold in."""
        found: list[tuple[int, UnknownUnit]] = []
        for index, line in enumerate(order.lines):
            try:
                self.factor(line.sku, line.unit)
            except UnknownUnit as unknown:
                found.append((index, unknown))
        return found

    def convert(self, order: Order) -> Order:
        """``order`` with every line's conversion factor from the catalogue.

        Raises:
            UnknownUnit: a line's unit is not one its product is sold in.
        """
        lines = tuple(self.convert_line(line) for line in order.lines)
        if all(new is old for new, old in zip(lines, order.lines, strict=True)):
            return order
        return attrs.evolve(order, lines=lines)
