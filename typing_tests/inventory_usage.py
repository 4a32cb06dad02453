"""Type-checked from the user's side: the stock ledger, the StockStore port, strategies."""

from datetime import UTC, datetime
from decimal import Decimal

from salesorder import Reservation, ReservationLine, StockLedger, StockPosition
from salesorder.adapters.memory import InMemoryStockStore
from salesorder.inventory import AllocationStrategy, FewestShipments, NearestFirst
from salesorder.ports import StockStore

now = datetime(2026, 1, 1, tzinfo=UTC)
store: StockStore = InMemoryStockStore()
ledger_as_store: StockStore = StockLedger()
strategy: AllocationStrategy = NearestFirst({"WH-SH": 10, "WH-BJ": Decimal(1200)})
other: AllocationStrategy = FewestShipments()
position: StockPosition = store.receive("SKU-1", "WH-SH", quantity=10, operation_id="r1", at=now)
reservation: Reservation = store.reserve(
    "order-1",
    [ReservationLine("1", "SKU-1", Decimal(2))],
    operation_id="res-1",
    at=now,
    strategy=strategy,
)
available: Decimal = store.available("SKU-1")


def location_preferences_take_any_iterable_of_names() -> None:
    """The docs' own examples: a tuple or a list of location names type-checks."""
    from salesorder.inventory import FewestShipments, FixedPriority

    FixedPriority(("SH-01", "GZ-02"))
    FixedPriority(["SH-01", "GZ-02"])
    FewestShipments(("SH-01", "GZ-02"))
