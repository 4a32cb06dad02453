"""The payload gate: size and structure checks, parsing through the schema, ``validate``.

Invariants: :func:`validate` never raises for bad data (any JSON value, byte string or
dict gives a report); a hostile payload is refused before parsing, by size and then by a
scan of its brackets (no recursion); pydantic's own error texts never reach the user:
every pydantic error is translated to one of the codes below.
"""

from __future__ import annotations

import decimal
import enum
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs
import pydantic
from pydantic import BaseModel

from salesorder._arguments import instance_of
from salesorder._validation.report import Issue, Severity, ValidationReport
from salesorder._validation.rules import RuleSet, ValidationContext, default_rules
from salesorder.errors import ErrorCode, SalesOrderError, define_code, define_phrase
from salesorder.money import in_exact_context
from salesorder.order import Order, OrderLine
from salesorder.schema import (
    DEFAULT_LIMITS,
    STORABLE_TEXT,
    AddressDraft,
    ContactDraft,
    CustomerDraft,
    InvoiceDraft,
    Limits,
    LineDraft,
    OrderDiscountDraft,
    OrderDraft,
    PaymentTermsDraft,
    to_order,
)
from salesorder.units import UnitCatalog, UnknownUnit

__all__ = ["validate"]

# -- codes ----------------------------------------------------------------------------------

PAYLOAD_TOO_LARGE = define_code(
    "payload.too_large",
    en="The payload is too large (at most {max} bytes).",
)
PAYLOAD_TOO_DEEP = define_code(
    "payload.too_deep",
    en="The payload is nested too deeply (at most {max} levels).",
)
PAYLOAD_MALFORMED = define_code(
    "payload.malformed_json",
    en="The payload is not valid JSON (UTF-8 text).",
)
PAYLOAD_TYPE = define_code(
    "payload.type",
    en="The payload must be JSON text, a mapping or an OrderDraft.",
)
PAYLOAD_TOO_MANY_MEMBERS = define_code(
    "payload.too_many_members",
    en="The payload has more object members than any order can have (at most {max}).",
)
REPORT_TRUNCATED = define_code(
    "report.truncated",
    en="More problems were found; the report lists the first {max}.",
)
LINES_TOO_MANY = define_code(
    "lines.too_many",
    en="The order has too many lines or objects (at most {max} lines).",
)
FIELD_MISSING = define_code("field.missing", en="This field is required.")
FIELD_EXTRA = define_code("field.extra_forbidden", en="This field is not allowed.")
FIELD_TYPE = define_code("field.type", en="Wrong type: expected {expected}.")
FIELD_TOO_LONG = define_code(
    "field.too_long",
    en="Too long: at most {max} characters or items.",
)
FIELD_EMPTY = define_code("field.empty", en="This field must not be empty.")
FIELD_CHOICE = define_code(
    "field.invalid_choice",
    en="Not one of the allowed values: {choices}.",
)
FIELD_FORMAT = define_code("field.format", en="The value has the wrong format.")
FIELD_RANGE = define_code("field.out_of_range", en="The number is out of range.")
FIELD_INVALID = define_code("field.invalid", en="The value is not valid.")
DATE_INVALID = define_code("date.invalid", en="Not a valid date (YYYY-MM-DD).")
DECIMAL_INVALID = define_code(
    "decimal.invalid",
    en='Not a valid exact number; write it as a string such as "12.50".',
)
DECIMAL_FLOAT = define_code(
    "decimal.float_refused",
    en='Binary floating-point numbers are refused; use a string such as "12.50".',
)
DECIMAL_RANGE = define_code(
    "decimal.out_of_range",
    en="The number is too large (at most 15 integer digits).",
)
DECIMAL_PRECISE = define_code(
    "decimal.too_precise",
    en="Too many digits (at most {max_places} decimal places).",
)
QUANTITY_RANGE = define_code(
    "quantity.out_of_range",
    en="The quantity is out of range (at most {max}).",
)
PERCENT_RANGE = define_code(
    "percent.out_of_range",
    en="A percentage must be between 0 and 100.",
)
CURRENCY_UNKNOWN = define_code(
    "currency.unknown",
    en="Not a known ISO 4217 currency code.",
)
TEXT_NOT_STORABLE = define_code(
    "text.not_storable",
    en="The text contains a NUL character, which cannot be stored.",
)
ORDER_CONVERSION = define_code(
    "order.conversion_failed",
    en="The order could not be built from the payload.",
)


# pydantic error type -> (our code, params taken from pydantic's ctx)
_SIMPLE_TYPES: Final[Mapping[str, str]] = {
    "missing": FIELD_MISSING,
    "extra_forbidden": FIELD_EXTRA,
    "string_pattern_mismatch": FIELD_FORMAT,
    "json_invalid": PAYLOAD_MALFORMED,
    "json_type": PAYLOAD_MALFORMED,
    "greater_than": FIELD_RANGE,
    "greater_than_equal": FIELD_RANGE,
    "less_than": FIELD_RANGE,
    "less_than_equal": FIELD_RANGE,
    "date_parsing": DATE_INVALID,
    "date_from_datetime_parsing": DATE_INVALID,
    "date_from_datetime_inexact": DATE_INVALID,
    "date_type": DATE_INVALID,
    "date_past": DATE_INVALID,
    "date_future": DATE_INVALID,
}
_EXPECTED: Final[Mapping[str, str]] = {
    "string_type": "string",
    "string_unicode": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "list_type": "array",
    "set_type": "array",
    "frozen_set_type": "array",
    "model_type": "object",
    "model_attributes_type": "object",
    "dict_type": "object",
}
#: The JSON types ``{expected}`` of ``field.type`` names (terms of the catalogs).
JSON_TYPES: Final = tuple(
    define_phrase(name) for name in ("array", "boolean", "integer", "number", "object", "string")
)
# The schema's validators raise these codes as pydantic error types; the issue carries
# the code constant itself, which renders its message.
_OWN_CODES: Final[Mapping[str, ErrorCode]] = {
    code.code: code
    for code in (
        DECIMAL_INVALID,
        DECIMAL_FLOAT,
        DECIMAL_RANGE,
        DECIMAL_PRECISE,
        QUANTITY_RANGE,
        PERCENT_RANGE,
        CURRENCY_UNKNOWN,
        DATE_INVALID,
        FIELD_TYPE,
    )
}


def _issue(code: str, path: str, severity: Severity = Severity.ERROR, **params: Any) -> Issue:
    return Issue(code, path, severity, params)


_DEFAULT_CONTEXT: Final = ValidationContext()


# Kept for the structure scan: brackets and quotes (everything else is deleted in C).
_DROP: Final = bytes(byte for byte in range(256) if byte not in b'"[]{}')
_STEP: Final = tuple(1 if byte in b"[{" else -1 if byte in b"]}" else 0 for byte in range(256))
#: Objects a valid order has besides its lines: the order, customer, contact, three
#: addresses, invoice, payment terms and order discount.
_FIXED_OBJECTS: Final = 9
# Every byte but quotes and colons: what is left shows the members of the objects.
_DROP_BUT_MEMBERS: Final = bytes(byte for byte in range(256) if byte not in b'":')
# The most members any object of a valid payload has: the widest draft model.
_MEMBERS_PER_OBJECT: Final = max(
    len(model.model_fields)
    for model in (
        OrderDraft,
        CustomerDraft,
        ContactDraft,
        AddressDraft,
        InvoiceDraft,
        PaymentTermsDraft,
        LineDraft,
        OrderDiscountDraft,
    )
)
_CHUNK: Final = 4096
#: A valid order nests at most four levels (order, lines, line, tags): peeling this many
#: innermost bracket pairs leaves nothing of it.
_SHALLOW: Final = 5


def _scan_structure(data: bytes, limits: Limits) -> Issue | None:
    """Refuse too-deep nesting and too many objects without parsing (no recursion).

    Works on the brackets outside strings. The first chunk of brackets is checked for
    depth before the object count, so that deep nesting is reported as such.
    """
    if b"\\" in data:
        # Escaped backslashes first, then escaped quotes: what remains of each string is
        # a plain "..." run with no quote inside.
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = data.translate(None, _DROP)
    if len(marks) - marks.count(b'"') <= limits.max_depth:
        return None
    # Strings usually hold no bracket: then every string is an adjacent pair of quotes.
    brackets = marks.replace(b'""', b"")
    if b'"' in brackets:
        # Some string holds brackets: keep only the text between strings.
        brackets = b"".join(marks.split(b'"')[::2])
    too_many = brackets.count(b"{") > limits.max_lines + _FIXED_OBJECTS
    if not too_many and len(brackets) <= _CHUNK:
        shallow = brackets
        # A pass peels one or two levels ("[{}]" goes at once), so emptying the text in k
        # passes proves a depth of at most 2k.
        for _ in range(min(_SHALLOW, limits.max_depth // 2)):
            shallow = shallow.replace(b"[]", b"").replace(b"{}", b"")
        if not shallow:
            return None
    depth = 0
    step = _STEP.__getitem__
    for start in range(0, len(brackets), _CHUNK):
        running = list(
            itertools.accumulate(map(step, brackets[start : start + _CHUNK]), initial=depth)
        )
        if max(running) > limits.max_depth:
            return _issue(PAYLOAD_TOO_DEEP, "", max=limits.max_depth)
        if too_many:
            return _issue(LINES_TOO_MANY, "/lines", max=limits.max_lines)
        depth = running[-1]
    return None


def _scan_members(data: bytes, limits: Limits) -> Issue | None:
    """Refuse more object members than a payload within the limits can have.

    Each member of an unknown name is an issue of its own, so a megabyte of unknown keys
    would otherwise cost pydantic and the translation seconds and hundreds of MiB. The
    bound is every object the payload may hold times the widest draft model.
    """
    most = (limits.max_lines + _FIXED_OBJECTS) * _MEMBERS_PER_OBJECT
    if data.count(b":") <= most:  # counts colons inside strings too: a cheap upper bound
        return None
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Strings usually hold no colon: then each is an adjacent pair of quotes, and what is
    # left after dropping the pairs is the members' colons. Else split at the quotes.
    marks = data.translate(None, _DROP_BUT_MEMBERS).replace(b'""', b"")
    outside = b"".join(marks.split(b'"')[::2]) if b'"' in marks else marks
    if outside.count(b":") > most:
        return _issue(PAYLOAD_TOO_MANY_MEMBERS, "", max=most)
    return None


def _capped(issues: Iterable[Issue], limits: Limits) -> tuple[Issue, ...]:
    """At most ``limits.max_issues`` issues, then one ``report.truncated`` if there were more."""
    kept = tuple(itertools.islice(issues, limits.max_issues + 1))
    if len(kept) <= limits.max_issues:
        return kept
    return (*kept[: limits.max_issues], _issue(REPORT_TRUNCATED, "", max=limits.max_issues))


def _pointer(location: Sequence[int | str]) -> str:
    parts = []
    for part in location:
        text = str(part)[:64]
        parts.append(text.replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts) if parts else ""


def _translate(error: Mapping[str, Any]) -> Issue:  # noqa: PLR0911  (a lookup table)
    kind = str(error.get("type", ""))
    path = _pointer(error.get("loc", ()))
    context = error.get("ctx") or {}
    own = _OWN_CODES.get(kind)
    if own is not None:
        params = {key: str(value) for key, value in context.items()}
        return Issue(own, path, Severity.ERROR, params)
    if kind == "string_pattern_mismatch" and context.get("pattern") == STORABLE_TEXT:
        return Issue(TEXT_NOT_STORABLE, path)
    simple = _SIMPLE_TYPES.get(kind)
    if simple is not None:
        return Issue(simple, path)
    expected = _EXPECTED.get(kind)
    if expected is not None:
        return Issue(FIELD_TYPE, path, Severity.ERROR, {"expected": expected})
    if kind in {"string_too_long", "too_long"}:
        limit = context.get("max_length", "?")
        return Issue(FIELD_TOO_LONG, path, Severity.ERROR, {"max": limit})
    if kind in {"string_too_short", "too_short"}:
        return Issue(FIELD_EMPTY, path)

    if kind in {"enum", "literal_error"}:
        return Issue(
            FIELD_CHOICE, path, Severity.ERROR, {"choices": str(context.get("expected", ""))}
        )
    return Issue(FIELD_INVALID, path)


def _too_long_strings(value: Any, limits: Limits, path: str) -> Iterator[Issue]:
    """Strings over tightened limits (the schema's own caps are the default limits)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _too_long_strings(getattr(value, name), limits, f"{path}/{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _too_long_strings(item, limits, f"{path}/{index}")
    elif isinstance(value, str) and not isinstance(value, enum.Enum):
        free_text = path.endswith(("/notes", "/street", "/registered_address"))
        limit = limits.max_text_length if free_text else limits.max_string_length
        if len(value) > limit:
            yield _issue(FIELD_TOO_LONG, path, max=limit)


def _parse(  # noqa: PLR0911  (one exit per kind of payload)
    payload: object, limits: Limits
) -> tuple[OrderDraft | None, tuple[Issue, ...]]:
    # The validators fall back to the default limits: no context to look up then.
    context = None if limits is DEFAULT_LIMITS else {"limits": limits}
    if isinstance(payload, OrderDraft):
        return payload, ()
    try:
        if isinstance(payload, str | bytes | bytearray | memoryview):
            return _parse_json(payload, limits, context)
        if isinstance(payload, Mapping):
            lines = payload.get("lines")
            if isinstance(lines, Sequence) and len(lines) > limits.max_lines:
                return None, (_issue(LINES_TOO_MANY, "/lines", max=limits.max_lines),)
            return OrderDraft.model_validate(dict(payload), context=context), ()
    except pydantic.ValidationError as error:
        errors = error.errors(include_input=False)
        return None, _capped((_translate(item) for item in errors), limits)
    except (ValueError, TypeError, RecursionError, OverflowError):
        # pydantic reports everything it knows about; this is a last line of defence
        # for inputs that break a parser below it (e.g. absurd integer literals).
        return None, (_issue(FIELD_INVALID, ""),)
    return None, (_issue(PAYLOAD_TYPE, ""),)


def _parse_json(  # noqa: PLR0911  (one exit per refusal)
    payload: str | bytes | bytearray | memoryview,
    limits: Limits,
    context: dict[str, Any] | None,
) -> tuple[OrderDraft | None, tuple[Issue, ...]]:
    if len(payload) > limits.max_bytes:
        return None, (_issue(PAYLOAD_TOO_LARGE, "", max=limits.max_bytes),)
    if isinstance(payload, str):
        try:
            data = payload.encode("utf-8")
        except UnicodeEncodeError:
            return None, (_issue(PAYLOAD_MALFORMED, ""),)
        if len(data) > limits.max_bytes:
            return None, (_issue(PAYLOAD_TOO_LARGE, "", max=limits.max_bytes),)
    else:
        data = bytes(payload)
    refused = _scan_structure(data, limits) or _scan_members(data, limits)
    if refused is not None:
        return None, (refused,)
    try:
        return OrderDraft.model_validate_json(data, context=context), ()
    except pydantic.ValidationError as error:
        errors = error.errors(include_input=False)
        if not any(item["type"] == DECIMAL_FLOAT for item in errors):
            return None, _capped((_translate(item) for item in errors), limits)
    # A number literal with a fraction or exponent: read it again from its exact text.
    try:
        document = json.loads(data, parse_float=_json_decimal)
    except (ValueError, RecursionError):  # pragma: no cover  (pydantic parsed it already)
        return None, (_issue(PAYLOAD_MALFORMED, ""),)
    if not isinstance(document, dict):  # pragma: no cover  (the top level was an object)
        return None, (_issue(FIELD_TYPE, "", expected="object"),)
    return OrderDraft.model_validate(document, context=context), ()


def _json_decimal(literal: str) -> Decimal:
    """The exact Decimal of a JSON number literal that has a fraction or an exponent.

    ``Decimal()`` cannot hold an exponent of 19 digits (``1e9999999999999999999``). Such
    a literal becomes a stand-in with the same sign on the same side of every limit:
    ``1E+100`` for a huge one, ``1E-100`` for a tiny non-zero one, zero for a zero, so
    the schema refuses it at its own path (out of range, too precise) as it would the
    true value, instead of the parser raising.
    """
    try:
        return Decimal(literal)
    except decimal.InvalidOperation:
        mantissa, _, exponent = literal.lower().partition("e")
        if not any(digit in "123456789" for digit in mantissa):
            return Decimal(0)
        sign = "-" if mantissa.startswith("-") else ""
        return Decimal(f"{sign}1E-100" if exponent.startswith("-") else f"{sign}1E+100")


@in_exact_context
def validate(
    payload: object,
    *,
    rules: RuleSet | None = None,
    context: ValidationContext | None = None,
) -> ValidationReport:
    """Check a payload completely and report every problem at once.

    Args:
        payload: JSON text (``str`` or ``bytes``), a mapping of JSON values, or an
            :class:`~salesorder.schema.OrderDraft`.
        rules: The business rules; :func:`default_rules` by default.
        context: Date, limits, policies and lookups; an empty context by default
            (no date check, no credit, stock or price lookups).

    Returns:
        The report. ``report.order`` is the converted order when the shape was valid.

    Raises:
        ArgumentTypeError: ``rules`` or ``context`` of another type (the payload itself
            is never raised about: its problems are issues).
    """
    if rules is not None and type(rules) is not RuleSet:
        instance_of(rules, RuleSet, argument="rules")
    if context is not None and type(context) is not ValidationContext:
        instance_of(context, ValidationContext, argument="context")
    context = context if context is not None else _DEFAULT_CONTEXT
    limits = context.limits
    draft, issues = _parse(payload, limits)
    if draft is None:
        return ValidationReport(issues)
    if limits is not DEFAULT_LIMITS and limits != DEFAULT_LIMITS:
        tightened = tuple(_too_long_strings(draft, limits, ""))
        if len(draft.lines) > limits.max_lines:
            tightened += (_issue(LINES_TOO_MANY, "/lines", max=limits.max_lines),)
        if tightened:
            return ValidationReport(tightened)
    try:
        order = to_order(draft)
    except (SalesOrderError, ValueError, TypeError):
        return ValidationReport((_issue(ORDER_CONVERSION, ""),))
    unit_issues: tuple[Issue, ...] = ()
    if context.units is not None:
        order, unit_issues = _with_units(order, context.units)
    found = (rules if rules is not None else default_rules()).run(order, context)
    return ValidationReport(_capped((*unit_issues, *found), limits), order)


def _with_units(order: Order, units: UnitCatalog) -> tuple[Order, tuple[Issue, ...]]:
    """The order with its lines' conversion factors, and an issue per unknown unit.

    A line in a unit its product is not sold in keeps no factor (its quantity counts as
    stock units for the other rules); the issue makes the report fail anyway.
    """
    issues: list[Issue] = []
    lines: list[OrderLine] = []
    for index, line in enumerate(order.lines):
        try:
            lines.append(units.convert_line(line))
        except UnknownUnit as unknown:
            lines.append(line)
            issues.append(Issue(unknown.code, f"/lines/{index}/unit", params=unknown.params))
    if all(new is old for new, old in zip(lines, order.lines, strict=True)):
        return order, tuple(issues)
    return attrs.evolve(order, lines=tuple(lines)), tuple(issues)
