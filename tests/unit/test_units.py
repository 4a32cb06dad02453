"""Units of measure: the catalogue, prices per unit or converted, quantities in the right unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from salesorder.lifecycle import AddLine, preview_amendment
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.pricing import (
    Conditions,
    InvalidPricing,
    LinePercentOff,
    PriceEntry,
    PriceList,
    Promotion,
    price,
)
from salesorder.units import (
    InvalidUnits,
    ProductUnits,
    UnitCatalog,
    UnknownUnit,
    check_factor,
    from_stock,
    to_stock,
    whole_units_for,
)
from salesorder.validation import ValidationContext, validate

AT = datetime(2026, 11, 11, tzinfo=UTC)
CATALOG = UnitCatalog.of(("BOLT", "pcs", {"box": 12, "carton": 48}))


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def order(*lines: OrderLine) -> Order:
    return Order("o", Customer(id="C-1", name="-"), "CNY", lines)


def boxes(quantity: str, unit: str = "box", factor: int | None = 12) -> OrderLine:
    return OrderLine(
        "1",
        "BOLT",
        "bolt",
        Decimal(quantity),
        unit=unit,
        conversion_factor=None if factor is None else Decimal(factor),
    )


class TestCatalog:
    def test_a_catalogued_unit_has_its_factor_and_the_stock_unit_none(self) -> None:
        assert CATALOG.factor("BOLT", "box") == Decimal(12)
        assert CATALOG.factor("BOLT", "pcs") is None
        assert CATALOG.factor("NUT", "anything") is None  # not catalogued: a label

    def test_an_unknown_unit_of_a_catalogued_product_is_refused(self) -> None:
        with pytest.raises(UnknownUnit) as refused:
            CATALOG.factor("BOLT", "pallet")
        assert refused.value.code == "line.unit.unknown"
        assert refused.value.params["known"] == "box, carton, pcs"

    @pytest.mark.parametrize(
        "factor", [0, -12, "NaN", "Infinity", "1e10", "1e-10", "1.23456789012345", 1.5, True]
    )
    def test_a_bad_factor_is_refused(self, factor: object) -> None:
        with pytest.raises(InvalidUnits) as refused:
            ProductUnits("BOLT", "pcs", {"box": factor})  # type: ignore[dict-item]
        assert refused.value.code == "units.invalid"

    def test_the_stock_unit_has_no_factor_and_a_sku_is_listed_once(self) -> None:
        with pytest.raises(InvalidUnits):
            ProductUnits("BOLT", "pcs", {"pcs": 1})
        with pytest.raises(InvalidUnits):
            UnitCatalog([ProductUnits("B", "pcs", {}), ProductUnits("B", "kg", {})])

    @pytest.mark.parametrize(
        "build",
        [
            lambda: ProductUnits("BOLT", 5, {}),  # type: ignore[arg-type]
            lambda: ProductUnits(None, "pcs", {}),  # type: ignore[arg-type]
            lambda: ProductUnits("BOLT", "pcs", [("box", 12)]),  # type: ignore[arg-type]
            lambda: UnitCatalog(42),  # type: ignore[arg-type]
            lambda: UnitCatalog(["BOLT"]),  # type: ignore[list-item]
        ],
    )
    def test_hostile_set_ups_raise_the_coded_error(self, build: Callable[[], object]) -> None:
        with pytest.raises(InvalidUnits):
            build()

    def test_conversions(self) -> None:
        assert to_stock(Decimal(3), Decimal(12)) == Decimal(36)
        assert from_stock(Decimal(36), Decimal(12)) == Decimal(3)
        with pytest.raises(InvalidUnits):
            from_stock(Decimal(5), Decimal(12))
        assert whole_units_for(Decimal(5), Decimal(12), at_most=Decimal(3)) == Decimal(1)
        assert whole_units_for(Decimal(99), Decimal(12), at_most=Decimal(3)) == Decimal(3)
        assert check_factor("0.45359237") == Decimal("0.45359237")

    def test_convert_sets_factors_and_keeps_an_order_without_units(self) -> None:
        plain = order(boxes("2", unit="pcs", factor=None))
        assert CATALOG.convert(plain) is plain
        converted = CATALOG.convert(order(boxes("2", factor=None)))
        assert converted.lines[0].conversion_factor == Decimal(12)
        assert converted.quantities_by_sku() == {"BOLT": Decimal(24)}


class TestPricing:
    plist = PriceList(
        "CNY",
        (
            PriceEntry("BOLT", cny("1.05")),
            PriceEntry("BOLT", cny("0.95"), min_quantity=Decimal(100)),
            PriceEntry("BOLT", cny("40.00"), unit="carton"),
        ),
    )

    def test_a_box_without_its_own_entry_is_the_piece_price_times_the_factor(self) -> None:
        b = price(order(boxes("3")), price_list=self.plist, at=AT)
        line = b.lines[0]
        assert (line.quantity, line.unit_price, line.extended) == (
            Decimal(3),
            cny("12.60"),
            cny("37.80"),
        )

    def test_the_quantity_break_of_a_converted_price_counts_stock_units(self) -> None:
        # 9 boxes are 108 pieces: over the break of 100 pieces.
        b = price(order(boxes("9")), price_list=self.plist, at=AT)
        assert b.lines[0].unit_price == cny("11.40")

    def test_an_entry_in_the_line_unit_comes_first(self) -> None:
        b = price(order(boxes("2", unit="carton", factor=48)), price_list=self.plist, at=AT)
        assert b.lines[0].unit_price == cny("40.00")

    def test_a_converted_price_is_rounded_once_per_ordered_unit(self) -> None:
        plist = PriceList.of("CNY", [("WIRE", "8.05")])
        line = OrderLine("1", "WIRE", "w", Decimal(3), unit="g", conversion_factor=Decimal("0.001"))
        b = price(order(line), price_list=plist, at=AT)
        assert (b.lines[0].unit_price, b.lines[0].extended) == (cny("0.01"), cny("0.03"))

    def test_promotion_quantities_count_stock_units(self) -> None:
        dozen = Promotion(
            "Q", "10 % from 24 pieces", LinePercentOff(Decimal(10)),
            conditions=Conditions(min_quantity=Decimal(24)),
        )  # fmt: skip
        b = price(order(boxes("2")), price_list=self.plist, promotions=[dozen], at=AT)
        assert b.discount_total == cny("2.52")
        b = price(order(boxes("1")), price_list=self.plist, promotions=[dozen], at=AT)
        assert [r.code for r in b.rejected] == ["promotion.min_quantity"]

    @pytest.mark.parametrize("factor", [Decimal(0), Decimal("NaN"), Decimal("1e12")])
    def test_a_line_with_a_bad_factor_is_refused(self, factor: Decimal) -> None:
        line = attrs.evolve(boxes("1"), conversion_factor=factor)
        with pytest.raises(InvalidPricing):
            price(order(line), price_list=self.plist, at=AT)

    def test_the_validation_lookup_converts_like_price(self) -> None:
        o = order(boxes("3"))
        assert self.plist.list_price(o, o.lines[0], at=AT) == cny("12.60")


PAYLOAD = {
    "customer": {"id": "C-1", "name": "N"},
    "currency": "CNY",
    "lines": [{"sku": "BOLT", "name": "b", "quantity": "2", "unit": "box"}],
}


class TestGate:
    def test_without_a_catalogue_a_unit_is_a_label(self) -> None:
        report = validate(PAYLOAD)
        assert report.order is not None
        assert report.order.lines[0].conversion_factor is None

    def test_with_a_catalogue_the_line_gets_its_factor(self) -> None:
        report = validate(PAYLOAD, context=ValidationContext(units=CATALOG))
        assert report.order is not None
        assert report.order.lines[0].conversion_factor == Decimal(12)
        assert report.order.lines[0].stock_quantity == Decimal(24)


class TestAmendment:
    def test_the_stock_delta_of_an_added_box_is_in_pieces(self) -> None:
        plist = PriceList.of("CNY", [("BOLT", "1.05")])
        before = order(boxes("1"))
        added = OrderLine("2", "BOLT", "b", Decimal(2), unit="box", conversion_factor=Decimal(12))
        preview = preview_amendment(
            before,
            [AddLine(added)],
            pricing=lambda o: price(o, price_list=plist, at=AT),
        )
        assert preview.stock_delta == (("BOLT", Decimal(24)),)
