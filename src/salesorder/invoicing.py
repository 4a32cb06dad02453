"""Invoices, credit notes and receivables as exact documents (开票, 红字发票, 回款).

Issuing an invoice produces a frozen :class:`~salesorder.records.InvoiceDocument`
kept on the order (``order.invoices[i].document``): a number from the invoice
numbering port (:class:`~salesorder.ports.InvoiceNumbering`, its own series), the
kind (general / VAT special, with the buyer's invoice details), the lines (order line,
SKU, name, specification, unit, quantity, unit price, net, tax rate, tax, gross), the
totals per tax rate and the due date from the order's payment terms on the business
calendar. A :class:`~salesorder.records.CreditNote` reverses all or part of one
invoice document. :func:`open_items` tells what is still owed.

This module is the public face; the implementation lives in the private package
``salesorder._invoicing`` (``slicing``: the one rule that slices amounts;
``documents``: lines, totals and due dates; ``issue``; ``credit``; ``receivables``;
``printing``: the printed invoice and credit note, bilingual; ``codes``). Import every
name from ``salesorder.invoicing``.

Invariants (checked by ``tests/property/test_invoicing_properties.py``):

* Every amount on a document is an exact slice of the order's price breakdown
  (:func:`share`): per line, gift line and charge, and so per tax rate,
  Σ invoices − Σ credit notes never exceeds the breakdown, and equals it to the cent
  once every quantity is invoiced, whatever the number of parts, the rounding policy
  (per line or per document) and the credit notes in between.
* A credit note never reverses more than its invoice still carries, per line; credit
  notes that reverse a whole invoice line reverse exactly its amounts.
* A refused command (nothing to bill, over-invoicing, over-crediting, unknown invoice,
  a number used twice) raises a coded :class:`~salesorder.errors.RuleViolation` and
  leaves the order exactly as it was.
* Per order, ``outstanding == invoiced − credited − paid + refunded``.
"""

from __future__ import annotations

from salesorder._invoicing.codes import (
    CREDIT_AMOUNT_INVALID,
    CREDIT_EMPTY,
    CREDIT_EXCEEDS,
    CREDIT_LINE_UNKNOWN,
    CREDIT_QUANTITY_NOT_POSITIVE,
    INVOICE_EMPTY,
    INVOICE_NOT_ISSUED_HERE,
    INVOICE_NOT_PRICED,
    INVOICE_NUMBER_TAKEN,
    INVOICE_UNKNOWN,
    KEY_USED_ELSEWHERE,
    NUMBERING_MISSING,
)
from salesorder._invoicing.credit import (
    IssuedCreditNote,
    build_credit_note,
    credited_by_line,
    find_invoice,
    issue_credit_note,
)
from salesorder._invoicing.documents import due_on
from salesorder._invoicing.issue import (
    Billed,
    IssuedInvoice,
    billed_by_line,
    build_invoice,
    deliverable_billing,
    invoice_documents,
    issue_invoice,
)
from salesorder._invoicing.printing import (
    render_document_html,
    render_document_pdf,
    render_document_text,
)
from salesorder._invoicing.receivables import (
    OpenInvoice,
    OpenItems,
    open_items,
    open_items_by_customer,
)
from salesorder._invoicing.slicing import share
from salesorder.records import CreditNote, InvoiceBuyer, InvoiceDocument, InvoiceLine, RateTotal

__all__ = [
    "CREDIT_AMOUNT_INVALID",
    "CREDIT_EMPTY",
    "CREDIT_EXCEEDS",
    "CREDIT_LINE_UNKNOWN",
    "CREDIT_QUANTITY_NOT_POSITIVE",
    "INVOICE_EMPTY",
    "INVOICE_NOT_ISSUED_HERE",
    "INVOICE_NOT_PRICED",
    "INVOICE_NUMBER_TAKEN",
    "INVOICE_UNKNOWN",
    "KEY_USED_ELSEWHERE",
    "NUMBERING_MISSING",
    "Billed",
    "CreditNote",
    "InvoiceBuyer",
    "InvoiceDocument",
    "InvoiceLine",
    "IssuedCreditNote",
    "IssuedInvoice",
    "OpenInvoice",
    "OpenItems",
    "RateTotal",
    "billed_by_line",
    "build_credit_note",
    "build_invoice",
    "credited_by_line",
    "deliverable_billing",
    "due_on",
    "find_invoice",
    "invoice_documents",
    "issue_credit_note",
    "issue_invoice",
    "open_items",
    "open_items_by_customer",
    "render_document_html",
    "render_document_pdf",
    "render_document_text",
    "share",
]
