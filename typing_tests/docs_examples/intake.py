"""Generated from docs/intake.md by scripts/extract_docs_examples.py: do not edit."""

from salesorder.intake import ColumnMapping, IntakeOptions

mapping = ColumnMapping.default().extended({"line.sku": "Artikelnummer", "line.quantity": "Menge"})
assert mapping.field_of("Artikelnummer") == "line.sku"
assert mapping.field_of("单价(元)") == "line.unit_price"
options = IntakeOptions(mapping=mapping, currency="CNY")

from salesorder.intake import IntakeOptions, check_file

data = """订单号,客户编码,客户名称,商品编码,品名,数量,单位,单价,金额
SO-1,C-1,杭州示例茶庄,TEA-1,龙井,10,盒,128.00,1280
SO-1,,,CUP-1,茶杯,2,套,86.50,173
SO-2,C-2,示例机械,BRG-1,轴承,abc,个,12.80,
SO-3,C-3,示例五金,BOLT-8,螺栓,1.5,件,0.30,
""".encode("gb18030")  # what Excel in China writes when it saves CSV

report = check_file(data, options=IntakeOptions(currency="CNY"))
assert not report.ok
assert [(o.key, o.status.value) for o in report.outcomes] == [
    ("SO-1", "valid"),
    ("SO-2", "invalid"),
    ("SO-3", "invalid"),
]
for issue in report.errors:
    print(issue.cell, issue.path, issue.code, issue.message("zh_CN"))
# R4C6 /lines/0/quantity decimal.invalid 不是有效的精确数值;...
# R5C6 /lines/0/quantity line.quantity.not_whole 单位“件”按整件计数,数量必须为整数。
assert [(i.cell, i.path) for i in report.errors] == [
    ("R4C6", "/lines/0/quantity"),
    ("R5C6", "/lines/0/quantity"),
]
# The 金额 column names no field: a warning at its header cell.
assert [(i.code, i.cell) for i in report.file_issues] == [("intake.column.unmapped", "R1C9")]

from datetime import datetime, timezone

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.intake import import_file
from salesorder.pricing import PriceList
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

database = MemoryDatabase()
service = OrderService(
    unit_of_work=database.unit_of_work,
    clock=FixedClock(datetime(2026, 12, 1, 9, tzinfo=timezone.utc)),
    numbering=PatternNumbering(),
    pricing_settings=PricingSettings(price_list=PriceList("CNY", ())),
)
options = IntakeOptions(currency="CNY")

first = import_file(data, service=service, actor="li.na", options=options)
assert [(o.key, o.status.value) for o in first.outcomes] == [
    ("SO-1", "entered"),
    ("SO-2", "invalid"),
    ("SO-3", "invalid"),
]
entered_id = first.outcomes[0].order_id
assert entered_id is not None
entered = database.orders.get(entered_id)
assert entered.external_ref == "SO-1"
assert [line.sku for line in entered.lines] == ["TEA-1", "CUP-1"]

# The same bytes again: nothing new is entered, the same orders are reported.
again = import_file(data, service=service, actor="li.na", options=options)
assert [o.number for o in again.entered] == [o.number for o in first.entered]
assert len(database.orders) == 1

import io

import openpyxl

from salesorder.intake import FormulaPolicy

workbook = openpyxl.Workbook()
sheet = workbook.create_sheet("Sheet1", 0)
del workbook["Sheet"]
sheet.title = "Sheet1"
sheet.append(["Order No.", "Customer code", "Customer name", "SKU", "Product name", "Quantity", "Unit price"])
sheet.append(["SO-7", "C-7", "Example Trading", "TEA-1", "Longjing", 10, 128])
sheet.append(["SO-7", None, None, "CUP-1", "Cup", "=2*3", 86.5])
buffer = io.BytesIO()
workbook.save(buffer)

report = check_file(buffer.getvalue(), options=IntakeOptions(currency="CNY"))
[issue] = report.errors
assert (issue.code, issue.cell) == ("intake.cell.formula_not_calculated", "Sheet1!F3")

refusing = IntakeOptions(currency="CNY", formulas=FormulaPolicy.REFUSE)
[issue] = check_file(buffer.getvalue(), options=refusing).errors
assert (issue.code, issue.cell) == ("intake.cell.formula", "Sheet1!F3")

from salesorder.intake import export_issues, export_orders, neutralise

assert neutralise("=HYPERLINK(\"http://example.com\")") == "'=HYPERLINK(\"http://example.com\")"
assert neutralise("-5") == "'-5"
assert neutralise("龙井") == "龙井"

buffer = io.BytesIO()
export_issues(report, buffer, file_format="csv", locale="zh_CN")
text = buffer.getvalue().decode("utf-8-sig")
assert text.splitlines()[0] == "订单号,行,单元格,路径,严重程度,代码,说明"
assert "Sheet1!F3" in text

for locale, first in (("en", "Order No."), ("zh_CN", "订单号"), ("zh_TW", "訂單號")):
    exported = io.BytesIO()
    export_orders([entered], exported, file_format="csv", locale=locale)
    assert exported.getvalue().decode("utf-8-sig").startswith(first)
    assert check_file(exported.getvalue()).ok
