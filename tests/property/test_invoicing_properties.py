"""Properties of invoice documents and credit notes over any priced order.

For any priced order (``salesorder.testing`` strategies: any price list, promotions,
tax policy, rounding policy and charges) and any sequence of partial invoices, credit
notes, payments and refunds the commands accept:

* Σ invoices − Σ credit notes ≤ the price breakdown, per line (and charge) and per
  tax rate, net and tax;
* once everything is invoiced, they are equal to the cent, credit notes in between
  or not;
* a credit note never takes more than its invoice still carries; a price reduction is
  never billed back by later invoices;
* outstanding = invoiced − credited − paid + refunded, where only confirmed payments
  count (payments are recorded pending or confirmed, then confirmed, failed or voided);
* paid − refunded ≤ invoiced − credited, unless money was taken as a prepayment (more
  than was open when it was recorded) or a credit note left money to pay back;
* a refund never exceeds what the payment or credit note it names still carries;
* a refused command changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import event, given
from hypothesis import strategies as st

from salesorder import invoicing, lifecycle
from salesorder.codec import decode, encode
from salesorder.errors import RuleViolation, SalesOrderError
from salesorder.money import Money
from salesorder.order import Order
from salesorder.pricing import PriceBreakdown, PricingError, price
from salesorder.records import PaymentKind, PaymentState, PriceSnapshot, Status
from salesorder.testing.strategies import PricingInput, pricing_inputs

ACTOR = "F"
#: Mostly False: an over-quantity is tried now and then, not at every step.
OFTEN_NOT = st.integers(min_value=0, max_value=7).map(lambda n: n == 0)


def _amounts(breakdown: PriceBreakdown) -> dict[str, tuple[Money, Money]]:
    found = {line.line_id: (line.net, line.tax) for line in breakdown.lines}
    for charge in breakdown.charges:
        found[f"charge:{charge.charge_id}"] = (charge.net, charge.tax)
    return found


RateKey = tuple[Decimal, str | None]


def _rates(breakdown: PriceBreakdown) -> dict[RateKey, tuple[Money, Money]]:
    """The breakdown per tax rate as documents total it: a group's taxes each on its own.

    Without a tax group in use every item counts under ``(rate, None)``; with one, each
    item counts each of its taxes under ``(rate, code)``, its net under the first one's.
    """
    zero = Money.zero(breakdown.currency)
    rates: dict[RateKey, tuple[Money, Money]] = {}

    def add(key: RateKey, net: Money, tax: Money) -> None:
        known_net, known_tax = rates.get(key, (zero, zero))
        rates[key] = (known_net + net, known_tax + tax)

    grouped = _grouped(breakdown)
    for item in (*breakdown.lines, *breakdown.charges):
        if not grouped:
            add((item.tax_rate, None), item.net, item.tax)
            continue
        for index, part in enumerate(item.taxes):
            add((part.rate, part.code), item.net if index == 0 else zero, part.amount)
    return rates


def _grouped(breakdown: PriceBreakdown) -> bool:
    """Whether a tax group (not one rate of its own code) taxed some item."""
    return any(
        [(part.code, part.rate) for part in item.taxes] != [(item.tax_code, item.tax_rate)]
        for item in (*breakdown.lines, *breakdown.charges)
    )


def _components(breakdown: PriceBreakdown) -> dict[str, dict[str, Money]]:
    """Per item (invoice line id) of an order a tax group taxed: its tax per code."""
    if not _grouped(breakdown):
        return {}
    found: dict[str, dict[str, Money]] = {}
    items = [(line.line_id, line) for line in breakdown.lines]
    items += [(f"charge:{charge.charge_id}", charge) for charge in breakdown.charges]
    for line_id, item in items:
        found[line_id] = {part.code: part.amount for part in item.taxes}
    return found


def _billed_rates(order: Order) -> dict[RateKey, tuple[Money, Money]]:
    zero = Money.zero(order.currency)
    rates: dict[RateKey, tuple[Money, Money]] = {}
    for document in invoicing.invoice_documents(order):
        for total in document.tax_by_rate:
            net, tax = rates.get((total.rate, total.code), (zero, zero))
            rates[total.rate, total.code] = (net + total.net, tax + total.tax)
    for note in order.credit_notes:
        for total in note.tax_by_rate:
            net, tax = rates.get((total.rate, total.code), (zero, zero))
            rates[total.rate, total.code] = (net - total.net, tax - total.tax)
    return rates


def _check_components(order: Order, breakdown: PriceBreakdown, *, equal: bool) -> None:
    """Per line of a tax group and per tax: Σ invoices − Σ credit notes ≤ the breakdown.

    Equal to the cent once everything is invoiced; a line's tax is always the sum of
    its taxes, on every document.
    """
    zero = Money.zero(order.currency)
    components = _components(breakdown)
    documents = [*invoicing.invoice_documents(order), *order.credit_notes]
    for document in documents:
        for line in document.lines:
            assert bool(line.taxes) == (line.line_id in components), line.line_id
            if line.taxes:
                assert sum((part.amount for part in line.taxes), zero) == line.tax
        assert sum((total.net for total in document.tax_by_rate), zero) == document.net_total
        assert sum((total.tax for total in document.tax_by_rate), zero) == document.tax_total
    billed = invoicing.billed_by_line(order)
    for line_id, taxes in components.items():
        known = billed.get(line_id)
        for code, amount in taxes.items():
            billed_amount = zero if known is None else known.taxes.get(code, zero)
            assert zero <= billed_amount <= amount, (line_id, code)
            if equal and (known is not None or amount):
                assert billed_amount == amount, (line_id, code)


def _check_bounds(
    order: Order, breakdown: PriceBreakdown, *, equal: bool, reduced: bool = False
) -> None:
    zero = Money.zero(order.currency)
    amounts = _amounts(breakdown)
    for line_id, billed in invoicing.billed_by_line(order).items():
        net, tax = amounts[line_id]
        assert zero <= billed.net <= net, line_id
        assert zero <= billed.tax <= tax, line_id
    rates = _rates(breakdown)
    for rate, (net, tax) in _billed_rates(order).items():
        assert net <= rates[rate][0]
        assert tax <= rates[rate][1]
    _check_components(order, breakdown, equal=equal)
    if equal:
        billed = invoicing.billed_by_line(order)
        for line_id, (net, tax) in amounts.items():
            if net or tax:
                assert (billed[line_id].net, billed[line_id].tax) == (net, tax), line_id
        if reduced:
            return  # price reductions lower the rates below the breakdown, as they should
        billed_rates = _billed_rates(order)
        for rate, amounts_at_rate in rates.items():
            assert billed_rates.get(rate, (zero, zero)) == amounts_at_rate, rate


def _priced(data: PricingInput) -> tuple[Order, PriceBreakdown] | None:
    try:
        breakdown = price(data.order, **data.price_kwargs())  # type: ignore[arg-type]
    except PricingError:
        return None
    order = data.order
    # The invoicing commands need an order that can be invoiced; its history does not matter.
    order.status = Status.CONFIRMED
    return order, breakdown


def _check_refunds(order: Order) -> None:
    zero = Money.zero(order.currency)
    for payment in order.payments:
        if payment.kind is PaymentKind.PAYMENT and payment.counts:
            assert lifecycle.refundable_on_payment(order, payment.payment_id) >= zero
    for note in order.credit_notes:
        assert lifecycle.refundable_on_credit_note(order, note.number) >= zero
    assert lifecycle.net_paid(order) >= zero


def _refused_changes_nothing(order: Order, error: SalesOrderError, before: object) -> None:
    assert error.code
    assert encode(order) == before


@attrs.define
class _Run:
    """One example: the order, its breakdown, and how to draw the next command."""

    order: Order
    breakdown: PriceBreakdown
    draw: st.DataObject
    at: datetime
    counter: int = 0
    reduced: bool = False
    prepaid: bool = False

    def invoice(self) -> None:
        billable = lifecycle.billable_quantities(self.order)
        if not billable:
            return
        chosen = self.draw.draw(
            st.lists(st.sampled_from(sorted(billable)), min_size=1, unique=True)
        )
        lines = {
            line_id: billable[line_id] + 1
            if self.draw.draw(OFTEN_NOT)
            else self.draw.draw(
                st.sampled_from([billable[line_id], billable[line_id] / 2, billable[line_id] / 4])
            )
            for line_id in chosen
        }
        # The order's price snapshot or the breakdown itself: the same figures.
        priced = self.draw.draw(st.sampled_from([self.breakdown, self.breakdown.snapshot()]))
        invoicing.issue_invoice(
            self.order, priced, number=self.number(), actor=ACTOR, at=self.at, lines=lines
        )

    def credit(self) -> None:
        documents = invoicing.invoice_documents(self.order)
        if not documents:
            return
        document = self.draw.draw(st.sampled_from(documents))
        credited = invoicing.credited_by_line(self.order, document.number)
        line = self.draw.draw(st.sampled_from(document.lines))
        left = line.quantity - (credited[line.line_id].quantity if line.line_id in credited else 0)
        quantity = self.draw.draw(st.sampled_from([left, left / 2, left + 1]))
        whole = self.draw.draw(st.booleans())
        invoicing.issue_credit_note(
            self.order,
            invoice_number=document.number,
            number=self.number(),
            actor=ACTOR,
            at=self.at,
            reason="return",
            lines=None if whole else {line.line_id: quantity},
        )

    def reduce(self) -> None:
        documents = invoicing.invoice_documents(self.order)
        if not documents:
            return
        document = self.draw.draw(st.sampled_from(documents))
        share = Decimal(self.draw.draw(st.integers(min_value=1, max_value=10_000))) / 10_000
        invoicing.issue_credit_note(
            self.order,
            invoice_number=document.number,
            number=self.number(),
            actor=ACTOR,
            at=self.at,
            reason="price_reduction",
            amount=(document.gross_total * share).quantize(),
        )
        self.reduced = True

    def pay(self) -> None:
        amount = Money(self.draw.draw(st.integers(min_value=1, max_value=500)), self.order.currency)
        state = self.draw.draw(st.sampled_from(["confirmed", "pending"]))
        if state == "confirmed":
            self.note_prepayment(amount.quantize())
        lifecycle.record_payment(
            self.order,
            amount=amount.quantize(),
            actor=ACTOR,
            at=self.at,
            state=state,
            payment_id=f"P{self.counter}",
        )

    def settle(self) -> None:
        payments = [p for p in self.order.payments if p.kind is PaymentKind.PAYMENT]
        if not payments:
            return
        payment = self.draw.draw(st.sampled_from(payments))
        how = self.draw.draw(st.sampled_from(["confirm", "fail", "void"]))
        if how == "confirm":
            if payment.state is PaymentState.PENDING:
                self.note_prepayment(payment.amount)
            lifecycle.confirm_payment(
                self.order, payment_id=payment.payment_id, actor=ACTOR, at=self.at
            )
        else:
            lifecycle.void_payment(
                self.order,
                payment_id=payment.payment_id,
                actor=ACTOR,
                at=self.at,
                failed=how == "fail",
            )

    def refund(self) -> None:
        paid = lifecycle.net_paid(self.order)
        if not paid:
            return
        confirmed = [p for p in self.order.payments if p.kind is PaymentKind.PAYMENT and p.counts]
        against = self.draw.draw(st.sampled_from([None, *confirmed]))
        notes = [None, *(n.number for n in self.order.credit_notes)]
        note = self.draw.draw(st.sampled_from(notes))
        amount = paid
        if against is not None:
            amount = min(amount, lifecycle.refundable_on_payment(self.order, against.payment_id))
        if note is not None and self.draw.draw(st.booleans()):
            amount = min(amount, lifecycle.refundable_on_credit_note(self.order, note))
        if self.draw.draw(OFTEN_NOT):
            amount += Money("0.01", self.order.currency)  # over what it may: refused
        lifecycle.record_refund(
            self.order,
            amount=amount,
            actor=ACTOR,
            at=self.at,
            refunded_payment=None if against is None else against.payment_id,
            credit_note=note,
        )

    def note_prepayment(self, amount: Money) -> None:
        # Money beyond what is open when it comes in is a prepayment (预收).
        items = invoicing.open_items(self.order, on=self.at.date())
        if amount > items.outstanding:
            self.prepaid = True

    def number(self) -> str:
        return f"N{self.counter}"


ACTIONS = ("invoice", "invoice", "credit", "credit", "reduce", "pay", "pay", "settle", "refund")


@given(pricing_inputs(max_promotions=3), st.data())
def test_documents_slice_the_breakdown_exactly(data: PricingInput, draw: st.DataObject) -> None:
    priced = _priced(data)
    if priced is None:
        return
    order, breakdown = priced
    event(f"tax group in use: {_grouped(breakdown)}")
    run = _Run(order, breakdown, draw, data.at)
    for _ in range(draw.draw(st.integers(min_value=0, max_value=8), label="steps")):
        run.counter += 1
        run.at += timedelta(hours=1)
        before = encode(order)
        action = draw.draw(st.sampled_from(ACTIONS))
        try:
            getattr(run, action)()
        except SalesOrderError as error:
            _refused_changes_nothing(order, error, before)
            event(f"refused {action} {error.code}")
        else:
            event(f"accepted {action}")
        _check_bounds(order, breakdown, equal=False)
        items = invoicing.open_items(order, on=run.at.date())
        assert items.outstanding == items.invoiced - items.credited - items.paid + items.refunded
        assert items.paid - items.refunded == lifecycle.net_paid(order)
        if order.credit_notes and items.outstanding < Money.zero(order.currency):
            run.prepaid = True  # a credit note left money to pay back (退款 due)
        if not run.prepaid:
            assert items.paid - items.refunded <= items.invoiced - items.credited
        _check_refunds(order)
    # Bill everything left: the documents then add up to the breakdown.
    refusal: str | None = None
    try:
        invoicing.issue_invoice(order, breakdown, number="LAST", actor=ACTOR, at=run.at)
    except RuleViolation as error:
        refusal = error.code
    # Nothing left, or only zero amounts left (an invoice must bill something).
    assert refusal in (None, "invoicing.invoice.nothing_to_bill", "lifecycle.amount.not_positive")
    _check_bounds(order, breakdown, equal=True, reduced=run.reduced)
    event(f"documents: {len(invoicing.invoice_documents(order))}, notes: {len(order.credit_notes)}")
    event(f"prepaid or owed back: {run.prepaid}")


@given(pricing_inputs(max_promotions=3))
def test_a_price_snapshot_invoices_as_its_breakdown_and_round_trips(data: PricingInput) -> None:
    """The snapshot kept on the order bills what the breakdown it came from bills."""
    priced = _priced(data)
    if priced is None:
        return
    order, breakdown = priced
    snapshot = breakdown.snapshot()
    assert decode(PriceSnapshot, json.loads(json.dumps(encode(snapshot)))) == snapshot
    assert snapshot.grand_total() == breakdown.grand_total
    assert snapshot.line_totals() == tuple((line.line_id, line.gross) for line in breakdown.lines)
    at = data.at
    quantities = lifecycle.billable_quantities(order)
    documents: list[object] = []
    for source in (breakdown, snapshot):
        try:
            documents.append(
                invoicing.build_invoice(order, source, number="A", at=at, quantities=quantities)
            )
        except RuleViolation as error:
            documents.append(error.code)  # nothing to bill (all zero): refused alike
    assert documents[0] == documents[1]
    if isinstance(documents[1], invoicing.InvoiceDocument):
        assert documents[1].gross_total == breakdown.grand_total
