"""What every SQL table module shares: the metadata, bounded-text checks, the write mark.

Both :mod:`salesorder.adapters.sql` (orders, outbox, counters...) and the stock store
(:mod:`salesorder.adapters._sql_stock`) import this module, and it imports neither: the
two table modules do not import each other's internals.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa

from salesorder import _arguments as arguments
from salesorder.errors import (
    STORAGE_REFUSED,
    STORAGE_SERIALIZATION,
    STORAGE_UNAVAILABLE,
    STORAGE_VALUE_TOO_LONG,
    ConcurrencyConflict,
    RuleViolation,
    SalesOrderError,
    StorageError,
)

__all__ = [
    "INTERRUPTED_WRITE",
    "METADATA",
    "TABLE_PREFIX",
    "Bound",
    "fit",
    "storage_error",
]

# SQLSTATEs of a transaction the server gave up so that another could go on: retrying
# the whole unit of work is the answer (serialization failure, deadlock).
_RETRY_STATES: Final = frozenset({"40001", "40P01"})

METADATA = sa.MetaData()
# Every table of METADATA starts with it; include_in_migrations relies on that.
TABLE_PREFIX: Final = "so_"
# Set in a driver connection's info when a store's write without a savepoint failed
# half-way: the unit of work then refuses to commit (storage.transaction_aborted).
INTERRUPTED_WRITE: Final = "salesorder.interrupted_write"


class Bound:
    """A bounded text column as a write checks it: the field named in errors and its limit.

    Args:
        field: What the value is, as the error names it (never the value itself).
        columns: Every column the value is stored in; the shortest one is the limit.
    """

    __slots__ = ("field", "limit")

    def __init__(self, field: str, *columns: sa.Column[Any]) -> None:
        lengths = [getattr(column.type, "length", None) for column in columns]
        if not lengths or None in lengths:
            msg = f"{field}: every column must be a bounded String"
            raise TypeError(msg)
        self.field: Final = field
        self.limit: Final[int] = min(length for length in lengths if length is not None)


def fit(value: str | None, bound: Bound) -> None:
    """Refuse a value its column cannot hold, before any statement runs.

    A ``len()`` and two scans in C for the common case (ASCII without NUL): the check
    sits on every write path, the hot ones included. Text with NUL (PostgreSQL refuses
    it) or an unpaired surrogate (no driver encodes it) would otherwise fail inside the
    driver, after part of the unit of work ran.

    Args:
        value: The value about to be stored (None: nothing to check).
        bound: The column it goes to.

    Raises:
        RuleViolation: ``storage.value_too_long`` (params ``field`` and ``limit``).
        InvalidArgument: ``argument.not_storable`` (the field as ``argument``).
        ArgumentTypeError: ``argument.wrong_type`` for a value that is not text.
    """
    if value is None:
        return
    if type(value) is not str or "\x00" in value or not value.isascii():
        arguments.storable_text(value, argument=bound.field)
    if len(value) > bound.limit:
        raise RuleViolation(
            STORAGE_VALUE_TOO_LONG, params={"field": bound.field, "limit": bound.limit}
        )


def storage_error(error: sa.exc.DBAPIError) -> SalesOrderError:
    """The coded error a driver's error stands for, with nothing of the driver's message.

    A driver's message may quote the statement's parameters (an order's document, a
    customer's phone), so the caller raises this ``from None``. A serialization failure
    or a deadlock (PostgreSQL), or SQLite's "database is locked", is a
    :class:`~salesorder.errors.ConcurrencyConflict` (retry the unit of work); a lost or
    refused connection is ``storage.unavailable``; any other refusal ``storage.refused``.
    """
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state in _RETRY_STATES or "database is locked" in str(original):
        return ConcurrencyConflict(STORAGE_SERIALIZATION)
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return StorageError(STORAGE_UNAVAILABLE)
    return StorageError(STORAGE_REFUSED)
