"""Stock events: what the stores record as operations happen, alerts included.

Private: import every name from :mod:`salesorder.inventory`.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from salesorder._inventory.values import Allocation
from salesorder.events import DomainEvent

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
