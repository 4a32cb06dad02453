"""Streaming order listings from SQL: keyset pages, filters in the database, one-statement add.

On SQLite and PostgreSQL: the pages of a listing are exactly the orders a plain
filter-and-sort of every order gives (a differential property test), each page is one
statement, a listing can resume from a cursor in another unit of work, and adding an
order is a single ``INSERT`` (no count before it, no savepoint around it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

import attrs
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesorder.adapters.sql import OrderCursor, OrderPage, SqlDatabase
from salesorder.errors import ConcurrencyConflict
from salesorder.order import Address, Order
from salesorder.records import Status
from salesorder.testing.contracts import sample_order

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REGIONS = ("CN/广东省/深圳市", "CN/浙江省/杭州市")


@contextmanager
def statements(database: SqlDatabase) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", record)


def order_like(
    k: int,
    *,
    created_at: datetime | None,
    customer: str = "C-1",
    salesperson: str | None = None,
    region: str | None = None,
    status: Status = Status.DRAFT,
) -> Order:
    order = sample_order(customer_id=customer, number=f"SO-{k:06d}", lines=1)
    address = None
    if region is not None:
        _, province, city = region.split("/")
        address = Address(country="CN", province=province, city=city, street="1 Road")
    return attrs.evolve(
        order,
        id=f"o-{k:04d}",
        created_at=created_at,
        salesperson=salesperson,
        shipping_address=address,
        status=status,
    )


def store(database: SqlDatabase, orders: list[Order]) -> None:
    with database.unit_of_work() as uow:
        for order in orders:
            uow.orders.add(order)
        uow.commit()


def sort_key(order: Order) -> tuple[bool, datetime, str]:
    # Undated orders first (by id), then by creation time and id.
    dated = order.created_at is not None
    return (dated, order.created_at or T0, order.id)


def test_pages_list_every_order_oldest_first_undated_first(sql_database: SqlDatabase) -> None:
    orders = [
        order_like(k, created_at=None if k % 4 == 0 else T0 + timedelta(hours=k % 3))
        for k in range(11)
    ]
    store(sql_database, orders)
    with sql_database.unit_of_work() as uow:
        pages = list(uow.orders.pages(page_size=3))
    assert [len(page.orders) for page in pages] == [3, 3, 3, 2]
    assert all(page.next is not None for page in pages[:-1])
    assert pages[-1].next is None
    listed = [order.id for page in pages for order in page.orders]
    assert listed == [order.id for order in sorted(orders, key=sort_key)]


def test_a_full_last_page_is_followed_by_an_empty_one(sql_database: SqlDatabase) -> None:
    store(sql_database, [order_like(k, created_at=T0 + timedelta(minutes=k)) for k in range(4)])
    with sql_database.unit_of_work() as uow:
        pages = list(uow.orders.pages(page_size=2))
    assert [len(page.orders) for page in pages] == [2, 2, 0]
    assert pages[-1] == OrderPage((), None)


def test_each_page_is_one_statement_read_when_it_is_consumed(sql_database: SqlDatabase) -> None:
    store(sql_database, [order_like(k, created_at=T0 + timedelta(minutes=k)) for k in range(5)])
    with sql_database.unit_of_work() as uow, statements(sql_database) as seen:
        listing = uow.orders.iter_orders(page_size=2)
        assert seen == []  # nothing read before the first order is asked for
        first = next(listing)
        assert len(seen) == 1
        assert first.id == "o-0000"
        rest = list(listing)
    assert len(rest) == 4
    assert len(seen) == 3  # pages of 2, 2 and 1: the short page is the last
    assert all(statement.lstrip().upper().startswith("SELECT") for statement in seen)
    assert all("LIMIT" in statement.upper() for statement in seen)


def test_a_listing_resumes_from_a_cursor_in_another_unit_of_work(
    sql_database: SqlDatabase,
) -> None:
    orders = [order_like(k, created_at=T0 + timedelta(minutes=k // 2)) for k in range(7)]
    store(sql_database, orders)
    with sql_database.unit_of_work() as uow:
        first = next(uow.orders.pages(page_size=3))
    assert isinstance(first.next, OrderCursor)
    # An order added behind the cursor is not listed; one ahead of it is.
    store(
        sql_database,
        [
            order_like(90, created_at=T0 - timedelta(days=1)),
            order_like(91, created_at=T0 + timedelta(days=1)),
        ],
    )
    with sql_database.unit_of_work() as uow:
        rest = [
            o.id for page in uow.orders.pages(page_size=3, after=first.next) for o in page.orders
        ]
    assert [o.id for o in first.orders] + rest == [o.id for o in orders] + ["o-0091"]


@pytest.mark.parametrize("size", [0, -1, 10_001])
def test_a_page_size_out_of_bounds_is_refused(sql_database: SqlDatabase, size: int) -> None:
    with sql_database.unit_of_work() as uow, pytest.raises(ValueError, match="page_size"):
        next(uow.orders.pages(page_size=size))


def test_adding_an_order_is_one_insert_without_a_count_or_a_savepoint(
    sql_database: SqlDatabase,
) -> None:
    order = order_like(1, created_at=T0)
    with sql_database.unit_of_work() as uow:
        with statements(sql_database) as seen:
            uow.orders.add(order)
        assert order.version == 1
        assert len(seen) == 1
        assert seen[0].lstrip().upper().startswith("INSERT INTO SO_ORDERS")
        # A taken id, then a taken number: refused by the unique keys, in one statement
        # each, and the unit of work goes on (no failed statement aborted it).
        for duplicate in (
            attrs.evolve(order, number="SO-999999", version=0),
            attrs.evolve(order, id="o-other", version=0),
        ):
            with statements(sql_database) as seen, pytest.raises(ConcurrencyConflict):
                uow.orders.add(duplicate)
            assert len(seen) == 1
            assert duplicate.version == 0
        uow.orders.add(order_like(2, created_at=T0))
        uow.commit()
    with sql_database.unit_of_work() as uow:
        assert [o.id for o in uow.orders.find()] == ["o-0001", "o-0002"]
        assert uow.orders.get("o-0001").number == "SO-000001"


def test_the_salesperson_and_region_columns_follow_a_save(sql_database: SqlDatabase) -> None:
    order = order_like(1, created_at=T0, salesperson="S-1", region=REGIONS[0])
    store(sql_database, [order])
    with sql_database.unit_of_work() as uow:
        loaded = uow.orders.get(order.id)
        loaded.salesperson = "S-2"
        loaded.shipping_address = None
        uow.orders.save(loaded, expected_version=1)
        uow.commit()
    with sql_database.unit_of_work() as uow:
        assert uow.orders.find(salesperson="S-1") == []
        assert [o.id for o in uow.orders.find(salesperson="S-2")] == [order.id]
        assert uow.orders.find(region=REGIONS[0]) == []


_filters = st.fixed_dictionaries(
    {},
    optional={
        "customer_id": st.sampled_from(["C-1", "C-2"]),
        "status": st.sampled_from([Status.DRAFT, Status.CONFIRMED]),
        "salesperson": st.sampled_from(["S-1", "S-2"]),
        "region": st.sampled_from(REGIONS),
        "created_from": st.integers(0, 6).map(lambda h: T0 + timedelta(hours=h)),
        "created_to": st.integers(0, 6).map(lambda h: T0 + timedelta(hours=h)),
    },
)

_shapes = st.lists(
    st.tuples(
        st.none() | st.integers(0, 5),  # hours after T0, or undated
        st.sampled_from(["C-1", "C-2"]),
        st.sampled_from([None, "S-1", "S-2"]),
        st.sampled_from([None, *REGIONS]),
        st.sampled_from([Status.DRAFT, Status.CONFIRMED]),
    ),
    max_size=14,
)


def matches(order: Order, criteria: dict[str, Any]) -> bool:
    address = order.shipping_address
    region = address.region if address is not None else None
    created = order.created_at
    return (
        criteria.get("customer_id", order.customer.id) == order.customer.id
        and criteria.get("status", order.status) is order.status
        and criteria.get("salesperson", order.salesperson) == order.salesperson
        and criteria.get("region", region) == region
        and (
            "created_from" not in criteria
            or (created is not None and created >= criteria["created_from"])
        )
        and (
            "created_to" not in criteria
            or (created is not None and created < criteria["created_to"])
        )
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shapes=_shapes, criteria=_filters, page_size=st.integers(1, 4))
def test_pages_are_exactly_the_filtered_sorted_orders(
    sql_database: SqlDatabase, shapes: list[Any], criteria: dict[str, Any], page_size: int
) -> None:
    database = sql_database.for_tenant(f"p-{uuid.uuid4().hex[:12]}")
    orders = [
        order_like(
            k,
            created_at=None if hours is None else T0 + timedelta(hours=hours),
            customer=customer,
            salesperson=salesperson,
            region=region,
            status=status,
        )
        for k, (hours, customer, salesperson, region, status) in enumerate(shapes)
    ]
    store(database, orders)
    with database.unit_of_work() as uow:
        pages = list(uow.orders.pages(page_size=page_size, **criteria))
        found = [order.id for order in uow.orders.find(**criteria)]
    expected = [order.id for order in sorted(orders, key=sort_key) if matches(order, criteria)]
    assert [order.id for page in pages for order in page.orders] == expected
    assert found == expected
    assert all(len(page.orders) <= page_size for page in pages)
    assert pages[-1].next is None


def test_refresh_columns_fills_columns_a_migration_left_empty(sql_database: SqlDatabase) -> None:
    orders = [
        order_like(
            k, created_at=T0 + timedelta(minutes=k), salesperson=f"S-{k % 2}", region=REGIONS[k % 2]
        )
        for k in range(5)
    ]
    store(sql_database, orders)
    # What an ALTER TABLE ... ADD COLUMN leaves in rows written before it.
    with sql_database.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE so_orders SET salesperson = NULL, region = NULL WHERE tenant_id = :t"),
            {"t": sql_database.tenant_id},
        )
    with sql_database.unit_of_work() as uow:
        assert uow.orders.find(salesperson="S-0") == []
        assert uow.orders.refresh_columns(page_size=2) == 5
        uow.commit()
    with sql_database.unit_of_work() as uow:
        assert [o.id for o in uow.orders.find(salesperson="S-0")] == ["o-0000", "o-0002", "o-0004"]
        assert [o.id for o in uow.orders.find(region=REGIONS[1])] == ["o-0001", "o-0003"]
        assert {o.version for o in uow.orders.find()} == {1}


def test_pages_resume_exactly_whatever_the_zone_of_the_creation_times(
    sql_database: SqlDatabase,
) -> None:
    # The cursor is the last order's own creation time: with times in several zones and
    # microseconds, one order a page must still list each order once, as find() does.
    shanghai = timezone(timedelta(hours=8))
    times = [
        T0 + timedelta(microseconds=1),
        (T0 + timedelta(hours=1)).astimezone(shanghai),
        T0.astimezone(shanghai),
        T0 + timedelta(minutes=30, microseconds=999_999),
        None,
        (T0 - timedelta(days=1)).astimezone(shanghai),
    ]
    store(sql_database, [order_like(k, created_at=at) for k, at in enumerate(times)])
    with sql_database.unit_of_work() as uow:
        paged = [order.id for page in uow.orders.pages(page_size=1) for order in page.orders]
        found = [order.id for order in uow.orders.find()]
    assert sorted(paged) == sorted(f"o-{k:04d}" for k in range(len(times)))
    assert paged == found
