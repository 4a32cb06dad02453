"""Type-checked from the user's side: how the public pricing API reads to mypy --strict."""

from datetime import UTC, datetime
from decimal import Decimal

from salesorder import Money, Order, PriceBreakdown, PriceList, TaxPolicy, price
from salesorder.order import Customer, OrderLine
from salesorder.pricing import LinePercentOff, PriceLookup, Promotion, ThresholdOff

at = datetime(2026, 11, 11, tzinfo=UTC)
price_list = PriceList.of("CNY", [("TEA", "100.00")])
order = Order(
    id="o", customer=Customer(id="c", name="-"), currency="CNY",
    lines=(OrderLine("1", "TEA", "tea", Decimal(2)),),
)  # fmt: skip
promotions = [
    Promotion("P", "10 %", LinePercentOff(Decimal(10))),
    Promotion("MJ", "满减", ThresholdOff.of("CNY", (100, 10))),
]
breakdown: PriceBreakdown = price(
    order, price_list=price_list, promotions=promotions, tax=TaxPolicy(), at=at
)
total: Money = breakdown.grand_total
text: str = breakdown.explain("zh_CN")
lookups: tuple[PriceLookup, PriceLookup] = price_list.lookups(at=at)
listed: Money | None = lookups[0](order, order.lines[0])
