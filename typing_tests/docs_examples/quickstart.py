"""Generated from docs/quickstart.md by scripts/extract_docs_examples.py: do not edit."""

from decimal import Decimal
from salesorder import Money

unit_price = Money("1299.00", "CNY")
line_total = unit_price * Decimal("2.5")
assert line_total == Money("3247.50", "CNY")
print(line_total.format("zh_CN"))   # ¥3,247.50

from pathlib import Path
from salesorder import validate

report = validate(Path("examples/invalid/bad-lines.json").read_bytes())
print(report.ok)                         # False
for issue in report.errors:
    print(issue.path, issue.code, issue.message("zh_CN"))
# /lines/1/line_id line.id.duplicate 行号 1 被多个订单行使用。 ...
