"""One limit for the decimals of every quantity: what the gate takes, every store holds.

The gate used to take 12 decimal places in a line quantity while the SQL stock store
holds 6: such an order was entered on memory and SQL alike, then confirmed on memory
and refused on SQL. ``QUANTITY_PLACES`` (the stock kernel's) is now the one limit the
gate, the lifecycle commands, the amendments and both stock stores apply.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit._service_world import make_world

from salesorder import lifecycle
from salesorder.adapters.memory import StockLedger
from salesorder.demo import START, tea_shop_payload
from salesorder.errors import RuleViolation
from salesorder.inventory import QUANTITY_PLACES, InvalidQuantity, too_precise_quantity
from salesorder.validation import validate


def _with_quantity(quantity: str) -> dict[str, Any]:
    payload = tea_shop_payload()
    payload["lines"][0]["quantity"] = quantity
    return payload


def test_the_limit_is_six_places() -> None:
    assert QUANTITY_PLACES == 6


@pytest.mark.parametrize(
    ("text", "finer"),
    [
        ("1", False),
        ("0.000001", False),
        ("1.000001", False),
        ("1.500000000000", False),  # trailing zeros carry no precision
        ("1E+3", False),
        ("0.0000001", True),
        ("1.0000001", True),
        ("1.0000001000", True),
        ("1E-7", True),
        ("0E-8", False),  # zero, however it is written
    ],
)
def test_too_precise_quantity(text: str, finer: bool) -> None:
    assert too_precise_quantity(Decimal(text)) is finer


@given(st.integers(-(10**15), 10**15), st.integers(0, 12), st.integers(0, 6))
def test_too_precise_is_exact_whatever_the_context(units: int, zeros: int, places: int) -> None:
    number = Decimal(units).scaleb(-places)
    padded = Decimal(f"{number:.{places + zeros}f}") if places + zeros else number
    # One more decimal than the limit, its last digit not zero.
    finer = Decimal(units).scaleb(-(QUANTITY_PLACES + 1))
    with localcontext() as hostile:
        hostile.prec = 3
        assert not too_precise_quantity(number)
        assert not too_precise_quantity(padded)
        assert too_precise_quantity(finer) is bool(units % 10)


def test_the_gate_refuses_a_seventh_decimal_with_its_code() -> None:
    report = validate(_with_quantity("1.0000001"))
    assert not report.ok
    [issue] = [i for i in report.issues if i.code == "decimal.too_precise"]
    assert issue.path == "/lines/0/quantity"
    assert issue.params == {"max_places": str(QUANTITY_PLACES)}


def test_the_gate_takes_six_decimals_and_trailing_zeros() -> None:
    assert validate(_with_quantity("1.000001")).ok
    assert validate(_with_quantity("2.000000000000")).ok


def test_the_memory_stock_store_refuses_what_sql_cannot_hold() -> None:
    ledger = StockLedger()
    with pytest.raises(InvalidQuantity) as refused:
        ledger.receive("S", "W", quantity="0.0000001", operation_id="in", at=START)
    assert refused.value.code == "stock.quantity.invalid"
    assert ledger.positions() == ()
    ledger.receive("S", "W", quantity="0.000001", operation_id="in", at=START)
    assert ledger.available("S") == Decimal("0.000001")


def test_a_shipment_finer_than_the_stores_is_refused_and_changes_nothing() -> None:
    world = make_world()
    order = world.confirmed()
    before = world.state()
    with pytest.raises(RuleViolation) as refused:
        world.service.ship(order.id, lines={"1": "1.0000001"}, actor="W-SH")
    assert refused.value.code == "lifecycle.quantity.too_precise"
    assert refused.value.params == {"line_id": "1", "max_places": QUANTITY_PLACES}
    assert world.state() == before


def test_an_amendment_finer_than_the_stores_is_refused_and_changes_nothing() -> None:
    world = make_world()
    order = world.confirmed()
    before = world.state()
    change = lifecycle.ChangeQuantity(line_id="1", quantity=Decimal("3.00000001"))
    with pytest.raises(RuleViolation) as refused:
        world.service.amend(order.id, [change], actor="S-LI")
    assert refused.value.code == "lifecycle.quantity.too_precise"
    assert world.state() == before
