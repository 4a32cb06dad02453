"""Generated from README.md by scripts/extract_docs_examples.py: do not edit."""

from decimal import Decimal
from salesorder import Money, allocate

price = Money("199.00", "CNY") * 3                    # exact Decimal, floats refused
tax = (price * Decimal("0.13")).quantize()            # 77.61, half-up to the fen
parts = allocate(Money("100.00", "CNY"), [1, 1, 1])   # 33.34 + 33.33 + 33.33
assert sum(parts, Money.zero("CNY")) == Money("100.00", "CNY")
print(price.format("zh_CN"), tax.format("en_US"))     # ¥597.00 CN¥77.61

from salesorder import validate

report = validate(b'''{"customer": {"id": "C-1", "name": "Example Ltd"}, "currency": "CNY",
  "lines": [{"sku": "TEA-1", "name": "Tea", "quantity": "0", "unit_price": "128.00"}]}''')
for issue in report.errors:                           # every problem at once, never a crash
    print(issue.path, issue.code, issue.message("zh_CN"))
# /lines/0/quantity line.quantity.not_positive 数量必须大于零。
