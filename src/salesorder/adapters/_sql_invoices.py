"""The invoice index of the SQL adapter: one row per invoice document and credit note.

The documents themselves live in the order's JSON document (``so_orders``); this table
repeats what a finance team queries them by — number, customer, order, due date, and
what is still open — so that a host can find them without loading every order. It is
rewritten with the order, in the same transaction, whenever an order that has documents
is saved; an order without documents writes nothing here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from salesorder.adapters import _sql_receivables as exposure
from salesorder.adapters._sql_schema import METADATA
from salesorder.adapters._sql_stock_tables import Quantity
from salesorder.invoicing import invoice_documents, open_items
from salesorder.money import Money
from salesorder.order import Order

__all__ = ["InvoiceRow", "find_invoices", "invoices_table", "write_invoices"]

INVOICE: Final = "invoice"
CREDIT_NOTE: Final = "credit_note"

invoices_table = sa.Table(
    "so_invoices",
    METADATA,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("number", sa.String(64), primary_key=True),
    sa.Column("document_type", sa.String(16), nullable=False),
    sa.Column("invoice_number", sa.String(64), nullable=True),
    sa.Column("customer_id", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("gross_total", Quantity(), nullable=False),
    sa.Column("open_amount", Quantity(), nullable=False),
    sa.Index("ix_so_invoices_number", "tenant_id", "number"),
    sa.Index("ix_so_invoices_customer", "tenant_id", "customer_id"),
    sa.Index("ix_so_invoices_due", "tenant_id", "due_on"),
)


@attrs.frozen
class InvoiceRow:
    """One invoice or credit note as the index holds it.

    Attributes:
        number: The document number.
        document_type: ``invoice`` or ``credit_note``.
        invoice_number: The invoice a credit note reverses (None for an invoice).
        order_id: The order.
        customer_id: The customer.
        kind: ``general`` or ``vat_special``.
        issued_at: When it was issued.
        due_on: When an invoice is due (None for a credit note).
        gross_total: What it bills (or reverses), tax included.
        open_amount: What is still open on an invoice as the order was last saved
            (zero for a credit note).
    """

    number: str
    document_type: str
    invoice_number: str | None
    order_id: str
    customer_id: str
    kind: str
    issued_at: datetime
    due_on: date | None
    gross_total: Money
    open_amount: Money


def _rows(order: Order) -> list[dict[str, Any]]:
    documents = invoice_documents(order)
    if not documents and not order.credit_notes:
        return []
    still_open = {item.number: item.open for item in open_items(order, on=date.max).invoices}
    rows = [
        {
            "number": document.number,
            "document_type": INVOICE,
            "invoice_number": None,
            "customer_id": order.customer.id,
            "kind": document.kind,
            "currency": document.currency,
            "issued_at": document.issued_at,
            "due_on": document.due_on,
            "gross_total": document.gross_total.amount,
            "open_amount": still_open[document.number].amount
            if document.number in still_open
            else Decimal(0),
        }
        for document in documents
    ]
    rows.extend(
        {
            "number": note.number,
            "document_type": CREDIT_NOTE,
            "invoice_number": note.invoice_number,
            "customer_id": order.customer.id,
            "kind": note.kind,
            "currency": note.currency,
            "issued_at": note.issued_at,
            "due_on": None,
            "gross_total": note.gross_total.amount,
            "open_amount": Decimal(0),
        }
        for note in order.credit_notes
    )
    return rows


def write_invoices(
    connection: Connection, tenant_id: str, order: Order, *, new: bool = False
) -> None:
    """Rewrite the index rows of ``order`` (nothing for an order without documents).

    The order's credit exposure (``so_exposure``) is written here too, with every save.
    """
    exposure.write_exposure(connection, tenant_id, order, new=new)
    rows = _rows(order)
    if not rows:
        return
    connection.execute(
        invoices_table.delete().where(
            invoices_table.c.tenant_id == tenant_id, invoices_table.c.order_id == order.id
        )
    )
    connection.execute(
        invoices_table.insert(),
        [{"tenant_id": tenant_id, "order_id": order.id, **row} for row in rows],
    )


def find_invoices(
    connection: Connection,
    tenant_id: str,
    *,
    number: str | None = None,
    customer_id: str | None = None,
    order_id: str | None = None,
    due_before: date | None = None,
    open_only: bool = False,
) -> list[InvoiceRow]:
    """Index rows matching every criterion, by issue time then number."""
    table = invoices_table.c
    query = sa.select(invoices_table).where(table.tenant_id == tenant_id)
    if number is not None:
        query = query.where(table.number == number)
    if customer_id is not None:
        query = query.where(table.customer_id == customer_id)
    if order_id is not None:
        query = query.where(table.order_id == order_id)
    if due_before is not None:
        query = query.where(table.due_on < due_before)
    if open_only:
        query = query.where(table.open_amount > 0)
    query = query.order_by(table.issued_at, table.number)
    return [
        InvoiceRow(
            number=row.number,
            document_type=row.document_type,
            invoice_number=row.invoice_number,
            order_id=row.order_id,
            customer_id=row.customer_id,
            kind=row.kind,
            issued_at=row.issued_at,
            due_on=row.due_on,
            gross_total=Money(row.gross_total, row.currency).quantize(),
            open_amount=Money(row.open_amount, row.currency).quantize(),
        )
        for row in connection.execute(query)
    ]
