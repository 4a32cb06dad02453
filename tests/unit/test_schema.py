"""The gate: OrderDraft parsing, the JSON Schema and the conversion to domain objects."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from salesorder.money import NUMBER_PATTERN, Money
from salesorder.order import Channel, CustomerTier, InvoiceKind, OrderType, PaymentMethod
from salesorder.schema import DEFAULT_LIMITS, Limits, OrderDraft, order_json_schema, to_order

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
