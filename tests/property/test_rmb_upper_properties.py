"""rmb_upper reads back: an independent parser of the capitals recovers the amount."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salesorder.documents import rmb_upper
from salesorder.testing.strategies import amounts

DIGIT = {ch: value for value, ch in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def parse_upper(text: str) -> Decimal:
    """Read capitals back to a Decimal, written without looking at rmb_upper's code."""
    body = text.removesuffix("整")
    yuan_text, _, fraction = body.rpartition("元") if "元" in body else ("", "", body)
    total = 0  # whole 亿 multiples collected so far
    wan = 0  # whole 万 multiples collected since the last 亿
    section = 0  # value below 万 collected since the last 万/亿
    digit = 0
    for ch in yuan_text:
        if ch in DIGIT:
            digit = DIGIT[ch]
        elif ch in SMALL_UNIT:
            section += digit * SMALL_UNIT[ch]
            digit = 0
        elif ch == "万":
            wan += (section + digit) * 10**4
            section = digit = 0
        elif ch == "亿":
            # 亿 multiplies everything before it (壹万亿 = 10**12).
            total = (total + wan + section + digit) * 10**8
            wan = section = digit = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text!r}")
    yuan = total + wan + section + digit
    cents = 0
    for value, unit in re.findall(r"([零壹贰叁肆伍陆柒捌玖])([角分])", fraction):
        cents += DIGIT[value] * (10 if unit == "角" else 1)
    leftover = re.sub(r"[壹贰叁肆伍陆柒捌玖][角分]", "", fraction).replace("零", "", 1)
    assert leftover == "", text
    return Decimal(yuan) + Decimal(cents) / 100


two_places = st.integers(min_value=0, max_value=2).flatmap(
    lambda places: amounts(places=places, min_value=0, max_value=10**12)
)


@given(two_places)
def test_capitals_read_back_to_the_amount(amount: Decimal) -> None:
    assert parse_upper(rmb_upper(amount)) == amount


@given(two_places)
def test_a_credit_amount_reads_back_negative(amount: Decimal) -> None:
    text = rmb_upper(-amount, allow_negative=True)
    if amount:
        assert text.startswith("负")
        assert -parse_upper(text.removeprefix("负")) == -amount
    else:
        assert text == "零元整"


@given(st.integers(min_value=0, max_value=10**13 - 1), st.integers(min_value=0, max_value=99))
def test_capitals_read_back_across_the_whole_range(yuan: int, cents: int) -> None:
    amount = Decimal(yuan) + Decimal(cents) / 100
    assert parse_upper(rmb_upper(amount)) == amount


@given(two_places)
def test_capitals_are_canonical(amount: Decimal) -> None:
    text = rmb_upper(amount)
    assert "零零" not in text
    # A zero is never written right before a unit or at the end.
    assert not re.search(r"零[拾佰仟万亿元角分整]", text) or text == "零元整"
    assert not text.endswith("零")
    # 整 closes exactly the amounts without 分.
    assert text.endswith("整") != text.endswith("分")
    assert set(text) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    # Every 拾 has its digit in front (壹拾, never a bare 拾).
    assert not re.search(r"(^|[^壹贰叁肆伍陆柒捌玖])拾", text)


@given(st.integers(min_value=1, max_value=10**12))
def test_larger_whole_amounts_never_read_shorter(yuan: int) -> None:
    # Sanity against a parser that ignores units: the digits written are the non-zero digits.
    text = rmb_upper(yuan)
    written = [DIGIT[ch] for ch in text if ch in DIGIT and ch != "零"]
    assert written == [int(d) for d in str(yuan) if d != "0"]


@given(two_places.filter(bool))
def test_one_zero_per_gap_between_non_zero_digits(amount: Decimal) -> None:
    # The house rule in one line: every run of zeros between two non-zero digits (元 and
    # 角分 read as one digit string) is written as exactly one 零; no other 零 is written.
    digits = str(int(amount * 100)).strip("0")
    assert rmb_upper(amount).count("零") == len(re.findall(r"0+", digits))
