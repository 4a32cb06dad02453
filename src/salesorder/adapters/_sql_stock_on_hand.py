"""The SQL stock store's on-hand operations: receipts, returns to stock, counts, transfers.

Private to [SqlStockStore][salesorder.adapters.sql.SqlStockStore] (see
``_sql_stock_reads`` for how the store is layered); each operation applies the stock
kernel's decision (``decide_receipt``, ``decide_restock``, ``decide_count``,
``decide_transfer``) with conditional statements.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from salesorder.adapters._sql_schema import fit
from salesorder.adapters._sql_stock_base import positive_stored_quantity
from salesorder.adapters._sql_stock_reads import SqlStockReads
from salesorder.adapters._sql_stock_tables import (
    LOCATION_BOUND,
    ORDER_ID_BOUND,
    REASON_BOUND,
    ZERO,
    Stale,
    fit_move,
    position_document,
    position_from,
    quantity_text,
    stored_quantity,
)
from salesorder.events import DomainEvent

# The stock kernel: every stock rule (see its docstring); this store applies them.
from salesorder.inventory import (
    OnHandChange,
    StockPosition,
    decide_count,
    decide_receipt,
    decide_restock,
    decide_transfer,
    excess_stock_alerts,
    falling_stock_alerts,
    to_quantity,
)

__all__ = ["SqlOnHandStore"]


class SqlOnHandStore(SqlStockReads):
    """Receive, restock, adjust (count) and transfer stock on hand."""

    # ---------------------------------------------------------------- on hand

    def _apply_on_hand(
        self, change: OnHandChange, *, operation_id: str, at: datetime, actor: str | None
    ) -> dict[str, Any]:
        """Apply a kernel decision on on hand: one conditional update per move, in key order.

        Returns:
            The row after the change, per location.
        """
        rows: dict[str, Any] = {}
        for move in sorted(change.moves, key=lambda m: m.location):
            sku, location = move.sku, move.location
            if move.requires_free is not None:
                # OnHandMove.requires_free as a condition of the update: free >= it.
                row = self._change(
                    sku, location, on_hand=move.delta, condition="free", limit=move.requires_free
                )
                if row is None:
                    move.check_free(self.position(sku, location).free)
                    raise Stale  # pragma: no cover - the row changed between the two
            elif move.expects_on_hand is not None:
                # A count: conditional on the on hand it was decided on.
                row = self._change(
                    sku,
                    location,
                    on_hand=move.delta,
                    condition="count",
                    limit=move.expects_on_hand + move.delta,
                    before=move.expects_on_hand,
                    create=not move.expects_on_hand,
                )
                if row is None:
                    raise Stale
            else:
                row = self._change(sku, location, on_hand=move.delta, create=True)
                if row is None:  # pragma: no cover - positions are never deleted
                    raise Stale
            rows[location] = row
        self._journal(
            [
                self._movement(
                    move.kind,
                    move.sku,
                    move.location,
                    move.delta,
                    ZERO,
                    operation_id=operation_id,
                    at=at,
                    order_id=change.order_id,
                    actor=actor,
                    reason=change.reason,
                )
                for move in change.moves
            ]
        )
        events: list[DomainEvent] = [change.event]
        for move in change.moves:
            row = rows[move.location]
            on_hand_before = row.on_hand - move.delta
            free_before = on_hand_before - row.reserved
            events += falling_stock_alerts(move.sku, move.location, row, free_before, at)
            events += excess_stock_alerts(move.sku, move.location, row, on_hand_before, at)
        self._emit(events)
        return rows

    def _increase(
        self, change: OnHandChange, *, operation_id: str, at: datetime, actor: str | None
    ) -> tuple[Any, StockPosition]:
        (move,) = change.moves
        rows = self._apply_on_hand(change, operation_id=operation_id, at=at, actor=actor)
        position = self._position(move.sku, move.location, rows[move.location])
        return position_document(position), position

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
        """Goods arrive: on hand goes up (see :meth:`StockLedger.receive`)."""
        fit_move(sku, location, operation_id, actor)
        fit(reason, REASON_BOUND)
        q = positive_stored_quantity(quantity)
        return self._once(
            "receive",
            operation_id,
            ("receive", sku, location, quantity_text(q)),
            lambda: self._increase(
                decide_receipt(sku, location, q, at=at, reason=reason),
                operation_id=operation_id,
                at=at,
                actor=actor,
            ),
            position_from,
        )

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
        """Returned goods go back on hand (see :meth:`StockLedger.restock`)."""
        fit_move(sku, location, operation_id, actor)
        fit(order_id, ORDER_ID_BOUND)
        fit(reason, REASON_BOUND)
        q = positive_stored_quantity(quantity)
        return self._once(
            "restock",
            operation_id,
            ("restock", sku, location, quantity_text(q), order_id),
            lambda: self._increase(
                decide_restock(sku, location, q, at=at, order_id=order_id, reason=reason),
                operation_id=operation_id,
                at=at,
                actor=actor,
            ),
            position_from,
        )

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
        """Set on hand to a counted quantity, never below reserved (see :meth:`StockLedger.adjust`).

        Raises:
            RuleViolation: ``stock.adjust.below_reserved`` if the count is below reserved.
        """
        fit_move(sku, location, operation_id, actor)
        fit(reason, REASON_BOUND)
        q = stored_quantity(to_quantity(counted, what="counted"), what="counted")

        def work() -> tuple[Any, StockPosition]:
            change = decide_count(self.position(sku, location), q, at=at, reason=reason)
            rows = self._apply_on_hand(change, operation_id=operation_id, at=at, actor=actor)
            position = self._position(sku, location, rows[location])
            return position_document(position), position

        fingerprint = ("adjust", sku, location, quantity_text(q), reason)
        return self._once("adjust", operation_id, fingerprint, work, position_from)

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
        """Move unreserved stock between two locations (see :meth:`StockLedger.transfer`).

        Raises:
            InsufficientStock: if the source has less unreserved stock than asked.
            RuleViolation: ``stock.transfer.same_location`` when source is destination.
        """
        fit_move(sku, source, operation_id, actor)
        fit(destination, LOCATION_BOUND)
        fit(reason, REASON_BOUND)
        q = positive_stored_quantity(quantity)

        def work() -> tuple[Any, tuple[StockPosition, StockPosition]]:
            change = decide_transfer(
                sku, source=source, destination=destination, quantity=q, at=at, reason=reason
            )
            rows = self._apply_on_hand(change, operation_id=operation_id, at=at, actor=actor)
            result = (
                self._position(sku, source, rows[source]),
                self._position(sku, destination, rows[destination]),
            )
            return [position_document(r) for r in result], result

        return self._once(
            "transfer",
            operation_id,
            ("transfer", sku, source, destination, quantity_text(q)),
            work,
            lambda docs: (position_from(docs[0]), position_from(docs[1])),
        )
