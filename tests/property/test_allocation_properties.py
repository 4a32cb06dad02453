"""Every built-in allocation strategy serves all it can and never more than available."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salesorder.inventory import (
    AllocationStrategy,
    FewestShipments,
    FixedPriority,
    MostStockFirst,
    NearestFirst,
    StockPosition,
    plan_allocation,
)
from salesorder.testing.strategies import stock_positions

SKUS = ("A", "B", "C")
LOCATIONS = ("BJ", "SH", "GZ")

strategies = st.sampled_from(
    [
        FixedPriority(),
        FixedPriority(("SH", "GZ")),
        MostStockFirst(),
        NearestFirst({"GZ": 1, "BJ": 2}),
        FewestShipments(),
        FewestShipments(("GZ",)),
    ]
)
demands = st.dictionaries(
    st.sampled_from(SKUS), st.integers(min_value=1, max_value=120).map(Decimal), min_size=1
)


@given(
    positions=st.lists(stock_positions(skus=SKUS, locations=LOCATIONS), max_size=9),
    demand=demands,
    strategy=strategies,
    allow_safety_stock=st.booleans(),
)
def test_plan_serves_min_of_demand_and_stock_within_each_location(
    positions: list[StockPosition],
    demand: dict[str, Decimal],
    strategy: AllocationStrategy,
    allow_safety_stock: bool,
) -> None:
    available: dict[str, dict[str, Decimal]] = {}
    for p in positions:  # later duplicates of a (sku, location) replace earlier ones
        free = p.available_to(allow_safety_stock=allow_safety_stock)
        if free:
            available.setdefault(p.sku, {})[p.location] = free
        else:
            available.setdefault(p.sku, {}).pop(p.location, None)
    plan = plan_allocation(demand, available, strategy=strategy, allow_backorder=True)
    used: dict[tuple[str, str], Decimal] = {}
    for a in plan.allocations:
        used[(a.sku, a.location)] = used.get((a.sku, a.location), Decimal(0)) + a.quantity
    for (sku, location), quantity in used.items():
        assert quantity <= available[sku][location]
    for sku, quantity in demand.items():
        total = sum(available.get(sku, {}).values(), Decimal(0))
        served = sum((q for (s, _), q in used.items() if s == sku), Decimal(0))
        assert served == min(quantity, total)
    assert {s.sku for s in plan.shortfalls} == {
        sku for sku, q in demand.items() if q > sum(available.get(sku, {}).values(), Decimal(0))
    }


@given(
    positions=st.lists(
        stock_positions(skus=("A",), locations=LOCATIONS, with_reserved=False),
        max_size=3,
        unique_by=lambda p: p.location,
    ),
    quantity=st.integers(min_value=1, max_value=150).map(Decimal),
    allow_backorder=st.booleans(),
)
def test_the_inlined_default_path_matches_the_general_path(
    positions: list[StockPosition], quantity: Decimal, allow_backorder: bool
) -> None:
    from datetime import UTC, datetime

    from salesorder.adapters.memory import StockLedger
    from salesorder.errors import InsufficientStock
    from salesorder.inventory import ReservationLine

    at = datetime(2026, 1, 1, tzinfo=UTC)
    outcomes = []
    # FixedPriority with the locations spelled out takes the general (planned) path.
    for strategy in (None, FixedPriority(tuple(sorted(LOCATIONS)))):
        ledger = StockLedger.from_positions(positions, at=at)
        try:
            reservation = ledger.reserve(
                "o",
                [ReservationLine("1", "A", quantity)],
                operation_id="r",
                at=at,
                strategy=strategy,
                allow_backorder=allow_backorder,
            )
        except InsufficientStock as error:
            outcomes.append(error.shortfalls)
            continue
        released = ledger.release("r", operation_id="rel", at=at)
        outcomes.append(
            (reservation.lines, released.lines, ledger.positions(), len(ledger.movements()))
        )
    assert outcomes[0] == outcomes[1]
