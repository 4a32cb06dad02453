"""Properties of validate(): valid drafts pass, defects are named, nothing raises, no leaks."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from salesorder.tax_id import is_valid_uscc
from salesorder.testing.strategies import (
    DRAFT_CONTEXT,
    defective_payloads,
    order_drafts,
    order_lines,
    unified_social_credit_codes,
)
from salesorder.validation import ValidationReport, validate

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)
KEYS = st.sampled_from(
    ["customer", "lines", "currency", "quantity", "unit_price", "id", "name", "invoice", "kind"]
)
ORDERISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)


@given(order_drafts())
def test_every_valid_draft_validates_clean(payload: dict[str, Any]) -> None:
    report = validate(payload, context=DRAFT_CONTEXT)
    assert report.issues == ()
    assert report.order is not None
    assert len(report.order.lines) == len(payload["lines"])


@given(order_drafts())
def test_json_text_and_dict_agree(payload: dict[str, Any]) -> None:
    from_text = validate(json.dumps(payload), context=DRAFT_CONTEXT)
    assert from_text.issues == ()
    assert from_text.order is not None
    assert [line.quantity for line in from_text.order.lines] == [
        line.quantity
        for line in validate(payload).order.lines  # type: ignore[union-attr]
    ]


@given(defective_payloads())
def test_every_defect_reports_its_code(case: tuple[dict[str, Any], str]) -> None:
    payload, code = case
    report = validate(payload, context=DRAFT_CONTEXT)
    assert code in [issue.code for issue in report.issues]
    assert not report.ok


@given(JSON)
def test_arbitrary_json_values_never_raise(value: object) -> None:
    assert isinstance(validate(value), ValidationReport)
    try:
        text = json.dumps(value)
    except ValueError:  # NaN in strict dumps is fine to skip
        return
    assert isinstance(validate(text), ValidationReport)


@given(ORDERISH)
def test_order_shaped_garbage_never_raises(value: object) -> None:
    assert isinstance(validate(value), ValidationReport)
    if isinstance(value, dict):
        assert isinstance(validate(json.dumps(value)), ValidationReport)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert isinstance(validate(data), ValidationReport)


@given(order_lines())
def test_generated_lines_have_exact_string_amounts(line: dict[str, Any]) -> None:
    assert isinstance(line["quantity"], str)
    assert isinstance(line["unit_price"], str)


@given(unified_social_credit_codes())
def test_generated_credit_codes_are_valid(code: str) -> None:
    assert is_valid_uscc(code)


PERSONAL_KEYS = frozenset(
    {
        "name",
        "phone",
        "email",
        "street",
        "recipient",
        "tax_id",
        "bank_account",
        "registered_address",
        "registered_phone",
        "title",
    }
)


def _personal(value: object, key: str = "") -> list[str]:
    """Every personal value of a payload (product names on lines are not personal)."""
    if isinstance(value, dict):
        found = []
        for name, item in value.items():
            if name != "lines":
                found += _personal(item, name)
        return found
    if isinstance(value, str) and key in PERSONAL_KEYS and len(value) >= 4:
        return [value]
    return []


def _public_text(value: object, key: str = "") -> str:
    """Every value of a payload that is not personal (ids, SKUs, product names), joined."""
    if isinstance(value, dict):
        return "\n".join(_public_text(item, name) for name, item in value.items())
    if isinstance(value, list):
        return "\n".join(_public_text(item, key) for item in value)
    if isinstance(value, str) and key not in PERSONAL_KEYS:
        return value
    return ""


@given(defective_payloads())
def test_no_personal_data_in_reprs_messages_or_dicts(case: tuple[dict[str, Any], str]) -> None:
    payload, _ = case
    report = validate(payload, context=DRAFT_CONTEXT)
    texts = [repr(report), json.dumps(report.to_dict("en")), json.dumps(report.to_dict("zh_CN"))]
    texts += [issue.message("en") + issue.message("zh_CN") for issue in report.issues]
    if report.order is not None:
        texts.append(repr(report.order))
    seen = "\n".join(texts)
    public = _public_text(payload)
    for value in _personal(payload):
        # A personal value that is also part of a public one (phone "12345" inside
        # customer id "C-12345") cannot be told apart in a repr.
        if value not in public:
            assert value not in seen
