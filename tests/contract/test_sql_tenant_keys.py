"""Every key of the SQL schema leads with ``tenant_id``: ready to distribute by tenant.

A PostgreSQL-compatible distributed engine (Citus, for one) spreads a table over
machines by a distribution column, and requires it in every primary key and unique
constraint; an index that leads with it keeps each tenant's rows together. The
tables that number their rows with an autoincrement ``seq`` or ``id`` (SQLite only
autoincrements a single-column integer primary key) are the exception, listed here
by name so that a new one cannot slip in: each has an index that leads with
``tenant_id`` over that column, and ``docs/sql.md`` says how they are keyed on a
distributed engine.
"""

from __future__ import annotations

import pytest

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

import sqlalchemy as sa

from salesorder.adapters.sql import METADATA

# Tables keyed by a row counter: (table, counter column).
COUNTED_ROWS = {
    "so_outbox": "seq",
    "so_coupon_redemptions": "id",
    "so_stock_reservations": "seq",
    "so_stock_movements": "seq",
    "so_stock_events": "seq",
}


def _keys(table: sa.Table) -> list[tuple[str, list[str]]]:
    keys = [(f"index {index.name}", [c.name for c in index.columns]) for index in table.indexes]
    keys += [
        (f"unique {constraint.name}", [c.name for c in constraint.columns])
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ]
    return keys


@pytest.mark.parametrize("table", METADATA.sorted_tables, ids=lambda table: table.name)
def test_every_index_and_unique_constraint_leads_with_the_tenant(table: sa.Table) -> None:
    assert "tenant_id" in table.columns
    assert not table.c.tenant_id.nullable
    for name, columns in _keys(table):
        assert columns[0] == "tenant_id", f"{table.name}: {name} is on {columns}"


@pytest.mark.parametrize("table", METADATA.sorted_tables, ids=lambda table: table.name)
def test_every_primary_key_leads_with_the_tenant_but_row_counters(table: sa.Table) -> None:
    key = [column.name for column in table.primary_key.columns]
    if table.name not in COUNTED_ROWS:
        assert key[0] == "tenant_id", f"{table.name}: primary key {key}"
        return
    counter = COUNTED_ROWS[table.name]
    assert key == [counter]
    assert table.c[counter].autoincrement in (True, "auto")
    # The rows of one tenant are still reached by an index that leads with it.
    assert any(columns[0] == "tenant_id" for _, columns in _keys(table))


def test_the_row_counter_tables_are_all_still_there() -> None:
    # A table dropped from the list above must be dropped here too, not forgotten.
    assert set(COUNTED_ROWS) <= set(METADATA.tables)
