"""The gate: OrderDraft parsing, the JSON Schema and the conversion to domain objects."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from salesorder.money import NUMBER_PATTERN, Money
from salesorder.order import Channel, CustomerTier, InvoiceKind, OrderType, PaymentMethod
from salesorder.schema import (
    DEFAULT_LIMITS,
    SCHEMA_DIALECT,
    SCHEMA_ID,
    Limits,
    OrderDraft,
    order_json_schema,
    to_order,
)
from salesorder.validation import validate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "standard-order.json"


class TestOrderDraft:
    def test_parses_the_example_with_exact_decimals(self) -> None:
        draft = OrderDraft.model_validate_json(EXAMPLE.read_bytes())
        assert draft.lines[0].unit_price == Decimal("128.00")
        assert draft.lines[1].quantity == Decimal(5)
        assert draft.requested_delivery_date == date(2026, 12, 15)
        assert draft.payment_terms.method is PaymentMethod.ON_ACCOUNT

    def test_round_trips_through_json(self) -> None:
        draft = OrderDraft.model_validate_json(EXAMPLE.read_bytes())
        dumped = draft.model_dump_json()
        assert '"128.00"' in dumped
        assert OrderDraft.model_validate_json(dumped) == draft

    def test_errors_hide_input_values(self) -> None:
        data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        data["customer"]["contact"]["phone"] = 13800138000
        with pytest.raises(ValidationError) as caught:
            OrderDraft.model_validate(data)
        assert "13800138000" not in str(caught.value)

    def test_reprs_carry_no_personal_data(self) -> None:
        data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        personal = {
            "customer name": "Zhang Wei Trading",
            "contact name": "Li Na",
            "contact phone": "13912345678",
            "contact email": "li.na@example.com",
            "street": "88 Secret Road",
            "recipient": "Wang Fang",
            "tax id": "91310115MA1H7Q5R00",
            "bank account": "6222020200112233",
            "notes": "call Li Na before noon",
        }
        data["customer"]["name"] = personal["customer name"]
        data["customer"]["contact"] = {
            "name": personal["contact name"],
            "phone": personal["contact phone"],
            "email": personal["contact email"],
        }
        address = {
            "city": "Shanghai",
            "street": personal["street"],
            "recipient": personal["recipient"],
            "phone": personal["contact phone"],
        }
        data["customer"]["address"] = address
        data["shipping_address"] = address
        data["billing_address"] = address
        data["invoice"] = {
            "kind": "vat_special",
            "title": personal["customer name"],
            "tax_id": personal["tax id"],
            "bank_name": "Bank",
            "bank_account": personal["bank account"],
            "registered_address": personal["street"],
            "registered_phone": personal["contact phone"],
        }
        data["notes"] = personal["notes"]
        draft = OrderDraft.model_validate(data)
        texts = [repr(draft), str(draft), repr(draft.customer), str(draft.customer.contact)]
        texts += [repr(draft.shipping_address), repr(draft.invoice), repr(draft.customer.address)]
        for what, value in personal.items():
            for text in texts:
                assert value not in text, what
        assert "Shanghai" in repr(draft.shipping_address)  # what is not personal still shows
        assert draft.customer.id in repr(draft)

    def test_python_floats_are_refused(self) -> None:
        data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        data["lines"][0]["unit_price"] = 0.1
        with pytest.raises(ValidationError, match=r"decimal\.float_refused"):
            OrderDraft.model_validate(data)

    def test_enum_values_match_the_domain(self) -> None:
        schema = order_json_schema()["$defs"]
        assert schema["OrderType"]["enum"] == [kind.value for kind in OrderType]
        assert schema["Channel"]["enum"] == [kind.value for kind in Channel]
        assert schema["InvoiceKind"]["enum"] == [kind.value for kind in InvoiceKind]
        assert schema["CustomerTier"]["enum"] == [kind.value for kind in CustomerTier]


class TestJsonSchema:
    def test_forbids_unknown_fields_everywhere(self) -> None:
        schema = order_json_schema()
        assert schema["additionalProperties"] is False
        for name, definition in schema["$defs"].items():
            if definition.get("type") == "object":
                assert definition["additionalProperties"] is False, name

    def test_amounts_are_number_strings_or_json_numbers(self) -> None:
        # validate() reads a JSON number from its exact text (0.1 is 0.1), so the schema
        # takes every JSON number, and number strings in the library's one grammar.
        line = order_json_schema()["$defs"]["LineDraft"]["properties"]
        options = {option.get("type"): option for option in line["quantity"]["anyOf"]}
        assert set(options) == {"string", "number"}
        assert options["string"]["pattern"] == NUMBER_PATTERN
        assert set(order_json_schema()["required"]) == {"customer", "currency", "lines"}

    def test_is_json(self) -> None:
        json.dumps(order_json_schema())


class TestToOrder:
    def test_converts_every_part(self) -> None:
        draft = OrderDraft.model_validate_json(EXAMPLE.read_bytes())
        created = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
        order = to_order(draft, order_id="o-1", number="SO-9", created_at=created)
        assert (order.id, order.number, order.created_at) == ("o-1", "SO-9", created)
        assert order.customer.contact is not None
        assert order.customer.address is not None
        assert order.customer.address.region == "CN/广东省/深圳市"
        assert order.shipping_address is not None
        assert order.billing_address is None
        assert order.lines[0].unit_price == Money("128.00", "CNY")
        assert order.lines[0].tags == frozenset({"gift"})
        assert order.lines[1].requested_discount == Decimal(5)
        assert order.invoice.kind is InvoiceKind.GENERAL
        assert order.payment_terms.due_days == 30
        assert (order.revision, order.version) == (1, 0)

    def test_defaults(self) -> None:
        draft = OrderDraft.model_validate(
            {
                "customer": {"id": "C", "name": "N"},
                "currency": "JPY",
                "lines": [{"sku": "A", "name": "a", "quantity": 1, "unit_price": 100}],
            }
        )
        order = to_order(draft)
        assert len(order.id) == 32
        assert order.number is None
        assert order.customer.contact is None
        assert order.lines[0].line_id == "1"
        assert order.lines[0].unit == "pcs"
        assert order.lines[0].unit_price == Money(100, "JPY")
        assert order.invoice.kind is InvoiceKind.NONE

    def test_line_currency_overrides_the_order_currency(self) -> None:
        draft = OrderDraft.model_validate(
            {
                "customer": {"id": "C", "name": "N"},
                "currency": "CNY",
                "lines": [
                    {"sku": "A", "name": "a", "quantity": 1, "unit_price": "1.5", "currency": "USD"}
                ],
            }
        )
        assert to_order(draft).lines[0].unit_price == Money("1.5", "USD")


class TestLimits:
    def test_defaults(self) -> None:
        assert Limits() == DEFAULT_LIMITS
        assert DEFAULT_LIMITS.max_bytes == 1_000_000
        assert DEFAULT_LIMITS.max_lines == 1000
        assert DEFAULT_LIMITS.max_quantity == Decimal(10**9)

    def test_keyword_only_and_frozen(self) -> None:
        limits = Limits(max_quantity=5)
        assert limits.max_quantity == Decimal(5)
        with pytest.raises(AttributeError):
            limits.max_lines = 3  # type: ignore[misc]
        with pytest.raises(ValueError, match="positive"):
            Limits(max_quantity=-1)


class TestJsonSchemaForClients:
    """What a client validating on its side needs: identity, bounds, plain text, examples."""

    ROOT = Path(__file__).resolve().parents[2]

    def _validator(self) -> jsonschema.Draft202012Validator:
        schema = order_json_schema()
        jsonschema.Draft202012Validator.check_schema(schema)
        return jsonschema.Draft202012Validator(schema)

    def test_names_its_dialect_and_identity(self) -> None:
        schema = order_json_schema()
        assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == SCHEMA_ID
        assert list(schema)[:2] == ["$schema", "$id"]

    def test_lines_are_bounded_as_validate_bounds_them(self) -> None:
        lines = order_json_schema()["properties"]["lines"]
        assert lines["minItems"] == 1
        assert lines["maxItems"] == DEFAULT_LIMITS.max_lines
        payload = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        payload["lines"] = []
        assert not self._validator().is_valid(payload)
        assert "order.lines.empty" in {issue.code for issue in validate(payload).errors}

    def test_descriptions_are_plain_text(self) -> None:
        descriptions: list[str] = []

        def collect(node: object) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "description" and isinstance(value, str):
                        descriptions.append(value)
                    else:
                        collect(value)
            elif isinstance(node, list):
                for item in node:
                    collect(item)

        collect(order_json_schema())
        assert len(descriptions) > 10
        markup = [text for text in descriptions if re.search(r"``|:[a-z]+:`", text)]
        assert markup == []
        assert "A postal address; country is ISO 3166-1 alpha-2 (CN)." in descriptions

    def test_examples_are_the_repositorys_valid_examples(self) -> None:
        files = sorted((self.ROOT / "examples").glob("*.json"))
        examples = order_json_schema()["examples"]
        on_disk = [json.loads(path.read_text(encoding="utf-8")) for path in files]
        assert sorted(map(json.dumps, examples)) == sorted(map(json.dumps, on_disk))
        validator = self._validator()
        for example in examples:
            assert validator.is_valid(example)
            assert validate(example).ok

    def test_the_invalid_examples_that_break_the_shape_fail_the_schema(self) -> None:
        validator = self._validator()
        payload = json.loads(
            (self.ROOT / "examples" / "invalid" / "missing-customer.json").read_text()
        )
        assert not validator.is_valid(payload)

    def test_a_json_number_is_the_schema_shape_and_validate_judges_its_digits(self) -> None:
        # The schema takes every JSON number (validate() re-reads a JSON number's exact
        # text); what it cannot say, more than 12 decimals, validate() refuses.
        text = (self.ROOT / "examples" / "invalid" / "float-amount.json").read_text()
        assert self._validator().is_valid(json.loads(text))
        assert [issue.code for issue in validate(text).errors] == ["decimal.too_precise"]

    def test_each_call_returns_a_new_schema(self) -> None:
        first = order_json_schema()
        first["properties"]["lines"]["minItems"] = 0
        first["examples"].clear()
        second = order_json_schema()
        assert second["properties"]["lines"]["minItems"] == 1
        assert second["examples"]
