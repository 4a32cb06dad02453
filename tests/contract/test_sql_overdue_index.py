"""The overdue index: the bounds of sla.overdue_bounds select exactly the overdue orders.

Orders enter a watched status at any moment of the week (weekends, nights, across
holidays) and are checked at any later moment; ``find_entered_before`` of the memory and
the SQL repositories (SQLite and PostgreSQL) returns exactly the orders `sla.overdue`
finds late, and no other.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta, timezone

import pytest

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesorder.adapters.memory import MemoryOrderRepository
from salesorder.adapters.sql import SqlDatabase
from salesorder.order import Customer, Order
from salesorder.records import AuditEntry, Status
from salesorder.sla import (
    DEFAULT_DEADLINES,
    Deadline,
    WeekendCalendar,
    overdue,
    overdue_bounds,
)

BJ = timezone(timedelta(hours=8))
START = datetime(2026, 9, 28, 0, 0, tzinfo=BJ)  # a Monday before the October holidays
CALENDARS = [
    WeekendCalendar(),
    WeekendCalendar(
        holidays=frozenset(START.date() + timedelta(days=d) for d in range(3, 10)),
        working_weekends=frozenset({START.date() + timedelta(days=13)}),
        opens=time(8, 30),
        closes=time(17, 30),
        timezone=UTC,
    ),
]
DEADLINES = [
    DEFAULT_DEADLINES,
    (
        Deadline(name="review", status=Status.PENDING_APPROVAL, working_hours=1),
        Deadline(name="review2", status=Status.PENDING_APPROVAL, working_days=1),
        Deadline(name="ship", status=Status.CONFIRMED, working_days=0),
    ),
]


def waiting(order_id: str, status: Status, entered: datetime) -> Order:
    source = Status.DRAFT if status is Status.PENDING_APPROVAL else Status.APPROVED
    return Order(
        id=order_id,
        customer=Customer(id="c1", name="n"),
        currency="CNY",
        lines=(),
        created_at=entered - timedelta(hours=1),
        status=status,
        audit=(AuditEntry(entered, "u", "move", source, status),),
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from([Status.PENDING_APPROVAL, Status.CONFIRMED, Status.APPROVED]),
            st.integers(0, 60 * 24 * 20),
        ),
        max_size=12,
    ),
    later=st.integers(0, 60 * 24 * 25),
    calendar=st.sampled_from(CALENDARS),
    deadlines=st.sampled_from(DEADLINES),
)
def test_the_bounds_select_exactly_the_overdue_orders(
    sql_database: SqlDatabase,
    entries: list[tuple[Status, int]],
    later: int,
    calendar: WeekendCalendar,
    deadlines: tuple[Deadline, ...],
) -> None:
    orders = [
        waiting(f"o{k}", status, START + timedelta(minutes=minutes))
        for k, (status, minutes) in enumerate(entries)
    ]
    now = START + timedelta(minutes=later)
    expected = {o.id for o in orders if overdue(o, now, calendar=calendar, deadlines=deadlines)}
    bounds = overdue_bounds(deadlines, now, calendar=calendar)

    memory = MemoryOrderRepository()
    for order in orders:
        memory.add(order)
    assert {o.id for o in memory.find_entered_before(bounds)} == expected

    database = sql_database.for_tenant(f"t-{uuid.uuid4().hex[:12]}")
    with database.unit_of_work() as uow:
        for order in orders:
            uow.orders.add(order)
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.orders.find_entered_before(bounds)
    assert {o.id for o in found} == expected
    assert [o.id for o in found] == [o.id for o in memory.find_entered_before(bounds)]
