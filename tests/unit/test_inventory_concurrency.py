"""Many threads reserving and releasing hot SKUs through the in-memory store never oversell."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from salesorder.adapters.memory import InMemoryStockStore
from salesorder.errors import InsufficientStock
from salesorder.inventory import ReservationLine

AT = datetime(2026, 1, 5, tzinfo=UTC)
SKUS = ("HOT-1", "HOT-2", "HOT-3")
LOCATIONS = ("WH1", "WH2")
THREADS = 8
OPERATIONS = 2_000
STOCK = 60


@pytest.fixture
def frequent_switching() -> Iterator[None]:
    # Switch threads as often as possible so unguarded read-modify-writes would interleave.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


class TestConcurrentReservations:
    @pytest.mark.usefixtures("frequent_switching")
    def test_eight_threads_never_oversell_and_conserve_totals(self) -> None:
        store = InMemoryStockStore()
        for sku in SKUS:
            for location in LOCATIONS:
                store.set_levels(sku, location, safety_stock=2)
                store.receive(
                    sku, location, quantity=STOCK, operation_id=f"in-{sku}-{location}", at=AT
                )
        held: list[list[str]] = [[] for _ in range(THREADS)]
        refused = [0] * THREADS
        violations: list[str] = []

        errors: list[BaseException] = []

        def worker(worker_id: int) -> None:
            try:
                work(worker_id)
            except BaseException as error:  # a crashed thread must fail the test
                errors.append(error)

        def work(worker_id: int) -> None:
            rng = random.Random(worker_id)
            mine = held[worker_id]
            for n in range(OPERATIONS):
                if mine and rng.random() < 0.45:
                    rid = mine.pop(rng.randrange(len(mine)))
                    store.release(rid, operation_id=f"rel-{worker_id}-{n}", at=AT)
                    continue
                lines = [
                    ReservationLine(str(i), rng.choice(SKUS), Decimal(rng.randint(1, 6)))
                    for i in range(rng.randint(1, 3))
                ]
                try:
                    reservation = store.reserve(
                        f"order-{worker_id}-{n}", lines, operation_id=f"res-{worker_id}-{n}", at=AT
                    )
                except InsufficientStock:
                    refused[worker_id] += 1
                else:
                    mine.append(reservation.reservation_id)
                position = store.position(rng.choice(SKUS), rng.choice(LOCATIONS))
                if position.reserved > position.on_hand - position.safety_stock:
                    violations.append(f"{position}")

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert violations == []
        assert sum(refused) > 0  # the SKUs were really contended
        open_ids = {rid for mine in held for rid in mine}
        open_allocations: dict[tuple[str, str], Decimal] = {}
        for reservation in store.reservations():
            assert reservation.is_open == (reservation.reservation_id in open_ids)
            for a in reservation.allocations:
                key = (a.sku, a.location)
                open_allocations[key] = open_allocations.get(key, Decimal(0)) + a.quantity
        for position in store.positions():
            assert position.on_hand == STOCK  # nothing shipped: on hand is conserved
            assert position.reserved <= position.on_hand - position.safety_stock
            assert position.reserved == open_allocations.get(
                (position.sku, position.location), Decimal(0)
            )
        assert store.rebuild_reserved() == {
            (p.sku, p.location): p.reserved for p in store.positions()
        }
