"""Several taxes on one line: levies per unit, compound taxes, and the tax engine port."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering, TaxTable
from salesorder.errors import ArgumentTypeError
from salesorder.money import Money, RoundingPolicy, RoundingScope
from salesorder.order import Customer, Order, OrderLine
from salesorder.pricing import (
    InvalidPricing,
    PriceList,
    Rebase,
    TaxComponent,
    TaxMapping,
    TaxPolicy,
    UnknownTaxCode,
    price,
)
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

AT = datetime(2026, 11, 11, tzinfo=UTC)


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


LIQUOR = (
    TaxComponent("CT", Decimal("0.10")),  # 消费税 on the net
    TaxComponent("VAT13", Decimal("0.13"), compound=True),  # VAT on net + excise
    TaxComponent("DEPOSIT", per_unit=cny("0.50")),  # a levy per bottle
)
POLICY = TaxPolicy(groups={"LIQ": LIQUOR})
WINES = PriceList.of("CNY", [("WINE", "100.00"), ("TEA", "10.00")])


def order(*lines: OrderLine) -> Order:
    return Order("o", Customer(id="C-1", name="-"), "CNY", lines)


def wine(quantity: int = 2, **options: object) -> OrderLine:
    return OrderLine("1", "WINE", "wine", Decimal(quantity), tax_code="LIQ", **options)  # type: ignore[arg-type]


class TestGroups:
    def test_each_component_is_computed_and_reported(self) -> None:
        b = price(order(wine()), price_list=WINES, tax=POLICY, at=AT)
        line = b.lines[0]
        assert [(t.code, t.amount) for t in line.taxes] == [
            ("CT", cny("20.00")),
            ("VAT13", cny("28.60")),  # 13 % of 220.00
            ("DEPOSIT", cny("1.00")),
        ]
        assert (line.tax, line.gross) == (cny("49.60"), cny("249.60"))
        assert line.tax_rate == Decimal("0.23")  # nominal: the sum of the percentages

    def test_tax_by_code_adds_up_to_the_tax_total(self) -> None:
        tea = OrderLine("2", "TEA", "tea", Decimal(3), tax_code="VAT13")
        b = price(order(wine(), tea), price_list=WINES, tax=POLICY, at=AT)
        assert b.tax_by_code() == {"CT": cny(20), "VAT13": cny("32.50"), "DEPOSIT": cny(1)}
        assert b.tax_total == cny("53.50")

    def test_levies_count_stock_units(self) -> None:
        six = wine(1, unit="case", conversion_factor=Decimal(6))
        b = price(order(six), price_list=WINES, tax=POLICY, at=AT)
        assert b.lines[0].taxes[2].amount == cny("3.00")

    def test_tax_included_prices_extract_every_component(self) -> None:
        included = TaxPolicy(groups={"LIQ": LIQUOR}, prices_include_tax=True)
        b = price(order(wine()), price_list=WINES, tax=included, at=AT)
        line = b.lines[0]
        # N + 0.10 N + 0.13 (1.10 N) + 1.00 = 200.00, N = 199 / 1.243 = 160.0965...
        assert [t.amount for t in line.taxes] == [cny("16.01"), cny("22.89"), cny("1.00")]
        assert (line.net, line.gross) == (cny("160.10"), cny("200.00"))

    def test_a_gross_under_its_levies_is_all_levy(self) -> None:
        levy = TaxPolicy(
            groups={"ENV": (TaxComponent("ENV", per_unit=cny(5)),)}, prices_include_tax=True
        )
        cheap = PriceList.of("CNY", [("BAG", "0.30")])
        line = OrderLine("1", "BAG", "bag", Decimal(1), tax_code="ENV")
        b = price(order(line), price_list=cheap, tax=levy, at=AT)
        assert (b.lines[0].net, b.lines[0].tax) == (cny(0), cny("0.30"))

    def test_document_rounding_rounds_the_exact_total_once(self) -> None:
        halves = TaxPolicy(groups={"H": (TaxComponent("A", Decimal("0.005")),
                                         TaxComponent("B", Decimal("0.005")))})  # fmt: skip
        plist = PriceList.of("CNY", [("S", "1.00")])
        lines = [OrderLine(str(i), "S", "s", Decimal(1), tax_code="H") for i in range(3)]
        per_line = price(order(*lines), price_list=plist, tax=halves, at=AT)
        per_doc = price(order(*lines), price_list=plist, tax=halves, at=AT,
                        rounding=RoundingPolicy(scope=RoundingScope.DOCUMENT))  # fmt: skip
        assert per_line.tax_total == cny("0.06")  # 0.005 rounds up six times
        assert per_doc.tax_total == cny("0.03")  # 0.03 exactly, once

    def test_bad_groups_are_refused(self) -> None:
        with pytest.raises(InvalidPricing):
            TaxPolicy(groups={"VAT13": LIQUOR})  # a rate and a group
        with pytest.raises(InvalidPricing):
            TaxPolicy(groups={"X": ()})
        with pytest.raises(InvalidPricing):
            TaxComponent("L", per_unit=cny(-1))
        with pytest.raises(UnknownTaxCode):
            TaxPolicy(default_code="NOPE", groups={"LIQ": LIQUOR})

    def test_a_mapping_may_name_a_group_and_keeps_the_gross(self) -> None:
        to_group = TaxMapping("liquor", {"VAT13": "LIQ"}, rebase=Rebase.KEEP_NET)
        policy = TaxPolicy(groups={"LIQ": LIQUOR}, mappings=[to_group], prices_include_tax=True)
        line = OrderLine("1", "WINE", "wine", Decimal(1))
        b = price(order(line), price_list=WINES, tax=policy, at=AT)
        assert (b.lines[0].tax_code, b.lines[0].gross) == ("LIQ", cny(100))


class _DateEffective:
    """A tax engine whose rate changes on a date (a host's tax service, in small)."""

    def __init__(self) -> None:
        self.asked: list[datetime] = []

    def tax_policy(self, order: Order, *, at: datetime) -> TaxPolicy:
        self.asked.append(at)
        rate = Decimal("0.13") if at < datetime(2027, 1, 1, tzinfo=UTC) else Decimal("0.11")
        return TaxPolicy(rates={"VAT": rate}, default_code="VAT")


def _service(engine: object) -> OrderService:
    return OrderService(
        unit_of_work=MemoryDatabase().unit_of_work,
        clock=FixedClock(AT),
        numbering=PatternNumbering(),
        pricing_settings=PricingSettings(price_list=WINES),
        tax_engine=engine,  # type: ignore[arg-type]
    )


PAYLOAD = {
    "customer": {"id": "C-1", "name": "N", "contact": {"name": "N", "phone": "13800000001"}},
    "currency": "CNY",
    "lines": [{"sku": "TEA", "name": "tea", "quantity": "10"}],
}


class TestTaxEngine:
    def test_the_service_prices_with_the_engine_at_the_order_instant(self) -> None:
        engine = _DateEffective()
        service = _service(engine)
        entered = service.enter(PAYLOAD, actor="S")
        assert entered.grand_total == cny("113.00")
        assert set(engine.asked) == {AT}
        assert service.price_order(service.get(entered.id)).grand_total == cny("113.00")

    def test_the_table_adapter_is_the_settings_tax(self) -> None:
        table = TaxTable(TaxPolicy(default_code="VAT6"))
        assert table.tax_policy(order(), at=AT) is table.policy
        assert _service(table).enter(PAYLOAD, actor="S").grand_total == cny("106.00")

    def test_an_engine_answering_something_else_is_refused(self) -> None:
        class Broken:
            def tax_policy(self, order: Order, *, at: datetime) -> object:
                return {"VAT": "0.13"}

        with pytest.raises(ArgumentTypeError):
            _service(Broken()).enter(PAYLOAD, actor="S")
