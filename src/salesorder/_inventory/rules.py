"""The stock rules: one pure function per rule, applied by every stock store.

Private: import every name from :mod:`salesorder.inventory`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from salesorder._inventory.allocation import AllocationStrategy, FixedPriority
from salesorder._inventory.events import ExcessStockDetected, LowStockDetected, SafetyStockBreached
from salesorder._inventory.quantities import (
    DUPLICATE_LINE_IDS,
    NO_LINES,
    STOCK_ADJUST_BELOW_RESERVED,
    STOCK_RESERVATION_EXCEEDED,
    STOCK_RESERVATION_INVALID,
    STOCK_TRANSFER_SAME_LOCATION,
    ZERO,
    to_positive_quantity,
)
from salesorder._inventory.values import AllocationState, LineState
from salesorder.errors import (
    InsufficientStock,
    NotFound,
    RuleViolation,
    Shortfall,
)
from salesorder.events import DomainEvent

# --------------------------------------------------------------------------- rules


def _exceeded(action: str, line_id: str, requested: Decimal, remaining: Decimal) -> RuleViolation:
    return RuleViolation(
        STOCK_RESERVATION_EXCEEDED,
        params={
            "action": action,
            "line_id": line_id,
            "requested": str(requested),
            "remaining": str(remaining),
        },
    )


def _invalid_request(reason: str) -> RuleViolation:
    return RuleViolation(STOCK_RESERVATION_INVALID, params={"reason": reason})


def is_default_strategy(strategy: AllocationStrategy | None) -> bool:
    """True for no strategy or the default one (fixed priority in location name order).

    Stores take a fast path for the default, and a request naming it is the same
    request as one naming none (the same idempotency fingerprint).
    """
    return strategy is None or (type(strategy) is FixedPriority and not strategy.locations)


def distribute_allocations(
    request: Sequence[tuple[str, str, Decimal]], served: Mapping[str, list[AllocationState]]
) -> tuple[LineState, ...]:
    """Hand each SKU's allocations to its lines in request order; the rest is backordered."""
    if len(request) == 1:
        line_id, sku, quantity = request[0]
        got = served.get(sku, [])
        allocated = sum((q for _, q in got), ZERO)
        return ((line_id, sku, quantity, tuple(got), quantity - allocated, ZERO, ZERO),)
    queues = {sku: list(allocs) for sku, allocs in served.items()}
    result: list[LineState] = []
    for line_id, sku, quantity in request:
        queue = queues.get(sku, [])
        need = quantity
        parts: dict[str, Decimal] = {}
        while need and queue:
            location, available = queue[0]
            take = available if available < need else need
            parts[location] = parts.get(location, ZERO) + take
            need -= take
            if take == available:
                queue.pop(0)
            else:
                queue[0] = (location, available - take)
        result.append((line_id, sku, quantity, tuple(parts.items()), need, ZERO, ZERO))
    return tuple(result)


def _take_all(
    lines: tuple[LineState, ...], *, commit: bool
) -> tuple[tuple[LineState, ...], list[tuple[str, str, Decimal]], Decimal]:
    """Everything: the common cancellation and full shipment (see :func:`take_from_lines`)."""
    taken: list[tuple[str, str, Decimal]] = []
    unbackordered = ZERO
    new_lines: list[LineState] = []
    for line_id, sku, quantity, allocations, backordered, committed, released in lines:
        moved = ZERO
        for location, q in allocations:
            taken.append((sku, location, q))
            moved += q
        if commit:
            new_lines.append((line_id, sku, quantity, (), backordered, committed + moved, released))
        else:
            unbackordered += backordered
            new_lines.append(
                (line_id, sku, quantity, (), ZERO, committed, released + moved + backordered)
            )
    return tuple(new_lines), taken, unbackordered


def take_from_lines(
    lines: tuple[LineState, ...],
    wanted: Mapping[str, Decimal] | None,
    *,
    commit: bool,
    location: str | None = None,
) -> tuple[tuple[LineState, ...], list[tuple[str, str, Decimal]], Decimal]:
    """Remove quantities from lines, validating everything before anything changes.

    ``wanted`` None means everything (all allocated for a commit, at ``location`` if
    given; all outstanding for a release). A release takes a line's backorder first,
    then its allocations newest first; a commit takes allocations oldest first.

    Returns:
        The new lines, the (sku, location, quantity) taken, and the backorder taken.

    Raises:
        RuleViolation: ``stock.reservation.exceeded`` when a line holds less than asked.
    """
    if wanted is None and location is None:
        return _take_all(lines, commit=commit)
    taken: list[tuple[str, str, Decimal]] = []
    unbackordered = ZERO
    new_lines: list[LineState] = []
    for line in lines:
        line_id, sku, quantity, allocations, backordered, committed, released = line
        if wanted is None:
            ask = sum((q for loc, q in allocations if loc == location), ZERO)
        else:
            ask = wanted.get(line_id, ZERO)
        if not ask:
            new_lines.append(line)
            continue
        remaining = ask
        if commit:
            order = [i for i, a in enumerate(allocations) if location is None or a[0] == location]
        else:
            take = min(backordered, remaining)
            backordered -= take
            remaining -= take
            unbackordered += take
            order = list(reversed(range(len(allocations))))
        left = [q for _, q in allocations]
        for index in order:
            take = min(left[index], remaining)
            left[index] -= take
            remaining -= take
            if take:
                taken.append((sku, allocations[index][0], take))
        if remaining:
            raise _exceeded("commit" if commit else "release", line_id, ask, ask - remaining)
        kept = tuple((loc, rest) for (loc, _), rest in zip(allocations, left, strict=True) if rest)
        if commit:
            new_lines.append((line_id, sku, quantity, kept, backordered, committed + ask, released))
        else:
            new_lines.append((line_id, sku, quantity, kept, backordered, committed, released + ask))
    return tuple(new_lines), taken, unbackordered


def reservation_demand(request: Sequence[tuple[str, str, Decimal]]) -> dict[str, Decimal]:
    """Check a reservation request's lines and aggregate them per SKU.

    Lines of one SKU are summed before any availability check, so two lines cannot
    together take more than is available.

    Args:
        request: (line id, SKU, positive quantity) per line, in request order.

    Returns:
        The demand: quantity per SKU, in first-seen order.

    Raises:
        RuleViolation: ``stock.reservation.invalid`` for no lines or duplicate line ids.
    """
    if not request:
        raise _invalid_request(NO_LINES)
    if len({line[0] for line in request}) != len(request):
        raise _invalid_request(DUPLICATE_LINE_IDS)
    demand: dict[str, Decimal] = {}
    for _, sku, quantity in request:
        demand[sku] = demand.get(sku, ZERO) + quantity
    return demand


def backordered_demand(
    lines: Sequence[LineState],
) -> tuple[tuple[tuple[str, str, Decimal], ...], dict[str, Decimal]]:
    """What a reservation still waits for: its backordered lines and their demand per SKU."""
    waiting = tuple((line[0], line[1], line[4]) for line in lines if line[4])
    demand: dict[str, Decimal] = {}
    for _, sku, quantity in waiting:
        demand[sku] = demand.get(sku, ZERO) + quantity
    return waiting, demand


def fill_backorder_lines(
    lines: tuple[LineState, ...], served: Mapping[str, list[AllocationState]]
) -> tuple[LineState, ...]:
    """The lines after ``served`` (planned for :func:`backordered_demand`) is allocated.

    The served allocations go to the backordered lines in line order (as
    :func:`distribute_allocations` hands them out); a location a line already holds
    grows, a new one is added last; what is not served stays backordered.
    """
    waiting, _ = backordered_demand(lines)
    filled = {line[0]: line for line in distribute_allocations(waiting, served)} if waiting else {}
    new_lines: list[LineState] = []
    for line in lines:
        got = filled.get(line[0])
        if got is None:
            new_lines.append(line)
            continue
        merged = dict(line[3])
        for location, quantity in got[3]:
            merged[location] = merged.get(location, ZERO) + quantity
        new_lines.append((*line[:3], tuple(merged.items()), got[4], line[5], line[6]))
    return tuple(new_lines)


def requested_quantities(
    lines: Iterable[LineState], requested: Mapping[str, Decimal | int | str] | None
) -> dict[str, Decimal] | None:
    """Check a release's or shipment's per-line request against the reservation's lines.

    Args:
        lines: The reservation's lines.
        requested: Quantity per line id; None means everything.

    Returns:
        The checked quantities (positive Decimals), or None for everything.

    Raises:
        NotFound: for a line id the reservation does not have.
        InvalidQuantity: for a quantity that is not positive.
    """
    if requested is None:
        return None
    known = {line[0] for line in lines}
    wanted: dict[str, Decimal] = {}
    for line_id, quantity in requested.items():
        if line_id not in known:
            raise NotFound(params={"entity": "reservation line", "id": line_id})
        wanted[line_id] = to_positive_quantity(quantity)
    return wanted


class StockLevels(Protocol):
    """A position's figures as an alert rule reads them after a change.

    A :class:`StockPosition`, a store's own cell or a database row all qualify.
    """

    @property
    def on_hand(self) -> Decimal:
        """Physically present quantity."""
        ...

    @property
    def reserved(self) -> Decimal:
        """Quantity promised to open reservations."""
        ...

    @property
    def safety_stock(self) -> Decimal:
        """Quantity kept back from ordinary reservations."""
        ...

    @property
    def reorder_point(self) -> Decimal | None:
        """Free stock at or below which stock is low; None for no alert."""
        ...

    @property
    def max_level(self) -> Decimal | None:
        """On hand above which stock is in excess; None for no alert."""
        ...


def falling_stock_alerts(
    sku: str, location: str, after: StockLevels, free_before: Decimal, at: datetime
) -> list[DomainEvent]:
    """The alerts of a position whose free stock went down to ``after``.

    An alert is raised when free stock (on hand - reserved) *crosses* a level
    downwards in this change: :class:`LowStockDetected` when it falls to or below the
    reorder point, :class:`SafetyStockBreached` when it falls below the safety stock.
    A change that leaves free stock as it was, or raises it, raises none.

    Args:
        sku: Stock keeping unit.
        location: Location.
        after: The position after the change.
        free_before: Free stock before the change.
        at: When.

    Returns:
        The alerts, low stock first.
    """
    free = after.on_hand - after.reserved
    if free >= free_before:
        return []
    alerts: list[DomainEvent] = []
    point = after.reorder_point
    if point is not None and free <= point < free_before:
        alerts.append(
            LowStockDetected(
                occurred_at=at, sku=sku, location=location, free=free, reorder_point=point
            )
        )
    safety = after.safety_stock
    if free < safety <= free_before:
        alerts.append(
            SafetyStockBreached(
                occurred_at=at, sku=sku, location=location, free=free, safety_stock=safety
            )
        )
    return alerts


def excess_stock_alerts(
    sku: str, location: str, after: StockLevels, on_hand_before: Decimal, at: datetime
) -> list[DomainEvent]:
    """:class:`ExcessStockDetected` when on hand crossed the maximum level upwards."""
    level = after.max_level
    if level is not None and on_hand_before <= level < after.on_hand:
        return [
            ExcessStockDetected(
                occurred_at=at, sku=sku, location=location, on_hand=after.on_hand, max_level=level
            )
        ]
    return []


def check_transfer(
    sku: str, *, source: str, destination: str, quantity: Decimal, source_free: Decimal
) -> None:
    """The rule of a transfer: two locations, and the source's unreserved stock covers it.

    A transfer moves free stock (on hand - reserved): it may dip into the source's
    safety stock, never into what is reserved there. A store applying a transfer
    in one conditional statement checks ``on_hand - reserved >= quantity`` on the
    source row, and calls this with the free stock it then reads to get the error.

    Args:
        sku: Stock keeping unit.
        source: Location giving the stock.
        destination: Location receiving it.
        quantity: Positive quantity to move.
        source_free: On hand minus reserved at the source (0 for no position).

    Raises:
        RuleViolation: ``stock.transfer.same_location`` when source is destination.
        InsufficientStock: if the source's free stock is less than ``quantity``.
    """
    if source == destination:
        raise RuleViolation(STOCK_TRANSFER_SAME_LOCATION, params={"location": source})
    if source_free < quantity:
        raise InsufficientStock((Shortfall(sku, quantity, source_free),))


def check_stock_count(sku: str, location: str, *, counted: Decimal, reserved: Decimal) -> None:
    """The rule of an adjustment: a count may not fall below what is reserved there.

    Raises:
        RuleViolation: ``stock.adjust.below_reserved`` if ``counted < reserved``.
    """
    if counted < reserved:
        raise RuleViolation(
            STOCK_ADJUST_BELOW_RESERVED,
            params={
                "sku": sku,
                "location": location,
                "counted": str(counted),
                "reserved": str(reserved),
            },
        )
