import threading
from datetime import UTC, datetime, timedelta

import pytest

from salesorder.adapters.memory import (
    FixedClock,
    FixedCreditControl,
    MemoryCouponLedger,
    MemoryOrderRepository,
    MemoryOutbox,
    PatternNumbering,
    SystemClock,
)
from salesorder.errors import ConcurrencyConflict
from salesorder.money import Money
from salesorder.ports import (
    Clock,
    CouponLedger,
    CreditControl,
    CreditLimit,
    OrderNumbering,
    OrderRepository,
    Outbox,
)
from salesorder.testing.contracts import sample_event, sample_order

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_adapters_satisfy_their_ports() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(FixedClock(AT), Clock)
    assert isinstance(PatternNumbering(), OrderNumbering)
    assert isinstance(MemoryOrderRepository(), OrderRepository)
    assert isinstance(MemoryOutbox(), Outbox)
    assert isinstance(FixedCreditControl(), CreditControl)
    assert isinstance(MemoryCouponLedger(), CouponLedger)


class TestClocks:
    def test_system_clock_is_aware(self) -> None:
        assert SystemClock().now().tzinfo is not None

    def test_fixed_clock_moves_only_when_told(self) -> None:
        clock = FixedClock(AT)
        assert clock.now() == AT
        assert clock.advance(timedelta(hours=2)) == AT + timedelta(hours=2)
        clock.set(AT)
        assert clock.now() == AT

    def test_fixed_clock_refuses_naive_time(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            FixedClock(datetime(2026, 1, 1))  # noqa: DTZ001


class TestNumbering:
    def test_pattern_and_period_reset(self) -> None:
        numbering = PatternNumbering()
        assert numbering.next_number(at=AT) == "SO-202611-000001"
        assert numbering.next_number(at=AT) == "SO-202611-000002"
        assert numbering.next_number(at=AT + timedelta(days=10)) == "SO-202612-000001"

    def test_custom_pattern(self) -> None:
        numbering = PatternNumbering(prefix="QT", period_format="%Y", width=4, start=100)
        assert numbering.next_number(at=AT) == "QT-2026-0100"

    def test_numbers_are_unique_across_threads(self) -> None:
        numbering = PatternNumbering()
        issued: list[str] = []
        lock = threading.Lock()

        def take() -> None:
            for _ in range(500):
                number = numbering.next_number(at=AT)
                with lock:
                    issued.append(number)

        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(issued)) == 2000


class TestRepositoryUndo:
    def test_rollback_restores_added_and_saved_orders(self) -> None:
        repo = MemoryOrderRepository()
        kept = sample_order(number="SO-1")
        repo.add(kept)
        repo.begin()
        loaded = repo.get(kept.id)
        loaded.number = "SO-1B"
        repo.save(loaded, expected_version=1)
        repo.add(sample_order(number="SO-2"))
        repo.rollback()
        assert len(repo) == 1
        assert repo.get(kept.id).number == "SO-1"
        assert repo.get(kept.id).version == 1
        assert repo.find_by_number("SO-1B") is None
        assert repo.find_by_number("SO-2") is None
        assert repo.find_by_number("SO-1") is not None

    def test_end_keeps_changes(self) -> None:
        repo = MemoryOrderRepository()
        repo.begin()
        repo.add(sample_order())
        repo.end()
        repo.rollback()
        assert len(repo) == 1

    def test_saving_with_a_number_owned_by_another_order_conflicts(self) -> None:
        repo = MemoryOrderRepository()
        repo.add(sample_order(number="SO-1"))
        other = sample_order(number="SO-2")
        repo.add(other)
        loaded = repo.get(other.id)
        loaded.number = "SO-1"
        with pytest.raises(ConcurrencyConflict):
            repo.save(loaded, expected_version=1)

    def test_snapshot_and_status_filter(self) -> None:
        repo = MemoryOrderRepository()
        order = sample_order()
        repo.add(order)
        assert list(repo.snapshot()) == [order.id]
        assert repo.find(status="no-such-status") == []


class TestOutboxUndo:
    def test_rollback_forgets_events_added_since_begin(self) -> None:
        outbox = MemoryOutbox()
        outbox.add([sample_event(1)])
        outbox.begin()
        outbox.add([sample_event(2)])
        outbox.rollback()
        assert [e.event.sequence for e in outbox.pending()] == [1]  # type: ignore[attr-defined]
        outbox.begin()
        outbox.add([sample_event(3)])
        outbox.end()
        assert len(outbox) == 2


class TestOutboxRetention:
    def test_only_the_last_delivered_ids_are_remembered(self) -> None:
        outbox = MemoryOutbox(delivered_retention=3)
        events = [sample_event(k) for k in range(1, 6)]
        outbox.add(events)
        outbox.mark_delivered([events[0].event_id, events[1].event_id])
        outbox.mark_delivered([e.event_id for e in events[2:]])
        # The two delivered first are forgotten: adding them again records them again;
        # the last three are still known and ignored.
        outbox.add(events)
        assert [e.event.sequence for e in outbox.pending()] == [1, 2]  # type: ignore[attr-defined]
        assert len(outbox._state.delivered) == 3  # the retention's bound

    def test_retention_keeps_rollback_exact(self) -> None:
        outbox = MemoryOutbox(delivered_retention=1)
        first, second = sample_event(1), sample_event(2)
        outbox.add([first, second])
        outbox.mark_delivered([first.event_id])
        outbox.begin()
        outbox.mark_delivered([second.event_id])
        outbox.rollback()
        outbox.add([first])  # still remembered: the rollback restored the state
        assert [e.event.sequence for e in outbox.pending()] == [2]  # type: ignore[attr-defined]

    def test_a_negative_retention_is_refused(self) -> None:
        with pytest.raises(ValueError, match="retention"):
            MemoryOutbox(delivered_retention=-1)


class TestCreditAndCoupons:
    def test_fixed_credit(self) -> None:
        credit = FixedCreditControl({"C-1": CreditLimit(Money(100, "CNY"), Money(30, "CNY"))})
        position = credit.credit_for("C-1")
        assert position is not None
        assert position.headroom == Money(70, "CNY")
        assert credit.credit_for("C-2") is None
        credit.set("C-2", CreditLimit(Money(1, "CNY"), Money(2, "CNY")))
        assert credit.credit_for("C-2").headroom == Money(-1, "CNY")  # type: ignore[union-attr]

    def test_coupon_counts_and_rollback(self) -> None:
        ledger = MemoryCouponLedger()
        ledger.redeem("SAVE10", customer_id="C-1", order_id="o1")
        ledger.begin()
        ledger.redeem("SAVE10", customer_id="C-2", order_id="o2")
        assert ledger.count("SAVE10") == 2
        ledger.rollback()
        assert ledger.count("SAVE10") == 1
        assert ledger.count_for_customer("SAVE10", "C-1") == 1
        assert ledger.count_for_customer("SAVE10", "C-2") == 0
        ledger.begin()
        ledger.redeem("SAVE10", customer_id="C-2", order_id="o3")
        ledger.end()
        ledger.rollback()
        assert ledger.count("SAVE10") == 2
