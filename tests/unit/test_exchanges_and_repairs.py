"""Exchanges open a linked replacement order; repairs go back out on their own shipment.

Issue 14: an exchange creates the replacement and settles any price difference exactly;
a repair is sent back as a shipment with states, and an order is not archived while a
repair is with the seller.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from _service_world import World, make_world

from salesorder import lifecycle
from salesorder.demo import cny
from salesorder.errors import RuleViolation, SalesOrderError
from salesorder.lifecycle import BillingStatus, LifecyclePolicy, PaymentStatus, ShipmentState
from salesorder.order import Order, OrderLine, OrderType
from salesorder.records import PaymentKind, ReturnKind, ReturnState, Status

CUPS = (OrderLine("1", "CUP-CER-6", "cup", Decimal(2)),)
ONE_CUP = (OrderLine("1", "CUP-CER-6", "cup", Decimal(1)),)


@pytest.fixture
def world() -> World:
    return make_world()


def approved_case(world: World, order_id: str, kind: str, *, tea: int = 1, rid: str = "X-1") -> str:
    world.service.request_return(
        order_id, kind=kind, lines={"1": tea}, reason="damaged", actor="CS", return_id=rid
    )
    world.service.approve_return(order_id, return_id=rid, actor="CS-LEAD")
    return rid


def replacement_of(world: World, order_id: str, return_id: str) -> Order:
    record = next(r for r in world.service.get(order_id).returns if r.return_id == return_id)
    assert record.replacement_order_id is not None
    return world.service.get(record.replacement_order_id)


def held_for(world: World, order_id: str) -> Decimal:
    return sum(
        (
            line.allocated + line.backordered
            for reservation in world.database.stock.reservations(order_id=order_id)
            if reservation.is_open
            for line in reservation.lines
        ),
        Decimal(0),
    )


class TestLikeForLikeExchange:
    def test_receipt_opens_a_confirmed_replacement_with_its_stock_reserved(
        self, world: World
    ) -> None:
        order = world.delivered(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        result = world.service.receive_return(order.id, return_id=rid, actor="W-SH")
        assert [event.name for event in result.events] == ["ReturnReceived", "ReplacementOrdered"]
        replacement = replacement_of(world, order.id, rid)
        assert replacement.order_type is OrderType.EXCHANGE
        assert replacement.status is Status.CONFIRMED
        assert replacement.customer == order.customer
        assert replacement.number is not None
        assert replacement.number != order.number
        assert [(line.sku, line.quantity) for line in replacement.lines] == [
            ("TEA-LJ-250", Decimal(1))
        ]
        assert replacement.grand_total == cny("0.00")
        assert replacement.ledger("1").reserved == 1
        assert held_for(world, replacement.id) == 1
        assert held_for(world, order.id) == 0
        # Defect 2 stays fixed: the exchanged unit is billed once, on the original order.
        assert lifecycle.billable_quantities(world.service.get(order.id)) == {"1": 3, "2": 1}
        assert lifecycle.billable_quantities(replacement) == {}

    def test_the_replacement_ships_on_its_own_records_and_completes(self, world: World) -> None:
        order = world.delivered(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        world.service.receive_return(order.id, return_id=rid, actor="W-SH")
        replacement = replacement_of(world, order.id, rid)
        world.service.ship(
            replacement.id, lines={"1": 1}, actor="W-SH", carrier="SF", tracking_number="SF1"
        )
        world.service.deliver(replacement.id, lines={"1": 1}, actor="W-SH")
        world.service.complete(replacement.id, actor="F-ZHOU")
        done = world.service.get(replacement.id)
        assert done.status is Status.COMPLETED
        assert [(s.state, s.carrier, s.tracking_number) for s in done.shipments] == [
            (ShipmentState.DELIVERED, "SF", "SF1")
        ]
        assert held_for(world, replacement.id) == 0
        original = world.service.get(order.id)
        assert original.shipments == order.shipments  # nothing shipped again on it
        assert original.ledger("1").shipped == 3

    def test_a_completed_order_exchanges_without_holding_stock_itself(self, world: World) -> None:
        order = world.paid(tea=2, cups=1)
        world.service.complete(order.id, actor="F-ZHOU")
        rid = approved_case(world, order.id, "exchange")
        world.service.receive_return(order.id, return_id=rid, actor="W-SH")
        assert world.service.get(order.id).status is Status.COMPLETED
        assert held_for(world, order.id) == 0
        assert held_for(world, replacement_of(world, order.id, rid).id) == 1


def test_a_free_replacement_does_not_expire_unpaid() -> None:
    # Paying first and expiring unpaid orders must not cancel a replacement that costs
    # nothing: there is no payment to wait for.
    policy = LifecyclePolicy(ship_only_after_payment=True, expire_unpaid_after=timedelta(hours=1))
    world = make_world(lifecycle_policy=policy)
    order = world.confirmed(tea=3, cups=1)
    world.service.record_payment(order.id, amount=order.grand_total, actor="F-ZHOU")
    world.service.ship(order.id, lines={"1": 3, "2": 1}, actor="W-SH")
    world.service.deliver(order.id, lines={"1": 3, "2": 1}, actor="W-SH")
    rid = approved_case(world, order.id, "exchange")
    world.service.receive_return(order.id, return_id=rid, actor="W-SH")
    replacement = replacement_of(world, order.id, rid)
    assert lifecycle.expiry_due(replacement, policy) is None
    world.clock.advance(timedelta(hours=2))
    world.service.expire_orders()
    assert world.service.get(replacement.id).status is Status.CONFIRMED


class TestExchangeForOtherGoods:
    def test_a_dearer_replacement_is_owed_the_difference(self, world: World) -> None:
        order = world.paid(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        credit = lifecycle.refund_for(
            world.service.get(order.id),
            (("1", Decimal(1)),),
            breakdown=world.service.price_order(world.service.get(order.id)),
        )
        result = world.service.receive_return(
            order.id, return_id=rid, actor="W-SH", replacement=CUPS
        )
        ordered = result.events[1]
        replacement = replacement_of(world, order.id, rid)
        total = replacement.grand_total
        assert total is not None
        assert total > credit
        assert ordered.credit == credit  # type: ignore[attr-defined]
        assert ordered.transferred == credit  # type: ignore[attr-defined]
        assert replacement.status is Status.CONFIRMED
        assert lifecycle.net_paid(replacement) == credit
        assert lifecycle.payment_status(replacement) is PaymentStatus.PARTIALLY_PAID
        original = world.service.get(order.id)
        # The unit given back is credited here; the original is exactly settled.
        assert original.ledger("1").returned == 1
        assert lifecycle.net_paid(original) == lifecycle.amount_due(original)
        moved = lifecycle.exchange_reference(replacement.id)
        assert [p.kind for p in original.payments if p.reference == moved] == [PaymentKind.REFUND]
        # The customer pays the difference on the replacement, which then completes.
        world.service.ship(replacement.id, lines={"1": 2}, actor="W-SH")
        world.service.deliver(replacement.id, lines={"1": 2}, actor="W-SH")
        world.service.invoice(replacement.id, actor="F-ZHOU")
        world.service.record_payment(replacement.id, amount=total - credit, actor="F-ZHOU")
        world.service.complete(replacement.id, actor="F-ZHOU")
        assert world.service.get(replacement.id).status is Status.COMPLETED

    def test_a_cheaper_replacement_leaves_a_refund_due(self, world: World) -> None:
        order = world.paid(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        result = world.service.receive_return(
            order.id, return_id=rid, actor="W-SH", replacement=ONE_CUP, refund=True
        )
        replacement = replacement_of(world, order.id, rid)
        total = replacement.grand_total
        assert total is not None
        names = [event.name for event in result.events]
        assert names == ["ReturnReceived", "ReplacementOrdered", "RefundDue"]
        credit = result.events[1].credit  # type: ignore[attr-defined]
        assert credit > total
        assert result.events[2].amount == credit - total  # type: ignore[attr-defined]
        assert lifecycle.payment_status(replacement) is PaymentStatus.PAID
        original = world.service.get(order.id)
        cash = [
            p.amount
            for p in original.payments
            if p.kind is PaymentKind.REFUND and p.reference is None
        ]
        assert cash == [credit - total]  # the short path paid the rest back, once
        assert lifecycle.net_paid(original) == lifecycle.amount_due(original)

    def test_an_unpaid_original_carries_nothing_over(self, world: World) -> None:
        order = world.delivered(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        world.service.receive_return(order.id, return_id=rid, actor="W-SH", replacement=CUPS)
        replacement = replacement_of(world, order.id, rid)
        assert replacement.payments == ()
        original = world.service.get(order.id)
        assert lifecycle.billable_quantities(original) == {"1": 2, "2": 1}
        assert lifecycle.billable_quantities(replacement) == {"1": 2}

    def test_billing_stays_exact_across_the_pair(self, world: World) -> None:
        # What the customer is invoiced in all, over the order and its replacement, is
        # what they keep: two teas and a cup here, two cups there.
        order = world.delivered(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        world.service.receive_return(order.id, return_id=rid, actor="W-SH", replacement=CUPS)
        replacement = replacement_of(world, order.id, rid)
        world.service.invoice(order.id, actor="F-ZHOU")
        world.service.ship(replacement.id, lines={"1": 2}, actor="W-SH")
        world.service.deliver(replacement.id, lines={"1": 2}, actor="W-SH")
        world.service.invoice(replacement.id, actor="F-ZHOU")
        for each in (order.id, replacement.id):
            stored = world.service.get(each)
            assert lifecycle.billing_status(stored) is BillingStatus.FULL
        original = world.service.get(order.id)
        assert original.invoices[-1].lines == (("1", Decimal(2)), ("2", Decimal(1)))
        assert original.invoices[-1].amount == lifecycle.amount_due(original)

    def test_a_replacement_that_cannot_be_priced_changes_nothing(self, world: World) -> None:
        order = world.paid(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        before = world.state()
        unknown = (OrderLine("1", "NO-SUCH-SKU", "ghost", Decimal(1)),)
        with pytest.raises(SalesOrderError):
            world.service.receive_return(order.id, return_id=rid, actor="W-SH", replacement=unknown)
        assert world.state() == before

    def test_a_retry_opens_no_second_replacement_and_a_changed_retry_is_refused(
        self, world: World
    ) -> None:
        order = world.paid(tea=3, cups=1)
        rid = approved_case(world, order.id, "exchange")
        first = world.service.receive_return(
            order.id, return_id=rid, actor="W-SH", replacement=CUPS, idempotency_key="r-1"
        )
        again = world.service.receive_return(
            order.id, return_id=rid, actor="W-SH", replacement=CUPS, idempotency_key="r-1"
        )
        assert again.events == first.events
        assert len(world.database.orders.snapshot()) == 2
        with pytest.raises(SalesOrderError) as conflict:
            world.service.receive_return(
                order.id, return_id=rid, actor="W-SH", replacement=ONE_CUP, idempotency_key="r-1"
            )
        assert conflict.value.code == "idempotency.conflict"
        assert len(world.database.orders.snapshot()) == 2


class TestRepairs:
    def received(self, world: World, *, paid: bool = True) -> tuple[str, str]:
        order = world.paid(tea=2, cups=1) if paid else world.delivered(tea=2, cups=1)
        rid = approved_case(world, order.id, "repair", rid="FIX-1")
        before = world.database.stock.positions()
        world.service.receive_return(order.id, return_id=rid, actor="W-SH")
        # The unit is the customer's: receiving it for repair moves no stock.
        assert world.database.stock.positions() == before
        return order.id, rid

    def test_a_repair_goes_back_out_and_is_signed_for(self, world: World) -> None:
        order_id, rid = self.received(world)
        before = world.database.stock.positions()
        shipped = world.service.ship_repair(
            order_id, return_id=rid, actor="W-SH", carrier="SF", tracking_number="SF9"
        )
        assert [event.name for event in shipped.events] == ["RepairShipped"]
        record = world.service.get(order_id).returns[-1]
        assert record.back is not None
        assert (record.back.state, record.back.carrier, record.back.tracking_number) == (
            ShipmentState.SHIPPED,
            "SF",
            "SF9",
        )
        assert record.back.lines == record.lines
        world.service.deliver_repair(order_id, return_id=rid, actor="W-SH")
        record = world.service.get(order_id).returns[-1]
        assert record.back is not None
        assert record.back.state is ShipmentState.DELIVERED
        assert world.database.stock.positions() == before
        order = world.service.get(order_id)
        assert len(order.invoices) == 1  # nothing billed again for the repair
        assert lifecycle.billable_quantities(order) == {}
        assert order.ledger("1").shipped == 2  # the order's own shipments are untouched

    def test_an_order_is_not_archived_while_a_repair_is_with_the_seller(self, world: World) -> None:
        order_id, rid = self.received(world)
        before = world.state()
        with pytest.raises(RuleViolation) as caught:
            world.service.complete(order_id, actor="F-ZHOU")
        assert caught.value.code == "lifecycle.repair.with_seller"
        assert caught.value.params == {"return_id": rid}
        assert world.state() == before
        assert lifecycle.repairs_with_seller(world.service.get(order_id)) == (rid,)
        world.service.ship_repair(order_id, return_id=rid, actor="W-SH")
        world.service.complete(order_id, actor="F-ZHOU")
        assert world.service.get(order_id).status is Status.COMPLETED

    def test_a_short_closed_order_ships_its_repair_back_first(self, world: World) -> None:
        order = world.confirmed(tea=2, cups=1)
        world.service.ship(order.id, lines={"1": 2}, actor="W-SH")
        world.service.deliver(order.id, lines={"1": 2}, actor="W-SH")
        rid = approved_case(world, order.id, "repair", rid="FIX-2")
        world.service.receive_return(order.id, return_id=rid, actor="W-SH")
        with pytest.raises(RuleViolation) as caught:
            world.service.close(order.id, reason="short", actor="S-LI")
        assert caught.value.code == "lifecycle.repair.with_seller"
        world.service.ship_repair(order.id, return_id=rid, actor="W-SH")
        world.service.close(order.id, reason="short", actor="S-LI")
        assert world.service.get(order.id).status is Status.CLOSED

    def test_an_archived_order_sends_back_a_repair_taken_in_its_window(self, world: World) -> None:
        order = world.paid(tea=2, cups=1)
        world.service.complete(order.id, actor="F-ZHOU")
        rid = approved_case(world, order.id, "repair", rid="FIX-3")
        world.service.receive_return(order.id, return_id=rid, actor="W-SH")
        world.service.ship_repair(order.id, return_id=rid, actor="W-SH")
        world.service.deliver_repair(order.id, return_id=rid, actor="W-SH")
        stored = world.service.get(order.id)
        assert stored.status is Status.COMPLETED
        assert stored.returns[-1].back is not None
        assert stored.returns[-1].back.state is ShipmentState.DELIVERED

    @pytest.mark.parametrize(
        ("setup", "code"),
        [
            ("return", "lifecycle.repair.not_repair"),
            ("approved", "lifecycle.return.wrong_state"),
            ("shipped", "lifecycle.repair.shipment_state"),
            ("unknown", "lifecycle.return.not_found"),
        ],
    )
    def test_shipping_back_is_refused_with_a_code(
        self, world: World, setup: str, code: str
    ) -> None:
        order = world.paid(tea=2, cups=1)
        kind = "return" if setup == "return" else "repair"
        rid = approved_case(world, order.id, kind, rid="FIX-4")
        if setup in {"return", "shipped"}:
            world.service.receive_return(order.id, return_id=rid, actor="W-SH")
        if setup == "shipped":
            world.service.ship_repair(order.id, return_id=rid, actor="W-SH")
        before = world.state()
        with pytest.raises(RuleViolation) as caught:
            world.service.ship_repair(
                order.id, return_id="nope" if setup == "unknown" else rid, actor="W-SH"
            )
        assert caught.value.code == code
        assert world.state() == before

    def test_signing_for_a_repair_not_shipped_back_is_refused(self, world: World) -> None:
        order_id, rid = self.received(world)
        with pytest.raises(RuleViolation) as caught:
            world.service.deliver_repair(order_id, return_id=rid, actor="W-SH")
        assert caught.value.code == "lifecycle.repair.shipment_state"
        assert caught.value.params["state"] == "none"

    def test_a_key_reused_for_another_shipment_back_is_refused(self, world: World) -> None:
        order_id, rid = self.received(world)
        world.service.ship_repair(
            order_id, return_id=rid, actor="W-SH", carrier="SF", idempotency_key="b-1"
        )
        world.service.ship_repair(
            order_id, return_id=rid, actor="W-SH", carrier="SF", idempotency_key="b-1"
        )
        with pytest.raises(SalesOrderError) as conflict:
            world.service.ship_repair(
                order_id, return_id=rid, actor="W-SH", carrier="JD", idempotency_key="b-1"
            )
        assert conflict.value.code == "idempotency.conflict"

    def test_the_kind_and_state_names_read_back(self, world: World) -> None:
        order_id, _ = self.received(world)
        record = world.service.get(order_id).returns[-1]
        assert (record.kind, record.state) == (ReturnKind.REPAIR, ReturnState.RECEIVED)


class TestReplacementArguments:
    @pytest.mark.parametrize("kind", ["return", "repair"])
    def test_only_an_exchange_takes_replacement_goods(self, world: World, kind: str) -> None:
        order = world.paid(tea=2, cups=1)
        rid = approved_case(world, order.id, kind)
        before = world.state()
        with pytest.raises(RuleViolation) as caught:
            world.service.receive_return(order.id, return_id=rid, actor="W-SH", replacement=CUPS)
        assert caught.value.code == "lifecycle.return.not_exchange"
        assert world.state() == before

    def test_an_empty_replacement_is_refused(self, world: World) -> None:
        order = world.paid(tea=2, cups=1)
        rid = approved_case(world, order.id, "exchange")
        before = world.state()
        with pytest.raises(SalesOrderError) as caught:
            world.service.receive_return(order.id, return_id=rid, actor="W-SH", replacement=[])
        assert caught.value.code == "argument.invalid"
        assert world.state() == before
