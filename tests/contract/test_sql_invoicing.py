"""Invoice documents, credit notes and payments on SQL read back as in memory (differential).

Payments with states (pending, confirmed, failed, voided), a method, an applied invoice,
refunds against a payment and a credit note, and the customer's credit exposure (one
query on ``so_exposure``) agree between memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from salesorder.adapters.memory import (
    FixedClock,
    FixedCreditControl,
    MemoryDatabase,
    PatternNumbering,
)
from salesorder.codec import encode
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.invoicing import credit_exposure, invoice_documents, open_items
from salesorder.money import Money
from salesorder.notifications import RecordingNotifier
from salesorder.ports import CreditLimit, InvoiceNumbering, OrderNumbering, ServiceUnitOfWork
from salesorder.service import OrderService

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase, SqlNumbering

STOCK = (("TEA-LJ-250", "SH-01", 100), ("CUP-CER-6", "SH-01", 50))


def story(
    unit_of_work: Callable[[], ServiceUnitOfWork],
    numbering: OrderNumbering,
    invoice_numbering: InvoiceNumbering,
) -> dict[str, Any]:
    """Invoice in parts, credit, pay, refund, remind; what the store reads back."""
    clock = FixedClock(START)
    notifier = RecordingNotifier()
    service = build_service(
        clock,
        notifier,
        unit_of_work=unit_of_work,
        numbering=numbering,
        invoice_numbering=invoice_numbering,
    )
    with unit_of_work() as uow:
        for sku, location, quantity in STOCK:
            uow.stock.receive(sku, location, quantity=quantity, operation_id=sku, at=START)
        uow.commit()
    order = service.enter(tea_shop_payload(tea=5, cups=3), actor="S")
    service.submit(order.id, actor="S")
    service.confirm(order.id, actor="S")
    first = service.issue_invoice(order.id, actor="F", lines={"1": 2}, idempotency_key="i1")
    service.issue_invoice(order.id, actor="F", lines={"1": 2}, idempotency_key="i1")
    service.issue_invoice(order.id, actor="F", lines={"1": "1.5", "2": 1})
    service.issue_credit_note(
        order.id, invoice_number=first.number, actor="F", reason="return", lines={"1": 1}
    )
    service.record_payment(
        order.id,
        amount=first.gross_total,
        actor="F",
        payment_id="P-1",
        method="bank_transfer",
        invoice_number=first.number,
    )
    service.record_refund(
        order.id,
        amount=(first.gross_total * Decimal("0.25")).quantize(),
        actor="F",
        refunded_payment="P-1",
        credit_note=stored_note(service, order.id),
        method="bank_transfer",
    )
    service.record_payment(
        order.id, amount=first.gross_total, actor="F", state="pending", payment_id="P-2"
    )
    service.record_payment(
        order.id, amount=first.gross_total, actor="F", state="pending", payment_id="P-3"
    )
    clock.advance(timedelta(hours=1))
    service.confirm_payment(order.id, payment_id="P-2", actor="F", idempotency_key="c2")
    service.void_payment(order.id, payment_id="P-3", actor="F", failed=True, reason="declined")
    service.issue_invoice(order.id, actor="F")
    reminders = service.remind_overdue(on=START.date() + timedelta(days=90))
    stored = service.get(order.id)
    with unit_of_work() as uow:
        exposure = uow.orders.credit_exposure(  # type: ignore[attr-defined]
            order.customer.id, currency="CNY"
        )
        nobody = uow.orders.credit_exposure("nobody", currency="CNY")  # type: ignore[attr-defined]
        without = uow.orders.credit_exposure(  # type: ignore[attr-defined]
            order.customer.id, currency="CNY", excluding=order.id
        )
    return {
        "invoices": [encode(d) for d in invoice_documents(stored)],
        "credit_notes": [encode(n) for n in stored.credit_notes],
        # A refund's id is random: everything else of each payment.
        "payments": [
            {**encode(p), "payment_id": p.payment_id if p.kind == "payment" else "<refund>"}
            for p in stored.payments
        ],
        "exposure": (exposure, nobody, without, credit_exposure(stored)),
        "open": encode(service.open_items(order.id, on=START.date() + timedelta(days=90))),
        "reminders": reminders,
        "events": [event.name for event, _ in notifier.sent],
    }


def stored_note(service: Any, order_id: str) -> str:
    return str(service.get(order_id).credit_notes[0].number)


def _without_ids(found: dict[str, Any]) -> dict[str, Any]:
    # Order ids are random: compare everything else.
    text = repr(found)
    return {"text": text.replace(found["open"]["invoices"][0]["order_id"], "<order>")}


def test_sql_reads_back_what_memory_keeps(sql_database: SqlDatabase) -> None:
    memory = MemoryDatabase()
    expected = story(memory.unit_of_work, PatternNumbering(), PatternNumbering(prefix="INV"))
    found = story(
        sql_database.unit_of_work,
        SqlNumbering(sql_database),
        SqlNumbering(sql_database, prefix="INV"),
    )
    assert found["reminders"] == expected["reminders"] == 1
    assert _without_ids(found) == _without_ids(expected)
    exposure, nobody, without, of_the_order = found["exposure"]
    assert exposure == of_the_order > Money.zero("CNY")
    assert nobody == without == Money.zero("CNY")


def test_the_invoice_index_answers_by_number_customer_due_date_and_status(
    sql_database: SqlDatabase,
) -> None:
    story(
        sql_database.unit_of_work,
        SqlNumbering(sql_database),
        SqlNumbering(sql_database, prefix="INV"),
    )
    with sql_database.unit_of_work() as uow:
        every = uow.orders.find_invoices()
        (order,) = uow.orders.find()
        by_customer = uow.orders.find_invoices(customer_id=order.customer.id)
        nobody = uow.orders.find_invoices(customer_id="nobody")
        first = uow.orders.find_invoices(number="INV-202611-000001")
        still_open = uow.orders.find_invoices(open_only=True)
        overdue = uow.orders.find_invoices(
            open_only=True, due_before=START.date() + timedelta(days=90)
        )
    documents = invoice_documents(order)
    assert [row.number for row in every] == sorted(
        [d.number for d in documents] + [n.number for n in order.credit_notes]
    )
    assert by_customer == every
    assert nobody == []
    assert [(row.document_type, row.gross_total) for row in first] == [
        ("invoice", documents[0].gross_total)
    ]
    notes = [row for row in every if row.document_type == "credit_note"]
    assert [(row.invoice_number, row.due_on) for row in notes] == [("INV-202611-000001", None)]
    expected_open = {
        item.number: item.open
        for item in open_items(order, on=START.date() + timedelta(days=365)).invoices
    }
    assert {row.number: row.open_amount for row in still_open} == expected_open
    assert {row.number for row in overdue} == set(expected_open)


def test_the_credit_check_counts_the_customers_own_receivables_in_memory() -> None:
    credit_story(MemoryDatabase().unit_of_work)


def test_the_credit_check_counts_the_customers_own_receivables_on_sql(
    sql_database: SqlDatabase,
) -> None:
    credit_story(sql_database.unit_of_work)


def credit_story(any_unit_of_work: Callable[[], ServiceUnitOfWork]) -> None:
    """Exposure from the service's own orders: drafts no, approved yes, confirmed money only."""
    clock = FixedClock(START)
    base = build_service(clock, RecordingNotifier(), unit_of_work=any_unit_of_work)
    # No exposure from the host: the service counts what the customer owes.
    credit = FixedCreditControl({"C-10086": CreditLimit(limit=Money("500.00", "CNY"))})
    service = OrderService(
        unit_of_work=any_unit_of_work,
        clock=clock,
        numbering=PatternNumbering(),
        invoice_numbering=PatternNumbering(prefix="INV"),
        pricing_settings=base.pricing_settings,
        policy_settings=base.policy_settings,
        credit=credit,
    )
    payload = tea_shop_payload(tea=2, cups=1)  # 364.43 owed

    def exposure_flagged() -> str | None:
        issues = [i for i in service.check(payload).issues if i.code == "credit.limit_exceeded"]
        return str(issues[0].params["exposure"]) if issues else None

    assert exposure_flagged() is None
    first = service.enter(payload, actor="S")
    assert exposure_flagged() is None  # a draft counts nothing
    service.submit(first.id, actor="S")
    assert exposure_flagged() == "364.43"  # approved: a commitment
    service.record_payment(first.id, amount=Money("364.43", "CNY"), actor="F", state="pending")
    assert exposure_flagged() == "364.43"  # pending money is not money
    service.record_payment(first.id, amount=Money("300.00", "CNY"), actor="F")
    assert exposure_flagged() is None  # 64.43 + 364.43 fits within 500
    assert credit_exposure(service.get(first.id)) == Money("64.43", "CNY")
