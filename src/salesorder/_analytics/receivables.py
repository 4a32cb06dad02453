"""Receivables KPIs: ageing of what is open (账龄) and days sales outstanding (DSO).

Both read the invoice documents, credit notes and payments kept on the orders, through
the open-items view of :mod:`salesorder.invoicing` (one allocation rule: money settles
the oldest due invoice first), as they stood at the end of the day asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

import attrs

from salesorder._analytics.common import (
    CURRENCY_MIXED,
    ITEM_ORDER,
    PERIOD_INVALID,
    AnalyticsError,
    ForeignCurrency,
    exact_ratio,
    to_report_currency,
)
from salesorder.errors import CurrencyMismatch
from salesorder.invoicing import invoice_documents, open_items
from salesorder.money import Money
from salesorder.order import Order

__all__ = ["AGEING_BUCKETS", "AgeingReport", "days_sales_outstanding", "receivables_ageing"]

AGEING_BUCKETS: Final = ("not_due", "0-30", "31-60", "61-90", "90+")
"""Ageing buckets by days past the due date: not yet due, 0–30 (due today counts as 0),
31–60, 61–90 and more than 90."""


def _bucket(days_past_due: int) -> str:
    if days_past_due < 0:
        return "not_due"
    if days_past_due <= 30:
        return "0-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


@attrs.frozen
class AgeingReport:
    """What is open on one day, by age past the due date.

    Attributes:
        currency: Currency of every amount.
        on: The day.
        buckets: Open amount per bucket of :data:`AGEING_BUCKETS` (every bucket present).
        total: Σ buckets: every open invoice amount.
        by_customer: The same buckets per customer id (customers with something open).
    """

    currency: str
    on: date
    buckets: dict[str, Money]
    total: Money
    by_customer: dict[str, dict[str, Money]]


def _orders_in(orders: Iterable[Order], currency: str, foreign: ForeignCurrency) -> list[Order]:
    kept = []
    for order in orders:
        if order.currency != currency:
            if foreign is ForeignCurrency.SKIP:
                continue
            if foreign is ForeignCurrency.CONVERT:
                kept.append(order)
                continue
            raise CurrencyMismatch(
                CURRENCY_MIXED,
                params={
                    "item": ITEM_ORDER,
                    "order_id": order.id,
                    "currency": order.currency,
                    "expected": currency,
                },
            )
        kept.append(order)
    return kept


def receivables_ageing(
    orders: Iterable[Order],
    *,
    on: date,
    currency: str,
    foreign: ForeignCurrency = ForeignCurrency.REFUSE,
) -> AgeingReport:
    """Age every open invoice amount by days past its due date (应收账龄).

    Args:
        orders: Orders with invoice documents (others add nothing).
        on: The day (end of day: later documents and money do not count).
        currency: The report's currency.
        foreign: Refuse (default), skip or convert orders in another currency.

    Raises:
        CurrencyMismatch: ``analytics.currency.mixed`` for an order in another currency
            when ``foreign`` is ``refuse``.
    """
    zero = Money.zero(currency).quantize()
    buckets = dict.fromkeys(AGEING_BUCKETS, zero)
    by_customer: dict[str, dict[str, Money]] = {}
    for order in _orders_in(orders, currency, foreign):
        for item in open_items(order, on=on).invoices:
            key = _bucket((on - item.due_on).days)
            # Converted once per open invoice (see ForeignCurrency.CONVERT).
            amount = to_report_currency(item.open, order, currency)
            buckets[key] += amount
            mine = by_customer.setdefault(item.customer_id, dict.fromkeys(AGEING_BUCKETS, zero))
            mine[key] += amount
    return AgeingReport(
        currency,
        on,
        buckets,
        sum(buckets.values(), zero),
        dict(sorted(by_customer.items())),
    )


def days_sales_outstanding(
    orders: Iterable[Order],
    *,
    on: date,
    currency: str,
    days: int = 90,
    foreign: ForeignCurrency = ForeignCurrency.REFUSE,
) -> Decimal | None:
    """Days sales outstanding (应收账款周转天数): open receivables over billed sales.

    ``DSO = outstanding at the end of day on ÷ (invoiced − credited in the days days
    ending on on) × days``, an exact fraction rounded half-up to 4 places.

    Args:
        orders: Orders with invoice documents.
        on: The last day of the period.
        currency: The report's currency.
        days: Length of the period (positive).
        foreign: Refuse (default), skip or convert orders in another currency.

    Returns:
        The DSO, or None when nothing was billed in the period.

    Raises:
        CurrencyMismatch: as :func:`receivables_ageing`.
        AnalyticsError: ``analytics.period.invalid`` if ``days`` is not positive.
    """
    if days <= 0:
        raise AnalyticsError(PERIOD_INVALID)
    first = on - timedelta(days=days - 1)
    zero = Money.zero(currency).quantize()
    outstanding = zero
    billed = zero
    for order in _orders_in(orders, currency, foreign):
        documents = invoice_documents(order)
        if order.currency != currency and not documents:
            # Converted: an order in another currency without invoices holds no
            # receivable to convert (the store reads only invoiced orders): not read.
            continue
        # Converted once per order: its outstanding amount and its billing in the period.
        outstanding += to_report_currency(open_items(order, on=on).outstanding, order, currency)
        own = Money.zero(order.currency).quantize()
        for document in documents:
            if first <= document.issued_at.date() <= on:
                own += document.gross_total
        for note in order.credit_notes:
            if first <= note.issued_at.date() <= on:
                own -= note.gross_total
        billed += to_report_currency(own, order, currency)
    if billed.amount <= 0:
        return None
    return exact_ratio(outstanding.amount * days, billed.amount)
