"""Generated from docs/validation.md by scripts/extract_docs_examples.py: do not edit."""

from pathlib import Path
from salesorder import validate

report = validate(Path("examples/standard-order.json").read_bytes())
assert report.ok                       # no error (warnings and approval reasons allowed)
assert report.issues == ()
order = report.order                   # the domain Order, ready for pricing and the lifecycle
assert order is not None               # None only when the payload could not be read
print(order.number, len(order.lines))  # SO-202611-000123 2

from salesorder import validate

payload = {
    "customer": {"id": "C-1", "name": "Example Trading Ltd"},
    "currency": "CNY",
    "lines": [
        {"line_id": "1", "sku": "TEA-1", "name": "Tea", "quantity": "0", "unit_price": "10.00"},
        {"line_id": "2", "sku": "CUP-6", "name": "Cups", "quantity": "1.5", "unit": "套",
         "unit_price": "86.50"},
    ],
    "discount": "10",
}
report = validate(payload)
assert not report.ok and report.order is None      # the shape was wrong: no order
for issue in report.issues:
    print(issue.severity, issue.path, issue.code, issue.message("zh_CN"))
# error /discount field.extra_forbidden 不允许此字段。

payload.pop("discount")
report = validate(payload)
assert [(i.path, i.code) for i in report.errors] == [
    ("/lines/0/quantity", "line.quantity.not_positive"),
    ("/lines/1/quantity", "line.quantity.not_whole"),
]
print(report.errors[1].message("en"))
# Unit 套 is counted in whole pieces; the quantity must be a whole number.
print(report.to_dict("en")["error_count"])   # 2 — JSON-ready, without the order itself

from salesorder import validate
from salesorder.demo import tea_shop_payload

grouped = tea_shop_payload()
grouped["lines"][0]["quantity"] = "1_000"
assert [issue.code for issue in validate(grouped).errors] == ["decimal.invalid"]

from salesorder import validate

text = b'''{"customer": {"id": "C-1", "name": "N"}, "currency": "CNY",
  "lines": [{"sku": "A", "name": "a", "quantity": 1, "unit_price": 0.1}]}'''
order = validate(text).order
assert order is not None and order.lines[0].unit_price is not None
assert str(order.lines[0].unit_price.amount) == "0.1"

from datetime import date
from decimal import Decimal
from salesorder import Money, validate
from salesorder.validation import (
    CreditPolicy, CreditStatus, Severity, StockPolicy, ValidationContext,
)

payload = {
    "customer": {"id": "C-1", "name": "Example Trading Ltd"},
    "currency": "CNY",
    "requested_delivery_date": "2026-12-01",
    "lines": [{"sku": "TEA-1", "name": "Tea", "quantity": "30", "unit_price": "9.00"}],
}
context = ValidationContext(
    today=date(2026, 11, 20),
    credit=lambda customer_id: CreditStatus(
        exposure=Money("800.00", "CNY"), limit=Money("1000.00", "CNY")
    ),
    credit_policy=CreditPolicy.REQUIRE_APPROVAL,   # or CreditPolicy.REJECT
    availability=lambda sku: Decimal(20),
    stock_policy=StockPolicy.WARN_BACKORDER,       # or StockPolicy.REJECT
    price_floor=lambda order, line: Money("9.50", order.currency),
)
report = validate(payload, context=context)
assert report.ok                                   # nothing is an error here ...
assert [i.code for i in report.needs_approval] == ["price.below_floor", "credit.limit_exceeded"]
assert [i.code for i in report.warnings] == ["stock.backorder"]
print(report.warnings[0].message("en"))
# SKU TEA-1: 30 requested, 20 available; the rest will be backordered.

from collections.abc import Iterator
from salesorder import Issue, Order, validate
from salesorder.errors import define_code
from salesorder.validation import Severity, ValidationContext, default_rules, rule

PO_REQUIRED = define_code(
    "acme.po_required",
    en="Orders from this channel need the customer's PO number.",
    zh="该渠道的订单必须提供客户采购订单号。",
)

@rule("acme.po_required", description="EDI orders carry a PO number.")
def po_required(order: Order, context: ValidationContext) -> Iterator[Issue]:
    if order.channel == "edi" and not order.external_ref:
        yield Issue(PO_REQUIRED, "/external_ref")

rules = (
    default_rules()
    .disable("line.sku.duplicate")                    # we merge duplicate SKUs ourselves
    .regrade("line.price.zero", Severity.WARNING)     # free goods are fine, but flag them
    .add(po_required)
)
payload = {
    "customer": {"id": "C-1", "name": "N"}, "currency": "CNY", "channel": "edi",
    "lines": [{"sku": "A", "name": "a", "quantity": "1", "unit_price": "0"},
              {"sku": "A", "name": "a", "quantity": "2", "unit_price": "5"}],
}
report = validate(payload, rules=rules)
assert [(i.code, i.severity) for i in report.issues] == [
    ("line.price.zero", Severity.WARNING),
    ("acme.po_required", Severity.ERROR),
]

from salesorder import validate
from salesorder.schema import Limits
from salesorder.validation import ValidationContext

assert validate(b"[" * 100_000 + b"]" * 100_000).issues[0].code == "payload.too_deep"
assert validate(b" " * 10_000_000).issues[0].code == "payload.too_large"

strict = ValidationContext(limits=Limits(max_bytes=64_000, max_lines=100, max_string_length=80))
assert validate(b"{}", context=strict).issues[0].code == "field.missing"

import json
from salesorder.schema import SCHEMA_ID, order_json_schema

schema = order_json_schema()
assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
assert schema["$id"] == SCHEMA_ID
assert schema["additionalProperties"] is False
assert set(schema["required"]) == {"customer", "currency", "lines"}
assert schema["properties"]["lines"]["minItems"] == 1
assert schema["examples"][0]["number"] == "SO-202611-000123"
print(json.dumps(schema)[:40])
