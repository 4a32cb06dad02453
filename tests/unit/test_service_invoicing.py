"""OrderService's invoice use cases on the embedded default.

Issue, credit, open items, reminders and printing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.codec import encode
from salesorder.demo import SELLER, START, build_service, tea_shop_payload
from salesorder.errors import RuleViolation
from salesorder.invoicing import invoice_documents
from salesorder.notifications import RecordingNotifier
from salesorder.order import Order
from salesorder.service import OrderService

STOCK = (("TEA-LJ-250", "SH-01", 100), ("CUP-CER-6", "SH-01", 50))


class World:
    def __init__(self, *, invoices: bool = True) -> None:
        self.clock = FixedClock(START)
        self.notifier = RecordingNotifier()
        self.database = MemoryDatabase()
        self.service: OrderService = build_service(
            self.clock, self.notifier, unit_of_work=self.database.unit_of_work
        )
        if not invoices:
            self.service = OrderService(
                unit_of_work=self.database.unit_of_work,
                clock=self.clock,
                numbering=PatternNumbering(),
                pricing_settings=self.service.pricing_settings,
                policy_settings=self.service.policy_settings,
            )
        for sku, location, quantity in STOCK:
            self.database.stock.receive(
                sku, location, quantity=quantity, operation_id=f"open:{sku}", at=START
            )
        self.database.stock.drain_events()

    def confirmed(self, *, tea: int = 3, cups: int = 1) -> Order:
        order = self.service.enter(tea_shop_payload(tea=tea, cups=cups), actor="S-LI")
        self.service.submit(order.id, actor="S-LI")
        self.service.confirm(order.id, actor="S-LI")
        return self.service.get(order.id)

    def sent(self) -> list[str]:
        return [event.name for event, _ in self.notifier.sent]


@pytest.fixture
def world() -> World:
    return World()


class TestIssueInvoice:
    def test_an_invoice_is_numbered_stored_and_announced(self, world: World) -> None:
        order = world.confirmed()
        document = world.service.issue_invoice(order.id, actor="F-ZHOU")
        assert document.number == "INV-202611-000001"
        stored = world.service.get(order.id)
        assert invoice_documents(stored) == (document,)
        assert document.gross_total == stored.grand_total
        assert world.sent()[-2:] == ["OrderInvoiced", "InvoiceIssued"]

    def test_parts_add_up_to_the_grand_total(self, world: World) -> None:
        order = world.confirmed(tea=3, cups=1)
        first = world.service.issue_invoice(order.id, actor="F", lines={"1": 1})
        second = world.service.issue_invoice(order.id, actor="F", lines={"1": "1"})
        third = world.service.issue_invoice(order.id, actor="F")
        total = first.gross_total + second.gross_total + third.gross_total
        assert total == world.service.get(order.id).grand_total
        assert [first.number, second.number, third.number] == [
            "INV-202611-000001",
            "INV-202611-000002",
            "INV-202611-000003",
        ]

    def test_a_repeated_key_returns_the_first_invoice_and_records_nothing(
        self, world: World
    ) -> None:
        order = world.confirmed()
        first = world.service.issue_invoice(
            order.id, actor="F", lines={"1": 1}, idempotency_key="i"
        )
        before = encode(world.service.get(order.id))
        again = world.service.issue_invoice(
            order.id, actor="F", lines={"1": 1}, idempotency_key="i"
        )
        assert again == first
        assert encode(world.service.get(order.id)) == before

    def test_a_refused_invoice_saves_and_sends_nothing(self, world: World) -> None:
        order = world.confirmed(tea=2)
        before = encode(world.service.get(order.id))
        sent = world.sent()
        with pytest.raises(RuleViolation) as info:
            world.service.issue_invoice(order.id, actor="F", lines={"1": 5})
        assert info.value.code == "lifecycle.invoice.exceeds_billable"
        assert encode(world.service.get(order.id)) == before
        assert world.sent() == sent

    def test_without_invoice_numbering_it_is_refused(self) -> None:
        world = World(invoices=False)
        order = world.confirmed()
        with pytest.raises(RuleViolation) as info:
            world.service.issue_invoice(order.id, actor="F")
        assert info.value.code == "invoicing.numbering_missing"
        assert world.service.get(order.id).invoices == ()


class TestCreditNote:
    def test_a_credit_note_is_numbered_from_the_invoice_series(self, world: World) -> None:
        order = world.confirmed()
        invoice = world.service.issue_invoice(order.id, actor="F")
        note = world.service.issue_credit_note(
            order.id, invoice_number=invoice.number, actor="F", reason="cancellation"
        )
        assert note.number == "INV-202611-000002"
        assert note.gross_total == invoice.gross_total
        assert world.service.get(order.id).credit_notes == (note,)
        assert world.sent()[-1] == "CreditNoteIssued"
        items = world.service.open_items(order.id)
        assert items.outstanding == items.invoiced - items.credited

    def test_an_unknown_invoice_is_refused(self, world: World) -> None:
        order = world.confirmed()
        with pytest.raises(RuleViolation) as info:
            world.service.issue_credit_note(order.id, invoice_number="X", actor="F", reason="r")
        assert info.value.code == "invoicing.invoice.unknown"


class TestReceivables:
    def test_payments_reduce_what_is_open(self, world: World) -> None:
        order = world.confirmed()
        invoice = world.service.issue_invoice(order.id, actor="F")
        world.service.record_payment(order.id, amount=invoice.gross_total, actor="F")
        items = world.service.open_items(order.id)
        assert items.outstanding.amount == Decimal(0)
        assert items.invoices == ()

    def test_a_reminder_is_recorded_once_a_day_for_an_overdue_invoice(self, world: World) -> None:
        order = world.confirmed()
        invoice = world.service.issue_invoice(order.id, actor="F")
        assert world.service.remind_overdue() == 0
        late = invoice.due_on + timedelta(days=3)
        assert world.service.remind_overdue(on=late) == 1
        assert world.sent()[-1] == "InvoiceOverdue"
        count = len(world.notifier.sent)
        world.service.remind_overdue(on=late)
        assert len(world.notifier.sent) == count
        world.service.remind_overdue(on=late + timedelta(days=1))
        assert len(world.notifier.sent) == count + 1
        event = world.notifier.sent[-1][0]
        assert event.to_dict()["days_overdue"] == 4


class TestPrinting:
    def test_invoices_and_credit_notes_print(self, world: World) -> None:
        order = world.confirmed()
        invoice = world.service.issue_invoice(order.id, actor="F")
        note = world.service.issue_credit_note(
            order.id, invoice_number=invoice.number, actor="F", reason="return", lines={"1": 1}
        )
        text = world.service.print_document(order.id, invoice.number, seller=SELLER)
        assert invoice.number in text
        page = world.service.print_document(order.id, note.number, seller=SELLER, html=True)
        assert "负" in page
        assert invoice.number in page

    def test_an_unknown_number_is_refused(self, world: World) -> None:
        order = world.confirmed()
        with pytest.raises(RuleViolation) as info:
            world.service.print_document(order.id, "NOPE", seller=SELLER)
        assert info.value.code == "invoicing.invoice.unknown"
