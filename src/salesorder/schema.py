"""The gate: pydantic v2 models of an incoming order (``OrderDraft``) and their conversion.

Untrusted JSON (or a dict) is parsed here into :class:`OrderDraft`, then turned into
the attrs domain objects of :mod:`salesorder.order` by one named function,
:func:`to_order`. Business rules never see these models.

Invariants:

* every model forbids unknown fields (``extra="forbid"``) and hides input values in
  its errors (``hide_input_in_errors``), so no personal data leaks through an error;
* money, quantities and percentages are exact ``Decimal``: given as JSON strings or
  integers; a binary ``float`` is refused (code ``decimal.float_refused``);
  :func:`salesorder.validation.validate` re-reads JSON text that holds number literals
  with a fraction from their exact text, never through a binary float;
* NaN, infinities, more than :attr:`Limits.max_decimal_places` decimals, more than
  :attr:`Limits.max_decimal_digits` digits or magnitudes of 10**15 and more are refused
  before any arithmetic;
* enum values are exactly those of :mod:`salesorder.order`.

This module and :mod:`salesorder.validation` are the only ones importing pydantic.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Annotated, Any, Final

import attrs
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    Strict,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from salesorder.inventory import QUANTITY_PLACES, too_precise_quantity
from salesorder.money import MAX_DECIMAL_PLACES, NUMBER_PATTERN, Money, is_currency, is_number_text
from salesorder.order import (
    Address,
    Channel,
    Contact,
    Customer,
    CustomerTier,
    InvoiceInfo,
    InvoiceKind,
    Order,
    OrderDiscount,
    OrderLine,
    OrderType,
    PaymentMethod,
    PaymentTerms,
    new_id,
)

__all__ = [
    "DEFAULT_LIMITS",
    "SCHEMA_DIALECT",
    "SCHEMA_ID",
    "STORABLE_TEXT",
    "AddressDraft",
    "ContactDraft",
    "CustomerDraft",
    "InvoiceDraft",
    "Limits",
    "LineDraft",
    "OrderDiscountDraft",
    "OrderDraft",
    "PaymentTermsDraft",
    "order_json_schema",
    "to_order",
]


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value <= 0:
        msg = f"{attribute.name} must be positive"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class Limits:
    """Bounds that keep a hostile payload cheap to refuse (R20).

    Attributes:
        max_bytes: Largest JSON payload in bytes, checked before parsing.
        max_depth: Deepest bracket nesting of JSON text, checked by a scan before parsing.
        max_lines: Most order lines.
        max_string_length: Longest short text (names, SKUs, phones...), in characters.
            The schema's own caps are those of :data:`DEFAULT_LIMITS`; smaller values
            tighten them at validation time.
        max_text_length: Longest free text (notes, street, terms description).
        max_decimal_digits: Most significant digits of an amount or quantity.
        max_decimal_places: Most decimal places of an amount or quantity.
        max_quantity: Largest absolute quantity of a line.
        max_issues: Most issues one report lists; a report that found more ends with one
            ``report.truncated`` issue instead of the rest.
    """

    max_bytes: int = attrs.field(default=1_000_000, validator=_positive)
    max_depth: int = attrs.field(default=32, validator=_positive)
    max_lines: int = attrs.field(default=1000, validator=_positive)
    max_string_length: int = attrs.field(default=200, validator=_positive)
    max_text_length: int = attrs.field(default=2000, validator=_positive)
    max_decimal_digits: int = attrs.field(default=30, validator=_positive)
    max_decimal_places: int = attrs.field(default=12, validator=_positive)
    max_quantity: Decimal = attrs.field(
        default=Decimal(10) ** 9, converter=Decimal, validator=_positive
    )
    max_issues: int = attrs.field(default=200, validator=_positive)


#: The limits used when none are given.
DEFAULT_LIMITS: Final = Limits()
#: Magnitudes of 10**15 and more are refused (as :data:`salesorder.money.MAX_AMOUNT`).
_MAX_ADJUSTED: Final = 15
#: Longest decimal text looked at; anything longer is refused before ``Decimal()`` sees it.
_MAX_DECIMAL_TEXT: Final = 64
#: Wide enough that normalizing any accepted literal never rounds, whatever the caller's
#: decimal context says.
_NORMALIZE: Final = decimal.Context(prec=_MAX_DECIMAL_TEXT, traps=[decimal.InvalidOperation])


def _limits(info: ValidationInfo) -> Limits:
    context = info.context
    if isinstance(context, Mapping):
        limits = context.get("limits")
        if isinstance(limits, Limits):
            return limits
    return DEFAULT_LIMITS


def _number(value: Any) -> Decimal:
    """The Decimal of a str, int or Decimal; refuse floats, bools and anything else."""
    kind = type(value)
    if kind is str:
        text = value.strip(" \t\n\r")
        if len(text) > _MAX_DECIMAL_TEXT:
            raise PydanticCustomError("decimal.out_of_range", "out of range")
        if not is_number_text(text):
            # One grammar with the JSON Schema: no "1_000", no other scripts' digits.
            raise PydanticCustomError("decimal.invalid", "not a number")
        try:
            return Decimal(text)
        except decimal.InvalidOperation:
            raise PydanticCustomError("decimal.invalid", "not a number") from None
    if kind is int:
        if value.bit_length() > 64:
            raise PydanticCustomError("decimal.out_of_range", "out of range")
        return Decimal(value)
    if kind is Decimal:
        return value  # type: ignore[no-any-return]
    if kind is float:
        raise PydanticCustomError("decimal.float_refused", "float refused")
    raise PydanticCustomError("decimal.invalid", "not a number")


def _decimal(value: Any, info: ValidationInfo) -> Decimal:
    """Parse an exact, finite decimal within the limits."""
    number = _number(value)
    if not number.is_finite():
        raise PydanticCustomError("decimal.invalid", "not finite")
    if not number:
        return number
    if number.adjusted() >= _MAX_ADJUSTED:
        raise PydanticCustomError("decimal.out_of_range", "out of range")
    limits = _limits(info)
    max_places = min(limits.max_decimal_places, MAX_DECIMAL_PLACES)
    too_precise = {"max_places": max_places}
    _, digits, exponent = number.as_tuple()
    if isinstance(exponent, int) and exponent < -max_places:
        # Trailing zeros carry no precision ("1.5000000000000"): drop them before judging.
        number = number.normalize(_NORMALIZE)
        _, digits, exponent = number.as_tuple()
        if isinstance(exponent, int) and exponent < -max_places:
            raise PydanticCustomError("decimal.too_precise", "too precise", too_precise)
    if len(digits) > limits.max_decimal_digits:
        raise PydanticCustomError("decimal.too_precise", "too precise", too_precise)
    return number


def _quantity(value: Any, info: ValidationInfo) -> Decimal:
    number = _decimal(value, info)
    if too_precise_quantity(number):
        # Finer than any store holds (the stock kernel's rule, for every quantity).
        places = min(_limits(info).max_decimal_places, QUANTITY_PLACES)
        raise PydanticCustomError("decimal.too_precise", "too precise", {"max_places": places})
    limit = _limits(info).max_quantity
    if number.copy_abs() > limit:
        raise PydanticCustomError("quantity.out_of_range", "out of range", {"max": str(limit)})
    return number


def _percent(value: Any, info: ValidationInfo) -> Decimal:
    number = _decimal(value, info)
    if not 0 <= number <= 100:
        raise PydanticCustomError("percent.out_of_range", "out of range")
    return number


def _currency(value: Any) -> str:
    if type(value) is not str:
        raise PydanticCustomError("field.type", "expected a string", {"expected": "string"})
    if len(value) != 3 or not is_currency(value):
        raise PydanticCustomError("currency.unknown", "unknown currency")
    return value


def _day(value: Any) -> date:
    """A calendar date: a ``date`` (not a datetime) or ``YYYY-MM-DD`` text; never a number."""
    if type(value) is date:
        return value
    if type(value) is str and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date.invalid", "not a date")


_DECIMAL_JSON: Final = {
    "anyOf": [
        {"type": "string", "pattern": NUMBER_PATTERN},
        # A JSON number is read from its exact text, never through a binary float.
        {"type": "number"},
    ],
    "description": 'An exact decimal, preferably as a string ("12.50"): ASCII digits, '
    "an optional sign, fraction and exponent.",
}

# Serialised as exact strings ("12.50"), the same form the schema asks for.
_AS_TEXT: Final = PlainSerializer(str, return_type=str, when_used="json")
Amount = Annotated[Decimal, PlainValidator(_decimal), _AS_TEXT, WithJsonSchema(_DECIMAL_JSON)]
Quantity = Annotated[Decimal, PlainValidator(_quantity), _AS_TEXT, WithJsonSchema(_DECIMAL_JSON)]
Percent = Annotated[
    Decimal,
    PlainValidator(_percent),
    _AS_TEXT,
    WithJsonSchema({**_DECIMAL_JSON, "description": "A percentage from 0 to 100, exact."}),
]
CurrencyCode = Annotated[
    str,
    PlainValidator(_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"}),
]
#: Text a database can store: everything but NUL (PostgreSQL's text refuses it). Lone
#: surrogates are refused by the parser itself (``field.type``, ``payload.malformed_json``).
STORABLE_TEXT: Final = r"^[^\x00]*$"
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=STORABLE_TEXT)]
Name = Annotated[
    str, Field(min_length=1, max_length=DEFAULT_LIMITS.max_string_length, pattern=STORABLE_TEXT)
]
ShortText = Annotated[
    str, Field(max_length=DEFAULT_LIMITS.max_string_length, pattern=STORABLE_TEXT)
]
LongText = Annotated[str, Field(max_length=DEFAULT_LIMITS.max_text_length, pattern=STORABLE_TEXT)]
Phone = Annotated[str, Field(min_length=1, max_length=40, pattern=STORABLE_TEXT)]
Email = Annotated[str, Field(min_length=1, max_length=254, pattern=STORABLE_TEXT)]
Country = Annotated[str, Field(pattern="^[A-Z]{2}$")]
Day = Annotated[
    date,
    PlainValidator(_day),
    PlainSerializer(date.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date"}),
]


class _Draft(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        hide_input_in_errors=True,
        use_enum_values=False,
    )


class ContactDraft(_Draft):
    """A contact person: name, phone, e-mail."""

    name: Name = Field(repr=False)
    phone: Phone | None = Field(default=None, repr=False)
    email: Email | None = Field(default=None, repr=False)


class AddressDraft(_Draft):
    """A postal address; ``country`` is ISO 3166-1 alpha-2 (``CN``)."""

    country: Country = "CN"
    province: ShortText | None = None
    city: Name
    district: ShortText | None = Field(default=None, repr=False)
    street: Annotated[
        str, Field(min_length=1, max_length=DEFAULT_LIMITS.max_text_length, pattern=STORABLE_TEXT)
    ] = Field(repr=False)
    postal_code: Annotated[str, Field(max_length=16, pattern=STORABLE_TEXT)] | None = Field(
        default=None, repr=False
    )
    recipient: ShortText | None = Field(default=None, repr=False)
    phone: Phone | None = Field(default=None, repr=False)


class CustomerDraft(_Draft):
    """The customer as the order names it."""

    id: Identifier
    name: Name = Field(repr=False)
    tier: CustomerTier = CustomerTier.REGULAR
    contact: ContactDraft | None = Field(default=None, repr=False)
    address: AddressDraft | None = Field(default=None, repr=False)
    is_new: StrictBool = False


class InvoiceDraft(_Draft):
    """Invoice request: kind and the buyer's invoice details (开票信息)."""

    kind: InvoiceKind = InvoiceKind.NONE
    title: ShortText | None = Field(default=None, repr=False)
    tax_id: Annotated[str, Field(max_length=32, pattern=STORABLE_TEXT)] | None = Field(
        default=None, repr=False
    )
    bank_name: ShortText | None = Field(default=None, repr=False)
    bank_account: Annotated[str, Field(max_length=64, pattern=STORABLE_TEXT)] | None = Field(
        default=None, repr=False
    )
    registered_address: LongText | None = Field(default=None, repr=False)
    registered_phone: Phone | None = Field(default=None, repr=False)
    email: Email | None = Field(default=None, repr=False)


class PaymentTermsDraft(_Draft):
    """Payment method and terms."""

    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    due_days: Annotated[int, Strict(), Field(ge=0, le=3650)] = 0
    prepayment_percent: Percent = Decimal(0)
    description: ShortText | None = None


class LineDraft(_Draft):
    """One order line as entered. Amounts are in the order currency unless ``currency`` says."""

    line_id: Identifier | None = None
    sku: Identifier
    name: Name
    specification: ShortText | None = None
    quantity: Quantity
    unit: Annotated[str, Field(min_length=1, max_length=16, pattern=STORABLE_TEXT)] = "pcs"
    unit_price: Amount | None = None
    currency: CurrencyCode | None = None
    requested_discount: Percent | None = None
    tax_code: Annotated[str, Field(min_length=1, max_length=32, pattern=STORABLE_TEXT)] | None = (
        None
    )
    category: ShortText | None = None
    tags: Annotated[
        frozenset[Annotated[str, Field(max_length=64, pattern=STORABLE_TEXT)]], Field(max_length=50)
    ] = frozenset()


def _one_of_percent_and_amount(value: Decimal | None, info: ValidationInfo) -> Decimal | None:
    if (value is None) == (info.data.get("percent") is None):
        raise PydanticCustomError("field.invalid", "give a percent or an amount")
    return value


class OrderDiscountDraft(_Draft):
    """A manual discount on the whole order: a ``percent`` or an ``amount`` (not both)."""

    percent: Percent | None = None
    amount: Annotated[Amount | None, AfterValidator(_one_of_percent_and_amount)] = Field(
        default=None, validate_default=True
    )
    reason: ShortText | None = Field(default=None, repr=False)


#: Most coupon codes one order may carry.
MAX_COUPONS: Final = 10
CouponCode = Annotated[str, Field(min_length=1, max_length=64, pattern=STORABLE_TEXT)]


class OrderDraft(_Draft):
    """An order as entered (订单录入), before any business rule has looked at it."""

    number: Identifier | None = None
    customer: CustomerDraft
    currency: CurrencyCode
    lines: list[LineDraft]
    order_type: OrderType = OrderType.STANDARD
    channel: Channel = Channel.OTHER
    billing_address: AddressDraft | None = Field(default=None, repr=False)
    shipping_address: AddressDraft | None = Field(default=None, repr=False)
    payment_terms: PaymentTermsDraft = PaymentTermsDraft()
    requested_delivery_date: Day | None = None
    invoice: InvoiceDraft = Field(default=InvoiceDraft(), repr=False)
    salesperson: Identifier | None = None
    notes: LongText | None = Field(default=None, repr=False)
    external_ref: Identifier | None = None
    coupons: Annotated[list[CouponCode], Field(max_length=MAX_COUPONS)] = []
    order_discount: OrderDiscountDraft | None = None


SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
"""The ``$schema`` of :func:`order_json_schema`: JSON Schema draft 2020-12."""

SCHEMA_ID: Final = "urn:salesorder:schema:order-draft:1"
"""The ``$id`` of :func:`order_json_schema`; the last part changes when a payload valid
under the previous schema stops being valid."""

# The valid orders of the repository's examples/ directory, shipped with the package
# (a test keeps the copies equal to examples/).
_EXAMPLES: Final = ("standard-order.json", "vat-special-invoice-order.json", "sample-order.json")

_ROLE: Final = re.compile(r":[a-z]+:`~?([\w.]+?)`")
_LITERAL: Final = re.compile(r"``(.+?)``")


def _plain(text: str) -> str:
    """A docstring as plain text: reStructuredText roles and literals become their text."""

    def role(match: re.Match[str]) -> str:
        whole = match.group(0)
        name = match.group(1)
        return name.rsplit(".", 1)[-1] if ":`~" in whole else name

    return _LITERAL.sub(r"\1", _ROLE.sub(role, text))


def _plain_descriptions(node: Any) -> None:
    """Rewrite every ``description`` keyword of a schema in place (not properties so named)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                node[key] = _plain(value)
            elif key == "properties" and isinstance(value, dict):
                for child in value.values():
                    _plain_descriptions(child)
            else:
                _plain_descriptions(value)
    elif isinstance(node, list):
        for item in node:
            _plain_descriptions(item)


def order_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :class:`OrderDraft`.

    For clients and other services: ``$schema`` and ``$id`` (:data:`SCHEMA_ID`) are set,
    descriptions are plain text, ``lines`` has at least one item and at most
    ``DEFAULT_LIMITS.max_lines`` (the rule ``order.lines.empty`` and the payload limit
    ``lines.too_many`` say the same in :func:`~salesorder.validation.validate`),
    and ``examples`` holds the valid example orders of the repository's ``examples/``.

    Returns:
        A new dict each call (JSON-compatible).
    """
    schema = OrderDraft.model_json_schema()
    _plain_descriptions(schema)
    lines = schema["properties"]["lines"]
    lines["minItems"] = 1
    lines["maxItems"] = DEFAULT_LIMITS.max_lines
    folder = resources.files("salesorder") / "_schema_examples"
    examples = [json.loads((folder / name).read_text(encoding="utf-8")) for name in _EXAMPLES]
    return {"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID, **schema, "examples": examples}


def _address(draft: AddressDraft | None) -> Address | None:
    if draft is None:
        return None
    return Address(
        country=draft.country,
        city=draft.city,
        street=draft.street,
        province=draft.province,
        district=draft.district,
        postal_code=draft.postal_code,
        recipient=draft.recipient,
        phone=draft.phone,
    )


def _money(amount: Decimal, currency: str) -> Money:
    # The draft's validators already enforce Money's invariants (finite, < 10**15, at most
    # MAX_DECIMAL_PLACES decimals, a known upper-case currency): skip parsing them again.
    return Money._exact(amount, currency)


def _line(draft: LineDraft, index: int, currency: str) -> OrderLine:
    price = draft.unit_price
    return OrderLine(
        line_id=draft.line_id if draft.line_id is not None else str(index + 1),
        sku=draft.sku,
        name=draft.name,
        quantity=draft.quantity,
        unit=draft.unit,
        unit_price=None if price is None else _money(price, draft.currency or currency),
        specification=draft.specification,
        requested_discount=draft.requested_discount,
        tax_code=draft.tax_code,
        category=draft.category,
        tags=draft.tags,
    )


def to_order(
    draft: OrderDraft,
    *,
    order_id: str | None = None,
    number: str | None = None,
    created_at: datetime | None = None,
) -> Order:
    """Turn a parsed draft into the domain :class:`~salesorder.order.Order`.

    Lines without a ``line_id`` get their 1-based position as id. Nothing is
    checked here beyond what the draft already guarantees: business rules run on
    the result (:func:`salesorder.validation.validate`).

    Args:
        draft: The parsed draft.
        order_id: Internal id to use; a new random id by default.
        number: Order number; the draft's ``number`` by default.
        created_at: When the order was entered (the caller's clock).

    Returns:
        A new order at revision 1, version 0.

    Raises:
        InvalidMoney: if an amount is outside what :class:`~salesorder.money.Money` accepts
            (only possible with a draft built around the model's validators).
    """
    source = draft.customer
    contact = source.contact
    customer = Customer(
        id=source.id,
        name=source.name,
        tier=source.tier,
        contact=None
        if contact is None
        else Contact(name=contact.name, phone=contact.phone, email=contact.email),
        address=_address(source.address),
        is_new=source.is_new,
    )
    invoice = draft.invoice
    terms = draft.payment_terms
    currency = draft.currency
    return Order(
        id=order_id if order_id is not None else new_id(),
        number=number if number is not None else draft.number,
        customer=customer,
        currency=currency,
        lines=tuple(_line(line, index, currency) for index, line in enumerate(draft.lines)),
        order_type=draft.order_type,
        channel=draft.channel,
        billing_address=_address(draft.billing_address),
        shipping_address=_address(draft.shipping_address),
        payment_terms=PaymentTerms(
            method=terms.method,
            due_days=terms.due_days,
            prepayment_percent=terms.prepayment_percent,
            description=terms.description,
        ),
        requested_delivery_date=draft.requested_delivery_date,
        invoice=InvoiceInfo(
            kind=invoice.kind,
            title=invoice.title,
            tax_id=invoice.tax_id,
            bank_name=invoice.bank_name,
            bank_account=invoice.bank_account,
            registered_address=invoice.registered_address,
            registered_phone=invoice.registered_phone,
            email=invoice.email,
        ),
        salesperson=draft.salesperson,
        notes=draft.notes,
        external_ref=draft.external_ref,
        created_at=created_at,
        coupons=tuple(code.strip().upper() for code in draft.coupons),
        order_discount=_order_discount(draft.order_discount, currency),
    )


def _order_discount(draft: OrderDiscountDraft | None, currency: str) -> OrderDiscount | None:
    if draft is None:
        return None
    return OrderDiscount(
        percent=draft.percent,
        amount=None if draft.amount is None else _money(draft.amount, currency),
        reason=draft.reason,
    )
