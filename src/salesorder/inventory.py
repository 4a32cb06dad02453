"""The stock kernel: quantities, positions, reservations, movements, events, and the rules.

Pure: no storage, no clock, no I/O (it imports only the standard library, attrs and
``salesorder.errors``/``events``/``money``). Every stock store applies these values
and rules to its own storage: :class:`salesorder.adapters.memory.StockLedger` (the
in-memory engine behind ``InMemoryStockStore``), ``SqlStockStore``, or a host's own
(``docs/host-application.md``). Where a rule lives:

* what a reservation may take: :meth:`StockPosition.available_to`, per-SKU
  aggregation and request checks (:func:`reservation_demand`), the choice of
  locations (:class:`AllocationStrategy`, :func:`plan_allocation`) and which line gets
  which allocation (:func:`distribute_allocations`), and the whole new reservation
  (state, positions taken, event) as one :class:`Allocate` value,
  :func:`decide_reservation`;
* filling backorders: :func:`backordered_demand`, :func:`fill_backorder_lines`,
  :func:`decide_backorder_fill`;
* what a release, shipment or expiry takes from which line (backorder first, then
  the newest allocation for a release; oldest first for a shipment):
  :func:`requested_quantities`, :func:`take_from_lines`, and the whole change of
  each (new state, positions, movement kind, event) as one decision value,
  :class:`GiveBack`, from :func:`decide_release`, :func:`decide_commit` and
  :func:`decide_expiry`;
* receipts, returns to stock, counts and transfers: :func:`check_stock_count`,
  :func:`check_transfer`, and the whole change of each as one :class:`OnHandChange`
  value (moves of on hand with the conditions they rely on, movement kinds, event)
  from :func:`decide_receipt`, :func:`decide_restock`, :func:`decide_count` and
  :func:`decide_transfer`;
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

This module is the public face; the implementation lives in the private package
``salesorder._inventory``, split by concern (quantities and errors, values, events,
allocation, rules). Import every name from ``salesorder.inventory``.

Time comes in as an argument (``at=``) and every mutating operation carries an
``operation_id``. Quantities are exact :class:`~decimal.Decimal`; ``float`` is refused
with :class:`~salesorder.errors.FloatRefused`.
"""

from salesorder._inventory.allocation import (
    AllocationPlan,
    AllocationStrategy,
    FewestShipments,
    FixedPriority,
    MostStockFirst,
    NearestFirst,
    plan_allocation,
)
from salesorder._inventory.decisions import (
    Allocate,
    GiveBack,
    OnHandChange,
    OnHandMove,
    decide_backorder_fill,
    decide_commit,
    decide_count,
    decide_expiry,
    decide_receipt,
    decide_release,
    decide_reservation,
    decide_restock,
    decide_transfer,
)
from salesorder._inventory.events import (
    ExcessStockDetected,
    LowStockDetected,
    ReservationExpired,
    SafetyStockBreached,
    StockAdjusted,
    StockBackorderFilled,
    StockCommitted,
    StockReceived,
    StockReleased,
    StockReserved,
    StockRestocked,
    StockTransferred,
)
from salesorder._inventory.quantities import (
    CURRENT_VERSION,
    EMPTY_SKU_OR_LOCATION,
    OPENING_RESERVED,
    QUANTITY_NOT_POSITIVE,
    QUANTITY_NOT_STORABLE,
    QUANTITY_PLACES,
    STOCK_ADJUST_BELOW_RESERVED,
    STOCK_ENTITY,
    STOCK_OPERATION_CONFLICT,
    STOCK_POSITION_DUPLICATE,
    STOCK_QUANTITY_INVALID,
    STOCK_RESERVATION_DUPLICATE,
    STOCK_RESERVATION_EXCEEDED,
    STOCK_RESERVATION_INVALID,
    STOCK_SAVEPOINT_UNKNOWN,
    STOCK_STRATEGY_INVALID,
    STOCK_TRANSFER_SAME_LOCATION,
    InvalidAllocation,
    InvalidQuantity,
    OperationConflict,
    to_positive_quantity,
    to_quantity,
    too_precise_quantity,
)
from salesorder._inventory.rules import (
    StockLevels,
    backordered_demand,
    check_stock_count,
    check_transfer,
    distribute_allocations,
    excess_stock_alerts,
    falling_stock_alerts,
    fill_backorder_lines,
    is_default_strategy,
    requested_quantities,
    reservation_demand,
    take_from_lines,
)
from salesorder._inventory.values import (
    Allocation,
    AllocationState,
    LineState,
    Movement,
    MovementKind,
    PackedReservation,
    Reservation,
    ReservationLine,
    ReservationState,
    ReservedLine,
    StockPosition,
    pack_reservation,
    reservation_is_open,
    unpack_reservation,
)

__all__ = [
    "CURRENT_VERSION",
    "EMPTY_SKU_OR_LOCATION",
    "OPENING_RESERVED",
    "QUANTITY_NOT_POSITIVE",
    "QUANTITY_NOT_STORABLE",
    "QUANTITY_PLACES",
    "STOCK_ADJUST_BELOW_RESERVED",
    "STOCK_ENTITY",
    "STOCK_OPERATION_CONFLICT",
    "STOCK_POSITION_DUPLICATE",
    "STOCK_QUANTITY_INVALID",
    "STOCK_RESERVATION_DUPLICATE",
    "STOCK_RESERVATION_EXCEEDED",
    "STOCK_RESERVATION_INVALID",
    "STOCK_SAVEPOINT_UNKNOWN",
    "STOCK_STRATEGY_INVALID",
    "STOCK_TRANSFER_SAME_LOCATION",
    "Allocate",
    "Allocation",
    "AllocationPlan",
    "AllocationState",
    "AllocationStrategy",
    "ExcessStockDetected",
    "FewestShipments",
    "FixedPriority",
    "GiveBack",
    "InvalidAllocation",
    "InvalidQuantity",
    "LineState",
    "LowStockDetected",
    "MostStockFirst",
    "Movement",
    "MovementKind",
    "NearestFirst",
    "OnHandChange",
    "OnHandMove",
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
    "decide_backorder_fill",
    "decide_commit",
    "decide_count",
    "decide_expiry",
    "decide_receipt",
    "decide_release",
    "decide_reservation",
    "decide_restock",
    "decide_transfer",
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
    "too_precise_quantity",
    "unpack_reservation",
]
