"""人民币大写 spelled out exactly (kills mutants of ``rmb_upper`` and its helpers).

The property test reads the capitals back as a number, which accepts more than one
spelling; these fix the one the function promises, digit by digit and unit by unit,
and every refusal with its code and parameters (issue 13, mutation testing).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesorder.documents import RMB_UPPER_LIMIT, DocumentError, rmb_upper
from salesorder.money import Money

SPELLINGS = [
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("19", "壹拾玖元整"),
    ("100", "壹佰元整"),
    ("101", "壹佰零壹元整"),
    ("110", "壹佰壹拾元整"),
    ("1001", "壹仟零壹元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1100", "壹仟壹佰元整"),
    ("9999", "玖仟玖佰玖拾玖元整"),
    ("2345678", "贰佰叁拾肆万伍仟陆佰柒拾捌元整"),
    ("10000", "壹万元整"),
    ("10001", "壹万零壹元整"),
    ("10010", "壹万零壹拾元整"),
    ("20000", "贰万元整"),
    # The lower group starts with a zero (below a tenth of the base): one 零.
    ("10950", "壹万零玖佰伍拾元整"),
    ("10909", "壹万零玖佰零玖元整"),
    ("109500000", "壹亿零玖佰伍拾万元整"),
    ("100000", "壹拾万元整"),
    ("100100", "壹拾万零壹佰元整"),
    ("105000", "壹拾万零伍仟元整"),
    ("1000000", "壹佰万元整"),
    ("10000000", "壹仟万元整"),
    ("100000000", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("1000010000", "壹拾亿零壹万元整"),
    ("1200000000", "壹拾贰亿元整"),
    ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("0.01", "壹分"),
    ("0.05", "伍分"),
    ("0.10", "壹角整"),
    ("0.50", "伍角整"),
    ("0.56", "伍角陆分"),
    ("1.50", "壹元伍角整"),
    ("1.500", "壹元伍角整"),
    ("1.56", "壹元伍角陆分"),
    ("10.50", "壹拾元零伍角整"),
    ("1.05", "壹元零伍分"),
    ("10.05", "壹拾元零伍分"),
    ("100.01", "壹佰元零壹分"),
    ("3.78", "叁元柒角捌分"),
    ("4.2", "肆元贰角整"),
]


@pytest.mark.parametrize(("amount", "capitals"), SPELLINGS)
def test_spellings(amount: str, capitals: str) -> None:
    assert rmb_upper(amount) == capitals
    assert rmb_upper(Money(amount, "CNY")) == capitals
    assert rmb_upper(Decimal(amount)) == capitals


def test_negative_amounts_only_when_allowed() -> None:
    assert rmb_upper(-113, allow_negative=True) == "负壹佰壹拾叁元整"
    assert rmb_upper("-0.05", allow_negative=True) == "负伍分"
    assert rmb_upper(0, allow_negative=True) == "零元整"
    with pytest.raises(DocumentError) as caught:
        rmb_upper("-0.01")
    assert caught.value.code == "document.rmb_upper.negative"
    assert caught.value.params == {}


def test_the_limit_is_exclusive_on_both_sides() -> None:
    assert Decimal(10) ** 13 == RMB_UPPER_LIMIT
    assert rmb_upper(RMB_UPPER_LIMIT - Decimal("0.01")).startswith("玖万玖仟")
    for amount in (RMB_UPPER_LIMIT, -RMB_UPPER_LIMIT):
        with pytest.raises(DocumentError) as caught:
            rmb_upper(amount, allow_negative=True)
        assert caught.value.code == "document.rmb_upper.out_of_range"
        assert caught.value.params == {"limit": "10000000000000"}


@pytest.mark.parametrize("amount", ["0.001", "1.005", "-0.001"])
def test_finer_than_a_fen_is_refused(amount: str) -> None:
    with pytest.raises(DocumentError) as caught:
        rmb_upper(amount, allow_negative=True)
    assert caught.value.code == "document.rmb_upper.too_precise"
    assert caught.value.params == {}


def test_money_in_another_currency_is_named() -> None:
    with pytest.raises(DocumentError) as caught:
        rmb_upper(Money("1", "USD"))
    assert caught.value.code == "document.rmb_upper.not_cny"
    assert caught.value.params == {"currency": "USD"}
