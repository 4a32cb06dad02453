"""Reading a file into rows: CSV (UTF-8 with or without BOM, GB18030) and ``.xlsx``.

Invariants:

* the whole file is read once, at most ``max_file_bytes + 1`` bytes of it, so every
  later pass (fingerprint, reading, entering) sees the same content;
* a workbook is refused before openpyxl unpacks anything when its parts would unpack
  beyond the limits (the sizes of the ZIP directory bind Python's ``zipfile``: it never
  inflates a part past the size the directory declares);
* a sheet is refused before its rows are read when its declared dimension exceeds the
  limits, and while they are read when the rows do;
* formulas are never evaluated: a formula's cached value (what the spreadsheet program
  last showed) is read, or, with :attr:`FormulaPolicy.REFUSE`, the cell is an issue;
* rows are produced one at a time (openpyxl's read-only mode, ``csv.reader``):
  memory holds the file's bytes and one row, never the whole sheet.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, Final, NamedTuple

import attrs

from salesorder._intake.cells import csv_cell, csv_row, sheet_cell, sheet_row
from salesorder._intake.codes import (
    ARCHIVE_PARTS,
    ARCHIVE_RATIO,
    ARCHIVE_TOO_LARGE,
    CELL_FORMULA,
    CELL_FORMULA_NOT_CALCULATED,
    CSV_MALFORMED,
    EXTRA_MISSING,
    FILE_ENCODING,
    FILE_UNREADABLE,
    LIMIT_OPTIONS,
    SHEET_MISSING,
    SHEET_TOO_MANY_COLUMNS,
    SHEET_TOO_MANY_ROWS,
    IntakeError,
)
from salesorder._validation.report import Issue

__all__ = [
    "FileFormat",
    "FormulaPolicy",
    "IntakeLimits",
    "Refused",
    "Row",
    "Table",
    "open_table",
]


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value <= 0:
        raise IntakeError("intake.option.invalid", params={"option": LIMIT_OPTIONS[attribute.name]})


@attrs.frozen(kw_only=True)
class IntakeLimits:
    """Bounds that keep a hostile file cheap to refuse.

    Attributes:
        max_file_bytes: Largest file, in bytes.
        max_unpacked_bytes: Most bytes the parts of a workbook may unpack to.
        max_compression_ratio: Highest unpacked-to-packed ratio of a workbook part of
            more than a megabyte (a zip bomb's is in the thousands).
        max_archive_parts: Most parts (files) inside a workbook.
        max_rows: Most rows of a sheet or records of a CSV file, header included.
        max_columns: Most columns of a row.
        max_issues: Most issues one report lists; then one ``report.truncated``.
    """

    max_file_bytes: int = attrs.field(default=50_000_000, validator=_positive)
    max_unpacked_bytes: int = attrs.field(default=500_000_000, validator=_positive)
    max_compression_ratio: int = attrs.field(default=200, validator=_positive)
    max_archive_parts: int = attrs.field(default=1000, validator=_positive)
    max_rows: int = attrs.field(default=200_000, validator=_positive)
    max_columns: int = attrs.field(default=256, validator=_positive)
    max_issues: int = attrs.field(default=1000, validator=_positive)


class FormulaPolicy(enum.StrEnum):
    """What a formula in a workbook cell means. Formulas are never evaluated."""

    CACHED_VALUE = "cached_value"
    """Read the value the spreadsheet program saved with the formula; a formula saved
    without one (a file written by a program that does not calculate) is an issue."""
    REFUSE = "refuse"
    """Every formula in a column that is imported is an issue."""


class FileFormat(enum.StrEnum):
    """The kinds of file read."""

    XLSX = "xlsx"
    CSV = "csv"


class Refused(Exception):
    """The file cannot be read further; ``issue`` says why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.code)
        self.issue = issue


class Row(NamedTuple):
    """One row: its 1-based number, its values, and the columns holding a bad formula.

    A named tuple rather than an attrs class: one is made per row of the file.
    """

    number: int
    values: Sequence[object]
    formulas: dict[int, str] | None = None


@attrs.frozen(kw_only=True)
class Table:
    """A file opened for reading: its header, its rows, and how to name its cells.

    ``rows`` yields the rows after the header and may raise :class:`Refused`;
    ``apostrophes`` is False when the file has no ``'`` at all (no cell to restore).
    """

    file_format: FileFormat
    header: tuple[str, ...]
    header_row: int
    rows: Iterator[Row]
    cell: Callable[[int, int], str]
    row: Callable[[int], str]
    apostrophes: bool = True


_MEGABYTE: Final = 1_000_000
_FORMULA_TAG: Final = re.compile(rb"<(?:\w+:)?f[\s>/]")


def detect_format(data: bytes, name: str | None) -> FileFormat | None:
    """The format by the file's first bytes (a ZIP is a workbook), else by its name.

    Bytes without a name that hold no NUL in their first 8 KiB are taken for CSV text;
    anything else (an old binary ``.xls``, say) is no format read here.
    """
    if data.startswith(b"PK\x03\x04"):
        return FileFormat.XLSX
    lowered = (name or "").lower()
    if lowered.endswith(".xlsx"):
        return FileFormat.XLSX
    if lowered.endswith((".csv", ".txt", ".tsv")):
        return FileFormat.CSV
    if b"\x00" not in data[:8192] and not lowered.endswith((".xls", ".xlsm", ".xlsb", ".ods")):
        return FileFormat.CSV
    return None


def open_table(
    data: bytes,
    file_format: FileFormat,
    *,
    limits: IntakeLimits,
    header_row: int,
    sheet: str | None,
    formulas: FormulaPolicy,
    encoding: str | None,
    delimiter: str | None,
    header_text: Callable[[object], str],
) -> Table:
    """Open ``data`` as a table of rows.

    Raises:
        Refused: the file cannot be read at all, or its header lies beyond the limits.
        IntakeError: ``intake.extra_missing`` for a workbook without openpyxl.
    """
    if file_format is FileFormat.CSV:
        return _csv_table(
            data,
            limits=limits,
            header_row=header_row,
            encoding=encoding,
            delimiter=delimiter,
        )
    return _xlsx_table(
        data,
        limits=limits,
        header_row=header_row,
        sheet=sheet,
        formulas=formulas,
        header_text=header_text,
    )


def _refused(code: str, cell: str | None = None, **params: Any) -> Refused:
    return Refused(Issue(code, "", params=params, cell=cell))


def _take_header(
    rows: Iterator[Row], header_row: int, text: Callable[[object], str]
) -> tuple[str, ...]:
    for row in rows:
        if row.number == header_row:
            return tuple(text(value) for value in row.values)
    return ()


# -- CSV ------------------------------------------------------------------------------------


def _csv_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        # In slices, so the check never holds the whole file as text.
        for start in range(0, len(data), _MEGABYTE):
            decoder.decode(view[start : start + _MEGABYTE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # What Excel in China writes when it saves "CSV" (a superset of GBK and GB2312).
        return "gb18030"
    return "utf-8"


def _sniff_delimiter(data: bytes) -> str:
    first_line = data[: data.find(b"\n")] if b"\n" in data[:65536] else data[:65536]
    counts = {delimiter: first_line.count(delimiter.encode()) for delimiter in ",;\t"}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(text: IO[str], delimiter: str, limits: IntakeLimits) -> Iterator[Row]:
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    number = 0
    while True:
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise _refused(CSV_MALFORMED, csv_row(number)) from None
        except UnicodeDecodeError:
            raise _refused(FILE_ENCODING, csv_row(number)) from None
        if number > limits.max_rows:
            raise _refused(SHEET_TOO_MANY_ROWS, csv_row(number), max=limits.max_rows)
        if len(values) > limits.max_columns:
            raise _refused(SHEET_TOO_MANY_COLUMNS, csv_row(number), max=limits.max_columns)
        yield Row(number, values)


def _csv_table(
    data: bytes,
    *,
    limits: IntakeLimits,
    header_row: int,
    encoding: str | None,
    delimiter: str | None,
) -> Table:
    chosen = encoding or _csv_encoding(data)
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise IntakeError("intake.option.invalid", params={"option": "encoding"}) from None
    # newline="" lets the csv module see the line ends inside quoted fields.
    text = io.TextIOWrapper(io.BytesIO(data), encoding=chosen, newline="")
    rows = _csv_rows(text, delimiter or _sniff_delimiter(data), limits)
    header = _take_header(rows, header_row, lambda value: str(value).strip())
    return Table(
        file_format=FileFormat.CSV,
        header=header,
        header_row=header_row,
        rows=rows,
        cell=csv_cell,
        row=csv_row,
        apostrophes=b"'" in data,
    )


# -- xlsx -----------------------------------------------------------------------------------


def _check_archive(archive: zipfile.ZipFile, limits: IntakeLimits) -> None:
    parts = archive.infolist()
    if len(parts) > limits.max_archive_parts:
        raise _refused(ARCHIVE_PARTS, max=limits.max_archive_parts)
    if sum(part.file_size for part in parts) > limits.max_unpacked_bytes:
        raise _refused(ARCHIVE_TOO_LARGE, max=limits.max_unpacked_bytes)
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _MEGABYTE and ratio > limits.max_compression_ratio:
            raise _refused(ARCHIVE_RATIO, max=limits.max_compression_ratio)


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """Whether any worksheet part holds a formula element, by a scan of its raw XML."""
    for part in archive.infolist():
        if not part.filename.startswith("xl/worksheets/"):
            continue
        tail = b""
        with archive.open(part) as stream:
            while chunk := stream.read(1 << 20):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def _workbook(data: bytes, *, data_only: bool) -> Any:
    try:
        import openpyxl  # noqa: PLC0415  (optional extra, only for workbooks)
    except ImportError:  # pragma: no cover  (the test environment installs the extra)
        raise IntakeError(EXTRA_MISSING) from None
    try:
        return openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False
        )
    except Exception:  # any failure of the workbook parser means the same to the user
        raise _refused(FILE_UNREADABLE, format="xlsx") from None


def _worksheet(workbook: Any, name: str | None) -> Any:
    sheets = workbook.worksheets
    if name is None:
        if not sheets:
            raise _refused(SHEET_MISSING)
        return sheets[0]
    for sheet in sheets:
        if sheet.title == name:
            return sheet
    raise _refused(SHEET_MISSING)


def _sheet_values(sheet: Any, *, cells: bool) -> Iterator[Sequence[Any]]:
    try:
        yield from sheet.iter_rows(values_only=not cells)
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError) as error:
        raise _refused(FILE_UNREADABLE, format="xlsx") from error
    except Exception as error:  # XML parser errors have no common base class
        raise _refused(FILE_UNREADABLE, format="xlsx") from error


def _xlsx_rows(
    title: str,
    values: Iterator[Sequence[Any]],
    formula_cells: Iterator[Sequence[Any]] | None,
    policy: FormulaPolicy,
    limits: IntakeLimits,
) -> Iterator[Row]:
    for number, row in enumerate(values, start=1):
        if number > limits.max_rows:
            raise _refused(SHEET_TOO_MANY_ROWS, sheet_row(title, number), max=limits.max_rows)
        if len(row) > limits.max_columns:
            raise _refused(SHEET_TOO_MANY_COLUMNS, sheet_row(title, number), max=limits.max_columns)
        if formula_cells is None:
            yield Row(number, row)
            continue
        problems: dict[int, str] = {}
        cached = list(row)
        for column, cell in enumerate(next(formula_cells, ())):
            if getattr(cell, "data_type", None) != "f":
                continue
            if policy is FormulaPolicy.REFUSE:
                problems[column] = CELL_FORMULA
                cached[column] = None
            elif column >= len(cached) or cached[column] is None:
                problems[column] = CELL_FORMULA_NOT_CALCULATED
        yield Row(number, cached, problems or None)


def _xlsx_table(
    data: bytes,
    *,
    limits: IntakeLimits,
    header_row: int,
    sheet: str | None,
    formulas: FormulaPolicy,
    header_text: Callable[[object], str],
) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refused(FILE_UNREADABLE, format="xlsx") from None
    with archive:
        _check_archive(archive, limits)
        try:
            has_formulas = _has_formulas(archive)
        except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, EOFError):
            raise _refused(FILE_UNREADABLE, format="xlsx") from None
    values_sheet = _worksheet(_workbook(data, data_only=True), sheet)
    title = str(values_sheet.title)
    declared_rows, declared_columns = values_sheet.max_row, values_sheet.max_column
    if isinstance(declared_rows, int) and declared_rows > limits.max_rows:
        raise _refused(SHEET_TOO_MANY_ROWS, max=limits.max_rows)
    if isinstance(declared_columns, int) and declared_columns > limits.max_columns:
        raise _refused(SHEET_TOO_MANY_COLUMNS, max=limits.max_columns)
    # The declared dimension may understate the data: read what is there, bounded above.
    values_sheet.reset_dimensions()
    formula_cells = None
    if has_formulas:
        formula_sheet = _worksheet(_workbook(data, data_only=False), sheet)
        formula_sheet.reset_dimensions()
        formula_cells = _sheet_values(formula_sheet, cells=True)
    rows = _xlsx_rows(
        title, _sheet_values(values_sheet, cells=False), formula_cells, formulas, limits
    )
    header = _take_header(rows, header_row, header_text)
    return Table(
        file_format=FileFormat.XLSX,
        header=header,
        header_row=header_row,
        rows=rows,
        cell=lambda row, column: sheet_cell(title, row, column),
        row=lambda row: sheet_row(title, row),
    )
