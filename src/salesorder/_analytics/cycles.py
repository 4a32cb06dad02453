"""Cycle times (order to confirmation, shipment, delivery ...) and SLA compliance.

Invariants: durations are exact integer microseconds (half-up where a mean or median falls
between two); a stay that has not ended is measured up to the time passed in.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction

from salesorder._analytics.common import (
    ComplianceStats,
    CycleTimeStats,
    Grouping,
    entered_at,
    exact_ratio,
    first_time,
    micros,
    round_half_up,
)
from salesorder._analytics.sales import order_keys
from salesorder._arguments import choice, instance_of, iterable
from salesorder.order import Order
from salesorder.records import Status
from salesorder.sla import DEFAULT_DEADLINES, BusinessCalendar, Deadline

# -- cycle times --------------------------------------------------------------------------------


class CycleSpan(enum.StrEnum):
    """Intervals of the order process measured from the audit trail."""

    SUBMIT_TO_APPROVE = "submit_to_approve"
    """First ``submit`` to first entering ``approved`` (zero when approved on submission)."""
    CONFIRM_TO_SHIP = "confirm_to_ship"
    """First ``confirm`` to the first ``ship`` (first shipment)."""
    SHIP_TO_DELIVER = "ship_to_deliver"
    """First ``ship`` to entering ``delivered`` (everything signed for)."""
    ORDER_TO_COMPLETE = "order_to_complete"
    """``created_at`` (else the first audit entry) to entering ``completed``."""


def cycle_time(order: Order, span: CycleSpan) -> timedelta | None:
    """How long ``order`` took over ``span``, from its audit trail.

    Args:
        order: The order.
        span: The interval.

    Returns:
        The duration, or None when the order has not reached both ends.
    """
    instance_of(order, Order, argument="order")
    if span is CycleSpan.SUBMIT_TO_APPROVE:
        start, end = first_time(order, "submit"), entered_at(order, Status.APPROVED)
    elif span is CycleSpan.CONFIRM_TO_SHIP:
        start, end = first_time(order, "confirm"), first_time(order, "ship")
    elif span is CycleSpan.SHIP_TO_DELIVER:
        start, end = first_time(order, "ship"), entered_at(order, Status.DELIVERED)
    else:
        start = order.created_at or (order.audit[0].at if order.audit else None)
        end = entered_at(order, Status.COMPLETED)
    if start is None or end is None:
        return None
    return end - start


def _stats(durations: Sequence[timedelta]) -> CycleTimeStats:
    values = sorted(micros(d) for d in durations)
    n = len(values)
    middle = Fraction(values[(n - 1) // 2] + values[n // 2], 2)

    def exact(value: Fraction) -> timedelta:
        return timedelta(microseconds=int(round_half_up(value, 0)))

    return CycleTimeStats(
        count=n,
        mean=exact(Fraction(sum(values), n)),
        median=exact(middle),
        p90=timedelta(microseconds=values[(9 * n + 9) // 10 - 1]),
        max=timedelta(microseconds=values[-1]),
    )


def cycle_stats(durations: Iterable[timedelta]) -> CycleTimeStats | None:
    """Count, mean, median, p90 and max of durations (None when there are none).

    What `cycle_times` reports, for durations a store read without the orders.

    Args:
        durations: The measured durations, in any order.
    """
    measured = list(durations)
    return _stats(measured) if measured else None


def cycle_times(orders: Iterable[Order], span: CycleSpan) -> CycleTimeStats | None:
    """Count, mean, median, p90 and max of :func:`cycle_time` over ``orders``.

    Orders that have not reached both ends of the span are left out (whatever their
    status: filter cancelled orders first if they should not count).

    Args:
        orders: Any orders.
        span: The interval.

    Returns:
        The statistics, or None when no order has the interval.
    """
    checked = iterable(orders, argument="orders")
    span = choice(span, CycleSpan, argument="span")
    durations = [d for d in (cycle_time(order, span) for order in checked) if d is not None]
    return _stats(durations) if durations else None


def cycle_times_by(
    orders: Iterable[Order], span: CycleSpan, grouping: Grouping
) -> dict[str, CycleTimeStats]:
    """:func:`cycle_times` per group (by product: every order with a line of the SKU).

    Args:
        orders: Any orders.
        span: The interval.
        grouping: Dimension (and period, basis, timezone for periods).

    Returns:
        Statistics per group key, sorted; groups without a measured order are absent.

    Raises:
        AnalyticsError: ``analytics.order.undated`` when grouping by period and a
            measured order lacks the basis time.
    """
    groups: dict[str, list[timedelta]] = {}
    for order in orders:
        duration = cycle_time(order, span)
        if duration is None:
            continue
        for key in order_keys(order, grouping):
            groups.setdefault(key, []).append(duration)
    return {key: _stats(groups[key]) for key in sorted(groups)}


# -- service levels -----------------------------------------------------------------------------


def status_stays(order: Order) -> list[tuple[Status, datetime, datetime | None]]:
    """Each stay of ``order`` in each status: (status, entered, left or None while in it).

    Read from the audit trail: a change of status closes the stay in the status left and
    opens one in the status entered (entering a status again restarts its open stay).
    Stays come by status in the order they closed, the open ones last.
    """
    closed: list[tuple[Status, datetime, datetime | None]] = []
    entered: dict[Status, datetime] = {}
    for entry in order.audit:
        if entry.source is entry.target:
            continue
        entered[entry.target] = entry.at
        opened = entered.pop(entry.source, None) if entry.source is not None else None
        if opened is not None:
            closed.append((entry.source, opened, entry.at))
    return closed + [(status, at, None) for status, at in entered.items()]


def _outcome(
    stays: Iterable[tuple[datetime, datetime | None]],
    deadline: Deadline,
    now: datetime,
    calendar: BusinessCalendar,
) -> int | None:
    """How one order fared with ``deadline``: 0 met, 1 missed, 2 pending, None not concerned."""
    outcome: int | None = None
    for entered, left in stays:
        due = deadline.due(entered, calendar=calendar)
        if (left if left is not None else now) > due:
            return 1
        if left is None:
            outcome = 2
        elif outcome is None:
            outcome = 0
    return outcome


def stays_compliance(
    stays_per_order: Iterable[Sequence[tuple[Status, datetime, datetime | None]]],
    now: datetime,
    *,
    calendar: BusinessCalendar,
    deadlines: Sequence[Deadline] = DEFAULT_DEADLINES,
) -> dict[str, ComplianceStats]:
    """`sla_compliance` of orders given by their stays (see `status_stays`).

    For a store that keeps each order's stays beside it (the SQL adapter's facts), so
    that compliance is judged without reading whole orders.

    Args:
        stays_per_order: Each order's stays: (status, entered, left or None).
        now: The current time (the caller's clock), for stays still open.
        calendar: Working days and hours.
        deadlines: The service levels.

    Returns:
        Statistics per deadline name, sorted by name.
    """
    tally = {deadline.name: [0, 0, 0] for deadline in deadlines}
    for stays in stays_per_order:
        for deadline in deadlines:
            outcome = _outcome(
                [(entered, left) for status, entered, left in stays if status is deadline.status],
                deadline,
                now,
                calendar,
            )
            if outcome is not None:
                tally[deadline.name][outcome] += 1
    return {
        name: ComplianceStats(
            name, met, missed, pending, exact_ratio(met, met + missed) if met + missed else None
        )
        for name, (met, missed, pending) in sorted(tally.items())
    }


def sla_compliance(
    orders: Iterable[Order],
    now: datetime,
    *,
    calendar: BusinessCalendar,
    deadlines: Sequence[Deadline] = DEFAULT_DEADLINES,
) -> dict[str, ComplianceStats]:
    """Share of orders that met each deadline (review, shipment...) of :mod:`salesorder.sla`.

    For each deadline, every stay of an order in the deadline's status (from the audit
    trail: entering it to leaving it) must end by :meth:`~salesorder.sla.Deadline.due`.
    An order met the deadline when all its stays did, missed it when one ended late or
    is still open past due at ``now``; otherwise (open, not yet due) it is pending.
    Orders that never entered the status are not counted.

    Args:
        orders: Any orders.
        now: The current time (the caller's clock), for stays still open.
        calendar: Working days and hours.
        deadlines: The service levels.

    Returns:
        Statistics per deadline name, sorted by name.
    """
    return stays_compliance(
        (status_stays(order) for order in orders), now, calendar=calendar, deadlines=deadlines
    )
