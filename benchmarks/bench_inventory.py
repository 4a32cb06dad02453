"""Throughput of the in-memory StockLedger against a plain dict-of-counters floor.

Both sides run the same schedule of reserve / release / commit operations over
10 000 SKUs x 3 locations, in the same process, with the same Decimal arithmetic and
the same oversell check (on hand - reserved - safety >= quantity). The floor keeps
only counters and a reservation table; the ledger adds validation, idempotency,
the journal, events and frozen Reservation snapshots. Each side's inputs are prepared
before its clock starts: the floor reads the plan, the ledger reads the same plan plus
the operation ids and ReservationLine requests built from it.

Budget: ledger throughput >= 1/5 of the floor. Times are CPU times of this process
(``time.process_time``), so other processes on a shared machine do not skew them.

Run: /work/venv/bin/python benchmarks/bench_inventory.py [--ops N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from salesorder.adapters.memory import StockLedger
from salesorder.inventory import ReservationLine

BUDGET = 5.0  # the ledger may be at most 5x slower than the floor
LOCATIONS = ("WH-A", "WH-B", "WH-C")
AT = datetime(2026, 1, 1, tzinfo=UTC)


def schedule(ops: int, skus: int, seed: int = 7) -> list[tuple[int, str, Decimal]]:
    """(kind, sku, quantity) with kind 0 reserve, 1 release, 2 commit (oldest open)."""
    rng = random.Random(seed)
    names = [f"SKU-{i:05d}" for i in range(skus)]
    quantities = [Decimal(q) for q in range(1, 6)]
    plan: list[tuple[int, str, Decimal]] = []
    open_count = 0
    for _ in range(ops):
        roll = rng.random()
        kind = 0 if roll < 0.5 or open_count == 0 else (1 if roll < 0.75 else 2)
        open_count += 1 if kind == 0 else -1
        plan.append((kind, rng.choice(names), rng.choice(quantities)))
    return plan


def run_floor(plan: list[tuple[int, str, Decimal]], skus: int) -> float:
    stock: dict[tuple[str, str], list[Decimal]] = {}
    locations_of: dict[str, tuple[str, ...]] = {}
    for i in range(skus):
        sku = f"SKU-{i:05d}"
        locations_of[sku] = LOCATIONS
        for loc in LOCATIONS:
            stock[(sku, loc)] = [Decimal(10**9), Decimal(0), Decimal(5)]
    reservations: dict[int, tuple[tuple[str, str], Decimal]] = {}
    open_ids: deque[int] = deque()
    start = time.process_time()
    for n, (kind, sku, q) in enumerate(plan):
        if kind == 0:
            for loc in locations_of[sku]:
                key = (sku, loc)
                cell = stock[key]
                if cell[0] - cell[1] - cell[2] >= q:
                    cell[1] += q
                    reservations[n] = (key, q)
                    open_ids.append(n)
                    break
            else:
                raise RuntimeError("oversold")
        else:
            key, held = reservations.pop(open_ids.popleft())
            cell = stock[key]
            cell[1] -= held
            if kind == 2:
                cell[0] -= held
    return time.process_time() - start


def run_ledger(plan: list[tuple[int, str, Decimal]], skus: int) -> float:
    ledger = StockLedger()
    for i in range(skus):
        sku = f"SKU-{i:05d}"
        for loc in LOCATIONS:
            ledger.set_levels(sku, loc, safety_stock=5)
            ledger.receive(sku, loc, quantity=10**9, operation_id=f"in:{sku}:{loc}", at=AT)
    ledger.drain_events()
    # The caller's inputs are prepared before the clock starts, as the floor's are (the
    # plan): operation ids, and the request lines of each reservation (ReservationLine
    # validates its quantity when built, as a caller mapping order lines would).
    op_ids = [f"op-{n}" for n in range(len(plan))]
    requests = [(ReservationLine("1", sku, q),) if kind == 0 else () for kind, sku, q in plan]
    open_ids: deque[str] = deque()
    reserve, release, commit = ledger.reserve, ledger.release, ledger.commit
    start = time.process_time()
    for n, (kind, _, _) in enumerate(plan):
        op = op_ids[n]
        if kind == 0:
            reserve("order", requests[n], operation_id=op, at=AT)
            open_ids.append(op)
        elif kind == 1:
            release(open_ids.popleft(), operation_id=op, at=AT)
        else:
            commit(open_ids.popleft(), operation_id=op, at=AT)
    elapsed = time.process_time() - start
    # Sanity: the ledger agrees with its own journal after the run.
    if ledger.rebuild_reserved() != {(p.sku, p.location): p.reserved for p in ledger.positions()}:
        raise RuntimeError("journal and positions disagree")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="best of N, floor and ledger alternating"
    )
    args = parser.parse_args()
    plan = schedule(args.ops, args.skus)
    # Alternate the two and keep each one's best run: a shared machine's noise then
    # hits both alike instead of skewing the ratio.
    floor = ledger = float("inf")
    for _ in range(args.repeat):
        floor = min(floor, run_floor(plan, args.skus))
        ledger = min(ledger, run_ledger(plan, args.skus))
    floor_rate = args.ops / floor
    ledger_rate = args.ops / ledger
    ratio = ledger_rate / floor_rate
    print(
        f"operations: {args.ops:,} (reserve 50%, release 25%, commit 25%) over {args.skus:,} SKUs"
        f" x {len(LOCATIONS)} locations, best of {args.repeat}"
    )
    print(f"floor  (dict of counters): {floor_rate:>12,.0f} ops/s")
    print(f"ledger (StockLedger)     : {ledger_rate:>12,.0f} ops/s")
    verdict = "OK" if ratio >= 1 / BUDGET else "OVER BUDGET"
    print(f"ratio ledger/floor: {ratio:.3f} (budget >= {1 / BUDGET:.3f}) {verdict}")


if __name__ == "__main__":
    main()
