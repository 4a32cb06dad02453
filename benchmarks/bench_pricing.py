"""Pricing cost: ``price()`` vs a plain-Decimal floor, and linearity in the number of lines.

Run: ``/work/venv/bin/python benchmarks/bench_pricing.py``. Both measurements come from this
one run; the script prints each ratio next to its budget and exits 1 when one is exceeded.

* floor: the same lines in plain Decimal — unit x quantity quantized, one 5 % order discount
  split by largest remainder, 13 % tax per line — about 26 µs for 20 lines;
* library: ``price()`` on the same 20 lines with 10 active promotions and none of the
  options in use; budget 8x the floor;
* options: the same order with the promotion options in use (a unit cap, percentages on
  undiscounted amounts, a threshold measured before earlier promotions, the last line
  taking an order discount's remainder, a gift growing with the quantity bought and sold
  at a price), a manual order discount and prices locked at entry, against a floor doing
  the same arithmetic plus the second order-level split; budget 12x;
* linearity: cost per line at 20 000 lines over cost per line at 20; budget 1.3x.

* units, currency and taxes: the same 20 lines ordered in boxes of 6 (no box entry:
  the stock unit's price times the factor), the order in US dollars priced from the
  yuan list through its exchange rate, and taxed by a group of two taxes (10 % on the
  net, 13 % on the net and the first tax), with the 10 promotions in dollars, against a
  floor doing the same arithmetic (the box price converted and rounded once, two taxes
  per line); budget 12x.
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from salesorder.exchange import ExchangeRate
from salesorder.money import Money
from salesorder.order import Customer, CustomerTier, LockedPrice, Order, OrderDiscount, OrderLine
from salesorder.pricing import (
    Basis,
    BundlePrice,
    BuyGet,
    Conditions,
    FreeGift,
    LineAmountOff,
    LinePercentOff,
    OrderAmountOff,
    OrderPercentOff,
    Per,
    PriceEntry,
    PriceList,
    Promotion,
    Remainder,
    StackingPolicy,
    Target,
    TaxComponent,
    TaxPolicy,
    ThresholdOff,
    price,
)

RATIO_BUDGET = 8.0
OPTIONS_BUDGET = 12.0
LINEARITY_BUDGET = 1.3
AT = datetime(2026, 11, 22, 12, tzinfo=UTC)
CNY = "CNY"
CENT = Decimal("0.01")
CATEGORIES = ("tea", "cups", "pots", "gifts")


def make_order(n: int) -> Order:
    lines = tuple(
        OrderLine(
            line_id=f"L{i:05d}",
            sku=f"SKU-{i % 50:03d}",
            name="item",
            quantity=Decimal(1 + i % 7),
            category=CATEGORIES[i % 4],
            tags=frozenset({"new"}) if i % 3 == 0 else frozenset(),
        )
        for i in range(n)
    )
    customer = Customer(id="C-1", name="-", tier=CustomerTier.VIP)
    return Order(id="bench", customer=customer, currency=CNY, lines=lines)


def make_price_list() -> PriceList:
    entries = [
        PriceEntry(f"SKU-{k:03d}", Money(Decimal(10 + k) + Decimal("0.99"), CNY)) for k in range(50)
    ]
    entries += [
        PriceEntry(f"SKU-{k:03d}", Money(Decimal(9 + k), CNY), min_quantity=Decimal(5))
        for k in range(0, 50, 5)
    ]
    entries += [
        PriceEntry(f"SKU-{k:03d}", Money(Decimal(8 + k), CNY), tier=CustomerTier.VIP)
        for k in range(0, 50, 7)
    ]
    return PriceList(CNY, tuple(entries))


def make_promotions(currency: str = CNY) -> tuple[Promotion, ...]:
    def cny(amount: int) -> Money:
        return Money(amount, currency)

    def promo(pid: str, benefit: object, priority: int, **options: object) -> Promotion:
        return Promotion(pid, pid, benefit, priority=priority, **options)  # type: ignore[arg-type]

    vip = Conditions(customer_tiers={CustomerTier.VIP})
    return (
        promo("P01", LinePercentOff(Decimal(5)), 10, target=Target(categories={"tea"})),
        promo("P02", LineAmountOff(cny(1), per=Per.UNIT), 10, target=Target(categories={"cups"})),
        promo("P03", LineAmountOff(cny(2), per=Per.LINE), 20, target=Target(tags={"new"})),
        promo("P04", BuyGet(2, 1), 20, target=Target(categories={"pots"})),
        promo("P05", BundlePrice(3, cny(50)), 20, target=Target(categories={"gifts"})),
        promo("P06", LinePercentOff(Decimal(2)), 30, conditions=vip),
        promo("P07", ThresholdOff.of(currency, (500, 20), (1000, 50)), 40),
        promo("P08", OrderPercentOff(Decimal(5)), 50),
        promo("P09", OrderAmountOff(cny(10)), 60),
        promo("P10", LinePercentOff(Decimal(3)), 70, target=Target(skus={"SKU-001", "SKU-002"})),
    )


def with_options(promotions: tuple[Promotion, ...]) -> tuple[Promotion, ...]:
    """The same promotions with the options in use, plus a gift that grows and has a price."""
    options: dict[str, dict[str, object]] = {
        "P01": {"max_units": Decimal(10)},
        "P06": {"percent_on": Basis.UNDISCOUNTED},
        "P07": {"spend_on": Basis.UNDISCOUNTED},
        "P10": {"percent_on": Basis.UNDISCOUNTED},
    }
    changed = tuple(attrs.evolve(p, **options.get(p.id, {})) for p in promotions)
    gift = FreeGift("SKU-049", Decimal(1), per_quantity=Decimal(10), price=Money(1, CNY))
    return (*changed, Promotion("P11", "P11", gift, priority=80, target=Target(tags={"new"})))


def locked(order: Order, breakdown_units: list[Decimal]) -> Order:
    """``order`` with every line's price locked and a manual 3 % order discount."""
    locks = tuple(
        LockedPrice(line.line_id, Money(unit, CNY), AT)
        for line, unit in zip(order.lines, breakdown_units, strict=True)
    )
    return attrs.evolve(order, locked_prices=locks, order_discount=OrderDiscount(Decimal(3)))


def split(cents: list[int], off_cents: int) -> list[int]:
    """Largest-remainder split of ``off_cents`` over ``cents``, in plain integers."""
    total_cents = sum(cents)
    shares = [divmod(off_cents * c, total_cents) for c in cents]
    parts = [s[0] for s in shares]
    leftover = off_cents - sum(parts)
    for i in sorted(range(len(parts)), key=lambda i: -shares[i][1])[:leftover]:
        parts[i] += 1
    return parts


def floor_with_options(units: list[Decimal], quantities: list[Decimal]) -> Decimal:
    """The floor's arithmetic plus a second order-level split (the manual discount)."""
    amounts = [
        (u * q).quantize(CENT, rounding=ROUND_HALF_UP)
        for u, q in zip(units, quantities, strict=True)
    ]
    cents = [int(a * 100) for a in amounts]
    for percent in (Decimal("0.05"), Decimal("0.03")):
        off = (sum(cents) * percent).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        cents = [c - p for c, p in zip(cents, split(cents, int(off)), strict=True)]
    grand = Decimal(0)
    for cent in cents:
        net = Decimal(cent) / 100
        grand += net + (net * Decimal("0.13")).quantize(CENT, rounding=ROUND_HALF_UP)
    return grand


BOX = Decimal(6)
TWO_TAXES = TaxPolicy(
    groups={
        "PAIR": (
            TaxComponent("CT", Decimal("0.10")),
            TaxComponent("VAT13", Decimal("0.13"), compound=True),
        )
    }
)


USD_RATE = ExchangeRate("CNY", "USD", Decimal("0.1378"), AT.date())


def in_boxes(order: Order) -> Order:
    """``order`` in dollars, every line in boxes of 6 and taxed by two taxes."""
    lines = tuple(
        attrs.evolve(line, unit="box", conversion_factor=BOX, tax_code="PAIR")
        for line in order.lines
    )
    return attrs.evolve(order, lines=lines, currency="USD", exchange_rate=USD_RATE)


def floor_units_and_taxes(pieces: list[Decimal], quantities: list[Decimal]) -> Decimal:
    """The floor with a box price per line and two taxes per line, the second on the first."""
    rate = USD_RATE.rate
    boxes = [(p * BOX * rate).quantize(CENT, rounding=ROUND_HALF_UP) for p in pieces]
    amounts = [
        (u * q).quantize(CENT, rounding=ROUND_HALF_UP)
        for u, q in zip(boxes, quantities, strict=True)
    ]
    cents = [int(a * 100) for a in amounts]
    off = (sum(cents) * Decimal("0.05")).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    cents = [c - p for c, p in zip(cents, split(cents, int(off)), strict=True)]
    grand = Decimal(0)
    for cent in cents:
        net = Decimal(cent) / 100
        first = net * Decimal("0.10")
        second = (net + first) * Decimal("0.13")
        grand += net + first.quantize(CENT, rounding=ROUND_HALF_UP)
        grand += second.quantize(CENT, rounding=ROUND_HALF_UP)
    return grand


def floor(units: list[Decimal], quantities: list[Decimal]) -> Decimal:
    """Plain Decimal: extend, 5 % order discount by largest remainder, 13 % tax per line."""
    amounts = [
        (u * q).quantize(CENT, rounding=ROUND_HALF_UP)
        for u, q in zip(units, quantities, strict=True)
    ]
    subtotal = sum(amounts, Decimal(0))
    discount = (subtotal * Decimal("0.05")).quantize(CENT, rounding=ROUND_HALF_UP)
    cents = [int(a * 100) for a in amounts]
    total_cents = sum(cents)
    off_cents = int(discount * 100)
    shares = [divmod(off_cents * c, total_cents) for c in cents]
    parts = [s[0] for s in shares]
    leftover = off_cents - sum(parts)
    for i in sorted(range(len(parts)), key=lambda i: -shares[i][1])[:leftover]:
        parts[i] += 1
    grand = Decimal(0)
    for amount, part in zip(amounts, parts, strict=True):
        net = amount - Decimal(part) / 100
        tax = (net * Decimal("0.13")).quantize(CENT, rounding=ROUND_HALF_UP)
        grand += net + tax
    return grand


def interleaved(*cases: tuple[Callable[[], object], int], rounds: int) -> list[float]:
    """Best time per call of each case, measured in alternating rounds.

    Alternating keeps the ratios honest on a shared machine: a burst of load hits
    every case in the same round instead of one case's whole measurement.
    """
    best = [float("inf")] * len(cases)
    for _ in range(rounds):
        for index, (stmt, number) in enumerate(cases):
            best[index] = min(best[index], timeit.timeit(stmt, number=number) / number)
    return best


def main() -> int:
    price_list = make_price_list()
    promotions = make_promotions()
    small = make_order(20)
    large = make_order(20_000)
    breakdown = price(small, price_list=price_list, promotions=promotions, at=AT)
    active = len(breakdown.applied)
    units = [line.unit_price.amount for line in breakdown.lines]
    quantities = [line.quantity for line in breakdown.lines]

    def run_small() -> object:
        return price(small, price_list=price_list, promotions=promotions, at=AT)

    def run_large() -> object:
        return price(large, price_list=price_list, promotions=promotions, at=AT)

    optioned = locked(small, units)
    option_promotions = with_options(promotions)
    last_line = StackingPolicy(remainder=Remainder.LAST_LINE)

    def run_options() -> object:
        return price(
            optioned, price_list=price_list, promotions=option_promotions, at=AT,
            stacking=last_line,
        )  # fmt: skip

    boxed = in_boxes(small)
    dollar_promotions = make_promotions("USD")

    def run_units_and_taxes() -> object:
        return price(
            boxed, price_list=price_list, promotions=dollar_promotions, tax=TWO_TAXES, at=AT
        )

    t_floor, t_small, t_floor_options, t_options, t_floor_units, t_units = interleaved(
        (lambda: floor(units, quantities), 500),
        (run_small, 50),
        (lambda: floor_with_options(units, quantities), 500),
        (run_options, 50),
        (lambda: floor_units_and_taxes(units, quantities), 500),
        (run_units_and_taxes, 50),
        rounds=30,
    )
    t_small_again, t_large = interleaved((run_small, 1000), (run_large, 1), rounds=5)
    t_small = min(t_small, t_small_again)
    ratio = t_small / t_floor
    options_ratio = t_options / t_floor_options
    units_ratio = t_units / t_floor_units
    linearity = (t_large / 20_000) / (t_small / 20)
    print(f"promotions applied on the 20-line order: {active} of {len(promotions)}")
    print(f"floor (plain Decimal, 20 lines):   {t_floor * 1e6:8.1f} us")
    print(f"price() 20 lines, 10 promotions:  {t_small * 1e6:8.1f} us")
    print(f"price() 20 000 lines:              {t_large * 1e3:8.1f} ms")
    print(f"floor with the second split:       {t_floor_options * 1e6:8.1f} us")
    print(f"price() 20 lines, options in use:  {t_options * 1e6:8.1f} us")
    print(f"floor, boxes, USD, two taxes:      {t_floor_units * 1e6:8.1f} us")
    print(f"price() boxes, USD, 2 taxes:       {t_units * 1e6:8.1f} us")
    print(f"ratio price/floor:      {ratio:5.2f}x  (budget {RATIO_BUDGET}x)")
    print(f"ratio with options:     {options_ratio:5.2f}x  (budget {OPTIONS_BUDGET}x)")
    print(f"ratio units/fx/taxes:   {units_ratio:5.2f}x  (budget {OPTIONS_BUDGET}x)")
    print(f"per-line 20 000 vs 20:  {linearity:5.2f}x  (budget {LINEARITY_BUDGET}x)")
    ok = (
        ratio <= RATIO_BUDGET
        and options_ratio <= OPTIONS_BUDGET
        and units_ratio <= OPTIONS_BUDGET
        and linearity <= LINEARITY_BUDGET
    )
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
