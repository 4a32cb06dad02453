"""Stock quantities: exact, non-negative Decimals; the stock error codes and errors.

Private: import every name from :mod:`salesorder.inventory`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from salesorder.errors import (
    FloatRefused,
    InvalidMoney,
    SalesOrderError,
    define_code,
)
from salesorder.money import to_decimal

ZERO: Final = Decimal(0)

STOCK_QUANTITY_INVALID = define_code(
    "stock.quantity.invalid",
    en="Invalid stock quantity for {what}: {reason}.",
)
STOCK_OPERATION_CONFLICT = define_code(
    "stock.operation.conflict",
    en="Operation {operation_id} was already used for a different request.",
)
STOCK_RESERVATION_EXCEEDED = define_code(
    "stock.reservation.exceeded",
    en="Cannot {action} {requested} of line {line_id}: only {remaining} remain.",
)
STOCK_RESERVATION_DUPLICATE = define_code(
    "stock.reservation.duplicate",
    en="Reservation {reservation_id} already exists.",
)
STOCK_RESERVATION_INVALID = define_code(
    "stock.reservation.invalid",
    en="Invalid reservation request: {reason}.",
)
STOCK_ADJUST_BELOW_RESERVED = define_code(
    "stock.adjust.below_reserved",
    en="Counted {counted} of {sku} at {location} is below the reserved {reserved}; "
    "release reservations first.",
)
STOCK_POSITION_DUPLICATE = define_code(
    "stock.position.duplicate",
    en="The opening position of {sku} at {location} is given more than once.",
)
STOCK_TRANSFER_SAME_LOCATION = define_code(
    "stock.transfer.same_location",
    en="A transfer needs two different locations, got {location} twice.",
)
STOCK_SAVEPOINT_UNKNOWN = define_code(
    "stock.savepoint.unknown",
    en="Savepoint {savepoint} is not open on this stock ledger.",
)
STOCK_STRATEGY_INVALID = define_code(
    "stock.strategy.invalid",
    en="The allocation strategy {strategy} returned an invalid allocation: {reason}.",
)


class InvalidQuantity(SalesOrderError, ValueError):
    """A stock quantity that is negative, zero where a positive one is needed, or not a number."""

    default_code = STOCK_QUANTITY_INVALID


class OperationConflict(SalesOrderError, ValueError):
    """An operation id reused for a request with different arguments.

    Attributes:
        operation_id: The reused id.
    """

    default_code = STOCK_OPERATION_CONFLICT

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        super().__init__(params={"operation_id": operation_id})


class InvalidAllocation(SalesOrderError, ValueError):
    """An allocation strategy proposed more than is available or more than was asked."""

    default_code = STOCK_STRATEGY_INVALID


# --------------------------------------------------------------------------- quantities

#: The most decimal places of any quantity the library takes: order lines, shipments,
#: deliveries, returns, amendments and stock alike. Every store holds six exactly (the SQL
#: adapter: NUMERIC(24, 6), or integers of millionths on SQLite), so the gate and the
#: commands refuse more, and memory and SQL agree on what is accepted.
QUANTITY_PLACES: Final = 6


def too_precise_quantity(number: Decimal) -> bool:
    """Whether a finite ``number`` has more than `QUANTITY_PLACES` decimals.

    Trailing zeros carry no precision (``1.50000000`` has one decimal). Exact, whatever
    the caller's decimal context.
    """
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int) or exponent >= -QUANTITY_PLACES:
        return False
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return False  # zero, however many places it is written with
    return exponent + len(digits) - len(significant) < -QUANTITY_PLACES


# Quantities already validated (bounded, so untrusted input cannot grow it without limit).
CHECKED_QUANTITIES: set[Decimal] = set()
CHECKED_LIMIT: Final = 4096


def to_quantity(value: object, *, what: str = "quantity") -> Decimal:
    """Convert an int, str or Decimal to an exact, non-negative stock quantity.

    Args:
        value: The value; ``float`` is refused.
        what: Name of the quantity, used in the error's parameters.

    Returns:
        The quantity as a Decimal.

    Raises:
        FloatRefused: for a ``float``.
        InvalidQuantity: for a negative, non-finite, unparseable or absurd value, or
            one with more than `QUANTITY_PLACES` decimal places.
    """
    if type(value) is Decimal and value.is_finite() and value in CHECKED_QUANTITIES:
        # Hot path: real quantities repeat (1, 2, 10...), and each was checked once.
        return value
    if isinstance(value, float):
        raise FloatRefused
    try:
        number = to_decimal(value, what=what)
    except InvalidMoney as error:
        raise InvalidQuantity(params={"what": what, "reason": error.params["reason"]}) from None
    except TypeError:
        raise InvalidQuantity(
            params={"what": what, "reason": f"{type(value).__name__} is not a number"}
        ) from None
    if number < 0:
        raise InvalidQuantity(params={"what": what, "reason": "must not be negative"})
    if too_precise_quantity(number):
        reason = f"more than {QUANTITY_PLACES} decimal places"
        raise InvalidQuantity(params={"what": what, "reason": reason})
    if len(CHECKED_QUANTITIES) < CHECKED_LIMIT:
        CHECKED_QUANTITIES.add(number)
    return number


def to_positive_quantity(value: object, *, what: str = "quantity") -> Decimal:
    """:func:`to_quantity`, refusing zero too (a movement of nothing is no movement).

    Raises:
        FloatRefused: for a ``float``.
        InvalidQuantity: for a zero, negative, non-finite or unparseable value.
    """
    number = to_quantity(value, what=what)
    if not number:
        raise InvalidQuantity(params={"what": what, "reason": "must be positive"})
    return number


def to_optional_level(value: object) -> Decimal | None:
    return None if value is None else to_quantity(value, what="level")


def as_quantity(value: object) -> Decimal:
    return to_quantity(value)
