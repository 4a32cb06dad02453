"""Contract suites for order repositories and outboxes (re-exported by ``contracts``)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from salesorder.errors import ConcurrencyConflict, NotFound
from salesorder.events import DomainEvent
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine, new_id
from salesorder.ports import DeadLetter, OrderRepository, Outbox, OutboxEntry
from salesorder.records import PriceSnapshot

__all__ = [
    "ContractEventRecorded",
    "OrderRepositoryContract",
    "OutboxContract",
    "sample_event",
    "sample_order",
    "sample_snapshot",
]

_T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def sample_order(
    *,
    customer_id: str = "C-001",
    number: str | None = None,
    created_at: datetime = _T0,
    lines: int = 2,
) -> Order:
    """A small valid order for contract tests (no personal data of real people)."""
    return Order(
        id=new_id(),
        number=number,
        customer=Customer(id=customer_id, name="Test Customer Ltd."),
        currency="CNY",
        lines=tuple(
            OrderLine(
                line_id=str(i + 1),
                sku=f"SKU-{i + 1}",
                name=f"Item {i + 1}",
                quantity=Decimal(i + 1),
                unit_price=Money("10.00", "CNY"),
            )
            for i in range(lines)
        ),
        created_at=created_at,
    )


def sample_snapshot() -> PriceSnapshot:
    """The figures of :func:`sample_order`'s two lines, with a gift and a taxed charge."""
    d = Decimal
    return PriceSnapshot(
        "CNY",
        lines=(
            ("1", d(1), d("10.00"), d("10.00"), d("1.30"), d("0.13")),
            ("2", d(2), d("10.00"), d("18.00"), d("2.34"), d("0.13")),
        ),
        gifts=(("gift:P-1", "SKU-9", d(1), d("0.00"), d("0.00"), d("0.00"), d("0.13")),),
        charges=(("ship", "shipping", d("8.00"), d("8.00"), d("1.54"), d("0.19")),),
        taxes=(
            ("charge:ship", "CT", d("0.10"), d("0.80")),
            ("charge:ship", "ENV", d("0.09"), d("0.74")),
        ),
    )


class OrderRepositoryContract:
    """Tests every :class:`~salesorder.ports.OrderRepository` must pass.

    Subclass it in your test suite and implement :meth:`make_repository` to return
    a fresh, empty repository::

        class TestMyRepository(OrderRepositoryContract):
            def make_repository(self):
                return MyRepository(connection_for_tests())
    """

    def make_repository(self) -> OrderRepository:
        """Return a new, empty repository (override)."""
        raise NotImplementedError  # pragma: no cover

    def test_added_order_can_be_read_back(self) -> None:
        repo = self.make_repository()
        order = sample_order(number="SO-1")
        repo.add(order)
        loaded = repo.get(order.id)
        assert loaded.id == order.id
        assert loaded.number == "SO-1"
        assert loaded.lines == order.lines
        assert loaded.version == 1

    def test_the_figures_an_order_was_priced_at_read_back(self) -> None:
        repo = self.make_repository()
        order = sample_order(number="SO-P")
        order.price_snapshot = sample_snapshot()
        order.line_totals = order.price_snapshot.line_totals()
        order.grand_total = order.price_snapshot.grand_total()
        repo.add(order)
        loaded = repo.get(order.id)
        assert loaded.price_snapshot == order.price_snapshot
        assert loaded.line_totals == order.line_totals
        assert loaded.grand_total == order.grand_total

    def test_unknown_id_raises_not_found(self) -> None:
        with pytest.raises(NotFound):
            self.make_repository().get("missing")

    def test_adding_the_same_id_twice_is_a_conflict(self) -> None:
        repo = self.make_repository()
        order = sample_order()
        repo.add(order)
        with pytest.raises(ConcurrencyConflict):
            repo.add(order)

    def test_adding_a_duplicate_number_is_a_conflict(self) -> None:
        repo = self.make_repository()
        repo.add(sample_order(number="SO-DUP"))
        with pytest.raises(ConcurrencyConflict):
            repo.add(sample_order(number="SO-DUP"))

    def test_loaded_order_is_a_private_copy(self) -> None:
        repo = self.make_repository()
        order = sample_order()
        repo.add(order)
        loaded = repo.get(order.id)
        loaded.notes = "changed but not saved"
        assert repo.get(order.id).notes is None

    def test_save_with_current_version_bumps_it(self) -> None:
        repo = self.make_repository()
        order = sample_order()
        repo.add(order)
        loaded = repo.get(order.id)
        loaded.salesperson = "S-9"
        repo.save(loaded, expected_version=1)
        assert loaded.version == 2
        again = repo.get(order.id)
        assert again.salesperson == "S-9"
        assert again.version == 2

    def test_stale_save_is_refused_and_writes_nothing(self) -> None:
        repo = self.make_repository()
        order = sample_order()
        repo.add(order)
        first, second = repo.get(order.id), repo.get(order.id)
        first.salesperson = "S-1"
        repo.save(first, expected_version=1)
        second.salesperson = "S-2"
        with pytest.raises(ConcurrencyConflict):
            repo.save(second, expected_version=1)
        assert repo.get(order.id).salesperson == "S-1"

    def test_saving_an_unknown_order_raises_not_found(self) -> None:
        with pytest.raises(NotFound):
            self.make_repository().save(sample_order(), expected_version=1)

    def test_two_concurrent_saves_of_one_version_cannot_both_win(self) -> None:
        repo = self.make_repository()
        order = sample_order()
        repo.add(order)
        copies = [repo.get(order.id) for _ in range(8)]
        outcomes: list[str] = []
        barrier = threading.Barrier(len(copies))

        def attempt(index: int) -> None:
            copies[index].salesperson = f"S-{index}"
            barrier.wait()
            try:
                repo.save(copies[index], expected_version=1)
            except ConcurrencyConflict:
                outcomes.append("lost")
            else:
                outcomes.append(f"won:{index}")

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(copies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [o for o in outcomes if o.startswith("won")]
        assert len(winners) == 1
        assert outcomes.count("lost") == len(copies) - 1
        stored = repo.get(order.id)
        assert stored.version == 2
        assert f"won:{stored.salesperson.removeprefix('S-')}" == winners[0]  # type: ignore[union-attr]

    def test_find_by_number(self) -> None:
        repo = self.make_repository()
        order = sample_order(number="SO-202611-000001")
        repo.add(order)
        found = repo.find_by_number("SO-202611-000001")
        assert found is not None
        assert found.id == order.id
        assert repo.find_by_number("SO-NOPE") is None

    def test_find_by_customer_and_date_range(self) -> None:
        repo = self.make_repository()
        early = sample_order(customer_id="C-1", created_at=_T0)
        late = sample_order(customer_id="C-1", created_at=_T0 + timedelta(days=3))
        other = sample_order(customer_id="C-2", created_at=_T0 + timedelta(days=1))
        for order in (late, other, early):
            repo.add(order)
        assert [o.id for o in repo.find(customer_id="C-1")] == [early.id, late.id]
        window = repo.find(created_from=_T0 + timedelta(days=1), created_to=_T0 + timedelta(days=3))
        assert [o.id for o in window] == [other.id]
        assert [o.id for o in repo.find()] == [early.id, other.id, late.id]


@attrs.frozen(kw_only=True)
class ContractEventRecorded(DomainEvent):
    """An event used only by the outbox contract suite (of an order, or of none)."""

    sequence: int
    order_id: str | None = None


def sample_event(sequence: int, *, order_id: str | None = None) -> ContractEventRecorded:
    """A distinct event for outbox tests: events with different ``sequence`` differ."""
    return ContractEventRecorded(occurred_at=_T0, sequence=sequence, order_id=order_id)


def _ids(entries: Iterable[OutboxEntry | DeadLetter]) -> list[str]:
    return [e.event_id if isinstance(e, DeadLetter) else e.event.event_id for e in entries]


class OutboxContract:
    """Tests every :class:`~salesorder.ports.Outbox` must pass.

    Subclass it and implement :meth:`make_outbox` to return a fresh, empty outbox.
    Outboxes whose ``add`` only takes effect when a unit of work commits should
    return an object that commits each call (or test through the unit of work).
    """

    def make_outbox(self) -> Outbox:
        """Return a new, empty outbox (override)."""
        raise NotImplementedError  # pragma: no cover

    def test_events_stay_pending_in_order_until_delivered(self) -> None:
        outbox = self.make_outbox()
        events = [sample_event(i) for i in range(5)]
        outbox.add(events)
        assert [entry.event.event_id for entry in outbox.pending()] == [e.event_id for e in events]
        outbox.mark_delivered([events[0].event_id, events[2].event_id])
        assert [entry.event.event_id for entry in outbox.pending()] == [
            events[1].event_id,
            events[3].event_id,
            events[4].event_id,
        ]

    def test_pending_respects_the_limit(self) -> None:
        outbox = self.make_outbox()
        outbox.add([sample_event(i) for i in range(5)])
        assert len(outbox.pending(limit=2)) == 2

    def test_the_same_event_is_recorded_once(self) -> None:
        outbox = self.make_outbox()
        event = sample_event(1)
        outbox.add([event])
        outbox.add([event])
        assert len(outbox.pending()) == 1

    def test_the_same_event_twice_in_one_batch_is_recorded_once(self) -> None:
        outbox = self.make_outbox()
        first, second = sample_event(1), sample_event(2)
        outbox.add([first, second, first])
        assert [e.event.event_id for e in outbox.pending()] == [first.event_id, second.event_id]

    def test_failed_delivery_keeps_the_event_and_counts_attempts(self) -> None:
        outbox = self.make_outbox()
        event = sample_event(1)
        outbox.add([event])
        outbox.mark_failed(event.event_id, error="ConnectionError")
        outbox.mark_failed(event.event_id, error="TimeoutError")
        (entry,) = outbox.pending()
        assert entry.attempts == 2
        assert entry.last_error == "TimeoutError"

    def test_marking_unknown_ids_is_harmless(self) -> None:
        outbox = self.make_outbox()
        outbox.mark_delivered(["nope"])
        outbox.mark_failed("nope", error="X")
        assert list(outbox.pending()) == []

    def test_events_round_trip_unchanged(self) -> None:
        outbox = self.make_outbox()
        event = sample_event(7)
        outbox.add([event])
        (entry,) = outbox.pending()
        assert entry.event == event

    def test_claim_hands_out_the_first_live_entry_of_each_order(self) -> None:
        outbox = self.make_outbox()
        a1, b1, a2, free, b2 = (
            sample_event(1, order_id="A"),
            sample_event(2, order_id="B"),
            sample_event(3, order_id="A"),
            sample_event(4),
            sample_event(5, order_id="B"),
        )
        outbox.add([a1, b1, a2, free, b2])
        assert _ids(outbox.claim(limit=10, now=_T0)) == _ids([*map(OutboxEntry, [a1, b1, free])])
        assert _ids(outbox.claim(limit=2, now=_T0)) == [a1.event_id, b1.event_id]
        outbox.mark_delivered([a1.event_id])
        assert _ids(outbox.claim(limit=10, now=_T0)) == [b1.event_id, a2.event_id, free.event_id]

    def test_a_failed_entry_waits_for_its_time_and_holds_back_its_order_only(self) -> None:
        outbox = self.make_outbox()
        a1, a2, b1 = sample_event(1, order_id="A"), sample_event(2, order_id="A"), sample_event(3)
        outbox.add([a1, a2, b1])
        later = _T0 + timedelta(minutes=5)
        outbox.mark_failed(a1.event_id, error="notify.timeout", retry_at=later)
        assert _ids(outbox.claim(limit=10, now=_T0)) == [b1.event_id]
        (entry, *_) = outbox.claim(limit=10, now=later)
        assert entry.event == a1
        assert (entry.attempts, entry.last_error, entry.retry_at) == (1, "notify.timeout", later)
        assert _ids(outbox.pending()) == [a1.event_id, a2.event_id, b1.event_id]

    def test_a_dead_entry_is_parked_visible_and_lets_its_order_go_on(self) -> None:
        outbox = self.make_outbox()
        a1, a2 = sample_event(1, order_id="A"), sample_event(2, order_id="A")
        outbox.add([a1, a2])
        outbox.mark_failed(a1.event_id, error="notify.rejected")
        outbox.mark_dead(a1.event_id, error="money.invalid_amount")
        assert _ids(outbox.pending()) == [a2.event_id]
        assert _ids(outbox.claim(limit=10, now=_T0)) == [a2.event_id]
        (letter,) = outbox.dead()
        assert letter == DeadLetter(
            event_id=a1.event_id,
            event_type=a1.name,
            attempts=2,
            last_error="money.invalid_amount",
            event=a1,
        )
        outbox.add([a1])  # recorded once, dead or not
        assert len(outbox.dead()) == 1
        assert _ids(outbox.pending()) == [a2.event_id]

    def test_requeue_makes_a_dead_entry_live_again_in_its_place(self) -> None:
        outbox = self.make_outbox()
        a1, a2 = sample_event(1, order_id="A"), sample_event(2, order_id="A")
        outbox.add([a1, a2])
        outbox.mark_dead(a1.event_id, error="notify.timeout")
        assert outbox.requeue([a1.event_id, a1.event_id, a2.event_id, "nope"]) == 1
        assert outbox.dead() == []
        assert _ids(outbox.pending()) == [a1.event_id, a2.event_id]
        (entry,) = outbox.claim(limit=10, now=_T0)
        assert (entry.event, entry.attempts, entry.retry_at) == (a1, 0, None)
        assert outbox.requeue([]) == 0

    def test_marking_dead_an_unknown_or_delivered_id_is_harmless(self) -> None:
        outbox = self.make_outbox()
        event = sample_event(1)
        outbox.add([event])
        outbox.mark_delivered([event.event_id])
        outbox.mark_dead(event.event_id, error="X")
        outbox.mark_dead("nope", error="X")
        assert outbox.dead() == []
        assert outbox.pending() == []
