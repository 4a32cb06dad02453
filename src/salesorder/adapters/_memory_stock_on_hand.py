"""Stock ledger operations on on hand: receive, restock, adjust, transfer.

Private to :mod:`salesorder.adapters._memory_stock`; each operation applies the stock
kernel's rules (:mod:`salesorder.inventory`) to :class:`LedgerState`'s storage.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from salesorder.adapters._memory_ledger_state import (
    ZERO,
)
from salesorder.adapters._memory_savepoints import SavepointLedger
from salesorder.inventory import (
    OnHandChange,
    StockPosition,
    decide_count,
    decide_receipt,
    decide_restock,
    decide_transfer,
    to_positive_quantity,
    to_quantity,
)


class OnHandLedger(SavepointLedger):
    """The ledger's operations that move on hand (the reservations are in ReservingLedger)."""

    __slots__ = ()

    # ---------------------------------------------------------------- movements of on hand

    def _apply_on_hand(
        self, change: OnHandChange, *, operation_id: str, actor: str | None, at: datetime
    ) -> None:
        """Apply a kernel decision on on hand: check every move, then change them all."""
        for move in change.moves:
            if move.requires_free is not None:
                held = self._cells.get((move.sku, move.location))
                move.check_free(ZERO if held is None else held.on_hand - held.reserved)
        cells = [self._cell(move.sku, move.location) for move in change.moves]
        before = [cell.on_hand for cell in cells]
        journal = self._journal
        for move, cell in zip(change.moves, cells, strict=True):
            cell.on_hand += move.delta
            journal.append(
                (
                    move.kind.value,
                    move.sku,
                    move.location,
                    move.delta,
                    ZERO,
                    change.order_id,
                    None,
                    operation_id,
                    actor,
                    change.reason,
                    at,
                )
            )
        self._pending.append(change.event)
        for move, cell, on_hand in zip(change.moves, cells, before, strict=True):
            self._alerts(move.sku, move.location, cell, on_hand - cell.reserved, at)
            self._excess(move.sku, move.location, cell, on_hand, at)

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
        self._apply_on_hand(
            decide_receipt(sku, location, q, at=at, reason=reason),
            operation_id=operation_id,
            actor=actor,
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
        self._apply_on_hand(
            decide_restock(sku, location, q, at=at, order_id=order_id, reason=reason),
            operation_id=operation_id,
            actor=actor,
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
        change = decide_count(self.position(sku, location), q, at=at, reason=reason)
        self._apply_on_hand(change, operation_id=operation_id, actor=actor, at=at)
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
        change = decide_transfer(
            sku, source=source, destination=destination, quantity=q, at=at, reason=reason
        )
        self._apply_on_hand(change, operation_id=operation_id, actor=actor, at=at)
        result = (self.position(sku, source), self.position(sku, destination))
        self._remember(operation_id, (*fingerprint, result, None))
        return result
