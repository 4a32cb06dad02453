"""Service levels: working-time arithmetic, calendars and overdue detection."""

from __future__ import annotations

import builtins
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesorder import lifecycle as lc
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import Status
from salesorder.sla import (
    DEFAULT_DEADLINES,
    CalendarError,
    ChinaCalendar,
    Deadline,
    WeekendCalendar,
    add_working_days,
    add_working_hours,
    due_at,
    latest_overdue_start,
    overdue,
)
from salesorder.testing.lifecycle import FakeReport, flat_pricing

BJ = timezone(timedelta(hours=8))
CAL = WeekendCalendar()


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


class TestWorkingHours:
    def test_within_one_day(self) -> None:
        assert add_working_hours(at(23, 10), 4, calendar=CAL) == at(23, 14)

    def test_rolls_over_the_weekend(self) -> None:
        assert add_working_hours(at(20, 16), 4, calendar=CAL) == at(23, 11)

    def test_start_before_opening_counts_from_opening(self) -> None:
        assert add_working_hours(at(23, 7), Decimal("1.5"), calendar=CAL) == at(23, 10, 30)

    def test_start_after_closing_counts_from_next_opening(self) -> None:
        assert add_working_hours(at(23, 19), 1, calendar=CAL) == at(24, 10)

    def test_ending_exactly_at_closing(self) -> None:
        assert add_working_hours(at(23, 9), 9, calendar=CAL) == at(23, 18)

    def test_holiday_is_skipped_and_make_up_day_worked(self) -> None:
        calendar = WeekendCalendar(
            holidays=frozenset({date(2026, 11, 23)}),
            working_weekends=frozenset({date(2026, 11, 21)}),
        )
        assert add_working_hours(at(20, 17), 2, calendar=calendar) == at(21, 10)
        assert add_working_hours(at(21, 17), 2, calendar=calendar) == at(24, 10)

    def test_calendar_timezone_converts_the_start(self) -> None:
        calendar = WeekendCalendar(timezone=BJ)
        start = datetime(2026, 11, 23, 2, tzinfo=UTC)  # 10:00 in Beijing
        assert add_working_hours(start, 1, calendar=calendar) == at(23, 11)

    def test_custom_hours(self) -> None:
        calendar = WeekendCalendar(opens=time(8, 30), closes=time(12))
        assert add_working_hours(at(23, 11), 2, calendar=calendar) == at(24, 9, 30)


class TestWorkingDays:
    def test_same_clock_time_n_working_days_later(self) -> None:
        assert add_working_days(at(20, 16), 3, calendar=CAL) == at(25, 16)

    def test_weekend_start_counts_from_monday_opening(self) -> None:
        assert add_working_days(at(22, 12), 1, calendar=CAL) == at(24, 9)


class TestCalendars:
    def test_hours_must_be_ordered(self) -> None:
        with pytest.raises(CalendarError) as info:
            WeekendCalendar(opens=time(18), closes=time(9))
        assert info.value.code == "sla.calendar.invalid"

    def test_calendar_without_working_days_gives_up(self) -> None:
        class Never(WeekendCalendar):
            def is_working_day(self, day: date) -> bool:
                return False

        with pytest.raises(CalendarError):
            add_working_hours(at(23, 10), 1, calendar=Never())
        with pytest.raises(CalendarError):
            add_working_days(
                at(23, 10), 1, calendar=Never(working_weekends=frozenset({date(2026, 11, 23)}))
            )

    def test_china_calendar_knows_make_up_days(self) -> None:
        calendar = ChinaCalendar()
        assert calendar.is_working_day(date(2024, 9, 29))  # Sunday, make-up day (调休)
        assert not calendar.is_working_day(date(2024, 10, 1))  # National Day
        start = datetime(2024, 9, 27, 10, tzinfo=BJ)
        assert add_working_days(start, 3, calendar=calendar) == datetime(2024, 10, 8, 10, tzinfo=BJ)
        assert calendar.working_hours(date(2024, 9, 29)) == (time(9), time(18))

    def test_china_calendar_out_of_range_is_coded(self) -> None:
        with pytest.raises(CalendarError) as info:
            ChinaCalendar().is_working_day(date(1990, 1, 1))
        assert info.value.code == "sla.calendar.out_of_range"

    def test_china_calendar_without_package_is_coded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_import = builtins.__import__

        def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
            if name == "chinese_calendar":
                raise ImportError(name)
            return real_import(name, *args, **kwargs)

        monkeypatch.delitem(sys.modules, "chinese_calendar", raising=False)
        monkeypatch.setattr(builtins, "__import__", refuse)
        with pytest.raises(CalendarError) as info:
            ChinaCalendar()
        assert info.value.code == "sla.calendar.unavailable"


class TestOverdue:
    def test_deadline_needs_exactly_one_allowance(self) -> None:
        with pytest.raises(CalendarError):
            Deadline(name="x", status=lc.Status.CONFIRMED)
        with pytest.raises(CalendarError):
            Deadline(name="x", status=lc.Status.CONFIRMED, working_hours=1, working_days=1)

    def test_order_in_review_past_four_working_hours_is_overdue(self) -> None:
        order = Order(
            id="SO-9",
            customer=Customer("C", "x", is_new=True),
            currency="CNY",
            lines=(OrderLine("1", "A", "a", Decimal(1)),),
        )
        lc.submit(
            order,
            actor="s",
            at=at(20, 16),
            report=FakeReport(),
            breakdown=flat_pricing(order),
            approval_policy=lc.ApprovalPolicy(),
        )
        assert overdue(order, at(23, 11), calendar=CAL) == ()
        (breach,) = overdue(order, at(23, 11, 30), calendar=CAL)
        assert breach.deadline == "review"
        assert breach.due_at == at(23, 11)
        assert breach.overdue_by == timedelta(minutes=30)
        assert due_at(order, DEFAULT_DEADLINES[0], calendar=CAL) == at(23, 11)

    def test_ship_deadline_runs_from_confirmation(self) -> None:
        order = Order(
            id="SO-9",
            customer=Customer("C", "x"),
            currency="CNY",
            lines=(OrderLine("1", "A", "a", Decimal(1)),),
        )
        lc.submit(
            order,
            actor="s",
            at=at(23, 9),
            report=FakeReport(),
            breakdown=flat_pricing(order),
            approval_policy=lc.ApprovalPolicy(),
        )
        lc.confirm(order, actor="s", at=at(23, 10))
        assert overdue(order, at(26, 10), calendar=CAL) == ()
        assert [b.deadline for b in overdue(order, at(26, 10, 1), calendar=CAL)] == ["ship"]
        lc.ship(order, lines={"1": Decimal(1)}, actor="w", at=at(27, 9))
        assert overdue(order, at(30, 10), calendar=CAL) == ()
        assert due_at(order, DEFAULT_DEADLINES[1], calendar=CAL) is None

    def test_status_without_entry_in_audit_has_no_clock(self) -> None:
        order = Order(id="x", customer=Customer("C", "x"), currency="CNY", lines=())
        order.status = lc.Status.CONFIRMED
        assert overdue(order, at(30, 10), calendar=CAL) == ()


# -- latest_overdue_start: the exact bound, to the microsecond ----------------------------

_BOUND_CALENDARS = [
    WeekendCalendar(),
    WeekendCalendar(
        holidays=frozenset(date(2026, 10, 1) + timedelta(days=d) for d in range(7)),
        working_weekends=frozenset({date(2026, 10, 11)}),
        opens=time(8, 30),
        closes=time(17, 30),
        timezone=UTC,
    ),
]
_BOUND_DEADLINES = [
    Deadline(name="review", status=Status.PENDING_APPROVAL, working_hours=4),
    Deadline(name="quick", status=Status.PENDING_APPROVAL, working_hours=Decimal("0.5")),
    Deadline(name="ship", status=Status.CONFIRMED, working_days=3),
    Deadline(name="same day", status=Status.CONFIRMED, working_days=0),
]


@settings(max_examples=150, deadline=None)
@given(
    micros=st.integers(0, 40 * 86_400 * 10**6),
    calendar=st.sampled_from(_BOUND_CALENDARS),
    deadline=st.sampled_from(_BOUND_DEADLINES),
    offset=st.sampled_from([0, 8, -5]),
)
def test_latest_overdue_start_is_the_last_late_start(
    micros: int, calendar: WeekendCalendar, deadline: Deadline, offset: int
) -> None:
    now = datetime(2026, 9, 20, tzinfo=timezone(timedelta(hours=offset))) + timedelta(
        microseconds=micros
    )
    start = latest_overdue_start(deadline, now, calendar=calendar)
    assert start is not None
    # Late from this start, not from a microsecond later (the due moment never moves
    # back when the start moves later, so every earlier start is late too).
    assert now > deadline.due(start, calendar=calendar)
    assert not now > deadline.due(start + timedelta(microseconds=1), calendar=calendar)
