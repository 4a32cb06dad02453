"""Tax policy and fiscal positions, unit by unit (kills mutants of ``_pricing/tax.py``).

The pricing tests reach the tax policy through whole pricing runs; these pin down each
criterion, default, error parameter and factor directly (issue 13, mutation testing).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesorder.order import Address, Customer, CustomerTier, Order, OrderLine, OrderType
from salesorder.pricing import (
    CHINA_VAT_RATES,
    InvalidPricing,
    Rebase,
    TaxMapping,
    TaxPolicy,
    UnknownTaxCode,
)

HOME = Address("CN", "Shanghai", "1 Nanjing Rd")
ABROAD = Address("US", "Boston", "1 Main St")


def _order(
    *,
    customer_id: str = "C-1",
    tier: CustomerTier = CustomerTier.REGULAR,
    order_type: OrderType = OrderType.STANDARD,
    customer_address: Address | None = None,
    billing: Address | None = None,
    shipping: Address | None = None,
) -> Order:
    return Order(
        id="O-1",
        customer=Customer(id=customer_id, name="-", tier=tier, address=customer_address),
        currency="CNY",
        lines=(OrderLine("1", "A", "a", Decimal(1)),),
        order_type=order_type,
        billing_address=billing,
        shipping_address=shipping,
    )


class TestRates:
    def test_a_float_rate_is_refused_by_type(self) -> None:
        with pytest.raises(TypeError, match=r"^tax rates must be Decimal, not float$"):
            TaxPolicy(rates={"X": 0.13, "VAT13": Decimal("0.13")})  # type: ignore[dict-item]

    @pytest.mark.parametrize("rate", [Decimal("-0.01"), Decimal("NaN"), Decimal("Infinity")])
    def test_a_negative_or_non_finite_rate_is_refused_with_its_code(self, rate: Decimal) -> None:
        with pytest.raises(InvalidPricing) as caught:
            TaxPolicy(rates={"VAT13": Decimal("0.13"), "BAD": rate})
        assert caught.value.code == "price.invalid"
        assert caught.value.params == {
            "reason": "tax rate of {tax_code} must be a non-negative fraction",
            "tax_code": "BAD",
        }
        assert caught.value.message().endswith("tax rate of BAD must be a non-negative fraction.")

    def test_zero_text_and_int_rates_are_read_as_decimals(self) -> None:
        policy = TaxPolicy(rates={"VAT13": "0.13", "ZERO": 0}, default_code="ZERO")
        assert dict(policy.rates) == {"VAT13": Decimal("0.13"), "ZERO": Decimal(0)}
        assert policy.resolve(None) == ("ZERO", Decimal(0))
        with pytest.raises(TypeError):
            policy.rates["NEW"] = Decimal(1)  # type: ignore[index]

    def test_the_defaults_are_china_vat_13_percent_on_net_prices(self) -> None:
        policy = TaxPolicy()
        assert dict(policy.rates) == dict(CHINA_VAT_RATES)
        assert (policy.default_code, policy.prices_include_tax, policy.mappings) == (
            "VAT13",
            False,
            (),
        )
        assert policy.resolve(None) == ("VAT13", Decimal("0.13"))

    def test_china_vat_passes_its_default_code_on(self) -> None:
        policy = TaxPolicy.china_vat(default_code="VAT6")
        assert (policy.default_code, policy.prices_include_tax) == ("VAT6", False)
        assert TaxPolicy.china_vat().default_code == "VAT13"


class TestUnknownCodes:
    def test_an_unknown_default_code_is_named_without_a_line(self) -> None:
        with pytest.raises(UnknownTaxCode) as caught:
            TaxPolicy(default_code="VAT99")
        assert caught.value.params == {"tax_code": "VAT99", "line_id": None}
        assert caught.value.tax_code == "VAT99"

    def test_an_unknown_mapped_code_is_named(self) -> None:
        with pytest.raises(UnknownTaxCode) as caught:
            TaxPolicy(
                mappings=(TaxMapping("m", {"VAT13": "VAT0"}), TaxMapping("x", {"VAT6": "NOPE"}))
            )
        assert caught.value.params == {"tax_code": "NOPE", "line_id": None}

    def test_resolve_names_the_code_and_the_line(self) -> None:
        with pytest.raises(UnknownTaxCode) as caught:
            TaxPolicy().resolve("VAT99", line_id="L-3")
        assert caught.value.params == {"tax_code": "VAT99", "line_id": "L-3"}

    def test_a_mapping_does_not_rescue_an_unknown_code(self) -> None:
        mapping = TaxMapping("m", {"NOPE": "VAT0"})
        with pytest.raises(UnknownTaxCode):
            TaxPolicy().resolve("NOPE", mapping=mapping)


class TestResolve:
    mapping = TaxMapping("export", {"VAT13": "VAT0"})

    def test_a_listed_code_is_replaced_with_its_rate(self) -> None:
        assert TaxPolicy().resolve("VAT13", mapping=self.mapping) == ("VAT0", Decimal(0))
        assert TaxPolicy().resolve(None, mapping=self.mapping) == ("VAT0", Decimal(0))

    def test_a_code_the_mapping_does_not_list_stays(self) -> None:
        assert TaxPolicy().resolve("VAT6", mapping=self.mapping) == ("VAT6", Decimal("0.06"))
        assert TaxPolicy().resolve("VAT9") == ("VAT9", Decimal("0.09"))


class TestMappingCriteria:
    def test_a_mapping_without_criteria_applies_to_every_order(self) -> None:
        mapping = TaxMapping("all", {"VAT13": "VAT0"})
        assert mapping.applies_to(_order())
        assert (mapping.customer_ids, mapping.countries, mapping.rebase) == (
            frozenset(),
            frozenset(),
            Rebase.KEEP_NET,
        )

    def test_customer_ids(self) -> None:
        mapping = TaxMapping("exempt", {}, customer_ids=["C-9"])
        assert mapping.customer_ids == frozenset({"C-9"})
        assert mapping.applies_to(_order(customer_id="C-9"))
        assert not mapping.applies_to(_order(customer_id="C-1"))

    def test_customer_tiers(self) -> None:
        mapping = TaxMapping("vip", {}, customer_tiers=[CustomerTier.VIP])
        assert mapping.customer_tiers == frozenset({CustomerTier.VIP})
        assert mapping.applies_to(_order(tier=CustomerTier.VIP))
        assert not mapping.applies_to(_order(tier=CustomerTier.REGULAR))

    def test_order_types(self) -> None:
        mapping = TaxMapping("samples", {}, order_types=[OrderType.SAMPLE])
        assert mapping.order_types == frozenset({OrderType.SAMPLE})
        assert mapping.applies_to(_order(order_type=OrderType.SAMPLE))
        assert not mapping.applies_to(_order(order_type=OrderType.STANDARD))

    def test_the_country_is_the_shipping_then_billing_then_customer_address(self) -> None:
        mapping = TaxMapping("export", {}, countries=["US"])
        assert mapping.countries == frozenset({"US"})
        assert not mapping.applies_to(_order())  # no address at all
        assert mapping.applies_to(_order(customer_address=ABROAD))
        assert not mapping.applies_to(_order(customer_address=HOME))
        assert mapping.applies_to(_order(customer_address=HOME, billing=ABROAD))
        assert not mapping.applies_to(_order(customer_address=ABROAD, billing=HOME))
        assert mapping.applies_to(_order(billing=HOME, shipping=ABROAD))
        assert not mapping.applies_to(_order(billing=ABROAD, shipping=HOME))

    def test_every_criterion_set_must_match(self) -> None:
        mapping = TaxMapping("x", {}, customer_ids={"C-1"}, customer_tiers={CustomerTier.VIP})
        assert not mapping.applies_to(_order(customer_id="C-1"))
        assert mapping.applies_to(_order(customer_id="C-1", tier=CustomerTier.VIP))

    def test_the_codes_are_a_read_only_copy(self) -> None:
        codes = {"VAT13": "VAT0"}
        mapping = TaxMapping("m", codes)
        codes["VAT6"] = "VAT0"
        assert dict(mapping.codes) == {"VAT13": "VAT0"}
        with pytest.raises(TypeError):
            mapping.codes["VAT9"] = "VAT0"  # type: ignore[index]

    def test_the_first_mapping_that_applies_is_used(self) -> None:
        vip = TaxMapping("vip", {"VAT13": "VAT6"}, customer_tiers={CustomerTier.VIP})
        anyone = TaxMapping("anyone", {"VAT13": "VAT0"})
        policy = TaxPolicy(mappings=[vip, anyone])
        assert policy.mappings == (vip, anyone)
        assert policy.mapping_for(_order(tier=CustomerTier.VIP)) is vip
        assert policy.mapping_for(_order()) is anyone
        assert TaxPolicy(mappings=(vip,)).mapping_for(_order()) is None

    def test_rebase_values(self) -> None:
        assert [member.value for member in Rebase] == ["keep_net", "keep_gross"]


class TestRebaseFactor:
    to_six = TaxMapping("services", {"VAT13": "VAT6", "VAT9": "VAT0", "VAT0": "VAT0"})
    included = TaxPolicy(prices_include_tax=True)

    def test_the_factor_keeps_the_net(self) -> None:
        assert self.included.rebase_factor("VAT13", self.to_six) == Decimal(
            "0.93805309734513274336283185840707964601769911504425"
        )
        assert self.included.rebase_factor(None, self.to_six) == self.included.rebase_factor(
            "VAT13", self.to_six
        )
        assert self.included.rebase_factor("VAT9", self.to_six) == Decimal(
            "0.91743119266055045871559633027522935779816513761468"
        )

    def test_no_factor_when_nothing_changes(self) -> None:
        assert self.included.rebase_factor("VAT13", None) is None
        assert TaxPolicy().rebase_factor("VAT13", self.to_six) is None
        keep_gross = TaxMapping("g", {"VAT13": "VAT0"}, rebase=Rebase.KEEP_GROSS)
        assert self.included.rebase_factor("VAT13", keep_gross) is None
        assert self.included.rebase_factor("VAT6", self.to_six) is None  # not mapped
        assert self.included.rebase_factor("VAT0", self.to_six) is None  # same rate
        assert self.included.rebase_factor("NOPE", TaxMapping("n", {"NOPE": "VAT0"})) is None
