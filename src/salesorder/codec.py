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

#: Key naming the concrete class of a stored event.
EVENT_TYPE_KEY = "type"

T = TypeVar("T")


def encode(value: Any) -> Any:
    """JSON-compatible data for ``value`` (attrs objects, Money, Decimal, dates, enums...)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if attrs.has(type(value)):
        data = {
            field.name: encode(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.init or not field.name.startswith("_")
        }
        if isinstance(value, DomainEvent):
            # Events are stored polymorphically: the type name picks the class back.
            data[EVENT_TYPE_KEY] = value.name
        return data
    if isinstance(value, Mapping):
        return {str(encode(k)): encode(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted((encode(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    msg = f"cannot encode {type(value).__name__}"
    raise TypeError(msg)


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


def _collection_decoder(origin: Any, args: tuple[Any, ...]) -> _Decoder:
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _decoder_for(args[0])
        # An order's many lifecycle tuples are mostly empty: skip the map for them.
        return lambda data: () if data == [] else tuple(map(item, data))
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
        return target
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
    # For the fields __init__ takes, then for the others: (field name, keyword, the
    # JSON types stored as they are, its decoder). Made at the first call: a field's
    # type may refer back to this class, resolvable only once both exist.
    taken: tuple[tuple[str, str, frozenset[type], _Decoder], ...] = ()
    set_after: tuple[tuple[str, str, frozenset[type], _Decoder], ...] = ()

    def build(data: Mapping[str, Any]) -> Any:
        nonlocal taken, set_after
        if not taken and not set_after:
            hints = _hints(target)
            plan = [
                (
                    field.init,
                    (
                        field.name,
                        field.alias or field.name,
                        _stored_as_is(hints.get(field.name, Any)),
                        _decoder_for(hints.get(field.name, Any)),
                    ),
                )
                for field in attrs.fields(target)
            ]
            set_after = tuple(entry for init, entry in plan if not init)
            taken = tuple(entry for init, entry in plan if init)
        # Most fields are text or numbers, which JSON gives back as they were, or empty
        # lists: those skip their decoder.
        instance = target(
            **{
                keyword: stored if type(stored) in as_is else decode_field(stored)
                for name, keyword, as_is, decode_field in taken
                if (stored := data.get(name, _ABSENT)) is not _ABSENT
            }
        )
        for name, _keyword, as_is, decode_field in set_after:
            if (stored := data.get(name, _ABSENT)) is not _ABSENT:
                value = stored if type(stored) in as_is else decode_field(stored)
                object.__setattr__(instance, name, value)
        return instance

    _BUILDERS[target] = build
    polymorphic = issubclass(target, DomainEvent)

    def decode_object(data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object for {target.__name__}")
        if polymorphic and EVENT_TYPE_KEY in data:
            concrete = _event_class(target, data[EVENT_TYPE_KEY])
            if concrete is not target:
                _decoder_for(concrete)
                return _BUILDERS[concrete](data)
        return build(data)

    return decode_object


_ABSENT: Any = object()

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
