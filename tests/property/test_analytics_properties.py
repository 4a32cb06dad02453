"""Analytics properties: exact group totals and splits; input order is irrelevant."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salesorder import analytics as an
from salesorder.money import Money
from salesorder.order import Address, Customer, Order, OrderLine
from salesorder.records import AuditEntry, Payment, PaymentKind, Status
from salesorder.testing.strategies import amounts

BJ = timezone(timedelta(hours=8))
START = datetime(2025, 12, 20, tzinfo=BJ)
STATUSES = st.sampled_from(list(Status))
GROUPINGS = [
    an.Grouping(by=an.Dimension.CUSTOMER),
    an.Grouping(by=an.Dimension.SALESPERSON),
    an.Grouping(by=an.Dimension.REGION),
    an.Grouping(by=an.Dimension.PRODUCT),
    *(an.Grouping(by=an.Dimension.PERIOD, period=period) for period in an.Period),
    an.Grouping(
        by=an.Dimension.PERIOD, period=an.Period.DAY, basis=an.PeriodBasis.CONFIRMED, timezone=BJ
    ),
]
CITIES = [None, Address(country="CN", city="上海市", street="x")]


def cny(amount: Decimal) -> Money:
    return Money(amount, "CNY")


@st.composite
def orders(draw: st.DrawFn, order_id: str) -> Order:
    count = draw(st.integers(1, 4))
    lines = tuple(
        OrderLine(
            line_id=f"L{i}",
            sku=draw(st.sampled_from("ABCD")),
            name="p",
            quantity=draw(st.decimals(0, 50, places=1)),
            unit_price=draw(st.none() | amounts(max_value=1000).map(cny)),
        )
        for i in range(count)
    )
    total = draw(amounts(max_value=10**6))
    line_totals = draw(
        st.just(())
        | st.tuples(*(amounts(max_value=10**5).map(cny) for _ in lines)).map(
            lambda values: tuple((f"L{i}", v) for i, v in enumerate(values))
        )
    )
    refunds = draw(st.lists(amounts(max_value=total), max_size=2))
    created = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    confirmed = created + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    status = draw(STATUSES)
    return Order(
        id=order_id,
        customer=Customer(id=draw(st.sampled_from(["c1", "c2", "c3"])), name="n"),
        currency="CNY",
        lines=lines,
        salesperson=draw(st.sampled_from([None, "s1", "s2"])),
        created_at=created,
        shipping_address=draw(st.sampled_from(CITIES)),
        status=status,
        held_from=draw(STATUSES) if status is Status.ON_HOLD else None,
        grand_total=cny(total),
        line_totals=line_totals,
        payments=tuple(
            Payment(f"r{i}", PaymentKind.REFUND, cny(r), created) for i, r in enumerate(refunds)
        ),
        audit=(AuditEntry(confirmed, "u", "confirm", Status.APPROVED, Status.CONFIRMED),),
    )


order_lists = st.integers(0, 12).flatmap(
    lambda n: st.tuples(*(orders(f"o{i}") for i in range(n))).map(list)
)


@given(order_lists)
def test_group_totals_sum_exactly_to_the_overall_total(batch: list[Order]) -> None:
    overall = an.sales_summary(batch, currency="CNY")
    for grouping in GROUPINGS:
        groups = an.sales_by(batch, grouping, currency="CNY")
        assert sum((g.sales for g in groups.values()), Money.zero("CNY")) == overall.sales
        assert list(groups) == sorted(groups)
        if grouping.by is not an.Dimension.PRODUCT:
            assert sum(g.order_count for g in groups.values()) == overall.order_count


@given(orders("o"))
def test_product_totals_sum_to_the_order_amount(order: Order) -> None:
    shares = an.product_sales(order)
    assert sum(shares.values(), Money.zero("CNY")) == an.order_sales(order)
    assert all(share.is_quantized() for share in shares.values())


@given(order_lists, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(batch: list[Order], rng: random.Random) -> None:
    shuffled = list(batch)
    rng.shuffle(shuffled)
    assert an.sales_summary(shuffled, currency="CNY") == an.sales_summary(batch, currency="CNY")
    for grouping in GROUPINGS:
        assert list(an.sales_by(shuffled, grouping, currency="CNY").items()) == list(
            an.sales_by(batch, grouping, currency="CNY").items()
        )
    assert list(an.customer_lifetime_values(shuffled, currency="CNY").items()) == list(
        an.customer_lifetime_values(batch, currency="CNY").items()
    )


@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=30))
def test_cycle_time_statistics_are_ordered_and_exact(micros: list[int]) -> None:
    start = START
    batch = [
        Order(
            id=str(i),
            customer=Customer(id="c", name="n"),
            currency="CNY",
            lines=(),
            audit=(
                AuditEntry(start, "u", "submit", Status.DRAFT, Status.PENDING_APPROVAL),
                AuditEntry(
                    start + timedelta(microseconds=us),
                    "u",
                    "approve",
                    Status.PENDING_APPROVAL,
                    Status.APPROVED,
                ),
            ),
        )
        for i, us in enumerate(micros)
    ]
    stats = an.cycle_times(batch, an.CycleSpan.SUBMIT_TO_APPROVE)
    assert stats is not None
    low, high = timedelta(microseconds=min(micros)), timedelta(microseconds=max(micros))
    assert low <= stats.median <= stats.max == high
    assert low <= stats.mean <= high
    assert stats.p90 in {timedelta(microseconds=us) for us in micros}
    # The mean is the exact mean rounded half up to the microsecond.
    mean = stats.mean // timedelta(microseconds=1)
    assert abs(mean * len(micros) - sum(micros)) * 2 <= len(micros)


@given(
    st.integers(-(10**12), 10**12),
    st.integers(0, 4),
    st.integers(1, 10**6),
    st.sampled_from(["CNY", "JPY", "KWD"]),
)
def test_the_average_of_money_is_the_exact_quotient_rounded_half_up(
    units: int, extra_places: int, count: int, currency: str
) -> None:
    """The whole-minor-unit fast path gives the digits of the exact Fraction path."""
    from fractions import Fraction

    from salesorder._analytics.common import round_half_up
    from salesorder.money import minor_unit

    places = minor_unit(currency)
    total = Money(Decimal(units).scaleb(-(places + extra_places)), currency)
    expected = round_half_up(Fraction(total.amount) / count, places)
    average = an.average_money(total, count)
    assert str(average.amount) == str(expected)
