"""Intake: orders in bulk from spreadsheets and CSV files (订单录入), every problem at its cell.

:func:`check_file` reads an ``.xlsx`` workbook (openpyxl in read-only, streaming mode;
extra ``salesorder[excel]``) or a ``.csv`` file (UTF-8 with or without BOM, or GB18030,
which is what Excel in China writes), groups its rows into orders by the order-key
column (订单号), builds an :class:`~salesorder.schema.OrderDraft` payload per order and
validates it as :func:`~salesorder.validation.validate` (or, given a service,
:meth:`~salesorder.service.OrderService.check`) does. Every problem is a
:class:`~salesorder.validation.Issue`: its code, its message in English and Chinese,
the JSON pointer inside the draft, and the cell (``Sheet1!D7``; ``R7C4`` in a CSV file).
:func:`import_file` then enters the valid orders through
:meth:`~salesorder.service.OrderService.enter`, with idempotency keys made of the
file's SHA-256 and the order key: importing the same file twice changes nothing.

Invariants:

* a check enters nothing, and neither does an import of a file that has an error of
  its own (unreadable, beyond the limits, a required column missing);
* formulas are never evaluated: the value the spreadsheet program saved with a
  formula is read (:attr:`FormulaPolicy.CACHED_VALUE`) or the cell is refused
  (:attr:`FormulaPolicy.REFUSE`);
* a hostile file is refused quickly with a code: too large, a workbook that would
  unpack beyond the limits (zip bomb), a sheet with too many rows or columns;
* memory holds the file's bytes and one order's rows, never the whole sheet;
* exports (:func:`export_orders`, :func:`export_issues`) neutralise text cells that a
  spreadsheet program could read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR),
  and the intake reads such a neutralised cell back as it was.

This module is the public face; the implementation is private, in
``salesorder._intake``: ``mapping`` (fields and headers), ``cells`` (cell text and
references, the formula guard), ``sources`` (reading CSV and workbooks, the limits),
``drafts`` (rows into order payloads), ``run`` (checking and importing, the report)
and ``export`` (writing orders and issues).
"""

from salesorder._intake.cells import neutralise
from salesorder._intake.codes import IntakeError
from salesorder._intake.export import export_issues, export_orders
from salesorder._intake.mapping import (
    CHINESE_HEADERS,
    ENGLISH_HEADERS,
    LINE_FIELDS,
    ORDER_FIELDS,
    ORDER_KEY,
    REQUIRED_FIELDS,
    TRADITIONAL_CHINESE_HEADERS,
    ColumnMapping,
)
from salesorder._intake.run import (
    IntakeOptions,
    IntakeReport,
    OrderOutcome,
    OutcomeStatus,
    check_file,
    idempotency_key,
    import_file,
)
from salesorder._intake.sources import FileFormat, FormulaPolicy, IntakeLimits

__all__ = [
    "CHINESE_HEADERS",
    "ENGLISH_HEADERS",
    "LINE_FIELDS",
    "ORDER_FIELDS",
    "ORDER_KEY",
    "REQUIRED_FIELDS",
    "TRADITIONAL_CHINESE_HEADERS",
    "ColumnMapping",
    "FileFormat",
    "FormulaPolicy",
    "IntakeError",
    "IntakeLimits",
    "IntakeOptions",
    "IntakeReport",
    "OrderOutcome",
    "OutcomeStatus",
    "check_file",
    "export_issues",
    "export_orders",
    "idempotency_key",
    "import_file",
    "neutralise",
]
