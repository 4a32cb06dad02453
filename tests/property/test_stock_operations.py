"""The public stock strategies drive any store; random sequences keep the invariants."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from salesorder.adapters.memory import InMemoryStockStore, StockLedger
from salesorder.errors import SalesOrderError
from salesorder.inventory import StockPosition
from salesorder.ports import StockStore
from salesorder.testing._stock import StockOp, run_stock_operations
from salesorder.testing.strategies import stock_operations, stock_positions

AT = datetime(2026, 1, 5, tzinfo=UTC)


def assert_consistent(store: StockStore) -> None:
    positions = store.positions()
    for p in positions:
        assert 0 <= p.reserved <= p.on_hand
    assert store.rebuild_on_hand() == {(p.sku, p.location): p.on_hand for p in positions}
    assert store.rebuild_reserved() == {(p.sku, p.location): p.reserved for p in positions}


@given(operations=stock_operations())
def test_random_sequences_keep_the_memory_store_consistent(operations: list[StockOp]) -> None:
    store = InMemoryStockStore()
    reservation_ids = run_stock_operations(store, operations, at=AT)
    assert_consistent(store)
    assert len(reservation_ids) == len(store.reservations())


@given(
    positions=st.lists(
        stock_positions(with_reserved=False), max_size=6, unique_by=lambda p: (p.sku, p.location)
    ),
    operations=stock_operations(max_size=20),
)
def test_ledger_and_store_agree_from_the_same_opening(
    positions: list[StockPosition], operations: list[StockOp]
) -> None:
    ledger = StockLedger.from_positions(positions, at=AT)
    store = InMemoryStockStore.from_positions(positions, at=AT)
    run_stock_operations(ledger, operations, at=AT)
    run_stock_operations(store, operations, at=AT)
    assert ledger.positions() == store.positions()
    assert ledger.movements() == store.movements()
    assert_consistent(ledger)


@given(position=stock_positions())
def test_generated_positions_are_valid(position: StockPosition) -> None:
    assert Decimal(0) <= position.reserved <= position.on_hand
    assert position.available <= position.free


# --------------------------------------------------------------------------- savepoints


def _observe(ledger: StockLedger) -> tuple[object, ...]:
    """Everything a caller can see, pending events included (drained from a copy)."""
    events = [
        (type(e).__name__, {k: v for k, v in attrs.asdict(e).items() if k != "event_id"})
        for e in copy.deepcopy(ledger).drain_events()
    ]
    return (
        ledger.positions(),
        ledger.reservations(),
        ledger.movements(),
        ledger.rebuild_on_hand(),
        ledger.rebuild_reserved(),
        events,
    )


def _apply(
    ledger: StockLedger,
    operations: list[StockOp],
    reservation_ids: list[str],
    extras: list[int],
) -> None:
    """Apply operations; after each, maybe drain events (1) or set levels (2)."""
    for operation, extra in zip(operations, extras, strict=True):
        with contextlib.suppress(SalesOrderError):
            operation.apply_to(ledger, at=AT, reservation_ids=reservation_ids)
        if extra == 1:
            ledger.drain_events()
        elif extra == 2:
            ledger.set_levels("SKU-A", "WH-9", safety_stock=2, reorder_point=3, max_level=9)


@given(operations=stock_operations(), data=st.data())
def test_rollback_to_a_savepoint_leaves_no_trace(
    operations: list[StockOp], data: st.DataObject
) -> None:
    split = data.draw(st.integers(min_value=0, max_value=len(operations)))
    before, batch = operations[:split], operations[split:]
    extras = data.draw(st.lists(st.integers(0, 4), min_size=len(batch), max_size=len(batch)))
    ledger, reference = StockLedger(), StockLedger()
    ids: list[str] = []
    reference_ids: list[str] = []
    _apply(ledger, before, ids, [0] * split)
    _apply(reference, before, reference_ids, [0] * split)
    expected = _observe(ledger)
    savepoint = ledger.savepoint()
    _apply(ledger, batch, list(ids), extras)
    ledger.rollback_to(savepoint)
    assert _observe(ledger) == expected
    # The batch's operation ids are forgotten and the expiry index is intact: doing
    # the batch again gives what a ledger that never saw it gives.
    _apply(ledger, batch, ids, extras)
    _apply(reference, batch, reference_ids, extras)
    assert _observe(ledger) == _observe(reference)


@given(operations=stock_operations(), data=st.data())
def test_released_savepoint_keeps_every_change(
    operations: list[StockOp], data: st.DataObject
) -> None:
    split = data.draw(st.integers(min_value=0, max_value=len(operations)))
    extras = data.draw(
        st.lists(st.integers(0, 4), min_size=len(operations), max_size=len(operations))
    )
    ledger, reference = StockLedger(), StockLedger()
    ids: list[str] = []
    _apply(ledger, operations[:split], ids, extras[:split])
    savepoint = ledger.savepoint()
    _apply(ledger, operations[split:], ids, extras[split:])
    ledger.release_savepoint(savepoint)
    _apply(reference, operations, [], extras)
    assert _observe(ledger) == _observe(reference)


@given(operations=stock_operations(max_size=20))
def test_store_rollback_undoes_the_unit_of_work(operations: list[StockOp]) -> None:
    store = InMemoryStockStore()
    store.receive("SKU-A", "WH-1", quantity=5, operation_id="first", at=AT)
    expected = (store.positions(), store.reservations(), store.movements())
    store.begin()
    run_stock_operations(store, operations, at=AT)
    store.rollback()
    assert (store.positions(), store.reservations(), store.movements()) == expected
    assert len(store.drain_events()) == 1
