"""Results do not depend on the caller's decimal context.

Each computation runs once under Python's default context and once under a hostile
ambient context (few digits, truncating rounding, ``Inexact`` and ``Rounded`` trapped);
the two results must be identical, and no ``decimal`` signal may escape.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesorder import Money, allocate
from salesorder.documents import rmb_upper
from salesorder.order import Customer, Order, OrderLine
from salesorder.pricing import PriceList, TaxPolicy, price
from salesorder.testing.strategies import (
    DRAFT_CONTEXT,
    PRICING_AT,
    PricingInput,
    defective_payloads,
    money,
    order_drafts,
    pricing_inputs,
)
from salesorder.validation import validate

T = TypeVar("T")

HOSTILE = (
    decimal.Context(prec=6, rounding=decimal.ROUND_DOWN),
    decimal.Context(prec=9, rounding=decimal.ROUND_CEILING),
    decimal.Context(
        prec=12,
        rounding=decimal.ROUND_05UP,
        traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation],
    ),
)


@contextmanager
def ambient(context: decimal.Context) -> Iterator[None]:
    with decimal.localcontext(context):
        yield


def same_everywhere(compute: Callable[[], T]) -> T:
    """``compute()`` under the default context, checked equal under each hostile one."""
    with decimal.localcontext(decimal.Context()):
        expected = compute()
    for context in HOSTILE:
        with ambient(context):
            assert compute() == expected, context
    return expected


@settings(max_examples=25, deadline=None)
@given(pricing_inputs())
def test_pricing_ignores_the_ambient_context(case: PricingInput) -> None:
    def run() -> tuple[object, ...]:
        breakdown = price(case.order, **case.price_kwargs())  # type: ignore[arg-type]
        return (
            breakdown,
            breakdown.grand_total,
            breakdown.tax_total,
            tuple(line.gross for line in breakdown.lines),
            breakdown.explain("en"),
        )

    same_everywhere(run)


@given(
    money(),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).filter(any),
)
def test_allocation_ignores_the_ambient_context(total: Money, weights: list[int]) -> None:
    parts = same_everywhere(lambda: allocate(total, weights))
    assert sum(parts, Money.zero(total.currency)) == total.quantize()


def test_a_large_order_prices_the_same_with_few_digits() -> None:
    """Large amounts with 13 % VAT and a percentage discount: nine digits are not enough."""
    order = Order(
        id="o-1",
        customer=Customer(id="C-1", name="-"),
        currency="CNY",
        lines=(
            OrderLine("1", "A", "a", Decimal(37), requested_discount=Decimal("7.5")),
            OrderLine("2", "B", "b", Decimal("12.5")),
        ),
    )
    price_list = PriceList.of("CNY", [("A", "123456.79"), ("B", "98765.43")])
    for basis in (False, True):
        tax = TaxPolicy(prices_include_tax=basis)
        breakdown = same_everywhere(
            lambda tax=tax: price(order, price_list=price_list, tax=tax, at=PRICING_AT)
        )
        assert breakdown.grand_total > Money("5000000", "CNY")


@pytest.mark.parametrize("factor", [Decimal("0.13"), Decimal(1) / 3, 7])
def test_money_arithmetic_ignores_the_ambient_context(factor: Decimal | int) -> None:
    amount = Money("7243459.28", "CNY")
    same_everywhere(lambda: ((amount * factor).quantize(), amount + amount, amount - amount))


@given(st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2))
def test_amounts_in_chinese_capitals_ignore_the_ambient_context(amount: Decimal) -> None:
    same_everywhere(lambda: rmb_upper(amount))


def test_formatting_money_ignores_the_ambient_context() -> None:
    amount = Money("7243459.285", "CNY")
    same_everywhere(lambda: (amount.format("zh_CN"), amount.format("en_US")))


@settings(max_examples=30, deadline=None)
@given(st.one_of(order_drafts(), defective_payloads().map(lambda case: case[0])))
def test_validation_ignores_the_ambient_context(payload: dict[str, object]) -> None:
    text = json.dumps(payload)

    def run() -> object:
        report = validate(text, context=DRAFT_CONTEXT)
        # The order's id is drawn anew each time; its contents must not differ.
        order = report.order
        return report.to_dict("en"), None if order is None else (order.lines, order.customer)

    same_everywhere(run)


def test_a_quantity_just_over_the_limit_is_refused_in_any_context() -> None:
    # With six digits and truncation, abs(1000000000.5) would round to the limit itself.
    payload = json.dumps({"lines": [{"quantity": "1000000000.5"}], "currency": "CNY"})
    report = same_everywhere(lambda: validate(payload).to_dict("en"))
    codes = {(issue["path"], issue["code"]) for issue in report["issues"]}
    assert ("/lines/0/quantity", "quantity.out_of_range") in codes
