"""Writing orders and issues to ``.xlsx`` and ``.csv`` files, safe to open.

Invariants: every text cell goes through :func:`~salesorder._intake.cells.neutralise`
(a text a spreadsheet program could take for a formula gets a leading ``'``); numbers
and dates are written as such, never as text; an order file has the intake's own
columns, so it imports back into the same drafts; a CSV file is UTF-8 with a BOM,
which Excel needs to show Chinese text.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

from salesorder._intake.cells import neutralise
from salesorder._intake.codes import EXTRA_MISSING, IntakeError, not_opened
from salesorder._intake.mapping import (
    CHINESE_HEADERS,
    ENGLISH_HEADERS,
    LINE_FIELDS,
    ORDER_FIELDS,
    ORDER_KEY,
    TRADITIONAL_CHINESE_HEADERS,
)
from salesorder._intake.run import IntakeReport
from salesorder._intake.sources import FileFormat
from salesorder._validation.report import Issue, ValidationReport
from salesorder.i18n import SIMPLIFIED_CHINESE, TRADITIONAL_CHINESE, negotiate
from salesorder.order import Order, OrderLine

__all__ = ["export_issues", "export_orders"]

Destination = str | os.PathLike[str] | IO[bytes]
Cell = str | Decimal | int | dt.date | None

# Characters XML 1.0 cannot hold: a workbook with one is unreadable.
_NOT_IN_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ISSUE_HEADERS: Final = {
    "en": ("Order No.", "Rows", "Cell", "Path", "Severity", "Code", "Message"),
    SIMPLIFIED_CHINESE: ("订单号", "行", "单元格", "路径", "严重程度", "代码", "说明"),
    TRADITIONAL_CHINESE: ("訂單號", "行", "儲存格", "路徑", "嚴重程度", "代碼", "說明"),
}
#: The headers an order export writes, by negotiated language: every one of them is a
#: header the importer recognises (``ColumnMapping.default``), so the file reads back.
_ORDER_HEADERS: Final = {
    "en": ENGLISH_HEADERS,
    SIMPLIFIED_CHINESE: CHINESE_HEADERS,
    TRADITIONAL_CHINESE: TRADITIONAL_CHINESE_HEADERS,
}


def _format(destination: Destination, file_format: FileFormat | str | None) -> FileFormat:
    if file_format is not None:
        try:
            return FileFormat(file_format)
        except ValueError:
            raise IntakeError("intake.option.invalid", params={"option": "file_format"}) from None
    if isinstance(destination, str | os.PathLike):
        suffix = Path(destination).suffix.lower()
        if suffix == ".xlsx":
            return FileFormat.XLSX
        if suffix in {".csv", ".txt"}:
            return FileFormat.CSV
    raise IntakeError("intake.option.invalid", params={"option": "file_format"})


def _safe(value: Any) -> Cell:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | dt.date):
        return value
    return neutralise(str(value))


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write(
    destination: Destination,
    file_format: FileFormat,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    sheet: str,
) -> None:
    buffer = io.BytesIO()
    if file_format is FileFormat.CSV:
        text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([neutralise(name) for name in header])
        writer.writerows([_csv_text(value) for value in row] for row in rows)
        text.flush()
        text.detach()
    else:
        _write_xlsx(buffer, header, rows, sheet)
    data = buffer.getvalue()
    if isinstance(destination, str | os.PathLike):
        try:
            Path(destination).write_bytes(data)
        except OSError as error:
            raise not_opened(error) from None
    else:
        destination.write(data)


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        return _NOT_IN_XML.sub("\ufffd", value)
    return value


def _write_xlsx(
    buffer: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Cell]], sheet: str
) -> None:
    try:
        import openpyxl  # noqa: PLC0415  (optional extra, only for workbooks)
    except ImportError:  # pragma: no cover  (the test environment installs the extra)
        raise IntakeError(EXTRA_MISSING) from None
    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([_xlsx_value(neutralise(name)) for name in header])
    for row in rows:
        worksheet.append([_xlsx_value(value) for value in row])
    workbook.save(buffer)


def _value(source: object, field: str) -> object:
    value: Any = source
    for part in field.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _line_value(line: OrderLine, field: str) -> object:
    name = field.removeprefix("line.")
    price = line.unit_price
    if name == "unit_price":
        return None if price is None else price.amount
    if name == "currency":
        return None if price is None else price.currency
    return getattr(line, name)


def _order_rows(orders: Iterable[Order]) -> Iterator[list[Cell]]:
    for order in orders:
        head = [_safe(order.number or order.id)]
        head += [_safe(_value(order, field)) for field in ORDER_FIELDS]
        for line in order.lines:
            yield head + [_safe(_line_value(line, field)) for field in LINE_FIELDS]


def _script(locale: str) -> str:
    """``zh_Hans``, ``zh_Hant`` or ``en``: the headers' language (a host language: English)."""
    catalog = negotiate(locale).catalog
    return catalog if catalog in _ORDER_HEADERS else "en"


def _headers(locale: str) -> dict[str, tuple[str, ...]]:
    return dict(_ORDER_HEADERS[_script(locale)])


def export_orders(
    orders: Iterable[Order],
    destination: Destination,
    *,
    file_format: FileFormat | str | None = None,
    locale: str = "en",
) -> None:
    """Write orders to a file in the intake's own columns, one row per line.

    The order key column holds the order number (its id when it has none); the file
    imports back with :func:`~salesorder.intake.check_file` into the same drafts.

    Args:
        orders: The orders.
        destination: A path (``.xlsx`` or ``.csv``) or a binary file object.
        file_format: ``xlsx`` or ``csv`` (a :class:`FileFormat` or its value); by
            default from the path's suffix.
        locale: The language of the headers: English, Simplified Chinese (``zh_CN``)
            or Traditional Chinese (``zh_TW``, ``zh_HK``), negotiated as messages are.

    Raises:
        IntakeError: an unknown format, a path that cannot be written, or ``.xlsx``
            without the ``excel`` extra.
    """
    headers = _headers(locale)
    header = [headers[field][0] for field in (ORDER_KEY, *ORDER_FIELDS, *LINE_FIELDS)]
    _write(destination, _format(destination, file_format), header, _order_rows(orders), "Orders")


def _issue_row(key: str | None, rows: str | None, issue: Issue, locale: str) -> list[Cell]:
    return [
        _safe(key),
        _safe(rows),
        _safe(issue.cell),
        _safe(issue.path),
        _safe(issue.severity.value),
        _safe(issue.code),
        _safe(issue.message(locale)),
    ]


def _issue_rows(
    report: IntakeReport | ValidationReport | Iterable[Issue], locale: str
) -> Iterator[list[Cell]]:
    if isinstance(report, IntakeReport):
        for issue in report.file_issues:
            yield _issue_row(None, None, issue, locale)
        for outcome in report.outcomes:
            rows = f"{outcome.first_row}-{outcome.last_row}"
            for issue in outcome.issues:
                yield _issue_row(outcome.key, rows, issue, locale)
        if report.dropped:
            yield _issue_row(None, None, report.issues[-1], locale)
        return
    issues = report.issues if isinstance(report, ValidationReport) else report
    for issue in issues:
        yield _issue_row(None, None, issue, locale)


def export_issues(
    report: IntakeReport | ValidationReport | Iterable[Issue],
    destination: Destination,
    *,
    file_format: FileFormat | str | None = None,
    locale: str = "en",
) -> None:
    """Write issues to a file: order key, rows, cell, path, severity, code, message.

    Args:
        report: An intake report (its file issues, then each order's), a validation
            report, or issues.
        destination: A path (``.xlsx`` or ``.csv``) or a binary file object.
        file_format: ``xlsx`` or ``csv`` (a :class:`FileFormat` or its value); by
            default from the path's suffix.
        locale: The language of the headers and messages (``en``, ``zh_CN``, ``zh_TW``).

    Raises:
        IntakeError: as :func:`export_orders`.
    """
    header = _ISSUE_HEADERS[_script(locale)]
    rows = _issue_rows(report, locale)
    _write(destination, _format(destination, file_format), header, rows, "Issues")
