"""The stock kernel: quantities, positions, reservations, movements, events, and the rules.

Pure: no storage, no clock, no I/O (it imports only the standard library, attrs and
``salesorder.errors``/``events``/``money``). Every stock store applies these values
and rules to its own storage: :class:`salesorder.adapters.memory.StockLedger` (the
in-memory engine behind ``InMemoryStockStore``), ``SqlStockStore``, or a host's own
(``docs/host-application.md``). Where a rule lives:

* what a reservation may take: :meth:`StockPosition.available_to`, per-SKU
  aggregation and request checks (:func:`reservation_demand`), the choice of
  locations (:class:`AllocationStrategy`, :func:`plan_allocation`) and which line gets
  which allocation (:func:`distribute_allocations`);
* filling backorders: :func:`backordered_demand`, :func:`fill_backorder_lines`;
* what a release, shipment or expiry takes from which line (backorder first, then
  the newest allocation for a release; oldest first for a shipment):
  :func:`requested_quantities`, :func:`take_from_lines`;
* transfers and stock counts: :func:`check_transfer`, :func:`check_stock_count`;
* alerts: :func:`falling_stock_alerts`, :func:`excess_stock_alerts`.

A reservation's state is one representation, tuples of atoms
(:data:`ReservationState`, packed flat in a :class:`Reservation`), on which the rules
compute and which every store keeps.

Invariants (checked after every step of every store by
``tests/property/test_inventory_stateful.py`` and the contract suites):

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
* every change is an append-only journal :class:`Movement`, so on hand and reserved
  can be rebuilt from the journal at any time;
* repeating an operation id returns the first result and changes nothing;
  repeating it with different arguments raises :class:`OperationConflict`;
* a failed operation changes nothing (no position, journal entry or event).

Time comes in as an argument (``at=``) and every mutating operation carries an
``operation_id``. Quantities are exact :class:`~decimal.Decimal`; ``float`` is refused
with :class:`~salesorder.errors.FloatRefused`.
"""

from __future__ import annotations

import enum
import functools
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
    "AllocationState",
    "AllocationStrategy",
    "ExcessStockDetected",
    "FewestShipments",
    "FixedPriority",
    "InvalidAllocation",
    "InvalidQuantity",
    "LineState",
    "LowStockDetected",
    "MostStockFirst",
    "Movement",
    "MovementKind",
    "NearestFirst",
    "OperationConflict",
    "PackedReservation",
    "Reservation",
    "ReservationExpired",
    "ReservationLine",
    "ReservationState",
    "ReservedLine",
    "SafetyStockBreached",
    "StockAdjusted",
    "StockBackorderFilled",
    "StockCommitted",
    "StockLevels",
    "StockPosition",
    "StockReceived",
    "StockReleased",
    "StockReserved",
    "StockRestocked",
    "StockTransferred",
    "backordered_demand",
    "check_stock_count",
    "check_transfer",
    "distribute_allocations",
    "excess_stock_alerts",
    "falling_stock_alerts",
    "fill_backorder_lines",
    "is_default_strategy",
    "pack_reservation",
    "plan_allocation",
    "requested_quantities",
    "reservation_demand",
    "reservation_is_open",
    "take_from_lines",
    "to_positive_quantity",
    "to_quantity",
    "unpack_reservation",
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
STOCK_POSITION_DUPLICATE = define_code(
    "stock.position.duplicate",
    en="The opening position of {sku} at {location} is given more than once.",
    zh="{sku} 在 {location} 的期初库存重复给出。",
)
STOCK_TRANSFER_SAME_LOCATION = define_code(
    "stock.transfer.same_location",
    en="A transfer needs two different locations, got {location} twice.",
    zh="调拨需要两个不同的库位,但两次都是 {location}。",
)
STOCK_SAVEPOINT_UNKNOWN = define_code(
    "stock.savepoint.unknown",
    en="Savepoint {savepoint} is not open on this stock ledger.",
    zh="库存台账上没有打开的保存点 {savepoint}。",
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

# Quantities already validated (bounded, so untrusted input cannot grow it without limit).
_CHECKED: set[Decimal] = set()
_CHECKED_LIMIT: Final = 4096


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
    if type(value) is Decimal and value.is_finite() and value in _CHECKED:
        # Hot path: real quantities repeat (1, 2, 10...), and each was checked once.
        return value
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
    if len(_CHECKED) < _CHECKED_LIMIT:
        _CHECKED.add(number)
    return number


def to_positive_quantity(value: object, *, what: str = "quantity") -> Decimal:
    """:func:`to_quantity`, refusing zero too (a movement of nothing is no movement).

    Raises:
        FloatRefused: for a ``float``.
        InvalidQuantity: for a zero, negative, non-finite or unparseable value.
    """
    number = to_quantity(value, what=what)
    if not number:
        raise InvalidQuantity(params={"what": what, "reason": "must be positive"})
    return number


def _optional_quantity(value: object) -> Decimal | None:
    return None if value is None else to_quantity(value, what="level")


def _quantity(value: object) -> Decimal:
    return to_quantity(value)


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


@attrs.frozen(init=False)
class ReservationLine:
    """One line of a reservation request; the service maps order lines to these.

    Attributes:
        line_id: The order line's id, unique within the request.
        sku: Stock keeping unit.
        quantity: Positive quantity to reserve.
    """

    line_id: str
    sku: str
    quantity: Decimal

    def __init__(self, line_id: str, sku: str, quantity: Decimal | int | str) -> None:
        # Written by hand: attrs' frozen __init__ costs three times as much, and every
        # reservation request builds these (benchmarks/bench_inventory.py).
        if not (
            type(quantity) is Decimal
            and quantity.is_finite()
            and quantity > 0
            and quantity in _CHECKED
        ):
            quantity = to_positive_quantity(quantity)
        _set_line_id(self, line_id)
        _set_line_sku(self, sku)
        _set_line_quantity(self, quantity)


# Slot setters of the frozen classes built on hot paths (what attrs' __init__ does,
# without its per-call lookups).
_set_line_id = ReservationLine.__dict__["line_id"].__set__
_set_line_sku = ReservationLine.__dict__["sku"].__set__
_set_line_quantity = ReservationLine.__dict__["quantity"].__set__


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


@attrs.frozen(repr=False)
class Reservation:
    """Stock promised to one order, per line and per location (a snapshot).

    The ledger builds reservations from its compact internal state; ``lines`` are
    materialised on first access. Build one yourself with :meth:`from_lines`.

    Attributes:
        reservation_id: Identifier (defaults to the reserving operation id).
        order_id: The order it serves.
        created_at: When it was made.
        expires_at: When :meth:`StockLedger.expire` releases it; None never.
        expired: True once released by expiry.
        lines: One :class:`ReservedLine` per requested line, in request order.
    """

    reservation_id: str
    # The packed state (see ``pack_reservation``): one flat tuple, cheap to build and compare.
    _state: tuple[Any, ...] = attrs.field(alias="state")

    @property
    def order_id(self) -> str:
        """The order it serves."""
        return self._state[0]  # type: ignore[no-any-return]

    @property
    def created_at(self) -> datetime:
        """When it was made."""
        return self._state[1]  # type: ignore[no-any-return]

    @property
    def expires_at(self) -> datetime | None:
        """When :meth:`StockLedger.expire` releases it; None never."""
        return self._state[2]  # type: ignore[no-any-return]

    @property
    def expired(self) -> bool:
        """True once released by expiry."""
        return self._state[3]  # type: ignore[no-any-return]

    @classmethod
    def from_lines(
        cls,
        reservation_id: str,
        order_id: str,
        lines: Iterable[ReservedLine],
        *,
        created_at: datetime,
        expires_at: datetime | None = None,
        expired: bool = False,
    ) -> Reservation:
        """A reservation from its lines (for adapters that load reservations).

        Args:
            reservation_id: Identifier.
            order_id: The order it serves.
            lines: The reserved lines.
            created_at: When it was made.
            expires_at: When it expires; None never.
            expired: Whether it was released by expiry.

        Returns:
            The reservation.
        """
        state = tuple(
            (
                line.line_id,
                line.sku,
                line.quantity,
                tuple((a.location, a.quantity) for a in line.allocations),
                line.backordered,
                line.committed,
                line.released,
            )
            for line in lines
        )
        packed = pack_reservation((order_id, created_at, expires_at, expired, state))
        return cls(reservation_id, packed)

    @property
    def state(self) -> ReservationState:
        """The state the kernel's rules compute on (see :data:`ReservationState`)."""
        return unpack_reservation(self._state)

    @functools.cached_property
    def lines(self) -> tuple[ReservedLine, ...]:
        """One :class:`ReservedLine` per requested line, in request order."""
        return tuple(
            ReservedLine(
                line_id,
                sku,
                quantity,
                tuple([Allocation(sku, location, q) for location, q in allocations]),
                backordered,
                committed,
                released,
            )
            for line_id, sku, quantity, allocations, backordered, committed, released in (
                unpack_reservation(self._state)[4]
            )
        )

    def __repr__(self) -> str:
        return (
            f"Reservation(reservation_id={self.reservation_id!r}, order_id={self.order_id!r}, "
            f"lines={self.lines!r}, created_at={self.created_at!r}, "
            f"expires_at={self.expires_at!r}, expired={self.expired!r})"
        )

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        """Every open allocation of every line."""
        return tuple(a for line in self.lines for a in line.allocations)

    @property
    def allocated(self) -> Decimal:
        """Total quantity currently reserved by this reservation."""
        return sum((q for line in unpack_reservation(self._state)[4] for _, q in line[3]), ZERO)

    @property
    def backordered(self) -> Decimal:
        """Total quantity waiting for stock."""
        return sum((line[4] for line in unpack_reservation(self._state)[4]), ZERO)

    @property
    def is_open(self) -> bool:
        """True while anything is still allocated or backordered."""
        return any(line[3] or line[4] for line in unpack_reservation(self._state)[4])

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

    First, locations are chosen greedily by how many of the remaining SKUs each can
    serve in full (so if one location can serve everything, it serves everything).
    What no single location can serve in full is then filled from the locations
    already chosen first, then from those with the most stock.

    Attributes:
        preference: Optional tie-break order of locations (earlier wins).
    """

    preference: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Choose locations that serve whole SKUs, then fill the rest."""
        remaining = {sku: q for sku, q in demand.items() if q > 0}
        rank = {loc: i for i, loc in enumerate(self.preference)}
        locations = sorted(
            {loc for sku in remaining for loc in available.get(sku, {})},
            key=lambda loc: (rank.get(loc, len(rank)), loc),
        )
        used: list[str] = []
        result: list[Allocation] = []
        while remaining:
            best: list[str] = []
            best_location = ""
            for location in locations:
                full = [
                    sku
                    for sku, quantity in remaining.items()
                    if available.get(sku, {}).get(location, ZERO) >= quantity
                ]
                better = len(full) > len(best) or (
                    len(full) == len(best)
                    and full
                    and location in used
                    and best_location not in used
                )
                if better:
                    best, best_location = full, location
            if not best:
                break
            result.extend(Allocation(sku, best_location, remaining.pop(sku)) for sku in best)
            if best_location not in used:
                used.append(best_location)
        for sku, quantity in remaining.items():
            here = available.get(sku, {})
            order = used + sorted(
                (loc for loc in here if loc not in used),
                key=lambda loc: (-here[loc], rank.get(loc, len(rank)), loc),
            )
            result.extend(_fill(sku, quantity, order, here))
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


# --------------------------------------------------------------------------- reservation state

# A reservation's state as plain tuples of atoms (str, Decimal, datetime, None): the one
# representation every store computes on (the kernel's decisions take and return it),
# cheap to snapshot (tuples are immutable) and untracked by the cyclic garbage collector.
# An allocation is a pair of location and quantity; a line holds line id, SKU, quantity,
# allocations, backordered, committed and released; a reservation's state holds order
# id, created at, expires at, the expired flag and the lines.
AllocationState = tuple[str, Decimal]
LineState = tuple[str, str, Decimal, tuple[AllocationState, ...], Decimal, Decimal, Decimal]
ReservationState = tuple[str, datetime, "datetime | None", bool, tuple[LineState, ...]]
# The same state packed flat (see pack_reservation): what a Reservation holds.
PackedReservation = tuple[Any, ...]


def reservation_is_open(state: ReservationState) -> bool:
    """True while a line still has something allocated or backordered."""
    return any(line[3] or line[4] for line in state[4])


# Stored states are packed into one flat tuple of atoms: order id, created at, expires
# at, expired, then per line: line id, SKU, quantity, backordered, committed, released,
# the number of allocations and that many (location, quantity) pairs laid flat. Flat
# tuples of atoms are untracked by the cyclic garbage collector at its first pass, so a
# ledger with millions of entries does not make every full collection slower.
def pack_reservation(state: ReservationState) -> PackedReservation:
    """A reservation state laid flat, as a :class:`Reservation` holds it."""
    order_id, created_at, expires_at, expired, lines = state
    flat: list[Any] = [order_id, created_at, expires_at, expired]
    for line_id, sku, quantity, allocations, backordered, committed, released in lines:
        flat += (line_id, sku, quantity, backordered, committed, released, len(allocations))
        for pair in allocations:
            flat += pair
    return tuple(flat)


def unpack_reservation(packed: PackedReservation) -> ReservationState:
    """The reservation state of a packed one (the inverse of :func:`pack_reservation`)."""
    lines: list[LineState] = []
    i, end = 4, len(packed)
    while i < end:
        line_id, sku, quantity, backordered, committed, released, count = packed[i : i + 7]
        i += 7
        pairs = packed[i : i + 2 * count]
        allocations = tuple(zip(pairs[::2], pairs[1::2], strict=True))
        i += 2 * count
        lines.append((line_id, sku, quantity, allocations, backordered, committed, released))
    return (packed[0], packed[1], packed[2], packed[3], tuple(lines))


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
        raise _invalid_request("no lines")
    if len({line[0] for line in request}) != len(request):
        raise _invalid_request("duplicate line ids")
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
