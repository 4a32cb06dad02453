"""The same contract suites as the in-memory adapters, against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pytest

from salesorder.events import DomainEvent
from salesorder.order import Order
from salesorder.ports import DeadLetter, OutboxEntry
from salesorder.testing._order_contracts import OrderRepositoryContract, OutboxContract

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase


class CommittingRepository:
    """Each call in its own unit of work, as a service would use the repository."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with self.database.unit_of_work() as uow:
            result = getattr(uow.orders, name)(*args, **kwargs)
            uow.commit()
            return result

    def get(self, order_id: str) -> Order:
        return self._call("get", order_id)  # type: ignore[no-any-return]

    def add(self, order: Order) -> None:
        self._call("add", order)

    def save(self, order: Order, *, expected_version: int) -> None:
        self._call("save", order, expected_version=expected_version)

    def find_by_number(self, number: str) -> Order | None:
        return self._call("find_by_number", number)  # type: ignore[no-any-return]

    def find(self, **criteria: datetime | str | None) -> Sequence[Order]:
        return self._call("find", **criteria)  # type: ignore[no-any-return]


class CommittingOutbox:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with self.database.unit_of_work() as uow:
            result = getattr(uow.outbox, name)(*args, **kwargs)
            uow.commit()
            return result

    def add(self, events: Iterable[DomainEvent]) -> None:
        self._call("add", list(events))

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        return self._call("pending", limit=limit)  # type: ignore[no-any-return]

    def mark_delivered(self, event_ids: Iterable[str]) -> None:
        self._call("mark_delivered", list(event_ids))

    def claim(self, *, limit: int, now: datetime) -> Sequence[OutboxEntry]:
        return self._call("claim", limit=limit, now=now)  # type: ignore[no-any-return]

    def mark_failed(self, event_id: str, *, error: str, retry_at: datetime | None = None) -> None:
        self._call("mark_failed", event_id, error=error, retry_at=retry_at)

    def mark_dead(self, event_id: str, *, error: str) -> None:
        self._call("mark_dead", event_id, error=error)

    def dead(self, *, limit: int = 100) -> Sequence[DeadLetter]:
        return self._call("dead", limit=limit)  # type: ignore[no-any-return]

    def requeue(self, event_ids: Iterable[str]) -> int:
        return self._call("requeue", list(event_ids))  # type: ignore[no-any-return]


class TestSqlOrderRepository(OrderRepositoryContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: SqlDatabase) -> None:
        self.database = sql_database

    def make_repository(self) -> CommittingRepository:
        return CommittingRepository(self.database)


class TestSqlOutbox(OutboxContract):
    @pytest.fixture(autouse=True)
    def _database(self, sql_database: SqlDatabase) -> None:
        self.database = sql_database

    def make_outbox(self) -> CommittingOutbox:
        return CommittingOutbox(self.database)
