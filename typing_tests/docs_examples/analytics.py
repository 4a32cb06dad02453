"""Generated from docs/analytics.md by scripts/extract_docs_examples.py: do not edit."""

from datetime import UTC, date, datetime
from decimal import Decimal

from salesorder import Money
from salesorder.analytics import AnalyticsError, ForeignCurrency, sales_summary
from salesorder.exchange import ExchangeRate
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import Status


def sold(order_id, total, currency, rate=None):
    return Order(id=order_id, customer=Customer(id="c1", name="..."), currency=currency,
                 lines=(OrderLine("1", "TEA", "tea", Decimal(1)),), status=Status.CONFIRMED,
                 created_at=datetime(2026, 11, 2, tzinfo=UTC),
                 grand_total=Money(total, currency), exchange_rate=rate)


on_the_2nd = ExchangeRate("CNY", "USD", Decimal("0.1378"), date(2026, 11, 2))
on_the_20th = ExchangeRate("CNY", "USD", Decimal("0.1400"), date(2026, 11, 20))
orders = [
    sold("o1", "100.00", "CNY"),
    sold("o2", "13.78", "USD", on_the_2nd),        # 13.78 / 0.1378 = 100.00
    sold("o3", "10.00", "USD", on_the_20th),       # 10.00 / 0.1400 = 71.428... -> 71.43
]
summary = sales_summary(orders, currency="CNY", foreign=ForeignCurrency.CONVERT)
assert summary.sales == Money("271.43", "CNY")
assert summary.average_order_value == Money("90.48", "CNY")
try:
    sales_summary([*orders, sold("o4", "5.00", "USD")], currency="CNY",
                  foreign=ForeignCurrency.CONVERT)
except AnalyticsError as refused:
    assert refused.code == "analytics.currency.rate_missing"
else:
    raise AssertionError("an order without its rate cannot be converted")

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from salesorder import Money
from salesorder.analytics import (
    Dimension, Grouping, Period, PeriodBasis, SalesSummary, product_sales, sales_by,
    sales_summary,
)
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import AuditEntry, Payment, PaymentKind, Status

BJ = timezone(timedelta(hours=8))


def order(order_id, total, *, customer="c1", month=11, status=Status.CONFIRMED, refund=None):
    lines = (
        OrderLine(line_id="L1", sku="TEA", name="Tea", quantity=Decimal(2),
                  unit_price=Money("30.00", "CNY")),
        OrderLine(line_id="L2", sku="CUP", name="Cup", quantity=Decimal(1),
                  unit_price=Money("40.00", "CNY")),
    )
    created = datetime(2026, month, 3, 10, tzinfo=BJ)
    return Order(
        id=order_id, customer=Customer(id=customer, name="..."), currency="CNY",
        lines=lines, salesperson="s1", created_at=created, status=status,
        grand_total=Money(total, "CNY"),
        payments=() if refund is None else (
            Payment("r1", PaymentKind.REFUND, Money(refund, "CNY"), created),),
        audit=(AuditEntry(created, "u1", "confirm", Status.APPROVED, Status.CONFIRMED),),
    )


orders = [
    order("a", "100.00"),
    order("b", "200.01", customer="c2", month=12, refund="50.00"),
    order("c", "999.00", status=Status.CANCELLED),  # not a sale
]
assert sales_summary(orders, currency="CNY") == SalesSummary(
    order_count=2, sales=Money("250.01", "CNY"), average_order_value=Money("125.01", "CNY")
)

by_month = sales_by(orders, Grouping(by=Dimension.PERIOD, period=Period.MONTH),
                    currency="CNY")
assert list(by_month) == ["2026-11", "2026-12"]
assert by_month["2026-12"].sales == Money("150.01", "CNY")

assert product_sales(orders[0]) == {"CUP": Money("40.00", "CNY"), "TEA": Money("60.00", "CNY")}
by_product = sales_by(orders, Grouping(by=Dimension.PRODUCT), currency="CNY")
assert sum(s.sales for s in by_product.values()) == sales_summary(orders, currency="CNY").sales

from salesorder.analytics import customer_lifetime_values

values = customer_lifetime_values(orders, currency="CNY")
assert values["c2"].sales == Money("150.01", "CNY")
assert values["c1"].first_order_at == values["c1"].last_order_at

from dataclasses import dataclass

from salesorder.analytics import quote_conversion, quote_conversion_by


@dataclass(frozen=True)
class Quote:
    quote_id: str
    created_at: datetime
    customer_id: str
    salesperson: str | None
    converted_order_id: str | None
    total: Money


when = datetime(2026, 11, 2, tzinfo=BJ)
quotes = [
    Quote("q1", when, "c1", "s1", "a", Money("100.00", "CNY")),
    Quote("q2", when, "c1", "s1", None, Money("80.00", "CNY")),
    Quote("q3", when, "c2", "s2", None, Money("20.00", "CNY")),
]
stats = quote_conversion(quotes, currency="CNY")
assert (stats.quotes, stats.converted, stats.rate) == (3, 1, Decimal("0.3333"))
assert stats.converted_value == Money("100.00", "CNY")
by_person = quote_conversion_by(quotes, Grouping(by=Dimension.SALESPERSON), currency="CNY")
assert by_person["s1"].rate == Decimal("0.5000")

from salesorder.analytics import CycleSpan, cycle_times


def reviewed(order_id, hours):
    start = datetime(2026, 11, 2, 9, tzinfo=BJ)
    audit = (
        AuditEntry(start, "u1", "submit", Status.DRAFT, Status.PENDING_APPROVAL),
        AuditEntry(start + timedelta(hours=hours), "u2", "approve",
                   Status.PENDING_APPROVAL, Status.APPROVED),
    )
    return Order(id=order_id, customer=Customer(id="c1", name="..."), currency="CNY",
                 lines=(), status=Status.APPROVED, audit=audit)


stats = cycle_times([reviewed("x", 1), reviewed("y", 2), reviewed("z", 6)],
                    CycleSpan.SUBMIT_TO_APPROVE)
assert stats is not None                            # None when no order made the span
assert (stats.count, stats.mean, stats.median, stats.p90) == (
    3, timedelta(hours=3), timedelta(hours=2), timedelta(hours=6)
)

from salesorder.analytics import sla_compliance
from salesorder.sla import WeekendCalendar

now = datetime(2026, 11, 3, 9, tzinfo=BJ)
compliance = sla_compliance([reviewed("x", 1), reviewed("y", 6)], now,
                            calendar=WeekendCalendar())
assert (compliance["review"].met, compliance["review"].missed) == (1, 1)
assert compliance["review"].ratio == Decimal("0.5000")

from salesorder.adapters.memory import MemoryAnalytics
from salesorder.adapters.sql import SqlAnalytics, SqlDatabase
from salesorder.analytics import SalesAnalytics

store = SqlDatabase(tenant_id="tea-shop")  # SQLite in memory
store.create_schema()
with store.unit_of_work() as uow:
    for each in orders:
        uow.orders.add(each)
    uow.commit()

by_month_grouping = Grouping(by=Dimension.PERIOD, period=Period.MONTH)
with store.unit_of_work() as uow:
    sql: SalesAnalytics = SqlAnalytics(uow.connection, tenant_id="tea-shop")
    assert sql.sales_by(by_month_grouping, currency="CNY") == by_month
    memory: SalesAnalytics = MemoryAnalytics(orders)
    assert sql.customer_lifetime_values(currency="CNY") == memory.customer_lifetime_values(
        currency="CNY"
    )

from salesorder.analytics import inventory_turnover


@dataclass(frozen=True)
class Movement:
    sku: str
    location: str
    kind: str
    quantity: Decimal
    at: datetime


oct1, nov1, dec1 = (datetime(2026, m, 1, tzinfo=BJ) for m in (10, 11, 12))
journal = [
    Movement("TEA", "WH1", "receive", Decimal(100), oct1),
    Movement("TEA", "WH1", "ship", Decimal(30), nov1 + timedelta(days=5)),
    Movement("TEA", "WH1", "receive", Decimal(50), nov1 + timedelta(days=9)),
]
report = inventory_turnover(journal, start=nov1, end=dec1)
tea = report.by_sku["TEA"]
assert (tea.opening, tea.closing, tea.average_on_hand) == (Decimal(100), Decimal(120), Decimal(110))
assert tea.turnover == Decimal("0.2727")          # 30 / 110
assert tea.days_of_inventory == Decimal("110.0000")  # 30 days / (30 / 110)
