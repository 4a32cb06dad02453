"""Generated from docs/money.md by scripts/extract_docs_examples.py: do not edit."""

from decimal import Decimal
from salesorder.money import Money

Money("12.30", "CNY")          # from a string
Money(5, "USD")                # from an int
Money(Decimal("0.1"), "EUR")   # from a Decimal
Money.zero("JPY")

import pytest
from salesorder.errors import FloatRefused, InvalidMoney
from salesorder.money import Money

with pytest.raises(FloatRefused):
    Money(0.1, "CNY")  # type: ignore[arg-type]  # mypy refuses it too
with pytest.raises(InvalidMoney):
    Money("1e1000000", "CNY")

from decimal import Decimal
from salesorder.money import Money

subtotal = Money("19.99", "CNY") * 3 + Money("0.03", "CNY")
assert subtotal == Money("60.00", "CNY")
assert Money("1", "CNY") != Money("1", "USD")

import decimal
from salesorder.errors import InvalidMoney
from salesorder.money import Money

try:
    Money("999999999999.99", "CNY") * 2000
except InvalidMoney as error:
    assert error.code == "money.invalid_amount"
with decimal.localcontext(decimal.Context(prec=3, traps=[decimal.Inexact])):
    assert (Money("7243459.285", "CNY") * 1).quantize() == Money("7243459.29", "CNY")

from salesorder.money import Money, RoundingMode

assert Money("2.345", "CNY").quantize() == Money("2.35", "CNY")
assert Money("2.345", "CNY").quantize(RoundingMode.HALF_EVEN) == Money("2.34", "CNY")
assert Money("1234.5", "JPY").quantize() == Money("1235", "JPY")
assert Money("1.2345", "KWD").quantize() == Money("1.235", "KWD")

from salesorder.money import Money, allocate

parts = allocate(Money("100.00", "CNY"), [1, 1, 1])
assert [str(p.amount) for p in parts] == ["33.34", "33.33", "33.33"]
assert sum(parts, Money.zero("CNY")) == Money("100.00", "CNY")

from salesorder.money import Money

assert Money("1234.5", "CNY").format("zh_CN") == "¥1,234.50"
assert Money("1234.5", "CNY").format("en_US") == "CN¥1,234.50"
