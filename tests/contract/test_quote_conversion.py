"""Quotes stored in SQL convert into orders with the guarantees of the memory storage.

The same tests on the embedded default (memory) and on SQLite and PostgreSQL: a
conversion is one transaction (the order and the quote marked converted go in
together, or neither), a quote converts once (a second conversion, or one racing it,
is refused and leaves no order behind), an expired quote is refused without a trace,
a repeated idempotency key answers the first order, and the coupons quoted are
redeemed when the quote converts, once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.demo import START, cny, demo_price_list, tea_shop_payload
from salesorder.errors import ConcurrencyConflict, RuleViolation, ValidationFailed
from salesorder.pricing import Coupon, OrderAmountOff, Promotion, TaxPolicy
from salesorder.quotes import QuoteStatus
from salesorder.records import Status
from salesorder.service import OrderService
from salesorder.settings import PricingSettings

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")

from salesorder.adapters.sql import SqlDatabase, SqlNumbering

FIFTY_OFF = Promotion("C50", "50 off", OrderAmountOff(cny(50)))


class Rig:
    """A service over one storage, with its clock; ``orders()`` reads what is stored."""

    def __init__(self, database: Any, numbering: Any, quote_numbering: Any) -> None:
        self.database = database
        self.clock = FixedClock(START)
        self.service = OrderService(
            unit_of_work=database.unit_of_work,
            clock=self.clock,
            numbering=numbering,
            quote_numbering=quote_numbering,
            pricing_settings=PricingSettings(
                price_list=demo_price_list(),
                coupon_book=(Coupon("HALF", FIFTY_OFF, usage_limit=1),),
                tax=TaxPolicy.china_vat(),
            ),
        )
        with database.unit_of_work() as uow:
            for sku in ("TEA-LJ-250", "CUP-CER-6"):
                uow.stock.receive(sku, "SH-01", quantity=100, operation_id=f"o:{sku}", at=START)
            uow.stock.drain_events()
            uow.commit()

    def orders(self) -> list[Any]:
        with self.database.unit_of_work() as uow:
            return list(uow.orders.find())


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    if request.param == "memory":
        yield Rig(MemoryDatabase(), PatternNumbering(), PatternNumbering(prefix="QT"))
        return
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        database = SqlDatabase(tenant_id=tenant)
    else:
        database = SqlDatabase(request.getfixturevalue("postgres_database_url"), tenant_id=tenant)
    database.create_schema()
    yield Rig(database, SqlNumbering(database), SqlNumbering(database, prefix="QT"))
    database.engine.dispose()


def test_a_stored_quote_converts_into_a_draft_at_the_quoted_prices(rig: Rig) -> None:
    quote = rig.service.quote(tea_shop_payload(), actor="S-LI")
    rig.clock.advance(timedelta(hours=2))
    order = rig.service.convert_quote(quote.quote_id, actor="S-LI")
    assert order.status is Status.DRAFT
    assert order.grand_total == quote.total
    assert order.locked_prices == quote.order.locked_prices
    (stored_quote,) = rig.service.quotes()
    assert stored_quote.status is QuoteStatus.CONVERTED
    assert stored_quote.converted_order_id == order.id
    (stored,) = rig.orders()
    assert stored.id == order.id
    assert stored.number == order.number
    assert stored.grand_total == quote.total
    assert stored.version == 1


def test_an_expired_quote_is_refused_and_nothing_changes(rig: Rig) -> None:
    quote = rig.service.quote(tea_shop_payload(), actor="S-LI", valid_for=timedelta(days=1))
    rig.clock.advance(timedelta(days=1))
    with pytest.raises(RuleViolation) as caught:
        rig.service.convert_quote(quote.quote_id, actor="S-LI")
    assert caught.value.code == "quote.expired"
    assert rig.orders() == []
    assert rig.service.quotes() == [quote]


def test_a_quote_converts_once(rig: Rig) -> None:
    quote = rig.service.quote(tea_shop_payload(), actor="S-LI")
    first = rig.service.convert_quote(quote.quote_id, actor="S-LI")
    with pytest.raises(RuleViolation) as caught:
        rig.service.convert_quote(quote.quote_id, actor="S-LI")
    assert caught.value.code == "quote.not_open"
    assert [order.id for order in rig.orders()] == [first.id]


def test_a_repeated_idempotency_key_answers_the_first_order(rig: Rig) -> None:
    quote = rig.service.quote(tea_shop_payload(), actor="S-LI")
    first = rig.service.convert_quote(quote.quote_id, actor="S-LI", idempotency_key="c")
    again = rig.service.convert_quote(quote.quote_id, actor="S-LI", idempotency_key="c")
    assert again.id == first.id
    assert len(rig.orders()) == 1


def test_the_quoted_coupon_is_redeemed_when_the_quote_converts(rig: Rig) -> None:
    quote = rig.service.quote({**tea_shop_payload(), "coupons": ["HALF"]}, actor="S-LI")
    other = rig.service.quote({**tea_shop_payload(), "coupons": ["HALF"]}, actor="S-LI")
    order = rig.service.convert_quote(quote.quote_id, actor="S-LI")
    assert order.grand_total == quote.total
    # The coupon had one use: the second quote's conversion is refused, and leaves
    # neither an order nor its quote converted.
    with pytest.raises(ValidationFailed) as refused:
        rig.service.convert_quote(other.quote_id, actor="S-LI")
    assert [issue.code for issue in refused.value.report.issues] == ["coupon.usage_limit"]
    assert [o.id for o in rig.orders()] == [order.id]
    statuses = {q.quote_id: q.status for q in rig.service.quotes()}
    assert statuses == {quote.quote_id: QuoteStatus.CONVERTED, other.quote_id: QuoteStatus.OPEN}


def test_racing_conversions_leave_one_order(rig: Rig) -> None:
    quote = rig.service.quote(tea_shop_payload(), actor="S-LI")
    outcomes: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def convert() -> None:
        start.wait()
        try:
            result: object = rig.service.convert_quote(quote.quote_id, actor="S-LI")
        except (RuleViolation, ConcurrencyConflict) as refused:
            result = refused
        with lock:
            outcomes.append(result)

    _run(convert, 4)
    converted = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(outcomes) == 4
    assert len(converted) == 1
    (stored,) = rig.orders()
    assert stored.id == converted[0].id  # type: ignore[attr-defined]
    (stored_quote,) = rig.service.quotes()
    assert stored_quote.converted_order_id == stored.id


def _run(work: Callable[[], None], count: int) -> None:
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
