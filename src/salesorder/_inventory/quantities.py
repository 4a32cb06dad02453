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
    define_phrase,
)
from salesorder.money import to_decimal

ZERO: Final = Decimal(0)

# Why a quantity, a reservation request or an allocation is refused: the ``reason`` of
# ``stock.quantity.invalid``, ``stock.reservation.invalid`` and ``stock.strategy.invalid``
# (terms of the catalogs; fields are filled from the error's other params).
NOT_A_NUMBER: Final = define_phrase("{kind} is not a number")
NEGATIVE: Final = define_phrase("must not be negative")
QUANTITY_NOT_POSITIVE: Final = define_phrase("must be positive")
TOO_PRECISE: Final = define_phrase("more than {max_places} decimal places")
RESERVED_ABOVE_ON_HAND: Final = define_phrase("must not exceed on hand")
OPENING_RESERVED: Final = define_phrase("opening positions cannot be reserved")
QUANTITY_NOT_STORABLE: Final = define_phrase("needs at most {max_places} decimals and < 10^12")
NO_LINES: Final = define_phrase("no lines")
DUPLICATE_LINE_IDS: Final = define_phrase("duplicate line ids")
EMPTY_SKU_OR_LOCATION: Final = define_phrase("SKU and location must not be empty")
ALLOCATED_BEYOND_STOCK: Final = define_phrase("{sku} at {location}")
OVER_SERVED: Final = define_phrase("{sku} over-served")
#: What ``{what}`` names in ``stock.quantity.invalid`` (terms too): the quantity given to a
#: stock operation, a stock level (``to_quantity(..., what=...)``), a position's reserved.
QUANTITY_NAMES: Final = tuple(
    define_phrase(name)
    for name in (
        "quantity",
        "counted",
        "stock level",
        "safety_stock",
        "reorder_point",
        "max_level",
        "reserved",
        "on_hand",
    )
)
#: The ``entity`` and ``expected`` of a ``concurrency.conflict`` on stock, and the
#: operations ``{operation}`` names (terms).
STOCK_ENTITY: Final = define_phrase("stock ({operation})")
CURRENT_VERSION: Final = define_phrase("current")
STOCK_OPERATIONS: Final = tuple(
    define_phrase(operation)
    for operation in (
        "receive",
        "reserve",
        "adjust",
        "count",
        "restock",
        "scrap",
        "ship",
        "transfer",
        "set_levels",
    )
)
#: What ``{action}`` names in ``stock.reservation.exceeded`` (terms).
RESERVATION_ACTIONS: Final = (define_phrase("commit"), define_phrase("release"))

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
        raise InvalidQuantity(params={**error.params, "what": what}) from None
    except TypeError:
        raise InvalidQuantity(
            params={"what": what, "reason": NOT_A_NUMBER, "kind": type(value).__name__}
        ) from None
    if number < 0:
        raise InvalidQuantity(params={"what": what, "reason": NEGATIVE})
    if too_precise_quantity(number):
        raise InvalidQuantity(
            params={"what": what, "reason": TOO_PRECISE, "max_places": QUANTITY_PLACES}
        )
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
        raise InvalidQuantity(params={"what": what, "reason": QUANTITY_NOT_POSITIVE})
    return number


def to_optional_level(value: object) -> Decimal | None:
    return None if value is None else to_quantity(value, what="stock level")


def as_quantity(value: object) -> Decimal:
    return to_quantity(value)
