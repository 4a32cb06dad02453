"""Coupons through the service on SQL storage: usage limits under concurrent entries, release.

SQLite (a file, so that the threads' connections are separate) and PostgreSQL (when a
server is up, see ``conftest.py``): eight threads enter an order with a coupon limited
to three uses; exactly three are entered and the ledger counts three.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salesorder.adapters.memory import FixedClock
from salesorder.demo import START, cny, demo_price_list, tea_shop_payload
from salesorder.errors import ValidationFailed
from salesorder.pricing import Coupon, OrderAmountOff, Promotion, TaxPolicy
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase, SqlNumbering

FIFTY_OFF = Promotion("C50", "50 off", OrderAmountOff(cny(50)))
WORKERS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlDatabase]:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'coupons.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database_url")
    opened = SqlDatabase(url, tenant_id=tenant)
    opened.create_schema()
    yield opened
    opened.engine.dispose()


def service(database: SqlDatabase, *coupons: Coupon) -> OrderService:
    return OrderService(
        unit_of_work=database.unit_of_work,
        clock=FixedClock(START),
        numbering=SqlNumbering(database),
        pricing_settings=PricingSettings(
            price_list=demo_price_list(), coupon_book=coupons, tax=TaxPolicy.china_vat()
        ),
    )


def payload(customer_id: str = "C-10086") -> dict[str, Any]:
    data = tea_shop_payload(tea=2, cups=1)
    data["customer"] = {**data["customer"], "id": customer_id}
    data["coupons"] = ["THREE"]
    return data


def test_concurrent_entries_never_exceed_a_usage_limit(database: SqlDatabase) -> None:
    svc = service(database, Coupon("THREE", FIFTY_OFF, usage_limit=3))
    barrier = threading.Barrier(WORKERS, timeout=60)
    outcomes: list[str] = []

    def work(index: int) -> None:
        barrier.wait()
        try:
            svc.enter(payload(f"C-{index}"), actor="S-LI")
        except ValidationFailed as refused:
            outcomes.extend(issue.code for issue in refused.report.errors)
        else:
            outcomes.append("ok")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == sorted(["ok"] * 3 + ["coupon.usage_limit"] * (WORKERS - 3))
    with database.unit_of_work() as uow:
        assert uow.coupons.count("THREE") == 3
        assert len(uow.orders.find()) == 3


def test_an_order_comes_back_from_storage_with_its_pricing_terms(database: SqlDatabase) -> None:
    svc = service(database, Coupon("THREE", FIFTY_OFF))
    data = {**payload(), "order_discount": {"percent": "5"}}
    entered = svc.enter(data, actor="S-LI")
    stored = svc.get(entered.id)
    assert (stored.coupons, stored.order_discount) == (("THREE",), entered.order_discount)
    assert stored.locked_prices == entered.locked_prices
    assert svc.price_order(stored).grand_total == entered.grand_total


def test_cancelling_releases_the_coupon_for_another_order(database: SqlDatabase) -> None:
    svc = service(database, Coupon("THREE", FIFTY_OFF, usage_limit=1))
    first = svc.enter(payload(), actor="S-LI")
    with pytest.raises(ValidationFailed):
        svc.enter(payload(), actor="S-LI")
    svc.cancel(first.id, reason="customer_request", actor="S-LI")
    with database.unit_of_work() as uow:
        assert uow.coupons.count("THREE") == 0
    assert svc.enter(payload(), actor="S-LI").coupons == ("THREE",)
