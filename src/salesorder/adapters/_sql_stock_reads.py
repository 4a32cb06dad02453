"""The SQL stock store's reads and stock levels: positions, reservations, movements.

Private to [SqlStockStore][salesorder.adapters.sql.SqlStockStore], which is built in
layers, one per family of operations: plumbing (``_sql_stock_base``), reads and levels
(here), on-hand operations (``_sql_stock_on_hand``), reservations
(``_sql_reserving``), and backorders, release, commit and expiry (``_sql_stock``).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Final

import sqlalchemy as sa

from salesorder.adapters._sql_schema import fit
from salesorder.adapters._sql_stock_base import SqlStockBase
from salesorder.adapters._sql_stock_tables import (
    LOCATION_BOUND,
    SKU_BOUND,
    ZERO,
    StoredReservation,
    movements_table,
    positions_table,
    reservations_table,
    stock_events_table,
    stored_quantity,
)
from salesorder.codec import decode
from salesorder.errors import (
    NotFound,
)
from salesorder.events import DomainEvent, event_types

# The stock kernel: every stock rule (see its docstring); this store applies them.
from salesorder.inventory import (
    Movement,
    MovementKind,
    Reservation,
    StockPosition,
    to_quantity,
)

__all__ = ["SqlStockReads"]


# Built once: entering an order reads each line's SKU, and building the statement cost
# more than running it.
_ALL_POSITIONS: Final = (
    sa.select(
        positions_table.c.sku,
        positions_table.c.location,
        positions_table.c.on_hand,
        positions_table.c.reserved,
        positions_table.c.safety_stock,
        positions_table.c.reorder_point,
        positions_table.c.max_level,
    )
    .where(positions_table.c.tenant_id == sa.bindparam("tenant"))
    .order_by(positions_table.c.sku, positions_table.c.location)
)
_SKU_POSITIONS: Final = _ALL_POSITIONS.where(positions_table.c.sku == sa.bindparam("sku"))


class SqlStockReads(SqlStockBase):
    """Read positions, reservations, movements and pending events; set stock levels."""

    # ---------------------------------------------------------------- reading

    def position(self, sku: str, location: str) -> StockPosition:
        """The current position (all zero if never seen)."""
        p = positions_table.c
        row = self._connection.execute(
            sa.select(p.on_hand, p.reserved, p.safety_stock, p.reorder_point, p.max_level).where(
                *self._key(sku, location)
            )
        ).one_or_none()
        return StockPosition(sku, location) if row is None else self._position(sku, location, row)

    def positions(self, *, sku: str | None = None) -> tuple[StockPosition, ...]:
        """Every known position (of one SKU if given), sorted by SKU then location."""
        if sku is None:
            rows = self._connection.execute(_ALL_POSITIONS, {"tenant": self._tenant})
        else:
            rows = self._connection.execute(_SKU_POSITIONS, {"tenant": self._tenant, "sku": sku})
        return tuple(self._position(row.sku, row.location, row) for row in rows)

    def available(self, sku: str, *, allow_safety_stock: bool = False) -> Decimal:
        """Total quantity of ``sku`` a reservation could take now."""
        positions = self.positions(sku=sku)
        return sum((p.available_to(allow_safety_stock=allow_safety_stock) for p in positions), ZERO)

    def _load(self, reservation_id: str) -> StoredReservation:
        r = reservations_table.c
        row = self._connection.execute(
            sa.select(r.document, r.version).where(
                r.tenant_id == self._tenant, r.reservation_id == reservation_id
            )
        ).one_or_none()
        if row is None:
            raise NotFound(params={"entity": "reservation", "id": reservation_id})
        return StoredReservation.load(row.document, row.version)

    def _reservation_exists(self, reservation_id: str) -> bool:
        r = reservations_table.c
        found = self._connection.execute(
            sa.select(r.reservation_id).where(
                r.tenant_id == self._tenant, r.reservation_id == reservation_id
            )
        ).first()
        return found is not None

    def reservation(self, reservation_id: str) -> Reservation:
        """The current state of a reservation (NotFound if unknown)."""
        return self._load(reservation_id).public(reservation_id)

    def reservations(self, *, order_id: str | None = None) -> tuple[Reservation, ...]:
        """Every reservation (of one order if given), in creation order."""
        r = reservations_table.c
        query = sa.select(r.reservation_id, r.document, r.version).where(
            r.tenant_id == self._tenant
        )
        if order_id is not None:
            query = query.where(r.order_id == order_id)
        rows = self._connection.execute(query.order_by(r.seq))
        return tuple(
            StoredReservation.load(row.document, row.version).public(row.reservation_id)
            for row in rows
        )

    def movements(self) -> tuple[Movement, ...]:
        """The journal, oldest first (``sequence`` counts from 0 per tenant)."""
        m = movements_table.c
        rows = self._connection.execute(
            sa.select(movements_table).where(m.tenant_id == self._tenant).order_by(m.seq)
        )
        return tuple(
            Movement(
                sequence=i,
                kind=MovementKind(row.kind),
                sku=row.sku,
                location=row.location,
                on_hand_delta=row.on_hand_delta,
                reserved_delta=row.reserved_delta,
                order_id=row.order_id,
                reservation_id=row.reservation_id,
                operation_id=row.operation_id,
                actor=row.actor,
                reason=row.reason,
                at=datetime.fromisoformat(row.at),
            )
            for i, row in enumerate(rows)
        )

    def _rebuild(self, column: sa.Column[Decimal]) -> dict[tuple[str, str], Decimal]:
        p, m = positions_table.c, movements_table.c
        totals = {
            (row.sku, row.location): ZERO
            for row in self._connection.execute(
                sa.select(p.sku, p.location).where(p.tenant_id == self._tenant)
            )
        }
        rows = self._connection.execute(
            sa.select(m.sku, m.location, sa.func.sum(column).label("total"))
            .where(m.tenant_id == self._tenant)
            .group_by(m.sku, m.location)
        )
        for row in rows:
            totals[(row.sku, row.location)] = row.total
        return totals

    def rebuild_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """On hand per (SKU, location) recomputed from the journal alone."""
        return self._rebuild(movements_table.c.on_hand_delta)

    def rebuild_reserved(self) -> dict[tuple[str, str], Decimal]:
        """Reserved per (SKU, location) recomputed from the journal alone."""
        return self._rebuild(movements_table.c.reserved_delta)

    def drain_events(self) -> list[DomainEvent]:
        """Hand out (and delete) the events recorded since the last drain, oldest first.

        ``DELETE ... RETURNING``: two concurrent drains never hand out the same event.
        """
        e = stock_events_table.c
        rows = self._connection.execute(
            stock_events_table.delete()
            .where(e.tenant_id == self._tenant)
            .returning(e.seq, e.payload)
        ).all()
        types = event_types()
        events: list[DomainEvent] = []
        for row in sorted(rows, key=lambda row: row.seq):
            data = json.loads(row.payload)
            events.append(decode(types[data["type"]], data))
        return events

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
        """Set safety stock, reorder point and maximum level (None keeps the value).

        Raises:
            InvalidQuantity: for a negative or non-numeric level.
        """
        fit(sku, SKU_BOUND)
        fit(location, LOCATION_BOUND)
        values: dict[str, Decimal] = {}
        for name, value in (
            ("safety_stock", safety_stock),
            ("reorder_point", reorder_point),
            ("max_level", max_level),
        ):
            if value is not None:
                values[name] = stored_quantity(to_quantity(value, what=name), what=name)
        with self._guard("set_levels"):
            self._ensure(sku, location)
            if values:
                self._connection.execute(
                    positions_table.update().where(*self._key(sku, location)).values(**values)
                )
            return self.position(sku, location)
