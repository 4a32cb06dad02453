"""The SQL outbox: its table and :class:`SqlOutbox`, written in the caller's transaction.

A row is live (``delivered`` and ``dead`` false), delivered, or dead (parked by the
relay after its last allowed attempt, until the host re-queues it). ``stream`` is the
order the event belongs to: :meth:`SqlOutbox.claim` only hands out the first live row
of each stream, so one order's events leave in commit order, and locks what it hands
out with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that relays running side by side
share the work instead of delivering one row twice. SQLite has one writer at a time
(the unit of work begins ``IMMEDIATE``): one relay holds the whole outbox while it
works, which is correct, and serial.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from salesorder.adapters import _sql_schema as schema
from salesorder.adapters._sql_schema import METADATA
from salesorder.codec import decode, encode
from salesorder.events import DomainEvent, event_types
from salesorder.notifications import delivery_error_code
from salesorder.ports import DeadLetter, OutboxEntry, stream_of

__all__ = ["OUTBOX_INSERT", "SqlOutbox", "outbox_table"]

_log = logging.getLogger(__name__)

outbox_table = sa.Table(
    "so_outbox",
    METADATA,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(128), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.String(128), nullable=True),
    sa.Column("delivered", sa.Boolean, nullable=False, default=False),
    # The order the event belongs to (None: no ordering to keep), the earliest time of
    # the next attempt, and whether the relay parked the row.
    sa.Column("stream", sa.String(64), nullable=True),
    sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("dead", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    sa.UniqueConstraint("tenant_id", "event_id", name="uq_so_outbox_event"),
    sa.Index("ix_so_outbox_pending", "tenant_id", "delivered", "seq"),
    sa.Index("ix_so_outbox_stream", "tenant_id", "stream", "seq"),
)

_TENANT: Final = schema.Bound("tenant_id", outbox_table.c.tenant_id)
_EVENT_ID: Final = schema.Bound("event_id", outbox_table.c.event_id)
_EVENT_TYPE: Final = schema.Bound("event_type", outbox_table.c.event_type)
_STREAM: Final = schema.Bound("order_id", outbox_table.c.stream)
# Not refused but cut: a delivery error is a diagnostic, not a value the caller chose.
_LAST_ERROR: Final = schema.Bound("last_error", outbox_table.c.last_error)

#: The insert that skips an event id already recorded, per supported dialect.
OUTBOX_INSERT: Final = {
    "postgresql": postgresql.insert(outbox_table).on_conflict_do_nothing(
        index_elements=["tenant_id", "event_id"]
    ),
    "sqlite": sqlite.insert(outbox_table).on_conflict_do_nothing(
        index_elements=["tenant_id", "event_id"]
    ),
}

_LIVE: Final = (outbox_table.c.delivered.is_(False), outbox_table.c.dead.is_(False))
_EARLIER: Final = outbox_table.alias("earlier")
# No live row of the same order before this one: it is the head of its stream.
_FIRST_OF_ITS_ORDER: Final = sa.or_(
    outbox_table.c.stream.is_(None),
    ~sa.exists().where(
        _EARLIER.c.tenant_id == outbox_table.c.tenant_id,
        _EARLIER.c.stream == outbox_table.c.stream,
        _EARLIER.c.seq < outbox_table.c.seq,
        _EARLIER.c.delivered.is_(False),
        _EARLIER.c.dead.is_(False),
    ),
)
_ENTRY_COLUMNS: Final = (
    outbox_table.c.event_id,
    outbox_table.c.event_type,
    outbox_table.c.payload,
    outbox_table.c.attempts,
    outbox_table.c.last_error,
    outbox_table.c.retry_at,
)


def _utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC; SQLite hands back naive UTC datetimes, made aware again here."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SqlOutbox:
    """:class:`~salesorder.ports.Outbox` table written in the caller's transaction."""

    def __init__(self, connection: Connection, *, tenant_id: str) -> None:
        schema.fit(tenant_id, _TENANT)
        self._connection = connection
        self._tenant = tenant_id

    @property
    def _of_tenant(self) -> sa.ColumnElement[bool]:
        # Built when used: a unit of work that never reads the outbox (an entry) does not
        # pay for building the expression (a tenth of an entry's time, measured).
        return outbox_table.c.tenant_id == self._tenant

    def add(self, events: Iterable[DomainEvent]) -> None:
        """Insert events; an event id already recorded is skipped.

        Raises:
            RuleViolation: ``storage.value_too_long`` for an event id, type or order id
                longer than its column (no event of the batch is written).
        """
        events = list(events)
        for event in events:
            schema.fit(event.event_id, _EVENT_ID)
            schema.fit(event.name, _EVENT_TYPE)
            schema.fit(stream_of(event), _STREAM)
        if not events:
            return
        rows = [
            {
                "tenant_id": self._tenant,
                "event_id": event.event_id,
                "event_type": event.name,
                "payload": json.dumps(encode(event), ensure_ascii=False),
                "attempts": 0,
                "delivered": False,
                "stream": stream_of(event),
                "retry_at": None,
                "dead": False,
            }
            for event in events
        ]
        # One statement for the batch; a recorded event id is skipped by the unique key.
        self._connection.execute(OUTBOX_INSERT[self._connection.dialect.name], rows)

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        """Live events, oldest first (rows that do not decode are left to ``claim``)."""
        rows = self._connection.execute(
            sa.select(*_ENTRY_COLUMNS)
            .where(self._of_tenant, *_LIVE)
            .order_by(outbox_table.c.seq)
            .limit(limit)
        )
        entries = []
        types = event_types()
        for row in rows:
            event = _read(row.event_type, row.payload, types)
            if isinstance(event, DomainEvent):
                entries.append(_entry(event, row))
        return entries

    def claim(self, *, limit: int, now: datetime) -> Sequence[OutboxEntry]:
        """Due rows first among the live rows of their order, locked for this transaction.

        A row locked by another transaction is skipped (PostgreSQL), not waited for. A
        row whose payload does not decode is parked as dead with the decoding error's
        code, and the claim goes on without it.
        """
        rows = self._connection.execute(
            sa.select(*_ENTRY_COLUMNS)
            .where(
                self._of_tenant,
                *_LIVE,
                sa.or_(outbox_table.c.retry_at.is_(None), outbox_table.c.retry_at <= _utc(now)),
                _FIRST_OF_ITS_ORDER,
            )
            .order_by(outbox_table.c.seq)
            .limit(limit)
            .with_for_update(skip_locked=True, of=outbox_table)
        ).all()
        entries = []
        types = event_types()
        for row in rows:
            event = _read(row.event_type, row.payload, types)
            if isinstance(event, DomainEvent):
                entries.append(_entry(event, row))
            elif isinstance(event, BaseException):
                code = delivery_error_code(event)
                _log.warning("outbox entry %s does not decode (%s): parked", row.event_id, code)
                self.mark_dead(row.event_id, error=code)
        return entries

    def mark_delivered(self, event_ids: Iterable[str]) -> None:
        """Flag events as delivered."""
        ids = list(event_ids)
        if ids:
            self._connection.execute(
                outbox_table.update()
                .where(self._of_tenant, outbox_table.c.event_id.in_(ids))
                .values(delivered=True, retry_at=None)
            )

    def mark_failed(self, event_id: str, *, error: str, retry_at: datetime | None = None) -> None:
        """Count a failed attempt; the row is due again at ``retry_at``."""
        self._connection.execute(
            outbox_table.update()
            .where(self._of_tenant, outbox_table.c.event_id == event_id, *_LIVE)
            .values(
                attempts=outbox_table.c.attempts + 1,
                last_error=error[: _LAST_ERROR.limit],
                retry_at=_utc(retry_at),
            )
        )

    def mark_dead(self, event_id: str, *, error: str) -> None:
        """Count a last failed attempt and park the row."""
        self._connection.execute(
            outbox_table.update()
            .where(self._of_tenant, outbox_table.c.event_id == event_id, *_LIVE)
            .values(
                attempts=outbox_table.c.attempts + 1,
                last_error=error[: _LAST_ERROR.limit],
                retry_at=None,
                dead=True,
            )
        )

    def dead(self, *, limit: int = 100) -> Sequence[DeadLetter]:
        """Parked rows, oldest first; ``event`` is None for a row that does not decode."""
        rows = self._connection.execute(
            sa.select(*_ENTRY_COLUMNS)
            .where(self._of_tenant, outbox_table.c.dead.is_(True))
            .order_by(outbox_table.c.seq)
            .limit(limit)
        )
        letters = []
        types = event_types()
        for row in rows:
            event = _read(row.event_type, row.payload, types)
            letters.append(
                DeadLetter(
                    event_id=row.event_id,
                    event_type=row.event_type,
                    attempts=row.attempts,
                    last_error=row.last_error,
                    event=event if isinstance(event, DomainEvent) else None,
                )
            )
        return letters

    def requeue(self, event_ids: Iterable[str]) -> int:
        """Make parked rows live again, attempts reset; returns how many were parked."""
        ids = list(dict.fromkeys(event_ids))
        if not ids:
            return 0
        result = self._connection.execute(
            outbox_table.update()
            .where(
                self._of_tenant,
                outbox_table.c.event_id.in_(ids),
                outbox_table.c.dead.is_(True),
            )
            .values(dead=False, attempts=0, retry_at=None)
        )
        return int(result.rowcount)


def _read(
    event_type: str, payload: str, types: Mapping[str, type[DomainEvent]]
) -> DomainEvent | BaseException | None:
    """The stored event; None for a type this process does not know, or why it fails.

    An unknown type is not an error: a process that knows the class will deliver it.
    ``types`` is :func:`~salesorder.events.event_types`, looked up once per statement.
    """
    cls = types.get(event_type)
    if cls is None:
        return None
    # Whatever decoding raises (a library error, or a malformed document's KeyError or
    # TypeError), the row is unreadable: the caller parks it rather than fail the batch.
    try:
        event: DomainEvent = decode(cls, json.loads(payload))
    except Exception as error:
        return error
    return event


def _entry(event: DomainEvent, row: Any) -> OutboxEntry:
    return OutboxEntry(
        event, attempts=row.attempts, last_error=row.last_error, retry_at=_utc(row.retry_at)
    )
