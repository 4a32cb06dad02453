"""Payments with states, refunds against payments and credit notes, applied payments, 月结.

Through the service on the embedded default (the lifecycle commands behind it are the
same functions), and the due date of month-end settlement terms.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from tests.unit.test_service_invoicing import World

from salesorder import invoicing, lifecycle
from salesorder.codec import decode, encode
from salesorder.errors import InvalidArgument, RuleViolation
from salesorder.events import PaymentConfirmed, PaymentRecorded, PaymentVoided, RefundRecorded
from salesorder.lifecycle import PaymentStatus
from salesorder.money import Money
from salesorder.notifications import DEFAULT_ROUTING
from salesorder.order import Order, PaymentTerms
from salesorder.records import Payment, PaymentKind, PaymentMethod, PaymentState
from salesorder.sla import WeekendCalendar


def cny(amount: str | int) -> Money:
    return Money(Decimal(amount), "CNY").quantize()


@pytest.fixture
def world() -> World:
    return World()


def _refused(world: World, order_id: str, code: str, call: object) -> None:
    before = encode(world.service.get(order_id))
    sent = world.sent()
    with pytest.raises((RuleViolation, InvalidArgument)) as info:
        call()  # type: ignore[operator]
    assert info.value.code == code
    assert encode(world.service.get(order_id)) == before
    assert world.sent() == sent


class TestStates:
    def test_a_payment_is_confirmed_by_default_as_before(self, world: World) -> None:
        order = world.confirmed()
        world.service.record_payment(order.id, amount=cny(10), actor="F", payment_id="P1")
        payment = world.service.get(order.id).payments[0]
        assert payment.state is PaymentState.CONFIRMED
        assert payment.method is None
        assert lifecycle.net_paid(world.service.get(order.id)) == cny(10)

    def test_a_pending_payment_is_not_money_until_confirmed(self, world: World) -> None:
        order = world.confirmed()
        total = order.grand_total
        assert total is not None
        world.service.record_payment(
            order.id, amount=total, actor="F", state="pending", method="card", payment_id="P1"
        )
        pending = world.service.get(order.id)
        assert pending.payments[0].state is PaymentState.PENDING
        assert pending.payments[0].method is PaymentMethod.CARD
        assert lifecycle.net_paid(pending) == cny(0)
        assert lifecycle.payment_status(pending) is PaymentStatus.UNPAID
        world.service.issue_invoice(order.id, actor="F")
        assert world.service.open_items(order.id).paid == cny(0)

        world.clock.advance(timedelta(hours=2))
        world.service.confirm_payment(order.id, payment_id="P1", actor="F")
        paid = world.service.get(order.id)
        assert paid.payments[0].state is PaymentState.CONFIRMED
        assert paid.payments[0].settled_at == world.clock.now()
        assert lifecycle.payment_status(paid) is PaymentStatus.PAID
        items = world.service.open_items(order.id)
        assert (items.paid, items.outstanding) == (total, cny(0))
        assert world.sent()[-1] == "PaymentConfirmed"
        assert paid.audit[-1].event == "confirm_payment"

    def test_a_pending_payment_confirmed_tomorrow_counts_from_tomorrow(self, world: World) -> None:
        order = world.confirmed()
        world.service.issue_invoice(order.id, actor="F")
        world.service.record_payment(
            order.id, amount=cny(10), actor="F", state="pending", payment_id="P1"
        )
        today = world.clock.now().date()
        world.clock.advance(timedelta(days=1))
        world.service.confirm_payment(order.id, payment_id="P1", actor="F")
        assert world.service.open_items(order.id, on=today).paid == cny(0)
        assert world.service.open_items(order.id).paid == cny(10)

    def test_a_failed_or_voided_payment_counts_for_nothing(self, world: World) -> None:
        order = world.confirmed()
        world.service.record_payment(
            order.id, amount=cny(10), actor="F", state="pending", payment_id="P1"
        )
        world.service.void_payment(order.id, payment_id="P1", actor="F", failed=True)
        world.service.record_payment(order.id, amount=cny(20), actor="F", payment_id="P2")
        world.service.void_payment(order.id, payment_id="P2", actor="F", reason="bounced")
        stored = world.service.get(order.id)
        assert [p.state for p in stored.payments] == [PaymentState.FAILED, PaymentState.VOIDED]
        assert lifecycle.net_paid(stored) == cny(0)
        assert lifecycle.payment_status(stored) is PaymentStatus.UNPAID
        assert stored.audit[-1].reason == "bounced"
        assert world.sent()[-3:] == ["PaymentVoided", "PaymentRecorded", "PaymentVoided"]

    def test_settling_twice_or_settling_a_final_payment_is_refused(self, world: World) -> None:
        order = world.confirmed()
        world.service.record_payment(
            order.id, amount=cny(10), actor="F", state="pending", payment_id="P1"
        )
        world.service.confirm_payment(order.id, payment_id="P1", actor="F")
        _refused(
            world,
            order.id,
            "lifecycle.payment.not_pending",
            lambda: world.service.confirm_payment(order.id, payment_id="P1", actor="F"),
        )
        _refused(
            world,
            order.id,
            "lifecycle.payment.final",
            lambda: world.service.void_payment(order.id, payment_id="P1", actor="F", failed=True),
        )
        world.service.void_payment(order.id, payment_id="P1", actor="F")
        _refused(
            world,
            order.id,
            "lifecycle.payment.final",
            lambda: world.service.void_payment(order.id, payment_id="P1", actor="F"),
        )
        _refused(
            world,
            order.id,
            "lifecycle.payment.not_pending",
            lambda: world.service.confirm_payment(order.id, payment_id="P1", actor="F"),
        )

    def test_unknown_payments_states_and_invoices_are_refused(self, world: World) -> None:
        order = world.confirmed()
        service = world.service
        _refused(
            world,
            order.id,
            "lifecycle.payment.unknown",
            lambda: service.confirm_payment(order.id, payment_id="nope", actor="F"),
        )
        _refused(
            world,
            order.id,
            "lifecycle.payment.state_invalid",
            lambda: service.record_payment(order.id, amount=cny(1), actor="F", state="voided"),
        )
        _refused(
            world,
            order.id,
            "argument.not_a_choice",
            lambda: service.record_payment(order.id, amount=cny(1), actor="F", method="barter"),
        )
        _refused(
            world,
            order.id,
            "lifecycle.payment.invoice_unknown",
            lambda: service.record_payment(
                order.id, amount=cny(1), actor="F", invoice_number="INV-X"
            ),
        )

    def test_a_refund_cannot_outlive_the_payment_it_stands_on(self, world: World) -> None:
        order = world.confirmed()
        world.service.record_payment(order.id, amount=cny(10), actor="F", payment_id="P1")
        world.service.record_refund(order.id, amount=cny(4), actor="F")
        _refused(
            world,
            order.id,
            "lifecycle.payment.refunded",
            lambda: world.service.void_payment(order.id, payment_id="P1", actor="F"),
        )

    def test_keys_are_idempotent_and_fingerprinted(self, world: World) -> None:
        order = world.confirmed()
        world.service.record_payment(
            order.id, amount=cny(10), actor="F", state="pending", payment_id="P1"
        )
        first = world.service.confirm_payment(
            order.id, payment_id="P1", actor="F", idempotency_key="c"
        )
        before = encode(world.service.get(order.id))
        again = world.service.confirm_payment(
            order.id, payment_id="P1", actor="F", idempotency_key="c"
        )
        assert again == first
        assert encode(world.service.get(order.id)) == before
        with pytest.raises(RuleViolation) as info:
            world.service.confirm_payment(order.id, payment_id="P2", actor="F", idempotency_key="c")
        assert info.value.code == "idempotency.conflict"
        world.service.record_payment(order.id, amount=cny(5), actor="F", idempotency_key="p")
        with pytest.raises(RuleViolation) as info:
            world.service.record_payment(
                order.id, amount=cny(5), actor="F", idempotency_key="p", state="pending"
            )
        assert info.value.code == "idempotency.conflict"


class TestRefundsAgainst:
    def test_a_refund_is_capped_by_the_payment_it_names(self, world: World) -> None:
        order = world.confirmed()
        world.service.record_payment(order.id, amount=cny(10), actor="F", payment_id="P1")
        world.service.record_payment(order.id, amount=cny(30), actor="F", payment_id="P2")
        world.service.record_refund(order.id, amount=cny(6), actor="F", refunded_payment="P1")
        _refused(
            world,
            order.id,
            "lifecycle.refund.exceeds_payment",
            lambda: world.service.record_refund(
                order.id, amount=cny(5), actor="F", refunded_payment="P1"
            ),
        )
        world.service.record_refund(order.id, amount=cny(4), actor="F", refunded_payment="P1")
        stored = world.service.get(order.id)
        assert lifecycle.refundable_on_payment(stored, "P1") == cny(0)
        assert lifecycle.refundable_on_payment(stored, "P2") == cny(30)
        assert stored.payments[-1].refunded_payment == "P1"

    def test_a_refund_names_only_a_confirmed_payment(self, world: World) -> None:
        order = world.confirmed()
        world.service.record_payment(order.id, amount=cny(10), actor="F", payment_id="P1")
        world.service.record_payment(
            order.id, amount=cny(10), actor="F", state="pending", payment_id="P2"
        )
        _refused(
            world,
            order.id,
            "lifecycle.refund.payment_unknown",
            lambda: world.service.record_refund(
                order.id, amount=cny(1), actor="F", refunded_payment="P2"
            ),
        )

    def test_a_refund_against_a_credit_note_is_capped_by_it(self, world: World) -> None:
        order = world.confirmed(tea=3)
        total = order.grand_total
        assert total is not None
        document = world.service.issue_invoice(order.id, actor="F")
        world.service.record_payment(order.id, amount=total, actor="F", payment_id="P1")
        note = world.service.issue_credit_note(
            order.id, invoice_number=document.number, actor="F", reason="return", lines={"1": 1}
        )
        _refused(
            world,
            order.id,
            "lifecycle.refund.exceeds_credit",
            lambda: world.service.record_refund(
                order.id, amount=note.gross_total + cny(1), actor="F", credit_note=note.number
            ),
        )
        _refused(
            world,
            order.id,
            "lifecycle.refund.credit_note_unknown",
            lambda: world.service.record_refund(
                order.id, amount=cny(1), actor="F", credit_note="CN-X"
            ),
        )
        world.service.record_refund(
            order.id,
            amount=note.gross_total,
            actor="F",
            credit_note=note.number,
            refunded_payment="P1",
            method="bank_transfer",
        )
        stored = world.service.get(order.id)
        assert lifecycle.refundable_on_credit_note(stored, note.number) == cny(0)
        items = world.service.open_items(order.id)
        assert items.outstanding == cny(0)
        assert items.outstanding == items.invoiced - items.credited - items.paid + items.refunded
        assert world.sent()[-1] == "RefundRecorded"


class TestAllocation:
    def test_a_payment_applied_to_an_invoice_settles_that_one_first(self, world: World) -> None:
        order = world.confirmed(tea=3)
        first = world.service.issue_invoice(order.id, actor="F", lines={"1": 1})
        world.clock.advance(timedelta(days=1))
        second = world.service.issue_invoice(order.id, actor="F", lines={"1": 1})
        world.service.record_payment(
            order.id, amount=second.gross_total, actor="F", invoice_number=second.number
        )
        open_numbers = [item.number for item in world.service.open_items(order.id).invoices]
        assert open_numbers == [first.number]

    def test_unapplied_money_goes_to_the_oldest_due_first(self, world: World) -> None:
        order = world.confirmed(tea=3)
        first = world.service.issue_invoice(order.id, actor="F", lines={"1": 1})
        world.clock.advance(timedelta(days=1))
        second = world.service.issue_invoice(order.id, actor="F", lines={"1": 1})
        world.service.record_payment(order.id, amount=first.gross_total, actor="F")
        open_numbers = [item.number for item in world.service.open_items(order.id).invoices]
        assert open_numbers == [second.number]


class TestMonthEnd:
    def _order(self, world: World, **terms: object) -> Order:
        order = world.confirmed()
        return attrs.evolve(order, payment_terms=PaymentTerms(**terms))  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("issued", "due_days", "expected"),
        [
            # Issued 2026-11-12: November ends on Monday the 30th; +30 days is Wednesday
            # 2026-12-30.
            (datetime(2026, 11, 12, 9, tzinfo=UTC), 30, date(2026, 12, 30)),
            # January ends on Sunday 2027-01-31; + 0 days, moved to Monday.
            (datetime(2027, 1, 5, 9, tzinfo=UTC), 0, date(2027, 2, 1)),
            # December rolls over into the next year: 2026-12-31 + 60 = 2027-03-01 (Mon).
            (datetime(2026, 12, 1, 9, tzinfo=UTC), 60, date(2027, 3, 1)),
            # February of a leap year: 2028-02-29 (Tue) + 15 = 2028-03-15 (Wed).
            (datetime(2028, 2, 3, 9, tzinfo=UTC), 15, date(2028, 3, 15)),
        ],
    )
    def test_month_end_settlement_counts_from_the_end_of_the_month(
        self, world: World, issued: datetime, due_days: int, expected: date
    ) -> None:
        order = self._order(world, month_end=True, due_days=due_days)
        assert invoicing.due_on(order, issued, WeekendCalendar()) == expected

    def test_without_month_end_the_days_count_from_the_issue_date(self, world: World) -> None:
        order = self._order(world, due_days=30)
        issued = datetime(2026, 11, 12, 9, tzinfo=UTC)
        assert invoicing.due_on(order, issued, WeekendCalendar()) == date(2026, 12, 14)

    def test_month_end_terms_come_in_through_the_gate(self, world: World) -> None:
        from salesorder.demo import tea_shop_payload

        payload = tea_shop_payload()
        payload["payment_terms"] = {"method": "on_account", "due_days": 30, "month_end": True}
        order = world.service.enter(payload, actor="S")
        assert order.payment_terms.month_end
        assert world.service.get(order.id).payment_terms == order.payment_terms


class TestRecords:
    def test_a_payment_with_states_round_trips_through_the_codec(self) -> None:
        at = datetime(2026, 11, 12, 9, tzinfo=UTC)
        payment = Payment(
            "R1",
            PaymentKind.REFUND,
            cny(5),
            at,
            "B",
            state=PaymentState.CONFIRMED,
            method=PaymentMethod.OTHER,
            settled_at=at,
            refunded_payment="P1",
            credit_note="CN-1",
            invoice_number=None,
        )
        assert decode(Payment, encode(payment)) == payment

    def test_a_payment_stored_before_states_reads_back_confirmed(self) -> None:
        stored = {
            "payment_id": "P1",
            "kind": "payment",
            "amount": {"amount": "5.00", "currency": "CNY"},
            "at": "2026-11-12T09:00:00+00:00",
            "reference": None,
        }
        payment = decode(Payment, stored)
        assert payment.state is PaymentState.CONFIRMED
        assert payment.counts

    def test_the_new_events_are_routed(self) -> None:
        for event in (PaymentConfirmed, PaymentVoided, PaymentRecorded, RefundRecorded):
            assert DEFAULT_ROUTING.audiences(_sample(event)), event.__name__


def _sample(
    kind: type[PaymentRecorded | PaymentConfirmed | PaymentVoided | RefundRecorded],
) -> object:
    at = datetime(2026, 11, 12, 9, tzinfo=UTC)
    common = {
        "occurred_at": at,
        "order_id": "O",
        "actor": "F",
        "source": "confirmed",
        "target": "confirmed",
        "revision": 1,
        "payment_id": "P",
        "amount": cny(1),
    }
    if kind is PaymentVoided:
        common["state"] = "voided"
    return kind(**common)  # type: ignore[arg-type]
