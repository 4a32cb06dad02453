"""validate() and the published JSON Schema read numbers with one grammar (issue 13 item 12).

``validate()`` used to take ``"1_000"`` and Arabic-Indic, full-width and Devanagari digits
(Python's ``Decimal()`` does) that ``salesorder schema`` refused, and the schema refused
the JSON numbers with a fraction that ``validate()`` reads exactly on purpose. Now both
follow :data:`salesorder.money.NUMBER_PATTERN` (ASCII digits, an optional sign, fraction
and exponent) and take any JSON number.

The property: a payload that differs from a valid one only in the number at one field
is accepted by the JSON Schema (``jsonschema``, Draft 2020-12) exactly when
``validate()`` reports no grammar or type issue at that field. The limits (magnitude,
decimal places, a quantity's maximum, a percentage's 0-100) are checks ``validate()``
adds on top of the grammar, which a JSON Schema pattern cannot state; they are not
grammar issues and are left out of the comparison.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from salesorder.demo import tea_shop_payload
from salesorder.schema import order_json_schema
from salesorder.validation import validate

jsonschema = pytest.importorskip("jsonschema", reason="the test extra is not installed")

VALIDATOR = jsonschema.Draft202012Validator(order_json_schema())
#: Issues that say the value is not a number of the grammar, or not of a number's type.
GRAMMAR_CODES = frozenset({"decimal.invalid", "decimal.float_refused", "field.type"})
FIELDS = ("quantity", "unit_price", "requested_discount")
MARKER = "__NUMBER__"

DIGITS = "0123456789"
OTHER_DIGITS = "٠١٢٣٤٥٦٧٨٩" + "０１２３４５６７８９" + "०१२३४५६७८९" + "𝟎𝟏𝟐"
NUMBER_TEXT = st.text(
    alphabet=st.sampled_from(DIGITS * 3 + OTHER_DIGITS + "+-.eE_ \t\n\u3000\u00a0,x"),
    max_size=10,
)
WELL_FORMED = st.builds(
    lambda sign, whole, fraction, exponent, pad: f"{pad}{sign}{whole}{fraction}{exponent}{pad}",
    st.sampled_from(["", "+", "-"]),
    st.from_regex(r"[0-9]{0,4}", fullmatch=True),
    st.sampled_from(["", "."]) | st.from_regex(r"\.[0-9]{1,3}", fullmatch=True),
    st.sampled_from(["", "e2", "E-1", "e+0", "e"]),
    st.sampled_from(["", " ", "\t", "\u3000"]),
)
# A JSON number literal as written in the payload's text (read exactly by validate()).
JSON_LITERALS = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False).map(str),
    st.sampled_from(["1e2", "2.5E-1", "-0.0", "1e999", "0.10"]),
)


def _payload_text(field: str, value: str | None, literal: str | None) -> str:
    payload: dict[str, Any] = tea_shop_payload(tea=2, cups=1)
    line = payload["lines"][0]
    line["unit_price"] = "100.00"
    line[field] = value if literal is None else MARKER
    text = json.dumps(payload, ensure_ascii=False)
    return text if literal is None else text.replace(f'"{MARKER}"', literal)


def _agree(text: str, field: str) -> None:
    document = json.loads(text)
    schema_accepts = VALIDATOR.is_valid(document)
    path = f"/lines/0/{field}"
    report = validate(text)
    grammar_refusals = [
        issue.code for issue in report.issues if issue.path == path and issue.code in GRAMMAR_CODES
    ]
    other_shape_issues = [
        issue for issue in report.issues if issue.path != path and issue.code in GRAMMAR_CODES
    ]
    assert not other_shape_issues, "only the generated field differs from a valid payload"
    assert schema_accepts == (not grammar_refusals), (text, grammar_refusals)


@given(st.sampled_from(FIELDS), NUMBER_TEXT | WELL_FORMED)
@example("quantity", "1_000")
@example("quantity", "١٢")
@example("quantity", "１２")
@example("quantity", "१२")
@example("unit_price", " 12.50 ")
@example("unit_price", "\u300012")
@example("requested_discount", "5.")
@example("quantity", "NaN")
@example("quantity", "Infinity")
def test_a_number_as_text_is_read_alike(field: str, value: str) -> None:
    _agree(_payload_text(field, value, None), field)


@given(st.sampled_from(FIELDS), JSON_LITERALS)
@example("unit_price", "0.1")
def test_a_json_number_is_read_alike(field: str, literal: str) -> None:
    _agree(_payload_text(field, None, literal), field)


@pytest.mark.parametrize("digits", ["1_000", "١٢", "１２", "१२", "12\u3000"])
def test_what_decimal_takes_but_the_grammar_does_not_is_refused_by_both(digits: str) -> None:
    assert Decimal(digits.strip())  # Python reads it ...
    text = _payload_text("quantity", digits, None)
    assert not VALIDATOR.is_valid(json.loads(text))  # ... neither the schema ...
    codes = [issue.code for issue in validate(text).issues if issue.path == "/lines/0/quantity"]
    assert codes == ["decimal.invalid"]  # ... nor validate()
