"""Units of measure: conversions are exact, and pricing in a unit agrees with its stock unit."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.pricing import PriceList, price
from salesorder.testing.strategies import PRICING_AT, conversion_factors
from salesorder.units import check_factor, from_stock, to_stock, whole_units_for

# Quantities as the gate accepts them: at most 12 integer digits, 6 decimal places.
quantities = st.decimals(min_value=0, max_value=Decimal("999999999999"), places=6)


@given(quantity=quantities, factor=conversion_factors())
def test_a_conversion_round_trips_exactly(quantity: Decimal, factor: Decimal) -> None:
    assert check_factor(factor) == factor
    stock = to_stock(quantity, factor)
    assert from_stock(stock, factor) == quantity
    assert whole_units_for(stock, factor, at_most=quantity) == quantity


@given(
    stock=st.integers(min_value=1, max_value=10_000).map(Decimal),
    factor=st.integers(min_value=1, max_value=48).map(Decimal),
)
def test_a_partly_served_unit_is_one_whole_unit(stock: Decimal, factor: Decimal) -> None:
    # Exact when the stock units divide (12 pieces: 1 box; 1 piece of pairs: 0.5),
    # else the next whole unit (5 pieces of a box of 12: 1 box).
    told = whole_units_for(stock, factor, at_most=Decimal(10**6))
    if told * factor != stock:
        assert told == told.to_integral_value()
        assert (told - 1) * factor < stock < told * factor


@given(
    boxes=st.integers(min_value=0, max_value=500).map(Decimal),
    factor=st.sampled_from([Decimal(6), Decimal(12), Decimal(24), Decimal(48)]),
    piece=st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
)
def test_boxes_cost_what_their_pieces_cost(boxes: Decimal, factor: Decimal, piece: Decimal) -> None:
    # With whole-number factors the converted price is exact: a line of boxes and a line
    # of the same pieces give the same totals, and promotions see the same stock units.
    plist = PriceList.of("CNY", [("P", Money(piece, "CNY"))])
    customer = Customer(id="C-1", name="-")
    in_boxes = OrderLine("1", "P", "p", boxes, unit="box", conversion_factor=factor)
    in_pieces = OrderLine("1", "P", "p", boxes * factor)
    a = price(Order("a", customer, "CNY", (in_boxes,)), price_list=plist, at=PRICING_AT)
    b = price(Order("b", customer, "CNY", (in_pieces,)), price_list=plist, at=PRICING_AT)
    assert a.grand_total == b.grand_total
    assert a.lines[0].quantity == boxes
    assert a.lines[0].unit_price.amount == piece * factor
