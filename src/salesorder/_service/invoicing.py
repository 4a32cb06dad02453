"""The invoice use cases of [OrderService][salesorder.service.OrderService] (开票, 红字发票, 应收).

A mixin of the service, kept apart so that each file stays readable: every method
here runs like the lifecycle commands of the service — one unit of work, the order
saved with its expected version, the events in the outbox, the notifier after the
commit — and needs the service's invoice numbering
([InvoiceNumbering][salesorder.ports.InvoiceNumbering]). Invoice and credit note numbers are
drawn before the unit of work opens, like order numbers: a refused or repeated
command leaves a gap in the series.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from salesorder import _arguments as arguments
from salesorder import invoicing
from salesorder._service.core import ServiceCore
from salesorder.documents import Seller
from salesorder.errors import RuleViolation
from salesorder.events import DomainEvent, InvoiceOverdue
from salesorder.invoicing import NUMBERING_MISSING, OpenItems
from salesorder.money import Money, to_decimal
from salesorder.order import InvoiceKind, Order
from salesorder.records import CreditNote, InvoiceDocument

__all__ = ["InvoicingUseCases"]

_T = TypeVar("_T")
_REMINDERS = uuid.UUID("6f1c35a2-4f0e-5d8b-9a57-6e2f9c0d1b44")


def _checked_lines(
    lines: Mapping[str, Decimal | int | str] | None,
) -> dict[str, Decimal] | None:
    """Line quantities as given, refused with a code when they are not text and numbers."""
    if lines is None:
        return None
    return {
        arguments.storable_text(line_id, argument="line_id"): to_decimal(q, what="quantity")
        for line_id, q in arguments.mapping(lines, argument="lines").items()
    }


def _checked_day(on: object) -> date | None:
    if on is None:
        return None
    return arguments.instance_of(on, date, argument="on")


def _reminder_id(order_id: str, number: str, day: date) -> str:
    # 32 hex characters like every other event id; the same for the same invoice and day.
    return uuid.uuid5(_REMINDERS, f"{order_id}\n{number}\n{day.isoformat()}").hex


class InvoicingUseCases(ServiceCore):
    """Invoice documents, credit notes and open items, on the service's ports."""

    def _document_number(self, at: datetime) -> str:
        if self._invoice_numbering is None:
            raise RuleViolation(NUMBERING_MISSING)
        return self._invoice_numbering.next_number(at=at)

    def _bill(
        self,
        order_id: str,
        now: datetime,
        command: Callable[[Order], tuple[_T, tuple[DomainEvent, ...]]],
    ) -> _T:
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            version = order.version
            history = len(order.audit)
            value, events = command(order)
            # A repeated key appends no audit entry: nothing to save or publish.
            if len(order.audit) != history:
                uow.orders.save(order, expected_version=version)
                uow.outbox.add(events)
            uow.commit()
        self._deliver_after_commit()
        return value

    def issue_invoice(
        self,
        order_id: str,
        *,
        actor: str,
        lines: Mapping[str, Decimal | int | str] | None = None,
        kind: InvoiceKind | str | None = None,
        delivered_only: bool = False,
        idempotency_key: str | None = None,
    ) -> InvoiceDocument:
        """Issue a numbered invoice document (开票) for line quantities.

        By default it bills everything still billable (ordered minus returned minus
        invoiced), or with ``delivered_only`` what was delivered and not invoiced yet
        (按签收开票), with every gift line and charge not billed yet; the figures are exact
        slices of the order's price breakdown (:func:`salesorder.invoicing.build_invoice`),
        the due date follows the payment terms on the service's working calendar. Emits
        ``OrderInvoiced`` and ``InvoiceIssued`` (the payment notice).

        Returns:
            The invoice document (the first one for a repeated key).

        Raises:
            RuleViolation: ``invoicing.numbering_missing`` when the service has no
                invoice numbering, and the codes of
                :func:`salesorder.invoicing.issue_invoice`.
            IllegalTransition: if the order cannot be invoiced now.
        """
        arguments.storable_text(order_id, argument="order_id")
        arguments.storable_text(actor, argument="actor")
        arguments.optional_texts(idempotency_key=idempotency_key)
        arguments.instance_of(delivered_only, bool, argument="delivered_only")
        checked = _checked_lines(lines)
        if kind is not None:
            kind = arguments.choice(kind, InvoiceKind, argument="kind")
        now = self.clock.now()
        number = self._document_number(now)

        def command(order: Order) -> tuple[InvoiceDocument, tuple[DomainEvent, ...]]:
            issued = invoicing.issue_invoice(
                order,
                self._priced(order),
                number=number,
                actor=actor,
                at=now,
                lines=checked,
                kind=kind,
                calendar=self._calendar,
                delivered_only=delivered_only,
                idempotency_key=idempotency_key,
            )
            return issued.document, issued.events

        return self._bill(order_id, now, command)

    def issue_credit_note(
        self,
        order_id: str,
        *,
        invoice_number: str,
        actor: str,
        reason: str,
        lines: Mapping[str, Decimal | int | str] | None = None,
        amount: Money | None = None,
        idempotency_key: str | None = None,
    ) -> CreditNote:
        """Issue a credit note (红字发票) reversing all or part of one invoice document.

        ``lines`` names quantities per invoice line (everything the invoice still
        carries when None); ``amount`` is a price reduction (折让) instead, spread over
        the invoice's lines with no quantity. Emits ``CreditNoteIssued``. The credited
        quantities of order lines become billable again unless they were returned.

        Returns:
            The credit note (the first one for a repeated key).

        Raises:
            RuleViolation: ``invoicing.numbering_missing`` and the codes of
                :func:`salesorder.invoicing.issue_credit_note`.
            IllegalTransition: if the order cannot be invoiced now.
        """
        arguments.storable_text(order_id, argument="order_id")
        arguments.storable_text(invoice_number, argument="invoice_number")
        arguments.storable_text(actor, argument="actor")
        arguments.storable_text(reason, argument="reason")
        arguments.optional_texts(idempotency_key=idempotency_key)
        checked = _checked_lines(lines)
        if amount is not None:
            arguments.instance_of(amount, Money, argument="amount")
        now = self.clock.now()
        number = self._document_number(now)

        def command(order: Order) -> tuple[CreditNote, tuple[DomainEvent, ...]]:
            issued = invoicing.issue_credit_note(
                order,
                invoice_number=invoice_number,
                number=number,
                actor=actor,
                at=now,
                reason=reason,
                lines=checked,
                amount=amount,
                idempotency_key=idempotency_key,
            )
            return issued.note, tuple(issued.result.events)

        return self._bill(order_id, now, command)

    def open_items(self, order_id: str, *, on: date | None = None) -> OpenItems:
        """What the order still owes on day ``on`` (today by the service's clock)."""
        day = _checked_day(on)
        return invoicing.open_items(self.get(order_id), on=day or self.clock.now().date())

    def remind_overdue(self, *, on: date | None = None, actor: str = "system") -> int:
        """Record an ``InvoiceOverdue`` reminder for every invoice past due with money open.

        Meant for a daily run: each reminder's ``event_id`` is made of the order, the
        invoice number and the day, and the outbox keeps one event per id, so a second
        run on the same day records nothing new. Archived orders are included (a
        completed order may still owe).

        Args:
            on: The day to judge by (today by the service's clock).
            actor: Recorded as the reminders' actor.

        Returns:
            How many overdue invoices the run found.
        """
        arguments.storable_text(actor, argument="actor")
        now = self.clock.now()
        day = _checked_day(on) or now.date()
        reminders: list[DomainEvent] = []
        with self._uow() as uow:
            for order in uow.orders.find():
                for item in invoicing.open_items(order, on=day).invoices:
                    if not item.is_overdue:
                        continue
                    reminders.append(
                        InvoiceOverdue(
                            occurred_at=now,
                            event_id=_reminder_id(order.id, item.number, day),
                            order_id=order.id,
                            actor=actor,
                            source=order.status.value,
                            target=order.status.value,
                            revision=order.revision,
                            number=item.number,
                            open_amount=item.open,
                            due_on=item.due_on,
                            days_overdue=item.days_overdue,
                        )
                    )
            if reminders:
                uow.outbox.add(reminders)
            uow.commit()
        self._deliver_after_commit()
        return len(reminders)

    def print_document(
        self,
        order_id: str,
        number: str,
        *,
        seller: Seller,
        locale: str = "zh_CN",
        html: bool = False,
    ) -> str:
        """The printed invoice or credit note ``number`` of the order, as text or HTML.

        Raises:
            RuleViolation: ``invoicing.invoice.unknown`` when the order has no such document.
            DocumentError: ``document.locale.unsupported``.
        """
        arguments.storable_text(number, argument="number")
        arguments.instance_of(seller, Seller, argument="seller")
        arguments.storable_text(locale, argument="locale")
        arguments.instance_of(html, bool, argument="html")
        order = self.get(order_id)
        document: InvoiceDocument | CreditNote | None = next(
            (note for note in order.credit_notes if note.number == number), None
        )
        if document is None:
            document = invoicing.find_invoice(order, number)
        render = invoicing.render_document_html if html else invoicing.render_document_text
        return render(document, seller=seller, locale=locale)
