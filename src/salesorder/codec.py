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
from collections.abc import Mapping
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


def decode(target: Any, data: Any) -> Any:
    """Rebuild a value of type ``target`` from data produced by :func:`encode`.

    Args:
        target: The type, e.g. ``Order`` or ``tuple[OrderLine, ...]``.
        data: The JSON-compatible data.

    Returns:
        The rebuilt value.

    Raises:
        TypeError: when ``data`` does not fit ``target``.
    """
    origin = typing.get_origin(target)
    if target is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(target)
        if data is None and type(None) in options:
            return None
        last_error: Exception | None = None
        for option in options:
            if option is type(None):
                continue
            try:
                return decode(option, data)
            except (TypeError, ValueError, KeyError) as error:
                last_error = error
        raise TypeError(f"no option of {target} fits") from last_error
    if origin is typing.Literal:
        return data
    if origin in (tuple, list, frozenset, set):
        args = typing.get_args(target)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], item) for item in data)
        if origin is tuple:
            return tuple(decode(arg, item) for arg, item in zip(args, data, strict=True))
        item_type = args[0] if args else Any
        return origin(decode(item_type, item) for item in data)
    if origin in (dict, Mapping, typing.Mapping) or target in (dict, Mapping):
        key_type, value_type = typing.get_args(target) or (Any, Any)
        return {decode(key_type, k): decode(value_type, v) for k, v in data.items()}
    if isinstance(target, type):
        return _decode_class(target, data)
    msg = f"cannot decode into {target!r}"
    raise TypeError(msg)


def _event_class(base: type, name: object) -> type:
    found = event_types().get(str(name))
    if found is None or not issubclass(found, base):
        msg = f"unknown event type {name!r}"
        raise TypeError(msg)
    return found


def _decode_class(target: type, data: Any) -> Any:
    if target is Money:
        return Money(data["amount"], data["currency"])
    if issubclass(target, enum.Enum):
        return target(data)
    if target is Decimal:
        if not isinstance(data, str | int) or isinstance(data, bool):
            raise TypeError("a Decimal is stored as a string")
        return Decimal(data)
    if target is datetime:
        return datetime.fromisoformat(data)
    if target is date:
        return date.fromisoformat(data)
    if target is bool:
        if not isinstance(data, bool):
            raise TypeError("expected a boolean")
        return data
    if target in (int, str):
        if not isinstance(data, target) or isinstance(data, bool):
            raise TypeError(f"expected {target.__name__}")
        return data
    if attrs.has(target):
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object for {target.__name__}")
        if issubclass(target, DomainEvent) and EVENT_TYPE_KEY in data:
            target = _event_class(target, data[EVENT_TYPE_KEY])
        hints = _hints(target)
        kwargs: dict[str, Any] = {}
        late: dict[str, Any] = {}
        for field in attrs.fields(target):
            if field.name not in data:
                continue
            value = decode(hints.get(field.name, Any), data[field.name])
            if field.init:
                kwargs[field.alias or field.name] = value
            else:
                late[field.name] = value
        instance = target(**kwargs)
        for name, value in late.items():
            object.__setattr__(instance, name, value)
        return instance
    if target is object:
        return data
    msg = f"cannot decode into {target.__name__}"
    raise TypeError(msg)
