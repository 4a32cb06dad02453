"""Stock per (SKU, location): reservation, release, shipment, returns, transfers, alerts.

:class:`StockLedger` is the pure, in-memory stock logic that every storage adapter
builds on. Time comes in as an argument (``at=``), every mutating operation carries
an ``operation_id``, and every change is an append-only journal movement.

Invariants (checked after every step by ``tests/property/test_inventory_stateful.py``):

* on hand ≥ 0 and 0 ≤ reserved ≤ on hand, for every (SKU, location);
* nothing is reserved beyond what was available when it was reserved: a quantity
  that cannot be served is refused (:class:`~salesorder.errors.InsufficientStock`,
  one :class:`~salesorder.errors.Shortfall` per SKU) or, when the caller allows
  it, recorded as *backordered* — never allocated;
* a reservation is all-or-nothing across the order's lines, and lines of the same
  SKU are aggregated before the check (two lines of one SKU cannot oversell);
* for every reserved line: requested = allocated + backordered + committed +
  released, and the reserved quantity of a position is the sum of the open
  allocations at it;
* on hand and reserved can be rebuilt from the journal at any time
  (:meth:`StockLedger.rebuild_on_hand`, :meth:`StockLedger.rebuild_reserved`);
* repeating an operation id returns the first result and changes nothing;
  repeating it with different arguments raises :class:`OperationConflict`;
* a failed operation changes nothing (no position, journal entry or event).

Quantities are exact :class:`~decimal.Decimal`; ``float`` is refused with
:class:`~salesorder.errors.FloatRefused`. The ledger is not thread-safe by itself:
:class:`salesorder.adapters.memory.InMemoryStockStore` serialises access to it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Protocol

import attrs

from salesorder.errors import (
    FloatRefused,
    InsufficientStock,
    InvalidMoney,
    NotFound,
    RuleViolation,
    SalesOrderError,
    Shortfall,
    define_code,
)
from salesorder.events import DomainEvent
from salesorder.money import to_decimal

__all__ = [
    "Allocation",
    "AllocationPlan",
    "AllocationStrategy",
    "ExcessStockDetected",
    "FewestShipments",
    "FixedPriority",
    "InvalidAllocation",
    "InvalidQuantity",
    "LowStockDetected",
    "MostStockFirst",
    "Movement",
    "MovementKind",
    "NearestFirst",
    "OperationConflict",
    "Reservation",
    "ReservationExpired",
    "ReservationLine",
    "ReservedLine",
    "SafetyStockBreached",
    "StockAdjusted",
    "StockBackorderFilled",
    "StockCommitted",
    "StockLedger",
    "StockPosition",
    "StockReceived",
    "StockReleased",
    "StockReserved",
    "StockRestocked",
    "StockTransferred",
    "plan_allocation",
    "to_quantity",
]

ZERO: Final = Decimal(0)

STOCK_QUANTITY_INVALID = define_code(
    "stock.quantity.invalid",
    en="Invalid stock quantity for {what}: {reason}.",
    zh="{what} 的库存数量无效:{reason}。",
)
STOCK_OPERATION_CONFLICT = define_code(
    "stock.operation.conflict",
    en="Operation {operation_id} was already used for a different request.",
    zh="操作 {operation_id} 已用于另一个不同的请求。",
)
STOCK_RESERVATION_EXCEEDED = define_code(
    "stock.reservation.exceeded",
    en="Cannot {action} {requested} of line {line_id}: only {remaining} remain.",
    zh="无法对订单行 {line_id} {action} {requested}:仅剩 {remaining}。",
)
STOCK_RESERVATION_DUPLICATE = define_code(
    "stock.reservation.duplicate",
    en="Reservation {reservation_id} already exists.",
    zh="预留 {reservation_id} 已存在。",
)
STOCK_RESERVATION_INVALID = define_code(
    "stock.reservation.invalid",
    en="Invalid reservation request: {reason}.",
    zh="预留请求无效:{reason}。",
)
STOCK_ADJUST_BELOW_RESERVED = define_code(
    "stock.adjust.below_reserved",
    en="Counted {counted} of {sku} at {location} is below the reserved {reserved}; "
    "release reservations first.",
    zh="{sku} 在 {location} 的盘点数量 {counted} 低于已预留的 {reserved};请先释放预留。",
)
STOCK_TRANSFER_SAME_LOCATION = define_code(
    "stock.transfer.same_location",
    en="A transfer needs two different locations, got {location} twice.",
    zh="调拨需要两个不同的库位,但两次都是 {location}。",
)
STOCK_STRATEGY_INVALID = define_code(
    "stock.strategy.invalid",
    en="The allocation strategy {strategy} returned an invalid allocation: {reason}.",
    zh="分配策略 {strategy} 返回了无效的分配:{reason}。",
)


class InvalidQuantity(SalesOrderError, ValueError):
    """A stock quantity that is negative, zero where a positive one is needed, or not a number."""

    default_code = STOCK_QUANTITY_INVALID


class OperationConflict(SalesOrderError, ValueError):
    """An operation id reused for a request with different arguments.

    Attributes:
        operation_id: The reused id.
    """

    default_code = STOCK_OPERATION_CONFLICT

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        super().__init__(params={"operation_id": operation_id})


class InvalidAllocation(SalesOrderError, ValueError):
    """An allocation strategy proposed more than is available or more than was asked."""

    default_code = STOCK_STRATEGY_INVALID


# --------------------------------------------------------------------------- quantities


def to_quantity(value: object, *, what: str = "quantity") -> Decimal:
    """Convert an int, str or Decimal to an exact, non-negative stock quantity.

    Args:
        value: The value; ``float`` is refused.
        what: Name of the quantity, used in the error's parameters.

    Returns:
        The quantity as a Decimal.

    Raises:
        FloatRefused: for a ``float``.
        InvalidQuantity: for a negative, non-finite, unparseable or absurd value.
    """
    if isinstance(value, float):
        raise FloatRefused
    try:
        number = to_decimal(value, what=what)
    except InvalidMoney as error:
        raise InvalidQuantity(params={"what": what, "reason": error.params["reason"]}) from None
    except TypeError:
        raise InvalidQuantity(
            params={"what": what, "reason": f"{type(value).__name__} is not a number"}
        ) from None
    if number < 0:
        raise InvalidQuantity(params={"what": what, "reason": "must not be negative"})
    return number


def _positive(value: object, *, what: str = "quantity") -> Decimal:
    number = to_quantity(value, what=what)
    if not number:
        raise InvalidQuantity(params={"what": what, "reason": "must be positive"})
    return number


def _optional_quantity(value: object) -> Decimal | None:
    return None if value is None else to_quantity(value, what="level")


def _quantity(value: object) -> Decimal:
    return to_quantity(value)


def _positive_quantity(value: object) -> Decimal:
    return _positive(value)


# --------------------------------------------------------------------------- values


@attrs.frozen
class StockPosition:
    """Stock of one SKU at one location (库存台账的一行).

    Attributes:
        sku: Stock keeping unit.
        location: Warehouse or bin.
        on_hand: Physically present quantity.
        reserved: Quantity promised to open reservations (≤ on hand).
        safety_stock: Quantity kept back from ordinary reservations (安全库存).
        reorder_point: Free stock at or below which a :class:`LowStockDetected` is raised;
            None for no low-stock alert.
        max_level: On hand above which an :class:`ExcessStockDetected` is raised;
            None for no excess alert.
    """

    sku: str
    location: str
    on_hand: Decimal = attrs.field(default=ZERO, converter=_quantity)
    reserved: Decimal = attrs.field(default=ZERO, converter=_quantity)
    safety_stock: Decimal = attrs.field(default=ZERO, converter=_quantity)
    reorder_point: Decimal | None = attrs.field(default=None, converter=_optional_quantity)
    max_level: Decimal | None = attrs.field(default=None, converter=_optional_quantity)

    def __attrs_post_init__(self) -> None:
        if self.reserved > self.on_hand:
            raise InvalidQuantity(params={"what": "reserved", "reason": "must not exceed on hand"})

    @property
    def free(self) -> Decimal:
        """On hand minus reserved: what is physically unpromised (safety stock included)."""
        return self.on_hand - self.reserved

    @property
    def available(self) -> Decimal:
        """What an ordinary reservation may take: on hand − reserved − safety stock, ≥ 0."""
        return self.available_to(allow_safety_stock=False)

    def available_to(self, *, allow_safety_stock: bool) -> Decimal:
        """What a reservation may take under the caller's policy.

        Args:
            allow_safety_stock: True lets the reservation dip into safety stock.

        Returns:
            The available quantity, never negative.
        """
        free = self.on_hand - self.reserved
        if not allow_safety_stock:
            free -= self.safety_stock
        return free if free > 0 else ZERO

    @property
    def is_below_reorder_point(self) -> bool:
        """True when free stock is at or below the reorder point."""
        return self.reorder_point is not None and self.free <= self.reorder_point

    @property
    def is_below_safety_stock(self) -> bool:
        """True when free stock is below the safety stock."""
        return self.free < self.safety_stock

    @property
    def is_excess(self) -> bool:
        """True when on hand is above the maximum level."""
        return self.max_level is not None and self.on_hand > self.max_level


@attrs.frozen
class ReservationLine:
    """One line of a reservation request; the service maps order lines to these.

    Attributes:
        line_id: The order line's id, unique within the request.
        sku: Stock keeping unit.
        quantity: Positive quantity to reserve.
    """

    line_id: str
    sku: str
    quantity: Decimal = attrs.field(converter=_positive_quantity)


@attrs.frozen
class Allocation:
    """A quantity of one SKU served from one location.

    Attributes:
        sku: Stock keeping unit.
        location: Where it is served from.
        quantity: Positive quantity.
    """

    sku: str
    location: str
    quantity: Decimal


@attrs.frozen
class ReservedLine:
    """The state of one reserved line.

    ``quantity == allocated + backordered + committed + released`` always holds.

    Attributes:
        line_id: The order line's id.
        sku: Stock keeping unit.
        quantity: Quantity requested.
        allocations: Open allocations per location (reserved, not yet shipped).
        backordered: Quantity waiting for stock (not reserved anywhere).
        committed: Quantity shipped from this reservation.
        released: Quantity released (cancelled or expired).
    """

    line_id: str
    sku: str
    quantity: Decimal
    allocations: tuple[Allocation, ...] = ()
    backordered: Decimal = ZERO
    committed: Decimal = ZERO
    released: Decimal = ZERO

    @property
    def allocated(self) -> Decimal:
        """Sum of the open allocations."""
        return sum((a.quantity for a in self.allocations), ZERO)

    @property
    def outstanding(self) -> Decimal:
        """Allocated plus backordered: what the reservation still promises."""
        return self.allocated + self.backordered


@attrs.frozen
class Reservation:
    """Stock promised to one order, per line and per location (a snapshot).

    Attributes:
        reservation_id: Identifier (defaults to the reserving operation id).
        order_id: The order it serves.
        lines: One :class:`ReservedLine` per requested line, in request order.
        created_at: When it was made.
        expires_at: When :meth:`StockLedger.expire` releases it; None never.
        expired: True once released by expiry.
    """

    reservation_id: str
    order_id: str
    lines: tuple[ReservedLine, ...]
    created_at: datetime
    expires_at: datetime | None = None
    expired: bool = False

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        """Every open allocation of every line."""
        return tuple(a for line in self.lines for a in line.allocations)

    @property
    def allocated(self) -> Decimal:
        """Total quantity currently reserved by this reservation."""
        return sum((line.allocated for line in self.lines), ZERO)

    @property
    def backordered(self) -> Decimal:
        """Total quantity waiting for stock."""
        return sum((line.backordered for line in self.lines), ZERO)

    @property
    def is_open(self) -> bool:
        """True while anything is still allocated or backordered."""
        return any(line.allocations or line.backordered for line in self.lines)

    def line(self, line_id: str) -> ReservedLine:
        """The reserved line with ``line_id``.

        Raises:
            NotFound: if the reservation has no such line.
        """
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise NotFound(params={"entity": "reservation line", "id": line_id})


class MovementKind(enum.StrEnum):
    """What a journal movement records."""

    RECEIVED = "received"
    ADJUSTED = "adjusted"
    RESERVED = "reserved"
    RELEASED = "released"
    COMMITTED = "committed"
    RESTOCKED = "restocked"
    TRANSFERRED_OUT = "transferred_out"
    TRANSFERRED_IN = "transferred_in"
    EXPIRED = "expired"


@attrs.frozen(kw_only=True)
class Movement:
    """One append-only journal entry: a change of on hand and/or reserved at one position.

    Attributes:
        sequence: Position in the journal, from 0.
        kind: What happened.
        sku: Stock keeping unit.
        location: Where.
        on_hand_delta: Change of on hand.
        reserved_delta: Change of reserved.
        order_id: The order concerned, if any.
        reservation_id: The reservation concerned, if any.
        operation_id: The operation that made the change.
        actor: Who did it (a user or system id), if given.
        reason: Why (count reason, return reason...), if given.
        at: When.
    """

    sequence: int
    kind: MovementKind
    sku: str
    location: str
    on_hand_delta: Decimal
    reserved_delta: Decimal
    order_id: str | None
    reservation_id: str | None
    operation_id: str
    actor: str | None
    reason: str | None
    at: datetime


# --------------------------------------------------------------------------- events


@attrs.frozen(kw_only=True)
class StockReceived(DomainEvent):
    """Goods arrived at a location (入库)."""

    sku: str
    location: str
    quantity: Decimal


@attrs.frozen(kw_only=True)
class StockAdjusted(DomainEvent):
    """On hand was corrected by a stock count (盘点)."""

    sku: str
    location: str
    counted: Decimal
    delta: Decimal
    reason: str


@attrs.frozen(kw_only=True)
class StockReserved(DomainEvent):
    """Stock was reserved for an order (allocations, plus any backordered quantity)."""

    reservation_id: str
    order_id: str
    allocations: tuple[Allocation, ...]
    backordered: Decimal


@attrs.frozen(kw_only=True)
class StockBackorderFilled(DomainEvent):
    """Stock that arrived later was allocated to a backordered reservation."""

    reservation_id: str
    order_id: str
    allocations: tuple[Allocation, ...]
    backordered: Decimal


@attrs.frozen(kw_only=True)
class StockReleased(DomainEvent):
    """Reserved (or backordered) quantity was given back, e.g. on cancellation."""

    reservation_id: str
    order_id: str
    allocations: tuple[Allocation, ...]
    backordered: Decimal


@attrs.frozen(kw_only=True)
class StockCommitted(DomainEvent):
    """Reserved stock left the warehouse (shipment): on hand and reserved both went down."""

    reservation_id: str
    order_id: str
    allocations: tuple[Allocation, ...]


@attrs.frozen(kw_only=True)
class StockRestocked(DomainEvent):
    """Returned goods went back on hand (退货入库)."""

    sku: str
    location: str
    quantity: Decimal
    order_id: str | None


@attrs.frozen(kw_only=True)
class StockTransferred(DomainEvent):
    """Stock moved between two locations (调拨)."""

    sku: str
    source: str
    destination: str
    quantity: Decimal


@attrs.frozen(kw_only=True)
class ReservationExpired(DomainEvent):
    """A reservation passed its expiry and its stock was released."""

    reservation_id: str
    order_id: str
    allocations: tuple[Allocation, ...]
    backordered: Decimal


@attrs.frozen(kw_only=True)
class LowStockDetected(DomainEvent):
    """Free stock fell to or below the reorder point (补货提醒)."""

    sku: str
    location: str
    free: Decimal
    reorder_point: Decimal


@attrs.frozen(kw_only=True)
class SafetyStockBreached(DomainEvent):
    """Free stock fell below the safety stock."""

    sku: str
    location: str
    free: Decimal
    safety_stock: Decimal


@attrs.frozen(kw_only=True)
class ExcessStockDetected(DomainEvent):
    """On hand rose above the maximum level (积压预警)."""

    sku: str
    location: str
    on_hand: Decimal
    max_level: Decimal


# --------------------------------------------------------------------------- allocation


class AllocationStrategy(Protocol):
    """Decides which locations serve an order's demand.

    A strategy is a pure function of the demand and what is available; it may serve
    less than asked (the rest is a shortfall) but never more than is available at a
    location or more than is asked — :func:`plan_allocation` checks that.
    """

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> Iterable[Allocation]:
        """Propose allocations.

        Args:
            demand: Quantity per SKU (lines of one SKU already aggregated), all positive.
            available: Per SKU, the quantity available per location (≥ 0).

        Returns:
            Allocations (SKU, location, positive quantity).
        """
        ...


def _fill(
    sku: str, quantity: Decimal, order: Iterable[str], available: Mapping[str, Decimal]
) -> list[Allocation]:
    """Serve ``quantity`` greedily from locations in ``order``."""
    result: list[Allocation] = []
    remaining = quantity
    for location in order:
        here = available.get(location, ZERO)
        if here <= 0:
            continue
        take = here if here < remaining else remaining
        result.append(Allocation(sku, location, take))
        remaining -= take
        if not remaining:
            break
    return result


@attrs.frozen
class FixedPriority:
    """Serve from locations in a fixed order of preference.

    Attributes:
        locations: Preferred order; locations not listed follow in name order.
    """

    locations: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Fill each SKU from the first location that has stock, then the next."""
        result: list[Allocation] = []
        for sku, quantity in demand.items():
            here = available.get(sku, {})
            if self.locations:
                listed = [loc for loc in self.locations if loc in here]
                order = listed + sorted(loc for loc in here if loc not in self.locations)
            else:
                order = sorted(here)
            result.extend(_fill(sku, quantity, order, here))
        return result


@attrs.frozen
class MostStockFirst:
    """Serve each SKU from the location with the most available stock first."""

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Fill each SKU from its fullest location, then the next fullest (ties by name)."""
        result: list[Allocation] = []
        for sku, quantity in demand.items():
            here = available.get(sku, {})
            order = sorted(here, key=lambda loc: (-here[loc], loc))
            result.extend(_fill(sku, quantity, order, here))
        return result


@attrs.frozen
class NearestFirst:
    """Serve from the nearest location first; the caller supplies the distances.

    Attributes:
        distances: Distance (any unit) per location; locations without a distance
            come last, in name order.
    """

    distances: Mapping[str, Decimal | int]

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Fill each SKU from the nearest location, then the next nearest (ties by name)."""
        result: list[Allocation] = []
        for sku, quantity in demand.items():
            here = available.get(sku, {})
            order = sorted(
                here,
                key=lambda loc: (loc not in self.distances, self.distances.get(loc, 0), loc),
            )
            result.extend(_fill(sku, quantity, order, here))
        return result


@attrs.frozen
class FewestShipments:
    """Serve the whole order from as few locations as possible.

    If one location can serve everything, it is used alone. Otherwise locations are
    chosen greedily: each round takes the location that fully serves the most
    remaining SKUs (then the most units, then name order) and serves what it can.

    Attributes:
        preference: Optional tie-break order of locations (earlier wins).
    """

    preference: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Pick locations greedily by how much of the remaining order each serves."""
        remaining = {sku: q for sku, q in demand.items() if q > 0}
        locations = sorted({loc for sku in remaining for loc in available.get(sku, {})})
        rank = {loc: i for i, loc in enumerate(self.preference)}
        result: list[Allocation] = []
        while remaining and locations:

            def score(location: str) -> tuple[int, Decimal, int, str]:
                full = 0
                total_units = ZERO
                for sku, quantity in remaining.items():
                    here = available.get(sku, {}).get(location, ZERO)
                    if here >= quantity:
                        full += 1
                    total_units += min(here, quantity)
                return (-full, -total_units, rank.get(location, len(rank)), location)

            best = min(locations, key=score)
            locations.remove(best)
            for sku in list(remaining):
                here = available.get(sku, {}).get(best, ZERO)
                take = min(here, remaining[sku])
                if take > 0:
                    result.append(Allocation(sku, best, take))
                    remaining[sku] -= take
                    if not remaining[sku]:
                        del remaining[sku]
        return result


DEFAULT_STRATEGY: Final = FixedPriority()


@attrs.frozen
class AllocationPlan:
    """The checked outcome of allocating a demand.

    Attributes:
        allocations: What is served from where.
        shortfalls: Per SKU that is short, requested versus what could be served;
            empty when everything is served.
    """

    allocations: tuple[Allocation, ...]
    shortfalls: tuple[Shortfall, ...] = ()

    @property
    def is_complete(self) -> bool:
        """True when nothing is short."""
        return not self.shortfalls


def plan_allocation(
    demand: Mapping[str, Decimal],
    available: Mapping[str, Mapping[str, Decimal]],
    *,
    strategy: AllocationStrategy = DEFAULT_STRATEGY,
    allow_backorder: bool = False,
) -> AllocationPlan:
    """Allocate a demand to locations: a pure function of positions and request.

    Args:
        demand: Quantity per SKU (aggregate lines of one SKU first).
        available: Per SKU, available quantity per location.
        strategy: Which locations to prefer.
        allow_backorder: True returns a plan with shortfalls instead of raising.

    Returns:
        The checked plan.

    Raises:
        InsufficientStock: if something is short and backorders are not allowed.
        InvalidAllocation: if the strategy proposes more than available or asked.
    """
    proposed = tuple(strategy.allocate(demand, available))
    served: dict[str, Decimal] = {}
    used: dict[tuple[str, str], Decimal] = {}
    for allocation in proposed:
        sku, location, quantity = allocation.sku, allocation.location, allocation.quantity
        key = (sku, location)
        total = used.get(key, ZERO) + quantity
        if quantity <= 0 or sku not in demand or total > available.get(sku, {}).get(location, ZERO):
            raise InvalidAllocation(
                params={"strategy": type(strategy).__name__, "reason": f"{sku} at {location}"}
            )
        used[key] = total
        served[sku] = served.get(sku, ZERO) + quantity
    shortfalls: list[Shortfall] = []
    for sku, quantity in demand.items():
        got = served.get(sku, ZERO)
        if got > quantity:
            raise InvalidAllocation(
                params={"strategy": type(strategy).__name__, "reason": f"{sku} over-served"}
            )
        if got < quantity:
            shortfalls.append(Shortfall(sku, quantity, got))
    if shortfalls and not allow_backorder:
        raise InsufficientStock(tuple(shortfalls))
    return AllocationPlan(proposed, tuple(shortfalls))


# --------------------------------------------------------------------------- ledger


class _Cell:
    """The mutable state of one (SKU, location); only the ledger touches it."""

    __slots__ = ("max_level", "on_hand", "reorder_point", "reserved", "safety_stock")

    def __init__(self) -> None:
        self.on_hand = ZERO
        self.reserved = ZERO
        self.safety_stock = ZERO
        self.reorder_point: Decimal | None = None
        self.max_level: Decimal | None = None


# A journal entry as stored: cheap to append, turned into Movement on demand.
_Entry = tuple[
    MovementKind,
    str,
    str,
    Decimal,
    Decimal,
    "str | None",
    "str | None",
    str,
    "str | None",
    "str | None",
    datetime,
]


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


class StockLedger:
    """Pure, in-memory stock per (SKU, location) with reservations and a journal.

    Not thread-safe on its own; see :class:`salesorder.adapters.memory.InMemoryStockStore`.
    Events are collected as operations happen and handed out by :meth:`drain_events`.

    Args:
        default_strategy: Allocation strategy used when ``reserve`` is given none.
    """

    __slots__ = (
        "_cells",
        "_default_strategy",
        "_expiring",
        "_journal",
        "_locations",
        "_operations",
        "_pending",
        "_reservations",
    )

    def __init__(self, *, default_strategy: AllocationStrategy = DEFAULT_STRATEGY) -> None:
        self._cells: dict[tuple[str, str], _Cell] = {}
        self._locations: dict[str, dict[str, _Cell]] = {}
        self._reservations: dict[str, Reservation] = {}
        self._expiring: dict[str, datetime] = {}
        self._operations: dict[str, tuple[tuple[Any, ...], Any]] = {}
        self._journal: list[_Entry] = []
        self._pending: list[tuple[type[DomainEvent], datetime, dict[str, Any]]] = []
        self._default_strategy = default_strategy

    @classmethod
    def from_positions(cls, positions: Iterable[StockPosition], *, at: datetime) -> StockLedger:
        """A ledger whose opening balances are ``positions`` (journalled as receipts).

        Args:
            positions: Positions without reservations (``reserved`` must be 0).
            at: Time of the opening balance.

        Returns:
            The new ledger.

        Raises:
            InvalidQuantity: if a position carries reserved stock.
        """
        ledger = cls()
        for p in positions:
            if p.reserved:
                raise InvalidQuantity(
                    params={"what": "reserved", "reason": "opening positions cannot be reserved"}
                )
            ledger.set_levels(
                p.sku,
                p.location,
                safety_stock=p.safety_stock,
                reorder_point=p.reorder_point,
                max_level=p.max_level,
            )
            if p.on_hand:
                ledger.receive(
                    p.sku,
                    p.location,
                    quantity=p.on_hand,
                    operation_id=f"opening:{p.sku}:{p.location}",
                    at=at,
                    reason="opening balance",
                )
        ledger._pending.clear()
        return ledger

    # ---------------------------------------------------------------- reading

    def position(self, sku: str, location: str) -> StockPosition:
        """The current position of ``sku`` at ``location`` (all zero if never seen)."""
        cell = self._cells.get((sku, location))
        if cell is None:
            return StockPosition(sku, location)
        return StockPosition(
            sku,
            location,
            cell.on_hand,
            cell.reserved,
            cell.safety_stock,
            cell.reorder_point,
            cell.max_level,
        )

    def positions(self, *, sku: str | None = None) -> tuple[StockPosition, ...]:
        """Every known position (of one SKU if given), sorted by SKU then location."""
        keys = (
            sorted(self._cells)
            if sku is None
            else sorted((sku, loc) for loc in self._locations.get(sku, {}))
        )
        return tuple(self.position(s, loc) for s, loc in keys)

    def available(self, sku: str, *, allow_safety_stock: bool = False) -> Decimal:
        """Total quantity of ``sku`` a reservation could take, over all locations."""
        total = ZERO
        for cell in self._locations.get(sku, {}).values():
            free = cell.on_hand - cell.reserved
            if not allow_safety_stock:
                free -= cell.safety_stock
            if free > 0:
                total += free
        return total

    def reservation(self, reservation_id: str) -> Reservation:
        """The current state of a reservation.

        Raises:
            NotFound: if there is no such reservation.
        """
        found = self._reservations.get(reservation_id)
        if found is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        return found

    def reservations(self, *, order_id: str | None = None) -> tuple[Reservation, ...]:
        """Every reservation (of one order if given), in creation order."""
        return tuple(
            r for r in self._reservations.values() if order_id is None or r.order_id == order_id
        )

    def movements(self) -> tuple[Movement, ...]:
        """The journal, oldest first."""
        return tuple(
            Movement(
                sequence=i,
                kind=e[0],
                sku=e[1],
                location=e[2],
                on_hand_delta=e[3],
                reserved_delta=e[4],
                order_id=e[5],
                reservation_id=e[6],
                operation_id=e[7],
                actor=e[8],
                reason=e[9],
                at=e[10],
            )
            for i, e in enumerate(self._journal)
        )

    def rebuild_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """On hand per (SKU, location) recomputed from the journal alone."""
        totals: dict[tuple[str, str], Decimal] = dict.fromkeys(self._cells, ZERO)
        for entry in self._journal:
            key = (entry[1], entry[2])
            totals[key] = totals.get(key, ZERO) + entry[3]
        return totals

    def rebuild_reserved(self) -> dict[tuple[str, str], Decimal]:
        """Reserved per (SKU, location) recomputed from the journal alone."""
        totals: dict[tuple[str, str], Decimal] = dict.fromkeys(self._cells, ZERO)
        for entry in self._journal:
            key = (entry[1], entry[2])
            totals[key] = totals.get(key, ZERO) + entry[4]
        return totals

    def drain_events(self) -> list[DomainEvent]:
        """Hand out the events recorded since the last drain, oldest first."""
        pending, self._pending = self._pending, []
        return [kind(occurred_at=at, **fields) for kind, at, fields in pending]

    # ---------------------------------------------------------------- internals

    def _cell(self, sku: str, location: str) -> _Cell:
        cell = self._cells.get((sku, location))
        if cell is None:
            if not sku or not location:
                raise _invalid_request("SKU and location must not be empty")
            cell = self._cells[(sku, location)] = _Cell()
            self._locations.setdefault(sku, {})[location] = cell
        return cell

    def _replay(self, operation_id: str, fingerprint: tuple[Any, ...]) -> Any:
        """The first result of ``operation_id``, or None if it is new."""
        seen = self._operations.get(operation_id)
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise OperationConflict(operation_id)
        return seen[1]

    def _alerts(
        self, sku: str, location: str, cell: _Cell, free_before: Decimal, at: datetime
    ) -> None:
        """Record alerts when free stock crosses the reorder point or safety stock downwards."""
        free = cell.on_hand - cell.reserved
        if free >= free_before:
            return
        point = cell.reorder_point
        if point is not None and free <= point < free_before:
            self._pending.append(
                (
                    LowStockDetected,
                    at,
                    {"sku": sku, "location": location, "free": free, "reorder_point": point},
                )
            )
        safety = cell.safety_stock
        if free < safety <= free_before:
            self._pending.append(
                (
                    SafetyStockBreached,
                    at,
                    {"sku": sku, "location": location, "free": free, "safety_stock": safety},
                )
            )

    def _excess(
        self, sku: str, location: str, cell: _Cell, on_hand_before: Decimal, at: datetime
    ) -> None:
        """Record an alert when on hand crosses the maximum level upwards."""
        level = cell.max_level
        if level is not None and on_hand_before <= level < cell.on_hand:
            self._pending.append(
                (
                    ExcessStockDetected,
                    at,
                    {"sku": sku, "location": location, "on_hand": cell.on_hand, "max_level": level},
                )
            )

    # ---------------------------------------------------------------- configuration

    def set_levels(
        self,
        sku: str,
        location: str,
        *,
        safety_stock: Decimal | int | str | None = None,
        reorder_point: Decimal | int | str | None = None,
        max_level: Decimal | int | str | None = None,
    ) -> StockPosition:
        """Set the safety stock, reorder point and maximum level of a position.

        Setting is absolute, so repeating it is harmless; it moves no stock and so
        writes no journal entry. Arguments left as None keep their current value.

        Returns:
            The position after the change.

        Raises:
            InvalidQuantity: for a negative or non-numeric level.
        """
        safety = None if safety_stock is None else to_quantity(safety_stock, what="safety_stock")
        point = None if reorder_point is None else to_quantity(reorder_point, what="reorder_point")
        level = None if max_level is None else to_quantity(max_level, what="max_level")
        cell = self._cell(sku, location)
        if safety is not None:
            cell.safety_stock = safety
        if point is not None:
            cell.reorder_point = point
        if level is not None:
            cell.max_level = level
        return self.position(sku, location)

    # ---------------------------------------------------------------- movements of on hand

    def receive(
        self,
        sku: str,
        location: str,
        *,
        quantity: Decimal | int | str,
        operation_id: str,
        at: datetime,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StockPosition:
        """Goods arrive: on hand goes up.

        Args:
            sku: Stock keeping unit.
            location: Receiving location.
            quantity: Positive quantity received.
            operation_id: Idempotency key.
            at: When.
            actor: Who.
            reason: Why (purchase order, production...).

        Returns:
            The position after the receipt (the first result on a repeat).

        Raises:
            InvalidQuantity: for a quantity that is not positive.
            OperationConflict: if the operation id was used for something else.
        """
        q = _positive(quantity)
        fingerprint = ("receive", sku, location, q)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        cell = self._cell(sku, location)
        before = cell.on_hand
        cell.on_hand = before + q
        self._journal.append(
            (
                MovementKind.RECEIVED,
                sku,
                location,
                q,
                ZERO,
                None,
                None,
                operation_id,
                actor,
                reason,
                at,
            )
        )
        self._pending.append((StockReceived, at, {"sku": sku, "location": location, "quantity": q}))
        self._excess(sku, location, cell, before, at)
        result = self.position(sku, location)
        self._operations[operation_id] = (fingerprint, result)
        return result

    def restock(
        self,
        sku: str,
        location: str,
        *,
        quantity: Decimal | int | str,
        operation_id: str,
        at: datetime,
        order_id: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StockPosition:
        """Returned goods go back on hand (after-sales).

        Args:
            sku: Stock keeping unit.
            location: Location taking the goods back.
            quantity: Positive quantity returned to stock.
            operation_id: Idempotency key.
            at: When.
            order_id: The order the goods were returned from.
            actor: Who.
            reason: Why (return reason).

        Returns:
            The position after the restock.

        Raises:
            InvalidQuantity: for a quantity that is not positive.
            OperationConflict: if the operation id was used for something else.
        """
        q = _positive(quantity)
        fingerprint = ("restock", sku, location, q, order_id)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        cell = self._cell(sku, location)
        before = cell.on_hand
        cell.on_hand = before + q
        self._journal.append(
            (
                MovementKind.RESTOCKED,
                sku,
                location,
                q,
                ZERO,
                order_id,
                None,
                operation_id,
                actor,
                reason,
                at,
            )
        )
        self._pending.append(
            (
                StockRestocked,
                at,
                {"sku": sku, "location": location, "quantity": q, "order_id": order_id},
            )
        )
        self._excess(sku, location, cell, before, at)
        result = self.position(sku, location)
        self._operations[operation_id] = (fingerprint, result)
        return result

    def adjust(
        self,
        sku: str,
        location: str,
        *,
        counted: Decimal | int | str,
        reason: str,
        operation_id: str,
        at: datetime,
        actor: str | None = None,
    ) -> StockPosition:
        """Set on hand to a counted quantity (stock count, damage, loss).

        Args:
            sku: Stock keeping unit.
            location: Counted location.
            counted: The quantity found (≥ 0).
            reason: Why the count differs (journalled).
            operation_id: Idempotency key.
            at: When.
            actor: Who counted.

        Returns:
            The position after the adjustment.

        Raises:
            InvalidQuantity: for a negative count.
            RuleViolation: ``stock.adjust.below_reserved`` if the count is below reserved.
            OperationConflict: if the operation id was used for something else.
        """
        q = to_quantity(counted, what="counted")
        fingerprint = ("adjust", sku, location, q, reason)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        existing = self._cells.get((sku, location))
        if existing is not None and q < existing.reserved:
            raise RuleViolation(
                STOCK_ADJUST_BELOW_RESERVED,
                params={
                    "sku": sku,
                    "location": location,
                    "counted": str(q),
                    "reserved": str(existing.reserved),
                },
            )
        cell = self._cell(sku, location)
        before = cell.on_hand
        free_before = before - cell.reserved
        delta = q - before
        cell.on_hand = q
        self._journal.append(
            (
                MovementKind.ADJUSTED,
                sku,
                location,
                delta,
                ZERO,
                None,
                None,
                operation_id,
                actor,
                reason,
                at,
            )
        )
        self._pending.append(
            (
                StockAdjusted,
                at,
                {"sku": sku, "location": location, "counted": q, "delta": delta, "reason": reason},
            )
        )
        self._alerts(sku, location, cell, free_before, at)
        self._excess(sku, location, cell, before, at)
        result = self.position(sku, location)
        self._operations[operation_id] = (fingerprint, result)
        return result

    def transfer(
        self,
        sku: str,
        *,
        source: str,
        destination: str,
        quantity: Decimal | int | str,
        operation_id: str,
        at: datetime,
        actor: str | None = None,
        reason: str | None = None,
    ) -> tuple[StockPosition, StockPosition]:
        """Move unreserved stock between locations (it may dip into safety stock).

        Args:
            sku: Stock keeping unit.
            source: Location giving the stock.
            destination: Location receiving it.
            quantity: Positive quantity to move.
            operation_id: Idempotency key.
            at: When.
            actor: Who.
            reason: Why.

        Returns:
            The source and destination positions after the transfer.

        Raises:
            InvalidQuantity: for a quantity that is not positive.
            InsufficientStock: if the source has less unreserved stock than asked.
            RuleViolation: ``stock.transfer.same_location`` when source is destination.
            OperationConflict: if the operation id was used for something else.
        """
        q = _positive(quantity)
        fingerprint = ("transfer", sku, source, destination, q)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        if source == destination:
            raise RuleViolation(STOCK_TRANSFER_SAME_LOCATION, params={"location": source})
        src = self._cells.get((sku, source))
        free = ZERO if src is None else src.on_hand - src.reserved
        if src is None or free < q:
            raise InsufficientStock((Shortfall(sku, q, free),))
        dst = self._cell(sku, destination)
        dst_before = dst.on_hand
        src.on_hand -= q
        dst.on_hand = dst_before + q
        self._journal.append(
            (
                MovementKind.TRANSFERRED_OUT,
                sku,
                source,
                -q,
                ZERO,
                None,
                None,
                operation_id,
                actor,
                reason,
                at,
            )
        )
        self._journal.append(
            (
                MovementKind.TRANSFERRED_IN,
                sku,
                destination,
                q,
                ZERO,
                None,
                None,
                operation_id,
                actor,
                reason,
                at,
            )
        )
        self._pending.append(
            (
                StockTransferred,
                at,
                {"sku": sku, "source": source, "destination": destination, "quantity": q},
            )
        )
        self._alerts(sku, source, src, free, at)
        self._excess(sku, destination, dst, dst_before, at)
        result = (self.position(sku, source), self.position(sku, destination))
        self._operations[operation_id] = (fingerprint, result)
        return result

    # ---------------------------------------------------------------- reservations

    def _availability(
        self, demand: Mapping[str, Decimal], *, allow_safety_stock: bool
    ) -> dict[str, dict[str, Decimal]]:
        available: dict[str, dict[str, Decimal]] = {}
        for sku in demand:
            here: dict[str, Decimal] = {}
            for location, cell in self._locations.get(sku, {}).items():
                free = cell.on_hand - cell.reserved
                if not allow_safety_stock:
                    free -= cell.safety_stock
                if free > 0:
                    here[location] = free
            available[sku] = here
        return available

    def _apply_reserve(
        self,
        allocations: Iterable[Allocation],
        *,
        order_id: str,
        reservation_id: str,
        operation_id: str,
        actor: str | None,
        at: datetime,
    ) -> None:
        journal = self._journal
        cells = self._cells
        for a in allocations:
            cell = cells[(a.sku, a.location)]
            free_before = cell.on_hand - cell.reserved
            cell.reserved += a.quantity
            journal.append(
                (
                    MovementKind.RESERVED,
                    a.sku,
                    a.location,
                    ZERO,
                    a.quantity,
                    order_id,
                    reservation_id,
                    operation_id,
                    actor,
                    None,
                    at,
                )
            )
            self._alerts(a.sku, a.location, cell, free_before, at)

    def reserve(
        self,
        order_id: str,
        lines: Sequence[ReservationLine],
        *,
        operation_id: str,
        at: datetime,
        strategy: AllocationStrategy | None = None,
        allow_backorder: bool = False,
        allow_safety_stock: bool = False,
        expires_at: datetime | None = None,
        reservation_id: str | None = None,
        actor: str | None = None,
    ) -> Reservation:
        """Reserve stock for an order's lines, all or nothing.

        Lines of one SKU are aggregated before the check, so two lines cannot
        together take more than is available.

        Args:
            order_id: The order the stock is for.
            lines: What to reserve; line ids must be unique.
            operation_id: Idempotency key.
            at: When.
            strategy: Which locations to prefer (default: the ledger's default).
            allow_backorder: True records what cannot be served as backordered
                instead of refusing the whole request.
            allow_safety_stock: True lets the reservation dip into safety stock.
            expires_at: When :meth:`expire` may release it; None never.
            reservation_id: Identifier; defaults to ``operation_id``.
            actor: Who.

        Returns:
            The reservation (the first result on a repeat).

        Raises:
            InsufficientStock: if a SKU is short and backorders are not allowed;
                carries one Shortfall per short SKU.
            RuleViolation: ``stock.reservation.invalid`` for no lines or duplicate
                line ids, ``stock.reservation.duplicate`` for a reused reservation id.
            OperationConflict: if the operation id was used for something else.
        """
        lines = tuple(lines)
        rid = operation_id if reservation_id is None else reservation_id
        chosen = self._default_strategy if strategy is None else strategy
        fingerprint = (
            "reserve",
            order_id,
            lines,
            chosen,
            allow_backorder,
            allow_safety_stock,
            expires_at,
            rid,
        )
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        if not lines:
            raise _invalid_request("no lines")
        if rid in self._reservations:
            raise RuleViolation(STOCK_RESERVATION_DUPLICATE, params={"reservation_id": rid})
        demand: dict[str, Decimal] = {}
        for line in lines:
            demand[line.sku] = demand.get(line.sku, ZERO) + line.quantity
        if len({line.line_id for line in lines}) != len(lines):
            raise _invalid_request("duplicate line ids")
        plan = plan_allocation(
            demand,
            self._availability(demand, allow_safety_stock=allow_safety_stock),
            strategy=chosen,
            allow_backorder=allow_backorder,
        )
        reserved_lines = _distribute(lines, plan.allocations)
        self._apply_reserve(
            plan.allocations,
            order_id=order_id,
            reservation_id=rid,
            operation_id=operation_id,
            actor=actor,
            at=at,
        )
        reservation = Reservation(rid, order_id, reserved_lines, at, expires_at)
        self._reservations[rid] = reservation
        if expires_at is not None:
            self._expiring[rid] = expires_at
        backordered = sum((s.missing for s in plan.shortfalls), ZERO)
        self._pending.append(
            (
                StockReserved,
                at,
                {
                    "reservation_id": rid,
                    "order_id": order_id,
                    "allocations": plan.allocations,
                    "backordered": backordered,
                },
            )
        )
        self._operations[operation_id] = (fingerprint, reservation)
        return reservation

    def fill_backorders(
        self,
        reservation_id: str,
        *,
        operation_id: str,
        at: datetime,
        strategy: AllocationStrategy | None = None,
        allow_safety_stock: bool = False,
        actor: str | None = None,
    ) -> Reservation:
        """Allocate stock that is now available to a reservation's backordered lines.

        Serves what it can (partially if need be); the rest stays backordered.

        Args:
            reservation_id: The reservation.
            operation_id: Idempotency key.
            at: When.
            strategy: Which locations to prefer (default: the ledger's default).
            allow_safety_stock: True lets it dip into safety stock.
            actor: Who.

        Returns:
            The reservation after filling.

        Raises:
            NotFound: if there is no such reservation.
            OperationConflict: if the operation id was used for something else.
        """
        chosen = self._default_strategy if strategy is None else strategy
        fingerprint = ("fill_backorders", reservation_id, chosen, allow_safety_stock)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        reservation = self.reservation(reservation_id)
        waiting = [line for line in reservation.lines if line.backordered]
        demand: dict[str, Decimal] = {}
        for line in waiting:
            demand[line.sku] = demand.get(line.sku, ZERO) + line.backordered
        plan = plan_allocation(
            demand,
            self._availability(demand, allow_safety_stock=allow_safety_stock),
            strategy=chosen,
            allow_backorder=True,
        )
        requests = tuple(
            ReservationLine(line.line_id, line.sku, line.backordered) for line in waiting
        )
        filled = {line.line_id: line for line in _distribute(requests, plan.allocations)}
        new_lines = []
        for line in reservation.lines:
            got = filled.get(line.line_id)
            new_lines.append(
                line
                if got is None
                else attrs.evolve(
                    line,
                    allocations=_merge(line.allocations + got.allocations),
                    backordered=got.backordered,
                )
            )
        self._apply_reserve(
            plan.allocations,
            order_id=reservation.order_id,
            reservation_id=reservation_id,
            operation_id=operation_id,
            actor=actor,
            at=at,
        )
        updated = attrs.evolve(reservation, lines=tuple(new_lines))
        self._reservations[reservation_id] = updated
        if plan.allocations:
            self._pending.append(
                (
                    StockBackorderFilled,
                    at,
                    {
                        "reservation_id": reservation_id,
                        "order_id": reservation.order_id,
                        "allocations": plan.allocations,
                        "backordered": updated.backordered,
                    },
                )
            )
        self._operations[operation_id] = (fingerprint, updated)
        return updated

    def _requested(
        self,
        reservation: Reservation,
        lines: Mapping[str, Decimal | int | str] | None,
        *,
        action: str,
    ) -> dict[str, Decimal]:
        """Validated quantity per line id for a release or commit (None: everything)."""
        if lines is None:
            if action == "commit":
                return {
                    line.line_id: line.allocated for line in reservation.lines if line.allocated
                }
            return {
                line.line_id: line.outstanding for line in reservation.lines if line.outstanding
            }
        by_id = {line.line_id: line for line in reservation.lines}
        result: dict[str, Decimal] = {}
        for line_id, quantity in lines.items():
            if line_id not in by_id:
                raise NotFound(params={"entity": "reservation line", "id": line_id})
            result[line_id] = _positive(quantity)
        return result

    def release(
        self,
        reservation_id: str,
        *,
        operation_id: str,
        at: datetime,
        lines: Mapping[str, Decimal | int | str] | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> Reservation:
        """Give reserved stock back (cancellation, amendment), all or per line.

        A line's backordered quantity is released first, then its allocations, the
        most recently added location first.

        Args:
            reservation_id: The reservation.
            operation_id: Idempotency key.
            at: When.
            lines: Quantity to release per line id; None releases everything outstanding.
            actor: Who.
            reason: Why.

        Returns:
            The reservation after the release.

        Raises:
            NotFound: for an unknown reservation or line.
            RuleViolation: ``stock.reservation.exceeded`` when releasing more than is outstanding.
            OperationConflict: if the operation id was used for something else.
        """
        fingerprint = (
            "release",
            reservation_id,
            None if lines is None else tuple(sorted((k, str(v)) for k, v in lines.items())),
        )
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        reservation = self.reservation(reservation_id)
        updated, freed, unbackordered = self._take(
            reservation, self._requested(reservation, lines, action="release"), action="release"
        )
        self._apply_release(
            reservation,
            freed,
            kind=MovementKind.RELEASED,
            operation_id=operation_id,
            actor=actor,
            reason=reason,
            at=at,
        )
        self._reservations[reservation_id] = updated
        self._pending.append(
            (
                StockReleased,
                at,
                {
                    "reservation_id": reservation_id,
                    "order_id": reservation.order_id,
                    "allocations": freed,
                    "backordered": unbackordered,
                },
            )
        )
        self._operations[operation_id] = (fingerprint, updated)
        return updated

    def commit(
        self,
        reservation_id: str,
        *,
        operation_id: str,
        at: datetime,
        lines: Mapping[str, Decimal | int | str] | None = None,
        location: str | None = None,
        actor: str | None = None,
    ) -> Reservation:
        """Ship reserved stock: on hand and reserved both go down.

        Args:
            reservation_id: The reservation.
            operation_id: Idempotency key.
            at: When.
            lines: Quantity shipped per line id; None ships everything allocated.
            location: Ship only from this location's allocations.
            actor: Who.

        Returns:
            The reservation after the shipment.

        Raises:
            NotFound: for an unknown reservation or line.
            RuleViolation: ``stock.reservation.exceeded`` when shipping more than is allocated.
            OperationConflict: if the operation id was used for something else.
        """
        fingerprint = (
            "commit",
            reservation_id,
            None if lines is None else tuple(sorted((k, str(v)) for k, v in lines.items())),
            location,
        )
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        reservation = self.reservation(reservation_id)
        wanted = self._requested(reservation, lines, action="commit")
        if lines is None and location is not None:
            wanted = {
                line.line_id: q
                for line in reservation.lines
                if (
                    q := sum((a.quantity for a in line.allocations if a.location == location), ZERO)
                )
            }
        updated, shipped, _ = self._take(reservation, wanted, action="commit", location=location)
        journal = self._journal
        for a in shipped:
            cell = self._cells[(a.sku, a.location)]
            cell.on_hand -= a.quantity
            cell.reserved -= a.quantity
            journal.append(
                (
                    MovementKind.COMMITTED,
                    a.sku,
                    a.location,
                    -a.quantity,
                    -a.quantity,
                    reservation.order_id,
                    reservation_id,
                    operation_id,
                    actor,
                    None,
                    at,
                )
            )
        self._reservations[reservation_id] = updated
        self._pending.append(
            (
                StockCommitted,
                at,
                {
                    "reservation_id": reservation_id,
                    "order_id": reservation.order_id,
                    "allocations": shipped,
                },
            )
        )
        self._operations[operation_id] = (fingerprint, updated)
        return updated

    def expire(
        self, now: datetime, *, operation_id: str | None = None, actor: str | None = None
    ) -> tuple[Reservation, ...]:
        """Release every open reservation whose expiry is at or before ``now``.

        Args:
            now: The caller's current time.
            operation_id: Idempotency key; None derives one from ``now``.
            actor: Who (usually a scheduler id).

        Returns:
            The expired reservations (after release), in creation order.
        """
        op = f"expire:{now.isoformat()}" if operation_id is None else operation_id
        fingerprint = ("expire", now)
        seen = self._replay(op, fingerprint)
        if seen is not None:
            return seen  # type: ignore[no-any-return]
        due = [rid for rid, when in self._expiring.items() if when <= now]
        expired: list[Reservation] = []
        for rid in due:
            del self._expiring[rid]
            reservation = self._reservations[rid]
            if not reservation.is_open:
                continue
            updated, freed, unbackordered = self._take(
                reservation, self._requested(reservation, None, action="release"), action="release"
            )
            updated = attrs.evolve(updated, expired=True)
            self._apply_release(
                reservation,
                freed,
                kind=MovementKind.EXPIRED,
                operation_id=op,
                actor=actor,
                reason="expired",
                at=now,
            )
            self._reservations[rid] = updated
            self._pending.append(
                (
                    ReservationExpired,
                    now,
                    {
                        "reservation_id": rid,
                        "order_id": reservation.order_id,
                        "allocations": freed,
                        "backordered": unbackordered,
                    },
                )
            )
            expired.append(updated)
        result = tuple(expired)
        self._operations[op] = (fingerprint, result)
        return result

    def _apply_release(
        self,
        reservation: Reservation,
        freed: tuple[Allocation, ...],
        *,
        kind: MovementKind,
        operation_id: str,
        actor: str | None,
        reason: str | None,
        at: datetime,
    ) -> None:
        journal = self._journal
        for a in freed:
            self._cells[(a.sku, a.location)].reserved -= a.quantity
            journal.append(
                (
                    kind,
                    a.sku,
                    a.location,
                    ZERO,
                    -a.quantity,
                    reservation.order_id,
                    reservation.reservation_id,
                    operation_id,
                    actor,
                    reason,
                    at,
                )
            )

    @staticmethod
    def _take(
        reservation: Reservation,
        wanted: Mapping[str, Decimal],
        *,
        action: str,
        location: str | None = None,
    ) -> tuple[Reservation, tuple[Allocation, ...], Decimal]:
        """Remove quantities from lines: (updated reservation, allocations taken, backorder taken).

        Pure: validates everything before the caller changes any position.
        """
        taken: list[Allocation] = []
        unbackordered = ZERO
        new_lines: list[ReservedLine] = []
        for line in reservation.lines:
            quantity = wanted.get(line.line_id)
            if quantity is None:
                new_lines.append(line)
                continue
            remaining = quantity
            backordered = line.backordered
            if action == "release":
                take = min(backordered, remaining)
                backordered -= take
                remaining -= take
                unbackordered += take
                order = list(reversed(range(len(line.allocations))))
            else:
                order = [
                    i
                    for i, a in enumerate(line.allocations)
                    if location is None or a.location == location
                ]
            left = [a.quantity for a in line.allocations]
            for index in order:
                if not remaining:
                    break
                a = line.allocations[index]
                take = min(a.quantity, remaining)
                left[index] -= take
                remaining -= take
                taken.append(Allocation(a.sku, a.location, take))
            if remaining:
                possible = quantity - remaining
                raise _exceeded(action, line.line_id, quantity, possible)
            kept = tuple(
                a if rest == a.quantity else Allocation(a.sku, a.location, rest)
                for a, rest in zip(line.allocations, left, strict=True)
                if rest
            )
            if action == "release":
                new_lines.append(
                    attrs.evolve(
                        line,
                        allocations=kept,
                        backordered=backordered,
                        released=line.released + quantity,
                    )
                )
            else:
                new_lines.append(
                    attrs.evolve(line, allocations=kept, committed=line.committed + quantity)
                )
        return attrs.evolve(reservation, lines=tuple(new_lines)), tuple(taken), unbackordered


def _merge(allocations: tuple[Allocation, ...]) -> tuple[Allocation, ...]:
    """Combine allocations of one location (keeps first-seen order)."""
    merged: dict[str, Allocation] = {}
    for a in allocations:
        prior = merged.get(a.location)
        merged[a.location] = (
            a if prior is None else Allocation(a.sku, a.location, prior.quantity + a.quantity)
        )
    return tuple(merged.values())


def _distribute(
    lines: Sequence[ReservationLine], allocations: Sequence[Allocation]
) -> tuple[ReservedLine, ...]:
    """Hand each SKU's allocations to its lines in request order; the rest is backordered."""
    if len(lines) == 1 and all(a.sku == lines[0].sku for a in allocations):
        # The common case (one line) needs no splitting.
        line = lines[0]
        got = sum((a.quantity for a in allocations), ZERO)
        return (
            ReservedLine(
                line.line_id, line.sku, line.quantity, tuple(allocations), line.quantity - got
            ),
        )
    queues: dict[str, list[list[Any]]] = {}
    for a in allocations:
        queues.setdefault(a.sku, []).append([a.location, a.quantity])
    result: list[ReservedLine] = []
    for line in lines:
        queue = queues.get(line.sku, [])
        need = line.quantity
        parts: list[Allocation] = []
        while need and queue:
            location, quantity = queue[0]
            take = quantity if quantity < need else need
            parts.append(Allocation(line.sku, location, take))
            need -= take
            if take == quantity:
                queue.pop(0)
            else:
                queue[0][1] = quantity - take
        result.append(ReservedLine(line.line_id, line.sku, line.quantity, tuple(parts), need))
    return tuple(result)
