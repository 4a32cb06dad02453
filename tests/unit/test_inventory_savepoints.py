"""Savepoints of the stock ledger: undo in O(changes), exactly, for units of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from salesorder.adapters.memory import InMemoryStockStore, StockLedger
from salesorder.errors import RuleViolation
from salesorder.inventory import ReservationLine

AT = datetime(2026, 3, 1, tzinfo=UTC)


def stocked() -> StockLedger:
    ledger = StockLedger()
    ledger.receive("SKU-A", "WH-1", quantity=10, operation_id="in-1", at=AT)
    ledger.receive("SKU-A", "WH-2", quantity=10, operation_id="in-2", at=AT)
    return ledger


class TestRollback:
    def test_rollback_brings_back_drained_events(self) -> None:
        ledger = stocked()
        savepoint = ledger.savepoint()
        ledger.reserve("o1", [ReservationLine("1", "SKU-A", 3)], operation_id="r1", at=AT)
        assert len(ledger.drain_events()) == 3
        ledger.rollback_to(savepoint)
        assert [type(e).__name__ for e in ledger.drain_events()] == ["StockReceived"] * 2

    def test_rollback_forgets_new_positions(self) -> None:
        ledger = stocked()
        savepoint = ledger.savepoint()
        ledger.set_levels("SKU-B", "WH-1", safety_stock=1)
        ledger.receive("SKU-A", "WH-0", quantity=1, operation_id="in-0", at=AT)
        ledger.rollback_to(savepoint)
        assert [(p.sku, p.location) for p in ledger.positions()] == [
            ("SKU-A", "WH-1"),
            ("SKU-A", "WH-2"),
        ]
        reservation = ledger.reserve(
            "o1", [ReservationLine("1", "SKU-A", 12)], operation_id="r1", at=AT
        )
        assert [a.location for a in reservation.allocations] == ["WH-1", "WH-2"]

    def test_rollback_keeps_the_expiry_order(self) -> None:
        ledger = stocked()
        for n in range(3):
            ledger.reserve(
                f"o{n}",
                [ReservationLine("1", "SKU-A", 1)],
                operation_id=f"r{n}",
                at=AT,
                expires_at=AT + timedelta(hours=3 - n),
            )
        savepoint = ledger.savepoint()
        assert len(ledger.expire(AT + timedelta(hours=5))) == 3
        ledger.rollback_to(savepoint)
        expired = ledger.expire(AT + timedelta(hours=5))
        assert [r.reservation_id for r in expired] == ["r0", "r1", "r2"]

    def test_inner_savepoint_rolls_back_alone(self) -> None:
        ledger = stocked()
        outer = ledger.savepoint()
        ledger.receive("SKU-A", "WH-1", quantity=1, operation_id="in-3", at=AT)
        inner = ledger.savepoint()
        ledger.receive("SKU-A", "WH-1", quantity=1, operation_id="in-4", at=AT)
        ledger.rollback_to(inner)
        assert ledger.position("SKU-A", "WH-1").on_hand == 11
        ledger.rollback_to(outer)
        assert ledger.position("SKU-A", "WH-1").on_hand == 10
        assert len(ledger.movements()) == 2

    def test_recording_grows_with_the_changes_not_the_ledger(self) -> None:
        ledger = stocked()
        for n in range(3000):  # several sealed chunks of journal and records
            ledger.receive("SKU-A", "WH-1", quantity=1, operation_id=f"bulk-{n}", at=AT)
        savepoint = ledger.savepoint()
        ledger.reserve("o1", [ReservationLine("1", "SKU-A", 2)], operation_id="r1", at=AT)
        ledger.release("r1", operation_id="x1", at=AT)
        assert len(ledger._undo or ()) == 5  # the mark, then a cell and a reservation each
        ledger.rollback_to(savepoint)
        assert len(ledger.movements()) == 3002
        assert ledger.rebuild_reserved() == {("SKU-A", "WH-1"): 0, ("SKU-A", "WH-2"): 0}


class TestReleaseSavepoint:
    def test_release_stops_recording_and_keeps_changes(self) -> None:
        ledger = stocked()
        savepoint = ledger.savepoint()
        ledger.receive("SKU-A", "WH-1", quantity=1, operation_id="in-3", at=AT)
        ledger.release_savepoint(savepoint)
        assert ledger._undo is None
        assert ledger.position("SKU-A", "WH-1").on_hand == 11

    @pytest.mark.parametrize("savepoint", [0, 5, -1])
    def test_unknown_savepoint_is_refused(self, savepoint: int) -> None:
        ledger = stocked()
        with pytest.raises(RuleViolation) as caught:
            ledger.rollback_to(savepoint)
        assert caught.value.code == "stock.savepoint.unknown"

    def test_savepoint_index_of_a_change_is_refused(self) -> None:
        ledger = stocked()
        ledger.savepoint()
        ledger.receive("SKU-A", "WH-1", quantity=1, operation_id="in-3", at=AT)
        with pytest.raises(RuleViolation):
            ledger.release_savepoint(1)


class TestStoreUnitOfWork:
    def test_begin_twice_keeps_the_first_batch(self) -> None:
        store = InMemoryStockStore(stocked())
        store.begin()
        store.receive("SKU-A", "WH-1", quantity=1, operation_id="in-3", at=AT)
        store.begin()
        store.receive("SKU-A", "WH-1", quantity=1, operation_id="in-4", at=AT)
        store.rollback()
        store.rollback()  # nothing open: nothing to do
        store.end()
        assert store.position("SKU-A", "WH-1").on_hand == 11

    def test_end_keeps_changes(self) -> None:
        store = InMemoryStockStore(stocked())
        store.begin()
        store.commit(
            store.reserve(
                "o1", [ReservationLine("1", "SKU-A", 2)], operation_id="r1", at=AT
            ).reservation_id,
            operation_id="c1",
            at=AT,
        )
        store.end()
        store.rollback()
        assert store.position("SKU-A", "WH-1").on_hand == 8


class TestSealedChunks:
    def test_old_operations_replay_after_their_records_are_sealed(self) -> None:
        ledger = stocked()
        first = ledger.reserve("o1", [ReservationLine("1", "SKU-A", 1)], operation_id="r0", at=AT)
        for n in range(1, 2100):  # reserve, ship or release: every hot path seals chunks
            if n % 3 == 0:
                ledger.receive("SKU-A", "WH-1", quantity=2, operation_id=f"in-{n}x", at=AT)
            elif n % 3 == 1:
                ledger.reserve(
                    "o1", [ReservationLine("1", "SKU-A", 1)], operation_id=f"r{n}", at=AT
                )
                ledger.commit(f"r{n}", operation_id=f"c{n}", at=AT)
            else:
                ledger.reserve(
                    "o1", [ReservationLine("1", "SKU-A", 1)], operation_id=f"r{n}", at=AT
                )
                ledger.release(f"r{n}", operation_id=f"x{n}", at=AT)
        again = ledger.reserve("o1", [ReservationLine("1", "SKU-A", 1)], operation_id="r0", at=AT)
        assert again == first
        assert ledger.commit("r1", operation_id="c1", at=AT).reservation_id == "r1"
        events = ledger.drain_events()
        assert len(events) == len(ledger.movements())
        assert ledger.rebuild_on_hand() == {
            (p.sku, p.location): p.on_hand for p in ledger.positions()
        }
