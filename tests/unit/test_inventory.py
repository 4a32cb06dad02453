"""Unit tests of salesorder.inventory: positions, allocation strategies, the stock ledger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from salesorder.adapters.memory import StockLedger
from salesorder.errors import FloatRefused, InsufficientStock, NotFound, RuleViolation
from salesorder.inventory import (
    Allocation,
    ExcessStockDetected,
    FewestShipments,
    FixedPriority,
    InvalidAllocation,
    InvalidQuantity,
    LowStockDetected,
    MostStockFirst,
    MovementKind,
    NearestFirst,
    OperationConflict,
    Reservation,
    ReservationExpired,
    ReservationLine,
    SafetyStockBreached,
    StockAdjusted,
    StockBackorderFilled,
    StockCommitted,
    StockPosition,
    StockReceived,
    StockReleased,
    StockReserved,
    StockRestocked,
    StockTransferred,
    plan_allocation,
    to_quantity,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = Decimal


def line(line_id: str, sku: str, quantity: int | str) -> ReservationLine:
    return ReservationLine(line_id, sku, D(quantity))


def stocked(**quantities: int) -> StockLedger:
    """A ledger with ``SKU_LOCATION=quantity`` received and events drained."""
    ledger = StockLedger()
    for key, quantity in quantities.items():
        sku, location = key.split("_")
        ledger.receive(sku, location, quantity=quantity, operation_id=f"in-{key}", at=AT)
    ledger.drain_events()
    return ledger


class TestQuantities:
    def test_float_is_refused(self) -> None:
        with pytest.raises(FloatRefused):
            to_quantity(1.5)
        with pytest.raises(FloatRefused):
            ReservationLine("1", "A", 1.5)  # type: ignore[arg-type]

    @pytest.mark.parametrize("value", ["-1", "abc", "NaN", True, None, [1]])
    def test_invalid_values_are_refused(self, value: object) -> None:
        with pytest.raises(InvalidQuantity):
            to_quantity(value)

    def test_ints_strings_and_decimals_are_exact(self) -> None:
        assert to_quantity(3) == D(3)
        assert to_quantity("2.5") == D("2.5")
        assert to_quantity(D("0.125")) == D("0.125")

    def test_reservation_line_needs_a_positive_quantity(self) -> None:
        with pytest.raises(InvalidQuantity):
            line("1", "A", 0)


class TestStockPosition:
    def test_available_keeps_safety_stock_back(self) -> None:
        position = StockPosition("A", "WH1", on_hand=D(10), reserved=D(3), safety_stock=D(2))
        assert position.free == 7
        assert position.available == 5
        assert position.available_to(allow_safety_stock=True) == 7

    def test_available_is_never_negative(self) -> None:
        position = StockPosition("A", "WH1", on_hand=D(3), reserved=D(3), safety_stock=D(2))
        assert position.available == 0
        assert position.is_below_safety_stock

    def test_reserved_above_on_hand_is_refused(self) -> None:
        with pytest.raises(InvalidQuantity):
            StockPosition("A", "WH1", on_hand=D(1), reserved=D(2))

    def test_alert_predicates(self) -> None:
        position = StockPosition("A", "WH1", on_hand=D(12), reorder_point=D(15), max_level=D(10))
        assert position.is_below_reorder_point
        assert position.is_excess
        assert not StockPosition("A", "WH1").is_below_reorder_point
        assert not StockPosition("A", "WH1").is_excess


TWO_WAREHOUSES: Mapping[str, Mapping[str, Decimal]] = {
    "A": {"BJ": D(3), "SH": D(10)},
    "B": {"BJ": D(5), "SH": D(1)},
}


class TestAllocationStrategies:
    def test_fixed_priority_fills_the_first_location_first(self) -> None:
        plan = plan_allocation({"A": D(5)}, TWO_WAREHOUSES, strategy=FixedPriority(("SH", "BJ")))
        assert plan.allocations == (Allocation("A", "SH", D(5)),)

    def test_fixed_priority_spills_over_in_order(self) -> None:
        plan = plan_allocation({"A": D(5)}, TWO_WAREHOUSES, strategy=FixedPriority())
        assert plan.allocations == (Allocation("A", "BJ", D(3)), Allocation("A", "SH", D(2)))

    def test_fixed_priority_puts_unlisted_locations_last(self) -> None:
        plan = plan_allocation({"A": D(12)}, TWO_WAREHOUSES, strategy=FixedPriority(("SH",)))
        assert [a.location for a in plan.allocations] == ["SH", "BJ"]

    def test_most_stock_first(self) -> None:
        plan = plan_allocation({"A": D(2), "B": D(2)}, TWO_WAREHOUSES, strategy=MostStockFirst())
        assert {(a.sku, a.location) for a in plan.allocations} == {("A", "SH"), ("B", "BJ")}

    def test_nearest_first_uses_the_callers_distances(self) -> None:
        strategy = NearestFirst({"SH": 30, "BJ": D(1200)})
        plan = plan_allocation({"A": D(11)}, TWO_WAREHOUSES, strategy=strategy)
        assert plan.allocations == (Allocation("A", "SH", D(10)), Allocation("A", "BJ", D(1)))

    def test_nearest_first_puts_unknown_distances_last(self) -> None:
        plan = plan_allocation({"A": D(4)}, TWO_WAREHOUSES, strategy=NearestFirst({"SH": 5}))
        assert plan.allocations[0].location == "SH"

    def test_fewest_shipments_prefers_one_location_for_everything(self) -> None:
        plan = plan_allocation({"A": D(3), "B": D(1)}, TWO_WAREHOUSES, strategy=FewestShipments())
        assert {a.location for a in plan.allocations} == {"BJ"}

    def test_fewest_shipments_splits_only_when_it_must(self) -> None:
        plan = plan_allocation({"A": D(8), "B": D(4)}, TWO_WAREHOUSES, strategy=FewestShipments())
        assert set(plan.allocations) == {Allocation("A", "SH", D(8)), Allocation("B", "BJ", D(4))}

    def test_fewest_shipments_fills_what_no_location_serves_in_full(self) -> None:
        available = {"A": {"SH": D(10)}, "B": {"SH": D(1), "BJ": D(3)}}
        plan = plan_allocation({"A": D(8), "B": D(4)}, available, strategy=FewestShipments())
        assert plan.allocations == (
            Allocation("A", "SH", D(8)),
            Allocation("B", "SH", D(1)),
            Allocation("B", "BJ", D(3)),
        )

    def test_fewest_shipments_breaks_ties_by_preference(self) -> None:
        available = {"A": {"X": D(5), "Y": D(5)}}
        plan = plan_allocation({"A": D(2)}, available, strategy=FewestShipments(("Y",)))
        assert plan.allocations == (Allocation("A", "Y", D(2)),)

    def test_shortfall_raises_with_one_entry_per_sku(self) -> None:
        with pytest.raises(InsufficientStock) as raised:
            plan_allocation({"A": D(20), "B": D(1)}, TWO_WAREHOUSES)
        assert raised.value.shortfalls[0].sku == "A"
        assert raised.value.shortfalls[0].missing == 7
        assert raised.value.code == "stock.insufficient"

    def test_backorder_returns_the_shortfall(self) -> None:
        plan = plan_allocation({"C": D(2)}, TWO_WAREHOUSES, allow_backorder=True)
        assert not plan.is_complete
        assert plan.allocations == ()

    def test_a_strategy_that_overallocates_is_refused(self) -> None:
        class Greedy:
            def allocate(
                self,
                demand: Mapping[str, Decimal],
                available: Mapping[str, Mapping[str, Decimal]],
            ) -> Iterable[Allocation]:
                return [Allocation(sku, "BJ", q * 10) for sku, q in demand.items()]

        with pytest.raises(InvalidAllocation):
            plan_allocation({"A": D(1)}, TWO_WAREHOUSES, strategy=Greedy())

    def test_a_strategy_that_serves_more_than_asked_is_refused(self) -> None:
        class Double:
            def allocate(
                self,
                demand: Mapping[str, Decimal],
                available: Mapping[str, Mapping[str, Decimal]],
            ) -> Iterable[Allocation]:
                return [Allocation("A", "SH", D(1)), Allocation("A", "BJ", D(1))]

        with pytest.raises(InvalidAllocation):
            plan_allocation({"A": D(1)}, TWO_WAREHOUSES, strategy=Double())


class TestReceiveAndMovements:
    def test_receive_is_journalled_and_reported(self) -> None:
        ledger = StockLedger()
        ledger.receive("A", "WH1", quantity="2.5", operation_id="r", at=AT, actor="u1")
        (movement,) = ledger.movements()
        assert movement.kind is MovementKind.RECEIVED
        assert (movement.on_hand_delta, movement.actor, movement.sequence) == (D("2.5"), "u1", 0)
        (event,) = ledger.drain_events()
        assert isinstance(event, StockReceived)
        assert event.to_dict()["quantity"] == "2.5"

    def test_receive_of_nothing_is_refused(self) -> None:
        with pytest.raises(InvalidQuantity):
            StockLedger().receive("A", "WH1", quantity=0, operation_id="r", at=AT)

    def test_empty_sku_is_refused(self) -> None:
        with pytest.raises(RuleViolation):
            StockLedger().receive("", "WH1", quantity=1, operation_id="r", at=AT)

    def test_restock_and_adjust_report_events(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.restock("A", "WH1", quantity=1, order_id="o1", operation_id="ret", at=AT)
        ledger.adjust("A", "WH1", counted=4, reason="damaged", operation_id="cnt", at=AT)
        restocked, adjusted = ledger.drain_events()
        assert isinstance(restocked, StockRestocked)
        assert restocked.order_id == "o1"
        assert isinstance(adjusted, StockAdjusted)
        assert adjusted.delta == -2
        assert ledger.movements()[-1].reason == "damaged"

    def test_transfer_to_the_same_location_is_refused(self) -> None:
        ledger = stocked(A_WH1=5)
        with pytest.raises(RuleViolation) as raised:
            ledger.transfer(
                "A", source="WH1", destination="WH1", quantity=1, operation_id="t", at=AT
            )
        assert raised.value.code == "stock.transfer.same_location"

    def test_transfer_from_an_unknown_location_is_short(self) -> None:
        with pytest.raises(InsufficientStock):
            StockLedger().transfer(
                "A", source="WH1", destination="WH2", quantity=1, operation_id="t", at=AT
            )

    def test_transfer_reports_an_event(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.transfer("A", source="WH1", destination="WH2", quantity=2, operation_id="t", at=AT)
        (event,) = ledger.drain_events()
        assert isinstance(event, StockTransferred)
        kinds = [m.kind for m in ledger.movements()[-2:]]
        assert kinds == [MovementKind.TRANSFERRED_OUT, MovementKind.TRANSFERRED_IN]

    def test_from_positions_opens_balances(self) -> None:
        ledger = StockLedger.from_positions(
            [StockPosition("A", "WH1", on_hand=D(4), safety_stock=D(1)), StockPosition("B", "WH1")],
            at=AT,
        )
        assert ledger.position("A", "WH1").available == 3
        assert ledger.rebuild_on_hand()[("A", "WH1")] == 4
        assert ledger.drain_events() == []

    def test_from_positions_refuses_a_repeated_position(self) -> None:
        with pytest.raises(RuleViolation) as raised:
            StockLedger.from_positions(
                [StockPosition("A", "WH1"), StockPosition("A", "WH1", on_hand=D(1))], at=AT
            )
        assert raised.value.code == "stock.position.duplicate"

    def test_from_positions_refuses_reserved_stock(self) -> None:
        with pytest.raises(InvalidQuantity):
            StockLedger.from_positions(
                [StockPosition("A", "WH1", on_hand=D(4), reserved=D(1))], at=AT
            )

    def test_set_levels_refuses_negative_levels(self) -> None:
        with pytest.raises(InvalidQuantity):
            StockLedger().set_levels("A", "WH1", safety_stock=-1)

    def test_positions_of_one_sku(self) -> None:
        ledger = stocked(A_WH2=1, A_WH1=1, B_WH1=1)
        assert [p.location for p in ledger.positions(sku="A")] == ["WH1", "WH2"]
        assert len(ledger.positions()) == 3


class TestReserve:
    def test_lines_of_one_sku_share_the_allocations_in_order(self) -> None:
        ledger = stocked(A_WH1=4, A_WH2=4)
        reservation = ledger.reserve(
            "o1", [line("1", "A", 3), line("2", "A", 3)], operation_id="x", at=AT
        )
        first, second = reservation.lines
        assert first.allocations == (Allocation("A", "WH1", D(3)),)
        assert second.allocations == (Allocation("A", "WH1", D(1)), Allocation("A", "WH2", D(2)))

    def test_all_or_nothing_across_lines(self) -> None:
        ledger = stocked(A_WH1=5)
        with pytest.raises(InsufficientStock):
            ledger.reserve("o1", [line("1", "A", 1), line("2", "B", 1)], operation_id="x", at=AT)
        assert ledger.position("A", "WH1").reserved == 0
        assert ledger.reservations() == ()

    def test_no_lines_is_refused(self) -> None:
        with pytest.raises(RuleViolation) as raised:
            stocked(A_WH1=5).reserve("o1", [], operation_id="x", at=AT)
        assert raised.value.code == "stock.reservation.invalid"

    def test_duplicate_line_ids_are_refused(self) -> None:
        with pytest.raises(RuleViolation):
            stocked(A_WH1=5).reserve(
                "o1", [line("1", "A", 1), line("1", "A", 1)], operation_id="x", at=AT
            )

    def test_reservation_id_can_be_chosen_and_must_be_unique(self) -> None:
        ledger = stocked(A_WH1=5)
        made = ledger.reserve(
            "o1", [line("1", "A", 1)], operation_id="x", at=AT, reservation_id="R1"
        )
        assert made.reservation_id == "R1"
        with pytest.raises(RuleViolation) as raised:
            ledger.reserve("o2", [line("1", "A", 1)], operation_id="y", at=AT, reservation_id="R1")
        assert raised.value.code == "stock.reservation.duplicate"

    def test_the_ledger_default_strategy_applies(self) -> None:
        ledger = StockLedger(default_strategy=FixedPriority(("WH2",)))
        for location in ("WH1", "WH2"):
            ledger.receive("A", location, quantity=5, operation_id=location, at=AT)
        reservation = ledger.reserve("o1", [line("1", "A", 1)], operation_id="x", at=AT)
        assert reservation.allocations[0].location == "WH2"

    def test_reservations_of_one_order(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.reserve("o1", [line("1", "A", 1)], operation_id="x", at=AT)
        ledger.reserve("o2", [line("1", "A", 1)], operation_id="y", at=AT)
        assert [r.reservation_id for r in ledger.reservations(order_id="o2")] == ["y"]

    def test_reservation_line_lookup(self) -> None:
        reservation = stocked(A_WH1=5).reserve("o1", [line("1", "A", 1)], operation_id="x", at=AT)
        assert reservation.line("1").allocated == 1
        with pytest.raises(NotFound):
            reservation.line("9")

    def test_reserved_event_lists_allocations_and_backorder(self) -> None:
        ledger = stocked(A_WH1=2)
        ledger.reserve("o1", [line("1", "A", 5)], operation_id="x", at=AT, allow_backorder=True)
        (event,) = ledger.drain_events()
        assert isinstance(event, StockReserved)
        assert event.allocations == (Allocation("A", "WH1", D(2)),)
        assert event.backordered == 3


class TestIdempotency:
    def test_repeat_returns_the_first_result(self) -> None:
        ledger = stocked(A_WH1=5)
        first = ledger.receive("A", "WH1", quantity=1, operation_id="r", at=AT)
        later = ledger.receive("A", "WH1", quantity=1, operation_id="r", at=AT + timedelta(hours=1))
        assert later == first
        assert ledger.position("A", "WH1").on_hand == 6

    def test_repeat_of_a_reservation_returns_its_first_state(self) -> None:
        ledger = stocked(A_WH1=5)
        first = ledger.reserve("o1", [line("1", "A", 2)], operation_id="x", at=AT)
        ledger.release("x", operation_id="rel", at=AT)
        assert ledger.reserve("o1", [line("1", "A", 2)], operation_id="x", at=AT) == first
        assert ledger.position("A", "WH1").reserved == 0

    @pytest.mark.parametrize(
        "operation",
        [
            lambda ledger: ledger.receive("A", "WH1", quantity=2, operation_id="r", at=AT),
            lambda ledger: ledger.restock("A", "WH1", quantity=1, operation_id="r", at=AT),
            lambda ledger: ledger.adjust(
                "A", "WH1", counted=1, reason="x", operation_id="r", at=AT
            ),
            lambda ledger: ledger.transfer(
                "A", source="WH1", destination="WH2", quantity=1, operation_id="r", at=AT
            ),
        ],
    )
    def test_reused_id_with_other_arguments_is_a_conflict(self, operation: object) -> None:
        ledger = stocked(A_WH1=5)
        ledger.receive("A", "WH1", quantity=1, operation_id="r", at=AT)
        with pytest.raises(OperationConflict) as raised:
            operation(ledger)  # type: ignore[operator]
        assert raised.value.code == "stock.operation.conflict"
        assert raised.value.operation_id == "r"

    def test_release_and_commit_ids_reused_differently_conflict(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.reserve("o1", [line("1", "A", 2)], operation_id="x", at=AT)
        ledger.release("x", operation_id="rel", at=AT, lines={"1": 1})
        with pytest.raises(OperationConflict):
            ledger.release("x", operation_id="rel", at=AT)
        ledger.commit("x", operation_id="com", at=AT)
        with pytest.raises(OperationConflict):
            ledger.commit("x", operation_id="com", at=AT, location="WH1")

    def test_unknown_reservation_cannot_be_filled_or_shipped(self) -> None:
        ledger = StockLedger()
        with pytest.raises(NotFound):
            ledger.fill_backorders("nope", operation_id="f", at=AT)
        with pytest.raises(NotFound):
            ledger.commit("nope", operation_id="c", at=AT)
        with pytest.raises(NotFound):
            ledger.reservation("nope")

    def test_every_operation_replays(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.reserve("o1", [line("1", "A", 5)], operation_id="x", at=AT, allow_backorder=True)
        calls = [
            lambda: ledger.restock("A", "WH1", quantity=1, operation_id="ret", at=AT),
            lambda: ledger.adjust("A", "WH1", counted=9, reason="c", operation_id="adj", at=AT),
            lambda: ledger.transfer(
                "A", source="WH1", destination="WH2", quantity=1, operation_id="tr", at=AT
            ),
            lambda: ledger.release("x", operation_id="rel", at=AT, lines={"1": 1}),
            lambda: ledger.commit("x", operation_id="com", at=AT, lines={"1": 1}),
            lambda: ledger.fill_backorders("x", operation_id="fill", at=AT),
            lambda: ledger.expire(AT, operation_id="exp"),
        ]
        for call in calls:
            first = call()
            journal = ledger.movements()
            assert call() == first
            assert ledger.movements() == journal


class TestReservationValue:
    def test_from_lines_round_trips(self) -> None:
        made = stocked(A_WH1=2, A_WH2=2).reserve(
            "o1",
            [line("1", "A", 3), line("2", "B", 1)],
            operation_id="x",
            at=AT,
            allow_backorder=True,
        )
        rebuilt = Reservation.from_lines(
            made.reservation_id, made.order_id, made.lines, created_at=made.created_at
        )
        assert rebuilt == made
        assert rebuilt.lines[0].outstanding == 3
        assert "reservation_id='x'" in repr(rebuilt)
        assert "WH2" in repr(rebuilt)


class TestReleaseAndCommit:
    def test_release_takes_the_backorder_first(self) -> None:
        ledger = stocked(A_WH1=2)
        ledger.reserve("o1", [line("1", "A", 5)], operation_id="x", at=AT, allow_backorder=True)
        after = ledger.release("x", operation_id="rel", at=AT, lines={"1": 2})
        assert (after.allocated, after.backordered) == (D(2), D(1))
        assert ledger.position("A", "WH1").reserved == 2
        event = ledger.drain_events()[-1]
        assert isinstance(event, StockReleased)
        assert event.backordered == 2

    def test_release_takes_the_newest_location_first(self) -> None:
        ledger = stocked(A_WH1=2, A_WH2=5)
        ledger.reserve("o1", [line("1", "A", 4)], operation_id="x", at=AT)
        after = ledger.release("x", operation_id="rel", at=AT, lines={"1": "1"})
        assert after.lines[0].allocations == (
            Allocation("A", "WH1", D(2)),
            Allocation("A", "WH2", D(1)),
        )

    def test_release_of_an_unknown_line_is_not_found(self) -> None:
        ledger = stocked(A_WH1=2)
        ledger.reserve("o1", [line("1", "A", 1)], operation_id="x", at=AT)
        with pytest.raises(NotFound):
            ledger.release("x", operation_id="rel", at=AT, lines={"9": 1})

    def test_commit_from_one_location(self) -> None:
        ledger = stocked(A_WH1=2, A_WH2=5)
        ledger.reserve("o1", [line("1", "A", 4)], operation_id="x", at=AT)
        after = ledger.commit("x", operation_id="ship", at=AT, location="WH2")
        assert after.lines[0].allocations == (Allocation("A", "WH1", D(2)),)
        assert ledger.position("A", "WH2").on_hand == 3
        event = ledger.drain_events()[-1]
        assert isinstance(event, StockCommitted)
        assert event.allocations == (Allocation("A", "WH2", D(2)),)

    def test_partial_commit_of_a_line_at_a_location(self) -> None:
        ledger = stocked(A_WH1=2, A_WH2=5)
        ledger.reserve("o1", [line("1", "A", 4)], operation_id="x", at=AT)
        after = ledger.commit("x", operation_id="ship", at=AT, lines={"1": 1}, location="WH2")
        assert after.lines[0].committed == 1
        with pytest.raises(RuleViolation) as raised:
            ledger.commit("x", operation_id="ship2", at=AT, lines={"1": 2}, location="WH2")
        assert raised.value.code == "stock.reservation.exceeded"

    def test_backordered_quantity_cannot_be_shipped(self) -> None:
        ledger = stocked(A_WH1=1)
        ledger.reserve("o1", [line("1", "A", 3)], operation_id="x", at=AT, allow_backorder=True)
        with pytest.raises(RuleViolation):
            ledger.commit("x", operation_id="ship", at=AT, lines={"1": 2})

    def test_fill_backorders_with_nothing_new_changes_nothing(self) -> None:
        ledger = stocked(A_WH1=1)
        ledger.reserve("o1", [line("1", "A", 3)], operation_id="x", at=AT, allow_backorder=True)
        ledger.drain_events()
        after = ledger.fill_backorders("x", operation_id="f", at=AT)
        assert after.backordered == 2
        assert ledger.drain_events() == []

    def test_fill_backorders_reports_an_event(self) -> None:
        ledger = stocked(A_WH1=1)
        ledger.reserve("o1", [line("1", "A", 3)], operation_id="x", at=AT, allow_backorder=True)
        ledger.receive("A", "WH2", quantity=1, operation_id="r2", at=AT)
        ledger.drain_events()
        after = ledger.fill_backorders("x", operation_id="f", at=AT, strategy=MostStockFirst())
        assert (after.allocated, after.backordered) == (D(2), D(1))
        (event,) = ledger.drain_events()
        assert isinstance(event, StockBackorderFilled)


class TestExpiry:
    def test_expired_reservations_release_once(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.reserve(
            "o1", [line("1", "A", 2)], operation_id="x", at=AT, expires_at=AT + timedelta(hours=1)
        )
        ledger.reserve("o2", [line("1", "A", 1)], operation_id="y", at=AT)
        ledger.drain_events()
        (expired,) = ledger.expire(AT + timedelta(hours=2), actor="scheduler")
        assert expired.expired
        assert ledger.position("A", "WH1").reserved == 1
        assert ledger.expire(AT + timedelta(hours=3)) == ()
        (event,) = ledger.drain_events()
        assert isinstance(event, ReservationExpired)
        assert ledger.movements()[-1].kind is MovementKind.EXPIRED

    def test_a_closed_reservation_does_not_expire(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.reserve(
            "o1", [line("1", "A", 2)], operation_id="x", at=AT, expires_at=AT + timedelta(hours=1)
        )
        ledger.commit("x", operation_id="ship", at=AT)
        assert ledger.expire(AT + timedelta(hours=2)) == ()


class TestAlerts:
    def test_low_stock_is_reported_once_when_crossing(self) -> None:
        ledger = stocked(A_WH1=10)
        ledger.set_levels("A", "WH1", reorder_point=5)
        ledger.reserve("o1", [line("1", "A", 4)], operation_id="x", at=AT)
        assert [type(e) for e in ledger.drain_events()] == [StockReserved]  # 6 free > 5
        ledger.reserve("o2", [line("1", "A", 2)], operation_id="y", at=AT)
        events = ledger.drain_events()
        assert [type(e) for e in events] == [StockReserved, LowStockDetected]
        ledger.reserve("o3", [line("1", "A", 1)], operation_id="z", at=AT)
        assert not any(isinstance(e, LowStockDetected) for e in ledger.drain_events())

    def test_an_alert_judges_a_position_after_all_lines_of_a_reservation(self) -> None:
        # Two lines share one position: the alert says what is free after both, not
        # the free stock between them, which no reader ever sees.
        ledger = stocked(A_WH1=8)
        ledger.set_levels("A", "WH1", reorder_point=3)
        ledger.reserve("o1", [line("1", "A", 5), line("2", "A", 3)], operation_id="x", at=AT)
        (low,) = [e for e in ledger.drain_events() if isinstance(e, LowStockDetected)]
        assert low.free == D(0)

    def test_safety_stock_breach_is_reported(self) -> None:
        ledger = stocked(A_WH1=10)
        ledger.set_levels("A", "WH1", safety_stock=3)
        ledger.reserve("o1", [line("1", "A", 8)], operation_id="x", at=AT, allow_safety_stock=True)
        breach = next(e for e in ledger.drain_events() if isinstance(e, SafetyStockBreached))
        assert (breach.free, breach.safety_stock) == (D(2), D(3))

    def test_count_below_safety_stock_is_reported(self) -> None:
        ledger = stocked(A_WH1=10)
        ledger.set_levels("A", "WH1", safety_stock=3)
        ledger.adjust("A", "WH1", counted=2, reason="loss", operation_id="c", at=AT)
        assert any(isinstance(e, SafetyStockBreached) for e in ledger.drain_events())

    def test_excess_is_reported_when_crossing_the_maximum(self) -> None:
        ledger = stocked(A_WH1=10)
        ledger.set_levels("A", "WH1", max_level=12)
        ledger.receive("A", "WH1", quantity=2, operation_id="r1", at=AT)
        assert not any(isinstance(e, ExcessStockDetected) for e in ledger.drain_events())
        ledger.receive("A", "WH1", quantity=1, operation_id="r2", at=AT)
        (excess,) = [e for e in ledger.drain_events() if isinstance(e, ExcessStockDetected)]
        assert (excess.on_hand, excess.max_level) == (D(13), D(12))


class TestHotPathsMatchGeneralPaths:
    def test_full_release_equals_release_of_each_line(self) -> None:
        results = []
        for lines in (None, {"1": 3}):
            ledger = stocked(A_WH1=5)
            ledger.reserve("o1", [line("1", "A", 3)], operation_id="x", at=AT)
            results.append(
                (
                    ledger.release("x", operation_id="r", at=AT, lines=lines).lines,
                    ledger.positions(),
                    ledger.rebuild_reserved(),
                )
            )
        assert results[0] == results[1]

    def test_full_commit_equals_commit_of_each_line(self) -> None:
        results = []
        for lines in (None, {"1": 3}):
            ledger = stocked(A_WH1=5)
            ledger.reserve("o1", [line("1", "A", 3)], operation_id="x", at=AT)
            results.append(
                (
                    ledger.commit("x", operation_id="c", at=AT, lines=lines).lines,
                    ledger.positions(),
                    ledger.rebuild_on_hand(),
                )
            )
        assert results[0] == results[1]

    def test_journal_of_a_one_location_reservation_is_complete(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.reserve("o1", [line("1", "A", 3)], operation_id="x", at=AT)
        ledger.reserve("o2", [line("1", "A", 1)], operation_id="y", at=AT, actor="ann")
        later = AT + timedelta(hours=1)
        ledger.reserve("o3", [line("1", "A", 1)], operation_id="z", at=later, reservation_id="r3")
        got = [
            (
                m.kind,
                m.sku,
                m.location,
                m.on_hand_delta,
                m.reserved_delta,
                m.order_id,
                m.reservation_id,
                m.operation_id,
                m.actor,
                m.reason,
                m.at,
            )
            for m in ledger.movements()[1:]
        ]
        kind = MovementKind.RESERVED
        assert got == [
            (kind, "A", "WH1", D(0), D(3), "o1", "x", "x", None, None, AT),
            (kind, "A", "WH1", D(0), D(1), "o2", "y", "y", "ann", None, AT),
            (kind, "A", "WH1", D(0), D(1), "o3", "r3", "z", None, None, later),
        ]
        assert ledger.rebuild_reserved() == {("A", "WH1"): D(5)}

    def test_repeated_hot_release_and_commit_replay_their_first_result(self) -> None:
        ledger = stocked(A_WH1=5)
        ledger.reserve("o1", [line("1", "A", 2)], operation_id="x", at=AT)
        ledger.reserve("o2", [line("1", "A", 1)], operation_id="y", at=AT)
        released = ledger.release("x", operation_id="r", at=AT)
        shipped = ledger.commit("y", operation_id="c", at=AT)
        assert ledger.release("x", operation_id="r", at=AT) == released
        assert ledger.commit("y", operation_id="c", at=AT) == shipped
        assert (released.lines[0].released, shipped.lines[0].committed) == (D(2), D(1))
        with pytest.raises(OperationConflict):
            ledger.release("x", operation_id="r", at=AT, lines={"1": 1})
        with pytest.raises(OperationConflict):
            ledger.commit("y", operation_id="c", at=AT, location="WH1")
        with pytest.raises(OperationConflict):
            ledger.commit("x", operation_id="r", at=AT)
        assert [m.reserved_delta for m in ledger.movements()[1:]] == [D(2), D(1), D(-2), D(-1)]
