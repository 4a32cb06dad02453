"""The contract suites of the optional capabilities, on the memory and SQL adapters.

``OrderBatches`` and ``StockAvailability``: memory, SQLite and PostgreSQL.
``NumberingInUnitOfWork``: ``SqlNumbering`` on SQLite and PostgreSQL (the memory
``PatternNumbering`` does not offer it: it has no transaction to draw in, and the
service draws with ``next_number`` before the unit of work).
"""

from __future__ import annotations

from typing import Any

import pytest

from salesorder.adapters.memory import InMemoryStockStore, MemoryDatabase, PatternNumbering
from salesorder.ports import NumberingInUnitOfWork, OrderNumbering
from salesorder.testing.contracts import (
    NumberingInUnitOfWorkContract,
    OrderBatchesContract,
    StockAvailabilityContract,
    UnitOfWorkFactory,
)

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase, SqlNumbering


class CommittingStockStore:
    """Each call in its own unit of work, committed, as a service would use the store."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self.database.unit_of_work() as uow:
                result = getattr(uow.stock, name)(*args, **kwargs)
                uow.commit()
                return result

        return call


class TestMemoryOrderBatches(OrderBatchesContract):
    def make_unit_of_work_factory(self) -> UnitOfWorkFactory:
        return MemoryDatabase().unit_of_work


class TestSqlOrderBatches(OrderBatchesContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: SqlDatabase) -> None:
        self.database = sql_database

    def make_unit_of_work_factory(self) -> UnitOfWorkFactory:
        return self.database.unit_of_work


class TestMemoryStockAvailability(StockAvailabilityContract):
    def make_store(self) -> Any:
        return InMemoryStockStore()


class TestSqlStockAvailability(StockAvailabilityContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: SqlDatabase) -> None:
        self.database = sql_database

    def make_store(self) -> Any:
        return CommittingStockStore(self.database)


class TestSqlNumberingInUnitOfWork(NumberingInUnitOfWorkContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: SqlDatabase) -> None:
        self.database = sql_database

    def make_numbering_and_units(self) -> tuple[OrderNumbering, UnitOfWorkFactory]:
        return SqlNumbering(self.database, prefix="NUW"), self.database.unit_of_work

    def make_foreign_unit_of_work_factory(self) -> UnitOfWorkFactory:
        return SqlDatabase(tenant_id=self.database.tenant_id).unit_of_work


def test_the_memory_numbering_does_not_claim_the_capability() -> None:
    assert not isinstance(PatternNumbering(), NumberingInUnitOfWork)
