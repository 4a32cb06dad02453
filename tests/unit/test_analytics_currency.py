"""Analytics in one reporting currency: each order converted at its own stored rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesorder import analytics as an
from salesorder.errors import CurrencyMismatch
from salesorder.exchange import ExchangeRate
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.quotes import Quote
from salesorder.records import Payment, PaymentKind, Status

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
USD = ExchangeRate("CNY", "USD", Decimal("0.1378"), date(2026, 11, 1))
LATER_USD = ExchangeRate("CNY", "USD", Decimal("0.1400"), date(2026, 11, 20))


def sale(
    order_id: str,
    total: str,
    currency: str = "CNY",
    *,
    rate: ExchangeRate | None = None,
    customer: str = "c1",
    refund: str | None = None,
    lines: tuple[tuple[str, str], ...] = (("A", "1"),),
) -> Order:
    return Order(
        id=order_id,
        customer=Customer(id=customer, name="n"),
        currency=currency,
        lines=tuple(
            OrderLine(f"L{i}", sku, sku, Decimal(1)) for i, (sku, _total) in enumerate(lines)
        ),
        line_totals=tuple(
            (f"L{i}", Money(amount, currency)) for i, (_sku, amount) in enumerate(lines)
        ),
        created_at=AT,
        status=Status.CONFIRMED,
        grand_total=Money(total, currency),
        payments=()
        if refund is None
        else (Payment("r", PaymentKind.REFUND, Money(refund, currency), AT),),
        exchange_rate=rate,
    )


ORDERS = [
    sale("o1", "100.00"),
    # 13.78 USD at 0.1378 is 100.00 CNY; 10.00 USD at 0.1400 is 71.428571... -> 71.43.
    sale("o2", "13.78", "USD", rate=USD, customer="c2"),
    sale("o3", "10.00", "USD", rate=LATER_USD, customer="c2"),
]


def test_each_order_is_converted_at_its_own_stored_rate() -> None:
    summary = an.sales_summary(ORDERS, currency="CNY", foreign=an.ForeignCurrency.CONVERT)
    assert summary.order_count == 3
    assert summary.sales == Money("271.43", "CNY")
    assert summary.average_order_value == Money("90.48", "CNY")  # 271.43 / 3, half-up


def test_refusing_and_skipping_are_unchanged() -> None:
    with pytest.raises(CurrencyMismatch) as refused:
        an.sales_summary(ORDERS, currency="CNY")
    assert refused.value.code == "analytics.currency.mixed"
    skipped = an.sales_summary(ORDERS, currency="CNY", foreign=an.ForeignCurrency.SKIP)
    assert skipped.sales == Money("100.00", "CNY")


def test_a_foreign_order_without_a_rate_is_refused_with_a_code() -> None:
    orders = [*ORDERS, sale("o4", "5.00", "USD")]
    with pytest.raises(an.AnalyticsError) as refused:
        an.sales_summary(orders, currency="CNY", foreign=an.ForeignCurrency.CONVERT)
    assert refused.value.code == "analytics.currency.rate_missing"
    assert "o4" in str(refused.value)
    # A rate between other currencies is no rate from the report currency either.
    euro = sale("o5", "5.00", "USD", rate=ExchangeRate("EUR", "USD", Decimal("1.1"), AT.date()))
    with pytest.raises(an.AnalyticsError):
        an.sales_summary([euro], currency="CNY", foreign=an.ForeignCurrency.CONVERT)


def test_refunds_come_off_before_the_conversion() -> None:
    # (27.56 - 13.78) USD = 13.78 USD = 100.00 CNY: converted once, after the refund.
    refunded = sale("o6", "27.56", "USD", rate=USD, refund="13.78")
    summary = an.sales_summary([refunded], currency="CNY", foreign=an.ForeignCurrency.CONVERT)
    assert summary.sales == Money("100.00", "CNY")


def test_groups_add_up_to_the_converted_total() -> None:
    orders = [*ORDERS, sale("o7", "1.00", "USD", rate=USD, lines=(("A", "0.40"), ("B", "0.60")))]
    convert = an.ForeignCurrency.CONVERT
    total = an.sales_summary(orders, currency="CNY", foreign=convert).sales
    for by in (an.Dimension.CUSTOMER, an.Dimension.PRODUCT):
        groups = an.sales_by(orders, an.Grouping(by=by), currency="CNY", foreign=convert)
        assert sum((g.sales for g in groups.values()), Money.zero("CNY")) == total
    # 1.00 USD = 7.26 CNY (7.2568...), split 40:60 over A and B: 2.90 and 4.36.
    products = an.sales_by(
        orders[3:], an.Grouping(by=an.Dimension.PRODUCT), currency="CNY", foreign=convert
    )
    assert {k: v.sales for k, v in products.items()} == {
        "A": Money("2.90", "CNY"),
        "B": Money("4.36", "CNY"),
    }
    values = an.customer_lifetime_values(orders, currency="CNY", foreign=convert)
    assert values["c2"].sales == Money("171.43", "CNY")


def test_a_quote_is_converted_at_its_quoted_rate() -> None:
    offered = sale("q-order", "13.78", "USD", rate=USD)
    quote = Quote("q1", "QT-1", offered, Money("13.78", "USD"), AT, AT + timedelta(days=7))
    stats = an.quote_conversion([quote], currency="CNY", foreign=an.ForeignCurrency.CONVERT)
    assert stats.quoted_value == Money("100.00", "CNY")
    bare = attrs.evolve(quote, order=attrs.evolve(offered, exchange_rate=None))
    with pytest.raises(an.AnalyticsError) as refused:
        an.quote_conversion([bare], currency="CNY", foreign=an.ForeignCurrency.CONVERT)
    assert refused.value.code == "analytics.currency.rate_missing"


@given(
    st.lists(
        st.tuples(
            st.decimals(Decimal("0.01"), Decimal(10**6), places=2),
            st.decimals(Decimal("0.0001"), Decimal(1000), places=4),
            st.sampled_from(["c1", "c2", "c3"]),
        ),
        max_size=8,
    ),
    st.randoms(use_true_random=False),
)
def test_converted_groups_add_up_and_do_not_depend_on_order(
    drawn: list[tuple[Decimal, Decimal, str]], rnd: object
) -> None:
    orders = [
        sale(
            f"o{i}",
            str(total),
            "USD",
            rate=ExchangeRate("CNY", "USD", rate, date(2026, 11, 1)),
            customer=customer,
        )
        for i, (total, rate, customer) in enumerate(drawn)
    ]
    convert = an.ForeignCurrency.CONVERT
    summary = an.sales_summary(orders, currency="CNY", foreign=convert)
    # Each order converted once, half-up: within half a fen of its exact value.
    for order in orders:
        assert order.exchange_rate is not None
        assert order.grand_total is not None
        one = an.sales_summary([order], currency="CNY", foreign=convert).sales.amount
        exact = order.grand_total.amount / order.exchange_rate.rate
        assert abs(one - exact) <= Decimal("0.005")
    groups = an.sales_by(orders, an.Grouping(by=an.Dimension.CUSTOMER), currency="CNY",
                         foreign=convert)  # fmt: skip
    assert sum((g.sales for g in groups.values()), Money.zero("CNY")) == summary.sales
    shuffled = list(orders)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert an.sales_summary(shuffled, currency="CNY", foreign=convert) == summary
