"""Generated from docs/pricing.md by scripts/extract_docs_examples.py: do not edit."""

from datetime import UTC, datetime
from decimal import Decimal

from salesorder.money import Money
from salesorder.order import Customer, CustomerTier, Order, OrderLine
from salesorder.pricing import PriceList, price

AT = datetime(2026, 11, 11, 10, tzinfo=UTC)


def cny(amount):
    return Money(amount, "CNY")


def order(*lines, tier=CustomerTier.REGULAR, customer_id="C-1"):
    customer = Customer(id=customer_id, name="-", tier=tier)
    return Order(id="SO-1", customer=customer, currency="CNY", lines=tuple(lines))


def line(line_id, sku, quantity, **options):
    return OrderLine(line_id, sku, sku, Decimal(quantity), **options)


tea = PriceList.of("CNY", [("TEA", "100.00"), ("CUP", "50.00"), ("POT", "40.00")])
breakdown = price(order(line("1", "TEA", 2)), price_list=tea, at=AT)
assert breakdown.subtotal == cny("200.00")
assert breakdown.tax_total == cny("26.00")       # VAT13 on exclusive prices by default
assert breakdown.grand_total == cny("226.00")

from salesorder.pricing import CustomerTier, Markup, PriceEntry

plist = PriceList(
    "CNY",
    (
        PriceEntry("TEA", cny(100)),
        PriceEntry("TEA", cny(90), min_quantity=Decimal(10)),
        PriceEntry("TEA", cny(80), tier=CustomerTier.VIP),
        PriceEntry("TEA", cny(70), customer_id="C-9"),
    ),
)
regular = order(line("1", "TEA", 12))
vip = order(line("1", "TEA", 1), tier=CustomerTier.VIP)
contract = order(line("1", "TEA", 1), tier=CustomerTier.VIP, customer_id="C-9")
assert plist.list_price(regular, regular.lines[0], at=AT) == cny(90)
assert plist.list_price(vip, vip.lines[0], at=AT) == cny(80)
assert plist.list_price(contract, contract.lines[0], at=AT) == cny(70)
assert PriceEntry("CUP", cost=cny(40), markup=Markup(percent=Decimal(25))).price == cny(50)

list_price, price_floor = PriceList.of(
    "CNY", [("TEA", "100.00")], manual_price_tolerance=Decimal(10)
).lookups(at=AT)
o = order(line("1", "TEA", 1, unit_price=cny(85)))
assert list_price(o, o.lines[0]) == cny(100)
assert price_floor(o, o.lines[0]) == cny(90)

from salesorder.pricing import Promotion, ThresholdOff

manjian = Promotion("MJ", "满减", ThresholdOff.of("CNY", (1000, 100), (2000, 250)))
small = price(order(line("1", "TEA", 9)), price_list=tea, promotions=[manjian], at=AT)
medium = price(order(line("1", "TEA", 12)), price_list=tea, promotions=[manjian], at=AT)
large = price(order(line("1", "TEA", 21)), price_list=tea, promotions=[manjian], at=AT)
assert small.discount_total == cny(0)
assert small.rejected[0].code == "promotion.min_spend"
assert medium.discount_total == cny(100)
assert large.discount_total == cny(250)

from salesorder.pricing import BuyGet, Target

b2g1 = Promotion("B2G1", "买二送一", BuyGet(2, 1), target=Target(categories={"teaware"}))
o = order(
    line("1", "CUP", 2, category="teaware"),
    line("2", "POT", 1, category="teaware"),
)
b = price(o, price_list=tea, promotions=[b2g1], at=AT)
assert b.line("2").discount == cny(40)     # the cheapest unit is free
assert b.subtotal - b.discount_total == cny(100)

from salesorder.pricing import Coupon, OrderAmountOff, RedemptionCounts

book = [Coupon("WELCOME", Promotion("W", "welcome", OrderAmountOff(cny(20))), usage_limit=1000)]
b = price(
    order(line("1", "TEA", 1)),
    price_list=tea,
    coupons=["welcome", "NOPE"],
    coupon_book=book,
    redemptions=RedemptionCounts(totals={"WELCOME": 10}),
    at=AT,
)
assert b.discount_total == cny(20)
assert [(r.id, r.code) for r in b.rejected] == [("NOPE", "coupon.unknown")]
assert b.rejected[0].message("zh_CN") == "优惠券 NOPE 不存在。"

from salesorder.pricing import LinePercentOff, OrderPercentOff, Stacking, StackingPolicy

stack = [
    Promotion("S1", "10 % tea", LinePercentOff(Decimal(10)), priority=1),
    Promotion("S2", "20 off", OrderAmountOff(cny(20)), priority=2),
    Promotion("X", "15 % alone", OrderPercentOff(Decimal(15)), stacking=Stacking.EXCLUSIVE),
]
b = price(order(line("1", "TEA", 2)), price_list=tea, promotions=stack, at=AT)
assert b.discount_total == cny(40)                       # 20 + 20 beats 30
assert [r.id for r in b.rejected] == ["X"]
capped = price(
    order(line("1", "TEA", 2)),
    price_list=tea,
    promotions=stack[:2],
    stacking=StackingPolicy(max_discount=cny(25)),
    at=AT,
)
assert capped.discount_total == cny(25)
assert capped.applied[1].unused == cny(15)

from salesorder.pricing import Charge, ChargeKind, ChargeOff, Conditions

free_shipping = Promotion(
    "FREESHIP", "包邮", ChargeOff(ChargeKind.SHIPPING, percent=Decimal(100)),
    conditions=Conditions(min_spend=cny(150)),
)
b = price(
    order(line("1", "TEA", 2)),
    price_list=tea,
    promotions=[free_shipping],
    charges=[Charge(ChargeKind.SHIPPING, cny(12))],
    at=AT,
)
assert b.charges_total == cny(12)
assert b.charges[0].gross == cny(0)

from salesorder.pricing import TaxPolicy

retail = PriceList.of("CNY", [("TEA", "113.00"), ("CUP", "9.90")])
b = price(
    order(line("1", "TEA", 1), line("2", "CUP", 1, tax_code="VAT9")),
    price_list=retail,
    tax=TaxPolicy(prices_include_tax=True),
    at=AT,
)
assert (b.line("1").net, b.line("1").tax, b.line("1").gross) == (cny(100), cny(13), cny(113))
assert (b.line("2").net, b.line("2").tax) == (cny("9.08"), cny("0.82"))
assert b.grand_total == cny("122.90")

from salesorder.money import RoundingPolicy, RoundingScope

sample = PriceList.of("CNY", [("S", "0.05")])
o = order(line("1", "S", 1), line("2", "S", 1), line("3", "S", 1))
per_line = price(o, price_list=sample, at=AT)
per_document = price(
    o, price_list=sample, at=AT, rounding=RoundingPolicy(scope=RoundingScope.DOCUMENT)
)
assert per_line.tax_total == cny("0.03")        # 0.0065 rounds up on each of 3 lines
assert per_document.tax_total == cny("0.02")    # 0.0195 rounds once
assert [x.tax for x in per_document.lines] == [cny("0.01"), cny("0.01"), cny("0.00")]

b = price(
    order(line("1", "TEA", 12), line("2", "CUP", 2, requested_discount=Decimal(20))),
    price_list=tea,
    promotions=[manjian],
    charges=[Charge(ChargeKind.SHIPPING, cny(12))],
    coupons=["EXPIRED"],
    at=AT,
)
text = b.explain()
print(text)
assert "spend 1000 CNY, get 100 CNY off" in text
assert "价税合计" in b.explain("zh_CN")
