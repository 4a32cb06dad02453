"""After-sales on archived orders (issue 14, defects 4 and 5) through the service.

An archived order never changes status again, but completed orders take returns within
the after-sales window, cancelled orders record the refund of what they collected, and
closed orders bill and collect what they delivered. No order is left without a way to
an archived status.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from _service_world import World, make_world

from salesorder import lifecycle
from salesorder.demo import START, cny
from salesorder.errors import IllegalTransition, InvalidOrder, RuleViolation
from salesorder.lifecycle import BillingStatus, LifecyclePolicy, PaymentStatus, ReturnStatus
from salesorder.records import PaymentKind, Status


@pytest.fixture
def world() -> World:
    return make_world()


def completed(world: World) -> str:
    """A tea shop order delivered, invoiced, paid and completed at START (a Monday)."""
    order = world.paid(tea=2, cups=1)
    world.service.complete(order.id, actor="F-ZHOU")
    assert world.service.get(order.id).status is Status.COMPLETED
    return order.id


def return_tea(world: World, order_id: str, *, return_id: str = "RMA-1", tea: int = 1) -> None:
    world.service.request_return(
        order_id,
        kind="return",
        lines={"1": tea},
        reason="damaged",
        actor="CS",
        return_id=return_id,
    )
    world.service.approve_return(order_id, return_id=return_id, actor="CS-LEAD")


class TestCompletedOrders:
    def test_a_completed_order_takes_a_return_and_its_refund(self, world: World) -> None:
        order_id = completed(world)
        world.clock.advance(timedelta(days=3))
        return_tea(world, order_id)
        world.service.receive_return(order_id, return_id="RMA-1", actor="W-SH")
        order = world.service.get(order_id)
        assert order.status is Status.COMPLETED
        (record,) = order.returns
        assert record.return_id == "RMA-1"
        assert record.refund is not None
        assert lifecycle.payment_status(order) is PaymentStatus.OVERPAID
        world.service.record_refund(order_id, amount=record.refund, actor="F-ZHOU")
        order = world.service.get(order_id)
        assert lifecycle.payment_status(order) is PaymentStatus.PAID
        assert order.status is Status.COMPLETED

    def test_the_window_counts_working_days_from_completion(self, world: World) -> None:
        order_id = completed(world)
        # 15 working days after Monday 23 November 09:00 is Monday 14 December 09:00.
        world.clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=START.tzinfo))
        return_tea(world, order_id, return_id="RMA-IN-TIME")
        world.clock.advance(timedelta(minutes=1))
        before = world.state()
        with pytest.raises(RuleViolation) as caught:
            world.service.request_return(
                order_id, kind="return", lines={"1": 1}, reason="late", actor="CS"
            )
        assert caught.value.code == "lifecycle.return.window_closed"
        assert "2026-12-14" in str(caught.value)
        assert world.state() == before

    def test_a_request_made_in_time_is_received_after_the_window(self, world: World) -> None:
        order_id = completed(world)
        return_tea(world, order_id)
        world.clock.advance(timedelta(days=60))
        world.service.receive_return(order_id, return_id="RMA-1", actor="W-SH", refund=True)
        order = world.service.get(order_id)
        assert lifecycle.payment_status(order) is PaymentStatus.PAID

    def test_no_window_when_the_policy_says_none(self) -> None:
        world = make_world(lifecycle_policy=LifecyclePolicy(after_sales_days=None))
        order_id = completed(world)
        world.clock.advance(timedelta(days=400))
        return_tea(world, order_id)
        assert world.service.get(order_id).returns[0].return_id == "RMA-1"

    @pytest.mark.parametrize("days", [-1, 1.5, "15", True])
    def test_a_malformed_window_is_refused_with_a_code(self, days: object) -> None:
        with pytest.raises(InvalidOrder) as caught:
            LifecyclePolicy(after_sales_days=days)  # type: ignore[arg-type]
        assert caught.value.code == "lifecycle.policy.invalid"

    def test_commercial_terms_stay_frozen(self, world: World) -> None:
        order_id = completed(world)
        before = world.state()
        for attempt in (
            lambda: world.service.cancel(order_id, reason="x", actor="S-LI"),
            lambda: world.service.invoice(order_id, actor="F-ZHOU", amount=cny(1)),
            lambda: world.service.record_payment(order_id, amount=cny(1), actor="F-ZHOU"),
            lambda: world.service.hold(order_id, reason="x", actor="S-LI"),
        ):
            with pytest.raises(IllegalTransition) as caught:
                attempt()
            assert caught.value.code == "lifecycle.archived"
        assert world.state() == before


class TestShortPathRefund:
    def test_receiving_with_refund_pays_back_in_the_same_unit_of_work(self, world: World) -> None:
        order_id = world.paid(tea=2, cups=1).id
        return_tea(world, order_id)
        result = world.service.receive_return(
            order_id, return_id="RMA-1", actor="W-SH", refund=True, refund_reference="BANK-9"
        )
        assert result.event == "receive_return"
        order = world.service.get(order_id)
        (refund,) = [p for p in order.payments if p.kind is PaymentKind.REFUND]
        assert refund.amount == order.returns[0].refund
        assert refund.reference == "BANK-9"
        delivered = list(dict.fromkeys(event.name for event, _ in world.notifier.sent))
        assert delivered[-3:] == ["ReturnReceived", "RefundDue", "RefundRecorded"]

    def test_nothing_paid_means_nothing_paid_back(self, world: World) -> None:
        order = world.delivered(tea=2, cups=1)
        return_tea(world, order.id)
        world.service.receive_return(order.id, return_id="RMA-1", actor="W-SH", refund=True)
        assert world.service.get(order.id).payments == ()

    def test_a_repeated_key_refunds_once(self, world: World) -> None:
        order_id = world.paid(tea=2, cups=1).id
        return_tea(world, order_id)
        for _ in range(2):
            world.service.receive_return(
                order_id, return_id="RMA-1", actor="W-SH", refund=True, idempotency_key="rcv-1"
            )
        order = world.service.get(order_id)
        assert [p.kind for p in order.payments] == [PaymentKind.PAYMENT, PaymentKind.REFUND]


class TestCancelledOrders:
    def test_a_cancelled_order_records_the_refund_of_what_it_collected(self, world: World) -> None:
        order = world.confirmed(tea=2, cups=1)
        world.service.record_payment(order.id, amount=cny(50), actor="F-ZHOU")
        world.service.cancel(order.id, reason="customer", actor="S-LI")
        before = world.state()
        with pytest.raises(RuleViolation) as caught:
            world.service.record_refund(order.id, amount=cny(51), actor="F-ZHOU")
        assert caught.value.code == "lifecycle.refund.exceeds_paid"
        assert world.state() == before
        world.service.record_refund(order.id, amount=cny(50), actor="F-ZHOU")
        cancelled = world.service.get(order.id)
        assert cancelled.status is Status.CANCELLED
        assert lifecycle.payment_status(cancelled) is PaymentStatus.REFUNDED


class TestClosedOrders:
    def test_a_closed_order_bills_and_collects_what_it_delivered(self, world: World) -> None:
        order = world.confirmed(tea=2, cups=1)
        world.service.ship(order.id, lines={"1": 1}, actor="W-SH")
        world.service.deliver(order.id, lines={"1": 1}, actor="W-SH")
        world.service.close(order.id, reason="short", actor="S-LI")
        closed = world.service.get(order.id)
        assert closed.status is Status.CLOSED
        assert lifecycle.billable_quantities(closed) == {"1": 1}
        world.service.invoice(order.id, actor="F-ZHOU")
        invoiced = world.service.get(order.id)
        assert invoiced.ledger("1").invoiced == 1
        assert invoiced.ledger("2").invoiced == 0
        assert lifecycle.billing_status(invoiced) is BillingStatus.FULL
        world.service.record_payment(order.id, amount=invoiced.invoices[0].amount, actor="F")
        assert world.service.get(order.id).status is Status.CLOSED

    def test_a_closed_order_refuses_more_than_it_delivered(self, world: World) -> None:
        order = world.confirmed(tea=2, cups=1)
        world.service.ship(order.id, lines={"1": 1}, actor="W-SH")
        world.service.deliver(order.id, lines={"1": 1}, actor="W-SH")
        world.service.close(order.id, reason="short", actor="S-LI")
        with pytest.raises(RuleViolation) as caught:
            world.service.invoice(order.id, lines={"1": 2}, actor="F-ZHOU")
        assert caught.value.code == "lifecycle.invoice.exceeds_billable"


class TestFullyReturnedOrders:
    """Defect 4: an order returned in full can always be archived."""

    def test_never_invoiced_nor_paid_it_completes(self, world: World) -> None:
        order = world.delivered(tea=2, cups=1)
        world.service.request_return(
            order.id, kind="return", lines={"1": 2, "2": 1}, reason="x", actor="CS", return_id="R"
        )
        world.service.approve_return(order.id, return_id="R", actor="CS-LEAD")
        world.service.receive_return(order.id, return_id="R", actor="W-SH")
        world.service.complete(order.id, actor="F-ZHOU")
        assert world.service.get(order.id).status is Status.COMPLETED

    def test_paid_it_completes_once_refunded(self, world: World) -> None:
        order = world.delivered(tea=2, cups=1)
        total = world.service.get(order.id).grand_total
        assert total is not None
        world.service.record_payment(order.id, amount=total, actor="F-ZHOU")
        world.service.request_return(
            order.id, kind="return", lines={"1": 2, "2": 1}, reason="x", actor="CS", return_id="R"
        )
        world.service.approve_return(order.id, return_id="R", actor="CS-LEAD")
        world.service.receive_return(order.id, return_id="R", actor="W-SH")
        with pytest.raises(IllegalTransition) as caught:
            world.service.complete(order.id, actor="F-ZHOU")
        assert caught.value.code == "lifecycle.complete.not_paid"
        world.service.record_refund(order.id, amount=total, actor="F-ZHOU")
        world.service.complete(order.id, actor="F-ZHOU")
        assert world.service.get(order.id).status is Status.COMPLETED


class TestReturnStatus:
    def test_it_follows_what_came_back_for_good(self, world: World) -> None:
        order = world.delivered(tea=2, cups=1)
        assert lifecycle.return_status(order) is ReturnStatus.NONE
        world.service.request_return(
            order.id, kind="exchange", lines={"2": 1}, reason="x", actor="CS", return_id="X"
        )
        world.service.approve_return(order.id, return_id="X", actor="CS-LEAD")
        world.service.receive_return(order.id, return_id="X", actor="W-SH")
        # An exchanged unit stays with the customer: nothing came back for good.
        assert lifecycle.return_status(world.service.get(order.id)) is ReturnStatus.NONE
        return_tea(world, order.id, return_id="R-1", tea=1)
        world.service.receive_return(order.id, return_id="R-1", actor="W-SH")
        partly = world.service.get(order.id)
        assert lifecycle.return_status(partly) is ReturnStatus.PARTIALLY_RETURNED
        world.service.request_return(
            order.id, kind="return", lines={"1": 1, "2": 1}, reason="x", actor="CS", return_id="R2"
        )
        world.service.approve_return(order.id, return_id="R2", actor="CS-LEAD")
        assert lifecycle.return_status(world.service.get(order.id)) is (
            ReturnStatus.PARTIALLY_RETURNED
        )
        world.service.receive_return(order.id, return_id="R2", actor="W-SH")
        assert lifecycle.return_status(world.service.get(order.id)) is ReturnStatus.RETURNED
