"""What every SQL table module shares: the metadata, bounded-text checks, the write mark.

Both :mod:`salesorder.adapters.sql` (orders, outbox, counters...) and the stock store
(:mod:`salesorder.adapters._sql_stock`) import this module, and it imports neither: the
two table modules do not import each other's internals.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa

from salesorder.errors import STORAGE_VALUE_TOO_LONG, RuleViolation

__all__ = ["INTERRUPTED_WRITE", "METADATA", "TABLE_PREFIX", "Bound", "fit"]

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

    One ``len()``: the check sits on every write path, the hot ones included.

    Args:
        value: The value about to be stored (None: nothing to check).
        bound: The column it goes to.

    Raises:
        RuleViolation: ``storage.value_too_long`` (params ``field`` and ``limit``).
    """
    if value is not None and len(value) > bound.limit:
        raise RuleViolation(
            STORAGE_VALUE_TOO_LONG, params={"field": bound.field, "limit": bound.limit}
        )
