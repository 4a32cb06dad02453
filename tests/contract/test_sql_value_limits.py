"""Values longer than their VARCHAR column, on SQLite and PostgreSQL alike.

SQLite would store them and PostgreSQL would raise a driver error that aborts the
whole transaction; the adapter refuses them first with ``storage.value_too_long``:
nothing is written, and a later valid operation in the same unit of work commits
(which proves the PostgreSQL transaction was not aborted). A value of exactly the
limit is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from salesorder.errors import NotFound, RuleViolation
from salesorder.money import Money
from salesorder.quotes import Quote
from salesorder.testing._order_contracts import ContractEventRecorded, sample_order

sa = pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import METADATA, SqlDatabase, SqlNumbering  # noqa: E402
from salesorder.inventory import ReservationLine  # noqa: E402

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CODE = "storage.value_too_long"


def long(limit: int, *, extra: int = 1) -> str:
    """A value of ``limit + extra`` characters (non-ASCII: limits count characters)."""
    return "长" * (limit + extra)


def assert_too_long(error: RuleViolation, *, field: str, limit: int, value: str) -> None:
    assert error.code == CODE
    assert error.params == {"field": field, "limit": limit}
    for locale in ("en", "zh_CN"):
        message = error.message(locale)
        assert str(limit) in message
        assert value not in message  # the value may be personal data


def dump(database: SqlDatabase) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tenant, table by table."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with database.engine.connect() as connection:
        for table in METADATA.sorted_tables:
            query = sa.select(*table.c).where(table.c.tenant_id == database.tenant_id)
            rows[table.name] = sorted(map(tuple, connection.execute(query)), key=repr)
    return rows


class TestTenantId:
    def test_a_tenant_id_over_64_characters_is_refused(self, sql_database: SqlDatabase) -> None:
        value = long(64)
        with pytest.raises(RuleViolation) as caught:
            sql_database.for_tenant(value)
        assert_too_long(caught.value, field="tenant_id", limit=64, value=value)
        with pytest.raises(RuleViolation):
            SqlDatabase(engine=sql_database.engine, tenant_id=value)

    def test_a_tenant_id_of_exactly_64_characters_works(self, sql_database: SqlDatabase) -> None:
        other = sql_database.for_tenant(sql_database.tenant_id.ljust(64, "x"))
        with other.unit_of_work() as uow:
            uow.stock.receive("A", "W", quantity=3, operation_id="r1", at=AT)
            uow.coupons.redeem("C", customer_id="K", order_id="O")
            uow.commit()
        with other.unit_of_work() as uow:
            assert uow.stock.position("A", "W").on_hand == 3
            assert uow.coupons.count("C") == 1


class TestOrders:
    @pytest.mark.parametrize(
        ("field", "limit"), [("order_id", 64), ("order_number", 64), ("customer_id", 128)]
    )
    def test_adding_an_order_with_a_value_too_long_is_refused(
        self, sql_database: SqlDatabase, field: str, limit: int
    ) -> None:
        value = long(limit)
        bad = sample_order(
            number=value if field == "order_number" else None,
            customer_id=value if field == "customer_id" else "C-001",
        )
        if field == "order_id":
            bad.id = value
        before = dump(sql_database)
        good = sample_order(number="SO-1")
        with sql_database.unit_of_work() as uow:
            with pytest.raises(RuleViolation) as caught:
                uow.orders.add(bad)
            uow.orders.add(good)
            uow.commit()
        assert_too_long(caught.value, field=field, limit=limit, value=value)
        assert bad.version == 0
        with sql_database.unit_of_work() as uow:
            assert uow.orders.get(good.id).number == "SO-1"
            assert len(uow.orders.find()) == 1
        assert len(dump(sql_database)["so_orders"]) == len(before["so_orders"]) + 1

    def test_saving_an_order_with_a_number_too_long_is_refused(
        self, sql_database: SqlDatabase
    ) -> None:
        order = sample_order()
        with sql_database.unit_of_work() as uow:
            uow.orders.add(order)
            uow.commit()
        with sql_database.unit_of_work() as uow:
            loaded = uow.orders.get(order.id)
            loaded.number = long(64)
            with pytest.raises(RuleViolation) as caught:
                uow.orders.save(loaded, expected_version=1)
            assert loaded.version == 1
            loaded.number = "SO-2"
            uow.orders.save(loaded, expected_version=1)
            uow.commit()
        assert caught.value.code == CODE
        with sql_database.unit_of_work() as uow:
            stored = uow.orders.get(order.id)
        assert (stored.number, stored.version) == ("SO-2", 2)

    def test_values_of_exactly_the_limit_are_stored(self, sql_database: SqlDatabase) -> None:
        order = sample_order(number="N" * 64, customer_id="长" * 128)
        order.id = order.id.ljust(64, "i")
        with sql_database.unit_of_work() as uow:
            uow.orders.add(order)
            uow.commit()
        with sql_database.unit_of_work() as uow:
            stored = uow.orders.find_by_number("N" * 64)
            assert stored is not None
            assert (stored.id, stored.customer.id) == (order.id, "长" * 128)


class TestOutbox:
    def test_an_event_id_too_long_refuses_the_whole_batch(self, sql_database: SqlDatabase) -> None:
        first = ContractEventRecorded(occurred_at=AT, sequence=1)
        bad = ContractEventRecorded(occurred_at=AT, sequence=2, event_id=long(64))
        with sql_database.unit_of_work() as uow:
            with pytest.raises(RuleViolation) as caught:
                uow.outbox.add([first, bad])
            assert uow.outbox.pending() == []
            uow.outbox.add([first])
            uow.commit()
        assert_too_long(caught.value, field="event_id", limit=64, value=bad.event_id)
        with sql_database.unit_of_work() as uow:
            assert [e.event.event_id for e in uow.outbox.pending()] == [first.event_id]

    def test_an_event_id_of_exactly_64_characters_is_stored(
        self, sql_database: SqlDatabase
    ) -> None:
        event = ContractEventRecorded(occurred_at=AT, sequence=1, event_id="e" * 64)
        with sql_database.unit_of_work() as uow:
            uow.outbox.add([event])
            uow.commit()
        with sql_database.unit_of_work() as uow:
            assert [e.event for e in uow.outbox.pending()] == [event]


class TestCoupons:
    @pytest.mark.parametrize(
        ("field", "limit"), [("coupon_code", 64), ("customer_id", 128), ("order_id", 64)]
    )
    def test_a_redemption_with_a_value_too_long_is_refused(
        self, sql_database: SqlDatabase, field: str, limit: int
    ) -> None:
        value = long(limit)
        values = {"coupon_code": "C", "customer_id": "K", "order_id": "O"} | {field: value}
        with sql_database.unit_of_work() as uow:
            with pytest.raises(RuleViolation) as caught:
                uow.coupons.redeem(
                    values["coupon_code"],
                    customer_id=values["customer_id"],
                    order_id=values["order_id"],
                )
            uow.coupons.redeem("C", customer_id="K", order_id="O")
            uow.commit()
        assert_too_long(caught.value, field=field, limit=limit, value=value)
        assert len(dump(sql_database)["so_coupon_redemptions"]) == 1
        with sql_database.unit_of_work() as uow:
            assert uow.coupons.count("C") == 1

    def test_values_of_exactly_the_limit_are_stored(self, sql_database: SqlDatabase) -> None:
        with sql_database.unit_of_work() as uow:
            uow.coupons.redeem("c" * 64, customer_id="k" * 128, order_id="o" * 64)
            uow.commit()
        with sql_database.unit_of_work() as uow:
            assert uow.coupons.count_for_customer("c" * 64, "k" * 128) == 1


def _quote(*, quote_id: str, number: str) -> Quote:
    return Quote(
        quote_id=quote_id,
        number=number,
        order=sample_order(),
        total=Money("30.00", "CNY"),
        created_at=AT,
        valid_until=AT + timedelta(days=7),
    )


class TestQuotes:
    @pytest.mark.parametrize("field", ["quote_id", "quote_number"])
    def test_a_quote_with_a_value_too_long_is_refused(
        self, sql_database: SqlDatabase, field: str
    ) -> None:
        value = long(64)
        bad = _quote(
            quote_id=value if field == "quote_id" else "Q-1",
            number=value if field == "quote_number" else "QT-1",
        )
        with sql_database.unit_of_work() as uow:
            with pytest.raises(RuleViolation) as caught:
                uow.quotes.put(bad, expected=None)
            assert uow.quotes.all() == []
            uow.quotes.put(_quote(quote_id="Q-2", number="QT-2"), expected=None)
            uow.commit()
        assert_too_long(caught.value, field=field, limit=64, value=value)
        with sql_database.unit_of_work() as uow:
            assert [q.quote_id for q in uow.quotes.all()] == ["Q-2"]

    def test_values_of_exactly_the_limit_are_stored(self, sql_database: SqlDatabase) -> None:
        quote = _quote(quote_id="q" * 64, number="n" * 64)
        with sql_database.unit_of_work() as uow:
            uow.quotes.put(quote, expected=None)
            uow.commit()
        with sql_database.unit_of_work() as uow:
            assert uow.quotes.get("q" * 64).number == "n" * 64


class TestIdempotencyKeys:
    @pytest.mark.parametrize(
        ("field", "limit"), [("idempotency_key", 200), ("idempotency_result", 64)]
    )
    def test_a_value_too_long_is_refused(
        self, sql_database: SqlDatabase, field: str, limit: int
    ) -> None:
        value = long(limit)
        key, result = (value, "R") if field == "idempotency_key" else ("K", value)
        with sql_database.unit_of_work() as uow:
            with pytest.raises(RuleViolation) as caught:
                uow.idempotency.put(key, result)
            uow.idempotency.put("K2", "R2")
            uow.commit()
        assert_too_long(caught.value, field=field, limit=limit, value=value)
        with sql_database.unit_of_work() as uow:
            assert uow.idempotency.get("K") is None
            assert uow.idempotency.get("K2") == "R2"

    def test_values_of_exactly_the_limit_are_stored(self, sql_database: SqlDatabase) -> None:
        with sql_database.unit_of_work() as uow:
            uow.idempotency.put("k" * 200, "r" * 64)
            uow.commit()
        with sql_database.unit_of_work() as uow:
            assert uow.idempotency.get("k" * 200) == "r" * 64


class TestNumbering:
    def test_a_prefix_too_long_is_refused(self, sql_database: SqlDatabase) -> None:
        value = long(64)
        with pytest.raises(RuleViolation) as caught:
            SqlNumbering(sql_database, prefix=value)
        assert_too_long(caught.value, field="number_prefix", limit=64, value=value)
        with pytest.raises(RuleViolation):
            sql_database.next_number(at=AT, prefix=value)
        assert dump(sql_database)["so_sequences"] == []

    def test_a_prefix_of_exactly_64_characters_counts(self, sql_database: SqlDatabase) -> None:
        prefix = "P" * 64
        assert sql_database.next_number(at=AT, prefix=prefix) == f"{prefix}-202611-000001"
        assert SqlNumbering(sql_database, prefix=prefix).next_number(at=AT).endswith("000002")


# --------------------------------------------------------------------- stock

StockCall = Callable[[Any, str], object]
RID = "R-1"

# (field, limit, the operation with the value in that field), one per bounded argument.
STOCK_CASES: list[tuple[str, int, StockCall]] = [
    ("sku", 128, lambda s, v: s.receive(v, "W", quantity=1, operation_id="x", at=AT)),
    ("location", 128, lambda s, v: s.receive("A", v, quantity=1, operation_id="x", at=AT)),
    ("operation_id", 128, lambda s, v: s.receive("A", "W", quantity=1, operation_id=v, at=AT)),
    (
        "actor",
        128,
        lambda s, v: s.receive("A", "W", quantity=1, operation_id="x", at=AT, actor=v),
    ),
    (
        "reason",
        256,
        lambda s, v: s.receive("A", "W", quantity=1, operation_id="x", at=AT, reason=v),
    ),
    (
        "order_id",
        128,
        lambda s, v: s.restock("A", "W", quantity=1, operation_id="x", at=AT, order_id=v),
    ),
    ("sku", 128, lambda s, v: s.restock(v, "W", quantity=1, operation_id="x", at=AT)),
    (
        "reason",
        256,
        lambda s, v: s.adjust("A", "W", counted=9, reason=v, operation_id="x", at=AT),
    ),
    (
        "location",
        128,
        lambda s, v: s.adjust("A", v, counted=9, reason="count", operation_id="x", at=AT),
    ),
    (
        "location",
        128,
        lambda s, v: s.transfer(
            "A", source="W", destination=v, quantity=1, operation_id="x", at=AT
        ),
    ),
    (
        "location",
        128,
        lambda s, v: s.transfer(
            "A", source=v, destination="W", quantity=1, operation_id="x", at=AT
        ),
    ),
    (
        "reason",
        256,
        lambda s, v: s.transfer(
            "A", source="W", destination="V", quantity=1, operation_id="x", at=AT, reason=v
        ),
    ),
    ("sku", 128, lambda s, v: s.set_levels(v, "W", safety_stock=1)),
    ("location", 128, lambda s, v: s.set_levels("A", v, safety_stock=1)),
    (
        "order_id",
        128,
        lambda s, v: s.reserve(v, [ReservationLine("1", "A", 1)], operation_id="x", at=AT),
    ),
    (
        "sku",
        128,
        lambda s, v: s.reserve(
            "O-2",
            [ReservationLine("1", "A", 1), ReservationLine("2", v, 1)],
            operation_id="x",
            at=AT,
            allow_backorder=True,
        ),
    ),
    (
        "reservation_id",
        128,
        lambda s, v: s.reserve(
            "O-2", [ReservationLine("1", "A", 1)], operation_id="x", at=AT, reservation_id=v
        ),
    ),
    (
        "operation_id",
        128,
        lambda s, v: s.reserve("O-2", [ReservationLine("1", "A", 1)], operation_id=v, at=AT),
    ),
    (
        "actor",
        128,
        lambda s, v: s.reserve(
            "O-2", [ReservationLine("1", "A", 1)], operation_id="x", at=AT, actor=v
        ),
    ),
    ("reservation_id", 128, lambda s, v: s.fill_backorders(v, operation_id="x", at=AT)),
    ("operation_id", 128, lambda s, v: s.fill_backorders(RID, operation_id=v, at=AT)),
    ("reservation_id", 128, lambda s, v: s.release(v, operation_id="x", at=AT)),
    ("reason", 256, lambda s, v: s.release(RID, operation_id="x", at=AT, reason=v)),
    ("actor", 128, lambda s, v: s.release(RID, operation_id="x", at=AT, actor=v)),
    ("reservation_id", 128, lambda s, v: s.commit(v, operation_id="x", at=AT)),
    ("location", 128, lambda s, v: s.commit(RID, operation_id="x", at=AT, location=v)),
    ("operation_id", 128, lambda s, v: s.commit(RID, operation_id=v, at=AT)),
    ("operation_id", 128, lambda s, v: s.expire(AT + timedelta(days=2), operation_id=v)),
    ("actor", 128, lambda s, v: s.expire(AT + timedelta(days=2), actor=v)),
]


@pytest.fixture
def stocked(sql_database: SqlDatabase) -> SqlDatabase:
    """10 of A at W, 3 of them reserved by RID (expiring tomorrow), committed."""
    with sql_database.unit_of_work() as uow:
        uow.stock.receive("A", "W", quantity=10, operation_id="seed-1", at=AT)
        uow.stock.reserve(
            "O-1",
            [ReservationLine("1", "A", Decimal(3))],
            operation_id="seed-2",
            at=AT,
            reservation_id=RID,
            expires_at=AT + timedelta(days=1),
        )
        uow.commit()
    return sql_database


class TestStockStore:
    @pytest.mark.parametrize(
        ("field", "limit", "call"),
        STOCK_CASES,
        ids=[f"{i}-{case[0]}" for i, case in enumerate(STOCK_CASES)],
    )
    def test_a_value_too_long_is_refused_and_the_unit_of_work_goes_on(
        self, stocked: SqlDatabase, field: str, limit: int, call: StockCall
    ) -> None:
        value = long(limit)
        before = dump(stocked)
        with stocked.unit_of_work() as uow:
            with pytest.raises(RuleViolation) as caught:
                call(uow.stock, value)
            uow.stock.receive("A", "W", quantity=1, operation_id="after", at=AT)
            uow.commit()
        assert_too_long(caught.value, field=field, limit=limit, value=value)
        after = dump(stocked)
        for table in ("so_stock_movements", "so_stock_events", "so_stock_operations"):
            assert len(after[table]) == len(before[table]) + 1, table
        assert after["so_stock_reservations"] == before["so_stock_reservations"]
        with stocked.unit_of_work() as uow:
            position = uow.stock.position("A", "W")
            assert (position.on_hand, position.reserved) == (11, 3)

    def test_values_of_exactly_the_limit_are_stored(self, stocked: SqlDatabase) -> None:
        sku, location = "s" * 128, "长" * 128
        with stocked.unit_of_work() as uow:
            uow.stock.receive(
                sku,
                location,
                quantity=5,
                operation_id="o" * 128,
                at=AT,
                actor="a" * 128,
                reason="r" * 256,
            )
            uow.stock.reserve(
                "d" * 128,
                [ReservationLine("1", sku, Decimal(2))],
                operation_id="p" * 128,
                at=AT,
                reservation_id="v" * 128,
                actor="a" * 128,
            )
            uow.stock.release("v" * 128, operation_id="q" * 128, at=AT, reason="r" * 256)
            uow.commit()
        with stocked.unit_of_work() as uow:
            position = uow.stock.position(sku, location)
            assert (position.on_hand, position.reserved) == (5, 0)
            assert uow.stock.reservation("v" * 128).order_id == "d" * 128
            kept = [m for m in uow.stock.movements() if m.sku == sku]
            assert [m.actor for m in kept[:2]] == ["a" * 128] * 2

    def test_a_tenant_id_too_long_is_refused_by_the_store(self, sql_database: SqlDatabase) -> None:
        from salesorder.adapters.sql import SqlStockStore

        with sql_database.unit_of_work() as uow, pytest.raises(RuleViolation) as caught:
            SqlStockStore(uow.connection, tenant_id=long(64))
        assert caught.value.params == {"field": "tenant_id", "limit": 64}


def test_reading_with_a_value_too_long_is_not_refused(sql_database: SqlDatabase) -> None:
    """Reads only compare: a long id is simply not there."""
    with sql_database.unit_of_work() as uow:
        with pytest.raises(NotFound):
            uow.orders.get(long(64))
        assert uow.orders.find_by_number(long(64)) is None
        assert uow.stock.position(long(128), "W").on_hand == 0
        assert uow.idempotency.get(long(200)) is None


def test_events_may_come_from_a_one_shot_iterable(sql_database: SqlDatabase) -> None:
    """The outbox checks every event before writing any, and still writes them all."""
    events = [ContractEventRecorded(occurred_at=AT, sequence=n) for n in (1, 2)]
    with sql_database.unit_of_work() as uow:
        uow.outbox.add(event for event in events)
        uow.commit()
    with sql_database.unit_of_work() as uow:
        assert [e.event for e in uow.outbox.pending()] == events


def test_a_limit_can_only_come_from_bounded_text_columns() -> None:
    from salesorder.adapters._sql_schema import Bound
    from salesorder.adapters.sql import outbox_table

    with pytest.raises(TypeError):
        Bound("payload", outbox_table.c.payload)
    assert Bound("event", outbox_table.c.event_id, outbox_table.c.event_type).limit == 64
