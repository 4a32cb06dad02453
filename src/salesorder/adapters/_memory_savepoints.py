"""Savepoints of the in-memory stock ledger: an undo log that costs nothing when unused.

Private to [StockLedger][salesorder.adapters.memory.StockLedger]. The operations record
the previous value of what they touch into ``LedgerState._undo`` while a savepoint is
open; ``rollback_to`` plays the log backwards. The unit of work of the memory adapter
holds one savepoint for the change in progress.
"""

from __future__ import annotations

from typing import Any

from salesorder.adapters._memory_ledger_state import (
    CHUNK,
    UNDO_CELL,
    UNDO_DRAINED,
    UNDO_EXPIRING,
    UNDO_EXPIRING_ADDED,
    UNDO_MARK,
    UNDO_NEW_CELL,
    UNDO_RESERVATION,
    LedgerState,
    truncate_chunked,
)
from salesorder.errors import RuleViolation
from salesorder.inventory import (
    STOCK_SAVEPOINT_UNKNOWN,
)

__all__ = ["SavepointLedger"]


class SavepointLedger(LedgerState):
    """Open, release and roll back to savepoints of the ledger's state."""

    __slots__ = ()

    def savepoint(self) -> int:
        """Start recording changes so that :meth:`rollback_to` can undo them.

        Recording costs O(changes): the previous value of every cell field and
        reservation touched, and the lengths of the journal, the pending events and
        the operation records at the savepoint. Nothing is recorded while no
        savepoint is open. Savepoints nest (a stack); a store usually holds one at a
        time, for the unit of work in progress.

        Returns:
            The savepoint, for :meth:`rollback_to` or :meth:`release_savepoint`.
        """
        if self._undo is None:
            self._undo = []
        self._undo.append(
            (
                UNDO_MARK,
                len(self._journal_chunks),
                len(self._journal),
                len(self._pending_chunks),
                len(self._pending),
                len(self._operations),
            )
        )
        return len(self._undo) - 1

    def _check_savepoint(self, savepoint: int) -> list[tuple[Any, ...]]:
        undo = self._undo
        if undo is None or not 0 <= savepoint < len(undo) or undo[savepoint][0] != UNDO_MARK:
            raise RuleViolation(STOCK_SAVEPOINT_UNKNOWN, params={"savepoint": savepoint})
        return undo

    def release_savepoint(self, savepoint: int) -> None:
        """Keep the changes made since ``savepoint``; stop recording if it is the outermost.

        Args:
            savepoint: A savepoint returned by :meth:`savepoint`.

        Raises:
            RuleViolation: ``stock.savepoint.unknown`` for a savepoint not open.
        """
        self._check_savepoint(savepoint)
        if savepoint == 0:
            self._undo = None

    def rollback_to(self, savepoint: int) -> None:
        """Undo every change since ``savepoint``, exactly: as if nothing had happened.

        Positions, levels, reservations, the expiry index, the journal, the pending
        events (drained ones come back) and the operation ids all return to their
        state at the savepoint. The savepoint is closed; recording stops if it was the
        outermost.

        Args:
            savepoint: A savepoint returned by :meth:`savepoint`.

        Raises:
            RuleViolation: ``stock.savepoint.unknown`` for a savepoint not open.
        """
        undo = self._check_savepoint(savepoint)
        for entry in reversed(undo[savepoint:]):
            self._undo_one(entry)
        del undo[savepoint:]
        if savepoint == 0:
            self._undo = None

    def _undo_one(self, entry: tuple[Any, ...]) -> None:
        tag = entry[0]
        if tag == UNDO_CELL:
            (
                _,
                cell,
                cell.on_hand,
                cell.reserved,
                cell.safety_stock,
                cell.reorder_point,
                cell.max_level,
            ) = entry
        elif tag == UNDO_RESERVATION:
            _, rid, previous = entry
            if previous is None:
                del self._reservations[rid]
            else:
                self._reservations[rid] = previous
        elif tag == UNDO_NEW_CELL:
            _, key, sku, previous = entry
            del self._cells[key]
            if previous is None:
                del self._locations[sku]
            else:
                self._locations[sku] = previous
        elif tag == UNDO_EXPIRING_ADDED:
            del self._expiring[entry[1]]
        elif tag == UNDO_EXPIRING:
            self._expiring = entry[1]
        elif tag == UNDO_DRAINED:
            _, self._pending_chunks, self._pending = entry
        else:  # UNDO_MARK
            _, journal_chunks, journal, pending_chunks, pending, operations = entry
            truncate_chunked(self._journal_chunks, self._journal, journal_chunks, journal)
            truncate_chunked(self._pending_chunks, self._pending, pending_chunks, pending)
            truncate_chunked(self._record_chunks, self._records, *divmod(operations, CHUNK))
            ops = self._operations
            for _ in range(len(ops) - operations):
                ops.popitem()
