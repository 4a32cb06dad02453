"""OrderService.overdue asks the store for the statuses a deadline watches, nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from salesorder.adapters.memory import FixedClock, MemoryDatabase
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.notifications import RecordingNotifier
from salesorder.records import Status
from salesorder.sla import DEFAULT_DEADLINES


class RecordingDatabase(MemoryDatabase):
    """The in-memory database, noting every query its order repository answers."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[dict[str, Any]] = []
        find = self.orders.find

        def recording_find(**criteria: Any) -> Any:
            self.queries.append(criteria)
            return find(**criteria)

        self.orders.find = recording_find  # type: ignore[method-assign]


def test_overdue_reads_only_the_watched_statuses_and_finds_what_is_late() -> None:
    database = RecordingDatabase()
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
    database.queries.clear()

    found = service.overdue()

    assert [(order.id, breach.deadline) for order, breach in found] == [(late.id, "review")]
    watched = {deadline.status for deadline in DEFAULT_DEADLINES}
    assert {query["status"] for query in database.queries} == watched
    assert all(set(query) == {"status"} for query in database.queries)
    assert Status.DRAFT not in watched  # the drafts were never read
    assert len(drafts) == 3
