"""Benchmark: a dry-run import of a CSV file against validate() of the same orders as JSON.

Run: ``python benchmarks/bench_intake.py``. Budget (issue 18): checking a CSV file of
1,000 orders and 10,000 lines (:func:`salesorder.intake.check_file`: decoding, grouping
rows into drafts, validating each, locating each issue's cell) costs at most 1.5x
:func:`salesorder.validation.validate` of the same 1,000 orders given as JSON text.
Both sides are measured in alternating rounds, best of each, in the same run.

Hostile files are refused in under 50 ms each, with their code: a zip bomb (a
100 MB sheet part packed into 100 KB) and a workbook whose sheet declares a million
rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from salesorder.intake import IntakeOptions, check_file
from salesorder.validation import validate

RATIO_BUDGET = 1.5
HOSTILE_BUDGET_MS = 50.0
ORDERS = 1000
LINES = 10
HEADER = ["订单号", "客户编码", "客户名称", "商品编码", "品名", "规格", "数量", "单位", "单价"]


def order_rows(order: int) -> list[list[str]]:
    return [
        [
            f"SO-{order:05d}",
            f"C-{order % 97:04d}",
            f"示例客户 {order % 97}",
            f"SKU-{line:04d}",
            f"商品 {line}",
            "250g",
            str(1 + (order + line) % 20),
            "件",
            f"{10 + line}.50",
        ]
        for line in range(LINES)
    ]


def csv_file() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for order in range(ORDERS):
        writer.writerows(order_rows(order))
    return buffer.getvalue().encode("utf-8")


def json_orders() -> list[bytes]:
    """The same orders as the drafts the intake builds from the CSV rows, as JSON text."""
    orders = []
    for order in range(ORDERS):
        rows = order_rows(order)
        key, customer_id, customer_name = rows[0][:3]
        payload = {
            "customer": {"id": customer_id, "name": customer_name},
            "currency": "CNY",
            "external_ref": key,
            "lines": [
                {
                    "sku": sku,
                    "name": name,
                    "specification": specification,
                    "quantity": quantity,
                    "unit": unit,
                    "unit_price": price,
                }
                for _, _, _, sku, name, specification, quantity, unit, price in rows
            ],
        }
        orders.append(json.dumps(payload, ensure_ascii=False).encode())
    return orders


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 100_000_000)
    return buffer.getvalue()


def million_row_sheet() -> bytes:
    """A small workbook whose sheet declares 1,048,576 rows and 16,384 columns."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(HEADER)
    sheet.append(order_rows(0)[0])
    plain = io.BytesIO()
    workbook.save(plain)
    lying = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            data = source.read(part)
            if part.filename.startswith("xl/worksheets/"):
                # Before the sheet views, where the schema puts the dimension.
                data = re.sub(rb"<dimension[^>]*>", b"", data).replace(
                    b"<sheetViews>", b'<dimension ref="A1:XFD1048576"/><sheetViews>'
                )
            target.writestr(part, data)
    return lying.getvalue()


def hostile(options: IntakeOptions) -> int:
    failures = 0
    print(f"hostile files (budget < {HOSTILE_BUDGET_MS:.0f} ms each):")
    cases = {
        "zip bomb, 100 MB part": (zip_bomb(), "intake.archive.compression_ratio"),
        "sheet declaring 1,048,576 rows": (million_row_sheet(), "intake.sheet.too_many_rows"),
    }
    for name, (data, code) in cases.items():
        best = min(seconds(lambda data=data: check_file(data, options=options)) for _ in range(5))
        codes = [issue.code for issue in check_file(data, options=options).issues]
        ok = best * 1000 < HOSTILE_BUDGET_MS and codes == [code]
        failures += not ok
        print(f"  {name:32s} {best * 1000:7.2f} ms  {codes}  {'OK' if ok else 'FAIL'}")
    return failures


def seconds(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> int:
    data = csv_file()
    payloads = json_orders()
    options = IntakeOptions(currency="CNY")
    report = check_file(data, options=options)
    if not report.ok or len(report.outcomes) != ORDERS:
        print("the benchmark file is not valid:", report.issues[:5])
        return 1
    if not all(validate(payload).ok for payload in payloads):
        print("the benchmark orders are not valid")
        return 1

    def floor() -> None:
        for payload in payloads:
            validate(payload)

    def intake() -> None:
        check_file(data, options=options)

    best_floor = best_intake = float("inf")
    for _ in range(11):
        best_floor = min(best_floor, seconds(floor))
        best_intake = min(best_intake, seconds(intake))
    ratio = best_intake / best_floor
    verdict = "OK" if ratio <= RATIO_BUDGET else "OVER BUDGET"
    print(f"{ORDERS} orders, {ORDERS * LINES} lines; CSV {len(data)} bytes")
    print(f"  validate() of each order as JSON:  {best_floor * 1000:8.1f} ms")
    print(f"  check_file() of the CSV (dry run): {best_intake * 1000:8.1f} ms")
    print(f"  ratio {ratio:.2f}x (budget <= {RATIO_BUDGET:.1f}x) {verdict}")
    failures = hostile(options) + (ratio > RATIO_BUDGET)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
