from decimal import Decimal

import attrs
import pytest

from salesorder.money import Money
from salesorder.order import (
    Address,
    Contact,
    Customer,
    CustomerTier,
    InvoiceInfo,
    InvoiceKind,
    Order,
    OrderLine,
    new_id,
)

PRIVATE_NAME = "张三丰"
PRIVATE_PHONE = "13812345678"
PRIVATE_TAX_ID = "91350100M000100Y43"


def make_order() -> Order:
    address = Address(
        country="CN",
        province="广东省",
        city="深圳市",
        street="科技园路1号",
        recipient=PRIVATE_NAME,
        phone=PRIVATE_PHONE,
    )
    customer = Customer(
        id="C-1",
        name=PRIVATE_NAME,
        tier=CustomerTier.VIP,
        contact=Contact(name=PRIVATE_NAME, phone=PRIVATE_PHONE, email="zs@example.cn"),
        address=address,
    )
    return Order(
        id=new_id(),
        customer=customer,
        currency="CNY",
        lines=(
            OrderLine("1", "SKU-A", "Widget", Decimal(2), unit_price=Money("10", "CNY")),
            OrderLine("2", "SKU-B", "Gadget", Decimal("1.5"), unit="kg"),
            OrderLine("3", "SKU-A", "Widget", Decimal(3)),
        ),
        shipping_address=address,
        invoice=InvoiceInfo(
            kind=InvoiceKind.VAT_SPECIAL, title=PRIVATE_NAME, tax_id=PRIVATE_TAX_ID
        ),
        notes=f"call {PRIVATE_PHONE}",
    )


def test_repr_holds_no_personal_data() -> None:
    order = make_order()
    text = repr(order) + repr(order.customer) + repr(order.shipping_address) + repr(order.invoice)
    for secret in (PRIVATE_NAME, PRIVATE_PHONE, PRIVATE_TAX_ID, "科技园路"):
        assert secret not in text


def test_quantities_by_sku_adds_lines_of_one_sku() -> None:
    assert make_order().quantities_by_sku() == {"SKU-A": Decimal(5), "SKU-B": Decimal("1.5")}


def test_line_lookup() -> None:
    order = make_order()
    assert order.line("2").sku == "SKU-B"
    with pytest.raises(KeyError):
        order.line("9")


def test_order_identity_is_its_id() -> None:
    order = make_order()
    same = attrs.evolve(order, notes=None)
    assert order == same
    assert hash(order) == hash(same)
    assert order != make_order()
    assert order != "x"


def test_region_path() -> None:
    assert make_order().customer.address is not None
    assert make_order().customer.address.region == "CN/广东省/深圳市"  # type: ignore[union-attr]


def test_values_are_frozen() -> None:
    line = make_order().lines[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        line.quantity = Decimal(1)  # type: ignore[misc]
    assert attrs.evolve(line, quantity=Decimal(1)).quantity == 1
