"""Stock ledger operations on on hand: receive, restock, adjust, transfer.

Private to :mod:`salesorder.adapters._memory_stock`; each operation applies the stock
kernel's rules (:mod:`salesorder.inventory`) to :class:`LedgerState`'s storage.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from salesorder.adapters._memory_ledger_state import (
    ADJUSTED,
    RECEIVED,
    RESTOCKED,
    TRANSFERRED_IN,
    TRANSFERRED_OUT,
    ZERO,
    Cell,
    LedgerState,
)
from salesorder.inventory import (
    StockPosition,
    check_stock_count,
    check_transfer,
    to_positive_quantity,
    to_quantity,
)


class OnHandLedger(LedgerState):
    """The ledger's operations that move on hand (the reservations are in StockLedger)."""

    __slots__ = ()

    # ---------------------------------------------------------------- movements of on hand

    def _increase(
        self,
        kind: str,
        sku: str,
        location: str,
        quantity: Decimal,
        *,
        order_id: str | None,
        operation_id: str,
        actor: str | None,
        reason: str | None,
        at: datetime,
    ) -> Cell:
        cell = self._cell(sku, location)
        before = cell.on_hand
        cell.on_hand = before + quantity
        self._journal.append(
            (kind, sku, location, quantity, ZERO, order_id, None, operation_id, actor, reason, at)
        )
        if kind == RECEIVED:
            self._pending.append(("StockReceived", at, sku, location, quantity))
        else:
            self._pending.append(("StockRestocked", at, sku, location, quantity, order_id))
        self._excess(sku, location, cell, before, at)
        return cell

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
        q = to_positive_quantity(quantity)
        fingerprint = ("receive", sku, location, q)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen[0]  # type: ignore[no-any-return]
        self._increase(
            RECEIVED,
            sku,
            location,
            q,
            order_id=None,
            operation_id=operation_id,
            actor=actor,
            reason=reason,
            at=at,
        )
        result = self.position(sku, location)
        self._remember(operation_id, (*fingerprint, result, None))
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
        q = to_positive_quantity(quantity)
        fingerprint = ("restock", sku, location, q, order_id)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen[0]  # type: ignore[no-any-return]
        self._increase(
            RESTOCKED,
            sku,
            location,
            q,
            order_id=order_id,
            operation_id=operation_id,
            actor=actor,
            reason=reason,
            at=at,
        )
        result = self.position(sku, location)
        self._remember(operation_id, (*fingerprint, result, None))
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
            return seen[0]  # type: ignore[no-any-return]
        existing = self._cells.get((sku, location))
        if existing is not None:
            check_stock_count(sku, location, counted=q, reserved=existing.reserved)
        cell = self._cell(sku, location)
        before = cell.on_hand
        free_before = before - cell.reserved
        delta = q - before
        cell.on_hand = q
        self._journal.append(
            (ADJUSTED, sku, location, delta, ZERO, None, None, operation_id, actor, reason, at)
        )
        self._pending.append(("StockAdjusted", at, sku, location, q, delta, reason))
        self._alerts(sku, location, cell, free_before, at)
        self._excess(sku, location, cell, before, at)
        result = self.position(sku, location)
        self._remember(operation_id, (*fingerprint, result, None))
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
        q = to_positive_quantity(quantity)
        fingerprint = ("transfer", sku, source, destination, q)
        seen = self._replay(operation_id, fingerprint)
        if seen is not None:
            return seen[0]  # type: ignore[no-any-return]
        src = self._cells.get((sku, source))
        free = ZERO if src is None else src.on_hand - src.reserved
        check_transfer(sku, source=source, destination=destination, quantity=q, source_free=free)
        # check_transfer refused a source without a position: it has no free stock.
        assert src is not None  # noqa: S101
        dst = self._cell(sku, destination)
        self._touch(src)
        dst_before = dst.on_hand
        src.on_hand -= q
        dst.on_hand = dst_before + q
        journal = self._journal
        journal.append(
            (TRANSFERRED_OUT, sku, source, -q, ZERO, None, None, operation_id, actor, reason, at)
        )
        journal.append(
            (
                TRANSFERRED_IN,
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
        self._pending.append(("StockTransferred", at, sku, source, destination, q))
        self._alerts(sku, source, src, free, at)
        self._excess(sku, destination, dst, dst_before, at)
        result = (self.position(sku, source), self.position(sku, destination))
        self._remember(operation_id, (*fingerprint, result, None))
        return result
