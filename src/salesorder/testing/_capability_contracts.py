"""Contract suites of the optional capabilities (re-exported by ``contracts``).

An adapter may offer more than its port asks, and the service then takes the faster
path: ``OrderBatches`` (a batch of new orders at once, for ``enter_many``),
``StockAvailability`` (the availability of many SKUs at once, for the stock rule) and
``NumberingInUnitOfWork`` (an entry's number drawn in the order's own transaction).
The suites below hold an adapter that offers one to what the capability promises in
``salesorder.ports``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.inventory import ReservationLine
from salesorder.order import Order
from salesorder.ports import NumberingInUnitOfWork, OrderBatches, OrderNumbering, StockAvailability
from salesorder.testing._order_contracts import sample_order
from salesorder.testing._uow_contracts import UnitOfWorkFactory

__all__ = [
    "NumberingInUnitOfWorkContract",
    "OrderBatchesContract",
    "StockAvailabilityContract",
]

_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _numbered(prefix: str, count: int) -> list[Order]:
    return [sample_order(number=f"{prefix}-{k}") for k in range(count)]


class OrderBatchesContract:
    """The behaviour of an order repository offering `salesorder.ports.OrderBatches`.

    Subclass it and return a callable opening units of work over one fresh, empty
    database, whose ``orders`` offer ``add_many``::

        class TestMyOrderBatches(OrderBatchesContract):
            def make_unit_of_work_factory(self):
                return MyDatabase(url_for_tests()).unit_of_work

    A refused batch may leave part of itself in the unit of work (the port asks the
    caller to roll back then): the suite checks that nothing of it survives the
    rollback, not what the unit of work holds before.
    """

    def make_unit_of_work_factory(self) -> UnitOfWorkFactory:
        """Return a callable opening units of work over one fresh database (override)."""
        raise NotImplementedError  # pragma: no cover

    @pytest.fixture
    def opens(self) -> UnitOfWorkFactory:
        """A fresh database's unit of work factory."""
        return self.make_unit_of_work_factory()

    @staticmethod
    def _stored(opens: UnitOfWorkFactory) -> dict[str, Order]:
        with opens() as uow:
            return {order.id: order for order in uow.orders.find()}

    def _refused(self, opens: UnitOfWorkFactory, batch: list[Order]) -> None:
        """``add_many(batch)`` raises ConcurrencyConflict; the unit of work is left uncommitted."""
        with opens() as uow, pytest.raises(ConcurrencyConflict):
            uow.orders.add_many(batch)

    def test_the_repository_offers_order_batches(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            assert isinstance(uow.orders, OrderBatches)

    def test_a_batch_is_stored_as_add_stores_each_order(self, opens: UnitOfWorkFactory) -> None:
        batch = _numbered("B", 3)
        with opens() as uow:
            uow.orders.add_many(batch)
            assert [order.version for order in batch] == [1, 1, 1]
            uow.commit()
        stored = self._stored(opens)
        assert set(stored) == {order.id for order in batch}
        for order in batch:
            assert stored[order.id] == order
            assert stored[order.id].version == 1
        with opens() as uow:
            assert uow.orders.find_by_number("B-1").id == batch[1].id

    def test_an_empty_batch_writes_nothing(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            uow.orders.add_many([])
            uow.commit()
        assert self._stored(opens) == {}

    def test_a_batch_rolled_back_leaves_nothing(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            uow.orders.add_many(_numbered("R", 2))
        assert self._stored(opens) == {}

    def test_a_taken_id_refuses_the_batch(self, opens: UnitOfWorkFactory) -> None:
        first = sample_order(number="T-1")
        with opens() as uow:
            uow.orders.add(first)
            uow.commit()
        fresh = sample_order(number="T-2")
        self._refused(opens, [fresh, attrs.evolve(first, number="T-3", version=0)])
        stored = self._stored(opens)
        assert set(stored) == {first.id}
        assert stored[first.id].number == "T-1"
        assert stored[first.id].version == 1

    def test_a_taken_number_refuses_the_batch(self, opens: UnitOfWorkFactory) -> None:
        first = sample_order(number="N-1")
        with opens() as uow:
            uow.orders.add(first)
            uow.commit()
        self._refused(opens, [sample_order(number="N-2"), sample_order(number="N-1")])
        assert set(self._stored(opens)) == {first.id}

    def test_a_number_twice_in_one_batch_refuses_it(self, opens: UnitOfWorkFactory) -> None:
        self._refused(opens, [sample_order(number="D-1"), sample_order(number="D-1")])
        assert self._stored(opens) == {}

    def test_an_id_twice_in_one_batch_refuses_it(self, opens: UnitOfWorkFactory) -> None:
        order = sample_order(number="I-1")
        self._refused(opens, [order, attrs.evolve(order, number="I-2")])
        assert self._stored(opens) == {}
        with opens() as uow, pytest.raises(NotFound):
            uow.orders.get(order.id)


class StockAvailabilityContract:
    """The behaviour of a stock store offering `salesorder.ports.StockAvailability`.

    Subclass it and say how to make a fresh, empty store (one that can also receive,
    set levels and reserve, as the ``StockStoreContract`` asks)::

        class TestMyStockAvailability(StockAvailabilityContract):
            def make_store(self):
                return MyStockStore(database)
    """

    def make_store(self) -> Any:
        """A new, empty stock store (override)."""
        raise NotImplementedError  # pragma: no cover

    @pytest.fixture
    def store(self) -> Any:
        """A fresh store from :meth:`make_store`."""
        return self.make_store()

    @staticmethod
    def _stocked(store: Any) -> Any:
        """Two SKUs over two locations, safety stock on one, part of one reserved."""
        store.receive("A", "WH1", quantity=10, operation_id="in-1", at=_AT)
        store.receive("A", "WH2", quantity=5, operation_id="in-2", at=_AT)
        store.receive("B", "WH1", quantity=Decimal("2.5"), operation_id="in-3", at=_AT)
        store.set_levels("A", "WH2", safety_stock=2)
        store.set_levels("B", "WH1", safety_stock=4)  # more than on hand: nothing free
        store.reserve("o1", [ReservationLine("1", "A", Decimal(4))], operation_id="res-1", at=_AT)
        store.drain_events()
        return store

    def test_the_store_offers_stock_availability(self, store: Any) -> None:
        assert isinstance(store, StockAvailability)

    @pytest.mark.parametrize("allow_safety_stock", [False, True])
    def test_each_sku_is_what_available_answers(self, store: Any, allow_safety_stock: bool) -> None:
        self._stocked(store)
        skus = ["A", "B", "NEVER-SEEN"]
        many = store.available_many(skus, allow_safety_stock=allow_safety_stock)
        assert dict(many) == {
            sku: store.available(sku, allow_safety_stock=allow_safety_stock) for sku in skus
        }

    def test_the_default_keeps_safety_stock_back(self, store: Any) -> None:
        self._stocked(store)
        assert dict(store.available_many(["A", "B"])) == {
            "A": store.available("A"),
            "B": store.available("B"),
        }
        assert (
            store.available_many(["A"])["A"]
            < store.available_many(["A"], allow_safety_stock=True)["A"]
        )

    def test_an_unknown_sku_has_nothing_available(self, store: Any) -> None:
        assert dict(store.available_many(["X"])) == {"X": Decimal(0)}

    def test_a_sku_asked_twice_is_answered_once(self, store: Any) -> None:
        self._stocked(store)
        many = store.available_many(iter(["A", "A", "B"]))
        assert sorted(many) == ["A", "B"]
        assert many["A"] == store.available("A")

    def test_no_sku_is_an_empty_answer(self, store: Any) -> None:
        assert dict(store.available_many([])) == {}


class NumberingInUnitOfWorkContract:
    """The behaviour of an order numbering offering `salesorder.ports.NumberingInUnitOfWork`.

    Subclass it; return the numbering and a callable opening units of work of the
    database it draws through (both over one fresh database)::

        class TestMyNumbering(NumberingInUnitOfWorkContract):
            def make_numbering_and_units(self):
                database = MyDatabase(url_for_tests())
                return MyNumbering(database), database.unit_of_work

    Override :meth:`make_foreign_unit_of_work_factory` to check that a unit of work of
    another database is answered None (the service then draws with ``next_number``).
    """

    def make_numbering_and_units(self) -> tuple[OrderNumbering, UnitOfWorkFactory]:
        """The numbering and its database's unit of work factory (override)."""
        raise NotImplementedError  # pragma: no cover

    def make_foreign_unit_of_work_factory(self) -> UnitOfWorkFactory | None:
        """Units of work of a database the numbering cannot draw through, or None."""
        return None

    @staticmethod
    def _drawn(numbering: Any, opens: UnitOfWorkFactory, count: int, *, commit: bool) -> list[str]:
        with opens() as uow:
            numbers = numbering.next_numbers_in(uow, at=_AT, count=count)
            assert numbers is not None, "its own database's unit of work was refused"
            if commit:
                uow.commit()
        return list(numbers)

    def test_it_is_a_numbering_in_unit_of_work(self) -> None:
        numbering, _ = self.make_numbering_and_units()
        assert isinstance(numbering, OrderNumbering)
        assert isinstance(numbering, NumberingInUnitOfWork)

    @pytest.mark.parametrize("count", [1, 3, 25])
    def test_count_unique_numbers_are_drawn(self, count: int) -> None:
        numbering, opens = self.make_numbering_and_units()
        numbers = self._drawn(numbering, opens, count, commit=True)
        assert len(numbers) == count
        assert len(set(numbers)) == count
        assert all(isinstance(number, str) and 0 < len(number) <= 64 for number in numbers)

    def test_the_two_ways_of_drawing_never_collide(self) -> None:
        numbering, opens = self.make_numbering_and_units()
        seen: list[str] = []
        for turn in range(4):
            seen += self._drawn(numbering, opens, turn + 1, commit=True)
            seen.append(numbering.next_number(at=_AT))
        assert len(set(seen)) == len(seen) == 14

    def test_a_rolled_back_draw_never_doubles_a_committed_number(self) -> None:
        numbering, opens = self.make_numbering_and_units()
        committed = self._drawn(numbering, opens, 2, commit=True)
        self._drawn(numbering, opens, 3, commit=False)  # issued again, or a gap
        committed += self._drawn(numbering, opens, 3, commit=True)
        committed.append(numbering.next_number(at=_AT))
        assert len(set(committed)) == len(committed) == 6

    def test_each_period_has_its_series(self) -> None:
        numbering: Any
        numbering, opens = self.make_numbering_and_units()
        numbers: list[str] = []
        for moment in (_AT, _AT.replace(month=4)):
            with opens() as uow:
                drawn = numbering.next_numbers_in(uow, at=moment, count=2)
                assert drawn is not None
                numbers += drawn
                uow.commit()
        assert len(set(numbers)) == 4

    def test_another_databases_unit_of_work_is_answered_none(self) -> None:
        foreign = self.make_foreign_unit_of_work_factory()
        if foreign is None:
            pytest.skip("no foreign unit of work given (make_foreign_unit_of_work_factory)")
        numbering: Any
        numbering, _ = self.make_numbering_and_units()
        with foreign() as uow:
            assert numbering.next_numbers_in(uow, at=_AT, count=1) is None
