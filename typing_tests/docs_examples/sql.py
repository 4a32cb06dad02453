"""Generated from docs/sql.md by scripts/extract_docs_examples.py: do not edit."""

from datetime import UTC, datetime
from decimal import Decimal

from salesorder.adapters.sql import SqlDatabase
from salesorder.inventory import ReservationLine

database = SqlDatabase(tenant_id="shop-1")  # SqlDatabase("postgresql+psycopg://...") on a server
database.create_schema()
other_shop = database.for_tenant("shop-2")  # the same database, another tenant

at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
with database.unit_of_work() as uow:
    uow.stock.receive("SKU-1", "WH-SH", quantity=10, operation_id="po-77", at=at)
    uow.commit()

with other_shop.unit_of_work() as uow:
    assert uow.stock.position("SKU-1", "WH-SH").on_hand == 0

from salesorder.errors import RuleViolation

with database.unit_of_work() as uow:
    try:
        uow.stock.receive("S" * 129, "WH-SH", quantity=1, operation_id="po-78", at=at)
    except RuleViolation as error:
        assert error.code == "storage.value_too_long"
        assert error.params == {"field": "sku", "limit": 128}
    else:
        raise AssertionError("a SKU of 129 characters is refused")
    uow.stock.receive("SKU-2", "WH-SH", quantity=1, operation_id="po-79", at=at)
    uow.commit()  # the refused call wrote nothing; the transaction is intact

from datetime import timedelta

from salesorder.adapters.sql import OrderPage
from salesorder.order import Customer, Order, OrderLine
from salesorder.money import Money

shop = SqlDatabase(tenant_id="shop-3")
shop.create_schema()
with shop.unit_of_work() as uow:
    for k in range(5):
        uow.orders.add(
            Order(
                id=f"o-{k}",
                customer=Customer(id=f"C-{k % 2}", name="Example Trading Ltd."),
                currency="CNY",
                lines=(OrderLine("1", "SKU-1", "Widget", Decimal(1), unit_price=Money("9.90", "CNY")),),
                salesperson="S-WANG",
                created_at=at + timedelta(minutes=k),
            )
        )
    uow.commit()

with shop.unit_of_work() as uow:
    first = next(uow.orders.pages(customer_id="C-0", page_size=2))
    assert [order.id for order in first.orders] == ["o-0", "o-2"]
    assert first.next is not None

with shop.unit_of_work() as uow:  # later, elsewhere: resume after the cursor
    rest = [order.id for page in uow.orders.pages(customer_id="C-0", after=first.next) for order in page.orders]
    assert rest == ["o-4"]
    assert sum(1 for _ in uow.orders.iter_orders(salesperson="S-WANG")) == 5

with database.unit_of_work() as uow:
    assert uow.orders.find_invoices(customer_id="C-1", open_only=True) == []

with database.unit_of_work() as uow:
    print(uow.orders.credit_exposure("C-1", currency="CNY"))   # 0 CNY

with database.unit_of_work() as uow:
    reservation = uow.stock.reserve(
        "order-1", [ReservationLine("1", "SKU-1", Decimal(4))], operation_id="res-1", at=at
    )
    uow.outbox.add(uow.stock.drain_events())
    uow.commit()

with database.unit_of_work() as uow:
    again = uow.stock.reserve(
        "order-1", [ReservationLine("1", "SKU-1", Decimal(4))], operation_id="res-1", at=at
    )
    assert again == reservation  # the first result: nothing reserved twice
    position = uow.stock.position("SKU-1", "WH-SH")
    assert (position.on_hand, position.reserved) == (Decimal(10), Decimal(4))
