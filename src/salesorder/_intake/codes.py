"""The codes of file intake, and its one exception.

Invariants: no message or parameter echoes a value read from the file (names, phones,
order keys); parameters are limits, row numbers and field names.
"""

from __future__ import annotations

import errno
from typing import Final

from salesorder.errors import SalesOrderError, define_code, define_phrase

__all__ = ["IntakeError", "not_opened"]

#: Why a file cannot be opened or written: the ``reason`` of ``intake.file.not_opened``
#: (terms of the catalogs), by the operating system's error number; the C library's own
#: wording in English, so the English message reads as before.
OS_REASONS: Final = {
    errno.ENOENT: define_phrase("No such file or directory"),
    errno.EACCES: define_phrase("Permission denied"),
    errno.EPERM: define_phrase("Operation not permitted"),
    errno.EISDIR: define_phrase("Is a directory"),
    errno.ENOTDIR: define_phrase("Not a directory"),
    errno.ENOSPC: define_phrase("No space left on device"),
    errno.EROFS: define_phrase("Read-only file system"),
    errno.ENAMETOOLONG: define_phrase("File name too long"),
}
#: Any other operating system error (``{error}``: its symbolic name, such as ``EIO``).
OS_OTHER: Final = define_phrase("system error {error}")
NOT_A_PATH: Final = define_phrase("not a path")
#: What ``{option}`` of ``intake.option.invalid`` names (terms): an option of
#: ``IntakeOptions`` or ``IntakeLimits``, or a part of a column mapping.
MAPPING_FIELD: Final = define_phrase("mapping[{field!r}]")
MAPPING_HEADER: Final = define_phrase("mapping header {header!r}")
INTAKE_OPTIONS: Final = tuple(
    define_phrase(option)
    for option in (
        "mapping",
        "limits",
        "formulas",
        "sheet",
        "header_row",
        "currency",
        "file_format",
        "encoding",
        "delimiter",
    )
)
#: The option of each field of ``IntakeLimits`` (``limits.max_rows``).
LIMIT_OPTIONS: Final = {
    name: define_phrase(f"limits.{name}")
    for name in (
        "max_file_bytes",
        "max_unpacked_bytes",
        "max_compression_ratio",
        "max_archive_parts",
        "max_rows",
        "max_columns",
        "max_issues",
    )
}

FILE_TOO_LARGE: Final = define_code(
    "intake.file.too_large",
    en="The file is too large (at most {max} bytes).",
)
FILE_UNREADABLE: Final = define_code(
    "intake.file.unreadable",
    en="The file cannot be read as a {format} file.",
)
FILE_FORMAT: Final = define_code(
    "intake.file.format",
    en="Unknown file format: expected .xlsx or .csv.",
)
FILE_ENCODING: Final = define_code(
    "intake.file.encoding",
    en="The CSV file is neither UTF-8 nor GB18030 text.",
)
FILE_NO_HEADER: Final = define_code(
    "intake.file.no_header",
    en="The file has no header row (row {row} is empty).",
)
FILE_NO_ORDERS: Final = define_code(
    "intake.file.no_orders",
    en="The file holds no order rows.",
)
ARCHIVE_TOO_LARGE: Final = define_code(
    "intake.archive.too_large",
    en="The workbook unpacks to more than {max} bytes; refused unread.",
)
ARCHIVE_RATIO: Final = define_code(
    "intake.archive.compression_ratio",
    en="A part of the workbook is compressed more than {max} times; refused as a zip bomb.",
)
ARCHIVE_PARTS: Final = define_code(
    "intake.archive.too_many_parts",
    en="The workbook has more than {max} parts; refused unread.",
)
SHEET_MISSING: Final = define_code(
    "intake.sheet.missing",
    en="The workbook has no sheet of the name asked for.",
)
SHEET_TOO_MANY_ROWS: Final = define_code(
    "intake.sheet.too_many_rows",
    en="The sheet has more than {max} rows.",
)
SHEET_TOO_MANY_COLUMNS: Final = define_code(
    "intake.sheet.too_many_columns",
    en="The sheet has more than {max} columns.",
)
COLUMN_MISSING: Final = define_code(
    "intake.column.missing",
    en="No column for {field}; expected a header such as {header}.",
)
COLUMN_DUPLICATE: Final = define_code(
    "intake.column.duplicate",
    en="A second column for {field}; only the first one is read.",
)
COLUMN_UNMAPPED: Final = define_code(
    "intake.column.unmapped",
    en="This column is not imported: its header names no order field.",
)
CELL_FORMULA: Final = define_code(
    "intake.cell.formula",
    en="The cell holds a formula; formulas are never evaluated. Paste the values instead.",
)
CELL_FORMULA_NOT_CALCULATED: Final = define_code(
    "intake.cell.formula_not_calculated",
    en="The cell holds a formula whose result was never saved; save the file in a "
    "spreadsheet program or paste the values.",
)
CELL_CONFLICTING: Final = define_code(
    "intake.cell.conflicting",
    en="This order-level value differs from the one on the order's first row ({row}).",
)
ORDER_KEY_MISSING: Final = define_code(
    "intake.order_key.missing",
    en="The row has no order key, and there is no order above it to continue.",
)
ORDER_KEY_REPEATED: Final = define_code(
    "intake.order_key.repeated",
    en="The order key is used by rows that are not together (rows {first} and {row}); "
    "keep the rows of one order together.",
)
CSV_MALFORMED: Final = define_code(
    "intake.csv.malformed",
    en="The CSV text is malformed here (e.g. an unclosed quote or an over-long field).",
)
INTAKE_OPTION_INVALID: Final = define_code(
    "intake.option.invalid",
    en="Invalid intake option {option}.",
)
EXTRA_MISSING: Final = define_code(
    "intake.extra_missing",
    en="Reading and writing .xlsx files needs the optional extra salesorder[excel].",
)
FILE_NOT_OPENED: Final = define_code(
    "intake.file.not_opened",
    en="The file cannot be opened ({reason}).",
)


class IntakeError(SalesOrderError, ValueError):
    """A file intake that cannot start.

    A file that cannot be opened, a bad option, or the ``excel`` extra missing for an
    ``.xlsx`` file.

    Problems *inside* a file are never raised: they are issues of the report.
    """


def not_opened(error: OSError | None) -> IntakeError:
    """``intake.file.not_opened`` for an operating system error (None: not a path)."""
    if error is None:
        return IntakeError(FILE_NOT_OPENED, params={"reason": NOT_A_PATH})
    number = error.errno if isinstance(error.errno, int) else -1
    reason = OS_REASONS.get(number)
    if reason is not None:
        return IntakeError(FILE_NOT_OPENED, params={"reason": reason})
    name = errno.errorcode.get(number, type(error).__name__)
    return IntakeError(FILE_NOT_OPENED, params={"reason": OS_OTHER, "error": name})
