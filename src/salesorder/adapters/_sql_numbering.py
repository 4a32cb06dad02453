"""Order and document numbers on SQL: a counter row on SQLite, a sequence on PostgreSQL.

Split from :mod:`salesorder.adapters.sql`, which exports :class:`SqlNumbering`.

A series is a tenant, a prefix and a month (``SO-202611-000123``).

* **SQLite**: a counter row of ``so_sequences`` per series, incremented with one
  ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (no read first, no savepoint).
  Drawn inside an order's unit of work, the increment commits or rolls back with the
  order: a refused entry leaves no gap. SQLite has one writer at a time anyway, so the
  row's lock costs nothing the transaction did not already hold.
* **PostgreSQL**: a database sequence per series (``nextval``), created on the series'
  first number and started after its counter row, so numbers drawn before the sequence
  existed are never drawn again. ``nextval`` does not wait for other transactions, so
  concurrent entries never queue on the counter; a number drawn by a transaction that
  rolls back is not given again (a gap), as with every sequence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from salesorder import _arguments as arguments
from salesorder.adapters import _sql_schema as schema
from salesorder.adapters._sql_schema import METADATA

__all__ = ["SequenceMemo", "draw", "format_number", "sequences_table"]

sequences_table = sa.Table(
    "so_sequences",
    METADATA,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Most numbers one call draws: a batch larger than this is drawn in several calls.
MAX_DRAW: Final = 10_000


def _upsert(dialect: str) -> sa.Insert:
    insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(sequences_table)
    return insert.on_conflict_do_update(
        index_elements=[
            sequences_table.c.tenant_id,
            sequences_table.c.name,
            sequences_table.c.period,
        ],
        set_={"value": sequences_table.c.value + insert.excluded.value},
    ).returning(sequences_table.c.value)


# Built once: every order entered draws a number.
_INCREMENT: Final = {name: _upsert(name) for name in ("sqlite", "postgresql")}
_NEXTVAL: Final = sa.text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)")
_COUNTER: Final = sa.select(sequences_table.c.value).where(
    sequences_table.c.tenant_id == sa.bindparam("tenant"),
    sequences_table.c.name == sa.bindparam("counter"),
    sequences_table.c.period == sa.bindparam("month"),
)


class SequenceMemo:
    """The PostgreSQL sequences known to exist, per engine (shared by a database's copies)."""

    __slots__ = ("known",)

    def __init__(self) -> None:
        self.known: set[str] = set()


def format_number(prefix: str, period: str, value: int, width: int) -> str:
    """``SO-202611-000123``."""
    return f"{prefix}-{period}-{value:0{width}d}"


def sequence_name(tenant_id: str, name: str, period: str) -> str:
    """The PostgreSQL sequence of a series: ``so_seq_`` and a digest (names are short)."""
    digest = hashlib.blake2b(f"{tenant_id}\x1f{name}\x1f{period}".encode(), digest_size=12)
    return f"so_seq_{digest.hexdigest()}"


def draw(
    connection: Connection,
    *,
    tenant_id: str,
    name: str,
    at: datetime,
    count: int,
    memo: SequenceMemo,
) -> tuple[str, list[int]]:
    """``count`` new values of the series of ``name`` and ``at``'s month, through ``connection``.

    Returns the period (``YYYYMM``) and the values, ascending. On PostgreSQL the
    series' sequence is created first if this process has not seen it (in a connection
    of its own: DDL must not abort or hold the caller's transaction).
    """
    arguments.instance_of(count, int, argument="count")
    if count < 1 or count > MAX_DRAW:
        msg = f"count must be between 1 and {MAX_DRAW}"
        raise ValueError(msg)
    period = at.strftime("%Y%m")
    dialect = connection.dialect.name
    if dialect == "postgresql":
        sequence = sequence_name(tenant_id, name, period)
        if sequence not in memo.known:
            _create_sequence(connection.engine, sequence, tenant_id, name, period)
            memo.known.add(sequence)
        rows = connection.execute(_NEXTVAL, {"sequence": sequence, "n": count})
        return period, sorted(int(value) for (value,) in rows)
    top = connection.execute(
        _INCREMENT[dialect],
        {"tenant_id": tenant_id, "name": name, "period": period, "value": count},
    ).scalar_one()
    return period, list(range(int(top) - count + 1, int(top) + 1))


def _create_sequence(engine: Engine, sequence: str, tenant_id: str, name: str, period: str) -> None:
    """Create the series' sequence if missing, starting after its counter row."""
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT to_regclass(:s)"), {"s": sequence}).scalar()
        if found is not None:
            connection.rollback()
            return
        counter = connection.execute(
            _COUNTER, {"tenant": tenant_id, "counter": name, "month": period}
        ).scalar_one_or_none()
        start = 1 if counter is None else int(counter) + 1
        try:
            # The name is a digest (letters and digits): safe to splice into DDL.
            connection.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {sequence} START {start}")
            connection.commit()
        except sa.exc.DBAPIError as error:
            connection.rollback()
            # Another process created it at the same moment: theirs serves.
            if connection.execute(sa.text("SELECT to_regclass(:s)"), {"s": sequence}).scalar():
                return
            raise schema.storage_error(error) from None


def numbers(prefix: str, period: str, values: Sequence[int], width: int) -> list[str]:
    """The formatted numbers of ``values``."""
    return [format_number(prefix, period, value, width) for value in values]
