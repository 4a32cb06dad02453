"""The public stock strategies drive any store; random sequences keep the invariants."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salesorder.adapters.memory import InMemoryStockStore
from salesorder.inventory import StockLedger, StockPosition
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
