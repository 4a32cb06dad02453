"""The unit-of-work contract against the SQL adapter (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from salesorder.testing.contracts import UnitOfWorkContract, UnitOfWorkFactory

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase


class TestSqlUnitOfWork(UnitOfWorkContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: SqlDatabase) -> None:
        self.database = sql_database

    def make_unit_of_work_factory(self) -> UnitOfWorkFactory:
        return self.database.unit_of_work


def test_a_database_other_than_sqlite_or_postgresql_is_refused() -> None:
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite+pysqlite://")
    engine.dialect.name = "mysql"  # what a MySQL engine reports
    with pytest.raises(ValueError, match="SQLite and PostgreSQL, not mysql"):
        SqlDatabase(engine=engine)
