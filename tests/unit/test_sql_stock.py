"""The SQL stock store's own behaviour beyond the shared contract (embedded SQLite)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

import sqlalchemy as sa

# The SQL stock store's own plumbing (this file tests it): its stale-plan signal and
# replay query.
from salesorder.adapters._sql_stock_tables import SEEN, Stale
from salesorder.adapters.sql import SqlDatabase, SqlStockStore
from salesorder.errors import ConcurrencyConflict, InsufficientStock, NotFound, RuleViolation
from salesorder.inventory import (
    ExcessStockDetected,
    InvalidQuantity,
    MovementKind,
    OperationConflict,
    ReservationLine,
    SafetyStockBreached,
    StockAdjusted,
    StockBackorderFilled,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def database() -> Iterator[SqlDatabase]:
    database = SqlDatabase(tenant_id=f"t-{uuid.uuid4().hex[:8]}")
    database.create_schema()
    yield database
    database.engine.dispose()


@pytest.fixture
def store(database: SqlDatabase) -> Iterator[SqlStockStore]:
    with database.unit_of_work() as uow:
        yield uow.stock
        uow.commit()


def _line(line_id: str, sku: str, quantity: int | str) -> ReservationLine:
    return ReservationLine(line_id, sku, Decimal(quantity))


class TestQuantities:
    def test_fractions_are_stored_exactly(self, store: SqlStockStore) -> None:
        position = store.receive("A", "W", quantity="0.1", operation_id="r1", at=AT)
        position = store.receive("A", "W", quantity="0.2", operation_id="r2", at=AT)
        assert position.on_hand == Decimal("0.3")
        assert str(store.position("A", "W").on_hand) == "0.3"

    def test_more_than_six_decimals_is_refused(self, store: SqlStockStore) -> None:
        with pytest.raises(InvalidQuantity):
            store.receive("A", "W", quantity="0.0000001", operation_id="r", at=AT)

    def test_zero_receipt_is_refused(self, store: SqlStockStore) -> None:
        with pytest.raises(InvalidQuantity):
            store.receive("A", "W", quantity=0, operation_id="r", at=AT)

    def test_empty_sku_is_refused(self, store: SqlStockStore) -> None:
        with pytest.raises(RuleViolation):
            store.receive("", "W", quantity=1, operation_id="r", at=AT)


class TestLevelsAndCounts:
    def test_levels_raise_alerts_like_the_ledger(self, store: SqlStockStore) -> None:
        store.set_levels("A", "W", safety_stock=3, max_level=8)
        store.set_levels("A", "W")
        store.receive("A", "W", quantity=10, operation_id="r", at=AT)
        assert any(isinstance(e, ExcessStockDetected) for e in store.drain_events())
        adjusted = store.adjust("A", "W", counted=2, reason="damage", operation_id="c", at=AT)
        assert adjusted.on_hand == 2
        kinds = {type(e) for e in store.drain_events()}
        assert kinds == {StockAdjusted, SafetyStockBreached}

    def test_count_of_an_unknown_position_creates_it(self, store: SqlStockStore) -> None:
        assert (
            store.adjust("N", "W", counted=4, reason="found", operation_id="c", at=AT).on_hand == 4
        )

    def test_count_that_changes_nothing_is_journalled(self, store: SqlStockStore) -> None:
        store.receive("A", "W", quantity=4, operation_id="r", at=AT)
        store.adjust("A", "W", counted=4, reason="count", operation_id="c", at=AT)
        assert store.movements()[-1].kind is MovementKind.ADJUSTED
        assert store.movements()[-1].on_hand_delta == 0

    def test_restock_is_idempotent(self, store: SqlStockStore) -> None:
        first = store.restock("A", "W", quantity=2, order_id="o", operation_id="ret", at=AT)
        assert store.restock("A", "W", quantity=2, order_id="o", operation_id="ret", at=AT) == first
        with pytest.raises(OperationConflict):
            store.restock("A", "W", quantity=3, order_id="o", operation_id="ret", at=AT)


class TestTransfers:
    def test_same_location_is_refused(self, store: SqlStockStore) -> None:
        store.receive("A", "W", quantity=4, operation_id="r", at=AT)
        with pytest.raises(RuleViolation):
            store.transfer("A", source="W", destination="W", quantity=1, operation_id="t", at=AT)

    def test_from_an_unknown_location_is_short(self, store: SqlStockStore) -> None:
        with pytest.raises(InsufficientStock):
            store.transfer("A", source="X", destination="W", quantity=1, operation_id="t", at=AT)
        assert store.positions() == ()

    def test_to_a_location_sorted_first_is_replayed(self, store: SqlStockStore) -> None:
        store.receive("A", "W2", quantity=4, operation_id="r", at=AT)
        moved = store.transfer(
            "A", source="W2", destination="W1", quantity=3, operation_id="t", at=AT
        )
        again = store.transfer(
            "A", source="W2", destination="W1", quantity=3, operation_id="t", at=AT
        )
        assert moved == again
        assert [p.on_hand for p in store.positions(sku="A")] == [3, 1]


class TestReservations:
    def test_invalid_requests_are_refused(self, store: SqlStockStore) -> None:
        store.receive("A", "W", quantity=4, operation_id="r", at=AT)
        with pytest.raises(RuleViolation):
            store.reserve("o", [], operation_id="x1", at=AT)
        with pytest.raises(RuleViolation):
            store.reserve("o", [_line("1", "A", 1), _line("1", "A", 1)], operation_id="x2", at=AT)

    def test_reused_reservation_id_is_refused_and_changes_nothing(
        self, store: SqlStockStore
    ) -> None:
        store.receive("A", "W", quantity=4, operation_id="r", at=AT)
        store.reserve("o", [_line("1", "A", 1)], operation_id="x1", at=AT, reservation_id="R")
        with pytest.raises(RuleViolation):
            store.reserve("o", [_line("1", "A", 1)], operation_id="x2", at=AT, reservation_id="R")
        assert store.position("A", "W").reserved == 1

    def test_partial_commit_at_a_location_and_per_line_release(self, store: SqlStockStore) -> None:
        store.receive("A", "W1", quantity=2, operation_id="r1", at=AT)
        store.receive("A", "W2", quantity=5, operation_id="r2", at=AT)
        store.reserve("o", [_line("1", "A", 4), _line("2", "A", 1)], operation_id="x", at=AT)
        shipped = store.commit("x", operation_id="s", at=AT, location="W1")
        assert shipped.line("1").committed == 2
        with pytest.raises(NotFound):
            store.release("x", operation_id="rel0", at=AT, lines={"9": 1})
        released = store.release("x", operation_id="rel", at=AT, lines={"2": 1})
        assert released.line("2").released == 1
        assert [o.reservation_id for o in store.reservations(order_id="o")] == ["x"]
        assert store.reservations(order_id="other") == ()

    def test_fill_without_backorder_changes_nothing(self, store: SqlStockStore) -> None:
        store.receive("A", "W", quantity=4, operation_id="r", at=AT)
        store.reserve(
            "o",
            [_line("1", "A", 2), _line("2", "B", 1)],
            operation_id="x",
            at=AT,
            allow_backorder=True,
        )
        store.drain_events()
        filled = store.fill_backorders("x", operation_id="f", at=AT)
        assert filled.backordered == 1
        assert not any(isinstance(e, StockBackorderFilled) for e in store.drain_events())

    def test_expire_releases_backorders_and_replays(self, store: SqlStockStore) -> None:
        store.receive("A", "W", quantity=1, operation_id="r", at=AT)
        later = AT + timedelta(hours=1)
        store.reserve(
            "o",
            [_line("1", "A", 3)],
            operation_id="x",
            at=AT,
            allow_backorder=True,
            expires_at=later,
        )
        local = later.astimezone(timezone(timedelta(hours=8)))
        expired = store.expire(local, operation_id="e")
        assert [r.expired for r in expired] == [True]
        assert store.expire(local, operation_id="e") == expired
        assert store.position("A", "W").reserved == 0


class TestConcurrencyPlumbing:
    def test_a_plan_that_stays_stale_raises_a_concurrency_conflict(
        self, store: SqlStockStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store.receive("A", "W", quantity=4, operation_id="r", at=AT)

        def stale(*args: Any, **kwargs: Any) -> None:
            raise Stale

        monkeypatch.setattr(store, "_change", stale)
        with pytest.raises(ConcurrencyConflict):
            store.transfer("A", source="W", destination="V", quantity=1, operation_id="x", at=AT)

    def test_a_reservation_planned_on_stock_that_is_never_there_is_a_conflict(
        self, store: SqlStockStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store.receive("A", "W", quantity=4, operation_id="r", at=AT)
        store.reserve("o", [_line("1", "A", 4)], operation_id="all", at=AT)

        def stale_plan(demand: Any, *args: Any, **kwargs: Any) -> Any:
            return {sku: [("W", q)] for sku, q in demand.items()}

        monkeypatch.setattr(store, "_served", stale_plan)
        with pytest.raises(ConcurrencyConflict):
            store.reserve("o", [_line("1", "A", 1)], operation_id="x", at=AT)
        assert store.position("A", "W").reserved == 4
        assert [m.operation_id for m in store.movements()] == ["r", "all"]

    def test_a_deadlock_becomes_a_concurrency_conflict(
        self, store: SqlStockStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        class Deadlock(Exception):
            sqlstate = "40P01"

        def deadlock(*args: Any, **kwargs: Any) -> None:
            raise sa.exc.OperationalError("UPDATE", {}, Deadlock())

        monkeypatch.setattr(store, "_change", deadlock)
        with pytest.raises(ConcurrencyConflict):
            store.receive("A", "W", quantity=1, operation_id="r2", at=AT)

    def test_other_database_errors_propagate(
        self, store: SqlStockStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*args: Any, **kwargs: Any) -> None:
            raise sa.exc.OperationalError("UPDATE", {}, Exception("disk full"))

        monkeypatch.setattr(store, "_change", broken)
        with pytest.raises(sa.exc.OperationalError):
            store.receive("A", "W", quantity=1, operation_id="r2", at=AT)

    def test_same_operation_committed_before_is_replayed_by_its_record(
        self, database: SqlDatabase
    ) -> None:
        with database.unit_of_work() as uow:
            uow.stock.receive("A", "W", quantity=4, operation_id="r", at=AT)
            uow.commit()
        with database.unit_of_work() as uow:
            store = uow.stock
            replayed = store.receive("A", "W", quantity=4, operation_id="r", at=AT)
            assert replayed.on_hand == 4
            assert store.position("A", "W").on_hand == 4
            assert len(store.movements()) == 1
            assert len(store.drain_events()) == 1  # the first call's only

    def test_a_refused_replay_returns_the_recorded_result(self, store: SqlStockStore) -> None:
        store.receive("A", "W", quantity=2, operation_id="r", at=AT)
        first = store.reserve("o", [_line("1", "A", 2)], operation_id="x", at=AT)
        # The stock is gone now: doing it again would be refused, replaying is not.
        assert store.reserve("o", [_line("1", "A", 2)], operation_id="x", at=AT) == first
        assert store.position("A", "W").reserved == 2

    def test_a_busy_database_in_the_replay_check_is_a_concurrency_conflict(
        self, store: SqlStockStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store.receive("A", "W", quantity=2, operation_id="r", at=AT)
        real = store._connection.execute

        def locked(statement: Any, *args: Any, **kwargs: Any) -> Any:
            if statement is SEEN:
                raise sa.exc.OperationalError("SELECT", {}, Exception("database is locked"))
            return real(statement, *args, **kwargs)

        monkeypatch.setattr(store._connection, "execute", locked)
        with pytest.raises(ConcurrencyConflict) as raised:
            store.receive("A", "W", quantity=2, operation_id="r", at=AT)
        assert raised.value.code == "concurrency.conflict"

    def test_a_busy_database_when_setting_levels_is_a_concurrency_conflict(
        self, store: SqlStockStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def locked(*args: Any, **kwargs: Any) -> None:
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

        monkeypatch.setattr(store, "_ensure", locked)
        with pytest.raises(ConcurrencyConflict):
            store.set_levels("A", "W", safety_stock=1)

    def test_a_record_that_vanished_is_a_concurrency_conflict(
        self, store: SqlStockStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(store, "_record", lambda *args: False)
        with pytest.raises(ConcurrencyConflict):
            store.receive("A", "W", quantity=2, operation_id="r", at=AT)
        assert store.position("A", "W").on_hand == 0
