"""Contract suite for units of work (re-exported by ``contracts``).

A unit of work is all or nothing over every part it exposes: orders, the outbox and
coupon redemptions always; idempotency keys and a stock store when it has them.
What :meth:`commit` kept stays; everything else is undone when the block is left —
normally or by an exception. Two units of work that both saved the same order
version cannot both commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import pytest

from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.testing._order_contracts import ContractEventRecorded, sample_order

__all__ = ["UnitOfWorkContract", "UnitOfWorkFactory"]

#: Opens a new unit of work (a context manager whose ``__enter__`` returns the unit).
UnitOfWorkFactory = Callable[[], AbstractContextManager[Any]]

_T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class _Boom(Exception):
    """Raised inside a unit of work by the tests."""


def _event(sequence: int) -> ContractEventRecorded:
    return ContractEventRecorded(occurred_at=_T0, sequence=sequence)


class UnitOfWorkContract:
    """Tests every unit of work must pass (the service's ``ServiceUnitOfWork``).

    Subclass it and implement :meth:`make_unit_of_work_factory` to return a callable
    opening units of work over one fresh, empty database::

        class TestMyUnitOfWork(UnitOfWorkContract):
            def make_unit_of_work_factory(self):
                return MyDatabase(url_for_tests()).unit_of_work

    Tests of optional parts (``idempotency``; a ``stock`` store with ``receive``)
    are skipped when the unit of work has no such part.
    """

    def make_unit_of_work_factory(self) -> UnitOfWorkFactory:
        """Return a callable opening units of work over one fresh database (override)."""
        raise NotImplementedError  # pragma: no cover

    @pytest.fixture
    def opens(self) -> UnitOfWorkFactory:
        """A fresh database's unit of work factory."""
        return self.make_unit_of_work_factory()

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _idempotency(uow: Any) -> Any:
        keys = getattr(uow, "idempotency", None)
        if keys is None:
            pytest.skip("the unit of work has no idempotency keys")
        return keys

    @staticmethod
    def _stock(uow: Any) -> Any:
        stock = getattr(uow, "stock", None)
        if stock is None or not hasattr(stock, "receive"):
            pytest.skip("the unit of work has no stock store that can receive")
        return stock

    @staticmethod
    def _pending(opens: UnitOfWorkFactory) -> list[str]:
        with opens() as uow:
            return [entry.event.event_id for entry in uow.outbox.pending(limit=1000)]

    @staticmethod
    def _exists(opens: UnitOfWorkFactory, order_id: str) -> bool:
        with opens() as uow:
            try:
                uow.orders.get(order_id)
            except NotFound:
                return False
            return True

    @staticmethod
    def _redeemed(opens: UnitOfWorkFactory, code: str) -> int:
        with opens() as uow:
            return int(uow.coupons.count(code))

    # -- commit ----------------------------------------------------------------------------

    def test_changes_are_visible_after_commit(self, opens: UnitOfWorkFactory) -> None:
        order, event = sample_order(number="SO-C-1"), _event(1)
        with opens() as uow:
            uow.orders.add(order)
            uow.outbox.add([event])
            uow.coupons.redeem("WELCOME", customer_id="C-001", order_id=order.id)
            uow.commit()
        with opens() as uow:
            assert uow.orders.get(order.id).number == "SO-C-1"
            assert uow.orders.find_by_number("SO-C-1") is not None
            assert uow.coupons.count_for_customer("WELCOME", "C-001") == 1
        assert self._pending(opens) == [event.event_id]

    def test_committed_idempotency_keys_are_visible(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            self._idempotency(uow).put("enter:k", "order-1")
            uow.commit()
        with opens() as uow:
            assert self._idempotency(uow).get("enter:k") == "order-1"

    def test_committed_stock_is_visible(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            self._stock(uow).receive("SKU-1", "WH1", quantity=5, operation_id="r1", at=_T0)
            uow.commit()
        with opens() as uow:
            assert self._stock(uow).position("SKU-1", "WH1").on_hand == 5

    # -- leaving without commit ------------------------------------------------------------

    def test_leaving_without_commit_rolls_back_orders(self, opens: UnitOfWorkFactory) -> None:
        order = sample_order(number="SO-R-1")
        with opens() as uow:
            uow.orders.add(order)
        assert not self._exists(opens, order.id)
        with opens() as uow:
            assert uow.orders.find_by_number("SO-R-1") is None
            assert list(uow.orders.find()) == []

    def test_leaving_without_commit_rolls_back_a_save(self, opens: UnitOfWorkFactory) -> None:
        order = sample_order()
        with opens() as uow:
            uow.orders.add(order)
            uow.commit()
        with opens() as uow:
            loaded = uow.orders.get(order.id)
            loaded.salesperson = "S-CHANGED"
            uow.orders.save(loaded, expected_version=1)
        with opens() as uow:
            stored = uow.orders.get(order.id)
        assert (stored.salesperson, stored.version) == (None, 1)

    def test_leaving_without_commit_rolls_back_the_outbox(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            uow.outbox.add([_event(1), _event(2)])
        assert self._pending(opens) == []

    def test_leaving_without_commit_rolls_back_coupons(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            uow.coupons.redeem("WELCOME", customer_id="C-001", order_id="o-1")
        assert self._redeemed(opens, "WELCOME") == 0

    def test_a_release_forgets_an_orders_redemptions_and_rolls_back(
        self, opens: UnitOfWorkFactory
    ) -> None:
        with opens() as uow:
            uow.coupons.redeem("WELCOME", customer_id="C-001", order_id="o-1")
            uow.coupons.redeem("WELCOME", customer_id="C-002", order_id="o-2")
            uow.commit()
        with opens() as uow:
            uow.coupons.release("o-1")
            assert uow.coupons.count("WELCOME") == 1
        assert self._redeemed(opens, "WELCOME") == 2
        with opens() as uow:
            uow.coupons.release("o-1")
            uow.commit()
        with opens() as uow:
            assert uow.coupons.count("WELCOME") == 1
            assert uow.coupons.count_for_customer("WELCOME", "C-001") == 0

    def test_leaving_without_commit_rolls_back_idempotency_keys(
        self, opens: UnitOfWorkFactory
    ) -> None:
        with opens() as uow:
            self._idempotency(uow).put("enter:k", "order-1")
        with opens() as uow:
            assert self._idempotency(uow).get("enter:k") is None
            self._idempotency(uow).put("enter:k", "order-2")
            uow.commit()

    def test_leaving_without_commit_rolls_back_stock(self, opens: UnitOfWorkFactory) -> None:
        with opens() as uow:
            stock = self._stock(uow)
            stock.receive("SKU-1", "WH1", quantity=5, operation_id="r1", at=_T0)
            uow.commit()
        with opens() as uow:
            stock = self._stock(uow)
            stock.receive("SKU-1", "WH1", quantity=7, operation_id="r2", at=_T0)
            stock.receive("SKU-2", "WH1", quantity=1, operation_id="r3", at=_T0)
        with opens() as uow:
            stock = self._stock(uow)
            assert stock.position("SKU-1", "WH1").on_hand == 5
            assert stock.position("SKU-2", "WH1").on_hand == 0
            assert len(stock.movements()) == 1

    # -- exceptions ------------------------------------------------------------------------

    def test_an_exception_inside_the_block_rolls_back(self, opens: UnitOfWorkFactory) -> None:
        order, event = sample_order(), _event(1)

        def work() -> None:
            with opens() as uow:
                uow.orders.add(order)
                uow.outbox.add([event])
                uow.coupons.redeem("WELCOME", customer_id="C-001", order_id=order.id)
                raise _Boom

        with pytest.raises(_Boom):
            work()
        assert not self._exists(opens, order.id)
        assert self._pending(opens) == []
        assert self._redeemed(opens, "WELCOME") == 0

    def test_a_commit_then_more_changes_then_an_exception_keeps_only_the_committed_part(
        self, opens: UnitOfWorkFactory
    ) -> None:
        kept, lost = sample_order(number="SO-K"), sample_order(number="SO-L")
        kept_event, lost_event = _event(1), _event(2)

        def work() -> None:
            with opens() as uow:
                uow.orders.add(kept)
                uow.outbox.add([kept_event])
                uow.commit()
                uow.orders.add(lost)
                uow.outbox.add([lost_event])
                changed = uow.orders.get(kept.id)
                changed.salesperson = "S-LOST"
                uow.orders.save(changed, expected_version=1)
                uow.coupons.redeem("WELCOME", customer_id="C-001", order_id=lost.id)
                raise _Boom

        with pytest.raises(_Boom):
            work()
        assert self._exists(opens, kept.id)
        assert not self._exists(opens, lost.id)
        with opens() as uow:
            stored = uow.orders.get(kept.id)
        assert (stored.salesperson, stored.version) == (None, 1)
        assert self._pending(opens) == [kept_event.event_id]
        assert self._redeemed(opens, "WELCOME") == 0

    # -- concurrency -----------------------------------------------------------------------

    def test_two_concurrent_units_of_work_saving_the_same_version_cannot_both_win(
        self, opens: UnitOfWorkFactory
    ) -> None:
        order = sample_order()
        with opens() as uow:
            uow.orders.add(order)
            uow.commit()
        with opens() as uow:
            copies = [uow.orders.get(order.id), uow.orders.get(order.id)]
        events = [_event(0), _event(1)]
        barrier = threading.Barrier(len(copies))
        outcomes: dict[int, str] = {}

        def attempt(index: int) -> None:
            copies[index].salesperson = f"S-{index}"
            barrier.wait()
            try:
                with opens() as uow:
                    uow.outbox.add([events[index]])
                    uow.orders.save(copies[index], expected_version=1)
                    uow.commit()
            except ConcurrencyConflict:
                outcomes[index] = "lost"
            else:
                outcomes[index] = "won"

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(copies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()) == ["lost", "won"]
        winner = next(index for index, outcome in outcomes.items() if outcome == "won")
        with opens() as uow:
            stored = uow.orders.get(order.id)
        assert (stored.salesperson, stored.version) == (f"S-{winner}", 2)
        # The loser's other changes went with it.
        assert self._pending(opens) == [events[winner].event_id]
