"""Build the frozen invoice and credit note values from priced lines (pure, no order state).

What an invoice or credit note *is* (lines, totals per tax rate) is decided here once;
which quantities and amounts go on it is decided by :mod:`.issue` and :mod:`.credit`
with the slicing rule of :mod:`.slicing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from salesorder._invoicing.slicing import zero as zero_money
from salesorder.money import Money, in_exact_context
from salesorder.order import Order
from salesorder.records import InvoiceBuyer, InvoiceLine, RateTotal
from salesorder.sla import BusinessCalendar

__all__ = ["buyer_of", "due_on", "month_end", "rate_totals", "totals"]

#: How far :func:`due_on` looks for a working day before it keeps the calendar date.
_LONGEST_CLOSURE = 370


@in_exact_context
def rate_totals(lines: Iterable[InvoiceLine], currency: str) -> tuple[RateTotal, ...]:
    """The lines added up per tax rate, lowest rate first.

    A line with one tax counts under its rate. A line taxed by a tax group
    (``InvoiceLine.taxes``) counts each tax under its own code and rate, and its net
    under its first tax's: the rows add up to the lines' net and tax exactly. At one
    rate, the row of the lines with one tax comes first, then the groups' taxes by code.
    """
    # Decimal sums of quantized amounts are exact: Money is built once per row.
    sums: dict[tuple[Decimal, str | None], list[Decimal]] = {}

    def add(key: tuple[Decimal, str | None], net: Decimal, tax: Decimal) -> None:
        found = sums.get(key)
        if found is None:
            sums[key] = [net, tax]
        else:
            found[0] += net
            found[1] += tax

    nothing = zero_money(currency).amount
    for line in lines:
        if not line.taxes:
            add((line.tax_rate, None), line.net.amount, line.tax.amount)
            continue
        net = line.net.amount
        for part in line.taxes:
            add((part.rate, part.code), net, part.amount.amount)
            net = nothing
    return tuple(
        RateTotal(rate, Money.of(net, currency), Money.of(tax, currency), code)
        for (rate, code), (net, tax) in sorted(
            sums.items(), key=lambda item: (item[0][0], item[0][1] is not None, item[0][1] or "")
        )
    )


def totals(by_rate: Iterable[RateTotal], currency: str) -> tuple[Money, Money]:
    """Σ net and Σ tax over the rate totals."""
    zero = zero_money(currency)
    net, tax = zero, zero
    for rate in by_rate:
        net += rate.net
        tax += rate.tax
    return net, tax


def buyer_of(order: Order) -> InvoiceBuyer:
    """The buyer's invoice details as the order asked for them.

    The title is the customer's name when the order asked for none.
    """
    info = order.invoice
    return InvoiceBuyer(
        title=info.title or order.customer.name,
        tax_id=info.tax_id,
        bank_name=info.bank_name,
        bank_account=info.bank_account,
        registered_address=info.registered_address,
        registered_phone=info.registered_phone,
    )


def month_end(day: date) -> date:
    """The last day of the month of ``day``."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def due_on(order: Order, issued_at: datetime, calendar: BusinessCalendar) -> date:
    """When an invoice issued at ``issued_at`` is due under the order's payment terms.

    ``due_days`` calendar days after the issue date in the calendar's time zone (0: on
    issue, for prepayment and cash on delivery), or with month-end settlement (月结,
    ``PaymentTerms.month_end``) after the last day of the month of issue, moved forward
    to the next working day of ``calendar`` when it falls on a weekend or a holiday (a
    calendar with no working day for a year keeps the calendar date).
    """
    zone = calendar.timezone
    local = issued_at.astimezone(zone) if zone is not None and issued_at.tzinfo else issued_at
    terms = order.payment_terms
    base = local.date()
    if terms.month_end:
        base = month_end(base)
    start = base + timedelta(days=max(terms.due_days, 0))
    day = start
    for _ in range(_LONGEST_CLOSURE):
        if calendar.is_working_day(day):
            return day
        day += timedelta(days=1)
    return start
