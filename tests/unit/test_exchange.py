"""Currencies: a price list in one currency, the order in another, through a stored rate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesorder.adapters.memory import (
    FixedClock,
    MemoryDatabase,
    MemoryExchangeRates,
    PatternNumbering,
)
from salesorder.errors import ArgumentTypeError, CurrencyMismatch, UnknownCurrency
from salesorder.exchange import ExchangeRate, InvalidExchangeRate, MissingExchangeRate
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.pricing import PriceList, TaxPolicy, price
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

AT = datetime(2026, 11, 11, 10, tzinfo=UTC)
CNY_LIST = PriceList.of("CNY", [("TEA", "100.00"), ("CUP", "9.99")])
RATE = ExchangeRate("CNY", "USD", Decimal("0.1378"), date(2026, 11, 1))


def usd_order(*lines: OrderLine, rate: ExchangeRate | None = RATE) -> Order:
    return Order("o", Customer(id="C-1", name="-"), "USD", lines, exchange_rate=rate)


def line(line_id: str, sku: str, quantity: int) -> OrderLine:
    return OrderLine(line_id, sku, sku, Decimal(quantity))


class TestPricing:
    def test_list_prices_are_converted_and_rounded_once_per_unit(self) -> None:
        b = price(usd_order(line("1", "TEA", 3), line("2", "CUP", 7)), price_list=CNY_LIST, at=AT)
        assert [x.unit_price for x in b.lines] == [Money("13.78", "USD"), Money("1.38", "USD")]
        assert b.subtotal == Money("51.00", "USD")  # 41.34 + 9.66
        assert b.currency == "USD"

    def test_without_a_matching_rate_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            price(usd_order(line("1", "TEA", 1), rate=None), price_list=CNY_LIST, at=AT)
        eur = ExchangeRate("CNY", "EUR", Decimal("0.13"), date(2026, 11, 1))
        with pytest.raises(CurrencyMismatch):
            price(usd_order(line("1", "TEA", 1), rate=eur), price_list=CNY_LIST, at=AT)

    @pytest.mark.parametrize("rate", [0, -1, "NaN", "Infinity", "1.2345678901234567890", True])
    def test_a_bad_rate_is_refused(self, rate: object) -> None:
        with pytest.raises(InvalidExchangeRate):
            ExchangeRate("CNY", "USD", rate, date(2026, 1, 1))  # type: ignore[arg-type]

    def test_base_and_quote_are_two_known_currencies(self) -> None:
        with pytest.raises(InvalidExchangeRate):
            ExchangeRate("CNY", "CNY", Decimal(1), date(2026, 1, 1))
        with pytest.raises(UnknownCurrency):
            ExchangeRate("CNY", "XYZ", Decimal(1), date(2026, 1, 1))

    @given(
        prices=st.lists(
            st.decimals(min_value=0, max_value=10_000, places=2), min_size=1, max_size=5
        ),
        rate=st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4),
        quantities=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5),
    )
    def test_converting_is_pricing_from_prices_converted_once(
        self, prices: list[Decimal], rate: Decimal, quantities: list[int]
    ) -> None:
        # The one rounding: a converted list equals a list of prices converted and
        # rounded by hand (half up, the default rounding), whatever follows in the
        # order currency.
        skus = [f"S{i}" for i in range(len(prices))]
        fx = ExchangeRate("CNY", "USD", rate, date(2026, 1, 1))
        by_hand = PriceList.of(
            "USD",
            [
                (s, (p * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
                for s, p in zip(skus, prices, strict=True)
            ],
        )
        lines = [line(str(i), skus[i % len(skus)], q) for i, q in enumerate(quantities)]
        converted = price(
            usd_order(*lines, rate=fx),
            price_list=PriceList.of("CNY", zip(skus, prices, strict=True)),
            at=AT,
        )
        plain = price(usd_order(*lines, rate=None), price_list=by_hand, at=AT)
        assert converted.grand_total == plain.grand_total
        assert [x.gross for x in converted.lines] == [x.gross for x in plain.lines]


class TestMemoryRates:
    def test_the_rate_in_force_is_the_latest_started(self) -> None:
        later = ExchangeRate("CNY", "USD", Decimal("0.14"), date(2026, 12, 1))
        rates = MemoryExchangeRates([RATE, later])
        assert rates.rate("CNY", "USD", on=date(2026, 11, 30)) == RATE
        assert rates.rate("CNY", "USD", on=date(2026, 12, 1)) == later
        assert rates.rate("CNY", "USD", on=date(2026, 10, 31)) is None
        assert rates.rate("USD", "CNY", on=date(2026, 12, 1)) is None


PAYLOAD = {
    "customer": {"id": "C-1", "name": "N", "contact": {"name": "N", "phone": "13800000001"}},
    "currency": "USD",
    "lines": [{"sku": "TEA", "name": "tea", "quantity": "3"}],
}


def _service(rates: MemoryExchangeRates | None) -> OrderService:
    return OrderService(
        unit_of_work=MemoryDatabase().unit_of_work,
        clock=FixedClock(AT),
        numbering=PatternNumbering(),
        pricing_settings=PricingSettings(price_list=CNY_LIST, tax=TaxPolicy(default_code="VAT0")),
        exchange_rates=rates,
    )


class TestService:
    def test_the_entry_date_rate_is_stored_and_keeps_the_totals(self) -> None:
        rates = MemoryExchangeRates([RATE])
        service = _service(rates)
        entered = service.enter(PAYLOAD, actor="S")
        assert entered.exchange_rate == RATE
        assert entered.grand_total == Money("41.34", "USD")
        rates.add(ExchangeRate("CNY", "USD", Decimal("0.2"), date(2026, 11, 11)))  # moves on
        service.submit(entered.id, actor="S")
        stored = service.get(entered.id)
        assert stored.exchange_rate == RATE
        assert service.price_order(stored).grand_total == Money("41.34", "USD")

    def test_no_rate_on_the_day_refuses_the_entry(self) -> None:
        with pytest.raises(MissingExchangeRate) as refused:
            _service(MemoryExchangeRates()).enter(PAYLOAD, actor="S")
        assert refused.value.code == "currency.rate.missing"

    def test_without_the_port_another_currency_is_refused_as_before(self) -> None:
        with pytest.raises(CurrencyMismatch):
            _service(None).enter(PAYLOAD, actor="S")

    def test_a_draft_edit_fixes_the_rate_of_its_day_with_its_prices(self) -> None:
        rates = MemoryExchangeRates([RATE])
        service = _service(rates)
        entered = service.enter(PAYLOAD, actor="S")
        later = ExchangeRate("CNY", "USD", Decimal("0.2"), date(2026, 11, 11))
        rates.add(later)
        edited = {**PAYLOAD, "lines": [{"sku": "CUP", "name": "cup", "quantity": "2"}]}
        service.edit_draft(entered.id, edited, actor="S")
        stored = service.get(entered.id)
        assert stored.exchange_rate == later
        assert stored.grand_total == Money("4.00", "USD")  # 2 x (9.99 x 0.2)
        assert service.price_order(stored).grand_total == stored.grand_total


def test_an_order_holding_something_else_as_its_rate_is_refused() -> None:
    odd = usd_order(line("1", "TEA", 1), rate="0.1378")  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError):
        price(odd, price_list=CNY_LIST, at=AT)
