"""Generated from docs/invoices.md by scripts/extract_docs_examples.py: do not edit."""

from datetime import timedelta
from decimal import Decimal

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import SELLER, START, build_service, tea_shop_payload
from salesorder.notifications import RecordingNotifier

database = MemoryDatabase()
for sku, quantity in (("TEA-LJ-250", 100), ("CUP-CER-6", 50)):
    database.stock.receive(sku, "SH-01", quantity=quantity, operation_id=sku, at=START)
clock = FixedClock(START)
notifier = RecordingNotifier()
service = build_service(
    clock,
    notifier,
    unit_of_work=database.unit_of_work,
    invoice_numbering=PatternNumbering(prefix="INV"),  # its own series
)

order = service.enter(tea_shop_payload(tea=3, cups=1), actor="S-LI")
service.submit(order.id, actor="S-LI")
service.confirm(order.id, actor="S-LI")
print(service.get(order.id).grand_total)    # 497.77 CNY

first = service.issue_invoice(order.id, actor="F-ZHOU", lines={"1": 1})
print(first.number, first.kind, first.due_on)     # INV-202611-000001 general 2026-12-23
line = first.lines[0]
print(line.sku, line.quantity, line.unit_price, line.net, line.tax_rate, line.tax, line.gross)
# TEA-LJ-250 1 118.00 CNY 118.00 CNY 0.13 15.34 CNY 133.34 CNY
print([(str(r.rate), str(r.net), str(r.tax)) for r in first.tax_by_rate])
# [('0.13', '118.00 CNY', '15.34 CNY')]
rest = service.issue_invoice(order.id, actor="F-ZHOU")   # everything still billable
assert first.gross_total + rest.gross_total == service.get(order.id).grand_total
print([event.name for event, _ in notifier.sent][-2:])   # ['OrderInvoiced', 'InvoiceIssued']

from salesorder.invoicing import share
from salesorder.money import Money

ten = Money("10.00", "CNY")
parts = [share(ten, Decimal(1), Decimal(3)),
         share(ten, Decimal(2), Decimal(3)) - share(ten, Decimal(1), Decimal(3)),
         ten - share(ten, Decimal(2), Decimal(3))]
print([str(part) for part in parts])   # ['3.33 CNY', '3.34 CNY', '3.33 CNY']
assert sum(parts, Money.zero("CNY")) == ten

note = service.issue_credit_note(
    order.id, invoice_number=first.number, actor="F-ZHOU", reason="cancellation"
)
print(note.number, note.invoice_number, note.gross_total)
# INV-202611-000003 INV-202611-000001 133.34 CNY
again = service.issue_invoice(order.id, actor="F-ZHOU")      # the cancelled unit, anew
print(again.lines[0].quantity, again.gross_total)            # 1 133.34 CNY

reduction = service.issue_credit_note(
    order.id,
    invoice_number=rest.number,
    actor="F-ZHOU",
    reason="price_reduction",
    amount=Money("20.00", "CNY"),
)
print(reduction.gross_total, [str(line.quantity) for line in reduction.lines])
# 20.00 CNY ['0', '0']

text = service.print_document(order.id, note.number, seller=SELLER)
print(text.splitlines()[0])              # 红字普通发票
assert "负壹佰叁拾叁元叁角肆分" in text
page = service.print_document(order.id, again.number, seller=SELLER, locale="en", html=True)
assert page.startswith("<!DOCTYPE html>")

service.record_payment(order.id, amount=Money("200.00", "CNY"), actor="F-ZHOU")
items = service.open_items(order.id)
print(items.invoiced, items.credited, items.paid, items.refunded, items.outstanding)
# 631.11 CNY 153.34 CNY 200.00 CNY 0.00 CNY 277.77 CNY
assert items.outstanding == items.invoiced - items.credited - items.paid + items.refunded
print([(item.number, str(item.open), item.due_on) for item in items.invoices])
# [('INV-202611-000002', '144.43 CNY', datetime.date(2026, 12, 23)),
#  ('INV-202611-000004', '133.34 CNY', datetime.date(2026, 12, 23))]

late = rest.due_on + timedelta(days=5)
print(service.remind_overdue(on=late))     # 2: both open invoices
print(notifier.sent[-1][0].name)           # InvoiceOverdue

from salesorder.analytics import days_sales_outstanding, receivables_ageing

orders = service.find()
report = receivables_ageing(orders, on=late, currency="CNY")
print({bucket: str(amount) for bucket, amount in report.buckets.items()})
# {'not_due': '0.00 CNY', '0-30': '277.77 CNY', '31-60': '0.00 CNY', '61-90': '0.00 CNY',
#  '90+': '0.00 CNY'}
print(days_sales_outstanding(orders, on=late, currency="CNY", days=90))   # 52.3250

from salesorder.errors import RuleViolation

try:
    service.issue_credit_note(
        order.id, invoice_number=rest.number, actor="F-ZHOU", reason="return", lines={"1": 9}
    )
except RuleViolation as error:
    print(error.code)        # invoicing.credit.exceeds_invoice

from salesorder import lifecycle
from salesorder.lifecycle import net_paid

card = service.record_payment(
    order.id,
    amount=Money("100.00", "CNY"),
    actor="F-ZHOU",
    state="pending",
    method="card",
    payment_id="PAY-7",              # the gateway's id, to confirm it later
    reference="GW-7",
)
print(net_paid(service.get(order.id)))       # 200.00 CNY: pending is not money yet
service.confirm_payment(order.id, payment_id="PAY-7", actor="F-ZHOU", idempotency_key="gw-7")
print(net_paid(service.get(order.id)))       # 300.00 CNY
print(notifier.sent[-1][0].name)             # PaymentConfirmed

service.record_refund(
    order.id,
    amount=Money("20.00", "CNY"),
    actor="F-ZHOU",
    refunded_payment="PAY-7",
    credit_note=note.number,
)
stored = service.get(order.id)
print(lifecycle.refundable_on_payment(stored, "PAY-7"))   # 80.00 CNY
try:
    service.record_refund(
        order.id, amount=Money("90.00", "CNY"), actor="F-ZHOU", refunded_payment="PAY-7"
    )
except RuleViolation as error:
    print(error.code)        # lifecycle.refund.exceeds_payment

from salesorder.adapters.memory import FixedCreditControl
from salesorder.invoicing import credit_exposure
from salesorder.ports import CreditLimit
from salesorder.service import OrderService

checked = OrderService(
    unit_of_work=database.unit_of_work,
    clock=clock,
    numbering=PatternNumbering(prefix="SO2"),
    pricing_settings=service.pricing_settings,
    policy_settings=service.policy_settings,
    credit=FixedCreditControl({"C-10086": CreditLimit(limit=Money("500.00", "CNY"))}),
)
print(credit_exposure(service.get(order.id)))   # 217.77 CNY still asked for by this order
report = checked.check(tea_shop_payload(tea=2, cups=1))      # 364.43 CNY more
[issue] = [i for i in report.issues if i.code == "credit.limit_exceeded"]
print(issue.params["exposure"], issue.params["order_value"])   # 217.77 364.43

import attrs

from salesorder.pricing import TaxPolicy

store = MemoryDatabase()
for sku, quantity in (("TEA-LJ-250", 20), ("CUP-CER-6", 5)):
    store.stock.receive(sku, "SH-01", quantity=quantity, operation_id=sku, at=START)
shop = build_service(clock, RecordingNotifier(), unit_of_work=store.unit_of_work)
sold = shop.enter(tea_shop_payload(tea=3, cups=1), actor="S-LI")
shop.submit(sold.id, actor="S-LI")
shop.confirm(sold.id, actor="S-LI")
kept = shop.get(sold.id)
assert kept.price_snapshot is not None
print(kept.grand_total)                  # 497.77 CNY
print(kept.price_snapshot.lines[0])      # (line, quantity, unit price, net, tax, rate)
# ('1', Decimal('3'), Decimal('118.00'), Decimal('354.00'), Decimal('46.02'), Decimal('0.13'))

# The next day the host's tax table says 9 % (a new service over the same store).
rates = {**shop.pricing_settings.tax.rates, "VAT13": Decimal("0.09")}
later = OrderService(
    unit_of_work=store.unit_of_work,
    clock=clock,
    numbering=PatternNumbering(prefix="SO3"),
    invoice_numbering=PatternNumbering(prefix="INV3"),
    pricing_settings=attrs.evolve(shop.pricing_settings, tax=TaxPolicy(rates=rates)),
)
print(later.price_order(kept).grand_total)        # 480.15 CNY: what it would cost today
invoice = later.issue_invoice(sold.id, actor="F-ZHOU")
print(invoice.gross_total, invoice.lines[0].tax_rate)     # 497.77 CNY 0.13: as confirmed

from salesorder.pricing import TaxComponent

excise = TaxPolicy(
    groups={
        "EXC": (
            TaxComponent("EX", Decimal("0.10")),
            TaxComponent("VAT13", Decimal("0.13"), compound=True),
            TaxComponent("DEPOSIT", per_unit=Money("0.50", "CNY")),
        )
    },
)
taxed = OrderService(
    unit_of_work=store.unit_of_work,
    clock=clock,
    numbering=PatternNumbering(prefix="SO4"),
    invoice_numbering=PatternNumbering(prefix="INV4"),
    pricing_settings=attrs.evolve(shop.pricing_settings, tax=excise),
    policy_settings=shop.policy_settings,
)
payload = tea_shop_payload(tea=3, cups=1)
payload["lines"][0]["tax_code"] = "EXC"
boxes = taxed.enter(payload, actor="S-LI")
taxed.submit(boxes.id, actor="S-LI")
taxed.confirm(boxes.id, actor="S-LI")
first = taxed.issue_invoice(boxes.id, actor="F-ZHOU", lines={"1": 1})
print([(part.code, str(part.rate), str(part.amount)) for part in first.lines[0].taxes])
# [('EX', '0.10', '11.80 CNY'), ('VAT13', '0.13', '16.87 CNY'), ('DEPOSIT', '0', '0.50 CNY')]
print(first.lines[0].tax_rate, first.lines[0].tax)      # 0.23 29.17 CNY (nominal rate)
back = taxed.issue_credit_note(
    boxes.id, invoice_number=first.number, actor="F-ZHOU", reason="return", lines={"1": 1}
)
print([(part.code, str(part.amount)) for part in back.lines[0].taxes])
# [('EX', '11.80 CNY'), ('VAT13', '16.87 CNY'), ('DEPOSIT', '0.50 CNY')]
rest = taxed.issue_invoice(boxes.id, actor="F-ZHOU")     # the 3 boxes and the cups
for row in rest.tax_by_rate:
    print(row.code, row.rate, row.net, row.tax)
# DEPOSIT 0 0.00 CNY 1.50 CNY
# EX 0.10 354.00 CNY 35.40 CNY
# VAT13 0.13 86.50 CNY 61.87 CNY
priced = taxed.price_order(taxed.get(boxes.id))
assert {row.code: row.tax for row in rest.tax_by_rate} == priced.tax_by_code()
