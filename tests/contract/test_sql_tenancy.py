"""Multi-tenant SQL: one tenant can never read or change another's data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from salesorder.errors import NotFound
from salesorder.testing.contracts import sample_event, sample_order

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase, SqlNumbering

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_orders_of_one_tenant_are_invisible_to_another(sql_database: SqlDatabase) -> None:
    mine, theirs = sql_database, sql_database.for_tenant(sql_database.tenant_id + "-other")
    order = sample_order(number="SO-T-1", customer_id="C-1")
    with mine.unit_of_work() as uow:
        uow.orders.add(order)
        uow.commit()
    with theirs.unit_of_work() as uow:
        with pytest.raises(NotFound):
            uow.orders.get(order.id)
        assert uow.orders.find_by_number("SO-T-1") is None
        assert list(uow.orders.find(customer_id="C-1")) == []
        assert list(uow.orders.find()) == []
        with pytest.raises(NotFound):
            uow.orders.save(order, expected_version=1)
        # The same number is free in the other tenant.
        uow.orders.add(sample_order(number="SO-T-1"))
        uow.commit()
    with mine.unit_of_work() as uow:
        assert uow.orders.get(order.id).version == 1
        assert len(uow.orders.find()) == 1


def test_outbox_quotes_keys_and_numbers_are_per_tenant(sql_database: SqlDatabase) -> None:
    mine, theirs = sql_database, sql_database.for_tenant(sql_database.tenant_id + "-other")
    with mine.unit_of_work() as uow:
        uow.outbox.add([sample_event(1)])
        uow.idempotency.put("enter:k1", "order-1")
        uow.coupons.redeem("SAVE", customer_id="C-1", order_id="o-1")
        uow.commit()
    with theirs.unit_of_work() as uow:
        assert list(uow.outbox.pending()) == []
        assert uow.idempotency.get("enter:k1") is None
        assert uow.coupons.count("SAVE") == 0
    with mine.unit_of_work() as uow:
        assert len(uow.outbox.pending()) == 1
    assert SqlNumbering(mine).next_number(at=AT) == "SO-202611-000001"
    assert SqlNumbering(theirs).next_number(at=AT) == "SO-202611-000001"
    assert SqlNumbering(mine).next_number(at=AT) == "SO-202611-000002"


def test_a_quote_replaced_since_it_was_loaded_is_a_conflict(sql_database: SqlDatabase) -> None:
    from datetime import timedelta

    from salesorder.errors import ConcurrencyConflict
    from salesorder.money import Money
    from salesorder.quotes import Quote

    quote = Quote(
        quote_id="q-1",
        number="QT-1",
        order=sample_order(),
        total=Money("20.00", "CNY"),
        created_at=AT,
        valid_until=AT + timedelta(days=1),
    )
    with sql_database.unit_of_work() as uow:
        uow.quotes.put(quote, expected=None)
        uow.commit()
    with sql_database.unit_of_work() as uow:
        loaded = uow.quotes.get("q-1")
        uow.quotes.put(loaded.converted("o-1"), expected=loaded)
        uow.commit()
    # Not loaded in this unit of work: the caller's copy may be stale.
    with sql_database.unit_of_work() as uow, pytest.raises(ConcurrencyConflict):
        uow.quotes.put(quote.converted("o-2"), expected=quote)
    with sql_database.unit_of_work() as uow:
        stored = uow.quotes.get("q-1")
        assert stored.converted_order_id == "o-1"
        with pytest.raises(ConcurrencyConflict):
            uow.quotes.put(quote, expected=None)
        assert [q.quote_id for q in uow.quotes.all()] == ["q-1"]
