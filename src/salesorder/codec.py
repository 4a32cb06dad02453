"""Lossless JSON documents for domain objects, for storage adapters and snapshots.

Storage adapters keep an order as one JSON document (plus indexed columns). This
module turns any attrs domain object (the ``Order`` aggregate with everything the
lifecycle adds to it, events, reservations) into JSON-compatible data and back,
driven by the classes' type annotations:

* ``Decimal`` and ``Money`` amounts become strings (never binary floats);
* ``datetime`` and ``date`` become ISO 8601 strings;
* enums become their values; tuples, frozensets and dicts become lists and objects;
* nested attrs classes become objects; ``X | None`` accepts ``null``.

Invariant (tested): ``decode(type(x), encode(x)) == x`` field by field for every
supported object.
"""

from __future__ import annotations

import enum
import functools
import importlib
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from salesorder.events import DomainEvent, event_types
from salesorder.money import Money

__all__ = ["EVENT_TYPE_KEY", "decode", "encode"]

_ABSENT: Any = object()

#: Key naming the concrete class of a stored event.
EVENT_TYPE_KEY = "type"

T = TypeVar("T")


def encode(value: Any, *, omit_defaults: bool = False) -> Any:
    """JSON-compatible data for ``value`` (attrs objects, Money, Decimal, dates, enums...).

    Args:
        value: The value to encode.
        omit_defaults: Leave out every attrs field whose value is stored exactly as its
            default would be (the compact documents the SQL adapter stores: an order's
            many empty lifecycle fields take no room, and [decode][salesorder.codec.decode]
            fills them in). Events keep every field (webhook payloads show them all).

    Raises:
        TypeError: for a value of a type the codec does not know.
    """
    return _encoder(type(value), compact=omit_defaults)(value)


_Encoder = Callable[[Any], Any]
# The encoder of each type met so far, one table per mode: a document is encoded by
# a dictionary look-up per value instead of a chain of isinstance checks.
_ENCODERS: dict[bool, dict[type, _Encoder]] = {False: {}, True: {}}


def _encoder(cls: type, *, compact: bool) -> _Encoder:
    table = _ENCODERS[compact]
    found = table.get(cls)
    if found is None:
        found = table[cls] = _new_encoder(cls, compact=compact)
    return found


def _new_encoder(cls: type, *, compact: bool) -> _Encoder:
    if cls is type(None) or issubclass(cls, bool | int | str):
        return _as_is  # StrEnum members too: JSON writes them as their text
    if issubclass(cls, enum.Enum):
        return _enum_value
    if issubclass(cls, Money):
        return _money_data
    if issubclass(cls, Decimal):
        return str
    if issubclass(cls, datetime | date):
        return _iso
    if attrs.has(cls):
        if issubclass(cls, DomainEvent):
            return _object_encoder(cls, compact=False, type_name=True)
        return _object_encoder(cls, compact=compact, type_name=False)
    if issubclass(cls, Mapping):
        return functools.partial(_mapping_data, compact=compact)
    if issubclass(cls, frozenset | set):
        return _set_data
    if issubclass(cls, list | tuple):
        return functools.partial(_list_data, compact=compact)
    return _refuse_encoding


def _enum_value(value: enum.Enum) -> Any:
    return value.value


def _money_data(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def _iso(value: date) -> str:
    return value.isoformat()


def _mapping_data(value: Mapping[Any, Any], *, compact: bool) -> dict[str, Any]:
    return {str(encode(k)): encode(v, omit_defaults=compact) for k, v in value.items()}


def _set_data(value: frozenset[Any] | set[Any]) -> list[Any]:
    return sorted((encode(v) for v in value), key=repr)


def _list_data(value: list[Any] | tuple[Any, ...], *, compact: bool) -> list[Any]:
    table = _ENCODERS[compact]
    return [(table.get(type(v)) or _encoder(type(v), compact=compact))(v) for v in value]


def _refuse_encoding(value: Any) -> Any:
    msg = f"cannot encode {type(value).__name__}"
    raise TypeError(msg)


def _object_encoder(cls: type, *, compact: bool, type_name: bool) -> _Encoder:
    names = tuple(
        field.name for field in attrs.fields(cls) if field.init or not field.name.startswith("_")
    )
    table = _ENCODERS[compact]

    def encode_object(value: Any) -> dict[str, Any]:
        data = {}
        for name in names:
            field_value = getattr(value, name)
            data[name] = (
                table.get(type(field_value)) or _encoder(type(field_value), compact=compact)
            )(field_value)
        if type_name:
            # Events are stored polymorphically: the type name picks the class back.
            data[EVENT_TYPE_KEY] = value.name
        return data

    def encode_compact(value: Any) -> dict[str, Any]:
        data = {}
        for name, default, stored_default in _defaults_of(cls):
            field_value = getattr(value, name)
            if field_value is default:
                continue  # the shared default itself: (), None, an enum member...
            encoded = (table.get(type(field_value)) or _encoder(type(field_value), compact=True))(
                field_value
            )
            if stored_default is not _ABSENT and _same_data(encoded, stored_default):
                continue
            data[name] = encoded
        return data

    return encode_compact if compact else encode_object


@functools.cache
def _defaults_of(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """(name, default value, its compact encoding) of each stored field of ``cls``.

    A field without a plain default (required, or made by a factory) has ``_ABSENT``
    for both, so it is always stored. A default is a promise about stored documents:
    ``tests/unit/test_codec.py`` pins every one, since changing it would change what
    the documents already stored mean.
    """
    described = []
    for field in attrs.fields(cls):
        if not field.init and field.name.startswith("_"):
            continue
        default = field.default
        if default is attrs.NOTHING or isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            described.append((field.name, _ABSENT, _ABSENT))
        else:
            described.append((field.name, default, encode(default, omit_defaults=True)))
    return tuple(described)


def _same_data(left: Any, right: Any) -> bool:
    """Equal JSON data, types included (``True`` is not ``1``, ``"0.00"`` is not ``"0"``)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same_data(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same_data, left, right))
    return bool(left == right)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except NameError:
        # Modules that import a type only for type checking (to avoid an import cycle)
        # leave a forward reference; resolve it among the domain modules' names.
        namespace: dict[str, Any] = {}
        for module in ("salesorder.order", "salesorder.records", "salesorder.events"):
            namespace.update(vars(importlib.import_module(module)))
        return typing.get_type_hints(cls, localns=namespace)


_Decoder = Callable[[Any], Any]


def decode(target: Any, data: Any) -> Any:
    """Rebuild a value of type ``target`` from data produced by :func:`encode`.

    The first call for a type builds its decoder (see :func:`_decoder_for`); later calls
    reuse it.

    Args:
        target: The type, e.g. ``Order`` or ``tuple[OrderLine, ...]``.
        data: The JSON-compatible data.

    Returns:
        The rebuilt value.

    Raises:
        TypeError: when ``data`` does not fit ``target``.
    """
    return _decoder_for(target)(data)


@functools.cache
def _decoder_for(target: Any) -> Callable[[Any], Any]:
    """The function that rebuilds a value of type ``target``, built once per type.

    Walking the type annotations on every value cost twelve times ``json.loads`` of an
    order's document; the walk now happens once, and decoding a document only calls
    the functions it left behind. A type that cannot be decoded gives a function that
    raises ``TypeError`` when called, so a union that lists it still tries its other
    options first, as it always did.

    Args:
        target: The type, e.g. ``Order``.

    Returns:
        A function of the JSON-compatible data returning the rebuilt value; it raises
        ``TypeError`` when the data does not fit.
    """
    if target is Any or target is object:
        return _as_is
    origin = typing.get_origin(target)
    if origin in (typing.Union, types.UnionType):
        return _union_decoder(target)
    if origin is typing.Literal:
        return _as_is
    if origin in (tuple, list, frozenset, set):
        return _collection_decoder(origin, typing.get_args(target))
    if origin in (dict, Mapping, typing.Mapping) or target in (dict, Mapping):
        key_type, value_type = typing.get_args(target) or (Any, Any)
        return _mapping_decoder(key_type, value_type)
    if isinstance(target, type):
        return _class_decoder(target)
    return _refuse(f"cannot decode into {target!r}")


def _as_is(data: Any) -> Any:
    return data


def _refuse(message: str) -> _Decoder:
    def refuse(_data: Any) -> Any:
        raise TypeError(message)

    return refuse


def _union_decoder(target: Any) -> _Decoder:
    options = typing.get_args(target)
    nullable = type(None) in options
    choices = tuple(option for option in options if option is not type(None))
    if nullable and len(choices) == 1:
        return _optional_decoder(choices[0])
    # The options' decoders are looked up at the first call, not now: an option may be
    # a class whose own fields refer back to the class being built.
    resolved: tuple[_Decoder, ...] = ()

    def decode_union(data: Any) -> Any:
        nonlocal resolved
        if data is None and nullable:
            return None
        if not resolved:
            resolved = tuple(_decoder_for(option) for option in choices)
        last_error: Exception | None = None
        for decode_option in resolved:
            try:
                return decode_option(data)
            except (TypeError, ValueError, KeyError) as error:
                last_error = error
        raise TypeError(f"no option of {target} fits") from last_error

    return decode_union


def _optional_decoder(option: Any) -> _Decoder:
    # ``X | None``, the commonest union, skips the loop over options. Its decoder is
    # looked up at the first call, like a union's.
    decode_option: _Decoder | None = None

    def decode_optional(data: Any) -> Any:
        nonlocal decode_option
        if data is None:
            return None
        if decode_option is None:
            decode_option = _decoder_for(option)
        try:
            return decode_option(data)
        except (TypeError, ValueError, KeyError) as error:
            raise TypeError(f"no option of {option} | None fits") from error

    return decode_optional


def _enum_decoder(target: type[enum.Enum]) -> _Decoder:
    # A dictionary look-up instead of calling the enum class (its metaclass call is
    # slow); values it does not hold still go through the class, which raises
    # ValueError for an unknown one.
    members: dict[Any, enum.Enum] = {member.value: member for member in target}

    def decode_member(data: Any) -> Any:
        try:
            return members[data]
        except (KeyError, TypeError):
            return target(data)

    return decode_member


def _collection_decoder(origin: Any, args: tuple[Any, ...]) -> _Decoder:
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _decoder_for(args[0])
        # An order's many lifecycle tuples are mostly empty: skip the map for them.
        return lambda data: () if data == [] else tuple(map(item, data))
    if origin is tuple and len(args) == 2:
        first, second = _decoder_for(args[0]), _decoder_for(args[1])

        def decode_pair(data: Any) -> Any:
            if len(data) != 2:
                raise TypeError("expected a pair")
            return (first(data[0]), second(data[1]))

        return decode_pair
    if origin is tuple:
        items = tuple(_decoder_for(arg) for arg in args)
        return lambda data: tuple(
            decode_item(value) for decode_item, value in zip(items, data, strict=True)
        )
    item = _decoder_for(args[0] if args else Any)
    return lambda data: origin(map(item, data))


def _mapping_decoder(key_type: Any, value_type: Any) -> _Decoder:
    key = _decoder_for(key_type)
    value = _decoder_for(value_type)
    return lambda data: {key(k): value(v) for k, v in data.items()}


def _class_decoder(target: type) -> _Decoder:
    if target is Money:
        return _money
    if issubclass(target, enum.Enum):
        return _enum_decoder(target)
    if target is Decimal:
        return _decimal
    if target is datetime:
        return datetime.fromisoformat
    if target is date:
        return date.fromisoformat
    if target is bool:
        return _boolean
    if target is int:
        return _integer
    if target is str:
        return _text
    if attrs.has(target):
        return _attrs_decoder(target)
    return _refuse(f"cannot decode into {target.__name__}")


# Amounts and quantities repeat from order to order (the same prices, the same counts):
# both types are immutable, so a decoded value is shared instead of being parsed and
# checked again, and a page of orders holds fewer objects. ``typed``: True is not 1.
@functools.lru_cache(maxsize=4096)
def _cached_money(amount: Any, currency: Any) -> Money:
    return Money(amount, currency)


def _money(data: Any) -> Money:
    return _cached_money(data["amount"], data["currency"])


@functools.lru_cache(maxsize=4096, typed=True)
def _decimal(data: Any) -> Decimal:
    if not isinstance(data, str | int) or isinstance(data, bool):
        raise TypeError("a Decimal is stored as a string")
    return Decimal(data)


def _boolean(data: Any) -> bool:
    if not isinstance(data, bool):
        raise TypeError("expected a boolean")
    return data


def _integer(data: Any) -> int:
    if not isinstance(data, int) or isinstance(data, bool):
        raise TypeError("expected int")
    return data


def _text(data: Any) -> str:
    if not isinstance(data, str):
        raise TypeError("expected str")
    return data


def _attrs_decoder(target: type) -> _Decoder:
    # For each stored key: (keyword, the JSON types stored as they are, its decoder,
    # whether __init__ takes it). Made at the first call: a field's type may refer back
    # to this class, resolvable only once both exist.
    plan: dict[str, tuple[str, frozenset[type], _Decoder, bool]] = {}
    # (the JSON types stored as they are, decoder) per key, when every field is an
    # __init__ keyword of its own name (all the domain classes but events).
    direct: dict[str, tuple[frozenset[type], _Decoder]] = {}

    def prepare() -> None:
        hints = _hints(target)
        for field in attrs.fields(target):
            field_type = hints.get(field.name, Any)
            plan[field.name] = (
                field.alias or field.name,
                _stored_as_is(field_type),
                _decoder_for(field_type),
                field.init,
            )
        if not issubclass(target, DomainEvent) and all(
            init and keyword == name for name, (keyword, _, _, init) in plan.items()
        ):
            direct.update((name, (as_is, decoder)) for name, (_, as_is, decoder, _) in plan.items())

    def build(data: Mapping[str, Any]) -> Any:
        if not plan:
            prepare()
        if direct:
            # The keys the document holds, not the class's fields: a compact document
            # leaves out every field at its default, which __init__ fills in. Text and
            # numbers come back from JSON as they were: they skip their decoder.
            try:
                return target(
                    **{
                        key: stored
                        if type(stored) in (entry := direct[key])[0]
                        else entry[1](stored)
                        for key, stored in data.items()
                    }
                )
            except KeyError:
                pass  # a key of no field (a document of another version): the slow path
        return tolerant(data)

    def tolerant(data: Mapping[str, Any]) -> Any:
        taken: dict[str, Any] = {}
        later: list[tuple[str, Any]] = []
        for key, stored in data.items():
            entry = plan.get(key)
            if entry is None:
                continue  # a field since removed, or an event's type name
            keyword, as_is, decode_field, init = entry
            value = stored if type(stored) in as_is else decode_field(stored)
            if init:
                taken[keyword] = value
            else:
                later.append((key, value))
        instance = target(**taken)
        for name, value in later:
            object.__setattr__(instance, name, value)
        return instance

    _BUILDERS[target] = build
    polymorphic = issubclass(target, DomainEvent)

    def decode_object(data: Any) -> Any:
        if type(data) is not dict and not isinstance(data, Mapping):
            raise TypeError(f"expected an object for {target.__name__}")
        if polymorphic and EVENT_TYPE_KEY in data:
            concrete = _event_class(target, data[EVENT_TYPE_KEY])
            if concrete is not target:
                _decoder_for(concrete)
                return _BUILDERS[concrete](data)
        return build(data)

    return decode_object


# The JSON types that are already the value of a field of each type (exact types: a
# subclass, such as bool for int, goes through the field's decoder).
_PLAIN: dict[Any, frozenset[type]] = {
    str: frozenset({str}),
    int: frozenset({int}),
    bool: frozenset({bool}),
    str | None: frozenset({str, type(None)}),
    int | None: frozenset({int, type(None)}),
    bool | None: frozenset({bool, type(None)}),
}


def _stored_as_is(field_type: Any) -> frozenset[type]:
    return _PLAIN.get(field_type, frozenset())


# The field-by-field builder of each attrs class: a decoder of an event base class
# hands the data to the builder of the concrete class the data names.
_BUILDERS: dict[type, _Decoder] = {}


def _event_class(base: type, name: object) -> type:
    found = event_types().get(str(name))
    if found is None or not issubclass(found, base):
        msg = f"unknown event type {name!r}"
        raise TypeError(msg)
    return found
