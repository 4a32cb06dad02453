"""The outbox relay as a process of its own: drain, deliver, report, stop cleanly.

Commands record their events in the outbox with the change; ``run_relay`` delivers
them apart from the commands, in batches (one unit of work each), for as long as the
host lets it run: as a loop in a process of its own (``salesorder relay --db URL``),
in a thread, or one drain at a time from the host's scheduler (``until_idle=True``).

* **Several relays.** On PostgreSQL, each batch claims its entries with ``FOR UPDATE
  SKIP LOCKED``: relays side by side share the work, and no entry is delivered by two
  of them at the same time. On SQLite one relay at a time holds the outbox (SQLite has
  one writer), which stays correct.
* **At least once.** An entry is marked delivered in the batch's transaction, after
  its delivery: a relay killed between the two delivers it again (with the same
  ``event_id``) once restarted. One order's events go out in commit order.
* **Failures.** A failed delivery is tried again after an exponential backoff with
  jitter; after the last allowed attempt the entry is parked as dead with its error
  code, and the others go on (``salesorder relay --dead`` lists the parked entries,
  ``--requeue`` puts them back).
* **Stopping.** A stop request (``stop_on_signals``: SIGTERM, SIGINT) is honoured
  between batches: the current batch finishes and commits first.
* **Health.** Every ``report_interval`` seconds one line goes to the report callback
  (the ``salesorder.outbox_relay`` logger by default): counts since start, rate,
  storage errors and the last error code. No event content, no personal data.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Final, TextIO

import attrs

from salesorder.errors import SalesOrderError
from salesorder.notifications import (
    DEFAULT_ROUTING,
    NotificationError,
    NotificationRouting,
    RelayResult,
    RetryPolicy,
    delivery_error_code,
    relay,
)
from salesorder.ports import Notifier, UnitOfWork

__all__ = ["RelayTotals", "relay_command", "run_relay", "stop_on_signals"]

_log = logging.getLogger(__name__)

EXIT_OK: Final = 0
EXIT_USAGE: Final = 2


@attrs.define
class RelayTotals:
    """What a relay run did so far.

    Attributes:
        delivered: Events acknowledged (or unrouted).
        failed: Failed attempts left queued for a retry.
        dead: Entries parked as dead.
        batches: Units of work committed.
        storage_errors: Batches lost to a storage error (rolled back, retried later).
        last_error: Code of the last storage error, if any.
    """

    delivered: int = 0
    failed: int = 0
    dead: int = 0
    batches: int = 0
    storage_errors: int = 0
    last_error: str | None = None

    def add(self, result: RelayResult) -> None:
        """Count one committed batch."""
        self.delivered += result.delivered
        self.failed += result.failed
        self.dead += result.dead
        self.batches += 1

    def line(self, *, elapsed: float, stopping: bool = False) -> str:
        """The one-line report: counts, rate, errors; ``state`` running or stopping."""
        rate = self.delivered / elapsed if elapsed > 0 else 0.0
        return (
            f"relay {'stopping' if stopping else 'running'}: delivered={self.delivered} "
            f"failed={self.failed} dead={self.dead} batches={self.batches} "
            f"storage_errors={self.storage_errors} last_error={self.last_error or '-'} "
            f"rate={rate:.1f}/s"
        )


def run_relay(
    unit_of_work: Callable[[], UnitOfWork],
    notifier: Notifier,
    *,
    routing: NotificationRouting = DEFAULT_ROUTING,
    retry: RetryPolicy | None = None,
    batch_size: int = 100,
    poll_interval: float = 1.0,
    report_interval: float = 60.0,
    stop: threading.Event | None = None,
    until_idle: bool = False,
    clock: Callable[[], datetime] | None = None,
    report: Callable[[str], None] | None = None,
) -> RelayTotals:
    """Deliver outbox entries in batches until stopped (or, with ``until_idle``, drained).

    Args:
        unit_of_work: Opens a unit of work (``database.unit_of_work``); one per batch.
        notifier: Where events go (a ``WebhookNotifier``...).
        routing: Audiences per event type.
        retry: Backoff and attempt bound (``RetryPolicy``).
        batch_size: Most entries per unit of work.
        poll_interval: Seconds to wait when nothing is due.
        report_interval: Seconds between two report lines (and one at the end).
        stop: Set it to stop after the current batch (``stop_on_signals``).
        until_idle: Return as soon as a batch finds nothing due (a scheduled drain).
        clock: The time that decides what is due; the system clock by default.
        report: Receives the report lines; the module's logger by default.

    Returns:
        The totals of the run.

    Raises:
        NotificationError: ``notify.settings.invalid`` for a batch size below 1 or a
            negative interval.
    """
    if batch_size < 1 or poll_interval < 0 or report_interval <= 0:
        raise NotificationError(
            params={"name": "relay", "reason": "batch or interval out of range"}
        )
    stop = stop or threading.Event()
    clock = clock or (lambda: datetime.now(UTC))
    report = report or _log.info
    totals = RelayTotals()
    started = time.monotonic()
    next_report = started + report_interval
    while not stop.is_set():
        handled = _one_batch(
            unit_of_work,
            notifier,
            totals,
            routing=routing,
            retry=retry,
            batch_size=batch_size,
            clock=clock,
        )
        if time.monotonic() >= next_report:
            report(totals.line(elapsed=time.monotonic() - started))
            next_report = time.monotonic() + report_interval
        if not handled:
            if until_idle:
                break
            stop.wait(poll_interval)
    report(totals.line(elapsed=time.monotonic() - started, stopping=True))
    return totals


def _one_batch(
    unit_of_work: Callable[[], UnitOfWork],
    notifier: Notifier,
    totals: RelayTotals,
    *,
    routing: NotificationRouting,
    retry: RetryPolicy | None,
    batch_size: int,
    clock: Callable[[], datetime],
) -> int:
    """Run one batch; how many entries it handled (0 also after a storage error)."""
    try:
        with unit_of_work() as uow:
            result = relay(
                uow.outbox, notifier, routing=routing, limit=batch_size, now=clock(), retry=retry
            )
            uow.commit()
    # Storage down, a conflict: the batch rolled back; its entries stay queued.
    except SalesOrderError as error:
        totals.storage_errors += 1
        totals.last_error = delivery_error_code(error)
        _log.warning("relay batch failed: %s", totals.last_error)
        return 0
    totals.add(result)
    return result.delivered + result.failed + result.dead


def stop_on_signals(
    stop: threading.Event, signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT)
) -> None:
    """Set ``stop`` when the process receives one of ``signals`` (main thread only)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in signals:
        signal.signal(signum, handler)


# -- salesorder relay: the command line -----------------------------------------------------


def relay_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``salesorder relay`` with parsed arguments (see ``add_relay``).

    Returns:
        0 on a clean stop, 2 for unusable options or configuration.
    """
    try:
        from sqlalchemy.exc import ArgumentError  # noqa: PLC0415  (optional extra)

        from salesorder.adapters.sql import SqlDatabase  # noqa: PLC0415
    except ImportError:
        print("salesorder relay: needs the sql extra (pip install salesorder[sql])", file=err)
        return EXIT_USAGE
    try:
        database = SqlDatabase(args.db, tenant_id=args.tenant)
        if args.dead:
            return _print_dead(database, args.format, out)
        if args.requeue:
            return _requeue(database, args.requeue, out)
        return _relay_loop(database, args, out)
    except SalesOrderError as error:
        print(f"salesorder relay: [{error.code}] {error.message()}", file=err)
        return EXIT_USAGE
    # A URL SQLAlchemy cannot parse, or a database the adapter does not support; the
    # URL itself may carry a password, so it is not repeated.
    except (ValueError, ArgumentError) as error:
        print(f"salesorder relay: {type(error).__name__}: unusable --db URL", file=err)
        return EXIT_USAGE


def _print_dead(database: Any, output: str, out: TextIO) -> int:
    with database.unit_of_work() as uow:
        letters = uow.outbox.dead(limit=10_000)
    rows = [
        {
            "event_id": letter.event_id,
            "event_type": letter.event_type,
            "attempts": letter.attempts,
            "last_error": letter.last_error,
        }
        for letter in letters
    ]
    if output == "json":
        print(json.dumps(rows, indent=2), file=out)
    else:
        for row in rows:
            print(
                f"{row['event_id']}  {row['event_type']}  attempts={row['attempts']}  "
                f"last_error={row['last_error']}",
                file=out,
            )
        print(f"{len(rows)} dead", file=out)
    return EXIT_OK


def _requeue(database: Any, event_ids: list[str], out: TextIO) -> int:
    with database.unit_of_work() as uow:
        if event_ids == ["all"]:
            event_ids = [letter.event_id for letter in uow.outbox.dead(limit=1_000_000)]
        count = uow.outbox.requeue(event_ids)
        uow.commit()
    print(f"{count} re-queued", file=out)
    return EXIT_OK


def _relay_loop(database: Any, args: argparse.Namespace, out: TextIO) -> int:
    from salesorder.webhooks import WebhookNotifier  # noqa: PLC0415  (optional extra)

    routes, timeout = _load_webhooks(args.webhooks, os.environ)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        stop_on_signals(stop)
    with WebhookNotifier(routes, tenant_id=args.tenant, timeout=timeout) as notifier:
        run_relay(
            database.unit_of_work,
            notifier,
            retry=RetryPolicy(max_attempts=args.max_attempts),
            batch_size=args.batch,
            poll_interval=args.poll,
            report_interval=args.report_every,
            stop=stop,
            until_idle=args.once,
            report=lambda line: print(line, file=out, flush=True),
        )
    return EXIT_OK


def _load_webhooks(path: str, environ: Mapping[str, str]) -> tuple[list[Any], float]:
    """Routes and timeout from a JSON file ``{"timeout": 5, "routes": [...]}``."""
    from salesorder.webhooks import WebhookRoute  # noqa: PLC0415  (optional extra)

    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotificationError(
            params={"name": "--webhooks", "reason": "not a readable JSON file"}
        ) from None
    if not isinstance(config, dict) or not isinstance(config.get("routes"), list):
        raise NotificationError(params={"name": "--webhooks", "reason": "no list of routes"})
    timeout = config.get("timeout", 5.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise NotificationError(params={"name": "timeout", "reason": "not a number"})
    routes = [WebhookRoute.from_config(route, secrets=environ) for route in config["routes"]]
    return routes, float(timeout)
