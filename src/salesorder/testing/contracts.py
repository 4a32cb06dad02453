"""Contract test suites for the ports: any adapter, ours or yours, must pass them.

Usage — subclass the suite in your test package and say how to make a fresh store::

    from salesorder.adapters.memory import InMemoryStockStore
    from salesorder.testing.contracts import StockStoreContract

    class TestMyStockStore(StockStoreContract):
        def make_store(self):
            return InMemoryStockStore()   # or your adapter, on an empty database

pytest collects the inherited ``test_*`` methods. ``make_store()`` is called once per
test and must return an empty store. Needs pytest (the ``test`` extra).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from salesorder.errors import InsufficientStock, NotFound, RuleViolation, SalesOrderError
from salesorder.inventory import (
    FewestShipments,
    LowStockDetected,
    OperationConflict,
    ReservationExpired,
    ReservationLine,
    StockReserved,
)
from salesorder.ports import StockStore

__all__ = ["StockStoreContract"]

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _line(line_id: str, sku: str, quantity: int | str) -> ReservationLine:
    return ReservationLine(line_id, sku, Decimal(quantity))


class StockStoreContract:
    """The behaviour every :class:`~salesorder.ports.StockStore` must show.

    Subclass it (name the subclass ``Test...``) and implement :meth:`make_store`.
    """

    def make_store(self) -> StockStore:
        """Return a new, empty store. Override in the subclass.

        Raises:
            NotImplementedError: always, in the base class.
        """
        raise NotImplementedError

    @pytest.fixture
    def store(self) -> StockStore:
        """A fresh store from :meth:`make_store`."""
        return self.make_store()

    def _stocked(self, store: StockStore, **quantities: int) -> StockStore:
        """Receive ``SKU_LOCATION=quantity`` pairs, e.g. ``A_WH1=5``."""
        for key, quantity in quantities.items():
            sku, location = key.split("_")
            store.receive(sku, location, quantity=quantity, operation_id=f"in-{key}", at=AT)
        store.drain_events()
        return store

    def _assert_consistent(self, store: StockStore) -> None:
        positions = {(p.sku, p.location): p for p in store.positions()}
        assert store.rebuild_on_hand() == {k: p.on_hand for k, p in positions.items()}
        assert store.rebuild_reserved() == {k: p.reserved for k, p in positions.items()}
        for p in positions.values():
            assert Decimal(0) <= p.reserved <= p.on_hand

    # ------------------------------------------------------------------ receive

    def test_receive_increases_on_hand(self, store: StockStore) -> None:
        position = store.receive("A", "WH1", quantity=5, operation_id="r1", at=AT)
        assert position.on_hand == 5
        assert store.position("A", "WH1").available == 5
        self._assert_consistent(store)

    def test_unknown_position_reads_as_zero(self, store: StockStore) -> None:
        assert store.position("nothing", "nowhere").on_hand == 0
        assert store.available("nothing") == 0

    # ------------------------------------------------------------------ reserve

    def test_reserve_takes_available_stock(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        reservation = store.reserve("o1", [_line("1", "A", 3)], operation_id="x", at=AT)
        assert reservation.allocated == 3
        assert store.position("A", "WH1").reserved == 3
        assert store.available("A") == 2
        self._assert_consistent(store)

    def test_reserve_beyond_available_is_refused_and_changes_nothing(
        self, store: StockStore
    ) -> None:
        self._stocked(store, A_WH1=5, B_WH1=5)
        before = store.positions()
        with pytest.raises(InsufficientStock) as raised:
            store.reserve("o1", [_line("1", "A", 2), _line("2", "B", 6)], operation_id="x", at=AT)
        assert [s.sku for s in raised.value.shortfalls] == ["B"]
        assert store.positions() == before
        assert store.drain_events() == []
        with pytest.raises(NotFound):
            store.reservation("x")

    def test_lines_of_one_sku_are_aggregated_before_the_check(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        with pytest.raises(InsufficientStock) as raised:
            store.reserve("o1", [_line("1", "A", 3), _line("2", "A", 3)], operation_id="x", at=AT)
        shortfall = raised.value.shortfalls[0]
        assert (shortfall.requested, shortfall.available) == (Decimal(6), Decimal(5))
        assert store.position("A", "WH1").reserved == 0

    def test_safety_stock_is_kept_back_unless_allowed(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.set_levels("A", "WH1", safety_stock=2)
        with pytest.raises(InsufficientStock):
            store.reserve("o1", [_line("1", "A", 4)], operation_id="x", at=AT)
        reservation = store.reserve(
            "o1", [_line("1", "A", 4)], operation_id="y", at=AT, allow_safety_stock=True
        )
        assert reservation.allocated == 4

    def test_backorder_records_what_cannot_be_served(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=2)
        reservation = store.reserve(
            "o1", [_line("1", "A", 5)], operation_id="x", at=AT, allow_backorder=True
        )
        assert (reservation.allocated, reservation.backordered) == (Decimal(2), Decimal(3))
        assert store.position("A", "WH1").reserved == 2
        store.receive("A", "WH1", quantity=10, operation_id="r2", at=AT)
        filled = store.fill_backorders("x", operation_id="f", at=AT)
        assert (filled.allocated, filled.backordered) == (Decimal(5), Decimal(0))
        self._assert_consistent(store)

    def test_strategy_chooses_the_locations(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5, B_WH1=1, A_WH2=5, B_WH2=5)
        reservation = store.reserve(
            "o1",
            [_line("1", "A", 2), _line("2", "B", 2)],
            operation_id="x",
            at=AT,
            strategy=FewestShipments(),
        )
        assert {a.location for a in reservation.allocations} == {"WH2"}

    def test_reserve_reports_a_stock_reserved_event(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.set_levels("A", "WH1", reorder_point=2)
        store.reserve("o1", [_line("1", "A", 4)], operation_id="x", at=AT)
        events = store.drain_events()
        assert {type(e) for e in events} == {StockReserved, LowStockDetected}
        assert store.drain_events() == []

    # ------------------------------------------------------------------ idempotency

    def test_repeated_operation_returns_first_result_and_changes_nothing(
        self, store: StockStore
    ) -> None:
        self._stocked(store, A_WH1=5)
        first = store.reserve("o1", [_line("1", "A", 3)], operation_id="x", at=AT)
        journal = store.movements()
        again = store.reserve("o1", [_line("1", "A", 3)], operation_id="x", at=AT)
        assert again == first
        assert store.position("A", "WH1").reserved == 3
        assert store.movements() == journal

    def test_operation_id_reused_for_other_arguments_is_refused(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.reserve("o1", [_line("1", "A", 3)], operation_id="x", at=AT)
        with pytest.raises(OperationConflict):
            store.reserve("o1", [_line("1", "A", 2)], operation_id="x", at=AT)
        with pytest.raises(OperationConflict):
            store.receive("A", "WH1", quantity=1, operation_id="x", at=AT)

    # ------------------------------------------------------------------ release / commit

    def test_release_gives_stock_back(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.reserve("o1", [_line("1", "A", 3)], operation_id="x", at=AT)
        partly = store.release("x", operation_id="rel1", at=AT, lines={"1": 1})
        assert partly.allocated == 2
        store.release("x", operation_id="rel2", at=AT)
        assert store.position("A", "WH1").reserved == 0
        assert not store.reservation("x").is_open
        self._assert_consistent(store)

    def test_releasing_more_than_reserved_is_refused(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.reserve("o1", [_line("1", "A", 3)], operation_id="x", at=AT)
        with pytest.raises(RuleViolation):
            store.release("x", operation_id="rel", at=AT, lines={"1": 4})
        assert store.position("A", "WH1").reserved == 3

    def test_commit_lowers_on_hand_and_reserved(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.reserve("o1", [_line("1", "A", 3)], operation_id="x", at=AT)
        shipped = store.commit("x", operation_id="ship", at=AT)
        position = store.position("A", "WH1")
        assert (position.on_hand, position.reserved) == (Decimal(2), Decimal(0))
        assert shipped.lines[0].committed == 3
        self._assert_consistent(store)

    def test_unknown_reservation_is_not_found(self, store: StockStore) -> None:
        with pytest.raises(NotFound):
            store.release("missing", operation_id="rel", at=AT)

    # ------------------------------------------------------------------ other movements

    def test_restock_adjust_and_transfer_move_on_hand(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.restock("A", "WH1", quantity=2, order_id="o1", operation_id="ret", at=AT)
        store.adjust("A", "WH1", counted=6, reason="count", operation_id="cnt", at=AT)
        source, destination = store.transfer(
            "A", source="WH1", destination="WH2", quantity=4, operation_id="tr", at=AT
        )
        assert (source.on_hand, destination.on_hand) == (Decimal(2), Decimal(4))
        self._assert_consistent(store)

    def test_transfer_cannot_move_reserved_stock(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.reserve("o1", [_line("1", "A", 4)], operation_id="x", at=AT)
        with pytest.raises(InsufficientStock):
            store.transfer(
                "A", source="WH1", destination="WH2", quantity=2, operation_id="tr", at=AT
            )

    def test_count_below_reserved_is_refused(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.reserve("o1", [_line("1", "A", 4)], operation_id="x", at=AT)
        with pytest.raises(RuleViolation):
            store.adjust("A", "WH1", counted=3, reason="count", operation_id="cnt", at=AT)
        assert store.position("A", "WH1").on_hand == 5

    # ------------------------------------------------------------------ expiry

    def test_expire_releases_reservations_past_their_expiry(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=5)
        store.reserve(
            "o1", [_line("1", "A", 3)], operation_id="x", at=AT, expires_at=AT + timedelta(hours=1)
        )
        assert store.expire(AT + timedelta(minutes=59)) == ()
        expired = store.expire(AT + timedelta(hours=1))
        assert [r.reservation_id for r in expired] == ["x"]
        assert store.position("A", "WH1").reserved == 0
        assert any(isinstance(e, ReservationExpired) for e in store.drain_events())
        self._assert_consistent(store)

    # ------------------------------------------------------------------ concurrency

    def test_concurrent_reservations_never_oversell(self, store: StockStore) -> None:
        self._stocked(store, A_WH1=50, A_WH2=50)
        granted: list[Decimal] = []
        guard = threading.Lock()

        def worker(worker_id: int) -> None:
            for n in range(40):
                try:
                    reservation = store.reserve(
                        f"o{worker_id}",
                        [_line("1", "A", 3)],
                        operation_id=f"w{worker_id}-{n}",
                        at=AT,
                    )
                except SalesOrderError:
                    continue
                with guard:
                    granted.append(reservation.allocated)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (
            sum(granted)
            == store.position("A", "WH1").reserved + store.position("A", "WH2").reserved
        )
        assert sum(granted) <= 100
        assert len(granted) == 100 // 3
        self._assert_consistent(store)


# The order, outbox and unit-of-work suites live in their own modules; this is their
# public home.
from salesorder.testing._capability_contracts import (  # noqa: E402
    NumberingInUnitOfWorkContract,
    OrderBatchesContract,
    StockAvailabilityContract,
)
from salesorder.testing._numbering_contracts import InvoiceNumberingContract  # noqa: E402
from salesorder.testing._order_contracts import (  # noqa: E402
    ContractEventRecorded,
    OrderRepositoryContract,
    OutboxContract,
    sample_event,
    sample_order,
    sample_snapshot,
)
from salesorder.testing._uow_contracts import UnitOfWorkContract, UnitOfWorkFactory  # noqa: E402

__all__ += [
    "ContractEventRecorded",
    "InvoiceNumberingContract",
    "NumberingInUnitOfWorkContract",
    "OrderBatchesContract",
    "OrderRepositoryContract",
    "OutboxContract",
    "StockAvailabilityContract",
    "UnitOfWorkContract",
    "UnitOfWorkFactory",
    "sample_event",
    "sample_order",
    "sample_snapshot",
]
