"""Checks of the plain Python arguments of public entry points, in one place.

A payload is checked by the gate (:mod:`salesorder.validation`); the other arguments of
a command (actor, reason, carrier, idempotency key, order id, line quantities) come
straight from the host's code. Both the lifecycle commands and
:class:`~salesorder.service.OrderService` check them here, before anything is written,
so that what a command accepts can always be stored and read back: text is ``str``
without NUL (PostgreSQL's text refuses it) and without an unpaired surrogate (no UTF-8
driver can encode one), and a mapping is a mapping.

Errors name the argument and what is wrong with it, never its value (an actor or a
reason may be personal data): :class:`~salesorder.errors.ArgumentTypeError` (a
``TypeError``) and :class:`~salesorder.errors.InvalidArgument` (a ``ValueError``).
"""

from __future__ import annotations

import decimal
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs

from salesorder.errors import (
    ARGUMENT_NOT_A_CHOICE,
    ARGUMENT_NOT_STORABLE,
    ArgumentTypeError,
    InvalidArgument,
    define_phrase,
)

__all__ = [
    "choice",
    "fingerprint",
    "instance_of",
    "iterable",
    "mapping",
    "optional_text",
    "optional_texts",
    "storable_text",
    "unstorable_at",
    "wrong_type",
]

#: The names ``{argument}`` gives in ``argument.*`` messages (terms of the catalogs, so a
#: Chinese message names the argument in Chinese): the keyword a caller passed wrongly.
#: A name missing here is shown as it is.
ARGUMENT_NAMES: Final = tuple(
    define_phrase(name)
    for name in (
        "actor",
        "amount",
        "approval_policy",
        "arguments",
        "at",
        "backordered",
        "basis",
        "carrier",
        "category",
        "change",
        "changes",
        "charges",
        "comment",
        "context",
        "count",
        "coupon_book",
        "coupons",
        "created_from / created_to",
        "currency",
        "customer_id",
        "days",
        "deadline",
        "deadlines",
        "delivered_only",
        "directory",
        "disposition",
        "exchange_rates.rate()",
        "factor",
        "failed",
        "foreign",
        "grouping",
        "html",
        "idempotency_key",
        "idempotency_keys",
        "invoice_id",
        "invoice_number",
        "issued_on",
        "kind",
        "level",
        "lifecycle_policy",
        "line",
        "line_id",
        "lines",
        "locale",
        "method",
        "moment",
        "name",
        "now",
        "number",
        "on",
        "operand",
        "order",
        "order.exchange_rate",
        "order_id",
        "orders",
        "organisation code body",
        "payloads",
        "payment_id",
        "period",
        "prefix",
        "price_list",
        "pricing",
        "promotions",
        "quantity",
        "quote_id",
        "reason",
        "reasons",
        "reference",
        "refunded_payment",
        "replacement",
        "requested_delivery_date",
        "return_id",
        "rounding",
        "rounding of money",
        "rules",
        "seller",
        "shipment_id",
        "sku",
        "span",
        "state",
        "status",
        "tag",
        "tax_engine.tax_policy()",
        "timezone",
        "tracking_number",
        "unit",
        "unit price",
        "unit_price",
        "valid_for",
        "weights",
    )
)
#: The characters ``{character}`` of ``argument.not_storable`` names (terms).
UNSTORABLE_CHARACTERS: Final = (define_phrase("NUL"), define_phrase("an unpaired surrogate"))
#: What ``{expected}`` says an argument takes (terms; a class name is shown as it is).
EXPECTED_KINDS: Final = tuple(
    define_phrase(text)
    for text in (
        "Money.quantize(rounding=...)",
        "a Decimal, int or string",
        "a RoundingMode",
        "a function that prices an order",
        "a locale identifier such as zh_CN",
        "a mapping",
        "a path (str or pathlib.Path)",
        "a sequence of changes",
        "a sequence of reason codes",
        "a tzinfo",
        "an amendment Change",
        "an amendment change (ChangeQuantity, AddLine...)",
        "an iterable (a list or tuple)",
        "an iterable of numbers",
        "shipped as planned",
        "string",
        "text",
    )
)

_T = TypeVar("_T")
_E = TypeVar("_E", bound=enum.Enum)

_NUL = "\x00"
# Wide enough that normalizing any number a command takes is exact; nothing traps.
_CANONICAL: Final = decimal.Context(prec=1000, traps=[])


def _canonical(value: object) -> Any:  # noqa: PLR0911 - a flat type dispatch
    """JSON data standing for ``value``, equal for equal requests (2 == "2.0" as numbers)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        return ["number", str(number.normalize(_CANONICAL) if number.is_finite() else number)]
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, Mapping):
        items = [[_canonical(key), _canonical(item)] for key, item in value.items()]
        return ["mapping", sorted(items, key=repr)]
    if isinstance(value, frozenset | set):
        return ["set", sorted((_canonical(item) for item in value), key=repr)]
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if attrs.has(type(value)):
        names = [field.name for field in attrs.fields(type(value))]  # type: ignore[arg-type]
        return [type(value).__name__, [_canonical(getattr(value, name)) for name in names]]
    return [type(value).__name__, repr(value)]


def fingerprint(event: str, arguments: Mapping[str, object]) -> str:
    """A digest of what a keyed request asked for: its event and its arguments.

    Stored with an idempotency key, so that the key reused with other arguments is
    refused (``idempotency.conflict``) instead of silently answering the first request.
    Numbers compare by value (``2``, ``"2"`` is text, ``Decimal("2.0")``: the first and
    last are one request); mappings by content, whatever their order. Who and when are
    not arguments: a retry comes later, perhaps from another worker.
    """
    try:
        data = json.dumps([event, _canonical(arguments)], ensure_ascii=True, separators=(",", ":"))
    except RecursionError:
        # A structure nested deeper than the interpreter recurses is no request.
        raise InvalidArgument(params={"argument": "arguments"}) from None
    return hashlib.sha256(data.encode("ascii")).hexdigest()[:32]


def wrong_type(argument: str, expected: str, value: object) -> ArgumentTypeError:
    """The error for ``value`` given as ``argument``, which takes ``expected``."""
    kind = type(value).__name__
    return ArgumentTypeError(params={"argument": argument, "expected": expected, "kind": kind})


def unstorable_at(text: str) -> tuple[int, str] | None:
    """Where ``text`` first has a character no store can hold, and which kind, or None.

    Linear in the text; ASCII text without NUL (the common case) costs two scans in C.
    """
    nul = text.find(_NUL)
    if nul >= 0:
        return nul, UNSTORABLE_CHARACTERS[0]
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start, UNSTORABLE_CHARACTERS[1]
    return None


def storable_text(value: object, *, argument: str) -> str:
    """``value`` if it is text a store can hold.

    Raises:
        ArgumentTypeError: ``argument.wrong_type`` when ``value`` is not a ``str``.
        InvalidArgument: ``argument.not_storable`` for NUL or an unpaired surrogate.
    """
    if not isinstance(value, str):
        raise wrong_type(argument, "text", value)
    found = unstorable_at(value)
    if found is not None:
        position, character = found
        params = {"argument": argument, "character": character, "position": position}
        raise InvalidArgument(ARGUMENT_NOT_STORABLE, params=params)
    return value


def optional_text(value: object, *, argument: str) -> str | None:
    """:func:`storable_text`, or None when ``value`` is None."""
    return None if value is None else storable_text(value, argument=argument)


def optional_texts(**named: object) -> None:
    """:func:`optional_text` for each keyword (its name is the argument's name)."""
    for argument, value in named.items():
        if value is not None:
            storable_text(value, argument=argument)


def iterable(value: object, *, argument: str) -> Iterable[Any]:
    """``value`` if it is an iterable other than text or bytes (a list of orders, say).

    Text is refused: iterating a string of codes character by character is never meant.

    Raises:
        ArgumentTypeError: ``argument.wrong_type`` for anything else.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise wrong_type(argument, "an iterable (a list or tuple)", value)
    return value


def mapping(value: object, *, argument: str) -> Mapping[Any, Any]:
    """``value`` if it is a mapping (line id -> quantity, say).

    Raises:
        ArgumentTypeError: ``argument.wrong_type`` for anything else.
    """
    if not isinstance(value, Mapping):
        raise wrong_type(argument, "a mapping", value)
    return value


def choice(value: object, kind: type[_E], *, argument: str) -> _E:
    """The member of the enumeration ``kind`` that ``value`` is or names.

    Raises:
        InvalidArgument: ``argument.not_a_choice`` listing the values ``kind`` takes.
    """
    try:
        return kind(value)
    except (ValueError, TypeError):  # TypeError: an unhashable value
        choices = ", ".join(str(member.value) for member in kind)
        params = {"argument": argument, "choices": choices}
        raise InvalidArgument(ARGUMENT_NOT_A_CHOICE, params=params) from None


def instance_of(value: object, kind: type[_T], *, argument: str) -> _T:
    """``value`` if it is an instance of ``kind``.

    Raises:
        ArgumentTypeError: ``argument.wrong_type`` naming ``kind``.
    """
    if not isinstance(value, kind):
        raise wrong_type(argument, kind.__name__, value)
    return value
