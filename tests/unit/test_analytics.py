"""Analytics (R19): every KPI and grouping against figures computed by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesorder import analytics as an
from salesorder.errors import CurrencyMismatch
from salesorder.money import Money
from salesorder.order import Address, Customer, Order, OrderLine
from salesorder.records import AuditEntry, Payment, PaymentKind, Status
from salesorder.sla import Deadline, WeekendCalendar

BJ = timezone(timedelta(hours=8))
CAL = WeekendCalendar()


def at(day: int, hour: int = 9, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    # November 2026: the 2nd is a Monday.
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def line(line_id: str, sku: str, quantity: str = "1", price: str | None = None) -> OrderLine:
    return OrderLine(
        line_id=line_id,
        sku=sku,
        name=f"product {sku}",
        quantity=Decimal(quantity),
        unit_price=cny(price) if price is not None else None,
    )


def make_order(
    order_id: str,
    total: str | None = "100.00",
    *,
    status: Status = Status.CONFIRMED,
    currency: str = "CNY",
    customer: str = "c1",
    salesperson: str | None = "s1",
    created: datetime | None = None,
    lines: Sequence[OrderLine] = (),
    line_totals: Sequence[tuple[str, str]] = (),
    refunds: Sequence[str] = (),
    audit: Sequence[AuditEntry] = (),
    held_from: Status | None = None,
    shipping: Address | None = None,
    customer_address: Address | None = None,
) -> Order:
    return Order(
        id=order_id,
        customer=Customer(id=customer, name="secret name", address=customer_address),
        currency=currency,
        lines=tuple(lines) or (line("L1", "A"),),
        salesperson=salesperson,
        created_at=created or at(2),
        shipping_address=shipping,
        status=status,
        held_from=held_from,
        grand_total=Money(total, currency) if total is not None else None,
        line_totals=tuple((k, Money(v, currency)) for k, v in line_totals),
        payments=(
            Payment("p", PaymentKind.PAYMENT, Money(total or "0", currency), at(3)),
            *(
                Payment(f"r{i}", PaymentKind.REFUND, Money(amount, currency), at(20))
                for i, amount in enumerate(refunds)
            ),
        ),
        audit=tuple(audit),
    )


def entry(event: str, source: Status, target: Status, moment: datetime) -> AuditEntry:
    return AuditEntry(at=moment, actor="u1", event=event, source=source, target=target)


S = Status


def path(*steps: tuple[str, Status, Status, datetime]) -> tuple[AuditEntry, ...]:
    return tuple(entry(*step) for step in steps)


class TestWhatCountsAsSale:
    @pytest.mark.parametrize(
        "status",
        [S.CONFIRMED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.COMPLETED, S.CLOSED],
    )
    def test_confirmed_or_later_counts(self, status: Status) -> None:
        assert an.counts_as_sale(make_order("o", status=status))

    @pytest.mark.parametrize("status", [S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.CANCELLED])
    def test_before_confirmation_or_cancelled_does_not_count(self, status: Status) -> None:
        assert not an.counts_as_sale(make_order("o", status=status))

    def test_held_order_counts_by_the_status_it_left(self) -> None:
        assert an.counts_as_sale(make_order("o", status=S.ON_HOLD, held_from=S.SHIPPED))
        assert not an.counts_as_sale(
            make_order("o", status=S.ON_HOLD, held_from=S.PENDING_APPROVAL)
        )

    def test_refunds_reduce_the_order_amount(self) -> None:
        order = make_order("o", "250.50", refunds=["50.50", "0.25"])
        assert an.order_sales(order) == cny("199.75")

    def test_unpriced_order_is_refused_with_a_code(self) -> None:
        with pytest.raises(an.AnalyticsError) as caught:
            an.order_sales(make_order("o-7", None))
        assert caught.value.code == "analytics.order.unpriced"
        assert "o-7" in str(caught.value)


class TestSalesSummary:
    def test_counts_only_sales_and_deducts_refunds(self) -> None:
        orders = [
            make_order("a", "100.00"),
            make_order("b", "250.50", status=S.DELIVERED, refunds=["50.50"]),
            make_order("c", "999.00", status=S.CANCELLED),
            make_order("d", "10.00", status=S.DRAFT),
            make_order("e", "33.33", status=S.ON_HOLD, held_from=S.SHIPPED),
            make_order("f", "5.00", status=S.ON_HOLD, held_from=S.PENDING_APPROVAL),
            make_order("g", "80.00", status=S.CLOSED),
        ]
        summary = an.sales_summary(orders, currency="CNY")
        # 100 + 200 + 33.33 + 80 = 413.33 over 4 orders = 103.3325 -> 103.33
        assert summary == an.SalesSummary(4, cny("413.33"), cny("103.33"))

    def test_average_rounds_half_up_to_the_minor_unit(self) -> None:
        orders = [make_order("a", "100.00"), make_order("b", "0.01")]
        # 100.01 / 2 = 50.005 -> 50.01 (half-even would give 50.00)
        assert an.sales_summary(orders, currency="CNY").average_order_value == cny("50.01")

    def test_average_of_a_zero_decimal_currency(self) -> None:
        orders = [make_order(i, "1", currency="JPY") for i in "abc"]
        orders.append(make_order("d", "2", currency="JPY"))
        # 5 / 4 = 1.25 -> 1 yen
        summary = an.sales_summary(orders, currency="JPY")
        assert summary.average_order_value == Money("1", "JPY")

    def test_tiny_negative_average_rounds_to_plain_zero(self) -> None:
        orders = [make_order("a", "0.01", refunds=["0.02"]), make_order("b", "0.00")]
        # (-0.01 + 0) / 2 = -0.005 -> -0.01 half away from zero; / 3 -> 0.00, not -0.00
        assert an.sales_summary(orders, currency="CNY").average_order_value == cny("-0.01")
        orders.append(make_order("c", "0.00"))
        average = an.sales_summary(orders, currency="CNY").average_order_value
        assert average is not None
        assert str(average.amount) == "0.00"

    def test_no_sales_has_zero_total_and_no_average(self) -> None:
        summary = an.sales_summary([make_order("d", status=S.DRAFT)], currency="CNY")
        assert summary == an.SalesSummary(0, cny("0"), None)

    def test_order_in_another_currency_is_refused(self) -> None:
        orders = [make_order("a"), make_order("u-1", "5.00", currency="USD")]
        with pytest.raises(CurrencyMismatch) as caught:
            an.sales_summary(orders, currency="CNY")
        assert caught.value.code == "analytics.currency.mixed"
        assert caught.value.params["currency"] == "USD"

    def test_order_in_another_currency_can_be_skipped(self) -> None:
        orders = [make_order("a"), make_order("u-1", "5.00", currency="USD")]
        summary = an.sales_summary(orders, currency="CNY", foreign=an.ForeignCurrency.SKIP)
        assert summary.order_count == 1
        assert summary.sales == cny("100.00")

    def test_foreign_order_that_is_not_a_sale_is_ignored(self) -> None:
        orders = [make_order("a"), make_order("u", currency="USD", status=S.DRAFT)]
        assert an.sales_summary(orders, currency="CNY").order_count == 1

    def test_grand_total_in_another_currency_than_the_order_is_refused(self) -> None:
        order = attrs.evolve(make_order("a"), grand_total=Money("1", "USD"))
        with pytest.raises(CurrencyMismatch):
            an.order_sales(order)


class TestPeriodKeys:
    def test_labels_of_every_period(self) -> None:
        moment = at(22, 10)
        assert an.period_key(moment, an.Period.DAY) == "2026-11-22"
        assert an.period_key(moment, an.Period.WEEK) == "2026-W47"
        assert an.period_key(moment, an.Period.MONTH) == "2026-11"
        assert an.period_key(moment, an.Period.QUARTER) == "2026-Q4"
        assert an.period_key(moment, an.Period.YEAR) == "2026"

    def test_iso_week_belongs_to_the_iso_year(self) -> None:
        # 1 January 2027 is a Friday: ISO week 53 of 2026.
        assert an.period_key(date(2027, 1, 1), an.Period.WEEK) == "2026-W53"
        assert an.period_key(date(2027, 1, 1), an.Period.YEAR) == "2027"

    def test_quarters_start_in_january_april_july_october(self) -> None:
        keys = [an.period_key(date(2026, m, 1), an.Period.QUARTER) for m in (1, 3, 4, 7, 10, 12)]
        assert keys == ["2026-Q1", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-Q4"]

    def test_timezone_moves_the_date(self) -> None:
        moment = datetime(2026, 12, 31, 20, tzinfo=UTC)
        assert an.period_key(moment, an.Period.YEAR) == "2026"
        assert an.period_key(moment, an.Period.YEAR, timezone=BJ) == "2027"

    def test_naive_datetime_keeps_its_date(self) -> None:
        moment = datetime(2026, 12, 31, 20)  # noqa: DTZ001  (naive on purpose)
        assert an.period_key(moment, an.Period.DAY, timezone=BJ) == "2026-12-31"


class TestSalesByPeriod:
    def test_by_month_of_creation_sorted_by_key(self) -> None:
        orders = [
            make_order("a", "10.00", created=at(5, month=12)),
            make_order("b", "20.00", created=at(5)),
            make_order("c", "30.00", created=at(28)),
        ]
        groups = an.sales_by(orders, an.Grouping(by=an.Dimension.PERIOD), currency="CNY")
        assert list(groups) == ["2026-11", "2026-12"]
        assert groups["2026-11"] == an.SalesSummary(2, cny("50.00"), cny("25.00"))
        assert groups["2026-12"] == an.SalesSummary(1, cny("10.00"), cny("10.00"))

    def test_by_confirmation_time_from_the_audit_trail(self) -> None:
        confirmed = path(
            ("submit", S.DRAFT, S.APPROVED, at(30)),
            ("confirm", S.APPROVED, S.CONFIRMED, at(2, month=12)),
        )
        order = make_order("a", created=at(30), audit=confirmed)
        grouping = an.Grouping(
            by=an.Dimension.PERIOD, period=an.Period.MONTH, basis=an.PeriodBasis.CONFIRMED
        )
        assert list(an.sales_by([order], grouping, currency="CNY")) == ["2026-12"]

    def test_order_without_the_basis_time_is_refused(self) -> None:
        grouping = an.Grouping(by=an.Dimension.PERIOD, basis=an.PeriodBasis.CONFIRMED)
        with pytest.raises(an.AnalyticsError) as caught:
            an.sales_by([make_order("a")], grouping, currency="CNY")
        assert caught.value.code == "analytics.order.undated"
        assert caught.value.params == {"order_id": "a", "basis": "confirmed"}

    def test_by_week_and_day(self) -> None:
        orders = [make_order("a", created=at(22, 23)), make_order("b", created=at(23, 1))]
        weekly = an.sales_by(
            orders, an.Grouping(by=an.Dimension.PERIOD, period=an.Period.WEEK), currency="CNY"
        )
        assert list(weekly) == ["2026-W47", "2026-W48"]
        daily = an.sales_by(
            orders,
            an.Grouping(by=an.Dimension.PERIOD, period=an.Period.DAY, timezone=UTC),
            currency="CNY",
        )
        # 23 Nov 01:00 in Beijing is still 22 Nov in UTC.
        assert list(daily) == ["2026-11-22"]
        assert daily["2026-11-22"].sales == cny("200.00")


class TestSalesByParty:
    def test_by_customer(self) -> None:
        orders = [
            make_order("a", "10.00", customer="c2"),
            make_order("b", "20.00", customer="c1"),
            make_order("c", "30.00", customer="c2"),
        ]
        groups = an.sales_by(orders, an.Grouping(by=an.Dimension.CUSTOMER), currency="CNY")
        assert groups == {
            "c1": an.SalesSummary(1, cny("20.00"), cny("20.00")),
            "c2": an.SalesSummary(2, cny("40.00"), cny("20.00")),
        }
        assert list(groups) == ["c1", "c2"]

    def test_by_salesperson_with_unassigned_orders(self) -> None:
        orders = [make_order("a", "10.00", salesperson=None), make_order("b", "20.00")]
        groups = an.sales_by(orders, an.Grouping(by=an.Dimension.SALESPERSON), currency="CNY")
        assert {k: v.sales for k, v in groups.items()} == {
            an.NO_KEY: cny("10.00"),
            "s1": cny("20.00"),
        }

    def test_by_region_of_shipping_then_customer_address(self) -> None:
        shenzhen = Address(country="CN", province="广东省", city="深圳市", street="secret")
        beijing = Address(country="CN", city="北京市", street="secret")
        orders = [
            make_order("a", "10.00", shipping=shenzhen, customer_address=beijing),
            make_order("b", "20.00", customer_address=beijing),
            make_order("c", "30.00"),
        ]
        groups = an.sales_by(orders, an.Grouping(by=an.Dimension.REGION), currency="CNY")
        assert {k: v.sales for k, v in groups.items()} == {
            an.NO_KEY: cny("30.00"),
            "CN/北京市": cny("20.00"),
            "CN/广东省/深圳市": cny("10.00"),
        }


class TestProductSales:
    def test_split_by_line_totals_after_refunds(self) -> None:
        order = make_order(
            "a",
            "100.00",
            lines=[line("L1", "A"), line("L2", "B")],
            line_totals=[("L1", "60.00"), ("L2", "40.00")],
            refunds=["10.00"],
        )
        assert an.product_sales(order) == {"A": cny("54.00"), "B": cny("36.00")}

    def test_without_line_totals_split_by_quantity_times_unit_price(self) -> None:
        order = make_order(
            "a", "100.00", lines=[line("L1", "A", "1", "10"), line("L2", "B", "2", "10")]
        )
        # 1/3 and 2/3 of 100.00: 33.33 and 66.67 (the leftover cent to the larger remainder)
        assert an.product_sales(order) == {"A": cny("33.33"), "B": cny("66.67")}

    def test_line_without_unit_price_weighs_its_quantity(self) -> None:
        order = make_order("a", "10.00", lines=[line("L1", "A", "3"), line("L2", "B", "1")])
        assert an.product_sales(order) == {"A": cny("7.50"), "B": cny("2.50")}

    def test_lines_of_one_sku_are_added(self) -> None:
        order = make_order(
            "a",
            "9.00",
            lines=[line("L1", "A"), line("L2", "B"), line("L3", "A")],
            line_totals=[("L1", "3"), ("L2", "3"), ("L3", "3")],
        )
        assert an.product_sales(order) == {"A": cny("6.00"), "B": cny("3.00")}

    def test_free_lines_split_evenly(self) -> None:
        order = make_order(
            "a",
            "1.00",
            lines=[line("L1", "A", "0"), line("L2", "B", "0")],
            line_totals=[("L1", "0"), ("L2", "0")],
        )
        assert an.product_sales(order) == {"A": cny("0.50"), "B": cny("0.50")}

    def test_line_total_in_another_currency_is_refused(self) -> None:
        order = attrs.evolve(make_order("a"), line_totals=(("L1", Money("1", "USD")),))
        with pytest.raises(CurrencyMismatch):
            an.product_sales(order)

    def test_order_without_lines_goes_to_no_key(self) -> None:
        order = attrs.evolve(make_order("a", "5.00"), lines=())
        assert an.product_sales(order) == {an.NO_KEY: cny("5.00")}

    def test_by_product_counts_each_order_once_per_sku(self) -> None:
        orders = [
            make_order(
                "a",
                "100.00",
                lines=[line("L1", "A"), line("L2", "B")],
                line_totals=[("L1", "60.00"), ("L2", "40.00")],
            ),
            make_order("b", "30.00", lines=[line("L1", "B")]),
        ]
        groups = an.sales_by(orders, an.Grouping(by=an.Dimension.PRODUCT), currency="CNY")
        assert groups == {
            "A": an.SalesSummary(1, cny("60.00"), cny("60.00")),
            "B": an.SalesSummary(2, cny("70.00"), cny("35.00")),
        }


class TestCustomerLifetimeValue:
    def test_totals_count_average_first_and_last(self) -> None:
        orders = [
            make_order("a", "10.00", customer="c1", created=at(10)),
            make_order("b", "20.01", customer="c1", created=at(3)),
            make_order("c", "99.00", customer="c1", created=at(1), status=S.CANCELLED),
            make_order("d", "5.00", customer="c2", created=at(4)),
        ]
        values = an.customer_lifetime_values(orders, currency="CNY")
        assert list(values) == ["c1", "c2"]
        # 30.01 / 2 = 15.005 -> 15.01
        assert values["c1"] == an.CustomerValue(2, cny("30.01"), cny("15.01"), at(3), at(10))
        assert values["c2"] == an.CustomerValue(1, cny("5.00"), cny("5.00"), at(4), at(4))


@attrs.frozen
class Quote:
    quote_id: str
    created_at: datetime
    customer_id: str
    salesperson: str | None
    converted_order_id: str | None
    total: Money


def quote(
    quote_id: str,
    *,
    converted: bool = False,
    total: str = "10.00",
    currency: str = "CNY",
    salesperson: str | None = "s1",
    customer: str = "c1",
    created: datetime | None = None,
) -> Quote:
    return Quote(
        quote_id,
        created or at(2),
        customer,
        salesperson,
        f"o-{quote_id}" if converted else None,
        Money(total, currency),
    )


class TestQuoteConversion:
    def test_rate_is_exact_and_rounded_half_up_to_four_places(self) -> None:
        quotes = [quote("q1", converted=True), quote("q2", converted=True, total="5"), quote("q3")]
        stats = an.quote_conversion(quotes, currency="CNY")
        assert stats == an.ConversionStats(3, 2, Decimal("0.6667"), cny("25.00"), cny("15.00"))

    def test_no_quotes_has_no_rate(self) -> None:
        assert an.quote_conversion([], currency="CNY").rate is None

    def test_by_salesperson(self) -> None:
        quotes = [
            quote("q1", converted=True),
            quote("q2"),
            quote("q3"),
            quote("q4", salesperson="s2", converted=True),
            quote("q5", salesperson=None),
        ]
        groups = an.quote_conversion_by(
            quotes, an.Grouping(by=an.Dimension.SALESPERSON), currency="CNY"
        )
        assert {k: v.rate for k, v in groups.items()} == {
            an.NO_KEY: Decimal("0.0000"),
            "s1": Decimal("0.3333"),
            "s2": Decimal("1.0000"),
        }

    def test_by_period_and_customer(self) -> None:
        quotes = [
            quote("q1", created=at(2, month=10), converted=True),
            quote("q2", created=at(2), customer="c2"),
        ]
        by_month = an.quote_conversion_by(
            quotes, an.Grouping(by=an.Dimension.PERIOD), currency="CNY"
        )
        assert {k: v.converted for k, v in by_month.items()} == {"2026-10": 1, "2026-11": 0}
        by_customer = an.quote_conversion_by(
            quotes, an.Grouping(by=an.Dimension.CUSTOMER), currency="CNY"
        )
        assert list(by_customer) == ["c1", "c2"]

    @pytest.mark.parametrize("by", [an.Dimension.PRODUCT, an.Dimension.REGION])
    def test_quotes_cannot_be_grouped_by_product_or_region(self, by: an.Dimension) -> None:
        with pytest.raises(an.AnalyticsError) as caught:
            an.quote_conversion_by([quote("q1")], an.Grouping(by=by), currency="CNY")
        assert caught.value.code == "analytics.dimension.unsupported"

    def test_quote_in_another_currency_is_refused_or_skipped(self) -> None:
        quotes = [quote("q1"), quote("q2", currency="USD", converted=True)]
        with pytest.raises(CurrencyMismatch):
            an.quote_conversion(quotes, currency="CNY")
        stats = an.quote_conversion(quotes, currency="CNY", foreign=an.ForeignCurrency.SKIP)
        assert (stats.quotes, stats.converted) == (1, 0)


HAPPY_PATH = (
    ("submit", S.DRAFT, S.PENDING_APPROVAL),
    ("approve", S.PENDING_APPROVAL, S.APPROVED),
    ("confirm", S.APPROVED, S.CONFIRMED),
    ("ship", S.CONFIRMED, S.SHIPPED),
    ("deliver", S.SHIPPED, S.DELIVERED),
    ("complete", S.DELIVERED, S.COMPLETED),
)


def lifecycle_audit(*moments: datetime) -> tuple[AuditEntry, ...]:
    """The happy path from submit, one moment per step, as far as the moments go."""
    return tuple(entry(*step, moment) for step, moment in zip(HAPPY_PATH, moments, strict=False))


class TestCycleTimes:
    def test_each_span_of_one_order(self) -> None:
        order = make_order(
            "a",
            created=at(2, 8),
            audit=lifecycle_audit(at(2, 9), at(2, 11), at(2, 12), at(4, 12), at(5, 15), at(9)),
        )
        assert an.cycle_time(order, an.CycleSpan.SUBMIT_TO_APPROVE) == timedelta(hours=2)
        assert an.cycle_time(order, an.CycleSpan.CONFIRM_TO_SHIP) == timedelta(days=2)
        assert an.cycle_time(order, an.CycleSpan.SHIP_TO_DELIVER) == timedelta(days=1, hours=3)
        assert an.cycle_time(order, an.CycleSpan.ORDER_TO_COMPLETE) == timedelta(days=7, hours=1)

    def test_unfinished_span_is_none(self) -> None:
        order = make_order("a", audit=lifecycle_audit(at(2, 9), at(2, 11), at(2, 12)))
        assert an.cycle_time(order, an.CycleSpan.CONFIRM_TO_SHIP) is None
        assert an.cycle_time(order, an.CycleSpan.ORDER_TO_COMPLETE) is None

    def test_approval_on_submission_takes_no_time(self) -> None:
        order = make_order("a", audit=path(("submit", S.DRAFT, S.APPROVED, at(2, 9))))
        assert an.cycle_time(order, an.CycleSpan.SUBMIT_TO_APPROVE) == timedelta(0)

    def test_completion_without_creation_time_counts_from_the_first_entry(self) -> None:
        order = attrs.evolve(
            make_order("a", audit=lifecycle_audit(at(3), at(3), at(3), at(3), at(3), at(4))),
            created_at=None,
        )
        assert an.cycle_time(order, an.CycleSpan.ORDER_TO_COMPLETE) == timedelta(days=1)

    def test_statistics_of_an_even_count(self) -> None:
        orders = [
            make_order(str(h), audit=lifecycle_audit(at(2, 9), at(2, 9 + h), at(2, 20)))
            for h in (1, 2, 3, 10)
        ]
        stats = an.cycle_times(orders, an.CycleSpan.SUBMIT_TO_APPROVE)
        # mean 16h / 4 = 4h; median (2h + 3h) / 2; p90 is the ceil(3.6) = 4th smallest
        assert stats == an.CycleTimeStats(
            4,
            timedelta(hours=4),
            timedelta(hours=2, minutes=30),
            timedelta(hours=10),
            timedelta(hours=10),
        )

    def test_statistics_of_an_odd_count_and_half_microseconds(self) -> None:
        start = at(2, 9)
        orders = [
            make_order(
                str(us), audit=lifecycle_audit(start, start + timedelta(microseconds=us), at(3))
            )
            for us in (1, 2, 4)
        ]
        stats = an.cycle_times(orders, an.CycleSpan.SUBMIT_TO_APPROVE)
        assert stats is not None
        # mean 7/3 = 2.33 -> 2 us; median 2 us; p90 the ceil(2.7) = 3rd
        assert (stats.mean, stats.median, stats.p90) == (
            timedelta(microseconds=2),
            timedelta(microseconds=2),
            timedelta(microseconds=4),
        )
        two = an.cycle_times(orders[:2], an.CycleSpan.SUBMIT_TO_APPROVE)
        assert two is not None
        # (1 + 2) / 2 = 1.5 us -> 2 us, half up
        assert two.mean == two.median == timedelta(microseconds=2)

    def test_no_measured_order_gives_none(self) -> None:
        assert an.cycle_times([make_order("a")], an.CycleSpan.SHIP_TO_DELIVER) is None

    def test_grouped_by_salesperson_and_product(self) -> None:
        orders = [
            make_order(
                "a",
                salesperson="s1",
                lines=[line("L1", "A"), line("L2", "B")],
                audit=lifecycle_audit(at(2, 9), at(2, 10), at(2, 11)),
            ),
            make_order(
                "b",
                salesperson="s2",
                lines=[line("L1", "B")],
                audit=lifecycle_audit(at(2, 9), at(2, 12), at(2, 13)),
            ),
            make_order("c", salesperson="s3"),
        ]
        span = an.CycleSpan.SUBMIT_TO_APPROVE
        by_person = an.cycle_times_by(orders, span, an.Grouping(by=an.Dimension.SALESPERSON))
        assert {k: v.max for k, v in by_person.items()} == {
            "s1": timedelta(hours=1),
            "s2": timedelta(hours=3),
        }
        by_product = an.cycle_times_by(orders, span, an.Grouping(by=an.Dimension.PRODUCT))
        assert {k: v.count for k, v in by_product.items()} == {"A": 1, "B": 2}
        assert by_product["B"].mean == timedelta(hours=2)


class TestSlaCompliance:
    def test_review_and_shipment_compliance(self) -> None:
        now = at(3, 9, 30)  # Tuesday
        orders = [
            # review 3h (met, due 13:00); ship due Thu 12:00, shipped exactly then (met)
            make_order("met", audit=lifecycle_audit(at(2, 9), at(2, 12), at(2, 12), at(5, 12))),
            # review 5h (missed); confirmed Mon 15:00, shipped Fri 09:00 > Thu 15:00 (missed)
            make_order("late", audit=lifecycle_audit(at(2, 9), at(2, 14), at(2, 15), at(6, 9))),
            # still in review, submitted Mon 16:00: due Tue 11:00, not yet (pending)
            make_order("open", audit=path(("submit", S.DRAFT, S.PENDING_APPROVAL, at(2, 16)))),
            # still in review, submitted Mon 09:00: due Mon 13:00, overdue at now (missed)
            make_order("stuck", audit=path(("submit", S.DRAFT, S.PENDING_APPROVAL, at(2, 9)))),
            # never submitted: not counted
            make_order("draft", status=S.DRAFT),
        ]
        stats = an.sla_compliance(orders, now, calendar=CAL)
        assert list(stats) == ["review", "ship"]
        assert stats["review"] == an.ComplianceStats("review", 1, 2, 1, Decimal("0.3333"))
        assert stats["ship"] == an.ComplianceStats("ship", 1, 1, 0, Decimal("0.5000"))

    def test_every_stay_in_the_status_must_meet_the_deadline(self) -> None:
        audit = path(
            ("submit", S.DRAFT, S.PENDING_APPROVAL, at(2, 9)),
            ("approve", S.PENDING_APPROVAL, S.PENDING_APPROVAL, at(2, 10)),
            ("reject", S.PENDING_APPROVAL, S.DRAFT, at(2, 11)),
            ("submit", S.DRAFT, S.PENDING_APPROVAL, at(3, 9)),
            ("approve", S.PENDING_APPROVAL, S.APPROVED, at(3, 17)),
        )
        stats = an.sla_compliance([make_order("a", audit=audit)], at(10), calendar=CAL)
        assert stats["review"] == an.ComplianceStats("review", 0, 1, 0, Decimal("0.0000"))

    def test_nothing_decided_has_no_ratio(self) -> None:
        review = Deadline(name="review", status=S.PENDING_APPROVAL, working_days=1)
        stats = an.sla_compliance([make_order("a")], at(2), calendar=CAL, deadlines=[review])
        assert stats == {"review": an.ComplianceStats("review", 0, 0, 0, None)}


@attrs.frozen
class Movement:
    sku: str
    kind: str
    quantity: Decimal
    at: datetime
    location: str = "WH1"


def move(sku: str, kind: str, quantity: str, moment: datetime, location: str = "WH1") -> Movement:
    return Movement(sku, kind, Decimal(quantity), moment, location)


NOV = at(1, 0)
DEC = at(1, 0, month=12)


class TestInventoryTurnover:
    def journal(self) -> list[Movement]:
        return [
            move("A", "receive", "100", at(1, month=10)),
            move("A", "ship", "20", at(15, month=10)),
            move("A", "commit", "30", at(3)),
            move("A", "receive", "50", at(4)),
            move("A", "scrap", "5", at(5)),
            move("A", "adjust", "-5", at(6)),
            move("A", "reserve", "10", at(7)),
            move("A", "release", "10", at(8)),
            move("A", "restock", "2", at(9)),
            move("A", "transfer", "-3", at(10), "WH1"),
            move("A", "transfer", "3", at(10), "WH2"),
            move("A", "ship", "70", DEC),  # at the end: outside the period
            move("B", "receive", "10", at(1, month=10)),
            move("C", "receive", "20", at(2)),
            move("C", "ship", "10", at(3)),
            move("D", "receive", "5", at(2)),
            move("D", "ship", "5", at(3)),
        ]

    def test_per_sku(self) -> None:
        report = an.inventory_turnover(self.journal(), start=NOV, end=DEC)
        assert list(report.by_sku) == ["A", "B", "C", "D"]
        # A: opening 80, closing 80 - 30 + 50 - 5 - 5 + 2 = 92, average 86;
        # turnover 30 / 86 = 0.34883... ; days 30 / (30/86) = 86
        assert report.by_sku["A"] == an.TurnoverStats(
            Decimal(30), Decimal(80), Decimal(92), Decimal(86), Decimal("0.3488"), Decimal(86)
        )
        # B: nothing issued: turnover 0, no days of inventory
        assert report.by_sku["B"].turnover == Decimal("0.0000")
        assert report.by_sku["B"].days_of_inventory is None
        # C: opening 0, closing 10, average 5; turnover 2; days 15
        assert report.by_sku["C"] == an.TurnoverStats(
            Decimal(10), Decimal(0), Decimal(10), Decimal(5), Decimal(2), Decimal(15)
        )
        # D: nothing on hand on average: turnover undefined
        assert report.by_sku["D"].turnover is None
        assert report.by_sku["D"].days_of_inventory is None

    def test_overall(self) -> None:
        overall = an.inventory_turnover(self.journal(), start=NOV, end=DEC).overall
        # issued 45, opening 90, closing 112, average 101; 45/101 = 0.44554...; 30*101/45
        assert overall == an.TurnoverStats(
            Decimal(45),
            Decimal(90),
            Decimal(112),
            Decimal(101),
            Decimal("0.4455"),
            Decimal("67.3333"),
        )

    def test_odd_average_is_exact(self) -> None:
        journal = [move("A", "receive", "3", at(1, month=10)), move("A", "ship", "2", at(3))]
        stats = an.inventory_turnover(journal, start=NOV, end=DEC).by_sku["A"]
        # average (3 + 1) / 2 = 2; with a half: receive 1 more
        assert stats.average_on_hand == Decimal(2)
        journal.append(move("A", "receive", "1", at(4)))
        stats = an.inventory_turnover(journal, start=NOV, end=DEC).by_sku["A"]
        assert stats.average_on_hand == Decimal("2.5")

    def test_custom_kind_table(self) -> None:
        kinds = {"in": an.MovementEffect.RECEIPT, "out": an.MovementEffect.ISSUE}
        journal = [move("A", "in", "10", at(1, month=10)), move("A", "out", "5", at(3))]
        stats = an.inventory_turnover(journal, start=NOV, end=DEC, kinds=kinds).overall
        # average (10 + 5) / 2 = 7.5; 5 / 7.5 = 0.6667; 30 / (2/3) = 45
        assert (stats.turnover, stats.days_of_inventory) == (Decimal("0.6667"), Decimal(45))

    def test_unknown_kind_is_refused(self) -> None:
        with pytest.raises(an.AnalyticsError) as caught:
            an.inventory_turnover([move("A", "teleport", "1", at(3))], start=NOV, end=DEC)
        assert caught.value.code == "analytics.movement.unknown_kind"

    def test_period_must_end_after_it_starts(self) -> None:
        with pytest.raises(an.AnalyticsError) as caught:
            an.inventory_turnover([], start=DEC, end=NOV)
        assert caught.value.code == "analytics.period.invalid"

    def test_empty_journal(self) -> None:
        report = an.inventory_turnover([], start=NOV, end=DEC)
        assert report.by_sku == {}
        assert report.overall.turnover is None


class TestPrivacy:
    def test_results_and_errors_carry_no_customer_name(self) -> None:
        order = make_order("a", "1.00")
        results = [
            an.sales_by([order], an.Grouping(by=grouping), currency="CNY")
            for grouping in an.Dimension
        ]
        assert "secret" not in repr(results)
        with pytest.raises(CurrencyMismatch) as caught:
            an.sales_summary([order], currency="USD")
        assert "secret" not in str(caught.value)


@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    count=st.integers(min_value=1, max_value=10**4),
)
def test_average_minor_is_average_money_in_minor_units(minor: int, count: int) -> None:
    # Half away from zero, computed on exact fractions.
    magnitude = math.floor(Fraction(abs(minor), count) + Fraction(1, 2))
    expected = -magnitude if minor < 0 else magnitude
    assert an.average_minor(minor, count) == expected
    total = Money.of_minor(minor, "CNY")
    assert an.average_money(total, count) == Money.of_minor(expected, "CNY")
