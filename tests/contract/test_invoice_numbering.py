"""The invoice numbering contract on the memory and SQL numberings (own series)."""

from __future__ import annotations

import pytest

from salesorder.adapters.memory import PatternNumbering
from salesorder.ports import InvoiceNumbering, OrderNumbering
from salesorder.testing.contracts import InvoiceNumberingContract


class TestPatternInvoiceNumbering(InvoiceNumberingContract):
    def make_numbering(self) -> InvoiceNumbering:
        return PatternNumbering(prefix="INV")

    def make_order_numbering(self) -> OrderNumbering:
        return PatternNumbering()


class TestSqlInvoiceNumbering(InvoiceNumberingContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: object) -> None:
        self.database = sql_database

    def make_numbering(self) -> InvoiceNumbering:
        from salesorder.adapters.sql import SqlNumbering

        return SqlNumbering(self.database, prefix="INV")  # type: ignore[arg-type]

    def make_order_numbering(self) -> OrderNumbering:
        from salesorder.adapters.sql import SqlNumbering

        return SqlNumbering(self.database)  # type: ignore[arg-type]
