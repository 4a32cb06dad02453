"""Exact money: Decimal amounts in one ISO 4217 currency, rounded only when told how.

Invariants (checked by ``tests/property/test_money_properties.py``):

* an amount is a finite :class:`~decimal.Decimal` within :data:`MAX_AMOUNT` and with at
  most :data:`MAX_DECIMAL_PLACES` decimal places; ``float`` is refused with ``TypeError``;
* ``+``, ``-`` and ordering only combine amounts of one currency
  (:class:`~salesorder.errors.CurrencyMismatch` otherwise); arithmetic is exact, and a
  result beyond :data:`MAX_AMOUNT` is refused (:class:`~salesorder.errors.InvalidMoney`),
  so no Money exists that a store could not read back;
* :meth:`Money.quantize` rounds to the currency's minor unit from CLDR
  (JPY 0, CNY 2, KWD 3) with an explicit :class:`RoundingMode`;
* :func:`allocate` splits an amount into whole minor units that sum exactly to it,
  each part within one minor unit of its proportional share, deterministically.
"""

from __future__ import annotations

import decimal
import enum
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, ParamSpec, SupportsIndex, TypeVar

import attrs
import babel
import babel.numbers

from salesorder.errors import (
    ARGUMENT_NOT_A_CHOICE,
    AllocationError,
    ArgumentTypeError,
    CurrencyMismatch,
    FloatRefused,
    InvalidArgument,
    InvalidMoney,
    UnknownCurrency,
    define_phrase,
)

__all__ = [
    "MAX_AMOUNT",
    "MAX_DECIMAL_PLACES",
    "NUMBER_PATTERN",
    "Money",
    "RoundingMode",
    "RoundingPolicy",
    "RoundingScope",
    "allocate",
    "format_money",
    "in_exact_context",
    "is_currency",
    "is_number_text",
    "minor_unit",
    "to_decimal",
]

#: Largest absolute amount accepted (exclusive): 10**15 covers any real order in any currency.
MAX_AMOUNT: Final = Decimal(10) ** 15
#: Most decimal places accepted on input; intermediate results may carry more.
MAX_DECIMAL_PLACES: Final = 12
#: The one grammar of a number written as text, for the gate's JSON Schema and every
#: reader of the library: ASCII digits, an optional sign, fraction and exponent, and
#: ASCII blanks around. Python's ``Decimal()`` also takes ``"1_000"``, other scripts'
#: digits (``"١٢"``, ``"１２"``) and Unicode spaces; none of them is a number here.
NUMBER_PATTERN: Final = r"^[ \t\n\r]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\r]*$"
_NUMBER_TEXT: Final = re.compile(NUMBER_PATTERN)
#: ``Decimal.adjusted()`` of the smallest amount out of range.
_MAX_ADJUSTED: Final = MAX_AMOUNT.adjusted()

# Why an amount or a split is refused: the ``reason`` of ``money.invalid_amount`` and
# ``money.allocation.invalid_weights`` (terms of the catalogs; ``{what}`` is the
# amount's name, itself a term such as ``quantity``, ``{index}`` a weight's position).
TEXT_TOO_LONG: Final = define_phrase("{what} text is too long")
NOT_A_NUMBER: Final = define_phrase("{what} is not a number")
OUT_OF_RANGE: Final = define_phrase("{what} is out of range")
NOT_FINITE: Final = define_phrase("{what} must be finite")
TOO_PRECISE: Final = define_phrase("{what} has more than {max_places} decimal places")
RESULT_OUT_OF_RANGE: Final = define_phrase("the result is out of range")
FACTOR_NOT_FINITE: Final = define_phrase("factor must be finite")
WEIGHT_NOT_A_NUMBER: Final = define_phrase("weight {index} is not a number")
WEIGHT_NOT_FINITE: Final = define_phrase("weight {index} is not finite")
WEIGHT_NEGATIVE: Final = define_phrase("weight {index} is negative")
NO_WEIGHTS: Final = define_phrase("no weights")
WEIGHTS_ALL_ZERO: Final = define_phrase("all weights are zero")
#: The names ``to_decimal(..., what=...)`` is called with in the library (terms too).
AMOUNT_NAMES: Final = tuple(
    define_phrase(name)
    for name in ("amount", "quantity", "backordered quantity", "requested_discount", "factor")
)


#: Arithmetic context wide enough that no product or sum of accepted amounts rounds.
_EXACT: Final = decimal.Context(
    prec=80,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero],
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_exact_context(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` in the library's own decimal context, whatever the caller's is.

    Python's decimal arithmetic rounds to the *current thread's* context: a host that set
    ``decimal.getcontext().prec = 9``, a truncating rounding or an ``Inexact`` trap would
    otherwise change totals or make a computation raise. Every public entry point that
    computes with plain ``Decimal`` (pricing, tax, allocation of discounts) is wrapped in
    this, so its results are the same in any ambient context. :class:`Money` arithmetic
    needs no wrapper: it names the context explicitly.

    Args:
        function: The computation.

    Returns:
        The same function, run under an 80-digit, half-even context that traps invalid
        operations, overflow and division by zero.
    """

    @functools.wraps(function)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(_EXACT):
            return function(*args, **kwargs)

    return run


class RoundingMode(enum.Enum):
    """How an amount is rounded to the currency's minor unit."""

    HALF_UP = decimal.ROUND_HALF_UP
    """0.5 rounds away from zero: the commercial default (四舍五入)."""
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    """0.5 rounds to the even neighbour (banker's rounding)."""
    HALF_DOWN = decimal.ROUND_HALF_DOWN
    """0.5 rounds towards zero."""
    UP = decimal.ROUND_UP
    """Always away from zero."""
    DOWN = decimal.ROUND_DOWN
    """Always towards zero (truncation)."""
    CEILING = decimal.ROUND_CEILING
    """Towards positive infinity."""
    FLOOR = decimal.ROUND_FLOOR
    """Towards negative infinity."""


class RoundingScope(enum.Enum):
    """Where rounding happens when several amounts are combined (e.g. tax)."""

    LINE = "line"
    """Round each line, then add the rounded lines."""
    DOCUMENT = "document"
    """Add exact line amounts, round the document total once, allocate it back over the lines."""


@attrs.frozen
class RoundingPolicy:
    """One object for every rounding decision: the mode and where it applies.

    Attributes:
        mode: How to round to the minor unit.
        scope: Round per line or once per document.
    """

    mode: RoundingMode = RoundingMode.HALF_UP
    scope: RoundingScope = RoundingScope.LINE


@functools.cache
def _currencies() -> frozenset[str]:
    return frozenset(babel.numbers.list_currencies())


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 code known to babel's CLDR data."""
    return isinstance(code, str) and code in _currencies()


def minor_unit(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit (JPY 0, CNY 2, KWD 3).

    Raises:
        UnknownCurrency: if the code is not known (or not text).
    """
    if not isinstance(currency, str) or not is_currency(currency):
        raise UnknownCurrency(params={"currency": str(currency)[:8]})
    return _minor_unit(currency)


@functools.cache
def _minor_unit(currency: str) -> int:
    return int(babel.numbers.get_currency_precision(currency))


# The places of the known codes met by Money.of_minor (minor_unit's answers, checked once).
_PLACES: Final[dict[str, int]] = {}


@functools.cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a number in the library's grammar (:data:`NUMBER_PATTERN`)."""
    return _NUMBER_TEXT.fullmatch(text) is not None


def _parse_text(value: str, what: str) -> Decimal:
    text = value.strip(" \t\n\r")
    if len(text) > 64:
        raise InvalidMoney(params={"reason": TEXT_TOO_LONG, "what": what})
    if not is_number_text(text):
        raise InvalidMoney(params={"reason": NOT_A_NUMBER, "what": what})
    try:
        return Decimal(text)
    except decimal.InvalidOperation:  # an exponent Decimal cannot hold
        raise InvalidMoney(params={"reason": OUT_OF_RANGE, "what": what}) from None


def to_decimal(value: object, *, what: str = "amount") -> Decimal:
    """Convert an int, str or Decimal to a finite, bounded Decimal.

    Args:
        value: The value to convert. ``float`` and ``bool`` are refused.
        what: Name used in the error's reason.

    Returns:
        The exact Decimal.

    Raises:
        FloatRefused: for ``float`` (a ``TypeError``).
        ArgumentTypeError: for ``bool`` and any other non-numeric type (a ``TypeError``).
        InvalidMoney: for NaN, infinities, unparseable text or absurd magnitude/precision.
    """
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool):
        raise _not_a_number(what, value)
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        number = _parse_text(value, what)
    elif isinstance(value, float):
        raise FloatRefused
    else:
        raise _not_a_number(what, value)
    if not number.is_finite():
        raise InvalidMoney(params={"reason": NOT_FINITE, "what": what})
    if number and number.adjusted() >= _MAX_ADJUSTED:
        raise InvalidMoney(params={"reason": OUT_OF_RANGE, "what": what})
    exponent = int(number.as_tuple().exponent)
    if exponent < -MAX_DECIMAL_PLACES:
        # Trailing zeros ("1.000000000000000") carry no precision; drop them before judging.
        number = number.normalize(_EXACT)
        if int(number.as_tuple().exponent) < -MAX_DECIMAL_PLACES:
            raise InvalidMoney(
                params={"reason": TOO_PRECISE, "what": what, "max_places": MAX_DECIMAL_PLACES}
            )
    return number


def _wrong_type(argument: str, expected: str, value: object) -> ArgumentTypeError:
    kind = type(value).__name__
    return ArgumentTypeError(params={"argument": argument, "expected": expected, "kind": kind})


def _not_a_number(what: str, value: object) -> ArgumentTypeError:
    return _wrong_type(what, "a Decimal, int or string", value)


def _not_money(other: object) -> ArgumentTypeError:
    kind = type(other).__name__
    return ArgumentTypeError(params={"argument": "operand", "expected": "Money", "kind": kind})


@attrs.frozen(init=False, eq=False, repr=False)
class Money:
    """An exact amount of one currency.

    Construct with ``Money("12.30", "CNY")`` or :meth:`Money.of`. Amounts keep the
    precision they were given (arithmetic is exact) until :meth:`quantize` rounds them.

    Attributes:
        amount: The exact Decimal amount.
        currency: The ISO 4217 code, upper case.
    """

    amount: Decimal
    currency: str

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        code = currency.upper() if isinstance(currency, str) else currency
        if not isinstance(code, str) or not is_currency(code):
            raise UnknownCurrency(params={"currency": str(currency)[:8]})
        object.__setattr__(self, "amount", to_decimal(amount))
        object.__setattr__(self, "currency", code)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Alternative spelling of the constructor, reading well at call sites."""
        return cls(amount, currency)

    @classmethod
    def of_minor(cls, minor: int, currency: str) -> Money:
        """``minor`` minor units of ``currency``, exactly (``1230`` CNY is 12.30 CNY).

        The amount has the currency's places (``Decimal('12.30')``), as a quantized one.
        Cheaper than the constructor for integers read from a store (no parsing).

        Raises:
            ArgumentTypeError: if ``minor`` is not an ``int`` (``bool`` is refused).
            UnknownCurrency: if the code is not known.
            InvalidMoney: if the amount is out of range.
        """
        if type(minor) is not int and (not isinstance(minor, int) or isinstance(minor, bool)):
            raise _not_a_number("minor", minor)
        places = _PLACES.get(currency) if isinstance(currency, str) else None
        code = currency
        if places is None:
            code = currency.upper() if isinstance(currency, str) else currency
            places = _PLACES[code] = minor_unit(code)
        amount = Decimal(minor).scaleb(-places)
        if minor and amount.adjusted() >= _MAX_ADJUSTED:
            raise InvalidMoney(params={"reason": OUT_OF_RANGE, "what": "amount"})
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", code)
        return money

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(0, currency)

    @classmethod
    def _exact(cls, amount: Decimal, currency: str) -> Money:
        # Results of arithmetic on valid Money are finite and exact by construction; only
        # their magnitude can grow past what a store reads back (2000 x 999,999,999,999.99).
        if amount and amount.adjusted() >= _MAX_ADJUSTED:
            raise InvalidMoney(params={"reason": RESULT_OUT_OF_RANGE})
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", currency)
        return money

    # -- comparison -------------------------------------------------------------------------

    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise _not_money(other)
        if other.currency != self.currency:
            raise CurrencyMismatch(params={"left": self.currency, "right": other.currency})
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._check(other).amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    # -- arithmetic -------------------------------------------------------------------------

    # Operands that are not Money are refused with a coded TypeError rather than
    # NotImplemented: no other type adds to money, and the interpreter's own TypeError
    # would carry no code.
    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            raise _not_money(other)
        return Money._exact(_EXACT.add(self.amount, self._check(other).amount), self.currency)

    def __radd__(self, other: object) -> Money:
        # Lets sum(moneys, start) and sum() with the int 0 start work.
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        raise _not_money(other)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            raise _not_money(other)
        return Money._exact(_EXACT.subtract(self.amount, self._check(other).amount), self.currency)

    def __rsub__(self, other: object) -> Money:
        raise _not_money(other)

    def __neg__(self) -> Money:
        return Money._exact(-self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money._exact(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise FloatRefused
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise _not_a_number("factor", factor)
        if isinstance(factor, Decimal) and not factor.is_finite():
            raise InvalidMoney(params={"reason": FACTOR_NOT_FINITE})
        return Money._exact(_EXACT.multiply(self.amount, factor), self.currency)

    __rmul__ = __mul__

    # -- rounding and splitting ---------------------------------------------------------------

    @property
    def minor_unit(self) -> int:
        """Decimal places of this currency's minor unit."""
        return minor_unit(self.currency)

    def quantize(self, rounding: RoundingMode = RoundingMode.HALF_UP) -> Money:
        """Round to the currency's minor unit.

        Args:
            rounding: The rounding mode; half-up (四舍五入) unless told otherwise.

        Returns:
            A new Money with exactly ``minor_unit`` decimal places. An amount that rounds
            to zero is zero, never ``-0`` (``Money("-0.001", "CNY")`` gives ``0.00``).
        """
        if type(rounding) is not RoundingMode:
            raise _wrong_type("rounding", "a RoundingMode", rounding)
        quantum = _quantum(self.currency)
        rounded = self.amount.quantize(quantum, rounding=rounding.value, context=_EXACT)
        if not rounded and rounded.is_signed():
            # A small negative rounds to "-0": the same number, but printed, stored
            # and compared digit by digit it would differ from zero.
            rounded = rounded.copy_abs()
        return Money._exact(rounded, self.currency)

    def is_quantized(self) -> bool:
        """Whether the amount is a whole number of minor units."""
        return self.amount == self.amount.quantize(_quantum(self.currency), context=_EXACT)

    def allocate(
        self,
        weights: Sequence[Decimal | int],
        *,
        rounding: RoundingMode = RoundingMode.HALF_UP,
    ) -> tuple[Money, ...]:
        """Split into parts proportional to ``weights``; see :func:`allocate`."""
        return allocate(self, weights, rounding=rounding)

    # -- presentation -----------------------------------------------------------------------

    def format(
        self,
        locale: str = "en_US",
        *,
        quantized: bool = True,
        rounding: RoundingMode = RoundingMode.HALF_UP,
    ) -> str:
        """Format for people with babel, e.g. ``¥1,234.50`` (zh_CN) or ``CN¥1,234.50`` (en_US).

        Args:
            locale: A CLDR locale identifier such as ``zh_CN`` or ``en_US``.
            quantized: Show the amount rounded to the currency's minor unit (default)
                rather than the exact amount.
            rounding: How to round when ``quantized``.
        """
        return format_money(self, locale, quantized=quantized, rounding=rounding)

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __round__(self, ndigits: SupportsIndex | None = None) -> Money:
        # round() on money would hide the rounding mode; make callers say it.
        raise ArgumentTypeError(
            params={
                "argument": "rounding of money",
                "expected": "Money.quantize(rounding=...)",
                "kind": "round()",
            }
        )


def _checked_locale(identifier: object) -> babel.Locale:
    if not isinstance(identifier, str):
        raise _wrong_type("locale", "a locale identifier such as zh_CN", identifier)
    try:
        return _locale(identifier)
    except (ValueError, TypeError, babel.UnknownLocaleError):
        params = {"argument": "locale", "choices": "CLDR locale identifiers such as zh_CN, en_US"}
        raise InvalidArgument(ARGUMENT_NOT_A_CHOICE, params=params) from None


@functools.cache
def _locale(identifier: str) -> babel.Locale:
    # Parsing a Locale costs about 10x the formatting itself; parse each identifier once.
    return babel.Locale.parse(identifier.replace("-", "_"))


@in_exact_context
def format_money(
    money: Money,
    locale: str = "en_US",
    *,
    quantized: bool = True,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> str:
    """Format ``money`` for ``locale`` with babel; see :meth:`Money.format`."""
    if not isinstance(money, Money):
        raise _not_money(money)
    # Round ourselves: babel would round half-even, which is not the commercial default.
    amount = money.quantize(rounding).amount if quantized else money.amount
    return babel.numbers.format_currency(
        amount,
        money.currency,
        locale=_checked_locale(locale),
        currency_digits=quantized,
        decimal_quantization=quantized,
    )


def _as_fraction(weight: Decimal | int, index: int) -> Fraction:
    if isinstance(weight, float):
        raise FloatRefused
    if isinstance(weight, bool) or not isinstance(weight, Decimal | int):
        raise AllocationError(params={"reason": WEIGHT_NOT_A_NUMBER, "index": index})
    if isinstance(weight, Decimal) and not weight.is_finite():
        raise AllocationError(params={"reason": WEIGHT_NOT_FINITE, "index": index})
    if weight < 0:
        raise AllocationError(params={"reason": WEIGHT_NEGATIVE, "index": index})
    return Fraction(weight)


def allocate(
    total: Money,
    weights: Iterable[Decimal | int],
    *,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> tuple[Money, ...]:
    """Split ``total`` into parts proportional to ``weights`` that sum exactly to it.

    ``total`` is first quantized with ``rounding``. Each part is a whole number of
    minor units within one minor unit of its exact proportional share. Leftover
    units go to the largest remainders; ties go to the earlier weight, so the
    result is deterministic. Zero weights receive zero. Negative totals split
    like their absolute value, negated.

    Args:
        total: The amount to split.
        weights: Non-negative weights, not all zero.
        rounding: How to quantize ``total`` first.

    Returns:
        One quantized Money per weight, in order.

    Raises:
        AllocationError: for no weights, a negative weight, or all-zero weights.
        TypeError: for a float weight.
    """
    if not isinstance(total, Money):
        raise _not_money(total)
    if isinstance(weights, str | bytes) or not isinstance(weights, Iterable):
        raise _wrong_type("weights", "an iterable of numbers", weights)
    shares = [_as_fraction(w, i) for i, w in enumerate(weights)]
    if not shares:
        raise AllocationError(params={"reason": NO_WEIGHTS})
    weight_sum = sum(shares, Fraction(0))
    if weight_sum == 0:
        raise AllocationError(params={"reason": WEIGHTS_ALL_ZERO})
    whole = total.quantize(rounding)
    places = minor_unit(total.currency)
    units = int(whole.amount.scaleb(places, context=_EXACT))
    sign = -1 if units < 0 else 1
    units = abs(units)
    exact = [units * share / weight_sum for share in shares]
    floors = [int(e) for e in exact]  # Fractions are non-negative here: int() is floor.
    leftover = units - sum(floors)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in by_remainder[:leftover]:
        floors[index] += 1
    currency = total.currency
    return tuple(
        Money._exact(Decimal(sign * part).scaleb(-places, context=_EXACT), currency)
        for part in floors
    )
