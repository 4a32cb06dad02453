"""Invoices and credit notes of lines under several taxes (a tax group).

Each tax is totalled under its own code and rate (not all under the line's nominal
rate), and partial invoices plus credit notes add up per tax to the cent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from salesorder import invoicing
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.pricing import PriceBreakdown, PriceList, TaxComponent, TaxPolicy, price
from salesorder.records import RateTotal, Status, TaxPart

AT = datetime(2026, 12, 4, 10, tzinfo=UTC)
LIQUOR = TaxPolicy(
    groups={
        "LIQ": (
            TaxComponent("CT", Decimal("0.10")),  # consumption tax on the net
            TaxComponent("VAT13", Decimal("0.13"), compound=True),  # VAT on net + CT
            TaxComponent("DEPOSIT", per_unit=Money("0.50", "CNY")),  # per bottle
        )
    }
)
WINES = PriceList.of("CNY", [("WINE", "100.00"), ("TEA", "10.00")])


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def priced() -> tuple[Order, PriceBreakdown]:
    order = Order(
        id="o-liq",
        number="SO-LIQ",
        customer=Customer(id="C-1", name="买方公司"),
        currency="CNY",
        lines=(
            OrderLine("1", "WINE", "wine", Decimal(2), tax_code="LIQ"),
            OrderLine("2", "TEA", "tea", Decimal(3)),
        ),
        created_at=AT,
    )
    order.status = Status.CONFIRMED
    return order, price(order, price_list=WINES, tax=LIQUOR, at=AT)


def test_each_tax_of_a_group_is_totalled_under_its_own_code_and_rate() -> None:
    order, breakdown = priced()
    document = invoicing.build_invoice(
        order, breakdown, number="INV-1", at=AT, quantities={"1": Decimal(2), "2": Decimal(3)}
    )
    wine = document.lines[0]
    assert wine.tax_rate == Decimal("0.23")  # nominal: the sum of the group's percentages
    assert wine.taxes == (
        TaxPart("CT", Decimal("0.10"), cny("20.00")),
        TaxPart("VAT13", Decimal("0.13"), cny("28.60")),
        TaxPart("DEPOSIT", Decimal(0), cny("1.00")),
    )
    # The tea's one tax is listed too: both VATs total under VAT13.
    assert document.lines[1].taxes == (TaxPart("VAT13", Decimal("0.13"), cny("3.90")),)
    assert document.tax_by_rate == (
        RateTotal(Decimal(0), cny("0.00"), cny("1.00"), "DEPOSIT"),
        RateTotal(Decimal("0.10"), cny("200.00"), cny("20.00"), "CT"),
        RateTotal(Decimal("0.13"), cny("30.00"), cny("32.50"), "VAT13"),
    )
    assert document.tax_total == breakdown.tax_total == cny("53.50")
    assert document.net_total == breakdown.net_total


def test_partial_invoices_and_credit_notes_add_up_per_tax_to_the_cent() -> None:
    order, breakdown = priced()
    first = invoicing.issue_invoice(
        order, breakdown, number="INV-1", actor="F", at=AT, lines={"1": Decimal(1)}
    ).document
    note = invoicing.issue_credit_note(
        order, invoice_number="INV-1", number="CN-1", actor="F", at=AT, reason="return"
    ).note
    assert note.lines[0].taxes == first.lines[0].taxes
    second = invoicing.issue_invoice(
        order, breakdown, number="INV-2", actor="F", at=AT, lines={"1": Decimal(1)}
    ).document
    third = invoicing.issue_invoice(order, breakdown, number="INV-3", actor="F", at=AT).document
    reduction = invoicing.issue_credit_note(
        order, invoice_number="INV-3", number="CN-2", actor="F", at=AT,
        reason="price_reduction", amount=cny("10.00"),
    ).note  # fmt: skip
    totals: dict[str, Money] = {}
    for document, sign in ((first, 1), (note, -1), (second, 1), (third, 1)):
        for line in document.lines:
            for part in line.taxes:
                totals[part.code] = totals.get(part.code, cny(0)) + part.amount * sign
    assert totals == breakdown.tax_by_code()
    for line in reduction.lines:
        assert sum((part.amount for part in line.taxes), cny(0)) == line.tax
    assert sum((total.tax for total in reduction.tax_by_rate), cny(0)) == reduction.tax_total


def test_a_line_billed_by_documents_without_taxes_goes_on_without_them() -> None:
    # Documents stored before invoice lines listed their taxes: what they billed is not
    # known per tax, so the line is billed on by its whole tax, never twice.
    order, breakdown = priced()
    invoicing.issue_invoice(
        order, breakdown, number="INV-1", actor="F", at=AT, lines={"1": Decimal(1)}
    )
    record = order.invoices[-1]
    assert record.document is not None
    bare = attrs.evolve(
        record.document,
        lines=tuple(attrs.evolve(line, taxes=()) for line in record.document.lines),
    )
    order.invoices = (attrs.evolve(record, document=bare),)
    rest = invoicing.issue_invoice(order, breakdown, number="INV-2", actor="F", at=AT).document
    wine = next(line for line in rest.lines if line.line_id == "1")
    assert wine.taxes == ()
    assert wine.tax + bare.lines[0].tax == breakdown.line("1").tax
    assert rest.tax_total + bare.tax_total == breakdown.tax_total
