"""Text no database stores, given as a Python argument, is refused before anything is written.

NUL is refused by PostgreSQL's text type, and a lone surrogate by every UTF-8 driver
(``UnicodeEncodeError`` while binding). Both used to reach the driver from an actor, a
carrier, a reason, an idempotency key or a tenant id (issue 13 item 10). The service
and the adapter now refuse them with ``argument.not_storable`` first, on SQLite and
PostgreSQL alike: nothing is written, and the database is exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from salesorder.adapters.memory import FixedClock
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.errors import InvalidArgument
from salesorder.notifications import RecordingNotifier
from salesorder.service import OrderService

sa = pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import METADATA, SqlDatabase, SqlNumbering  # noqa: E402

UNSTORABLE = ("NUL\x00", "lone \ud800 surrogate", "\udfff")


def _dump(database: SqlDatabase) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with database.engine.connect() as connection:
        for table in METADATA.sorted_tables:
            query = sa.select(*table.c).where(table.c.tenant_id == database.tenant_id)
            rows[table.name] = sorted(map(tuple, connection.execute(query)), key=repr)
    return rows


def _service(database: SqlDatabase) -> OrderService:
    with database.unit_of_work() as uow:
        for sku in ("TEA-LJ-250", "CUP-CER-6"):
            uow.stock.receive(sku, "SH-01", quantity=50, operation_id=f"o:{sku}", at=START)
        uow.stock.drain_events()
        uow.commit()
    return build_service(
        FixedClock(START),
        RecordingNotifier(),
        unit_of_work=database.unit_of_work,
        numbering=SqlNumbering(database),
    )


def _confirmed(service: OrderService) -> str:
    order = service.enter(tea_shop_payload(tea=2, cups=1), actor="S")
    service.submit(order.id, actor="S")
    service.confirm(order.id, actor="S")
    return order.id


@pytest.mark.parametrize("text", UNSTORABLE)
@pytest.mark.parametrize(
    ("command", "argument"),
    [
        ("enter", "actor"),
        ("enter", "idempotency_key"),
        ("ship", "actor"),
        ("ship", "carrier"),
        ("ship", "idempotency_key"),
        ("cancel", "reason"),
        ("hold", "actor"),
    ],
)
def test_a_command_refuses_unstorable_text_and_writes_nothing(
    sql_database: SqlDatabase, command: str, argument: str, text: str
) -> None:
    service = _service(sql_database)
    order_id = _confirmed(service)
    calls: dict[str, dict[str, Any]] = {
        "enter": {"payload": tea_shop_payload(), "actor": "S"},
        "ship": {"order_id": order_id, "lines": {"1": 1}, "actor": "W"},
        "cancel": {"order_id": order_id, "reason": "late", "actor": "S"},
        "hold": {"order_id": order_id, "actor": "S", "reason": "check"},
    }
    arguments = {**calls[command], argument: text}
    before = _dump(sql_database)
    with pytest.raises(InvalidArgument) as caught:
        getattr(service, command)(**arguments)
    assert caught.value.code == "argument.not_storable"
    assert caught.value.params["argument"] == argument
    assert text not in str(caught.value)
    assert _dump(sql_database) == before
    # The unit of work was not left broken: a valid command still goes through.
    service.hold(order_id, actor="S", reason="check")


@pytest.mark.parametrize("text", UNSTORABLE)
def test_a_tenant_id_no_database_stores_is_refused(sql_database: SqlDatabase, text: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        sql_database.for_tenant(f"tenant-{text}")
    assert caught.value.params["argument"] == "tenant_id"
    with pytest.raises(InvalidArgument):
        SqlDatabase(engine=sql_database.engine, tenant_id=text)


def test_the_stock_store_refuses_an_unstorable_actor(sql_database: SqlDatabase) -> None:
    before = _dump(sql_database)
    with pytest.raises(InvalidArgument), sql_database.unit_of_work() as uow:
        uow.stock.receive(
            "TEA-LJ-250", "SH-01", quantity=5, operation_id="r1", at=START, actor="W\ud800"
        )
    assert _dump(sql_database) == before
