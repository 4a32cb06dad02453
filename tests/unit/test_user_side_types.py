"""What a user types works: location names as any iterable, price-list names where needed."""

from __future__ import annotations

from decimal import Decimal

import salesorder
from salesorder import pricing
from salesorder.inventory import FewestShipments, FixedPriority, plan_allocation


def test_fixed_priority_takes_a_tuple_a_list_or_one_name() -> None:
    assert FixedPriority(("SH-01", "GZ-02")).locations == ("SH-01", "GZ-02")
    assert FixedPriority(["SH-01", "GZ-02"]).locations == ("SH-01", "GZ-02")
    # One name is one location, not its characters.
    assert FixedPriority("SH-01").locations == ("SH-01",)  # type: ignore[arg-type]
    assert FixedPriority().locations == ()


def test_fixed_priority_serves_in_the_order_given() -> None:
    available = {"A": {"GZ-02": Decimal(5), "SH-01": Decimal(5), "BJ-03": Decimal(5)}}
    plan = plan_allocation({"A": Decimal(8)}, available, strategy=FixedPriority(("SH-01", "GZ-02")))
    assert [(a.location, a.quantity) for a in plan.allocations] == [
        ("SH-01", Decimal(5)),
        ("GZ-02", Decimal(3)),
    ]


def test_a_price_list_is_built_from_one_import() -> None:
    for name in ("PriceList", "PriceEntry", "Markup", "MarkupBase", "CustomerTier"):
        assert name in pricing.__all__, name
    for name in ("PriceList", "PriceEntry", "Money", "CustomerTier", "TaxPolicy"):
        assert name in salesorder.__all__, name
    listed = pricing.PriceList(
        "CNY",
        (
            pricing.PriceEntry("TEA", salesorder.Money("100.00", "CNY")),
            pricing.PriceEntry(
                "TEA", salesorder.Money("80.00", "CNY"), tier=pricing.CustomerTier.VIP
            ),
        ),
    )
    assert len(listed.entries) == 2


def test_fewest_shipments_takes_its_preference_like_fixed_priority() -> None:
    assert FewestShipments(("SH-01", "GZ-02")).preference == ("SH-01", "GZ-02")
    assert FewestShipments(["SH-01"]).preference == ("SH-01",)
