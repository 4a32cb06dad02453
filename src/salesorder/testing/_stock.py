"""Hypothesis strategies for stock: positions and random operation sequences.

Re-exported by :mod:`salesorder.testing.strategies`. Every generated operation is a
frozen value with ``apply_to(store, at=..., reservation_ids=...)``, so a sequence can
be replayed against any :class:`~salesorder.ports.StockStore` (ledger, memory store,
your own adapter) and shrinks to a readable list when a property fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

import attrs
from hypothesis import strategies as st

from salesorder.errors import SalesOrderError
from salesorder.inventory import ReservationLine, StockPosition
from salesorder.ports import StockStore

__all__ = [
    "AdjustOp",
    "CommitOp",
    "ExpireOp",
    "ReceiveOp",
    "ReleaseOp",
    "ReserveOp",
    "RestockOp",
    "StockOp",
    "TransferOp",
    "run_stock_operations",
    "stock_operations",
    "stock_positions",
    "stock_quantities",
]

DEFAULT_SKUS = ("SKU-A", "SKU-B", "SKU-C")
DEFAULT_LOCATIONS = ("WH-1", "WH-2", "WH-3")


def stock_quantities(
    *, min_value: int = 0, max_value: int = 50, places: int = 0
) -> st.SearchStrategy[Decimal]:
    """Exact quantities between the bounds with ``places`` decimals (whole pieces by default)."""
    return st.decimals(
        min_value=min_value,
        max_value=max_value,
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def _position(
    draw: st.DrawFn,
    skus: Sequence[str],
    locations: Sequence[str],
    max_quantity: int,
    with_reserved: bool,
) -> StockPosition:
    on_hand = draw(stock_quantities(max_value=max_quantity))
    reserved = draw(stock_quantities(max_value=int(on_hand))) if with_reserved else Decimal(0)
    return StockPosition(
        draw(st.sampled_from(skus)),
        draw(st.sampled_from(locations)),
        on_hand,
        reserved,
        draw(stock_quantities(max_value=max_quantity // 5)),
        draw(st.none() | stock_quantities(max_value=max_quantity // 2)),
        draw(st.none() | stock_quantities(min_value=max_quantity // 2, max_value=max_quantity)),
    )


def stock_positions(
    *,
    skus: Sequence[str] = DEFAULT_SKUS,
    locations: Sequence[str] = DEFAULT_LOCATIONS,
    max_quantity: int = 100,
    with_reserved: bool = True,
) -> st.SearchStrategy[StockPosition]:
    """Valid positions (reserved ≤ on hand) of the given SKUs and locations.

    Args:
        skus: SKUs to draw from.
        locations: Locations to draw from.
        max_quantity: Largest on hand.
        with_reserved: False keeps ``reserved`` at 0 (for ``StockLedger.from_positions``).
    """
    return _position(skus, locations, max_quantity, with_reserved)


class StockOp(Protocol):
    """One generated operation, replayable against any stock store."""

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``; reservations made are appended to ``reservation_ids``."""
        ...


def _pick(reservation_ids: Sequence[str], index: int) -> str:
    return reservation_ids[index % len(reservation_ids)] if reservation_ids else "unknown"


@attrs.frozen
class ReceiveOp:
    """Receive ``quantity`` of ``sku`` at ``location``."""

    operation_id: str
    sku: str
    location: str
    quantity: Decimal

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        store.receive(
            self.sku, self.location, quantity=self.quantity, operation_id=self.operation_id, at=at
        )


@attrs.frozen
class RestockOp:
    """Put ``quantity`` of returned ``sku`` back at ``location``."""

    operation_id: str
    sku: str
    location: str
    quantity: Decimal

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        store.restock(
            self.sku,
            self.location,
            quantity=self.quantity,
            operation_id=self.operation_id,
            at=at,
            order_id="returned",
        )


@attrs.frozen
class AdjustOp:
    """Count ``sku`` at ``location`` as ``counted``."""

    operation_id: str
    sku: str
    location: str
    counted: Decimal

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        store.adjust(
            self.sku,
            self.location,
            counted=self.counted,
            reason="cycle count",
            operation_id=self.operation_id,
            at=at,
        )


@attrs.frozen
class TransferOp:
    """Move ``quantity`` of ``sku`` from ``source`` to ``destination``."""

    operation_id: str
    sku: str
    source: str
    destination: str
    quantity: Decimal

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        store.transfer(
            self.sku,
            source=self.source,
            destination=self.destination,
            quantity=self.quantity,
            operation_id=self.operation_id,
            at=at,
        )


@attrs.frozen
class ReserveOp:
    """Reserve ``lines`` (line id, SKU, quantity) for an order."""

    operation_id: str
    lines: tuple[tuple[str, Decimal], ...]
    allow_backorder: bool = False
    allow_safety_stock: bool = False
    expires_in: int | None = None

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        reservation = store.reserve(
            f"order-{self.operation_id}",
            [ReservationLine(f"L{i}", sku, q) for i, (sku, q) in enumerate(self.lines)],
            operation_id=self.operation_id,
            at=at,
            allow_backorder=self.allow_backorder,
            allow_safety_stock=self.allow_safety_stock,
            expires_at=None if self.expires_in is None else at + timedelta(hours=self.expires_in),
        )
        if reservation.reservation_id not in reservation_ids:
            reservation_ids.append(reservation.reservation_id)


@attrs.frozen
class ReleaseOp:
    """Release a reservation (picked by index), wholly or ``quantity`` of its first line."""

    operation_id: str
    index: int
    quantity: Decimal | None = None

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        lines = None if self.quantity is None else {"L0": self.quantity}
        store.release(
            _pick(reservation_ids, self.index), operation_id=self.operation_id, at=at, lines=lines
        )


@attrs.frozen
class CommitOp:
    """Ship a reservation (picked by index), wholly or ``quantity`` of its first line."""

    operation_id: str
    index: int
    quantity: Decimal | None = None

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        lines = None if self.quantity is None else {"L0": self.quantity}
        store.commit(
            _pick(reservation_ids, self.index), operation_id=self.operation_id, at=at, lines=lines
        )


@attrs.frozen
class ExpireOp:
    """Expire reservations ``hours_later`` hours after the sequence's clock."""

    operation_id: str
    hours_later: int

    def apply_to(self, store: StockStore, *, at: datetime, reservation_ids: list[str]) -> None:
        """Apply to ``store``."""
        store.expire(at + timedelta(hours=self.hours_later), operation_id=self.operation_id)


@st.composite
def _operations(
    draw: st.DrawFn, skus: Sequence[str], locations: Sequence[str], max_size: int
) -> list[StockOp]:
    count = draw(st.integers(min_value=0, max_value=max_size))
    ops: list[StockOp] = []
    sku = st.sampled_from(skus)
    location = st.sampled_from(locations)
    quantity = stock_quantities(min_value=1, max_value=20)
    for n in range(count):
        op_id = f"op-{n}"
        kind = draw(st.integers(min_value=0, max_value=7))
        op: StockOp
        if kind == 0:
            op = ReceiveOp(op_id, draw(sku), draw(location), draw(quantity))
        elif kind == 1:
            lines = draw(st.lists(st.tuples(sku, quantity), min_size=1, max_size=3))
            op = ReserveOp(
                op_id,
                tuple(lines),
                allow_backorder=draw(st.booleans()),
                allow_safety_stock=draw(st.booleans()),
                expires_in=draw(st.none() | st.integers(min_value=1, max_value=48)),
            )
        elif kind == 2:
            op = ReleaseOp(op_id, draw(st.integers(0, 50)), draw(st.none() | quantity))
        elif kind == 3:
            op = CommitOp(op_id, draw(st.integers(0, 50)), draw(st.none() | quantity))
        elif kind == 4:
            op = RestockOp(op_id, draw(sku), draw(location), draw(quantity))
        elif kind == 5:
            op = AdjustOp(op_id, draw(sku), draw(location), draw(stock_quantities(max_value=40)))
        elif kind == 6:
            op = TransferOp(op_id, draw(sku), draw(location), draw(location), draw(quantity))
        else:
            op = ExpireOp(op_id, draw(st.integers(min_value=0, max_value=72)))
        ops.append(op)
    return ops


def stock_operations(
    *,
    skus: Sequence[str] = DEFAULT_SKUS,
    locations: Sequence[str] = DEFAULT_LOCATIONS,
    max_size: int = 40,
) -> st.SearchStrategy[list[StockOp]]:
    """Random sequences of receive, reserve, release, commit, restock, adjust, transfer, expire.

    Operation ids are unique within a sequence. Many operations are refused when
    applied (not enough stock, unknown reservation...): that is part of the test.

    Args:
        skus: SKUs to draw from.
        locations: Locations to draw from.
        max_size: Longest sequence.
    """
    return _operations(skus, locations, max_size)


def run_stock_operations(
    store: StockStore, operations: Sequence[StockOp], *, at: datetime
) -> list[str]:
    """Apply ``operations`` in order; refusals (any ``SalesOrderError``) are skipped.

    Args:
        store: The store under test.
        operations: From :func:`stock_operations`.
        at: Clock of the whole sequence.

    Returns:
        The ids of the reservations made.
    """
    reservation_ids: list[str] = []
    for operation in operations:
        try:
            operation.apply_to(store, at=at, reservation_ids=reservation_ids)
        except SalesOrderError:
            continue
    return reservation_ids
