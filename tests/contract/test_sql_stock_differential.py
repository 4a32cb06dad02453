"""Differential test: the SQL stock store and the in-memory store agree on every sequence.

Hypothesis draws random sequences of receive / reserve / release / commit / restock /
adjust / transfer / expire (refusals included) and runs the same sequence against the
in-memory store and the SQL store (each call in its own committed unit of work, as a
service would use it). Afterwards positions, reservations and the journal's totals
must be identical.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from salesorder.adapters.memory import InMemoryStockStore
from salesorder.testing.strategies import run_stock_operations, stock_operations

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SQLITE = SqlDatabase()
SQLITE.create_schema()


class CommittingStockStore:
    """Each call in its own committed unit of work."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self.database.unit_of_work() as uow:
                result = getattr(uow.stock, name)(*args, **kwargs)
                uow.commit()
                return result

        return call


def snapshot(store: Any) -> tuple[object, ...]:
    positions = tuple(
        (p.sku, p.location, p.on_hand, p.reserved, p.safety_stock) for p in store.positions()
    )
    reservations = tuple(
        (
            r.reservation_id,
            r.order_id,
            r.is_open,
            tuple(
                (
                    line.line_id,
                    line.sku,
                    line.quantity,
                    tuple((a.location, a.quantity) for a in line.allocations),
                    line.backordered,
                    line.committed,
                    line.released,
                )
                for line in r.lines
            ),
        )
        for r in sorted(store.reservations(), key=lambda r: r.reservation_id)
    )
    return positions, reservations, tuple(sorted(store.rebuild_on_hand().items()))


def _compare(database: SqlDatabase, operations: list[Any]) -> None:
    memory = InMemoryStockStore()
    sql = CommittingStockStore(database.for_tenant(f"t-{uuid.uuid4().hex[:12]}"))
    memory_ids = run_stock_operations(memory, operations, at=AT)
    sql_ids = run_stock_operations(sql, operations, at=AT)
    assert memory_ids == sql_ids
    assert snapshot(sql) == snapshot(memory)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(stock_operations(max_size=25))
def test_sqlite_store_behaves_like_the_in_memory_store(operations: list[Any]) -> None:
    _compare(SQLITE, operations)


_POSTGRES_URL = os.environ.get("SALESORDER_TEST_POSTGRES_URL")


@pytest.mark.skipif(
    _POSTGRES_URL is None, reason="PostgreSQL not available: SALESORDER_TEST_POSTGRES_URL unset"
)
@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(stock_operations(max_size=25))
def test_postgresql_store_behaves_like_the_in_memory_store(operations: list[Any]) -> None:
    database = SqlDatabase(_POSTGRES_URL, tenant_id="differential")
    database.create_schema()
    try:
        _compare(database, operations)
    finally:
        database.engine.dispose()
