"""The payload gate of validation (``salesorder._validation.payload``): its private corners."""

from __future__ import annotations

import pytest

from salesorder._validation import payload as payload_gate
from salesorder._validation.payload import _translate
from salesorder.errors import ErrorCode, InvalidOrder
from salesorder.order import Order
from salesorder.schema import OrderDraft
from salesorder.validation import validate

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
