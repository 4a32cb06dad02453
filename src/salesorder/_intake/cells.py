"""Cell values as text, cell references, and the formula-injection guard of exports.

Invariants: a value read from a file becomes text one way only (:func:`cell_text`);
the guard that exports apply (:func:`neutralise`) and the reading that undoes it
(:func:`restore`) are each other's inverse, so an exported order file imports back
unchanged.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

__all__ = [
    "FORMULA_TRIGGERS",
    "cell_text",
    "column_letters",
    "csv_cell",
    "csv_row",
    "neutralise",
    "restore",
    "sheet_cell",
    "sheet_row",
]

#: A spreadsheet program may read text starting with one of these as a formula
#: (tab and carriage return as well, per OWASP's CSV-injection advice).
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_QUOTE: Final = "'"


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: a leading formula trigger gets a ``'`` before it.

    A text whose quotes already stand before a trigger (``'=A1``, as typed) gets one more,
    so that `restore` gives it back as it was.
    """
    return _QUOTE + text if _quoted_on_export(text) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`: ``'=...`` read from a file is ``=...``."""
    if text.startswith(_QUOTE) and _quoted_on_export(text[1:]):
        return text[1:]
    return text


def _quoted_on_export(text: str) -> bool:
    # Quotes, then a trigger: "=1", "'=1", "''=1"... (one rule for both directions).
    return text.lstrip(_QUOTE).startswith(FORMULA_TRIGGERS)


def cell_text(value: object) -> str:  # noqa: PLR0911  (one exit per cell type)
    """The text of a cell value as the order draft takes it ("" for an empty cell).

    Numbers keep their exact written form: a float is read back from its shortest
    round-tripping representation (the text the file stored), an integral one without
    ``.0``; a date-time at midnight is a date.
    """
    if value is None:
        return ""
    if type(value) is str:
        text = value.strip()
        return restore(text) if text[:1] == _QUOTE else text
    if isinstance(value, str):
        return restore(value.strip())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text.removesuffix(".0")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def column_letters(index: int) -> str:
    """Spreadsheet letters of a 0-based column index (0 -> ``A``, 26 -> ``AA``)."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _sheet_prefix(sheet: str) -> str:
    if sheet.replace("_", "").isalnum() and not sheet[:1].isdigit():
        return f"{sheet}!"
    escaped = sheet.replace("'", "''")
    return f"'{escaped}'!"


def sheet_cell(sheet: str, row: int, column: int) -> str:
    """``Sheet1!D7`` for 1-based ``row`` and 0-based ``column`` (quoted sheet names as Excel)."""
    return f"{_sheet_prefix(sheet)}{column_letters(column)}{row}"


def sheet_row(sheet: str, row: int) -> str:
    """``Sheet1!7:7``: a whole row of a sheet."""
    return f"{_sheet_prefix(sheet)}{row}:{row}"


def csv_cell(row: int, column: int) -> str:
    """``R7C4``: record 7, field 4 of a CSV file (both 1-based; ``column`` given 0-based)."""
    return f"R{row}C{column + 1}"


def csv_row(row: int) -> str:
    """``R7``: the whole record 7 of a CSV file."""
    return f"R{row}"
