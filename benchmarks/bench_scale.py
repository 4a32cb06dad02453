"""A tenant past one machine's memory: listing and entry on SQL at N and 5N orders.

Run: ``python benchmarks/bench_scale.py --orders N [--rounds R] [--enter M]``
(one command; SQLite on a WAL file always, PostgreSQL too when
``SALESORDER_TEST_POSTGRES_URL`` is set).

For each database, a tenant is filled with N orders of 3 lines, measured, filled up
to 5N and measured again. Each figure is the median of ``--rounds`` rounds, and each
floor is measured in the same run, back to back with what it bounds:

* **listing**: every order of the tenant through
  ``SqlOrderRepository.iter_orders()`` (keyset pages, decoded orders), against the
  floor ``SELECT document ... ORDER BY created_at, id`` issued by hand with
  ``json.loads`` of each document. Budget: at most 1.5x the floor.
* **scan memory**: the peak of Python allocations (``tracemalloc``) while a full scan
  holds one order at a time; budget: 5N within 10 % of N. ``find()`` (a list of every
  order) is printed beside it, for comparison.
* **enter**: ``OrderService.enter`` of M new orders (validation with a stock look-up
  per line, pricing, numbering, the insert), one unit of work each, against the floor
  of one ``INSERT`` of a finished row and one commit per order, by hand. Budget: the
  service reaches at least 1/5 of the floor's orders per second.
* **enter_many**: ``OrderService.enter_many`` of M payloads in batches of ``BULK``
  (one unit of work per batch), against ``executemany`` of the same finished rows and
  one commit per batch, by hand. Budget: at least 1/5 of the floor.
* **enter, 4 processes** (PostgreSQL): ``PROCESSES`` processes entering M orders each
  at once, against as many processes inserting and committing by hand. Budget 1/5.
* **analytics**: ``SqlAnalytics.sales_by`` (by month, by customer) and
  ``customer_lifetime_values`` over the whole tenant, each against the floor of a
  hand-written ``GROUP BY`` over the same fact columns giving the same totals. Budget:
  at most 2x the floor.
* **overdue**: ``OrderService.overdue`` with 1 % of the orders late (waiting for
  shipment since long before), against the floor of the hand-written indexed query
  (``status = 'confirmed' AND status_since_us <= :bound``) with ``json.loads`` of each
  document found. Budget: at most 2x the floor (per overdue order).
* **growth**: each per-order cost at 5N divided by the same cost at N; budget 1.2.

The verdicts print ``ok`` or ``OVER``; the script always exits 0 (a shared machine is
noisy, and the figures go into ``docs/sql.md`` with their ranges over several runs).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import attrs
import sqlalchemy as sa

from salesorder.adapters.memory import FixedClock
from salesorder.adapters.sql import SqlAnalytics, SqlDatabase, SqlNumbering
from salesorder.analytics import Dimension, Grouping, Period
from salesorder.codec import encode
from salesorder.demo import START as DEMO_START
from salesorder.demo import build_service, tea_shop_payload
from salesorder.money import Money
from salesorder.notifications import RecordingNotifier
from salesorder.order import Address, Customer, Order, OrderLine
from salesorder.records import AuditEntry, Status
from salesorder.sla import DEFAULT_DEADLINES, WeekendCalendar, overdue_bounds

LISTING_BUDGET = 1.5
MEMORY_GROWTH_BUDGET = 1.10
ENTER_BUDGET = 5.0  # the service reaches at least 1/5 of the floor
ANALYTICS_BUDGET = 2.0
OVERDUE_BUDGET = 2.0
LATE_EVERY = 100  # 1 % of the orders are overdue
GROWTH_BUDGET = 1.2
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BATCH = 1_000  # orders per unit of work while filling a tenant
BULK = 100  # payloads per enter_many call (and rows per executemany of its floor)
PROCESSES = 4  # processes of the concurrent entry figure (PostgreSQL)
REGIONS = (("广东省", "深圳市"), ("浙江省", "杭州市"), ("上海市", "上海市"), ("四川省", "成都市"))


def _engine(url: str) -> sa.Engine:
    """SQLite on WAL (as a host would run it), or the PostgreSQL server as it is."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, hide_parameters=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @sa.event.listens_for(engine, "connect")
    def _wal(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def template() -> Order:
    """A priced 3-line order like those of the issue's measurements (fictitious data)."""
    lines = tuple(
        OrderLine(
            str(i),
            f"SKU-{i:03d}",
            f"Item {i}",
            Decimal(i * 2),
            unit="pcs",
            unit_price=Money(f"{i * 10}.50", "CNY"),
            category="tools",
        )
        for i in (1, 2, 3)
    )
    totals = tuple((line.line_id, Money(f"{i * 24}.00", "CNY")) for i, line in enumerate(lines, 1))
    return Order(
        id="template",
        customer=Customer(id="C-0", name="Bench Trading Ltd."),
        currency="CNY",
        lines=lines,
        salesperson="S-0",
        shipping_address=Address(country="CN", province="广东省", city="深圳市", street="1 Road"),
        status=Status.CONFIRMED,
        grand_total=Money("144.00", "CNY"),
        line_totals=totals,
    )


def fill(database: SqlDatabase, start: int, stop: int) -> None:
    """Orders ``start`` to ``stop - 1`` of the tenant, a unit of work per ``BATCH``."""
    base = template()
    for first in range(start, stop, BATCH):
        with database.unit_of_work() as uow:
            for k in range(first, min(first + BATCH, stop)):
                province, city = REGIONS[k % len(REGIONS)]
                uow.orders.add(
                    attrs.evolve(
                        base,
                        id=f"o-{k:08d}",
                        number=f"SO-{k:08d}",
                        customer=attrs.evolve(base.customer, id=f"C-{k % 500:04d}"),
                        salesperson=f"S-{k % 20:02d}",
                        shipping_address=attrs.evolve(
                            base.shipping_address, province=province, city=city
                        ),
                        created_at=START + timedelta(minutes=k),
                        **_progress(k),
                    )
                )
            uow.commit()


def _progress(k: int) -> dict[str, Any]:
    """Confirmed an hour after entry; all but 1 % shipped an hour later (those are late)."""
    created = START + timedelta(minutes=k)
    audit = [
        AuditEntry(
            created + timedelta(hours=1), "bench", "confirm", Status.APPROVED, Status.CONFIRMED
        )
    ]
    if k % LATE_EVERY:
        audit.append(
            AuditEntry(
                created + timedelta(hours=2), "bench", "ship", Status.CONFIRMED, Status.SHIPPED
            )
        )
        return {"status": Status.SHIPPED, "audit": tuple(audit)}
    return {"status": Status.CONFIRMED, "audit": tuple(audit)}


def _report(analytics: Callable[[SqlAnalytics], object]) -> Callable[[SqlDatabase], int]:
    def run(database: SqlDatabase) -> int:
        with database.unit_of_work() as uow:
            result = analytics(SqlAnalytics(uow.connection, tenant_id=database.tenant_id))
        if not result:
            raise SystemExit("the report is empty")
        return 1

    return run


REPORTS: dict[str, Callable[[SqlDatabase], int]] = {
    "by_month": _report(
        lambda a: a.sales_by(Grouping(by=Dimension.PERIOD, period=Period.MONTH), currency="CNY")
    ),
    "by_customer": _report(lambda a: a.sales_by(Grouping(by=Dimension.CUSTOMER), currency="CNY")),
    "clv": _report(lambda a: a.customer_lifetime_values(currency="CNY")),
}
_SALES = "FROM so_orders WHERE tenant_id = :t AND sale = 1 AND currency = 'CNY'"
FLOORS = {
    "by_month": f"SELECT substr(created_day, 1, 7), count(*), sum(sales_minor) {_SALES} GROUP BY 1",
    "by_customer": f"SELECT customer_id, count(*), sum(sales_minor) {_SALES} GROUP BY customer_id",
    "clv": f"SELECT customer_id, count(*), sum(sales_minor), min(created_us), max(created_us)"
    f" {_SALES} GROUP BY customer_id",
}


def report_floor(engine: sa.Engine, tenant: str, query: str) -> int:
    with engine.connect() as connection:
        rows = list(connection.execute(sa.text(query), {"t": tenant}))
    if not rows:
        raise SystemExit("the floor's report is empty")
    return 1


def overdue_now(size: int) -> datetime:
    """Long after the last order: every order still waiting for shipment is late."""
    return START + timedelta(minutes=size) + timedelta(days=10)


def overdue_builder(database: SqlDatabase, size: int) -> Any:
    """The service asked (built once, as a host does: its construction is not timed)."""
    return build_service(
        FixedClock(overdue_now(size)), RecordingNotifier(), unit_of_work=database.unit_of_work
    )


def overdue_service(service: Any, size: int) -> int:
    found = service.overdue()
    if len(found) != (size + LATE_EVERY - 1) // LATE_EVERY:
        raise SystemExit(f"overdue found {len(found)} orders")
    return len(found)


def overdue_floor(engine: sa.Engine, tenant: str, size: int) -> int:
    bound = overdue_bounds(DEFAULT_DEADLINES, overdue_now(size), calendar=WeekendCalendar())
    micros = (bound[Status.CONFIRMED] - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
        microseconds=1
    )
    query = sa.text(
        "SELECT document FROM so_orders WHERE tenant_id = :t AND status = 'confirmed'"
        " AND status_since_us <= :b"
    )
    count = 0
    with engine.connect() as connection:
        for (document,) in connection.execute(query, {"t": tenant, "b": micros}):
            json.loads(document)
            count += 1
    return count


def timed(work: Callable[[], int]) -> float:
    """Seconds per item of ``work`` (which returns how many items it did)."""
    gc.collect()
    began = time.perf_counter()
    count = work()
    return (time.perf_counter() - began) / max(count, 1)


def listing(database: SqlDatabase) -> int:
    with database.unit_of_work() as uow:
        return sum(1 for _ in uow.orders.iter_orders())


def listing_floor(engine: sa.Engine, tenant: str) -> int:
    query = sa.text("SELECT document FROM so_orders WHERE tenant_id = :t ORDER BY created_at, id")
    count = 0
    with engine.connect() as connection:
        for (document,) in connection.execute(query, {"t": tenant}):
            json.loads(document)
            count += 1
    return count


def peak_bytes(scan: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        scan()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def streamed_scan(database: SqlDatabase) -> None:
    with database.unit_of_work() as uow:
        for _order in uow.orders.iter_orders():
            pass


def listed_scan(database: SqlDatabase) -> None:
    with database.unit_of_work() as uow:
        orders = uow.orders.find()
        del orders


def entering(database: SqlDatabase, count: int) -> int:
    service = _entry_service(database)
    payload = tea_shop_payload(tea=1, cups=1)
    for _ in range(count):
        service.enter(payload, actor="bench")
    return count


def stocked(database: SqlDatabase) -> SqlDatabase:
    """The tenant's stock of the payload's SKUs: plenty, so entry never runs short."""
    with database.unit_of_work() as uow:
        for sku in ("TEA-LJ-250", "CUP-CER-6"):
            uow.stock.receive(
                sku, "SH-01", quantity=10_000_000, operation_id=f"open:{sku}", at=START
            )
        uow.stock.drain_events()
        uow.commit()
    return database


def entering_floor(engine: sa.Engine, tenant: str, count: int) -> int:
    rows = floor_rows(tenant, count)
    with engine.connect() as connection:
        for row in rows:
            connection.execute(_FLOOR_INSERT, row)
            connection.commit()
    return count


def floor_rows(tenant: str, count: int) -> list[dict[str, Any]]:
    """``count`` finished rows of the floors (the document encoded once, as by hand)."""
    order = attrs.evolve(template(), created_at=START)
    document = json.dumps(encode(order), ensure_ascii=False, separators=(",", ":"))
    rows = []
    for _ in range(count):
        key = uuid.uuid4().hex
        rows.append(
            {
                "t": tenant,
                "i": key,
                "n": key,
                "c": "C-1",
                "s": "draft",
                "at": START,
                "p": "S-1",
                "r": "CN/广东省/深圳市",
                "d": document,
            }
        )
    return rows


_FLOOR_INSERT = sa.text(
    "INSERT INTO so_orders (tenant_id, id, number, customer_id, status, created_at,"
    " salesperson, region, version, document) VALUES (:t, :i, :n, :c, :s, :at, :p, :r,"
    " 1, :d)"
)


def entering_many(database: SqlDatabase, count: int) -> int:
    """``OrderService.enter_many`` of ``count`` payloads, in batches of ``BULK``."""
    service = _entry_service(database)
    payload = tea_shop_payload(tea=1, cups=1)
    for first in range(0, count, BULK):
        outcomes = service.enter_many([payload] * min(BULK, count - first), actor="bench")
        if not all(outcome.ok for outcome in outcomes):
            raise SystemExit("enter_many refused a payload")
    return count


def entering_many_floor(engine: sa.Engine, tenant: str, count: int) -> int:
    """The same rows by hand: ``executemany`` of a batch of ``BULK`` and one commit each."""
    rows = floor_rows(tenant, count)
    with engine.connect() as connection:
        for first in range(0, count, BULK):
            connection.execute(_FLOOR_INSERT, rows[first : first + BULK])
            connection.commit()
    return count


def _entry_service(database: SqlDatabase) -> Any:
    clock = FixedClock(DEMO_START)  # the payload's delivery date is after it
    return build_service(
        clock,
        RecordingNotifier(),
        unit_of_work=database.unit_of_work,
        numbering=SqlNumbering(database, prefix=f"B{uuid.uuid4().hex[:6]}"),
    )


def _worker(job: tuple[str, str, str, int, float]) -> tuple[float, float]:
    """One process of the concurrent figure: waits for ``at``, then enters or inserts."""
    kind, url, tenant, count, at = job
    engine = _engine(url)
    database = SqlDatabase(engine=engine, tenant_id=tenant)
    if kind == "enter":
        service = _entry_service(database)
        payload = tea_shop_payload(tea=1, cups=1)
        service.enter(payload, actor="bench")  # the series' sequence exists
        time.sleep(max(0.0, at - time.time()))
        began = time.time()
        for _ in range(count):
            service.enter(payload, actor="bench")
    else:
        rows = floor_rows(f"{tenant}-floor", count)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            connection.commit()
            time.sleep(max(0.0, at - time.time()))
            began = time.time()
            for row in rows:
                connection.execute(_FLOOR_INSERT, row)
                connection.commit()
    ended = time.time()
    engine.dispose()
    return began, ended


def concurrent_rate(url: str, tenant: str, kind: str, count: int) -> float:
    """Orders per second of ``PROCESSES`` processes entering (or inserting) at once."""
    context = multiprocessing.get_context("spawn")
    at = time.time() + 5.0  # every process is up and connected before the start
    jobs = [(kind, url, tenant, count, at) for _ in range(PROCESSES)]
    with context.Pool(PROCESSES) as pool:
        spans = pool.map(_worker, jobs)
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return PROCESSES * count / elapsed


def measure_concurrent(url: str, rounds: int, enter: int) -> None:
    """``enter`` with ``PROCESSES`` processes against the floor with as many."""
    engine = _engine(url)
    tenant = f"conc-{uuid.uuid4().hex[:8]}"
    database = SqlDatabase(engine=engine, tenant_id=tenant)
    database.create_schema()
    stocked(database)
    service_rates, floor_rates = [], []
    for _ in range(rounds):
        floor_rates.append(concurrent_rate(url, tenant, "floor", enter))
        service_rates.append(concurrent_rate(url, tenant, "enter", enter))
    service_rate, floor_rate = median(service_rates), median(floor_rates)
    ratio = floor_rate / service_rate
    print(
        f"  {PROCESSES} processes: enter {service_rate:5.0f}/s, by hand {floor_rate:6.0f}/s"
        f" -> 1/{ratio:.1f} ({_verdict(ratio <= ENTER_BUDGET)})"
    )
    engine.dispose()


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def measure(url: str, orders: int, rounds: int, enter: int) -> None:
    engine = _engine(url)
    tenant = f"scale-{uuid.uuid4().hex[:8]}"
    database = SqlDatabase(engine=engine, tenant_id=tenant)
    database.create_schema()
    stocked(database)
    floor_tenant = f"{tenant}-floor"
    figures: dict[int, dict[str, float]] = {}
    filled = 0
    for size in (orders, 5 * orders):
        fill(database, filled, size)
        filled = size
        keys = ("list", "floor", "enter", "hand", "many", "many_hand", "overdue", "overdue_floor")
        rows: dict[str, list[float]] = {key: [] for key in keys}
        for name in REPORTS:
            rows[name] = []
            rows[f"{name}_floor"] = []
        asked = overdue_builder(database, size)
        for _ in range(rounds):
            rows["floor"].append(timed(lambda: listing_floor(engine, tenant)))
            rows["list"].append(timed(lambda: listing(database)))
            for name, report in REPORTS.items():
                # Per order of the tenant (a report is one call over all of them).
                rows[f"{name}_floor"].append(
                    timed(lambda: report_floor(engine, tenant, FLOORS[name])) / size  # noqa: B023
                )
                rows[name].append(timed(lambda: report(database)) / size)  # noqa: B023
            rows["overdue_floor"].append(
                timed(lambda: overdue_floor(engine, tenant, size))  # noqa: B023
            )
            rows["overdue"].append(timed(lambda: overdue_service(asked, size)))  # noqa: B023
            if enter:
                rows["hand"].append(timed(lambda: entering_floor(engine, floor_tenant, enter)))
                rows["enter"].append(timed(lambda: entering(database, enter)))
                rows["many_hand"].append(
                    timed(lambda: entering_many_floor(engine, floor_tenant, enter))
                )
                rows["many"].append(timed(lambda: entering_many(database, enter)))
        figure = {key: median(values) * 1e6 if values else 0.0 for key, values in rows.items()}
        figure["scan_peak"] = peak_bytes(lambda: streamed_scan(database))
        figure["list_peak"] = peak_bytes(lambda: listed_scan(database))
        figures[size] = figure
        print(
            f"  {size:>7} orders: listing {figure['list']:7.1f} µs/order,"
            f" floor {figure['floor']:6.1f} -> {figure['list'] / figure['floor']:.2f}x"
            f" ({_verdict(figure['list'] / figure['floor'] <= LISTING_BUDGET)});"
            f" scan peak {figure['scan_peak'] / 2**20:6.2f} MiB"
            f" (find(): {figure['list_peak'] / 2**20:7.1f} MiB);"
        )
        if enter:
            print(
                f"           enter {1e6 / figure['enter']:5.0f}/s,"
                f" by hand {1e6 / figure['hand']:6.0f}/s"
                f" -> 1/{figure['enter'] / figure['hand']:.1f}"
                f" ({_verdict(figure['enter'] / figure['hand'] <= ENTER_BUDGET)});"
                f" enter_many {1e6 / figure['many']:5.0f}/s,"
                f" executemany {1e6 / figure['many_hand']:6.0f}/s"
                f" -> 1/{figure['many'] / figure['many_hand']:.1f}"
                f" ({_verdict(figure['many'] / figure['many_hand'] <= ENTER_BUDGET)})"
            )
        for name in REPORTS:
            ratio = figure[name] / figure[f"{name}_floor"]
            print(
                f"           {name}: {figure[name]:6.3f} µs/order,"
                f" GROUP BY floor {figure[f'{name}_floor']:6.3f} -> {ratio:.2f}x"
                f" ({_verdict(ratio <= ANALYTICS_BUDGET)})"
            )
        ratio = figure["overdue"] / figure["overdue_floor"]
        print(
            f"           overdue: {figure['overdue']:7.1f} µs per late order,"
            f" indexed query floor {figure['overdue_floor']:6.1f} -> {ratio:.2f}x"
            f" ({_verdict(ratio <= OVERDUE_BUDGET)})"
        )
    small, large = figures[orders], figures[5 * orders]
    for key, name, budget in (
        ("list", "listing per order", GROWTH_BUDGET),
        ("floor", "listing floor per order", GROWTH_BUDGET),
        ("enter", "enter per order", GROWTH_BUDGET),
        ("many", "enter_many per order", GROWTH_BUDGET),
        ("scan_peak", "scan peak memory", MEMORY_GROWTH_BUDGET),
        *((name, f"{name} per order", GROWTH_BUDGET) for name in REPORTS),
        ("overdue", "overdue per late order", GROWTH_BUDGET),
    ):
        if not small[key]:
            continue
        growth = large[key] / small[key]
        verdict = _verdict(growth <= budget)
        print(f"  growth {orders} -> {5 * orders}, {name}: {growth:.2f}x ({verdict})")
    engine.dispose()


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER"


def _targets(folder: str) -> Iterator[tuple[str, str]]:
    yield "SQLite (file, WAL)", f"sqlite+pysqlite:///{folder}/scale.db"
    url = os.environ.get("SALESORDER_TEST_POSTGRES_URL")
    if url:
        yield "PostgreSQL (1 process)", url
    else:
        print("PostgreSQL skipped: SALESORDER_TEST_POSTGRES_URL is not set")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000, help="N: orders at the first size")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure (median)")
    parser.add_argument(
        "--enter", type=int, default=200, help="orders entered per round (0: not measured)"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, url in _targets(folder):
            print(f"{name}: N = {arguments.orders}, medians of {arguments.rounds} rounds")
            measure(url, arguments.orders, arguments.rounds, arguments.enter)
            if not url.startswith("sqlite") and arguments.enter:
                measure_concurrent(url, arguments.rounds, arguments.enter)


if __name__ == "__main__":
    main()
