"""Reservations per second of the SQL stock store against conditional-update floors.

The issue's budget: the adapter reaches at least 1/2 of "the conditional-update floor
(the same SQL issued by hand)". Two floors are measured, each in the same run, one
transaction per reservation, and the adapter is judged against both:

* **bare floor**: the one statement a reservation cannot do without, issued by hand
  through a plain engine::

      UPDATE so_stock_positions SET reserved = reserved + :q
      WHERE tenant_id = :t AND sku = :s AND location = :l
        AND on_hand - reserved - safety_stock >= :q

* **same-SQL floor** ("own SQL by hand"): the adapter's own statements of a
  reservation, recorded once per SKU and replayed by hand with a new operation id
  each time, on an engine set up like the adapter's. Adapter versus this floor is the
  cost of the library itself (Python, planning, documents, events) over its SQL.

A third figure, "by hand (4 writes)", issues the writes any durable, idempotent,
journalled reservation needs (the conditional update, the reservation row, the
journal row, the idempotency row) as raw SQL: bare floor versus it is what
durability costs in the database, whatever the library.

The adapter does a whole reservation per unit of work: the conditional update, the
reservation row, the journal row, the event and the idempotency record, with no
savepoint. On PostgreSQL that is one statement (data-modifying CTEs) after a plan read
with its rows locked; on SQLite, one statement per table. SKUs stocked at one location
skip the plan (the location memo), as in this benchmark after the first reservation.

SQLite runs on a file (WAL) so that 4 processes can share it; PostgreSQL runs when
``SALESORDER_TEST_POSTGRES_URL`` is set (``.ci/start-postgres``). Each setup is
measured ``--rounds`` times (all four back to back); the figures are medians and each
verdict is on the median of the per-round ratios.

Run: python benchmarks/bench_sql_stock.py [--ops N] [--rounds R]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import sqlalchemy as sa

from salesorder.adapters.sql import SqlDatabase
from salesorder.errors import ConcurrencyConflict
from salesorder.inventory import ReservationLine

BUDGET = 2.0  # the adapter may be at most 2x slower than the floor
SKUS = ("B-1", "B-2", "B-3", "B-4")
LOCATION = "WH"
AT = datetime(2026, 1, 1, tzinfo=UTC)
PROCESSES = 4
FLOOR = sa.text(
    "UPDATE so_stock_positions SET reserved = reserved + :q "
    "WHERE tenant_id = :t AND sku = :s AND location = :l "
    "AND on_hand - reserved - safety_stock >= :q"
)


def _engine(url: str) -> sa.Engine:
    """A plain engine: SQLite on WAL, waiting up to 30 s for the write lock."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _wal(connection: object, _record: object) -> None:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _database(url: str, tenant: str) -> SqlDatabase:
    return SqlDatabase(engine=_engine(url), tenant_id=tenant)


def _floor(url: str, tenant: str, ops: int, seed: int) -> int:
    # A plain engine: by hand, one UPDATE is best in the driver's own (deferred)
    # transactions, not in the adapter's IMMEDIATE ones (see salesorder.adapters.sql).
    engine = _engine(url)
    rng = random.Random(seed)
    # One unit of quantity; SQLite stores millionths (see salesorder.adapters._sql_stock).
    unit = 1_000_000 if url.startswith("sqlite") else 1
    done = 0
    for _ in range(ops):
        params = {"q": unit, "t": tenant, "s": rng.choice(SKUS), "l": LOCATION}
        while True:
            try:
                with engine.begin() as connection:
                    done += connection.execute(FLOOR, params).rowcount
                break
            except sa.exc.OperationalError:
                continue  # SQLite busy: another process writes; try again
    engine.dispose()
    return done


RESERVATION_BY_HAND = (
    sa.text(
        "INSERT INTO so_stock_reservations "
        "(tenant_id, reservation_id, order_id, is_open, version, document) "
        "VALUES (:t, :r, 'o', true, 1, '{}')"
    ),
    sa.text(
        "INSERT INTO so_stock_movements (tenant_id, kind, sku, location, on_hand_delta, "
        "reserved_delta, operation_id, at) VALUES (:t, 'reserved', :s, :l, 0, :q, :r, 'now')"
    ),
    sa.text(
        "INSERT INTO so_stock_operations (tenant_id, operation_id, fingerprint, result) "
        "VALUES (:t, :r, '[]', '{}')"
    ),
)


def _by_hand(url: str, tenant: str, ops: int, seed: int) -> int:
    """The writes a durable, idempotent, journalled reservation needs, as raw SQL."""
    engine = _engine(url)
    rng = random.Random(seed)
    unit = 1_000_000 if url.startswith("sqlite") else 1
    done = 0
    for n in range(ops):
        params = {"q": unit, "t": tenant, "s": rng.choice(SKUS), "l": LOCATION}
        params["r"] = f"hand-{seed}-{n}"
        while True:
            try:
                with engine.begin() as connection:
                    if connection.execute(FLOOR, params).rowcount:
                        for statement in RESERVATION_BY_HAND:
                            connection.execute(statement, params)
                        done += 1
                break
            except sa.exc.OperationalError:
                continue
    engine.dispose()
    return done


def _swap(params: Any, old: str, new: str) -> Any:
    if isinstance(params, dict):
        return {key: new if value == old else value for key, value in params.items()}
    return type(params)(new if value == old else value for value in params)


def _own_sql(url: str, tenant: str, ops: int, seed: int) -> int:
    """The adapter's own statements of a (warm) reservation, captured, replayed by hand.

    Per SKU, one reservation warms the store up and the next one's statements are
    recorded; each replay swaps in a new operation id. The replay runs on an engine
    set up as the adapter's (on SQLite its transactions begin IMMEDIATE), so that the
    transaction control is the same too.
    """
    database = _database(url, tenant)
    recorded: dict[str, list[tuple[str, Any]]] = {}
    one = Decimal(1)
    for sku in SKUS:
        statements: list[tuple[str, Any]] = []

        def capture(*args: Any, into: list[tuple[str, Any]] = statements) -> None:
            statement, params = args[2], args[3]
            if statement.split(maxsplit=1)[0].upper() != "BEGIN":  # the engine begins
                into.append((statement, params))

        for step in ("warm", "seen"):
            if step == "seen":
                sa.event.listen(database.engine, "before_cursor_execute", capture)
            with database.unit_of_work() as uow:
                line = ReservationLine("1", sku, one)
                uow.stock.reserve("o", [line], operation_id=f"{step}-{seed}-{sku}", at=AT)
                uow.commit()
        sa.event.remove(database.engine, "before_cursor_execute", capture)
        recorded[sku] = statements
    database.engine.dispose()
    engine = _database(url, tenant).engine
    rng = random.Random(seed)
    done = 0
    for n in range(ops):
        sku = rng.choice(SKUS)
        while True:
            try:
                with engine.begin() as connection:
                    for statement, params in recorded[sku]:
                        swapped = _swap(params, f"seen-{seed}-{sku}", f"own-{seed}-{n}")
                        connection.exec_driver_sql(statement, swapped)
                break
            except sa.exc.OperationalError:
                continue
        done += 1
    engine.dispose()
    return done


def _adapter(url: str, tenant: str, ops: int, seed: int) -> int:
    database = _database(url, tenant)
    rng = random.Random(seed)
    one = Decimal(1)
    done = 0
    for n in range(ops):
        lines = [ReservationLine("1", rng.choice(SKUS), one)]
        while True:
            try:
                with database.unit_of_work() as uow:
                    uow.stock.reserve("o", lines, operation_id=f"{seed}-{n}", at=AT)
                    uow.commit()
                break
            except ConcurrencyConflict:
                continue  # the unit of work is retried, as a service would
            except sa.exc.OperationalError:
                continue  # SQLite busy outside the store's savepoint
        done += 1
    database.engine.dispose()
    return done


def _prepare(url: str) -> str:
    tenant = f"bench-{uuid.uuid4().hex[:10]}"
    database = _database(url, tenant)
    database.create_schema()
    with database.unit_of_work() as uow:
        for sku in SKUS:
            uow.stock.receive(sku, LOCATION, quantity=10**9, operation_id=f"in-{sku}", at=AT)
        uow.commit()
    database.engine.dispose()
    return tenant


def _rate(url: str, job: object, ops: int, processes: int) -> float:
    tenant = _prepare(url)
    if processes == 1:
        start = time.perf_counter()
        done = job(url, tenant, ops, 0)  # type: ignore[operator]
        return done / (time.perf_counter() - start)
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        pool.starmap(_floor, [(url, tenant, 1, 100 + i) for i in range(processes)])  # warm up
        start = time.perf_counter()
        counts = pool.starmap(job, [(url, tenant, ops // processes, i) for i in range(processes)])
        elapsed = time.perf_counter() - start
    return sum(counts) / elapsed


def main() -> None:
    """Print reservations per second, floor versus adapter, and the ratio vs the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000, help="reservations per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="floor/adapter pairs per setup")
    args = parser.parse_args()
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        targets.append(("SQLite (file, WAL)", f"sqlite+pysqlite:///{folder}/bench.db"))
        postgres = os.environ.get("SALESORDER_TEST_POSTGRES_URL")
        if postgres:
            targets.append(("PostgreSQL", postgres))
        else:
            print("PostgreSQL skipped: SALESORDER_TEST_POSTGRES_URL is not set")
        for name, url in targets:
            for processes in (1, PROCESSES):
                # Floor, by hand and adapter measured back to back, several times: the
                # verdict is on the median of the per-round ratios, so that a burst of
                # load on a shared machine hits both sides of a ratio, not one.
                rounds = [
                    (
                        _rate(url, _floor, args.ops, processes),
                        _rate(url, _by_hand, args.ops, processes),
                        _rate(url, _own_sql, args.ops, processes),
                        _rate(url, _adapter, args.ops, processes),
                    )
                    for _ in range(args.rounds)
                ]
                bare = statistics.median(floor / adapter for floor, _, _, adapter in rounds)
                same = statistics.median(own / adapter for _, _, own, adapter in rounds)
                floor, by_hand, own, adapter = (
                    statistics.median(column) for column in zip(*rounds, strict=True)
                )
                print(
                    f"{name:18} {processes} proc: floor (1 UPDATE) {floor:6.0f}/s  "
                    f"by hand (4 writes) {by_hand:6.0f}/s  own SQL by hand {own:6.0f}/s  "
                    f"adapter {adapter:6.0f}/s\n"
                    f"{'':27}adapter/bare floor 1/{bare:.2f} {_verdict(bare)}; "
                    f"adapter/same-SQL floor 1/{same:.2f} {_verdict(same)} "
                    f"(budget 1/{BUDGET:.0f}); by hand/bare floor 1/{floor / by_hand:.2f}; "
                    f"rounds (bare) 1/{', 1/'.join(f'{f / a:.2f}' for f, _, _, a in rounds)}"
                )


def _verdict(ratio: float) -> str:
    return "OK" if ratio <= BUDGET else "OVER BUDGET"


if __name__ == "__main__":
    main()
