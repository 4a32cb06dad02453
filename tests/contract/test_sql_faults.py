"""Fault injection on the SQL adapter: the connection dies at each statement of a use case.

For each use case the k-th SQL statement raises a driver error (as a killed
connection would), for every k until the use case completes. After each failure the
database holds none of the change: every row of the tenant in every table is as
before, and the outbox holds exactly the events of the changes that committed.
"""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.errors import SalesOrderError
from salesorder.notifications import RecordingNotifier
from salesorder.service import OrderService

sa = pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.memory import FixedClock  # noqa: E402
from salesorder.adapters.sql import METADATA, SqlDatabase, SqlNumbering  # noqa: E402

AT = datetime(2026, 11, 22, tzinfo=UTC)


class ConnectionKilled(sqlite3.OperationalError):
    """What the driver raises when the connection dies under a statement."""


@contextmanager
def dying_at(engine: Any, statement: int) -> Iterator[list[int]]:
    """Make the ``statement``-th SQL statement (1-based) fail; yields the count seen."""
    seen = [0]

    def before(*_args: Any, **_kwargs: Any) -> None:
        seen[0] += 1
        if seen[0] == statement:
            raise ConnectionKilled("connection killed by the test")

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def dump(database: SqlDatabase) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tenant, table by table (the sequence counters excepted: they
    are a separate transaction by design, like a database sequence)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with database.engine.connect() as connection:
        for table in METADATA.sorted_tables:
            if table.name == "so_sequences" or "tenant_id" not in table.c:
                continue
            query = sa.select(*[c for c in table.c if c.name not in {"seq", "id"}]).where(
                table.c.tenant_id == database.tenant_id
            )
            rows[table.name] = sorted(map(tuple, connection.execute(query)), key=repr)
    return rows


def fresh(tmp_path: Path) -> tuple[OrderService, SqlDatabase, RecordingNotifier]:
    database = SqlDatabase(f"sqlite:///{tmp_path / 'faults.db'}", tenant_id=uuid.uuid4().hex[:8])
    database.create_schema()
    notifier = RecordingNotifier()
    service = build_service(
        FixedClock(START),
        notifier,
        unit_of_work=database.unit_of_work,
        numbering=SqlNumbering(database),
        quote_numbering=SqlNumbering(database, prefix="QT"),
    )
    with database.unit_of_work() as uow:
        for sku, location, quantity in (
            ("TEA-LJ-250", "SH-01", 30),
            ("TEA-LJ-250", "GZ-02", 50),
            ("CUP-CER-6", "SH-01", 20),
        ):
            uow.stock.receive(
                sku, location, quantity=quantity, operation_id=f"o:{sku}{location}", at=AT
            )
        uow.stock.drain_events()
        uow.commit()
    return service, database, notifier


def run_with_faults(
    database: SqlDatabase, notifier: RecordingNotifier, command: Callable[[], object]
) -> int:
    """Kill the connection at statement 1, 2, ... until the command succeeds."""
    for k in itertools.count(1):
        before = dump(database)
        delivered = len(notifier.sent)
        with dying_at(database.engine, k):
            try:
                command()
            except (ConnectionKilled, sa.exc.DBAPIError, SalesOrderError):
                assert dump(database) == before, f"partial change after a fault at statement {k}"
                assert len(notifier.sent) == delivered
                continue
        # Done: either no fault was reached, or it hit the relay after the commit (the
        # change stays, its events stay queued for the next relay).
        return k
    raise AssertionError("unreachable")  # pragma: no cover


def test_every_use_case_is_all_or_nothing_when_the_connection_dies(tmp_path: Path) -> None:
    service, database, notifier = fresh(tmp_path)
    created: list[str] = []

    def enter() -> None:
        created.append(service.enter(tea_shop_payload(), actor="S", idempotency_key="k1").id)

    assert run_with_faults(database, notifier, enter) > 3
    order_id = created[-1]
    for command in (
        lambda: service.submit(order_id, actor="S"),
        lambda: service.approve(order_id, level="finance", actor="F"),
        lambda: service.confirm(order_id, actor="S"),
        lambda: service.ship(order_id, lines={"1": 5}, actor="W", carrier="SF"),
    ):
        run_with_faults(database, notifier, command)
    order = service.get(order_id)
    assert order.status.value == "partially_shipped"
    with database.unit_of_work() as uow:
        positions = {(p.sku, p.location): (p.on_hand, p.reserved) for p in uow.stock.positions()}
        pending = [entry.event.name for entry in uow.outbox.pending(limit=1000)]
    assert positions[("TEA-LJ-250", "SH-01")] == (25, 25)
    assert positions[("TEA-LJ-250", "GZ-02")] == (50, 10)
    # Every committed change's events were recorded exactly once (delivered or pending).
    names = [event.name for event, _ in notifier.sent] + pending
    assert names.count("OrderConfirmed") == 1
    assert names.count("OrderShipped") == 1
    assert names.count("OrderSubmitted") == 1
