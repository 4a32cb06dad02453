"""Driver errors become coded SalesOrderErrors at the SQL adapter's boundary, without data.

A driver's message quotes the statement and, unless hidden, its parameters: an order's
JSON document with the customer's name and phone. What leaves the adapter is a
``SalesOrderError`` with a stable code and no parameter, nothing chained, and the
unit of work committed nothing.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from salesorder.adapters.memory import FixedClock
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.errors import ConcurrencyConflict, SalesOrderError, StorageError
from salesorder.notifications import RecordingNotifier
from salesorder.service import OrderService

sa = pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase, SqlNumbering  # noqa: E402

PERSONAL = ("13800000001", "王小明", "杭州示例茶庄", "示例路 1 号")


def service_on(database: SqlDatabase) -> OrderService:
    return build_service(
        FixedClock(START),
        RecordingNotifier(),
        unit_of_work=database.unit_of_work,
        numbering=SqlNumbering(database),
        quote_numbering=SqlNumbering(database, prefix="QT"),
    )


def assert_clean(error: BaseException) -> None:
    """No personal value in the error, its repr, its chain or its printed traceback."""
    assert isinstance(error, SalesOrderError)
    assert error.__cause__ is None
    assert error.__suppress_context__
    printed = "".join(traceback.format_exception(error))
    for text in (str(error), repr(error), printed):
        for value in PERSONAL:
            assert value not in text


@contextmanager
def failing(engine: Any, error: Exception, *, on: str) -> Iterator[None]:
    """Make the first statement that contains ``on`` raise the driver error ``error``."""

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if on in statement:
            raise error

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def test_a_connection_lost_while_saving_an_order_is_storage_unavailable() -> None:
    import sqlite3

    database = SqlDatabase(tenant_id=f"t-{uuid.uuid4().hex[:8]}")
    database.create_schema()
    service = service_on(database)
    lost = sqlite3.OperationalError("disk I/O error")
    with (
        failing(database.engine, lost, on="INSERT INTO so_orders"),
        pytest.raises(StorageError) as caught,
    ):
        service.enter(tea_shop_payload(), actor="S-LI")
    assert caught.value.code == "storage.unavailable"
    assert_clean(caught.value)
    assert service.find() == []  # nothing was committed


def test_a_refused_value_is_storage_refused() -> None:
    import sqlite3

    database = SqlDatabase(tenant_id=f"t-{uuid.uuid4().hex[:8]}")
    database.create_schema()
    service = service_on(database)
    refused = sqlite3.DataError("value refused")
    with (
        failing(database.engine, refused, on="INSERT INTO so_orders"),
        pytest.raises(StorageError) as caught,
    ):
        service.enter(tea_shop_payload(), actor="S-LI")
    assert caught.value.code == "storage.refused"
    assert_clean(caught.value)


def test_engines_the_adapter_creates_hide_parameters() -> None:
    assert SqlDatabase().engine.hide_parameters


def test_an_unreachable_server_is_storage_unavailable() -> None:
    pytest.importorskip("psycopg", reason="the sql extra is not installed")
    # Port 1 on the loopback refuses at once.
    database = SqlDatabase("postgresql+psycopg://nobody@127.0.0.1:1/none", tenant_id="t")
    with pytest.raises(StorageError) as caught, database.unit_of_work():
        pass  # pragma: no cover - the connection is refused on entry
    assert caught.value.code == "storage.unavailable"
    assert_clean(caught.value)


def test_a_serialization_failure_is_a_concurrency_conflict(postgres_database_url: str) -> None:
    url = postgres_database_url
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url, isolation_level="REPEATABLE READ")
    database = SqlDatabase(engine=engine, tenant_id=tenant)
    database.create_schema()
    service = service_on(database)
    order_id = service.enter(tea_shop_payload(), actor="S-LI").id
    # Two units of work read the order under one snapshot each; the first commits a
    # change, the second's write then meets a row changed since its snapshot.
    first, second = database.unit_of_work(), database.unit_of_work()

    def second_writes_after_first_committed() -> None:
        with first, second:
            mine = first.orders.get(order_id)
            theirs = second.orders.get(order_id)
            mine.notes = "first"
            first.orders.save(mine, expected_version=mine.version)
            first.commit()
            theirs.notes = "second"
            second.orders.save(theirs, expected_version=theirs.version)

    with pytest.raises(ConcurrencyConflict) as caught:
        second_writes_after_first_committed()
    assert caught.value.code == "storage.serialization_conflict"
    assert_clean(caught.value)
    engine.dispose()
