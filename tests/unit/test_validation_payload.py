"""The payload gate of validation (``salesorder._validation.payload``): its private corners."""

from __future__ import annotations

import json
import re
from typing import ClassVar

import pytest

from salesorder._validation import payload as payload_gate
from salesorder._validation.payload import _translate
from salesorder.errors import ErrorCode, InvalidOrder
from salesorder.order import Order
from salesorder.schema import DEFAULT_LIMITS, STORABLE_TEXT, Limits, OrderDraft, order_json_schema
from salesorder.validation import ValidationContext, validate

VALID = {
    "customer": {"id": "C-1", "name": "Example Trading Ltd"},
    "currency": "CNY",
    "lines": [{"sku": "A", "name": "Tea", "quantity": "2", "unit_price": "10.00"}],
}


def test_conversion_failure_is_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(draft: OrderDraft) -> Order:
        raise InvalidOrder(params={"reason": "test"})

    assert validate(VALID).ok
    monkeypatch.setattr(payload_gate, "to_order", broken)
    assert [issue.code for issue in validate(VALID).issues] == ["order.conversion_failed"]


def test_unmapped_pydantic_errors_become_field_invalid() -> None:
    issue = _translate({"type": "something_new", "loc": ("a", 0), "msg": "x"})
    assert (issue.code, issue.path) == ("field.invalid", "/a/0")


def test_the_schemas_own_error_types_become_their_code_constants() -> None:
    issue = _translate({"type": "decimal.invalid", "loc": ("lines", 0, "quantity"), "msg": "x"})
    assert issue.code == "decimal.invalid"
    assert isinstance(issue.code, ErrorCode)
    assert issue.message("zh_CN") == issue.code.render({}, "zh_CN") != issue.message("en")


class TestAbsurdNumberLiterals:
    """Exponents beyond what ``Decimal`` can hold are refused at their path, never raised."""

    @pytest.mark.parametrize(
        ("payload", "path", "code"),
        [
            (
                b'{"lines":[{"quantity":1e9999999999999999999}]}',
                "/lines/0/quantity",
                "decimal.out_of_range",
            ),
            (
                b'{"lines":[{"unit_price":1E+9999999999999999999}]}',
                "/lines/0/unit_price",
                "decimal.out_of_range",
            ),
            (
                b'{"lines":[{"quantity":-1e9999999999999999999}]}',
                "/lines/0/quantity",
                "decimal.out_of_range",
            ),
            (
                b'{"payment_terms":{"prepayment_percent":-1e-9999999999999999999}}',
                "/payment_terms/prepayment_percent",
                "decimal.too_precise",
            ),
        ],
    )
    def test_an_absurd_exponent_is_an_issue_at_its_path(
        self, payload: bytes, path: str, code: str
    ) -> None:
        report = validate(payload)
        assert not report.ok
        assert (path, code) in {(issue.path, issue.code) for issue in report.issues}

    def test_a_zero_with_an_absurd_exponent_is_zero(self) -> None:
        assert payload_gate._json_decimal("0e99999999999999999999") == 0
        assert payload_gate._json_decimal("-0.0E-99999999999999999999") == 0

    def test_ordinary_literals_stay_exact(self) -> None:
        assert str(payload_gate._json_decimal("12.50")) == "12.50"
        assert str(payload_gate._json_decimal("1e3")) == "1E+3"


class TestAmountsAStoreCanReadBack:
    """Quantity x price beyond what Money holds is refused at the gate, with a code."""

    def _payload(self, *lines: tuple[str, str]) -> dict[str, object]:
        return {
            "customer": {"id": "C-1", "name": "Example Ltd"},
            "currency": "CNY",
            "lines": [
                {"sku": f"SKU-{i}", "name": "Goods", "quantity": q, "unit_price": p}
                for i, (q, p) in enumerate(lines)
            ],
        }

    def test_a_line_too_large_is_refused(self) -> None:
        report = validate(self._payload(("2000", "999999999999.99")))
        assert ("/lines/0", "line.amount.out_of_range") in {
            (issue.path, issue.code) for issue in report.errors
        }
        assert report.order is not None
        assert not report.ok

    def test_lines_that_add_up_too_far_are_refused(self) -> None:
        report = validate(self._payload(("1000", "600000000000"), ("1000", "600000000000")))
        assert [(issue.path, issue.code) for issue in report.errors] == [
            ("/lines", "order.amount.out_of_range")
        ]

    def test_the_largest_order_that_fits_is_accepted(self) -> None:
        report = validate(self._payload(("1000", "999999999999.99")))
        assert report.ok, report.errors


class TestTextADatabaseCanStore:
    PAYLOAD: ClassVar[dict[str, object]] = {
        "customer": {"id": "C-1", "name": "Example Ltd"},
        "currency": "CNY",
        "lines": [{"sku": "TEA-1", "name": "Tea", "quantity": "1", "unit_price": "1.00"}],
    }

    @pytest.mark.parametrize("as_json", [False, True])
    @pytest.mark.parametrize(
        ("where", "path"),
        [
            (("lines", 0, "sku"), "/lines/0/sku"),
            (("customer", "name"), "/customer/name"),
            (("lines", 0, "unit"), "/lines/0/unit"),
        ],
    )
    def test_a_nul_character_is_refused_with_its_code(
        self, where: tuple[str | int, ...], path: str, as_json: bool
    ) -> None:
        payload = json.loads(json.dumps(self.PAYLOAD))
        target = payload
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = "A\x00B"
        report = validate(json.dumps(payload) if as_json else payload)
        assert [(issue.path, issue.code) for issue in report.errors] == [
            (path, "text.not_storable")
        ]

    def test_the_json_schema_says_the_same(self) -> None:
        line = order_json_schema()["$defs"]["LineDraft"]["properties"]["sku"]
        assert line["pattern"] == STORABLE_TEXT
        assert re.fullmatch(STORABLE_TEXT, "A\x00B") is None
        assert re.fullmatch(STORABLE_TEXT, "茶-1 ✓") is not None


class TestIssueAmplification:
    """A payload cannot make the report, the time or the memory grow without bound."""

    @staticmethod
    def _lines(keys: int, count: int) -> bytes:
        line = "{" + ",".join(f'"k{index}":0' for index in range(keys)) + "}"
        return ('{"lines":[' + ",".join([line] * count) + "]}").encode()

    def test_more_members_than_any_order_has_is_refused_before_parsing(self) -> None:
        report = validate(self._lines(120, 1000))  # 972 KB, 120,000 unknown members
        assert [issue.code for issue in report.issues] == ["payload.too_many_members"]

    def test_a_report_lists_at_most_max_issues_then_says_it_was_truncated(self) -> None:
        report = validate(self._lines(13, 1000))
        assert len(report.issues) == DEFAULT_LIMITS.max_issues + 1
        assert report.issues[-1].code == "report.truncated"
        assert report.issues[-1].params["max"] == DEFAULT_LIMITS.max_issues
        tight = validate(
            self._lines(13, 10), context=ValidationContext(limits=Limits(max_issues=5))
        )
        assert [issue.code for issue in tight.issues][-1] == "report.truncated"
        assert len(tight.issues) == 6

    def test_colons_inside_strings_are_not_members(self) -> None:
        notes = ":" * 1500
        payload = {
            "customer": {"id": "C-1", "name": "Example Ltd"},
            "currency": "CNY",
            "notes": notes,
            "lines": [
                {"sku": f"S-{i}", "name": "a:b", "quantity": "1", "unit_price": "1.00"}
                for i in range(1000)
            ],
        }
        report = validate(json.dumps(payload))
        assert report.ok, report.errors[:3]
