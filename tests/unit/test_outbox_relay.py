"""The relay loop (run_relay) and the ``salesorder relay`` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from salesorder.adapters.memory import MemoryDatabase
from salesorder.cli import main
from salesorder.errors import STORAGE_UNAVAILABLE, StorageError
from salesorder.events import DomainEvent, OrderShipped
from salesorder.notifications import NotificationError, NotificationRouting, RecordingNotifier
from salesorder.outbox_relay import RelayTotals, run_relay

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EVERYONE = NotificationRouting(default=frozenset({"all"}))
ROOT = Path(__file__).resolve().parents[2]


def shipped(order_id: str, shipment: str) -> OrderShipped:
    return OrderShipped(
        occurred_at=AT,
        order_id=order_id,
        actor="a",
        source="confirmed",
        target="shipped",
        shipment_id=shipment,
        lines=(),
    )


def committed(database: MemoryDatabase, events: list[DomainEvent]) -> None:
    with database.unit_of_work() as uow:
        uow.outbox.add(events)
        uow.commit()


class TestRunRelay:
    def test_a_scheduled_drain_delivers_everything_due_in_batches_and_returns(self) -> None:
        database, notifier = MemoryDatabase(), RecordingNotifier()
        events = [shipped(f"O{i % 7}", str(i)) for i in range(50)]
        committed(database, events)
        lines: list[str] = []
        totals = run_relay(
            database.unit_of_work,
            notifier,
            routing=EVERYONE,
            batch_size=8,
            until_idle=True,
            clock=lambda: AT,
            report=lines.append,
        )
        assert (totals.delivered, totals.failed, totals.dead) == (50, 0, 0)
        assert totals.batches >= 7
        assert sorted(e.event_id for e in notifier.events()) == sorted(e.event_id for e in events)
        assert len(lines) == 1
        assert lines[0].startswith("relay stopping: delivered=50 failed=0 dead=0")

    def test_a_stop_request_ends_the_loop_after_the_current_batch(self) -> None:
        database = MemoryDatabase()
        committed(database, [shipped(f"O{i}", str(i)) for i in range(30)])
        stop = threading.Event()
        batches: list[int] = []

        class StopsAfterTheFirst(RecordingNotifier):
            def notify(self, event: DomainEvent, *, audiences: frozenset[str]) -> None:
                super().notify(event, audiences=audiences)
                stop.set()  # as SIGTERM would, in the middle of a batch

        notifier = StopsAfterTheFirst()
        totals = run_relay(
            database.unit_of_work,
            notifier,
            routing=EVERYONE,
            batch_size=10,
            stop=stop,
            report=lambda line: batches.append(1),
        )
        assert (totals.delivered, totals.batches) == (10, 1)  # the batch finished, committed
        assert len(database.outbox) == 20

    def test_it_waits_when_idle_and_reports_every_interval(self) -> None:
        database, notifier = MemoryDatabase(), RecordingNotifier()
        stop = threading.Event()
        lines: list[str] = []
        worker = threading.Thread(
            target=run_relay,
            args=(database.unit_of_work, notifier),
            kwargs={
                "routing": EVERYONE,
                "poll_interval": 0.01,
                "report_interval": 0.05,
                "stop": stop,
                "report": lines.append,
            },
        )
        worker.start()
        committed(database, [shipped("A", "1")])
        deadline = time.monotonic() + 5
        while not notifier.sent and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.15)
        stop.set()
        worker.join(timeout=5)
        assert not worker.is_alive()
        assert len(notifier.sent) == 1
        assert any(line.startswith("relay running: delivered=1") for line in lines)
        assert lines[-1].startswith("relay stopping: delivered=1")

    def test_a_storage_error_loses_the_batch_not_the_relay(self) -> None:
        database, notifier = MemoryDatabase(), RecordingNotifier()
        committed(database, [shipped("A", "1")])
        calls = {"n": 0}

        def flaky_unit_of_work():  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 1:
                raise StorageError(STORAGE_UNAVAILABLE)
            return database.unit_of_work()

        stop = threading.Event()
        lines: list[str] = []

        def stop_when_delivered(line: str) -> None:
            lines.append(line)

        totals = run_relay(
            flaky_unit_of_work,
            notifier,
            routing=EVERYONE,
            poll_interval=0,
            stop=stop,
            until_idle=False,
            report=stop_when_delivered,
            report_interval=0.001,
            clock=lambda: (stop.set() if notifier.sent else None) or AT,  # type: ignore[func-returns-value]
        )
        assert (totals.storage_errors, totals.last_error, totals.delivered) == (
            1,
            "storage.unavailable",
            1,
        )
        assert "storage_errors=1 last_error=storage.unavailable" in lines[-1]

    def test_settings_out_of_range_are_refused(self) -> None:
        with pytest.raises(NotificationError):
            run_relay(MemoryDatabase().unit_of_work, RecordingNotifier(), batch_size=0)

    def test_the_report_line_carries_counts_and_rate_only(self) -> None:
        totals = RelayTotals(delivered=120, failed=3, dead=1, batches=4)
        assert totals.line(elapsed=60) == (
            "relay running: delivered=120 failed=3 dead=1 batches=4 storage_errors=0 "
            "last_error=- rate=2.0/s"
        )


pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")
pytest.importorskip("httpx", reason="the webhooks extra is not installed")

from salesorder.adapters.sql import SqlDatabase  # noqa: E402
from salesorder.testing.webhooks import WebhookReceiver  # noqa: E402

SECRET = "relay-cli-secret"  # noqa: S105  (a test secret)


def sqlite_file(tmp_path: Path, events: list[DomainEvent]) -> str:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    database = SqlDatabase(url)
    database.create_schema()
    with database.unit_of_work() as uow:
        uow.outbox.add(events)
        uow.commit()
    database.engine.dispose()
    return url


def webhooks_file(tmp_path: Path, url: str) -> str:
    path = tmp_path / "webhooks.json"
    route = {"url": url, "secret_env": "RELAY_TEST_SECRET", "audiences": ["customer"]}
    path.write_text(json.dumps({"timeout": 2, "routes": [route]}))
    return str(path)


class TestCommand:
    def test_once_delivers_the_queue_and_exits(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        events = [shipped("A", "1"), shipped("A", "2"), shipped("B", "3")]
        url = sqlite_file(tmp_path, events)
        monkeypatch.setenv("RELAY_TEST_SECRET", SECRET)
        with WebhookReceiver(secret=SECRET) as receiver:
            code = main(
                [
                    "relay",
                    "--db",
                    url,
                    "--webhooks",
                    webhooks_file(tmp_path, receiver.url),
                    "--once",
                ]
            )
        assert code == 0
        # The first of each order, then the next of order A.
        assert receiver.event_ids() == [events[0].event_id, events[2].event_id, events[1].event_id]
        assert "relay stopping: delivered=3" in capsys.readouterr().out

    def test_dead_entries_are_listed_and_requeued(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        event = shipped("A", "1")
        url = sqlite_file(tmp_path, [event])
        monkeypatch.setenv("RELAY_TEST_SECRET", SECRET)
        config = webhooks_file(tmp_path, "http://127.0.0.1:9/refused")
        args = ["relay", "--db", url, "--webhooks", config, "--once", "--max-attempts", "1"]
        assert main(args) == 0
        assert "dead=1" in capsys.readouterr().out
        assert main(["relay", "--db", url, "--dead", "--format", "json"]) == 0
        (row,) = json.loads(capsys.readouterr().out)
        assert row == {
            "event_id": event.event_id,
            "event_type": "OrderShipped",
            "attempts": 1,
            "last_error": "notify.unreachable",
        }
        assert main(["relay", "--db", url, "--dead"]) == 0
        assert "1 dead" in capsys.readouterr().out
        assert main(["relay", "--db", url, "--requeue", "all"]) == 0
        assert "1 re-queued" in capsys.readouterr().out
        assert main(["relay", "--db", url, "--dead"]) == 0
        assert "0 dead" in capsys.readouterr().out

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ([], "--webhooks FILE is needed"),
            (["--webhooks", "/nonexistent.json"], "notify.settings.invalid"),
        ],
    )
    def test_unusable_options_exit_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
    ) -> None:
        url = sqlite_file(tmp_path, [])
        assert main(["relay", "--db", url, *extra]) == 2
        assert message in capsys.readouterr().err

    def test_a_bad_webhooks_file_exits_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = sqlite_file(tmp_path, [])
        for content in (
            "[]",
            '{"routes": [{"url": "x", "secret_env": "UNSET_VAR"}]}',
            "{",
            '{"routes": [], "timeout": "5"}',
        ):
            path = tmp_path / "bad.json"
            path.write_text(content)
            assert main(["relay", "--db", url, "--webhooks", str(path)]) == 2
        assert main(["relay", "--db", "nonsense://", "--dead"]) == 2
        assert main(["relay", "--db", url, "--batch", "0", "--dead"]) == 2

    @pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
    def test_sigterm_stops_the_process_after_the_current_batch(self, tmp_path: Path) -> None:
        url = sqlite_file(tmp_path, [shipped(f"O{i}", str(i)) for i in range(3)])
        with WebhookReceiver(secret=SECRET) as receiver:
            config = webhooks_file(tmp_path, receiver.url)
            process = subprocess.Popen(  # noqa: S603  (our own command, fixed arguments)
                [
                    sys.executable,
                    "-m",
                    "salesorder",
                    "relay",
                    "--db",
                    url,
                    "--webhooks",
                    config,
                    "--poll",
                    "0.05",
                ],
                env={**os.environ, "RELAY_TEST_SECRET": SECRET, "PYTHONPATH": str(ROOT / "src")},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + 30
            while len(receiver.received) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert len(receiver.received) == 3
        assert out.strip().splitlines()[-1].startswith("relay stopping: delivered=3")
