"""Pricing invariants over generated orders, price lists, promotions and tax policies."""

from __future__ import annotations

import random
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from salesorder._pricing._state import split_units
from salesorder.money import Money, RoundingPolicy, RoundingScope, allocate
from salesorder.order import Customer, LockedPrice, Order, OrderDiscount, OrderLine
from salesorder.pricing import (
    ChargePrice,
    DiscountLines,
    FreeGift,
    LinePrice,
    PriceBreakdown,
    PriceList,
    StackingPolicy,
    TaxComponent,
    TaxPolicy,
    price,
)
from salesorder.testing.strategies import PRICING_AT, PricingInput, pricing_inputs


def priced(case: PricingInput) -> PriceBreakdown:
    return price(case.order, **case.price_kwargs())  # type: ignore[arg-type]


def every_amount(breakdown: PriceBreakdown) -> list[Money]:
    amounts = [
        breakdown.subtotal,
        breakdown.discount_total,
        breakdown.charges_total,
        breakdown.net_total,
        breakdown.tax_total,
        breakdown.grand_total,
    ]
    for line in breakdown.lines:
        amounts += [line.unit_price, line.extended, line.discount, line.net, line.tax, line.gross]
        amounts += [a.amount for a in line.adjustments]
    for charge in breakdown.charges:
        amounts += [charge.amount, charge.discount, charge.net, charge.tax, charge.gross]
        amounts += [a.amount for a in charge.adjustments]
    for applied in breakdown.applied:
        amounts += [applied.amount, applied.unused]
    return amounts


def check_grand_total_is_the_sum_of_its_parts(b: PriceBreakdown) -> None:
    zero = Money.zero(b.currency)
    parts = [*b.lines, *b.charges]
    assert b.grand_total == b.net_total + b.tax_total
    assert b.grand_total == sum((p.gross for p in parts), zero)
    assert b.net_total == sum((p.net for p in parts), zero)
    assert b.tax_total == sum((p.tax for p in parts), zero)
    assert b.subtotal == sum((line.extended for line in b.lines), zero)
    assert b.charges_total == sum((c.amount for c in b.charges), zero)
    assert b.discount_total == sum((p.discount for p in parts), zero)
    basis = b.subtotal + b.charges_total - b.discount_total
    assert b.grand_total == (basis if b.prices_include_tax else basis + b.tax_total)


def check_each_line_reconciles_and_adjustments_add_up(b: PriceBreakdown) -> None:
    zero = Money.zero(b.currency)
    for line in b.lines:
        assert line.net + line.tax == line.gross
        assert line.discount == sum((a.amount for a in line.adjustments), zero)
        after = line.gross if b.prices_include_tax else line.net
        assert line.extended - line.discount == after
    for charge in b.charges:
        assert charge.net + charge.tax == charge.gross
        assert charge.discount == sum((a.amount for a in charge.adjustments), zero)
        after = charge.gross if b.prices_include_tax else charge.net
        assert charge.amount - charge.discount == after


def check_allocated_discounts_sum_exactly_to_each_promotion(b: PriceBreakdown) -> None:
    given_by: dict[str, Money] = {}
    for part in [*b.lines, *b.charges]:
        for adjustment in part.adjustments:
            if adjustment.promotion_id is not None:
                key = adjustment.promotion_id
                given_by[key] = given_by.get(key, Money.zero(b.currency)) + adjustment.amount
    assert given_by == {a.promotion_id: a.amount for a in b.applied if a.amount}


def _sequential_taxes(
    components: tuple[TaxComponent, ...], net: Decimal, units: Decimal
) -> Decimal:
    # The definition, one component after the other: a compound tax's base is the net
    # plus the taxes before it; a levy is per stock unit.
    taxes: list[Decimal] = []
    for component in components:
        base = net + sum(taxes, Decimal(0)) if component.compound else net
        levy = component.per_unit.amount * units if component.per_unit is not None else 0
        taxes.append(component.rate * base + levy)
    return sum(taxes, Decimal(0))


def _exact_tax(case: PricingInput, part: LinePrice | ChargePrice, include: bool) -> Decimal:
    """The exact tax of a priced line or charge, from the policy's definition."""
    rate = part.tax_rate
    components = case.tax.groups.get(part.tax_code)
    if components is None:
        if include:
            return part.gross.amount * rate / (1 + rate)
        return part.net.amount * rate
    units = Decimal(1)
    if isinstance(part, LinePrice):
        units = part.quantity
        for line in case.order.lines:
            if line.line_id == part.line_id:
                units = line.stock_quantity
    if not include:
        return _sequential_taxes(components, part.net.amount, units)
    # Taxes included: the net N with N + taxes(N) == gross (taxes are affine in N).
    at_zero = _sequential_taxes(components, Decimal(0), units)
    slope = _sequential_taxes(components, Decimal(1), units) - at_zero
    gross = part.gross.amount
    if gross <= at_zero:
        return gross
    return gross - (gross - at_zero) / (1 + slope)


@given(pricing_inputs())
def test_document_tax_is_the_rounded_exact_total(case: PricingInput) -> None:
    case = attrs.evolve(case, rounding=attrs.evolve(case.rounding, scope=RoundingScope.DOCUMENT))
    b = priced(case)
    exact = Decimal(0)
    for part in [*b.lines, *b.charges]:
        exact += _exact_tax(case, part, b.prices_include_tax)
    quantum = Decimal(1).scaleb(-Money.zero(b.currency).minor_unit)
    expected = exact.quantize(quantum, rounding=case.rounding.mode.value)
    # Inclusive extraction divides; allow one unit where a tie is blurred by the quotient.
    assert abs(b.tax_total.amount - expected) <= (quantum if b.prices_include_tax else 0)
    assert b.tax_total == sum((p.tax for p in [*b.lines, *b.charges]), Money.zero(b.currency))


def check_every_amount_is_quantized_and_not_negative(b: PriceBreakdown) -> None:
    for amount in every_amount(b):
        assert amount.currency == b.currency
        assert amount.is_quantized(), amount
        assert amount.amount >= 0, amount


# One generated case feeds several checks: generating inputs costs more than pricing them.
def check_taxes_reconcile_per_line_and_per_code(b: PriceBreakdown) -> None:
    zero = Money.zero(b.currency)
    for part in [*b.lines, *b.charges]:
        assert sum((t.amount for t in part.taxes), zero) == part.tax
        assert all(t.amount.amount >= 0 for t in part.taxes)
    assert sum(b.tax_by_code().values(), zero) == b.tax_total


@given(pricing_inputs())
def test_line_taxes_are_the_rounded_exact_taxes(case: PricingInput) -> None:
    # Per-line rounding: each component is rounded, so a line's tax is within half a
    # minor unit per component of its exact tax (one unit with the extraction's division).
    case = attrs.evolve(case, rounding=attrs.evolve(case.rounding, scope=RoundingScope.LINE))
    b = priced(case)
    quantum = Decimal(1).scaleb(-Money.zero(b.currency).minor_unit)
    for part in [*b.lines, *b.charges]:
        exact = _exact_tax(case, part, b.prices_include_tax)
        assert abs(part.tax.amount - exact) <= quantum * len(part.taxes)
    check_taxes_reconcile_per_line_and_per_code(b)


@given(pricing_inputs())
def test_breakdown_reconciles_to_the_minor_unit(case: PricingInput) -> None:
    b = priced(case)
    check_taxes_reconcile_per_line_and_per_code(b)
    check_grand_total_is_the_sum_of_its_parts(b)
    check_each_line_reconciles_and_adjustments_add_up(b)
    check_allocated_discounts_sum_exactly_to_each_promotion(b)
    check_every_amount_is_quantized_and_not_negative(b)


@given(pricing_inputs(), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_line_order(case: PricingInput, rnd: random.Random) -> None:
    b = priced(case)
    lines = list(case.order.lines)
    rnd.shuffle(lines)
    shuffled = attrs.evolve(case.order, lines=tuple(lines))
    again = price(shuffled, **case.price_kwargs())  # type: ignore[arg-type]
    for name in ("subtotal", "discount_total", "charges_total", "tax_total", "grand_total"):
        assert getattr(again, name) == getattr(b, name), name
    assert {line.line_id: line.gross for line in again.lines} == {
        line.line_id: line.gross for line in b.lines
    }


@given(pricing_inputs())
def test_pricing_is_idempotent(case: PricingInput) -> None:
    first = priced(case)
    assert priced(case) == first
    assert [line.line_id for line in first.lines[: len(case.order.lines)]] == [
        line.line_id for line in case.order.lines
    ]


@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(any),
)
def test_integer_split_matches_money_allocate(units: int, weights: list[int]) -> None:
    expected = allocate(Money(Decimal(units).scaleb(-2), "CNY"), weights)
    assert [Decimal(u).scaleb(-2) for u in split_units(units, weights)] == [
        m.amount for m in expected
    ]


@given(pricing_inputs())
def test_locked_prices_keep_every_line_price_when_the_list_changes(case: PricingInput) -> None:
    first = priced(case)
    listed = {line.line_id for line in case.order.lines if line.unit_price is None}
    locks = tuple(
        LockedPrice(p.line_id, p.list_price, PRICING_AT)
        for p in first.lines
        if p.line_id in listed and p.list_price is not None
    )
    locked = attrs.evolve(case.order, locked_prices=locks)
    # The same list: locking changes nothing at all.
    assert price(locked, **case.price_kwargs()) == first  # type: ignore[arg-type]
    # Another list (every SKU at 1.00): the order's own lines keep their prices.
    skus = sorted({entry.sku for entry in case.price_list.entries})
    other = PriceList.of(case.price_list.currency, [(sku, "1.00") for sku in skus])
    again = price(locked, **{**case.price_kwargs(), "price_list": other})  # type: ignore[arg-type]
    before = {p.line_id: (p.unit_price, p.extended) for p in first.lines if not p.is_gift}
    after = {p.line_id: (p.unit_price, p.extended) for p in again.lines if not p.is_gift}
    assert after == before
    if not any(isinstance(p.benefit, FreeGift) for p in case.promotions):
        assert again.grand_total == first.grand_total


def _with_discount_lines(case: PricingInput, shown: DiscountLines) -> PricingInput:
    return attrs.evolve(case, stacking=attrs.evolve(case.stacking, discount_lines=shown))


@given(pricing_inputs())
def test_discount_lines_reconcile_per_line_and_per_tax_code(case: PricingInput) -> None:
    b = priced(_with_discount_lines(case, DiscountLines.PER_TAX))
    zero = Money.zero(b.currency)
    spread = priced(_with_discount_lines(case, DiscountLines.SPREAD))
    # Showing the discount per tax code moves no amount: the lines and totals are the spread's.
    assert attrs.evolve(b, lines=spread.lines, discount_lines=()) == spread
    assert [(p.line_id, p.net, p.tax, p.gross, p.adjustments) for p in b.lines] == [
        (p.line_id, p.net, p.tax, p.gross, p.adjustments) for p in spread.lines
    ]
    if case.order.order_discount is None:
        assert b.discount_lines == ()
    shares: dict[str, list[Money]] = {}
    before = zero
    for line in b.lines:
        share = line.order_discount_share
        before += line.gross if share is None else line.gross + share.gross
        if share is None:
            continue
        assert not line.is_gift
        # A share is never negative, is whole minor units, and reconciles on its own.
        for amount in (share.net, share.tax, share.gross):
            assert amount.amount >= 0
            assert amount == amount.quantize()
        assert share.net + share.tax == share.gross
        assert sum((t.amount for t in share.taxes), zero) == share.tax
        # What the order discount took off the line's price basis is exactly its share.
        taken = sum(
            (a.amount for a in line.adjustments if a.reason == "discount.manual_order"), zero
        )
        assert taken == (share.gross if b.prices_include_tax else share.net)
        totals = shares.setdefault(line.tax_code, [zero, zero, zero])
        totals[0] += share.net
        totals[1] += share.tax
        totals[2] += share.gross
    assert [d.tax_code for d in b.discount_lines] == sorted(shares)
    for item in b.discount_lines:
        # Per tax code: minus the sum of its lines' shares, never positive.
        assert [-item.net, -item.tax, -item.gross] == shares[item.tax_code]
        assert item.net.amount <= 0
        assert item.tax.amount <= 0
        assert item.gross.amount <= 0
        assert sum((t.amount for t in item.taxes), zero) == item.tax
    # The lines before the discount plus the discount lines are the grand total.
    assert (
        before
        + sum((d.gross for d in b.discount_lines), zero)
        + sum((c.gross for c in b.charges), zero)
        == b.grand_total
    )


@given(pricing_inputs(), st.randoms(use_true_random=False))
def test_discount_lines_do_not_depend_on_line_order(case: PricingInput, rnd: random.Random) -> None:
    case = _with_discount_lines(case, DiscountLines.PER_TAX)
    b = priced(case)
    lines = list(case.order.lines)
    rnd.shuffle(lines)
    again = priced(attrs.evolve(case, order=attrs.evolve(case.order, lines=tuple(lines))))
    assert again.discount_lines == b.discount_lines
    assert {p.line_id: p.order_discount_share for p in again.lines} == {
        p.line_id: p.order_discount_share for p in b.lines
    }


@settings(max_examples=500)
@given(
    st.lists(st.integers(1, 3000), min_size=1, max_size=3),
    st.integers(1, 10),
    st.booleans(),
    st.sampled_from(RoundingScope),
)
def test_discount_line_shares_never_change_sign_under_several_rounded_taxes(
    cents: list[int], off: int, include: bool, scope: RoundingScope
) -> None:
    # Small grosses under four taxes rounded one by one: where a cent off the gross can
    # take two off the taxes. Shares stay in bounds and everything still reconciles.
    four = TaxPolicy(
        prices_include_tax=include,
        groups={"G": (
            TaxComponent("A", Decimal("0.10")),
            TaxComponent("B", Decimal("0.13"), compound=True),
            TaxComponent("C", Decimal("0.06")),
            TaxComponent("L", per_unit=Money("0.05", "CNY")),
            TaxComponent("D", Decimal("0.2")),
        )},
    )  # fmt: skip
    listed = PriceList.of(
        "CNY", [(f"S{i}", str(Decimal(c).scaleb(-2))) for i, c in enumerate(cents)]
    )
    order = Order(
        id="SO-1",
        customer=Customer(id="C-1", name="-"),
        currency="CNY",
        lines=tuple(
            OrderLine(str(i), f"S{i}", "s", Decimal(1), tax_code="G") for i in range(len(cents))
        ),
        order_discount=OrderDiscount(amount=Money(Decimal(off).scaleb(-2), "CNY")),
    )
    b = price(
        order,
        price_list=listed,
        at=PRICING_AT,
        tax=four,
        rounding=RoundingPolicy(scope=scope),
        stacking=StackingPolicy(discount_lines=DiscountLines.PER_TAX),
    )
    zero = Money.zero("CNY")
    shown = zero
    for line in b.lines:
        share = line.order_discount_share
        shown += line.gross if share is None else line.gross + share.gross
        if share is not None:
            assert min(share.net.amount, share.tax.amount, share.gross.amount) >= 0
            assert all(t.amount.amount >= 0 for t in share.taxes)
            assert share.net + share.tax == share.gross
    for item in b.discount_lines:
        assert max(item.net.amount, item.tax.amount, item.gross.amount) <= 0
    assert shown + sum((d.gross for d in b.discount_lines), zero) == b.grand_total
