"""Invoice documents, credit notes, open items and printing (salesorder.invoicing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from salesorder import invoicing, lifecycle
from salesorder.codec import decode, encode
from salesorder.documents import Seller
from salesorder.errors import IllegalTransition, RuleViolation, SalesOrderError
from salesorder.events import CreditNoteIssued, InvoiceIssued, OrderInvoiced
from salesorder.invoicing import share
from salesorder.money import Money, RoundingMode, RoundingPolicy, RoundingScope
from salesorder.order import Customer, InvoiceInfo, InvoiceKind, Order, OrderLine, PaymentTerms
from salesorder.pricing import Charge, ChargeKind, PriceBreakdown, PriceList, TaxPolicy, price
from salesorder.records import LineLedger, Status
from salesorder.sla import WeekendCalendar

AT = datetime(2026, 12, 4, 10, tzinfo=UTC)  # a Friday
LIST = PriceList.of("CNY", [("A", "100.00"), ("B", "33.33"), ("C", "0.10")])
TAX = TaxPolicy.china_vat()
SELLER = Seller(name="卖方有限公司", tax_id="91310115MA1K4CDE9W")


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def make_order(
    *lines: tuple[str, str, str] | tuple[str, str, str, str],
    due_days: int = 30,
    invoice: InvoiceInfo | None = None,
) -> Order:
    order_lines = tuple(
        OrderLine(
            spec[0],
            spec[1],
            f"item {spec[1]}",
            Decimal(spec[2]),
            tax_code=spec[3] if len(spec) > 3 else None,  # type: ignore[misc]
            specification="M-1",
        )
        for spec in lines
    )
    order = Order(
        id="o-1",
        number="SO-1",
        customer=Customer(id="C-1", name="买方公司"),
        currency="CNY",
        lines=order_lines,
        payment_terms=PaymentTerms(due_days=due_days),
        invoice=invoice or InvoiceInfo(),
        created_at=AT,
    )
    # The invoicing commands need an order that can be invoiced; its history does not matter.
    order.status = Status.CONFIRMED
    return order


def priced(order: Order, **options: object) -> PriceBreakdown:
    options.setdefault("tax", TAX)
    return price(order, price_list=LIST, at=AT, **options)  # type: ignore[arg-type]


def issue(
    order: Order, breakdown: PriceBreakdown, number: str, **options: object
) -> invoicing.IssuedInvoice:
    return invoicing.issue_invoice(
        order,
        breakdown,
        number=number,
        actor="F",
        at=AT,
        **options,  # type: ignore[arg-type]
    )


def credit(order: Order, invoice_number: str, number: str, **options: object) -> object:
    options.setdefault("reason", "return")
    return invoicing.issue_credit_note(
        order,
        invoice_number=invoice_number,
        number=number,
        actor="F",
        at=AT,
        **options,  # type: ignore[arg-type]
    )


def snapshot(order: Order) -> object:
    return encode(order)


def billed_equals_breakdown(order: Order, breakdown: PriceBreakdown) -> None:
    billed = invoicing.billed_by_line(order)
    for line in breakdown.lines:
        assert billed[line.line_id].net == line.net
        assert billed[line.line_id].tax == line.tax
    for charge in breakdown.charges:
        assert billed[f"charge:{charge.charge_id}"].net == charge.net
        assert billed[f"charge:{charge.charge_id}"].tax == charge.tax


class TestShare:
    def test_the_whole_quantity_carries_the_whole_amount(self) -> None:
        assert share(cny("10.00"), Decimal(3), Decimal(3)) == cny("10.00")
        assert share(cny("10.00"), Decimal(4), Decimal(3)) == cny("10.00")

    def test_a_part_is_rounded_half_up(self) -> None:
        assert share(cny("10.00"), Decimal(1), Decimal(3)) == cny("3.33")
        assert share(cny("10.00"), Decimal(2), Decimal(3)) == cny("6.67")
        assert share(cny("0.01"), Decimal(1), Decimal(2)) == cny("0.01")

    def test_nothing_carries_nothing(self) -> None:
        assert share(cny("10.00"), Decimal(0), Decimal(3)) == cny(0)
        assert share(cny("10.00"), Decimal(-1), Decimal(3)) == cny(0)

    def test_the_callers_decimal_context_does_not_matter(self) -> None:
        import decimal

        with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_DOWN)):
            assert share(cny("12345.67"), Decimal(1), Decimal(3)) == cny("4115.22")


class TestIssueInvoice:
    def test_a_whole_order_invoice_is_the_breakdown(self) -> None:
        order = make_order(("1", "A", "3"), ("2", "B", "7", "VAT9"))
        breakdown = priced(order)
        issued = issue(order, breakdown, "INV-1")
        document = issued.document
        assert document.gross_total == breakdown.grand_total
        assert document.tax_total == breakdown.tax_total
        assert [(line.line_id, line.quantity) for line in document.lines] == [
            ("1", Decimal(3)),
            ("2", Decimal(7)),
        ]
        first = document.lines[0]
        assert (first.sku, first.name, first.specification, first.unit) == (
            "A",
            "item A",
            "M-1",
            "pcs",
        )
        assert first.unit_price == cny("100.00")
        assert first.gross == first.net + first.tax
        assert [rate.rate for rate in document.tax_by_rate] == [Decimal("0.09"), Decimal("0.13")]
        assert sum((r.gross for r in document.tax_by_rate), cny(0)) == breakdown.grand_total
        assert order.invoices[-1].document == document
        assert order.invoices[-1].amount == document.gross_total
        assert order.invoices[-1].invoice_id == "INV-1"
        assert lifecycle.billing_status(order) is lifecycle.BillingStatus.FULL

    def test_the_events_are_the_lifecycle_s_and_the_payment_notice(self) -> None:
        order = make_order(("1", "A", "1"))
        issued = issue(order, priced(order), "INV-1")
        assert [type(e) for e in issued.events] == [OrderInvoiced, InvoiceIssued]
        notice = issued.events[-1]
        assert isinstance(notice, InvoiceIssued)
        assert notice.number == "INV-1"
        assert notice.amount == issued.document.gross_total
        assert notice.due_on == issued.document.due_on
        assert "买方" not in repr(issued.events)

    @pytest.mark.parametrize("scope", list(RoundingScope))
    def test_parts_add_up_to_the_breakdown_whatever_the_rounding(
        self, scope: RoundingScope
    ) -> None:
        order = make_order(("1", "B", "3"), ("2", "C", "7", "VAT6"), ("3", "A", "1.5", "VAT9"))
        breakdown = priced(order, rounding=RoundingPolicy(RoundingMode.HALF_EVEN, scope))
        issue(order, breakdown, "INV-1", lines={"1": 1, "2": 2, "3": "0.5"})
        issue(order, breakdown, "INV-2", lines={"1": 1, "2": 2})
        issue(order, breakdown, "INV-3")
        documents = invoicing.invoice_documents(order)
        assert sum((d.gross_total for d in documents), cny(0)) == breakdown.grand_total
        assert sum((d.tax_total for d in documents), cny(0)) == breakdown.tax_total
        billed_equals_breakdown(order, breakdown)

    def test_a_part_bills_its_rounded_share(self) -> None:
        order = make_order(("1", "B", "3", "VAT0"))
        breakdown = priced(order)
        first = issue(order, breakdown, "INV-1", lines={"1": 1}).document
        assert first.net_total == cny("33.33")
        second = issue(order, breakdown, "INV-2", lines={"1": 2}).document
        assert second.net_total == cny("66.66")

    def test_charges_go_whole_on_the_first_invoice(self) -> None:
        order = make_order(("1", "A", "2"))
        breakdown = priced(order, charges=[Charge(ChargeKind.SHIPPING, cny(20))])
        first = issue(order, breakdown, "INV-1", lines={"1": 1}).document
        charge_lines = [line for line in first.lines if line.line_id.startswith("charge:")]
        assert len(charge_lines) == 1
        assert charge_lines[0].gross == breakdown.charges[0].gross
        second = issue(order, breakdown, "INV-2").document
        assert all(not line.line_id.startswith("charge:") for line in second.lines)
        billed_equals_breakdown(order, breakdown)

    def test_vat_special_carries_the_buyer_s_details(self) -> None:
        info = InvoiceInfo(
            kind=InvoiceKind.VAT_SPECIAL,
            title="买方公司",
            tax_id="91310115MA1K4CDE9W",
            bank_name="银行",
            bank_account="6222",
            registered_address="地址",
            registered_phone="021",
        )
        order = make_order(("1", "A", "1"), invoice=info)
        document = issue(order, priced(order), "INV-1").document
        assert document.kind == "vat_special"
        assert document.buyer.tax_id == "91310115MA1K4CDE9W"
        assert document.buyer.bank_account == "6222"
        assert "91310115MA1K4CDE9W" not in repr(document)

    def test_an_order_without_an_invoice_title_is_billed_to_the_customer(self) -> None:
        order = make_order(("1", "A", "1"))
        document = issue(order, priced(order), "INV-1").document
        assert document.kind == "general"
        assert document.buyer.title == "买方公司"

    def test_the_due_date_follows_the_terms_and_skips_the_weekend(self) -> None:
        order = make_order(("1", "A", "1"), due_days=1)  # Friday + 1 = Saturday
        document = issue(order, priced(order), "INV-1", calendar=WeekendCalendar()).document
        assert document.due_on == date(2026, 12, 7)
        prepaid = make_order(("1", "A", "1"), due_days=0)
        assert issue(prepaid, priced(prepaid), "INV-1").document.due_on == AT.date()

    def test_a_calendar_without_working_days_keeps_the_calendar_date(self) -> None:
        start = AT.date()
        never = WeekendCalendar(holidays=frozenset(start + timedelta(days=n) for n in range(400)))
        order = make_order(("1", "A", "1"), due_days=3)
        assert invoicing.due_on(order, AT, never) == AT.date() + timedelta(days=3)

    def test_a_repeated_key_returns_the_first_document(self) -> None:
        order = make_order(("1", "A", "2"))
        breakdown = priced(order)
        first = issue(order, breakdown, "INV-1", lines={"1": 1}, idempotency_key="k")
        again = issue(order, breakdown, "INV-9", lines={"1": 1}, idempotency_key="k")
        assert again.document == first.document
        assert again.events == ()
        assert len(order.invoices) == 1

    def test_a_key_first_used_by_a_credit_note_is_refused(self) -> None:
        order = make_order(("1", "A", "2"))
        breakdown = priced(order)
        issue(order, breakdown, "INV-1")
        credit(order, "INV-1", "CN-1", idempotency_key="k")
        with pytest.raises(RuleViolation) as info:
            issue(order, breakdown, "INV-2", idempotency_key="k")
        assert info.value.code == "invoicing.idempotency_key_reused"

    @pytest.mark.parametrize(
        ("lines", "code"),
        [
            ({"1": 3}, "lifecycle.invoice.exceeds_billable"),
            ({"9": 1}, "lifecycle.unknown_line"),
            ({"1": 0}, "lifecycle.quantity.not_positive"),
            ({"1": "x"}, "money.invalid_amount"),
        ],
    )
    def test_refused_quantities_change_nothing(self, lines: dict[str, object], code: str) -> None:
        order = make_order(("1", "A", "2"))
        before = snapshot(order)
        with pytest.raises(SalesOrderError) as info:
            issue(order, priced(order), "INV-1", lines=lines)
        assert info.value.code == code
        assert snapshot(order) == before

    def test_nothing_left_to_bill_is_refused(self) -> None:
        order = make_order(("1", "A", "1"))
        breakdown = priced(order)
        issue(order, breakdown, "INV-1")
        before = snapshot(order)
        with pytest.raises(RuleViolation) as info:
            issue(order, breakdown, "INV-2")
        assert info.value.code == "invoicing.invoice.nothing_to_bill"
        assert snapshot(order) == before

    def test_a_number_used_twice_is_refused(self) -> None:
        order = make_order(("1", "A", "2"))
        breakdown = priced(order)
        issue(order, breakdown, "INV-1", lines={"1": 1})
        with pytest.raises(RuleViolation) as info:
            issue(order, breakdown, "INV-1", lines={"1": 1})
        assert info.value.code == "invoicing.number_taken"

    def test_a_line_missing_from_the_breakdown_is_refused(self) -> None:
        order = make_order(("1", "A", "2"))
        other = priced(make_order(("9", "A", "2")))
        with pytest.raises(RuleViolation) as info:
            issue(order, other, "INV-1")
        assert info.value.code == "invoicing.invoice.line_not_priced"

    def test_an_order_that_cannot_be_invoiced_is_refused(self) -> None:
        order = make_order(("1", "A", "2"))
        order.status = Status.APPROVED
        with pytest.raises(IllegalTransition):
            issue(order, priced(order), "INV-1")

    def test_delivered_only_bills_what_was_signed_for(self) -> None:
        order = make_order(("1", "A", "4"), ("2", "B", "2"))
        order.status = Status.PARTIALLY_SHIPPED
        order.ledgers = (
            LineLedger("1", shipped=Decimal(3), delivered=Decimal(3)),
            LineLedger("2", shipped=Decimal(1)),
        )
        breakdown = priced(order)
        first = issue(order, breakdown, "INV-1", delivered_only=True).document
        assert [(line.line_id, line.quantity) for line in first.lines] == [("1", Decimal(3))]
        assert invoicing.deliverable_billing(order) == {}
        with pytest.raises(RuleViolation) as info:
            issue(order, breakdown, "INV-2", delivered_only=True)
        assert info.value.code == "invoicing.invoice.nothing_to_bill"

    def test_quantities_of_invoices_without_a_document_are_taken_as_billed(self) -> None:
        order = make_order(("1", "A", "4", "VAT0"))
        breakdown = priced(order)
        lifecycle.invoice(
            order, kind="general", amount=cny(100), lines={"1": Decimal(1)}, actor="F", at=AT
        )
        document = issue(order, breakdown, "INV-1").document
        assert document.lines[0].quantity == 3
        assert document.net_total == cny(300)


class TestCreditNote:
    def test_a_full_credit_reverses_the_invoice_exactly(self) -> None:
        order = make_order(("1", "B", "3"), ("2", "C", "7", "VAT6"))
        breakdown = priced(order, charges=[Charge(ChargeKind.SHIPPING, cny(20))])
        invoice = issue(order, breakdown, "INV-1").document
        issued = credit(order, "INV-1", "CN-1")
        note = order.credit_notes[-1]
        assert issued.note == note  # type: ignore[attr-defined]
        assert note.gross_total == invoice.gross_total
        assert note.tax_by_rate == invoice.tax_by_rate
        assert note.invoice_number == "INV-1"
        assert [type(e) for e in issued.result.events] == [CreditNoteIssued]  # type: ignore[attr-defined]
        assert lifecycle.billing_status(order) is lifecycle.BillingStatus.NONE
        assert order.audit[-1].reason == lifecycle.CREDIT_NOTE_REASON

    def test_parts_of_a_credit_never_exceed_and_end_exact(self) -> None:
        order = make_order(("1", "B", "3"))
        breakdown = priced(order)
        invoice = issue(order, breakdown, "INV-1").document
        first = credit(order, "INV-1", "CN-1", lines={"1": 1}).note  # type: ignore[attr-defined]
        second = credit(order, "INV-1", "CN-2", lines={"1": 1}).note  # type: ignore[attr-defined]
        third = credit(order, "INV-1", "CN-3", lines={"1": 1}).note  # type: ignore[attr-defined]
        assert first.gross_total + second.gross_total + third.gross_total == invoice.gross_total
        assert first.net_total == cny("33.33")

    def test_the_credited_quantity_can_be_invoiced_again(self) -> None:
        order = make_order(("1", "B", "3"), ("2", "C", "7", "VAT6"))
        breakdown = priced(order)
        issue(order, breakdown, "INV-1", lines={"1": 1, "2": 2})
        issue(order, breakdown, "INV-2")
        credit(order, "INV-2", "CN-1", lines={"1": 1})
        assert lifecycle.billable_quantities(order) == {"1": Decimal(1)}
        issue(order, breakdown, "INV-3")
        billed_equals_breakdown(order, breakdown)

    @pytest.mark.parametrize(
        ("invoice_number", "lines", "code"),
        [
            ("INV-9", None, "invoicing.invoice.unknown"),
            ("INV-1", {"9": 1}, "invoicing.credit.line_unknown"),
            ("INV-1", {"1": 0}, "invoicing.credit.quantity_not_positive"),
            ("INV-1", {"1": 3}, "invoicing.credit.exceeds_invoice"),
            ("INV-1", {"1": "x"}, "money.invalid_amount"),
        ],
    )
    def test_refused_credits_change_nothing(
        self, invoice_number: str, lines: dict[str, object] | None, code: str
    ) -> None:
        order = make_order(("1", "A", "2"))
        issue(order, priced(order), "INV-1")
        before = snapshot(order)
        with pytest.raises(SalesOrderError) as info:
            credit(order, invoice_number, "CN-1", lines=lines)
        assert info.value.code == code
        assert snapshot(order) == before

    def test_an_invoice_credited_in_full_has_nothing_left(self) -> None:
        order = make_order(("1", "A", "2"))
        issue(order, priced(order), "INV-1")
        credit(order, "INV-1", "CN-1")
        with pytest.raises(RuleViolation) as info:
            credit(order, "INV-1", "CN-2")
        assert info.value.code == "invoicing.credit.nothing_to_credit"

    def test_an_invoice_without_a_document_cannot_be_credited(self) -> None:
        order = make_order(("1", "A", "2"))
        lifecycle.invoice(
            order, kind="general", amount=cny(100), actor="F", at=AT, invoice_id="OLD-1"
        )
        with pytest.raises(RuleViolation) as info:
            credit(order, "OLD-1", "CN-1")
        assert info.value.code == "invoicing.invoice.not_a_document"

    def test_a_repeated_key_returns_the_first_note(self) -> None:
        order = make_order(("1", "A", "2"))
        issue(order, priced(order), "INV-1")
        first = credit(order, "INV-1", "CN-1", lines={"1": 1}, idempotency_key="c")
        again = credit(order, "INV-1", "CN-2", lines={"1": 1}, idempotency_key="c")
        assert again.note == first.note  # type: ignore[attr-defined]
        assert len(order.credit_notes) == 1

    def test_a_key_first_used_by_an_invoice_is_refused(self) -> None:
        order = make_order(("1", "A", "2"))
        issue(order, priced(order), "INV-1", idempotency_key="k")
        with pytest.raises(RuleViolation) as info:
            credit(order, "INV-1", "CN-1", idempotency_key="k")
        assert info.value.code == "invoicing.idempotency_key_reused"

    def test_documents_survive_the_codec(self) -> None:
        order = make_order(("1", "A", "2"))
        issue(order, priced(order, charges=[Charge(ChargeKind.SHIPPING, cny(20))]), "INV-1")
        credit(order, "INV-1", "CN-1", lines={"1": 1})
        restored = decode(Order, encode(order))
        assert restored.invoices == order.invoices
        assert restored.credit_notes == order.credit_notes


class TestPriceReduction:
    def test_an_amount_is_spread_over_what_the_invoice_carries(self) -> None:
        order = make_order(("1", "A", "2"), ("2", "B", "3", "VAT9"))
        breakdown = priced(order)
        invoice = issue(order, breakdown, "INV-1").document
        note = credit(order, "INV-1", "CN-1", reason="price_reduction", amount=cny("50.00")).note  # type: ignore[attr-defined]
        assert note.gross_total == cny("50.00")
        assert all(line.quantity == 0 for line in note.lines)
        assert {line.line_id for line in note.lines} == {"1", "2"}
        for line in note.lines:
            original = next(i for i in invoice.lines if i.line_id == line.line_id)
            assert line.net <= original.net
            assert line.tax <= original.tax
        # Nothing becomes billable again, and the rest can still be credited exactly.
        assert lifecycle.billable_quantities(order) == {}
        rest = credit(order, "INV-1", "CN-2").note  # type: ignore[attr-defined]
        assert note.gross_total + rest.gross_total == invoice.gross_total
        assert note.tax_total + rest.tax_total == invoice.tax_total

    def test_a_reduction_is_not_billed_back_by_later_invoices(self) -> None:
        order = make_order(("1", "A", "2", "VAT0"))
        breakdown = priced(order)
        issue(order, breakdown, "INV-1", lines={"1": 1})
        credit(order, "INV-1", "CN-1", reason="price_reduction", amount=cny("10.00"))
        second = issue(order, breakdown, "INV-2").document
        assert second.net_total == cny("100.00")
        items = invoicing.open_items(order, on=AT.date())
        assert items.outstanding == cny("190.00")

    def test_a_quantity_credit_after_a_reduction_takes_its_share_of_the_rest(self) -> None:
        order = make_order(("1", "A", "2", "VAT0"))
        issue(order, priced(order), "INV-1")
        credit(order, "INV-1", "CN-1", reason="price_reduction", amount=cny("20.00"))
        one = credit(order, "INV-1", "CN-2", lines={"1": 1}).note  # type: ignore[attr-defined]
        assert one.net_total == cny("90.00")

    @pytest.mark.parametrize(
        ("amount", "lines", "code"),
        [
            (cny("0.00"), None, "invoicing.credit.amount_invalid"),
            (cny("-1.00"), None, "invoicing.credit.amount_invalid"),
            (cny("0.001"), None, "invoicing.credit.amount_invalid"),
            (cny("200.01"), None, "invoicing.credit.amount_invalid"),
            (cny("1.00"), {"1": 1}, "invoicing.credit.amount_invalid"),
            (Decimal(1), None, "invoicing.credit.amount_invalid"),
            (Money("1.00", "USD"), None, "money.currency_mismatch"),
        ],
    )
    def test_a_bad_amount_is_refused_and_changes_nothing(
        self, amount: object, lines: dict[str, object] | None, code: str
    ) -> None:
        order = make_order(("1", "A", "2", "VAT0"))
        issue(order, priced(order), "INV-1")
        before = snapshot(order)
        with pytest.raises(SalesOrderError) as info:
            credit(order, "INV-1", "CN-1", amount=amount, lines=lines)
        assert info.value.code == code
        assert snapshot(order) == before

    def test_a_reduction_prints_without_quantities(self) -> None:
        order = make_order(("1", "A", "1", "VAT0"))
        issue(order, priced(order), "INV-1")
        note = credit(order, "INV-1", "CN-1", amount=cny("10.00")).note  # type: ignore[attr-defined]
        text = invoicing.render_document_text(note, seller=SELLER)
        assert "负壹拾元整" in text


class TestOpenItems:
    def test_payments_settle_the_oldest_due_invoice_first(self) -> None:
        order = make_order(("1", "A", "2", "VAT0"), due_days=10)
        breakdown = priced(order)
        issue(order, breakdown, "INV-1", lines={"1": 1})
        lifecycle.record_payment(order, amount=cny(150), actor="F", at=AT)
        items = invoicing.open_items(order, on=AT.date())
        assert items.invoiced == cny(100)
        assert items.outstanding == cny(-50)  # a prepayment
        assert items.invoices == ()
        issue(order, breakdown, "INV-2")
        items = invoicing.open_items(order, on=AT.date() + timedelta(days=20))
        (left,) = items.invoices
        assert (left.number, left.settled, left.open) == ("INV-2", cny(50), cny(50))
        assert left.is_overdue
        assert left.days_overdue == 10  # due on Monday 2026-12-14
        assert items.overdue == cny(50)
        assert items.outstanding == cny(50)

    def test_outstanding_is_invoiced_less_credited_paid_plus_refunded(self) -> None:
        order = make_order(("1", "A", "2", "VAT0"))
        issue(order, priced(order), "INV-1")
        credit(order, "INV-1", "CN-1", lines={"1": 1})
        lifecycle.record_payment(order, amount=cny(80), actor="F", at=AT)
        lifecycle.record_refund(order, amount=cny(10), actor="F", at=AT)
        items = invoicing.open_items(order, on=AT.date())
        assert items.outstanding == items.invoiced - items.credited - items.paid + items.refunded
        assert items.outstanding == cny(30)
        (left,) = items.invoices
        assert (left.credited, left.settled, left.open) == (cny(100), cny(70), cny(30))
        assert not left.is_overdue

    def test_per_customer_in_one_currency(self) -> None:
        first = make_order(("1", "A", "1", "VAT0"))
        issue(first, priced(first), "INV-1")
        second = make_order(("1", "A", "2", "VAT0"))
        issue(second, priced(second), "INV-2")
        usd = Order(id="o-3", customer=Customer(id="C-1", name="-"), currency="USD", lines=())
        per_customer = invoicing.open_items_by_customer(
            [first, second, usd], on=AT.date(), currency="CNY"
        )
        assert list(per_customer) == ["C-1"]
        assert per_customer["C-1"].outstanding == cny(300)
        assert [i.number for i in per_customer["C-1"].invoices] == ["INV-1", "INV-2"]


class TestPrinting:
    def test_an_invoice_prints_lines_rates_totals_and_capitals(self) -> None:
        order = make_order(("1", "A", "1"), ("2", "B", "1", "VAT9"))
        document = issue(order, priced(order), "INV-1").document
        text = invoicing.render_document_text(document, seller=SELLER)
        assert text.splitlines()[0] == "普通发票"
        assert "INV-1" in text
        assert "item A" in text
        assert "13%" in text
        assert "9%" in text
        assert "价税合计（大写）" in text
        english = invoicing.render_document_text(document, seller=SELLER, locale="en")
        assert english.splitlines()[0] == "Invoice"
        assert "Total in words (RMB)" in english

    def test_a_credit_note_prints_negative_amounts(self) -> None:
        order = make_order(("1", "A", "1", "VAT0"))
        issue(order, priced(order), "INV-1")
        note = credit(order, "INV-1", "CN-1").note  # type: ignore[attr-defined]
        text = invoicing.render_document_text(note, seller=SELLER)
        assert text.splitlines()[0] == "红字普通发票"
        assert "负壹佰元整" in text
        assert "-¥100.00" in text
        page = invoicing.render_document_html(note, seller=SELLER)
        assert '<h1 class="credit">' in page
        assert "负壹佰元整" in page

    def test_html_escapes_every_value(self) -> None:
        order = make_order(("1", "A", "1"), invoice=InvoiceInfo(title="<script>x</script>"))
        order = Order(
            id=order.id,
            customer=order.customer,
            currency="CNY",
            lines=(OrderLine("1", "A", "<b>tea</b>", Decimal(1)),),
            invoice=InvoiceInfo(title="<script>x</script>"),
        )
        order.status = Status.CONFIRMED
        document = issue(order, priced(order), "INV-1").document
        page = invoicing.render_document_html(document, seller=SELLER, locale="en_US")
        assert "<script>" not in page
        assert "&lt;b&gt;tea&lt;/b&gt;" in page
        assert page.startswith("<!DOCTYPE html>")

    def test_an_unknown_locale_prints_english(self) -> None:
        order = make_order(("1", "A", "1"))
        document = issue(order, priced(order), "INV-1").document
        text = invoicing.render_document_text(document, seller=SELLER, locale="fr_FR")
        assert text.splitlines()[0] == "Invoice"

    def test_taiwan_and_hong_kong_print_traditional_chinese(self) -> None:
        order = make_order(("1", "A", "1"))
        document = issue(order, priced(order), "INV-1").document
        for locale in ("zh_TW", "zh-HK"):
            text = invoicing.render_document_text(document, seller=SELLER, locale=locale)
            assert text.splitlines()[0] == "普通發票"
            assert "價稅合計（大寫）" in text

    def test_a_foreign_currency_prints_no_capitals(self) -> None:
        usd = PriceList.of("USD", [("A", "10.00")])
        order = Order(
            id="o-1",
            customer=Customer(id="C-1", name="-"),
            currency="USD",
            lines=(OrderLine("1", "A", "a", Decimal(1)),),
        )
        order.status = Status.CONFIRMED
        breakdown = price(order, price_list=usd, at=AT, tax=TAX)
        document = issue(order, breakdown, "INV-1").document
        assert "大写" not in invoicing.render_document_text(document, seller=SELLER)


class TestReceivablesAnalytics:
    def orders(self) -> list[Order]:
        """Two customers' invoices, due 30 days after issue, partly paid."""
        first = make_order(("1", "A", "3", "VAT0"), due_days=30)
        breakdown = priced(first)
        issue(first, breakdown, "INV-1", lines={"1": 1})  # due 2027-01-04 (Monday)
        later = AT + timedelta(days=40)
        invoicing.issue_invoice(
            first, breakdown, number="INV-2", actor="F", at=later, lines={"1": 1}
        )
        lifecycle.record_payment(first, amount=cny(50), actor="F", at=AT)
        second = Order(
            id="o-2",
            customer=Customer(id="C-2", name="-"),
            currency="CNY",
            lines=(OrderLine("1", "A", "a", Decimal(1), tax_code="VAT0"),),
            payment_terms=PaymentTerms(due_days=0),
        )
        second.status = Status.CONFIRMED
        issue(second, priced(second), "INV-3")  # due on issue, 2026-12-04
        return [first, second]

    def test_open_amounts_are_aged_past_their_due_date(self) -> None:
        from salesorder.analytics import AGEING_BUCKETS, receivables_ageing

        on = date(2027, 3, 10)
        report = receivables_ageing(self.orders(), on=on, currency="CNY")
        assert list(report.buckets) == list(AGEING_BUCKETS)
        # INV-1: 100 - 50 paid, due 2027-01-04: 65 days. INV-2: due 2027-02-15: 23 days.
        # INV-3: due 2026-12-04: 96 days.
        assert report.buckets == {
            "not_due": cny(0),
            "0-30": cny(100),
            "31-60": cny(0),
            "61-90": cny(50),
            "90+": cny(100),
        }
        assert report.total == cny(250)
        assert report.by_customer["C-2"]["90+"] == cny(100)
        assert sum(report.by_customer["C-1"].values(), cny(0)) == cny(150)

    def test_the_books_of_a_past_day_leave_later_documents_out(self) -> None:
        from salesorder.analytics import receivables_ageing

        report = receivables_ageing(self.orders(), on=AT.date(), currency="CNY")
        assert report.buckets["not_due"] == cny(50)
        assert report.buckets["0-30"] == cny(100)  # INV-3, due today
        assert report.total == cny(150)

    def test_days_sales_outstanding(self) -> None:
        from salesorder.analytics import days_sales_outstanding

        on = date(2027, 3, 3)  # 90 days: 2026-12-04 .. 2027-03-03
        dso = days_sales_outstanding(self.orders(), on=on, currency="CNY", days=90)
        # 250 open over 300 billed, times 90 days.
        assert dso == Decimal(75)
        assert (
            days_sales_outstanding(self.orders(), on=AT.date() - timedelta(days=1), currency="CNY")
            is None
        )

    def test_a_report_currency_converts_each_order_at_its_stored_rate(self) -> None:
        from salesorder.analytics import (
            AnalyticsError,
            ForeignCurrency,
            days_sales_outstanding,
            receivables_ageing,
        )
        from salesorder.exchange import ExchangeRate

        abroad = Order(
            id="o-3",
            customer=Customer(id="C-3", name="-"),
            currency="USD",
            lines=(OrderLine("1", "A", "a", Decimal(1), tax_code="VAT0"),),
            payment_terms=PaymentTerms(due_days=30),
            exchange_rate=ExchangeRate("CNY", "USD", Decimal("0.125"), AT.date()),
        )
        abroad.status = Status.CONFIRMED
        issue(abroad, priced(abroad), "INV-4")  # 100.00 x 0.125 = 12.50 USD, due 2027-01-04
        orders = [*self.orders(), abroad]
        convert = ForeignCurrency.CONVERT
        report = receivables_ageing(orders, on=AT.date(), currency="CNY", foreign=convert)
        # 12.50 USD / 0.125 = 100.00 CNY, not yet due, beside INV-1's open 50.00.
        assert report.buckets["not_due"] == cny(150)
        assert report.by_customer["C-3"]["not_due"] == cny(100)
        assert report.total == cny(250)
        on = date(2027, 3, 3)
        # (250 + 100) open over (300 + 100) billed, times 90 days.
        dso = days_sales_outstanding(orders, on=on, currency="CNY", days=90, foreign=convert)
        assert dso == Decimal("78.75")
        with pytest.raises(AnalyticsError) as info:
            receivables_ageing(orders, on=AT.date(), currency="USD", foreign=convert)
        assert info.value.code == "analytics.currency.rate_missing"

    def test_foreign_currency_and_bad_period_are_coded(self) -> None:
        from salesorder.analytics import (
            AnalyticsError,
            ForeignCurrency,
            days_sales_outstanding,
            receivables_ageing,
        )
        from salesorder.errors import CurrencyMismatch

        orders = self.orders()
        with pytest.raises(CurrencyMismatch):
            receivables_ageing(orders, on=AT.date(), currency="USD")
        skipped = receivables_ageing(
            orders, on=AT.date(), currency="USD", foreign=ForeignCurrency.SKIP
        )
        assert skipped.total == Money(0, "USD")
        with pytest.raises(AnalyticsError) as info:
            days_sales_outstanding(orders, on=AT.date(), currency="CNY", days=0)
        assert info.value.code == "analytics.period.invalid"
