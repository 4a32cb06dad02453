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

import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from salesorder.errors import (
    ARGUMENT_NOT_A_CHOICE,
    ARGUMENT_NOT_STORABLE,
    ArgumentTypeError,
    InvalidArgument,
)

__all__ = [
    "choice",
    "instance_of",
    "iterable",
    "mapping",
    "optional_text",
    "optional_texts",
    "storable_text",
    "unstorable_at",
    "wrong_type",
]

_T = TypeVar("_T")
_E = TypeVar("_E", bound=enum.Enum)

_NUL = "\x00"


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
        return nul, "NUL"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start, "an unpaired surrogate"
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
