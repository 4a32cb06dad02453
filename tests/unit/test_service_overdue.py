"""OrderService.overdue: one indexed question to the store, which returns only late orders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from salesorder.adapters.memory import FixedClock, MemoryDatabase
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.notifications import RecordingNotifier
from salesorder.ports import OverdueIndex
from salesorder.records import Status
from salesorder.sla import DEFAULT_DEADLINES


class RecordingDatabase(MemoryDatabase):
    """The in-memory database, noting every query its order repository answers."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[dict[str, Any]] = []
        self.found: list[list[str]] = []
        find = self.orders.find
        entered = self.orders.find_entered_before

        def recording_find(**criteria: Any) -> Any:
            self.queries.append(criteria)
            return find(**criteria)

        def recording_entered(bounds: Mapping[Status, datetime]) -> Any:
            self.queries.append({"entered_before": dict(bounds)})
            orders = entered(bounds)
            self.found.append([order.id for order in orders])
            return orders

        self.orders.find = recording_find  # type: ignore[method-assign]
        self.orders.find_entered_before = recording_entered  # type: ignore[method-assign]


def test_overdue_asks_one_indexed_question_and_reads_only_late_orders() -> None:
    database = RecordingDatabase()
    assert isinstance(database.orders, OverdueIndex)
    clock = FixedClock(START)
    service = build_service(clock, RecordingNotifier(), unit_of_work=database.unit_of_work)
    with database.unit_of_work() as uow:
        for sku, quantity in (("TEA-LJ-250", 1_000), ("CUP-CER-6", 1_000)):
            uow.stock.receive(sku, "SH-01", quantity=quantity, operation_id=sku, at=START)
        uow.commit()
    drafts = [service.enter(tea_shop_payload(tea=1, cups=1), actor="S-LI") for _ in range(3)]
    # Above the demo's 5,000 CNY: it waits for the finance approval, past 4 hours.
    late = service.enter(tea_shop_payload(tea=40, cups=6), actor="S-LI")
    service.submit(late.id, actor="S-LI")
    clock.advance(timedelta(days=3))
    cancelled = service.enter(tea_shop_payload(tea=1, cups=1), actor="S-LI")
    service.submit(cancelled.id, actor="S-LI")
    service.cancel(cancelled.id, reason="customer_request", actor="S-LI")
    # Submitted just now: in review, but not late yet.
    recent = service.enter(tea_shop_payload(tea=40, cups=6), actor="S-LI")
    service.submit(recent.id, actor="S-LI")
    database.queries.clear()

    found = service.overdue()

    assert [(order.id, breach.deadline) for order, breach in found] == [(late.id, "review")]
    # One question, bounded per watched status; the store returned the late order only.
    assert len(database.queries) == 1
    watched = {deadline.status for deadline in DEFAULT_DEADLINES}
    assert set(database.queries[0]["entered_before"]) <= watched
    assert database.found == [[late.id]]
    assert len(drafts) == 3
