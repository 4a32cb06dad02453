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

from salesorder.pricing import InvalidPricing, Markup, MarkupBase

channel = PriceEntry("CUP", cny(50), markup=Markup(MarkupBase.LIST, Decimal(-20), cny(-5)))
assert channel.price == cny("35.00")
try:
    PriceEntry("CUP", cost=cny(10), markup=Markup(amount=cny("-10.01")))
except InvalidPricing as refused:
    assert refused.code == "price.markup.out_of_bounds"
else:
    raise AssertionError("a markup below zero must be refused")

list_price, price_floor = PriceList.of(
    "CNY", [("TEA", "100.00")], manual_price_tolerance=Decimal(10)
).lookups(at=AT)
o = order(line("1", "TEA", 1, unit_price=cny(85)))
assert list_price(o, o.lines[0]) == cny(100)
assert price_floor(o, o.lines[0]) == cny(90)

from salesorder.units import UnitCatalog

units = UnitCatalog.of(("BOLT", "pcs", {"box": 12, "carton": 48}))
bolts = PriceList(
    "CNY",
    (
        PriceEntry("BOLT", cny("1.05")),
        PriceEntry("BOLT", cny("0.95"), min_quantity=Decimal(100)),     # from 100 pieces
        PriceEntry("BOLT", cny("40.00"), unit="carton"),                 # a carton's own price
    ),
)


def in_unit(line_id, quantity, unit):
    return OrderLine(line_id, "BOLT", "bolt", Decimal(quantity), unit=unit,
                     conversion_factor=units.factor("BOLT", unit))


b = price(order(in_unit("1", 3, "box"), in_unit("2", 9, "box"), in_unit("3", 2, "carton")),
          price_list=bolts, at=AT)
assert b.line("1").unit_price == cny("12.60")        # 12 x 1.05
assert b.line("2").unit_price == cny("11.40")        # 108 pieces: the break of 100, 12 x 0.95
assert b.line("3").unit_price == cny("40.00")        # the carton entry
assert order(in_unit("1", 3, "box")).quantities_by_sku() == {"BOLT": Decimal(36)}

from datetime import date

from salesorder.exchange import ExchangeRate

usd = ExchangeRate("CNY", "USD", Decimal("0.1378"), date(2026, 11, 1))
abroad = Order(id="SO-2", customer=Customer(id="C-1", name="-"), currency="USD",
               lines=(line("1", "TEA", 3), line("2", "CUP", 7)), exchange_rate=usd)
b = price(abroad, price_list=PriceList.of("CNY", [("TEA", "100.00"), ("CUP", "9.99")]), at=AT)
assert [x.unit_price for x in b.lines] == [Money("13.78", "USD"), Money("1.38", "USD")]
assert b.subtotal == Money("51.00", "USD")

from salesorder.adapters.memory import FixedClock, MemoryDatabase, MemoryExchangeRates, PatternNumbering
from salesorder.demo import START, demo_price_list, tea_shop_payload
from salesorder.pricing import TaxPolicy
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

rates = MemoryExchangeRates([ExchangeRate("CNY", "USD", Decimal("0.1378"), START.date())])
quoting = OrderService(
    unit_of_work=MemoryDatabase().unit_of_work,
    clock=FixedClock(START),
    numbering=PatternNumbering(),
    pricing_settings=PricingSettings(price_list=demo_price_list(), tax=TaxPolicy(default_code="VAT0")),
    exchange_rates=rates,
)
quote = quoting.quote({**tea_shop_payload(tea=2, cups=1), "currency": "USD"}, actor="S-LI")
assert quote.exchange_rate == ExchangeRate("CNY", "USD", Decimal("0.1378"), START.date())
assert quote.total == Money("44.44", "USD")        # 2 x 16.26 (118.00) + 11.92 (86.50)
rates.add(ExchangeRate("CNY", "USD", Decimal("0.1500"), START.date()))
converted = quoting.convert_quote(quote.quote_id, actor="S-LI")
assert converted.exchange_rate == quote.exchange_rate
assert quoting.price_order(converted).grand_total == Money("44.44", "USD")

from salesorder.pricing import LinePercentOff, OnceScope, Promotion

mixed = order(line("1", "TEA", 2), line("2", "POT", 5))        # 2 x 100.00, 5 x 40.00
three = Promotion("M3", "10 % on 3 units", LinePercentOff(Decimal(10)), max_units=3)
b = price(mixed, price_list=tea, promotions=[three], at=AT)
assert b.discount_total == cny(12)                           # 10 % of three pots
saleor = Promotion("HALF", "half price once", LinePercentOff(Decimal(50)),
                   once_per_order=True, once_scope=OnceScope.CHEAPEST_UNIT)
assert price(mixed, price_list=tea, promotions=[saleor], at=AT).discount_total == cny(20)
whole = Promotion("HALF", "half price once", LinePercentOff(Decimal(50)), once_per_order=True)
assert price(mixed, price_list=tea, promotions=[whole], at=AT).discount_total == cny(100)

import attrs
from salesorder.pricing import Basis, ThresholdOff

ten = Promotion("TEN", "10 %", LinePercentOff(Decimal(10)), priority=1)
five = Promotion("FIVE", "5 %", LinePercentOff(Decimal(5)), priority=2)
one_tea = order(line("1", "TEA", 1))
assert price(one_tea, price_list=tea, promotions=[ten, five], at=AT).discount_total == cny("14.50")
adding = [attrs.evolve(p, percent_on=Basis.UNDISCOUNTED) for p in (ten, five)]
assert price(one_tea, price_list=tea, promotions=adding, at=AT).discount_total == cny("15.00")

ten_teas = order(line("1", "TEA", 10))                           # 1 000.00
fifth_off = Promotion("L", "20 %", LinePercentOff(Decimal(20)), priority=1)
mj = Promotion("MJ", "满1000减100", ThresholdOff.of("CNY", (1000, 100)), priority=2)
after = price(ten_teas, price_list=tea, promotions=[fifth_off, mj], at=AT)
assert after.discount_total == cny(200)                           # 800.00 misses the tier
before = price(ten_teas, price_list=tea, at=AT,
               promotions=[fifth_off, attrs.evolve(mj, spend_on=Basis.UNDISCOUNTED)])
assert before.discount_total == cny(300)

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

from salesorder.pricing import Conditions, FreeGift, OrderAmountOff, Target

cup_per_three = Promotion("CUP3", "a cup per 3 pots",
                          FreeGift("CUP", per_quantity=Decimal(3)), target=Target(skus="POT"))
b = price(order(line("1", "POT", 7)), price_list=tea, promotions=[cup_per_three], at=AT)
assert b.line("gift:CUP3").quantity == 2 and b.line("gift:CUP3").discount == cny(100)
cup_for_one = Promotion("CUP1", "a cup for 1.00", FreeGift("CUP", price=cny(1)))
b = price(order(line("1", "POT", 1)), price_list=tea, promotions=[cup_for_one], at=AT)
assert (b.line("gift:CUP1").discount, b.line("gift:CUP1").net) == (cny(49), cny(1))
small = Promotion("S", "5 off small orders", OrderAmountOff(cny(5)),
                  conditions=Conditions(max_quantity=Decimal(5)))
b = price(order(line("1", "POT", 6)), price_list=tea, promotions=[small], at=AT)
assert [(r.id, r.code) for r in b.rejected] == [("S", "promotion.max_quantity")]

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

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import START, tea_shop_payload
from salesorder.errors import ValidationFailed
from salesorder.service import OrderService
from salesorder.settings import PricingSettings
from salesorder.demo import demo_price_list
from salesorder.pricing import TaxPolicy

database = MemoryDatabase()
service = OrderService(
    unit_of_work=database.unit_of_work,
    clock=FixedClock(START),
    numbering=PatternNumbering(),
    pricing_settings=PricingSettings(
        price_list=demo_price_list(),
        coupon_book=[Coupon("ONCE", Promotion("W", "welcome", OrderAmountOff(cny(20))), usage_limit=1)],
        tax=TaxPolicy(default_code="VAT0"),
    ),
)
payload = tea_shop_payload(tea=2, cups=1)                 # 2 x 118.00 + 86.50 = 322.50
entered = service.enter(payload, actor="S-LI", coupons=["once"])
assert entered.coupons == ("ONCE",) and entered.grand_total == cny("302.50")
assert database.coupons.count("ONCE") == 1
try:
    service.enter({**payload, "coupons": ["ONCE"]}, actor="S-LI")
except ValidationFailed as refused:
    [issue] = refused.report.errors
    assert (issue.code, issue.path) == ("coupon.usage_limit", "/coupons/0")
    assert issue.message("zh_CN") == "优惠券 ONCE 已达使用次数上限（1 次）。"
else:
    raise AssertionError("the coupon is used up")
service.cancel(entered.id, reason="customer_request", actor="S-LI")
assert database.coupons.count("ONCE") == 0                 # released: usable again

import attrs
from salesorder.order import OrderDiscount

two = order(line("1", "TEA", 1), line("2", "TEA", 2))          # 100.00 + 200.00
b = price(attrs.evolve(two, order_discount=OrderDiscount(amount=cny(30))), price_list=tea, at=AT)
assert [p.discount for p in b.lines] == [cny(10), cny(20)]
assert [f.code for f in b.flags] == []                           # 10 % of 300: within 10 %
b = price(attrs.evolve(two, order_discount=OrderDiscount(Decimal(12))), price_list=tea, at=AT)
assert b.subtotal - b.discount_total == cny(264)
assert [f.code for f in b.flags] == ["price.order_discount_beyond_policy"]

from salesorder.pricing import DiscountLines, StackingPolicy

shop = PriceList.of("CNY", [("TEA", "100.00"), ("BOOK", "50.00")])
ten_percent = attrs.evolve(
    order(line("1", "TEA", 2), line("2", "BOOK", 1, tax_code="VAT9")),
    order_discount=OrderDiscount(Decimal(10)),
)
b = price(ten_percent, price_list=shop, at=AT,
          stacking=StackingPolicy(discount_lines=DiscountLines.PER_TAX))
assert [(d.tax_code, d.net, d.tax, d.gross) for d in b.discount_lines] == [
    ("VAT13", cny("-20.00"), cny("-2.60"), cny("-22.60")),
    ("VAT9", cny("-5.00"), cny("-0.45"), cny("-5.45")),
]
before = [p.gross + share.gross for p in b.lines if (share := p.order_discount_share)]
assert before == [cny("226.00"), cny("54.50")]
assert [p.gross for p in b.lines] == [cny("203.40"), cny("49.05")]   # what a return refunds
assert b.grand_total == cny("252.45") == price(ten_percent, price_list=shop, at=AT).grand_total

from salesorder.order import LockedPrice

locked = attrs.evolve(
    order(line("1", "TEA", 2)), locked_prices=(LockedPrice("1", cny("95.00"), AT),)
)
b = price(locked, price_list=tea, at=AT)                 # the list says 100.00
assert b.line("1").unit_price == cny("95.00") and b.subtotal == cny("190.00")

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

from salesorder.pricing import Choice, Remainder

three = order(line("1", "POT", 1), line("2", "POT", 1), line("3", "POT", 1))  # 3 x 40.00
ten_off = [Promotion("TEN", "10 off", OrderAmountOff(cny(10)))]
fair = price(three, price_list=tea, promotions=ten_off, at=AT)
assert [x.discount for x in fair.lines] == [cny("3.34"), cny("3.33"), cny("3.33")]
oscar = price(three, price_list=tea, promotions=ten_off, at=AT,
              stacking=StackingPolicy(remainder=Remainder.LAST_LINE))
assert [x.discount for x in oscar.lines] == [cny("3.33"), cny("3.33"), cny("3.34")]

rivals = [
    Promotion("FIRST", "1 off", OrderAmountOff(cny(1)), group="spring", priority=1),
    Promotion("BEST", "30 off", OrderAmountOff(cny(30)), group="spring", priority=2),
]
best = price(order(line("1", "TEA", 1)), price_list=tea, promotions=rivals, at=AT)
assert best.discount_total == cny(30)                                  # best for the customer
erpnext = price(order(line("1", "TEA", 1)), price_list=tea, promotions=rivals, at=AT,
                stacking=StackingPolicy(choice=Choice.PRIORITY))
assert erpnext.discount_total == cny(1)                                # first by priority
assert [(r.id, r.code) for r in erpnext.rejected] == [("BEST", "promotion.lower_priority")]

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

from salesorder.order import Address
from salesorder.pricing import Rebase, TaxMapping

export = TaxMapping("export", {"VAT13": "VAT0"}, countries={"US"})
gross_list = PriceList.of("CNY", [("TEA", "113.00")])
abroad = attrs.evolve(order(line("1", "TEA", 1)),
                      shipping_address=Address("US", "Boston", "1 Main St"))
keep_net = TaxPolicy(prices_include_tax=True, mappings=[export])
assert price(abroad, price_list=gross_list, tax=keep_net, at=AT).grand_total == cny(100)
keep_gross = TaxPolicy(prices_include_tax=True,
                       mappings=[attrs.evolve(export, rebase=Rebase.KEEP_GROSS)])
assert price(abroad, price_list=gross_list, tax=keep_gross, at=AT).grand_total == cny(113)
home = order(line("1", "TEA", 1))                                   # no mapping applies
assert price(home, price_list=gross_list, tax=keep_net, at=AT).tax_total == cny(13)

from salesorder.pricing import TaxComponent

liquor = TaxPolicy(groups={"LIQ": (
    TaxComponent("CT", Decimal("0.10")),                     # consumption tax on the net
    TaxComponent("VAT13", Decimal("0.13"), compound=True),  # VAT on net + consumption tax
    TaxComponent("DEPOSIT", per_unit=cny("0.50")),          # per bottle
)})
wines = PriceList.of("CNY", [("WINE", "100.00"), ("TEA", "10.00")])
b = price(order(line("1", "WINE", 2, tax_code="LIQ"), line("2", "TEA", 3)),
          price_list=wines, tax=liquor, at=AT)
assert [(t.code, t.amount) for t in b.line("1").taxes] == [
    ("CT", cny("20.00")), ("VAT13", cny("28.60")), ("DEPOSIT", cny("1.00"))]
assert b.line("1").gross == cny("249.60")
assert b.tax_by_code() == {"CT": cny(20), "VAT13": cny("32.50"), "DEPOSIT": cny(1)}
assert b.tax_total == cny("53.50")

from salesorder.adapters.memory import TaxTable


class NewRateFrom2027:
    """A date-effective tax service, in small."""

    def tax_policy(self, order, *, at):
        rate = Decimal("0.13") if at.year < 2027 else Decimal("0.11")
        return TaxPolicy(rates={"VAT": rate}, default_code="VAT")


engine = NewRateFrom2027()
assert engine.tax_policy(order(), at=AT).rates["VAT"] == Decimal("0.13")
assert TaxTable(TaxPolicy()).tax_policy(order(), at=AT) == TaxPolicy()

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
