"""Exchange rates: a price list in one currency, the order in another (R4, R5).

An :class:`ExchangeRate` says what one unit of a ``base`` currency is worth in a ``quote``
currency on a date. When an order is in another currency than the price list, the
service asks its ``ExchangeRates`` port (``salesorder.ports``; the in-memory adapter is
``MemoryExchangeRates``) for the rate in force on the order's entry date and stores it on
the order (``Order.exchange_rate``): every later pricing of the order converts with the
stored rate, so its totals stay reproducible whatever the rates do afterwards.

Where the rounding happens, once: pricing converts each list unit price (after a unit
of measure's factor) exactly, ``list price * rate``, and rounds it to the order
currency's minor unit; everything after that (discounts, promotions, tax) is computed
in the order currency as for any order. Promotion amounts, charges and manual prices
are in the order currency.

Invariants: a rate is a positive, finite Decimal of at most 18 significant digits; base
and quote are different ISO 4217 codes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from salesorder.errors import SalesOrderError, define_code, define_phrase
from salesorder.money import minor_unit

__all__ = ["ExchangeRate", "InvalidExchangeRate", "MissingExchangeRate"]

EXCHANGE_RATE_INVALID: Final = define_code(
    "currency.rate.invalid",
    en="Invalid exchange rate: {reason}.",
)
EXCHANGE_RATE_MISSING: Final = define_code(
    "currency.rate.missing",
    en="No exchange rate from {base} to {quote} on {on}.",
)

_DIGITS: Final = 18

# Why a rate is refused: the ``reason`` of ``currency.rate.invalid`` (terms of the catalogs).
RATE_NOT_A_NUMBER_TYPE: Final = define_phrase("a rate must be a Decimal, int or str")
RATE_NOT_A_NUMBER: Final = define_phrase("a rate must be a number")
RATE_NOT_POSITIVE: Final = define_phrase("a rate must be positive and finite")
RATE_TOO_PRECISE: Final = define_phrase("a rate has at most {digits} significant digits")
SAME_CURRENCY: Final = define_phrase("base and quote are the same currency")


class InvalidExchangeRate(SalesOrderError, ValueError):
    """An exchange rate that cannot be used (``currency.rate.invalid``)."""

    default_code = EXCHANGE_RATE_INVALID

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(params={"reason": reason, **params})


class MissingExchangeRate(SalesOrderError, LookupError):
    """No rate from the price list's currency to the order's on its date.

    Attributes:
        base: The price list's currency.
        quote: The order's currency.
        on: The date asked for.
    """

    default_code = EXCHANGE_RATE_MISSING

    def __init__(self, base: str, quote: str, on: date) -> None:
        self.base, self.quote, self.on = base, quote, on
        super().__init__(params={"base": base, "quote": quote, "on": on.isoformat()})


def _rate(value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidExchangeRate(RATE_NOT_A_NUMBER_TYPE)
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise InvalidExchangeRate(RATE_NOT_A_NUMBER) from None
    if not number.is_finite() or number <= 0:
        raise InvalidExchangeRate(RATE_NOT_POSITIVE)
    if len(number.normalize().as_tuple().digits) > _DIGITS:
        raise InvalidExchangeRate(RATE_TOO_PRECISE, digits=_DIGITS)
    return number


def _currencies(instance: ExchangeRate, _attribute: object, quote: str) -> None:
    minor_unit(instance.base)
    minor_unit(quote)
    if instance.base == quote:
        raise InvalidExchangeRate(SAME_CURRENCY)


@attrs.frozen
class ExchangeRate:
    """One unit of ``base`` is worth ``rate`` units of ``quote`` on ``on``.

    Attributes:
        base: The currency converted from (the price list's), ISO 4217.
        quote: The currency converted to (the order's), ISO 4217.
        rate: Units of ``quote`` per unit of ``base`` (positive, at most 18 digits).
        on: The date the rate is in force from (as the source gave it).
    """

    base: str
    quote: str = attrs.field(validator=_currencies)
    rate: Decimal = attrs.field(converter=_rate)
    on: date = attrs.field(validator=attrs.validators.instance_of(date))

    def convert(self, amount: Decimal) -> Decimal:
        """``amount`` of ``base`` in ``quote``, exact (the caller rounds it once)."""
        return amount * self.rate
