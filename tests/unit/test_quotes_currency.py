"""Quotes in another currency: the quotation day's rate makes the quote's totals reproducible."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from salesorder.adapters.memory import (
    FixedClock,
    MemoryDatabase,
    MemoryExchangeRates,
    PatternNumbering,
)
from salesorder.demo import START, demo_price_list, tea_shop_payload
from salesorder.exchange import ExchangeRate
from salesorder.money import Money
from salesorder.pricing import TaxPolicy
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

RATES = st.decimals(Decimal("0.0001"), Decimal(1000), places=4)


@settings(max_examples=40, deadline=None)
@given(RATES, RATES, st.integers(1, 50), st.integers(1, 9))
def test_a_quote_and_its_order_keep_the_quoted_rate_and_totals(
    quoted: Decimal, later: Decimal, tea: int, cups: int
) -> None:
    rates = MemoryExchangeRates([ExchangeRate("CNY", "USD", quoted, START.date())])
    service = OrderService(
        unit_of_work=MemoryDatabase().unit_of_work,
        clock=FixedClock(START),
        numbering=PatternNumbering(),
        pricing_settings=PricingSettings(
            price_list=demo_price_list(), tax=TaxPolicy(default_code="VAT0")
        ),
        exchange_rates=rates,
    )
    payload = {**tea_shop_payload(tea=tea, cups=cups), "currency": "USD"}
    quote = service.quote(payload, actor="S")
    assert quote.exchange_rate is not None
    assert quote.exchange_rate.rate == quoted
    # The stored line totals add up to the quoted total.
    lines = dict(quote.order.line_totals)
    assert sum(lines.values(), Money.zero("USD")) == quote.total
    rates.add(ExchangeRate("CNY", "USD", later, START.date()))
    assert service.price_order(quote.order).grand_total == quote.total
    order = service.convert_quote(quote.quote_id, actor="S")
    assert order.exchange_rate == quote.exchange_rate
    assert order.grand_total == quote.total
    assert service.price_order(service.get(order.id)).grand_total == quote.total
