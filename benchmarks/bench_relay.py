"""Events per second of the outbox relay (4 workers, PostgreSQL) against bare httpx POSTs.

The issue's budget: relaying to a local receiver with 4 workers on PostgreSQL costs
at most 1.5 times bare httpx POSTs of the same bodies. Both are measured in the same
run, against the same receiver (:class:`salesorder.testing.webhooks.WebhookReceiver`
on 127.0.0.1, signatures not checked so that the receiver costs the same to both):

* **relay**: ``--events`` events of ``--events / 4`` orders committed to a fresh
  tenant's outbox; 4 threads each run :func:`salesorder.outbox_relay.run_relay` with a
  :class:`~salesorder.webhooks.WebhookNotifier` until every event has arrived. Each
  batch claims its rows with ``FOR UPDATE SKIP LOCKED``, decodes them, builds and
  signs the envelopes, POSTs them, marks them delivered and commits.
* **bare**: the same envelopes, built beforehand, POSTed by 4 threads with one httpx
  client each, nothing else.

The ratio printed is relay time / bare time (medians of ``--rounds`` rounds); the
verdict is against the budget, 1.5. Without a PostgreSQL URL (``--db`` or
``SALESORDER_TEST_POSTGRES_URL``) the benchmark says so and exits 0.

Run: python benchmarks/bench_relay.py [--events N] [--rounds R] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

if TYPE_CHECKING:
    from salesorder.events import OrderShipped
    from salesorder.testing.webhooks import WebhookReceiver

BUDGET = 1.5
WORKERS = 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default=os.environ.get("SALESORDER_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.db:
        print("bench_relay: skipped, no PostgreSQL URL (--db or SALESORDER_TEST_POSTGRES_URL)")
        return 0
    try:
        import httpx  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as missing:
        print(f"bench_relay: skipped, {missing.name} is not installed (extras sql, webhooks)")
        return 0

    from salesorder.testing.webhooks import WebhookReceiver

    relay_times, bare_times = [], []
    with WebhookReceiver() as receiver:
        for round_number in range(1, args.rounds + 1):
            relay_seconds = _relay_round(args.db, receiver, args.events)
            bare_seconds = _bare_round(receiver, args.events)
            relay_times.append(relay_seconds)
            bare_times.append(bare_seconds)
            print(
                f"round {round_number}: relay {args.events / relay_seconds:7.0f} events/s, "
                f"bare httpx {args.events / bare_seconds:7.0f} POSTs/s, "
                f"ratio {relay_seconds / bare_seconds:.2f}"
            )
    relay_median = statistics.median(relay_times)
    bare_median = statistics.median(bare_times)
    ratio = statistics.median(r / b for r, b in zip(relay_times, bare_times, strict=True))
    print(
        f"relay ({WORKERS} workers, PostgreSQL): {args.events / relay_median:.0f} events/s; "
        f"bare httpx POSTs ({WORKERS} threads): {args.events / bare_median:.0f}/s"
    )
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"ratio relay/bare = {ratio:.2f} ({verdict} the budget of {BUDGET})")
    return 0


def _events(count: int) -> list[OrderShipped]:
    from salesorder.events import OrderShipped

    at = datetime.now(UTC)
    orders = max(count // 4, 1)
    return [
        OrderShipped(
            occurred_at=at,
            order_id=f"O-{n % orders:06d}",
            actor="bench",
            source="confirmed",
            target="shipped",
            shipment_id=f"S-{n}",
            lines=(),
            carrier="SF",
        )
        for n in range(count)
    ]


def _relay_round(url: str, receiver: WebhookReceiver, count: int) -> float:
    from salesorder.adapters.sql import SqlDatabase
    from salesorder.notifications import NotificationRouting
    from salesorder.outbox_relay import run_relay
    from salesorder.webhooks import WebhookNotifier, WebhookRoute

    database = SqlDatabase(url, tenant_id=f"bench-relay-{uuid.uuid4().hex[:8]}")
    database.create_schema()
    events = _events(count)
    with database.unit_of_work() as uow:
        uow.outbox.add(events)
        uow.commit()
    route = WebhookRoute(url=receiver.url, secret="bench", audiences={"all"})  # noqa: S106
    routing = NotificationRouting(default=frozenset({"all"}))
    start_count = len(receiver.received)
    stop = threading.Event()

    def worker() -> None:
        with WebhookNotifier([route], tenant_id="bench") as notifier:
            run_relay(
                database.unit_of_work,
                notifier,
                routing=routing,
                batch_size=50,
                poll_interval=0.002,
                stop=stop,
                report=lambda line: None,
            )

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while len(receiver.received) - start_count < count:
        time.sleep(0.001)
    elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join()
    database.engine.dispose()
    return elapsed


def _bare_round(receiver: WebhookReceiver, count: int) -> float:
    import httpx

    from salesorder.webhooks import envelope

    bodies = [envelope(event, tenant_id="bench") for event in _events(count)]
    url = receiver.url
    shares = [bodies[i::WORKERS] for i in range(WORKERS)]

    def worker(share: list[bytes]) -> None:
        with httpx.Client(timeout=5) as client:
            for body in share:
                client.post(url, content=body, headers={"Content-Type": "application/json"})

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
