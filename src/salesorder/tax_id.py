"""Unified social credit codes (统一社会信用代码, GB 32100-2015), checked without any I/O.

A code has 18 characters from a 31-symbol alphabet (digits and upper-case letters
without I, O, S, V, Z):

* 1: registration authority (登记管理部门), 2: organisation category (机构类别);
* 3-8: administrative division code (six digits);
* 9-17: the organisation code (组织机构代码, GB 11714), whose 9th character is a
  mod-11 check character over the first eight;
* 18: the mod-31 check character over the first seventeen.

Beyond the check characters, a code must have the structure the standard fixes: a
registration authority of :data:`USCC_CATEGORIES`, an organisation category that
authority issues, and an administrative division that is not all zeros and starts with
a province of GB/T 2260 (or ``10``, the national level). Without those rules a code of
eighteen zeros would pass, since both of its check characters are right.

Invariants: :func:`make_uscc` always returns a code that :func:`is_valid_uscc`
accepts, and changing any single character of a valid code makes it invalid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from salesorder.errors import ArgumentTypeError, SalesOrderError, define_code, define_phrase

__all__ = [
    "USCC_ALPHABET",
    "USCC_CATEGORIES",
    "TaxIdError",
    "is_valid_uscc",
    "make_uscc",
    "organization_check_character",
]

#: The 31 symbols of GB 32100-2015, in value order (0-30).
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE: Final = {symbol: value for value, symbol in enumerate(USCC_ALPHABET)}
#: Weight of position i is 3**i mod 31.
_WEIGHTS_31: Final = tuple(pow(3, i, 31) for i in range(17))
_WEIGHTS_11: Final = (3, 7, 9, 10, 5, 8, 4, 2)
#: Organisation categories (2nd character) per registration authority (1st character):
#: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管 (工商),
#: A 中央军委改革和编制办公室, N 农业农村, Y 其他.
USCC_CATEGORIES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "1": frozenset("1239"),
        "2": frozenset("19"),
        "3": frozenset("123459"),
        "4": frozenset("19"),
        "5": frozenset("1239"),
        "6": frozenset("129"),
        "7": frozenset("129"),
        "8": frozenset("19"),
        "9": frozenset("123"),
        "A": frozenset("19"),
        "N": frozenset("1239"),
        "Y": frozenset("1"),
    }
)
#: First two digits of a GB/T 2260 division: the provinces, and 10 for national registrations.
_PROVINCES: Final = frozenset(
    str(number)
    # By region: national level and North (1x), Northeast (2x), East (3x), South Central
    # (4x), Southwest (5x), Northwest (6x), Taiwan (71), Hong Kong and Macao (81, 82).
    for first, last in ((10, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71))
    for number in range(first, last + 1)
) | {"81", "82"}
_SHAPE: Final = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")
_ORGANIZATION_BODY: Final = re.compile(r"[0-9A-Z]{8}")

# Why a prefix is refused: the ``reason`` of ``tax_id.prefix.invalid`` (terms).
PREFIX_SHAPE: Final = define_phrase("16 symbols: 2 code symbols, 6 digits, 8 code symbols")
PREFIX_STRUCTURE: Final = define_phrase(
    "a known authority, its category and a real division come first"
)
TAX_ID_PREFIX_INVALID: Final = define_code(
    "tax_id.prefix.invalid",
    en="Not a unified social credit code prefix: {reason}.",
)
TAX_ID_ORGANIZATION_BODY_INVALID: Final = define_code(
    "tax_id.organization_body.invalid",
    en="An organisation code body is exactly 8 digits or upper-case letters.",
)


class TaxIdError(SalesOrderError, ValueError):
    """Input a check character cannot be computed for (the value is never in the message)."""

    default_code = TAX_ID_PREFIX_INVALID


def _text(value: object, argument: str) -> str:
    if not isinstance(value, str):
        kind = type(value).__name__
        raise ArgumentTypeError(params={"argument": argument, "expected": "text", "kind": kind})
    return value


def _org_value(symbol: str) -> int:
    # GB 11714 values: digits are themselves, letters A=10 ... Z=35.
    return int(symbol) if symbol.isdigit() else ord(symbol) - 55


def organization_check_character(body: str) -> str:
    """The GB 11714 mod-11 check character for the 8-character organisation code ``body``.

    Args:
        body: Eight digits or upper-case letters.

    Returns:
        ``0``-``9`` or ``X``.

    Raises:
        TaxIdError: ``tax_id.organization_body.invalid`` for anything but 8 digits or
            upper-case ASCII letters.
        ArgumentTypeError: when ``body`` is not text.
    """
    if not _ORGANIZATION_BODY.fullmatch(_text(body, "organisation code body")):
        raise TaxIdError(TAX_ID_ORGANIZATION_BODY_INVALID)
    total = sum(
        _org_value(symbol) * weight for symbol, weight in zip(body, _WEIGHTS_11, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _check_31(body: str) -> str:
    total = sum(_VALUE[symbol] * weight for symbol, weight in zip(body, _WEIGHTS_31, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str, *, check_organization_code: bool = True) -> bool:
    """Whether ``code`` is a well-formed unified social credit code.

    Args:
        code: The code, exactly 18 characters, upper case.
        check_organization_code: Also verify the mod-11 check character (17th) of the
            embedded organisation code.

    Returns:
        True when the shape and the check characters are right.
    """
    if not isinstance(code, str) or len(code) != 18 or not _SHAPE.fullmatch(code):
        return False
    if not _has_structure(code):
        return False
    # The shape pattern already made the organisation code 8 digits or capitals.
    if check_organization_code and organization_check_character(code[8:16]) != code[16]:
        return False
    return _check_31(code[:17]) == code[17]


def _has_structure(code: str) -> bool:
    """Authority, its category, and a real administrative division (GB 32100-2015 §4)."""
    # The division (characters 3-8) starts with a province; 00 is none, so a division
    # of zeros is refused too.
    return code[1] in USCC_CATEGORIES.get(code[0], ()) and code[2:4] in _PROVINCES


def make_uscc(prefix: str) -> str:
    """Complete a 16-character prefix into a valid code by adding both check characters.

    Args:
        prefix: Authority, category, six-digit division and the 8-character organisation
            code body, e.g. ``"91440300" + "MA5FXXXX"``; symbols from :data:`USCC_ALPHABET`.

    Returns:
        The 18-character code.

    Raises:
        TaxIdError: ``tax_id.prefix.invalid`` (a ``ValueError``) if ``prefix`` does not
            have that shape, or its authority, category or division is not one the
            standard allows.
        ArgumentTypeError: when ``prefix`` is not text.
    """
    if len(_text(prefix, "prefix")) != 16 or not _SHAPE.fullmatch(prefix + "00"):
        raise TaxIdError(params={"reason": PREFIX_SHAPE})
    if not _has_structure(prefix):
        raise TaxIdError(params={"reason": PREFIX_STRUCTURE})
    org_check = organization_check_character(prefix[8:])
    body = prefix + org_check
    return body + _check_31(body)
