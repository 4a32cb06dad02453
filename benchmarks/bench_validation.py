"""Benchmark: validate() against pydantic parsing alone, and hostile payloads refused fast.

Run: ``python benchmarks/bench_validation.py``. Budgets (from the issue):

* ``validate()`` of a valid 20-line order JSON (parse, conversion, business rules)
  costs at most 2x ``OrderDraft.model_validate_json`` on the same bytes;
* each hostile payload (10 MB body, nesting 100 000 deep, a 1e1000000 amount,
  100 000 lines) is refused in under 5 ms.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from salesorder.schema import OrderDraft
from salesorder.validation import validate

RATIO_BUDGET = 2.0
HOSTILE_BUDGET_MS = 5.0


def twenty_line_order() -> bytes:
    example = Path(__file__).resolve().parents[1] / "examples" / "standard-order.json"
    payload = json.loads(example.read_text(encoding="utf-8"))
    template = payload["lines"][0]
    payload["lines"] = [
        {**template, "line_id": str(i + 1), "sku": f"SKU-{i:04d}", "unit_price": f"{10 + i}.50"}
        for i in range(20)
    ]
    return json.dumps(payload, ensure_ascii=False).encode()


def best_of(function: Callable[[], object], *, repeat: int = 7, number: int = 300) -> float:
    """Best mean seconds per call over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def best_of_pair(
    floor: Callable[[], object], library: Callable[[], object], *, rounds: int = 40
) -> tuple[float, float]:
    """Best per-call seconds of both, measured in alternating rounds (fair under load)."""
    best_floor = best_library = float("inf")
    for _ in range(rounds):
        best_floor = min(best_floor, best_of(floor, repeat=1, number=100))
        best_library = min(best_library, best_of(library, repeat=1, number=100))
    return best_floor, best_library


def hostile_payloads() -> dict[str, tuple[bytes, str]]:
    line = b'{"sku":"A","name":"a","quantity":"1"}'
    return {
        "10 MB body": (b" " * 10_000_000, "payload.too_large"),
        "nesting 100 000 deep": (b"[" * 100_000 + b"]" * 100_000, "payload.too_deep"),
        "1e1000000 amount": (
            (
                b'{"customer":{"id":"C","name":"n"},"currency":"CNY","lines":[{"sku":"A",'
                b'"name":"a","quantity":"1","unit_price":1e1000000}]}'
            ),
            "decimal.out_of_range",
        ),
        "100 000 lines": (
            b'{"customer":{"id":"C","name":"n"},"currency":"CNY","lines":['
            + b",".join([b"{}"] * 100_000)
            + b"]}",
            "lines.too_many",
        ),
        "100 000 full lines (3.8 MB)": (
            b'{"customer":{"id":"C","name":"n"},"currency":"CNY","lines":['
            + b",".join([line] * 100_000)
            + b"]}",
            "payload.too_large",
        ),
        "1,000 lines x 120 unknown keys": (
            b'{"lines":['
            + b",".join([b"{" + b",".join(b'"k%d":0' % i for i in range(120)) + b"}"] * 1000)
            + b"]}",
            "payload.too_many_members",
        ),
    }


def main() -> int:
    data = twenty_line_order()
    if not validate(data).ok:
        print("the benchmark order is not valid:", validate(data).issues)
        return 1
    floor, library = best_of_pair(
        lambda: OrderDraft.model_validate_json(data), lambda: validate(data)
    )
    ratio = library / floor
    verdict = "OK" if ratio <= RATIO_BUDGET else "OVER BUDGET"
    print(f"20-line order, {len(data)} bytes")
    print(f"  OrderDraft.model_validate_json: {floor * 1e6:8.1f} us")
    print(f"  validate() (parse+convert+rules): {library * 1e6:8.1f} us")
    print(f"  ratio {ratio:.2f}x (budget <= {RATIO_BUDGET:.1f}x) {verdict}")
    failures = int(ratio > RATIO_BUDGET)
    print("hostile payloads (budget < 5 ms each):")
    for name, (payload, code) in hostile_payloads().items():
        report = validate(payload)
        codes = [issue.code for issue in report.issues]
        seconds = best_of(lambda p=payload: validate(p), repeat=3, number=5)
        ok = seconds * 1000 < HOSTILE_BUDGET_MS and codes == [code]
        failures += not ok
        print(f"  {name:32s} {seconds * 1000:7.3f} ms  {codes}  {'OK' if ok else 'FAIL'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
