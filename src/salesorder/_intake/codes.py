"""The codes of file intake, and its one exception.

Invariants: no message or parameter echoes a value read from the file (names, phones,
order keys); parameters are limits, row numbers and field names.
"""

from __future__ import annotations

from typing import Final

from salesorder.errors import SalesOrderError, define_code

__all__ = ["IntakeError"]

FILE_TOO_LARGE: Final = define_code(
    "intake.file.too_large",
    en="The file is too large (at most {max} bytes).",
    zh="文件过大(最多 {max} 字节)。",
)
FILE_UNREADABLE: Final = define_code(
    "intake.file.unreadable",
    en="The file cannot be read as a {format} file.",
    zh="无法按 {format} 格式读取该文件。",
)
FILE_FORMAT: Final = define_code(
    "intake.file.format",
    en="Unknown file format: expected .xlsx or .csv.",
    zh="无法识别的文件格式:应为 .xlsx 或 .csv。",
)
FILE_ENCODING: Final = define_code(
    "intake.file.encoding",
    en="The CSV file is neither UTF-8 nor GB18030 text.",
    zh="CSV 文件既不是 UTF-8 文本也不是 GB18030 文本。",
)
FILE_NO_HEADER: Final = define_code(
    "intake.file.no_header",
    en="The file has no header row (row {row} is empty).",
    zh="文件没有表头行(第 {row} 行为空)。",
)
FILE_NO_ORDERS: Final = define_code(
    "intake.file.no_orders",
    en="The file holds no order rows.",
    zh="文件中没有订单行。",
)
ARCHIVE_TOO_LARGE: Final = define_code(
    "intake.archive.too_large",
    en="The workbook unpacks to more than {max} bytes; refused unread.",
    zh="工作簿解压后超过 {max} 字节;未读取即拒绝。",
)
ARCHIVE_RATIO: Final = define_code(
    "intake.archive.compression_ratio",
    en="A part of the workbook is compressed more than {max} times; refused as a zip bomb.",
    zh="工作簿中有部分的压缩比超过 {max} 倍;按压缩炸弹拒绝。",
)
ARCHIVE_PARTS: Final = define_code(
    "intake.archive.too_many_parts",
    en="The workbook has more than {max} parts; refused unread.",
    zh="工作簿包含超过 {max} 个部件;未读取即拒绝。",
)
SHEET_MISSING: Final = define_code(
    "intake.sheet.missing",
    en="The workbook has no sheet of the name asked for.",
    zh="工作簿中没有指定名称的工作表。",
)
SHEET_TOO_MANY_ROWS: Final = define_code(
    "intake.sheet.too_many_rows",
    en="The sheet has more than {max} rows.",
    zh="工作表超过 {max} 行。",
)
SHEET_TOO_MANY_COLUMNS: Final = define_code(
    "intake.sheet.too_many_columns",
    en="The sheet has more than {max} columns.",
    zh="工作表超过 {max} 列。",
)
COLUMN_MISSING: Final = define_code(
    "intake.column.missing",
    en="No column for {field}; expected a header such as {header}.",
    zh="缺少 {field} 列;表头应为例如“{header}”。",
)
COLUMN_DUPLICATE: Final = define_code(
    "intake.column.duplicate",
    en="A second column for {field}; only the first one is read.",
    zh="{field} 出现了第二列;只读取第一列。",
)
COLUMN_UNMAPPED: Final = define_code(
    "intake.column.unmapped",
    en="This column is not imported: its header names no order field.",
    zh="此列不会导入:表头不对应任何订单字段。",
)
CELL_FORMULA: Final = define_code(
    "intake.cell.formula",
    en="The cell holds a formula; formulas are never evaluated. Paste the values instead.",
    zh="单元格包含公式;公式不会被计算。请改为粘贴数值。",
)
CELL_FORMULA_NOT_CALCULATED: Final = define_code(
    "intake.cell.formula_not_calculated",
    en="The cell holds a formula whose result was never saved; save the file in a "
    "spreadsheet program or paste the values.",
    zh="单元格包含公式但未保存计算结果;请在电子表格软件中保存文件或粘贴数值。",
)
CELL_CONFLICTING: Final = define_code(
    "intake.cell.conflicting",
    en="This order-level value differs from the one on the order's first row ({row}).",
    zh="此订单级取值与该订单首行(第 {row} 行)的取值不同。",
)
ORDER_KEY_MISSING: Final = define_code(
    "intake.order_key.missing",
    en="The row has no order key, and there is no order above it to continue.",
    zh="该行没有订单号,上方也没有可延续的订单。",
)
ORDER_KEY_REPEATED: Final = define_code(
    "intake.order_key.repeated",
    en="The order key is used by rows that are not together (rows {first} and {row}); "
    "keep the rows of one order together.",
    zh="同一订单号的行不相邻(第 {first} 行和第 {row} 行);请将同一订单的行放在一起。",
)
CSV_MALFORMED: Final = define_code(
    "intake.csv.malformed",
    en="The CSV text is malformed here (e.g. an unclosed quote or an over-long field).",
    zh="CSV 文本在此处格式错误(例如引号未闭合或字段过长)。",
)
INTAKE_OPTION_INVALID: Final = define_code(
    "intake.option.invalid",
    en="Invalid intake option {option}.",
    zh="导入选项 {option} 无效。",
)
EXTRA_MISSING: Final = define_code(
    "intake.extra_missing",
    en="Reading and writing .xlsx files needs the optional extra salesorder[excel].",
    zh="读写 .xlsx 文件需要安装可选组件 salesorder[excel]。",
)
FILE_NOT_OPENED: Final = define_code(
    "intake.file.not_opened",
    en="The file cannot be opened ({reason}).",
    zh="无法打开该文件({reason})。",
)


class IntakeError(SalesOrderError, ValueError):
    """A file intake that cannot start.

    A file that cannot be opened, a bad option, or the ``excel`` extra missing for an
    ``.xlsx`` file.

    Problems *inside* a file are never raised: they are issues of the report.
    """
