"""Entry at the database's pace (issue 19 item 4), on SQLite and PostgreSQL.

* Entering one 3-line order is one transaction of at most ``MAX_STATEMENTS``
  statements, with no savepoint: the number is drawn in the order's transaction, the
  stock of every line is read in one statement, and the unique keys (not a count
  first) catch a taken number or id. Counted with a SQLAlchemy event listener.
* ``enter_many`` enters a batch in one transaction, each order all-or-nothing in its
  outcome: a refused payload writes nothing, coupons and idempotency keys count per
  order, and the accepted orders are numbered without a gap.
* A refused entry draws no number on SQLite (the counter rolls back with it); on
  PostgreSQL the series' sequence starts after numbers drawn from the counter row.
* A numbering of the host's own (no in-transaction capability) keeps working.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import attrs
import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import START, cny, demo_price_list, tea_shop_payload
from salesorder.errors import ConcurrencyConflict, ValidationFailed
from salesorder.pricing import Coupon, OrderAmountOff, PriceEntry, PriceList, Promotion, TaxPolicy
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

import sqlalchemy as sa

from salesorder.adapters.sql import SqlDatabase, SqlNumbering

# Statements of one entry: SQLite's BEGIN IMMEDIATE (a statement of its own; psycopg
# begins without one), the stock of the three lines, the number, the order's row.
# 13 on SQLite and 11 on PostgreSQL before issue 19.
MAX_STATEMENTS = {"sqlite": 4, "postgresql": 3}
FIFTY_OFF = Promotion("C50", "50 off", OrderAmountOff(cny(50)))


def price_list() -> PriceList:
    demo = demo_price_list()
    return PriceList("CNY", (*demo.entries, PriceEntry("POT-ZS-1", cny("268.00"))), name="t")


def three_lines(**changes: Any) -> dict[str, Any]:
    data = tea_shop_payload(tea=2, cups=1)
    data["lines"] = [
        *data["lines"],
        {"line_id": "3", "sku": "POT-ZS-1", "name": "紫砂壶", "quantity": "1", "unit": "把"},
    ]
    return {**data, **changes}


def service(database: SqlDatabase, *coupons: Coupon, numbering: Any = None) -> OrderService:
    return OrderService(
        unit_of_work=database.unit_of_work,
        clock=FixedClock(START),
        numbering=numbering or SqlNumbering(database),
        pricing_settings=PricingSettings(
            price_list=price_list(), coupon_book=coupons, tax=TaxPolicy.china_vat()
        ),
    )


def stock(database: SqlDatabase) -> None:
    with database.unit_of_work() as uow:
        for sku in ("TEA-LJ-250", "CUP-CER-6", "POT-ZS-1"):
            uow.stock.receive(sku, "SH-01", quantity=100, operation_id=f"open:{sku}", at=START)
        uow.stock.drain_events()
        uow.commit()


class Recorder:
    """Every statement and transaction an engine runs while it listens."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.commits = 0
        self.rollbacks = 0

    def _statement(self, *args: Any) -> None:
        self.statements.append(args[2])

    def _commit(self, _connection: Any) -> None:
        self.commits += 1

    def _rollback(self, _connection: Any) -> None:
        self.rollbacks += 1

    def __enter__(self) -> Recorder:
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        sa.event.listen(self.engine, "commit", self._commit)
        sa.event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *_exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)
        sa.event.remove(self.engine, "commit", self._commit)
        sa.event.remove(self.engine, "rollback", self._rollback)


@pytest.fixture
def database(sql_database: SqlDatabase) -> SqlDatabase:
    stock(sql_database)
    return sql_database


def test_one_entry_is_one_transaction_of_few_statements(database: SqlDatabase) -> None:
    svc = service(database)
    svc.enter(three_lines(), actor="S-LI")  # the series exists (PostgreSQL: its sequence)
    with Recorder(database.engine) as seen:
        entered = svc.enter(three_lines(), actor="S-LI")
    assert len(entered.lines) == 3
    assert seen.commits == 1
    limit = MAX_STATEMENTS[database.engine.dialect.name]
    assert len(seen.statements) <= limit, seen.statements
    assert not [s for s in seen.statements if "SAVEPOINT" in s.upper()]
    stock_reads = [s for s in seen.statements if "so_stock_positions" in s]
    assert len(stock_reads) == 1


def test_a_batch_is_one_transaction_with_batched_statements(database: SqlDatabase) -> None:
    svc = service(database)
    svc.enter(three_lines(), actor="S-LI")
    with Recorder(database.engine) as seen:
        outcomes = svc.enter_many([three_lines() for _ in range(20)], actor="S-LI")
    assert all(outcome.ok for outcome in outcomes)
    assert seen.commits == 1
    # BEGIN, one stock read for the batch, the numbers, the rows (batched).
    assert len(seen.statements) <= MAX_STATEMENTS[database.engine.dialect.name], seen.statements


def test_a_refused_payload_writes_nothing_and_the_others_go_in(database: SqlDatabase) -> None:
    svc = service(database, Coupon("ONCE", FIFTY_OFF, usage_limit=1))
    first = svc.enter(three_lines(), actor="S-LI")
    once = three_lines(coupons=["ONCE"])
    outcomes = svc.enter_many(
        [once, three_lines(lines=[]), once, three_lines()],
        actor="S-LI",
    )
    assert [o.ok for o in outcomes] == [True, False, False, True]
    assert [o.index for o in outcomes] == [0, 1, 2, 3]
    assert outcomes[1].code == "validation.failed"
    assert outcomes[1].report is not None
    assert outcomes[2].report is not None
    assert [i.code for i in outcomes[2].report.errors] == ["coupon.usage_limit"]
    entered = [o.order for o in outcomes if o.order is not None]
    # Numbered in the batch's order, right after the single entry, without a gap.
    assert first.number is not None
    serial = int(first.number.rsplit("-", 1)[1])
    assert [o.number for o in entered] == [f"SO-{START:%Y%m}-{serial + k:06d}" for k in (1, 2)]
    with database.unit_of_work() as uow:
        assert uow.coupons.count("ONCE") == 1
        assert {o.id for o in uow.orders.find()} == {first.id, *(o.id for o in entered)}
        assert uow.orders.get(entered[0].id).grand_total == entered[0].grand_total


def test_keys_count_per_order_across_enter_and_enter_many(database: SqlDatabase) -> None:
    svc = service(database)
    single = svc.enter(three_lines(), actor="S-LI", idempotency_key="k1")
    other = three_lines(channel="web")
    outcomes = svc.enter_many(
        [three_lines(), other, other, three_lines()],
        actor="S-LI",
        idempotency_keys=["k1", "k2", "k2", "k2"],
    )
    assert outcomes[0].order is not None
    assert outcomes[0].order.id == single.id  # replayed, not entered again
    assert outcomes[1].order is not None
    assert outcomes[2].order is not None
    assert outcomes[2].order.id == outcomes[1].order.id  # repeated within the batch
    assert outcomes[3].code == "idempotency.conflict"  # same key, other payload
    again = svc.enter_many([other], actor="S-LI", idempotency_keys=["k2"])
    assert again[0].order is not None
    assert again[0].order.id == outcomes[1].order.id
    with database.unit_of_work() as uow:
        assert len(uow.orders.find()) == 2


def test_a_refused_entry_draws_no_number_on_sqlite() -> None:
    database = SqlDatabase(tenant_id=f"t-{uuid.uuid4().hex[:12]}")
    database.create_schema()
    stock(database)
    svc = service(database)
    with pytest.raises(ValidationFailed):
        svc.enter(three_lines(lines=[]), actor="S-LI")
    assert svc.enter(three_lines(), actor="S-LI").number == f"SO-{START:%Y%m}-000001"


def test_a_sequence_starts_after_the_counter_row(postgres_database_url: str) -> None:
    database = SqlDatabase(postgres_database_url, tenant_id=f"t-{uuid.uuid4().hex[:12]}")
    database.create_schema()
    with database.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO so_sequences (tenant_id, name, period, value)"
                " VALUES (:t, 'SO', :p, 41)"
            ),
            {"t": database.tenant_id, "p": f"{START:%Y%m}"},
        )
    stock(database)
    assert service(database).enter(three_lines(), actor="S-LI").number == (
        f"SO-{START:%Y%m}-000042"
    )
    assert database.next_number(at=START) == f"SO-{START:%Y%m}-000043"
    database.engine.dispose()


class HostNumbering:
    """A host's own numbering: a transaction of its own, no in-transaction capability."""

    def __init__(self) -> None:
        self.issued = 0

    def next_number(self, *, at: datetime) -> str:
        self.issued += 1
        return f"H-{at:%Y}-{self.issued}"


def test_a_host_numbering_without_the_capability_keeps_working(database: SqlDatabase) -> None:
    numbering = HostNumbering()
    svc = service(database, numbering=numbering)
    assert svc.enter(three_lines(), actor="S-LI").number == f"H-{START:%Y}-1"
    outcomes = svc.enter_many([three_lines(lines=[]), three_lines()], actor="S-LI")
    # One number per payload, drawn before the unit of work: the refused one is a gap.
    assert outcomes[1].order is not None
    assert outcomes[1].order.number == f"H-{START:%Y}-3"
    assert numbering.issued == 3


def test_enter_many_on_memory_storage() -> None:
    svc = OrderService(
        unit_of_work=MemoryDatabase().unit_of_work,
        clock=FixedClock(START),
        numbering=PatternNumbering(),
        pricing_settings=PricingSettings(price_list=price_list(), tax=TaxPolicy.china_vat()),
    )
    outcomes = svc.enter_many([three_lines(), three_lines(lines=[])], actor="S-LI")
    assert [o.ok for o in outcomes] == [True, False]
    assert outcomes[0].order is not None
    assert svc.get(outcomes[0].order.id).number == outcomes[0].order.number


def test_available_many_answers_what_available_answers(sql_database: SqlDatabase) -> None:
    with sql_database.unit_of_work() as uow:
        uow.stock.receive("A", "SH-01", quantity=10, operation_id="a1", at=START)
        uow.stock.receive("A", "BJ-01", quantity=5, operation_id="a2", at=START)
        uow.stock.set_levels("A", "BJ-01", safety_stock=2)
        uow.stock.receive("B", "SH-01", quantity=1, operation_id="b1", at=START)
        skus = ["A", "B", "NONE", "A"]
        for safety in (False, True):
            many = uow.stock.available_many(skus, allow_safety_stock=safety)
            assert many == {
                sku: uow.stock.available(sku, allow_safety_stock=safety) for sku in skus
            }
        assert uow.stock.available_many([]) == {}


def test_a_batch_with_a_taken_number_cannot_be_committed(sql_database: SqlDatabase) -> None:
    svc = service(sql_database)
    stock(sql_database)
    taken = svc.enter(three_lines(), actor="S-LI")
    fresh = svc.enter(three_lines(), actor="S-LI")
    with sql_database.unit_of_work() as uow:
        copies = [attrs.evolve(fresh, id=f"new-{k}", number=f"N-{k}", version=0) for k in range(3)]
        copies[1].number = taken.number
        with pytest.raises(ConcurrencyConflict):
            uow.orders.add_many(copies)
        with pytest.raises(ConcurrencyConflict) as refused:
            uow.commit()
        assert refused.value.code == "storage.transaction_aborted"
    with sql_database.unit_of_work() as uow:
        assert {o.id for o in uow.orders.find()} == {taken.id, fresh.id}


def test_a_batch_writes_the_rows_add_writes(sql_database: SqlDatabase) -> None:
    """add_many (the driver's executemany of a text statement) stores what add stores."""
    svc = service(sql_database)
    stock(sql_database)
    entered = svc.enter(three_lines(), actor="S-LI")
    with sql_database.unit_of_work() as uow:
        uow.orders.add(attrs.evolve(entered, id="one", number="N-one", version=0))
        uow.orders.add_many(
            [attrs.evolve(entered, id=f"many-{k}", number=f"N-many-{k}", version=0) for k in (1, 2)]
        )
        uow.commit()
    table = sa.table("so_orders", *(sa.column(name) for name in ("tenant_id", "id")))
    with sql_database.engine.connect() as connection:
        rows = {
            row["id"]: {k: v for k, v in row.items() if k not in ("id", "number", "document")}
            for row in connection.execute(
                sa.select(sa.text("*"))
                .select_from(table)
                .where(table.c.tenant_id == sql_database.tenant_id)
            ).mappings()
        }
    assert rows["many-1"] == rows["one"] == rows["many-2"]
    with sql_database.unit_of_work() as uow:
        for key in ("one", "many-1", "many-2"):
            stored = uow.orders.get(key)
            assert attrs.evolve(stored, id="x", number="x") == attrs.evolve(
                entered, id="x", number="x", version=1
            )
