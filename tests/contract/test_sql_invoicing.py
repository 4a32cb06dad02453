"""Invoice documents, credit notes and payments on SQL read back as in memory (differential)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.codec import encode
from salesorder.demo import START, build_service, tea_shop_payload
from salesorder.invoicing import invoice_documents, open_items
from salesorder.notifications import RecordingNotifier
from salesorder.ports import InvoiceNumbering, OrderNumbering, ServiceUnitOfWork

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
    service.record_payment(order.id, amount=first.gross_total, actor="F")
    service.record_refund(
        order.id, amount=(first.gross_total * Decimal("0.25")).quantize(), actor="F"
    )
    service.issue_invoice(order.id, actor="F")
    reminders = service.remind_overdue(on=START.date() + timedelta(days=90))
    stored = service.get(order.id)
    return {
        "invoices": [encode(d) for d in invoice_documents(stored)],
        "credit_notes": [encode(n) for n in stored.credit_notes],
        "payments": [(p.kind, p.amount) for p in stored.payments],
        "open": encode(service.open_items(order.id, on=START.date() + timedelta(days=90))),
        "reminders": reminders,
        "events": [event.name for event, _ in notifier.sent],
    }


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
    assert found["reminders"] == expected["reminders"] == 2
    assert _without_ids(found) == _without_ids(expected)


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
