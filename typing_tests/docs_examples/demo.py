"""Generated from docs/demo.md by scripts/extract_docs_examples.py: do not edit."""

from salesorder.demo import render_demo, run_demo

result = run_demo()
assert [step.status for step in result.timeline][-1] == "cancelled"
completed = [order for order in result.orders if order.status.value == "completed"]
print(completed[0].grand_total)                      # 5581.07 CNY
print(render_demo(result, locale="zh_CN").splitlines()[0])   # == 时间线
