"""Type-checked from the user's side: how the public money API reads to mypy --strict."""

from decimal import Decimal

from salesorder import Money, RoundingMode, allocate

price: Money = Money("19.99", "CNY")
total: Money = price * 3 + Money(Decimal("0.01"), "CNY")
rounded: Money = total.quantize(RoundingMode.HALF_EVEN)
parts: tuple[Money, ...] = allocate(rounded, [Decimal(1), 2, 3])
label: str = rounded.format("zh_CN")
is_less: bool = price < total
