import json
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

from salesorder.codec import decode, encode
from salesorder.events import DomainEvent, OrderApproved, OrderEvent, OrderSubmitted
from salesorder.money import Money
from salesorder.order import (
    Address,
    Contact,
    Customer,
    CustomerTier,
    InvoiceInfo,
    InvoiceKind,
    Order,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
)


def full_order() -> Order:
    address = Address(country="CN", city="上海市", street="某路1号", province="上海市")
    return Order(
        id="o-1",
        number="SO-202611-000001",
        customer=Customer(
            id="C-1",
            name="某公司",
            tier=CustomerTier.VIP,
            contact=Contact(name="李四", phone="13800000000"),
            address=address,
            is_new=True,
        ),
        currency="CNY",
        lines=(
            OrderLine(
                "1",
                "SKU-1",
                "Widget",
                Decimal("2.50"),
                unit="kg",
                unit_price=Money("9.90", "CNY"),
                requested_discount=Decimal(5),
                tags=frozenset({"b", "a"}),
            ),
        ),
        shipping_address=address,
        payment_terms=PaymentTerms(method=PaymentMethod.ALIPAY, due_days=30),
        requested_delivery_date=date(2026, 12, 1),
        invoice=InvoiceInfo(kind=InvoiceKind.VAT_SPECIAL, tax_id="91350100M000100Y43"),
        created_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        version=3,
    )


def test_order_round_trips_through_json_text() -> None:
    order = full_order()
    data = json.loads(json.dumps(encode(order)))
    back = decode(Order, data)
    assert attrs.asdict(back, recurse=False) == attrs.asdict(order, recurse=False)


def test_amounts_are_strings_not_floats() -> None:
    data = encode(full_order())
    assert data["lines"][0]["quantity"] == "2.50"
    assert data["lines"][0]["unit_price"] == {"amount": "9.90", "currency": "CNY"}
    assert data["lines"][0]["tags"] == ["a", "b"]


@pytest.mark.parametrize(
    ("target", "data"),
    [(Decimal, 1.5), (int, "1"), (bool, 1), (Order, []), (str, None)],
)
def test_mismatched_data_is_a_type_error(target: type, data: object) -> None:
    with pytest.raises(TypeError):
        decode(target, data)


def test_containers_and_unions() -> None:
    assert decode(tuple[int, str], [1, "a"]) == (1, "a")
    assert decode(list[Decimal], ["1"]) == [Decimal(1)]
    assert decode(frozenset[str], ["x"]) == frozenset({"x"})
    assert decode(dict[str, Decimal], {"a": "1"}) == {"a": Decimal(1)}
    assert decode(int | None, None) is None
    assert decode(Decimal | None, "2") == Decimal(2)
    assert decode(object, {"k": 1}) == {"k": 1}
    with pytest.raises(TypeError):
        decode(int | None, "x")
    assert encode({"k": {1, 2}}) == {"k": [1, 2]}


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError):
        encode(object())
    with pytest.raises(TypeError):
        decode(complex, "1")


def test_an_event_stored_under_its_base_type_comes_back_as_its_own_class() -> None:
    event = OrderSubmitted(
        occurred_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        order_id="o-1",
        actor="u-1",
        source="draft",
        target="pending_approval",
        required_levels=("finance",),
    )
    stored = json.loads(json.dumps(encode(event)))
    for base in (DomainEvent, OrderEvent, OrderSubmitted):
        back = decode(base, stored)
        assert type(back) is OrderSubmitted
        assert back == event
    with pytest.raises(TypeError):
        decode(OrderApproved, stored)  # the data names a class that is no OrderApproved


@pytest.mark.parametrize(
    ("target", "data"),
    [
        (tuple[int, ...], None),
        (tuple[int, str], [1]),
        (Money, {"amount": "1"}),
        (Money | None, {"currency": "CNY"}),
        (Decimal, True),
        (int, True),
        (str | None, 3),
        (datetime | None, "not a date"),
    ],
)
def test_decoders_built_once_still_refuse_data_that_does_not_fit(
    target: object, data: object
) -> None:
    # The same type twice: the second call goes through the decoder the first one built.
    for _ in range(2):
        with pytest.raises((TypeError, KeyError, ValueError)):
            decode(target, data)


def test_a_union_tries_its_other_options_before_an_undecodable_one() -> None:
    assert decode(int | complex, 3) == 3
    with pytest.raises(TypeError):
        decode(int | complex, "3")


def test_repeated_amounts_decode_to_equal_values_whatever_was_decoded_before() -> None:
    assert decode(Decimal, "1.50") == Decimal("1.50")
    assert str(decode(Decimal, "1.5")) == "1.5"  # a cached "1.50" does not answer for "1.5"
    assert decode(Decimal, 1) == Decimal(1)
    assert str(decode(Money, {"amount": "2.10", "currency": "CNY"}).amount) == "2.10"
    assert decode(Money, {"amount": "2.1", "currency": "CNY"}).amount.as_tuple().exponent == -1


# --- compact documents (omit_defaults) -------------------------------------------


def _stored_classes(root: type) -> list[type]:
    """Every attrs class an instance of ``root`` can hold, ``root`` first."""
    import typing

    found: list[type] = []

    def walk(hint: object) -> None:
        for arg in typing.get_args(hint):
            walk(arg)
        if isinstance(hint, type) and attrs.has(hint) and hint not in found:
            found.append(hint)
            for field_type in typing.get_type_hints(hint).values():
                walk(field_type)

    walk(root)
    return found


def test_a_compact_document_reads_back_field_by_field() -> None:
    for order in (
        full_order(),
        Order(id="o-2", customer=Customer("C", "n"), currency="CNY", lines=()),
    ):
        compact = json.loads(json.dumps(encode(order, omit_defaults=True)))
        back = decode(Order, compact)
        assert attrs.asdict(back, recurse=False) == attrs.asdict(order, recurse=False)
        assert encode(back) == encode(order)


def test_a_compact_document_leaves_out_exactly_the_fields_at_their_default() -> None:
    order = Order(id="o-3", customer=Customer("C", "n"), currency="CNY", lines=())
    assert encode(order, omit_defaults=True) == {
        "id": "o-3",
        "customer": {"id": "C", "name": "n"},
        "currency": "CNY",
        "lines": [],
    }
    # A value equal to the default but written differently is kept as written.
    terms = PaymentTerms(prepayment_percent=Decimal("0.00"))
    assert encode(terms, omit_defaults=True) == {"prepayment_percent": "0.00"}
    assert str(decode(PaymentTerms, encode(terms, omit_defaults=True)).prepayment_percent) == "0.00"
    # Full documents, as stored before compact ones, still read.
    assert decode(Order, encode(order)) == order


def test_events_keep_every_field_even_when_compact() -> None:
    event = OrderSubmitted(
        occurred_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        order_id="o-1",
        actor="u-1",
        source="draft",
        target="pending_approval",
    )
    assert encode(event, omit_defaults=True) == encode(event)
    assert "required_levels" in encode(event)


def test_stored_defaults_are_pinned() -> None:
    """A compact document means "default" by leaving a field out: changing a default would
    change what every stored document says. Change one only with a migration of the stored
    documents, then update ``stored_defaults.json``."""
    from pathlib import Path

    from salesorder.lifecycle import TransitionResult
    from salesorder.quotes import Quote

    pinned_file = Path(__file__).with_name("stored_defaults.json")
    current = {
        f"{cls.__module__}.{cls.__qualname__}": {
            field.name: encode(field.default, omit_defaults=True)
            for field in attrs.fields(cls)
            if field.default is not attrs.NOTHING and not isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
        }
        # An order's idempotency results are stored too (a field typed ``object``).
        for root in (Order, Quote, TransitionResult)
        for cls in _stored_classes(root)
    }
    pinned = json.loads(pinned_file.read_text(encoding="utf-8"))
    changed = {
        f"{cls}.{name}": (default, current.get(cls, {}).get(name, "(no default now)"))
        for cls, defaults in pinned.items()
        for name, default in defaults.items()
        if current.get(cls, {}).get(name, "(no default now)") != default
    }
    # A changed or removed default changes the meaning of every stored document that
    # leaves the field out: migrate the stored documents first (write the old default
    # out), then update the pinned file.
    assert changed == {}
    # A new field or class with a default is fine: pin it (add it to the file).
    unpinned = {f"{cls}.{name}" for cls, defaults in current.items() for name in defaults} - {
        f"{cls}.{name}" for cls, defaults in pinned.items() for name in defaults
    }
    assert unpinned == set()


def test_invoice_lines_under_a_tax_group_round_trip_with_their_taxes() -> None:
    from salesorder.records import InvoiceDocument, InvoiceLine, RateTotal, TaxPart

    cny = Money("0", "CNY").currency
    line = InvoiceLine(
        "1", "WINE", "wine", None, "pcs", Decimal(2), Money("100.00", cny),
        Money("200.00", cny), Decimal("0.23"), Money("49.60", cny),
        (TaxPart("CT", Decimal("0.10"), Money("20.00", cny)),
         TaxPart("VAT13", Decimal("0.13"), Money("28.60", cny)),
         TaxPart("DEPOSIT", Decimal(0), Money("1.00", cny))),
    )  # fmt: skip
    document = InvoiceDocument(
        number="INV-1",
        order_id="o-1",
        order_number="SO-1",
        customer_id="C-1",
        kind="general",
        currency=cny,
        issued_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
        due_on=date(2026, 12, 4),
        lines=(line,),
        tax_by_rate=(RateTotal(Decimal("0.10"), Money("200.00", cny), Money("20.00", cny), "CT"),),
        net_total=Money("200.00", cny),
        tax_total=Money("49.60", cny),
    )
    assert decode(InvoiceDocument, json.loads(json.dumps(encode(document)))) == document
    # Documents stored before tax parts were kept read back with none.
    stored = encode(document)
    del stored["lines"][0]["taxes"]
    del stored["tax_by_rate"][0]["code"]
    old = decode(InvoiceDocument, stored)
    assert old.lines[0].taxes == ()
    assert old.tax_by_rate[0].code is None
