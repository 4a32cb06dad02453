"""Generated from docs/inventory.md by scripts/extract_docs_examples.py: do not edit."""

from decimal import Decimal
from salesorder import StockPosition

position = StockPosition("TEA-250G", "WH-SH", on_hand=Decimal(10), reserved=Decimal(3),
                         safety_stock=Decimal(2))
assert position.available == 5
assert position.available_to(allow_safety_stock=True) == 7

from datetime import UTC, datetime
from decimal import Decimal
import pytest
from salesorder import ReservationLine, StockLedger
from salesorder.errors import InsufficientStock

now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ledger = StockLedger()
ledger.receive("TEA-250G", "WH-SH", quantity=5, operation_id="po-1", at=now)
ledger.receive("CUP-WHITE", "WH-SH", quantity=1, operation_id="po-2", at=now)

# Two lines of one SKU are added up: 3 + 3 > 5, so nothing is reserved.
with pytest.raises(InsufficientStock) as refused:
    ledger.reserve(
        "SO-1",
        [ReservationLine("1", "TEA-250G", Decimal(3)), ReservationLine("2", "TEA-250G", Decimal(3))],
        operation_id="reserve-SO-1",
        at=now,
    )
(shortfall,) = refused.value.shortfalls
assert (shortfall.sku, shortfall.requested, shortfall.available) == ("TEA-250G", 6, 5)
assert ledger.position("TEA-250G", "WH-SH").reserved == 0

from datetime import UTC, datetime
from decimal import Decimal
from salesorder import ReservationLine, StockLedger
from salesorder.inventory import FewestShipments, FixedPriority, MostStockFirst, NearestFirst

now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
order = [ReservationLine("1", "TEA-250G", Decimal(4)), ReservationLine("2", "CUP-WHITE", Decimal(2))]


def warehouses() -> StockLedger:
    ledger = StockLedger()
    for sku, location, quantity in [
        ("TEA-250G", "WH-BJ", 3), ("TEA-250G", "WH-SH", 10),
        ("CUP-WHITE", "WH-BJ", 5), ("CUP-WHITE", "WH-SH", 2),
    ]:
        ledger.receive(sku, location, quantity=quantity, operation_id=f"{sku}@{location}", at=now)
    return ledger


def shipped_from(strategy) -> list[tuple[str, str, int]]:
    reservation = warehouses().reserve("SO-2", order, operation_id="r", at=now, strategy=strategy)
    return [(a.sku, a.location, int(a.quantity)) for a in reservation.allocations]


# Beijing first: tea is split 3 + 1 between the warehouses.
assert shipped_from(FixedPriority(("WH-BJ", "WH-SH"))) == [
    ("TEA-250G", "WH-BJ", 3), ("TEA-250G", "WH-SH", 1), ("CUP-WHITE", "WH-BJ", 2)]
# Shanghai can serve the whole order: one shipment.
assert shipped_from(FewestShipments()) == [("TEA-250G", "WH-SH", 4), ("CUP-WHITE", "WH-SH", 2)]
# Hangzhou is 170 km from Shanghai and 1,250 km from Beijing.
assert shipped_from(NearestFirst({"WH-SH": 170, "WH-BJ": 1250})) == [
    ("TEA-250G", "WH-SH", 4), ("CUP-WHITE", "WH-SH", 2)]
# Most stock first picks per SKU: tea from Shanghai, cups from Beijing.
assert shipped_from(MostStockFirst()) == [("TEA-250G", "WH-SH", 4), ("CUP-WHITE", "WH-BJ", 2)]

from datetime import UTC, datetime
from decimal import Decimal
from salesorder import ReservationLine, StockLedger

now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ledger = StockLedger()
ledger.receive("TEA-250G", "WH-SH", quantity=2, operation_id="po-1", at=now)
reservation = ledger.reserve("SO-3", [ReservationLine("1", "TEA-250G", Decimal(5))],
                             operation_id="reserve-SO-3", at=now, allow_backorder=True)
assert (reservation.allocated, reservation.backordered) == (Decimal(2), Decimal(3))

ledger.receive("TEA-250G", "WH-SH", quantity=10, operation_id="po-2", at=now)
reservation = ledger.fill_backorders("reserve-SO-3", operation_id="fill-SO-3", at=now)
assert (reservation.allocated, reservation.backordered) == (Decimal(5), Decimal(0))

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from salesorder import ReservationLine, StockLedger

now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ledger = StockLedger()
ledger.receive("TEA-250G", "WH-SH", quantity=5, operation_id="po-1", at=now)
ledger.reserve("SO-4", [ReservationLine("1", "TEA-250G", Decimal(2))], operation_id="r-SO-4",
               at=now, expires_at=now + timedelta(minutes=30))
assert ledger.expire(now + timedelta(minutes=29)) == ()
(expired,) = ledger.expire(now + timedelta(minutes=30))
assert expired.expired and ledger.position("TEA-250G", "WH-SH").reserved == 0

from datetime import UTC, datetime
from decimal import Decimal
import pytest
from salesorder import ReservationLine, StockLedger
from salesorder.inventory import OperationConflict

now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ledger = StockLedger()
ledger.receive("TEA-250G", "WH-SH", quantity=5, operation_id="po-1", at=now)
lines = [ReservationLine("1", "TEA-250G", Decimal(2))]
first = ledger.reserve("SO-5", lines, operation_id="r-SO-5", at=now)
assert ledger.reserve("SO-5", lines, operation_id="r-SO-5", at=now) == first
assert ledger.position("TEA-250G", "WH-SH").reserved == 2
with pytest.raises(OperationConflict):
    ledger.receive("TEA-250G", "WH-SH", quantity=9, operation_id="po-1", at=now)

from datetime import UTC, datetime
from decimal import Decimal
from salesorder import ReservationLine, StockLedger

now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ledger = StockLedger()
ledger.receive("TEA-250G", "WH-SH", quantity=5, operation_id="po-1", at=now, actor="wms")
ledger.reserve("SO-6", [ReservationLine("1", "TEA-250G", Decimal(2))], operation_id="r", at=now)
ledger.commit("r", operation_id="ship-SO-6", at=now, actor="picker-7")
assert [m.kind.value for m in ledger.movements()] == ["received", "reserved", "committed"]
assert ledger.rebuild_on_hand() == {("TEA-250G", "WH-SH"): Decimal(3)}
assert ledger.rebuild_reserved() == {("TEA-250G", "WH-SH"): Decimal(0)}

from datetime import UTC, datetime
from decimal import Decimal
from salesorder import ReservationLine, StockLedger
from salesorder.inventory import LowStockDetected, StockReserved

now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ledger = StockLedger()
ledger.set_levels("TEA-250G", "WH-SH", reorder_point=3, max_level=100)
ledger.receive("TEA-250G", "WH-SH", quantity=5, operation_id="po-1", at=now)
ledger.drain_events()
ledger.reserve("SO-7", [ReservationLine("1", "TEA-250G", Decimal(3))], operation_id="r", at=now)
assert [type(e) for e in ledger.drain_events()] == [StockReserved, LowStockDetected]

from salesorder.adapters.memory import InMemoryStockStore
from salesorder.ports import StockStore
from salesorder.testing.contracts import StockStoreContract


class TestInMemoryStockStore(StockStoreContract):
    def make_store(self) -> StockStore:
        return InMemoryStockStore()

from datetime import UTC, datetime

from salesorder.adapters.memory import StockLedger
from salesorder.inventory import ReservationLine

at = datetime(2026, 3, 1, tzinfo=UTC)
ledger = StockLedger()
ledger.receive("TEA-250G", "WH-SH", quantity=10, operation_id="in-1", at=at)
savepoint = ledger.savepoint()
ledger.reserve("SO-1", [ReservationLine("1", "TEA-250G", 4)], operation_id="rsv-1", at=at)
ledger.rollback_to(savepoint)
assert ledger.position("TEA-250G", "WH-SH").reserved == 0
assert ledger.reservations() == ()
# The operation id is forgotten too: the same request reserves again.
ledger.reserve("SO-1", [ReservationLine("1", "TEA-250G", 4)], operation_id="rsv-1", at=at)
assert ledger.position("TEA-250G", "WH-SH").reserved == 4
