"""Derived statuses at their boundaries (kills mutants of ``_lifecycle/statuses.py``).

Orders are built with their ledgers and payments directly, so each case sits exactly on
the edge a comparison decides: nothing, one unit short, all of it, one more (issue 13,
mutation testing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from salesorder.lifecycle import (
    BillingStatus,
    FulfilmentStatus,
    PaymentStatus,
    ReturnStatus,
    amount_due,
    billable_quantities,
    billing_status,
    fulfilment_status,
    net_paid,
    payment_status,
    return_status,
)
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine
from salesorder.records import (
    LineLedger,
    Payment,
    PaymentKind,
    ReturnKind,
    ReturnRecord,
    ReturnState,
    Status,
)

AT = datetime(2026, 11, 2, tzinfo=UTC)
D = Decimal


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def _order(
    *ledgers: LineLedger,
    status: Status = Status.CONFIRMED,
    grand_total: Money | None = None,
    payments: tuple[Payment, ...] = (),
    returns: tuple[ReturnRecord, ...] = (),
) -> Order:
    return Order(
        id="O-1",
        customer=Customer(id="C-1", name="-"),
        currency="CNY",
        lines=(OrderLine("1", "A", "a", D(3)), OrderLine("2", "B", "b", D(2))),
        status=status,
        grand_total=grand_total,
        ledgers=ledgers,
        payments=payments,
        returns=returns,
    )


def _paid(*amounts: int, refunds: tuple[int, ...] = ()) -> tuple[Payment, ...]:
    made = [Payment(f"P{i}", PaymentKind.PAYMENT, cny(a), AT) for i, a in enumerate(amounts)]
    back = [Payment(f"R{i}", PaymentKind.REFUND, cny(a), AT) for i, a in enumerate(refunds)]
    return (*made, *back)


class TestFulfilment:
    @pytest.mark.parametrize(
        ("shipped", "status"),
        [
            ((0, 0), FulfilmentStatus.NONE),
            ((1, 0), FulfilmentStatus.PARTIAL),
            ((0, 1), FulfilmentStatus.PARTIAL),
            ((3, 1), FulfilmentStatus.PARTIAL),
            (("2.9", 2), FulfilmentStatus.PARTIAL),
            ((3, 2), FulfilmentStatus.FULL),
            ((4, 2), FulfilmentStatus.FULL),
        ],
    )
    def test_shipped_against_ordered(self, shipped: tuple[int | str, int], status: str) -> None:
        order = _order(
            LineLedger("1", shipped=D(shipped[0])), LineLedger("2", shipped=D(shipped[1]))
        )
        assert fulfilment_status(order) is status

    def test_values(self) -> None:
        assert [s.value for s in FulfilmentStatus] == ["none", "partial", "full"]
        assert [s.value for s in BillingStatus] == ["none", "partial", "full"]
        assert [s.value for s in ReturnStatus] == ["none", "partially_returned", "returned"]
        assert [s.value for s in PaymentStatus] == [
            "unpaid",
            "partially_paid",
            "paid",
            "overpaid",
            "refunded",
        ]


class TestReturns:
    @pytest.mark.parametrize(
        ("delivered", "returned", "status"),
        [
            ((3, 2), (0, 0), ReturnStatus.NONE),
            ((3, 2), (1, 0), ReturnStatus.PARTIALLY_RETURNED),
            ((3, 2), (0, 2), ReturnStatus.PARTIALLY_RETURNED),
            ((3, 2), (3, 1), ReturnStatus.PARTIALLY_RETURNED),
            ((3, 2), (3, 2), ReturnStatus.RETURNED),
            ((3, 0), (3, 0), ReturnStatus.RETURNED),
        ],
    )
    def test_returned_against_delivered(
        self, delivered: tuple[int, int], returned: tuple[int, int], status: str
    ) -> None:
        order = _order(
            LineLedger("1", delivered=D(delivered[0]), returned=D(returned[0])),
            LineLedger("2", delivered=D(delivered[1]), returned=D(returned[1])),
        )
        assert return_status(order) is status

    def test_nothing_delivered_nothing_returned(self) -> None:
        assert return_status(_order()) is ReturnStatus.NONE


class TestBilling:
    def test_billable_is_ordered_less_returned_less_invoiced(self) -> None:
        order = _order(
            LineLedger("1", delivered=D(3), invoiced=D(1), returned=D(1)),
            LineLedger("2", delivered=D(2), invoiced=D("1.5")),
        )
        assert billable_quantities(order) == {"1": D(1), "2": D("0.5")}
        assert billing_status(order) is BillingStatus.PARTIAL

    def test_a_line_with_nothing_left_is_left_out(self) -> None:
        order = _order(
            LineLedger("1", invoiced=D(3)), LineLedger("2", invoiced=D(1), returned=D(1))
        )
        assert billable_quantities(order) == {}
        assert billing_status(order) is BillingStatus.FULL

    def test_a_closed_order_bills_what_it_delivered(self) -> None:
        order = _order(
            LineLedger("1", shipped=D(2), delivered=D(2), invoiced=D(1)),
            LineLedger("2"),
            status=Status.CLOSED,
        )
        assert billable_quantities(order) == {"1": D(1)}
        assert billing_status(order) is BillingStatus.PARTIAL
        done = _order(LineLedger("1", delivered=D(2), invoiced=D(2)), status=Status.CLOSED)
        assert billing_status(done) is BillingStatus.FULL

    def test_nothing_invoiced_is_none(self) -> None:
        assert billable_quantities(_order()) == {"1": D(3), "2": D(2)}
        assert billing_status(_order()) is BillingStatus.NONE
        returned = _order(LineLedger("1", delivered=D(3), returned=D(3)))
        assert billing_status(returned) is BillingStatus.NONE  # line 2 still to bill


class TestPayments:
    def test_net_paid_is_payments_less_refunds(self) -> None:
        assert net_paid(_order(payments=_paid(100, 30, refunds=(20,)))) == cny(110)
        assert net_paid(_order()) == cny(0)

    def test_amount_due_is_the_total_less_received_refunds(self) -> None:
        back = ReturnRecord(
            "R-1",
            ReturnKind.RETURN,
            (("1", D(1)),),
            "damaged",
            ReturnState.RECEIVED,
            refund=cny(30),
        )
        open_request = ReturnRecord("R-2", ReturnKind.RETURN, (("1", D(1)),), "damaged")
        order = _order(grand_total=cny(100), returns=(back, open_request))
        assert amount_due(order) == cny(70)
        assert amount_due(_order()) == cny(0)
        assert amount_due(_order(grand_total=cny(100))) == cny(100)

    @pytest.mark.parametrize(
        ("payments", "status"),
        [
            ((), PaymentStatus.UNPAID),
            (_paid(refunds=(10,)), PaymentStatus.UNPAID),
            (_paid(1), PaymentStatus.PARTIALLY_PAID),
            (_paid(99), PaymentStatus.PARTIALLY_PAID),
            (_paid(60, 40), PaymentStatus.PAID),
            (_paid(101), PaymentStatus.OVERPAID),
            (_paid(120, refunds=(20,)), PaymentStatus.PAID),
            (_paid(100, refunds=(100,)), PaymentStatus.REFUNDED),
            (_paid(100, refunds=(50,)), PaymentStatus.PARTIALLY_PAID),
        ],
    )
    def test_received_against_due(self, payments: tuple[Payment, ...], status: str) -> None:
        assert payment_status(_order(grand_total=cny(100), payments=payments)) is status

    def test_a_free_order_paid_nothing_net_is_paid_unless_refunded(self) -> None:
        assert payment_status(_order(grand_total=cny(0), payments=_paid(0))) is PaymentStatus.PAID
