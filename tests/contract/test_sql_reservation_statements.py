"""Reservations without a savepoint: what the round trips saved must not cost.

On PostgreSQL, ``SqlStockStore.reserve`` plans on locked rows and writes the whole
reservation (positions, reservation row, record, journal, event) in one statement;
on SQLite it writes one statement per table. Neither uses a savepoint: a refusal is
undone by the store itself, and SKUs stocked at one location are reserved without
the planning read (the location memo). These tests pin the statements, the memo, the
undo, and the cases the shared contract cannot reach from one connection: a
concurrent call with the same operation id, a deadlock, a unit of work whose
transaction the server aborted, and a write that fails half-way.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

import sqlalchemy as sa

from salesorder.adapters.sql import SqlDatabase
from salesorder.errors import ConcurrencyConflict, InsufficientStock, RuleViolation
from salesorder.inventory import (
    FixedPriority,
    LowStockDetected,
    MovementKind,
    OperationConflict,
    ReservationLine,
    StockReserved,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _stocked(database: SqlDatabase) -> SqlDatabase:
    database.create_schema()
    with database.unit_of_work() as uow:
        for sku, location in (("A", "W1"), ("A", "W2"), ("B", "W1")):
            operation = f"in-{sku}-{location}"
            uow.stock.receive(sku, location, quantity=10, operation_id=operation, at=AT)
        uow.commit()
    return database


@pytest.fixture
def postgres(postgres_database_url: str) -> Iterator[SqlDatabase]:
    database = SqlDatabase(postgres_database_url, tenant_id=f"t-{uuid.uuid4().hex[:12]}")
    yield _stocked(database)
    database.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlDatabase]:
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres")
        return
    database = SqlDatabase(f"sqlite:///{tmp_path / 'stock.db'}", tenant_id="t")
    yield _stocked(database)
    database.engine.dispose()


def _is_sqlite(database: SqlDatabase) -> bool:
    return database.engine.dialect.name == "sqlite"


def _line(line_id: str, sku: str, quantity: int) -> ReservationLine:
    return ReservationLine(line_id, sku, Decimal(quantity))


def _reserved(database: SqlDatabase) -> dict[tuple[str, str], Decimal]:
    with database.unit_of_work() as uow:
        return {(p.sku, p.location): p.reserved for p in uow.stock.positions()}


class _Statements:
    """The first word of every statement the engine runs while open."""

    def __init__(self, database: SqlDatabase) -> None:
        self.engine = database.engine
        self.seen: list[str] = []

    def _record(self, _c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement.split(maxsplit=1)[0].upper())

    def __enter__(self) -> list[str]:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self.seen

    def __exit__(self, *_exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def _reserve(
    database: SqlDatabase, operation: str, lines: list[ReservationLine], **how: Any
) -> Any:
    with database.unit_of_work() as uow:
        reservation = uow.stock.reserve("o", lines, operation_id=operation, at=AT, **how)
        uow.commit()
    return reservation


class TestStatements:
    def test_a_reservation_is_a_plan_and_its_writes_without_a_savepoint(
        self, database: SqlDatabase
    ) -> None:
        with _Statements(database) as seen:
            _reserve(database, "r1", [_line("1", "A", 12), _line("2", "B", 1)])
        if _is_sqlite(database):
            # The record, three positions, the reservation, the journal, the event.
            assert seen == ["BEGIN", "SELECT", "INSERT", *["UPDATE"] * 3, *["INSERT"] * 3]
        else:
            # The plan's SELECT ... FOR UPDATE and one WITH.
            assert seen == ["SELECT", "WITH"]
        assert _reserved(database) == {
            ("A", "W1"): Decimal(10),
            ("A", "W2"): Decimal(2),
            ("B", "W1"): Decimal(1),
        }

    def test_journal_event_and_alert_are_written_in_order(self, database: SqlDatabase) -> None:
        with database.unit_of_work() as uow:
            uow.stock.set_levels("B", "W1", reorder_point=5)
            uow.stock.drain_events()
            reservation = uow.stock.reserve(
                "o1", [_line("1", "B", 6)], operation_id="r1", at=AT, actor="clerk"
            )
            events = uow.stock.drain_events()
            moves = [m for m in uow.stock.movements() if m.operation_id == "r1"]
            uow.commit()
        assert [type(e) for e in events] == [StockReserved, LowStockDetected]
        assert events[1].free == Decimal(4)
        assert [(m.kind, m.sku, m.reserved_delta, m.actor) for m in moves] == [
            (MovementKind.RESERVED, "B", Decimal(6), "clerk")
        ]
        assert [a.quantity for a in reservation.lines[0].allocations] == [Decimal(6)]


# A one-line reservation on SQLite without its plan: BEGIN, the record, the
# position, the reservation, the journal, the event.
_WRITE_SQLITE = ["BEGIN", "INSERT", "UPDATE", "INSERT", "INSERT", "INSERT"]


class TestLocationMemo:
    """SKUs at one location are reserved without the planning read (one statement)."""

    def test_a_known_single_location_sku_needs_no_plan(self, database: SqlDatabase) -> None:
        _reserve(database, "r1", [_line("1", "B", 1)])  # planned: now B is known
        with _Statements(database) as seen:
            reservation = _reserve(database, "r2", [_line("1", "B", 2)])
        assert seen == (_WRITE_SQLITE if _is_sqlite(database) else ["WITH"])
        assert [(a.location, a.quantity) for a in reservation.lines[0].allocations] == [
            ("W1", Decimal(2))
        ]
        assert _reserved(database)[("B", "W1")] == Decimal(3)

    def test_a_new_location_sorted_first_is_served_first_as_planned(
        self, database: SqlDatabase
    ) -> None:
        _reserve(database, "r1", [_line("1", "B", 1)])
        with database.unit_of_work() as uow:
            uow.stock.receive("B", "W0", quantity=5, operation_id="in-B-W0", at=AT)
            uow.commit()
        with _Statements(database) as seen:
            reservation = _reserve(database, "r2", [_line("1", "B", 2)])
        # The memo's write refused (W1 is no longer B's only position): re-planned.
        if _is_sqlite(database):
            # Nothing taken, so only the record is undone (DELETE) before the plan.
            assert seen == ["BEGIN", "INSERT", "UPDATE", "DELETE", "SELECT", *_WRITE_SQLITE[1:]]
        else:
            assert seen == ["WITH", "SELECT", "WITH"]
        assert [a.location for a in reservation.lines[0].allocations] == ["W0"]
        assert _reserved(database)[("B", "W1")] == Decimal(1)

    def test_short_stock_at_the_known_location_is_planned_and_refused(
        self, database: SqlDatabase
    ) -> None:
        _reserve(database, "r1", [_line("1", "B", 1)])
        with pytest.raises(InsufficientStock):
            _reserve(database, "r2", [_line("1", "B", 10)])
        backordered = _reserve(database, "r3", [_line("1", "B", 10)], allow_backorder=True)
        assert backordered.lines[0].backordered == Decimal(1)
        assert _reserved(database)[("B", "W1")] == Decimal(10)

    def test_a_refusal_after_some_positions_gives_them_back(self, database: SqlDatabase) -> None:
        with database.unit_of_work() as uow:
            uow.stock.receive("C", "W1", quantity=1, operation_id="in-C-W1", at=AT)
            uow.commit()
        _reserve(database, "r1", [_line("1", "B", 1), _line("2", "C", 1)])  # both known now
        with database.unit_of_work() as uow:
            uow.stock.receive("C", "W1", quantity=1, operation_id="in-C-W1-2", at=AT)
            with pytest.raises(InsufficientStock):
                # B is taken first (key order), then C is short: B must come back.
                uow.stock.reserve(
                    "o", [_line("1", "B", 2), _line("2", "C", 5)], operation_id="r2", at=AT
                )
            uow.stock.reserve("o", [_line("1", "C", 1)], operation_id="r3", at=AT)
            uow.commit()
        reserved = _reserved(database)
        assert (reserved[("B", "W1")], reserved[("C", "W1")]) == (Decimal(1), Decimal(2))
        with database.unit_of_work() as uow:
            assert "r2" not in {m.operation_id for m in uow.stock.movements()}
            assert {r.reservation_id for r in uow.stock.reservations()} == {"r1", "r3"}

    def test_a_chosen_strategy_is_always_planned(self, database: SqlDatabase) -> None:
        _reserve(database, "r1", [_line("1", "B", 1)])
        with _Statements(database) as seen:
            _reserve(database, "r2", [_line("1", "B", 1)], strategy=FixedPriority(("W1",)))
        if _is_sqlite(database):
            assert seen == ["BEGIN", "SELECT", *_WRITE_SQLITE[1:]]
        else:
            assert seen == ["SELECT", "WITH"]


def _many_skus(database: SqlDatabase, count: int = 300) -> list[ReservationLine]:
    """Stock ``count`` SKUs (2 each at W); one line of 1 of each: too many for one statement."""
    with database.unit_of_work() as uow:
        for n in range(count):
            uow.stock.receive(f"S{n:03}", "W", quantity=2, operation_id=f"in{n}", at=AT)
        uow.commit()
    return [_line(str(n), f"S{n:03}", 1) for n in range(count)]


class TestLargeReservations:
    def test_more_lines_than_one_statement_carries_go_statement_by_statement(
        self, database: SqlDatabase
    ) -> None:
        wanted = _many_skus(database)
        lines = len(wanted)
        with database.unit_of_work() as uow:
            reservation = uow.stock.reserve("big", wanted, operation_id="big", at=AT)
            assert uow.stock.reserve("big", wanted, operation_id="big", at=AT) == reservation
            released = uow.stock.release("big", operation_id="rel", at=AT)
            uow.commit()
        assert len(reservation.lines) == len(released.lines) == lines
        with database.unit_of_work() as uow:
            kinds = [m.kind for m in uow.stock.movements() if m.sku.startswith("S")]
            assert all(p.reserved == 0 for p in uow.stock.positions() if p.sku.startswith("S"))
        assert kinds.count(MovementKind.RESERVED) == kinds.count(MovementKind.RELEASED) == lines

    def test_a_large_reservation_is_planned_even_when_its_skus_are_remembered(
        self, database: SqlDatabase
    ) -> None:
        wanted = _many_skus(database)
        _reserve(database, "first", wanted)  # every SKU is remembered at W now
        with database.unit_of_work() as uow:
            uow.stock.receive("S000", "V", quantity=1, operation_id="in-V", at=AT)
            uow.commit()
        second = _reserve(database, "second", wanted)
        # FixedPriority serves S000 from V (sorted first), not from the remembered W.
        assert [a.location for a in second.lines[0].allocations] == ["V"]
        assert _reserved(database)[("S000", "W")] == Decimal(1)

    def test_a_large_reservation_refused_on_its_record_or_its_stock_changes_nothing(
        self, database: SqlDatabase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        wanted = _many_skus(database)
        with database.unit_of_work() as uow:
            first = uow.stock.reserve("big", wanted, operation_id="big", at=AT)
            # The same operation id for another reservation: refused at its record.
            with pytest.raises(OperationConflict):
                uow.stock.reserve("big", wanted, operation_id="big", reservation_id="b2", at=AT)
            # A plan that never matches the rows: re-planned until it gives up.
            monkeypatch.setattr(
                uow.stock,
                "_served",
                lambda demand, *a, **k: {s: [("V", q)] for s, q in demand.items()},
            )
            with pytest.raises(ConcurrencyConflict):
                uow.stock.reserve("big", wanted, operation_id="big-3", at=AT)
            uow.commit()
        with database.unit_of_work() as uow:
            assert [r.reservation_id for r in uow.stock.reservations()] == [first.reservation_id]
            assert all(p.reserved == 1 for p in uow.stock.positions() if p.sku.startswith("S"))
            operations = {m.operation_id for m in uow.stock.movements()}
            assert "big" in operations
            assert "big-3" not in operations


class TestRefusalsUndoThemselves:
    def test_a_taken_reservation_id_changes_nothing_and_the_work_goes_on(
        self, database: SqlDatabase
    ) -> None:
        with database.unit_of_work() as uow:
            uow.stock.reserve("o1", [_line("1", "A", 1)], operation_id="r1", at=AT)
            with pytest.raises(RuleViolation) as refused:
                uow.stock.reserve(
                    "o2", [_line("1", "B", 2)], operation_id="r2", reservation_id="r1", at=AT
                )
            assert refused.value.code == "stock.reservation.duplicate"
            uow.stock.reserve("o3", [_line("1", "B", 3)], operation_id="r3", at=AT)
            uow.commit()
        assert _reserved(database)[("B", "W1")] == Decimal(3)
        with database.unit_of_work() as uow:
            assert [m.operation_id for m in uow.stock.movements()].count("r2") == 0
            assert {r.order_id for r in uow.stock.reservations()} == {"o1", "o3"}

    def test_a_replay_in_the_same_unit_of_work_reserves_once(self, database: SqlDatabase) -> None:
        with database.unit_of_work() as uow:
            first = uow.stock.reserve("o1", [_line("1", "A", 4)], operation_id="r1", at=AT)
            again = uow.stock.reserve("o1", [_line("1", "A", 4)], operation_id="r1", at=AT)
            uow.commit()
        assert again == first
        assert _reserved(database)[("A", "W1")] == Decimal(4)


def _race(postgres: SqlDatabase, second: dict[str, Any]) -> tuple[Any, Any]:
    """Reserve ``r1`` uncommitted, start ``second`` (it waits on the record), then commit.

    Returns the first call's result and the second call's result or error.
    """
    outcome: dict[str, Any] = {}
    started = threading.Event()

    def run() -> None:
        with postgres.unit_of_work() as uow:
            started.set()
            try:
                outcome["result"] = uow.stock.reserve(at=AT, **second)
                uow.commit()
            except Exception as error:  # handed to the test thread
                outcome["result"] = error

    with postgres.unit_of_work() as uow:
        first = uow.stock.reserve("o1", [_line("1", "A", 4)], operation_id="r1", at=AT)
        worker = threading.Thread(target=run)
        worker.start()
        started.wait()
        worker.join(timeout=0.5)  # it is now blocked on this transaction's record
        assert worker.is_alive()
        uow.commit()
    worker.join(timeout=30)
    assert not worker.is_alive()
    return first, outcome["result"]


class TestSameOperationAtOnce:
    def test_the_second_call_replays_the_first(self, postgres: SqlDatabase) -> None:
        first, second = _race(
            postgres,
            {"order_id": "o1", "lines": [_line("1", "A", 4)], "operation_id": "r1"},
        )
        assert second == first
        assert _reserved(postgres)[("A", "W1")] == Decimal(4)

    def test_a_different_request_under_the_same_id_is_refused_and_undone(
        self, postgres: SqlDatabase
    ) -> None:
        # Another SKU, so the second call is not held up by the first one's plan: it
        # writes B, then finds the operation id recorded and gives B back.
        _first, second = _race(
            postgres,
            {
                "order_id": "o1",
                "lines": [_line("1", "B", 5)],
                "operation_id": "r1",
                "reservation_id": "other",
            },
        )
        assert isinstance(second, OperationConflict)
        reserved = _reserved(postgres)
        assert (reserved[("A", "W1")], reserved[("B", "W1")]) == (Decimal(4), Decimal(0))
        with postgres.unit_of_work() as uow:
            assert [r.reservation_id for r in uow.stock.reservations()] == ["r1"]


class TestAbortedTransactions:
    def test_commit_after_a_database_error_is_refused_and_commits_nothing(
        self, postgres: SqlDatabase
    ) -> None:
        with postgres.unit_of_work() as uow:
            uow.stock.reserve("o1", [_line("1", "A", 1)], operation_id="r1", at=AT)
            with pytest.raises(sa.exc.DataError):
                uow.connection.exec_driver_sql("SELECT 1 / 0")
            with pytest.raises(ConcurrencyConflict) as refused:
                uow.commit()
        assert refused.value.code == "storage.transaction_aborted"
        assert _reserved(postgres)[("A", "W1")] == Decimal(0)

    def test_a_deadlock_in_a_reservation_is_a_conflict_and_its_unit_of_work_cannot_commit(
        self, postgres: SqlDatabase
    ) -> None:
        # Two units of work each hold one SKU and reach for the other's: PostgreSQL
        # aborts one of them. No savepoint protects that transaction, so its commit
        # must be refused, not turned into a silent rollback.
        barrier = threading.Barrier(2, timeout=30)
        results: dict[str, list[Any]] = {}

        def run(name: str, mine: str, theirs: str) -> None:
            results[name] = []
            with postgres.unit_of_work() as uow:
                uow.stock.reserve(name, [_line("1", mine, 1)], operation_id=f"{name}-1", at=AT)
                barrier.wait()
                try:
                    uow.stock.reserve(
                        name, [_line("1", theirs, 1)], operation_id=f"{name}-2", at=AT
                    )
                except ConcurrencyConflict as error:
                    results[name].append(error.code)
                try:
                    uow.commit()
                    results[name].append("committed")
                except ConcurrencyConflict as error:
                    results[name].append(error.code)

        threads = [
            threading.Thread(target=run, args=("x", "A", "B")),
            threading.Thread(target=run, args=("y", "B", "A")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(results.values()) == [
            ["committed"],
            ["concurrency.conflict", "storage.transaction_aborted"],
        ]
        loser = next(name for name, seen in results.items() if seen != ["committed"])
        with postgres.unit_of_work() as uow:
            assert {r.order_id for r in uow.stock.reservations()} == ({"x", "y"} - {loser})
        assert sum(_reserved(postgres).values()) == Decimal(2)


class TestInterruptedWrites:
    def test_a_write_failing_half_way_leaves_a_unit_of_work_that_cannot_commit(
        self, tmp_path: Path
    ) -> None:
        # SQLite keeps the statements before the failed one in the transaction (no
        # savepoint to roll back to): the unit of work must refuse to commit them.
        database = _stocked(SqlDatabase(f"sqlite:///{tmp_path / 'stock.db'}", tenant_id="t"))
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TRIGGER no_room BEFORE INSERT ON so_stock_events"
                " BEGIN SELECT RAISE(ABORT, 'no room'); END"
            )
        with database.unit_of_work() as uow:
            with pytest.raises(sa.exc.IntegrityError):
                uow.stock.reserve("o", [_line("1", "A", 1)], operation_id="r1", at=AT)
            with pytest.raises(ConcurrencyConflict) as refused:
                uow.commit()
        assert refused.value.code == "storage.transaction_aborted"
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER no_room")
        assert _reserved(database)[("A", "W1")] == Decimal(0)
        with database.unit_of_work() as uow:
            assert uow.stock.reservations() == ()
            assert "r1" not in {m.operation_id for m in uow.stock.movements()}
            # The refusal is not carried over to the next unit of work.
            uow.stock.reserve("o", [_line("1", "A", 1)], operation_id="r1", at=AT)
            uow.commit()
        assert _reserved(database)[("A", "W1")] == Decimal(1)
        database.engine.dispose()

    def test_any_error_half_way_leaves_a_unit_of_work_that_cannot_commit(
        self, database: SqlDatabase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(value: object) -> object:
            raise MemoryError

        with database.unit_of_work() as uow:
            # The event is encoded after the positions are taken on SQLite.
            monkeypatch.setattr("salesorder.adapters._sql_reserving.encode", broken)
            with pytest.raises(MemoryError):
                uow.stock.reserve("o", [_line("1", "A", 1)], operation_id="r1", at=AT)
            monkeypatch.undo()
            with pytest.raises(ConcurrencyConflict) as refused:
                uow.commit()
        assert refused.value.code == "storage.transaction_aborted"
        assert _reserved(database)[("A", "W1")] == Decimal(0)
        with database.unit_of_work() as uow:
            assert uow.stock.reservations() == ()
