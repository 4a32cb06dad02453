"""The StockStore contract against the SQL stock store, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from salesorder.testing.contracts import StockStoreContract

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase


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


class TestSqlStockStore(StockStoreContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: SqlDatabase) -> None:
        self.database = sql_database

    def make_store(self) -> Any:
        return CommittingStockStore(self.database)
