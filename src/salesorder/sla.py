"""Service levels (R16): deadlines in working hours and working days, and overdue detection.

A :class:`BusinessCalendar` says which days are working days and the working hours of a
day. :class:`WeekendCalendar` (weekends off, configurable holidays, make-up working days
and hours) is the default; :class:`ChinaCalendar` follows mainland China's official
calendar including make-up working days (调休) through the optional ``chinese_calendar``
package (extra ``salesorder[china-calendar]``), imported only when used.

A :class:`Deadline` runs from the moment an order enters a status (read from its audit
trail) for a number of working hours or days; :func:`overdue` lists the deadlines an
order has missed at ``now``.

Invariants: pure functions of their arguments (time comes in as ``now``); datetimes are
handled in their own timezone (or the calendar's, when it sets one); adding working time
never lands outside working hours except exactly at a closing time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Final, Protocol

import attrs

from salesorder.errors import SalesOrderError, define_code, define_phrase
from salesorder.order import Order
from salesorder.records import Status

__all__ = [
    "DEFAULT_DEADLINES",
    "Breach",
    "BusinessCalendar",
    "CalendarError",
    "ChinaCalendar",
    "Deadline",
    "WeekendCalendar",
    "add_working_days",
    "add_working_hours",
    "due_at",
    "latest_overdue_start",
    "overdue",
    "overdue_bounds",
    "status_entered_at",
]

CALENDAR_UNAVAILABLE: Final = define_code(
    "sla.calendar.unavailable",
    en="The China calendar needs the 'chinesecalendar' package (extra 'china-calendar').",
)
CALENDAR_OUT_OF_RANGE: Final = define_code(
    "sla.calendar.out_of_range",
    en="The calendar has no data for {day}.",
)
CALENDAR_INVALID: Final = define_code(
    "sla.calendar.invalid",
    en="Invalid calendar or deadline: {reason}.",
)

# A search for the next working day gives up after this many days (a calendar
# without working days would otherwise loop forever).
_MAX_DAYS: Final = 3700


# Why a calendar is refused: the ``reason`` of ``sla.calendar.invalid`` (terms).
OPENING_AFTER_CLOSING: Final = define_phrase("opening time must be before closing time")
NO_WORKING_DAY: Final = define_phrase("no working day found")
HOURS_OR_DAYS: Final = define_phrase("give working_hours or working_days")


class CalendarError(SalesOrderError):
    """A business calendar cannot answer (package missing, year out of range, no working day)."""

    default_code = CALENDAR_INVALID


class BusinessCalendar(Protocol):
    """Working days and hours (the ``BusinessCalendar`` port)."""

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        ...

    def working_hours(self, day: date) -> tuple[time, time]:
        """Opening and closing time of a working day."""
        ...

    @property
    def timezone(self) -> tzinfo | None:
        """Timezone the hours are in (None: each datetime's own)."""
        ...


def _check_hours(opens: time, closes: time) -> None:
    if not opens < closes:
        raise CalendarError(params={"reason": OPENING_AFTER_CLOSING})


@attrs.frozen(kw_only=True)
class WeekendCalendar:
    """Monday to Friday, with holidays off and make-up working days on.

    Attributes:
        holidays: Dates off although on a weekday.
        working_weekends: Weekend dates that are working days (调休 make-up days).
        opens: Opening time (default 09:00).
        closes: Closing time (default 18:00).
        timezone: Timezone of the hours (None: each datetime's own).
    """

    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()
    opens: time = time(9)
    closes: time = time(18)
    timezone: tzinfo | None = None

    def __attrs_post_init__(self) -> None:
        _check_hours(self.opens, self.closes)

    def is_working_day(self, day: date) -> bool:
        """Weekdays that are not holidays, and listed make-up weekend days."""
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_hours(self, day: date) -> tuple[time, time]:
        """The same opening hours every working day."""
        del day
        return self.opens, self.closes


@attrs.frozen(kw_only=True)
class ChinaCalendar:
    """Mainland China's official calendar (法定节假日 and 调休) via ``chinese_calendar``.

    Attributes:
        opens: Opening time (default 09:00).
        closes: Closing time (default 18:00).
        timezone: Timezone of the hours (None: each datetime's own).

    Raises:
        CalendarError: ``sla.calendar.unavailable`` at construction when the package is
            missing; ``sla.calendar.out_of_range`` for a year it has no data for.
    """

    opens: time = time(9)
    closes: time = time(18)
    timezone: tzinfo | None = None
    _module: Any = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        _check_hours(self.opens, self.closes)
        try:
            import chinese_calendar  # noqa: PLC0415  (optional extra, loaded only when used)
        except ImportError:
            raise CalendarError(CALENDAR_UNAVAILABLE) from None
        object.__setattr__(self, "_module", chinese_calendar)

    def is_working_day(self, day: date) -> bool:
        """Official working day, make-up weekend days included."""
        try:
            return bool(self._module.is_workday(day))
        except NotImplementedError:
            raise CalendarError(CALENDAR_OUT_OF_RANGE, params={"day": day.isoformat()}) from None

    def working_hours(self, day: date) -> tuple[time, time]:
        """The same opening hours every working day."""
        del day
        return self.opens, self.closes


def _local(moment: datetime, calendar: BusinessCalendar) -> datetime:
    zone = calendar.timezone
    return moment.astimezone(zone) if zone is not None and moment.tzinfo is not None else moment


def _at(day: date, clock: time, like: datetime) -> datetime:
    return datetime.combine(day, clock, tzinfo=like.tzinfo)


def _next_opening(moment: datetime, calendar: BusinessCalendar) -> datetime:
    """The first working instant at or after ``moment``."""
    day = moment.date()
    for _ in range(_MAX_DAYS):
        if calendar.is_working_day(day):
            opens, closes = calendar.working_hours(day)
            if moment < _at(day, closes, moment):
                return max(moment, _at(day, opens, moment))
        day += timedelta(days=1)
        moment = _at(day, time(0), moment)
    raise CalendarError(params={"reason": NO_WORKING_DAY})


def add_working_hours(
    start: datetime, hours: int | Decimal, *, calendar: BusinessCalendar
) -> datetime:
    """The moment ``hours`` working hours after ``start``.

    Args:
        start: Start (outside working hours counts from the next opening).
        hours: Working hours to add (>= 0).
        calendar: The business calendar.

    Returns:
        The due moment, in the calendar's (or ``start``'s) timezone.
    """
    remaining = timedelta(seconds=int(Decimal(hours) * 3600))
    moment = _next_opening(_local(start, calendar), calendar)
    while True:
        _, closes = calendar.working_hours(moment.date())
        left_today = _at(moment.date(), closes, moment) - moment
        if remaining <= left_today:
            return moment + remaining
        remaining -= left_today
        moment = _next_opening(_at(moment.date() + timedelta(days=1), time(0), moment), calendar)


def add_working_days(start: datetime, days: int, *, calendar: BusinessCalendar) -> datetime:
    """The same working clock time ``days`` working days after ``start``.

    Args:
        start: Start (outside working hours counts from the next opening).
        days: Working days to add (>= 0).
        calendar: The business calendar.

    Returns:
        The due moment.
    """
    moment = _next_opening(_local(start, calendar), calendar)
    day = moment.date()
    for _ in range(days):
        day += timedelta(days=1)
        for _ in range(_MAX_DAYS):
            if calendar.is_working_day(day):
                break
            day += timedelta(days=1)
        else:
            raise CalendarError(params={"reason": NO_WORKING_DAY})
    return _at(day, moment.timetz().replace(tzinfo=None), moment)


@attrs.frozen(kw_only=True)
class Deadline:
    """How long an order may stay in a status, in working hours or working days.

    Attributes:
        name: Name of the service level, e.g. ``review``.
        status: The clock runs from the moment the order enters this status until it leaves.
        working_hours: Allowance in working hours, or
        working_days: allowance in working days (exactly one of the two).
    """

    name: str
    status: Status
    working_hours: int | Decimal | None = None
    working_days: int | None = None

    def __attrs_post_init__(self) -> None:
        if (self.working_hours is None) == (self.working_days is None):
            raise CalendarError(params={"reason": HOURS_OR_DAYS})

    def due(self, start: datetime, *, calendar: BusinessCalendar) -> datetime:
        """When the deadline falls for a clock started at ``start``."""
        if self.working_hours is not None:
            return add_working_hours(start, self.working_hours, calendar=calendar)
        return add_working_days(start, self.working_days or 0, calendar=calendar)


DEFAULT_DEADLINES: Final = (
    Deadline(name="review", status=Status.PENDING_APPROVAL, working_hours=4),
    Deadline(name="ship", status=Status.CONFIRMED, working_days=3),
)
"""Review within 4 working hours of submission; ship within 3 working days of confirmation."""


@attrs.frozen
class Breach:
    """A missed deadline.

    Attributes:
        deadline: Name of the deadline.
        status: Status the order is still in.
        started_at: When the clock started (the order entered the status).
        due_at: When it was due.
        overdue_by: Wall-clock time past due at the moment of the check.
    """

    deadline: str
    status: Status
    started_at: datetime
    due_at: datetime
    overdue_by: timedelta


def status_entered_at(order: Order) -> datetime | None:
    """When ``order`` last entered the status it is in now (None: no audit entry says so).

    The moment every deadline of that status runs from: stores index it so that an
    overdue query reads only the orders past due (see :func:`latest_overdue_start`).
    """
    status = order.status
    for entry in reversed(order.audit):
        if entry.target is status and entry.source is not status:
            return entry.at
    return None


def _entered(order: Order, status: Status) -> datetime | None:
    """When the order last entered ``status``, if it is in it now."""
    return status_entered_at(order) if order.status is status else None


# How far back (microseconds, about 35 years) the search for a past-due start goes.
_SEARCH_LIMIT: Final = 2**50


def latest_overdue_start(
    deadline: Deadline, now: datetime, *, calendar: BusinessCalendar
) -> datetime | None:
    """The latest clock start from which ``deadline`` is past due at ``now``.

    A deadline's due moment never moves back when its clock starts later, so the
    starts past due at ``now`` are exactly those at or before the moment returned
    (to the microsecond): an index on the moment orders entered their status answers
    "which orders are overdue" with one range. The starts are taken in the calendar's
    timezone, or else in the timezone of ``now`` (the clock's): orders whose audit
    times carry another UTC offset than ``now`` are judged in ``now``'s when the
    calendar has no timezone of its own.

    Args:
        deadline: The service level.
        now: The moment of the check (timezone-aware).
        calendar: Working days and hours.

    Returns:
        The moment, or None when no start before ``now`` is past due yet.
    """
    zone = calendar.timezone or now.tzinfo

    def past_due(back: int) -> bool:
        start = now - timedelta(microseconds=back)
        try:
            return now > deadline.due(
                start.astimezone(zone) if zone is not None else start, calendar=calendar
            )
        except CalendarError:
            # A start the calendar has no data for is long past: a candidate, which the
            # order's own check (overdue()) then judges.
            return True

    # Working time is never shorter than the same wall-clock time: no start later than
    # now - allowance can be past due, so the search starts there.
    if deadline.working_hours is not None:
        allowance = timedelta(seconds=int(Decimal(deadline.working_hours) * 3600))
    else:
        allowance = timedelta(days=deadline.working_days or 0)
    back = max(1, allowance // timedelta(microseconds=1))
    if not past_due(back):
        # Double the distance until a start is past due, then bisect: past_due(low)
        # is false, past_due(high) is true.
        while not past_due(2 * back):
            back *= 2
            if back > _SEARCH_LIMIT:
                return None
        low, high = back, 2 * back
        while high - low > 1:
            middle = (low + high) // 2
            if past_due(middle):
                high = middle
            else:
                low = middle
        back = high
    start = now - timedelta(microseconds=back)
    return start.astimezone(zone) if zone is not None else start


def due_at(order: Order, deadline: Deadline, *, calendar: BusinessCalendar) -> datetime | None:
    """When ``deadline`` falls for ``order`` (None when the order is not in its status).

    Useful for reminders: remind some time before this moment.
    """
    started = _entered(order, deadline.status)
    return None if started is None else deadline.due(started, calendar=calendar)


def overdue(
    order: Order,
    now: datetime,
    *,
    calendar: BusinessCalendar,
    deadlines: Sequence[Deadline] = DEFAULT_DEADLINES,
) -> tuple[Breach, ...]:
    """The deadlines ``order`` has missed at ``now``.

    Args:
        order: The order.
        now: The current time (timezone-aware, from the caller's clock).
        calendar: Working days and hours.
        deadlines: The service levels to check.

    Returns:
        One :class:`Breach` per deadline whose status the order is still in past due.
    """
    breaches = []
    for deadline in deadlines:
        started = _entered(order, deadline.status)
        if started is None:
            continue
        due = deadline.due(started, calendar=calendar)
        if now > due:
            breaches.append(Breach(deadline.name, deadline.status, started, due, now - due))
    return tuple(breaches)


def overdue_bounds(
    deadlines: Sequence[Deadline],
    now: datetime,
    *,
    calendar: BusinessCalendar,
    statuses: Collection[Status] | None = None,
) -> dict[Status, datetime]:
    """Per status, the latest moment of entering it from which some deadline is missed.

    An order is overdue at ``now`` only if it is in one of these statuses and entered it
    at or before its moment (see :func:`latest_overdue_start`): the bounds of one indexed
    query (``OverdueIndex.find_entered_before``) that reads no order that is not late.

    Args:
        deadlines: The service levels.
        now: The moment of the check.
        calendar: Working days and hours.
        statuses: Only these statuses (None: every status a deadline watches).

    Returns:
        The bound of each status with a deadline that can be missed by ``now``.
    """
    bounds: dict[Status, datetime] = {}
    for deadline in deadlines:
        if statuses is not None and deadline.status not in statuses:
            continue
        start = latest_overdue_start(deadline, now, calendar=calendar)
        if start is None:
            continue
        known = bounds.get(deadline.status)
        bounds[deadline.status] = start if known is None or start > known else known
    return bounds
