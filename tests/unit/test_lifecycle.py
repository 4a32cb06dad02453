"""Unit tests of the order lifecycle: every transition, guard and refusal code."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salesorder import lifecycle as lc
from salesorder._lifecycle import engine
from salesorder._lifecycle.engine import TABLE, Plan, build_table, check_event
from salesorder.errors import (
    CurrencyMismatch,
    FloatRefused,
    IllegalTransition,
    InsufficientStock,
    InvalidOrder,
    NotFound,
    RuleViolation,
)
from salesorder.money import Money
from salesorder.order import Customer, Order, OrderLine, OrderType
from salesorder.records import (
    AuditEntry,
    LineLedger,
    ReturnKind,
    Status,
    StockDisposition,
)
from salesorder.stockhook import run_with_stock
from salesorder.testing.lifecycle import (
    FakeBreakdown,
    FakeFlag,
    FakeIssue,
    FakeReport,
    FakeStock,
    flat_pricing,
)

D = Decimal
T = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NO_APPROVAL = lc.ApprovalPolicy(new_customer_level=None, amendment_level=None)
FINANCE_FROM_50 = lc.ApprovalPolicy(amount_levels=((Money(50, "CNY"), "finance"),))


def cny(amount: str | int) -> Money:
    return Money.of(amount, "CNY")


def make_order(*, is_new: bool = False, order_type: OrderType = OrderType.STANDARD) -> Order:
    return Order(
        id="SO-1",
        customer=Customer("C-1", "某公司", is_new=is_new),
        currency="CNY",
        lines=(
            OrderLine("1", "SKU-A", "Widget", D(3), unit_price=cny("10.00")),
            OrderLine("2", "SKU-B", "Gadget", D(2), unit_price=cny("20.00")),
        ),
        order_type=order_type,
    )


def stock() -> FakeStock:
    return FakeStock({"SKU-A": D(100), "SKU-B": D(100)})


def snapshot(order: Order) -> tuple[Any, ...]:
    return tuple(getattr(order, field.name) for field in attrs.fields(Order))


def submitted(policy: lc.ApprovalPolicy = NO_APPROVAL, **kwargs: Any) -> Order:
    order = make_order(**kwargs)
    lc.submit(
        order,
        actor="sales",
        at=T,
        report=FakeReport(),
        breakdown=flat_pricing(order, order_discount=cny(7)),
        approval_policy=policy,
    )
    return order


def confirmed(hook: FakeStock | None = None) -> Order:
    order = submitted()
    if hook is None:  # a host without stock: every quantity counts as reserved
        lc.confirm(order, actor="sales", at=T)
        return order
    run_with_stock(
        order,
        lambda target, backordered: lc.confirm(
            target, actor="sales", at=T, backordered=backordered
        ),
        hook,
        reserves=True,
    )
    return order


def shipped(hook: FakeStock | None = None) -> Order:
    order = confirmed(hook)
    lines = {"1": D(3), "2": D(2)}
    if hook is None:
        lc.ship(order, lines=lines, actor="wh", at=T)
        return order
    run_with_stock(
        order, lambda target, _backordered: lc.ship(target, lines=lines, actor="wh", at=T), hook
    )
    return order


def delivered(hook: FakeStock | None = None) -> Order:
    order = shipped(hook)
    lc.deliver(order, lines={"1": D(3), "2": D(2)}, actor="wh", at=T)
    return order


def refused(order: Order, code: str, call: Any, *, kind: type[Exception] = RuleViolation) -> None:
    before = snapshot(order)
    with pytest.raises(kind) as info:
        call()
    assert getattr(info.value, "code", None) == code
    assert snapshot(order) == before


class TestMachineDefinition:
    def test_every_status_is_a_state_of_the_machine(self) -> None:
        assert {state.value for state in lc.OrderLifecycle.states} == set(Status)

    def test_table_is_compiled_from_the_machine(self) -> None:
        events = {event.id for event in lc.OrderLifecycle.events}
        assert {row.event for row in lc.TRANSITIONS} == events
        assert set(lc.EVENTS) == events

    def test_every_guard_name_has_a_predicate(self) -> None:
        names = {name for row in lc.TRANSITIONS for name in row.guards}
        assert names <= set(lc.GUARDS)

    def test_unguarded_transition_before_a_guarded_one_is_rejected(self) -> None:
        rows = (
            lc.Transition("x", Status.DRAFT, Status.DRAFT),
            lc.Transition("x", Status.DRAFT, Status.APPROVED, ("needs_approval",)),
        )
        with pytest.raises(TypeError):
            build_table(rows)

    def test_unknown_guard_name_is_rejected(self) -> None:
        with pytest.raises(KeyError):
            build_table((lc.Transition("x", Status.DRAFT, Status.DRAFT, ("is_sunny",)),))

    def test_archived_statuses_are_left_by_no_event(self) -> None:
        assert {Status.COMPLETED, Status.CANCELLED, Status.CLOSED} == lc.ARCHIVED
        from_archived = [row for row in lc.TRANSITIONS if row.source in lc.ARCHIVED]
        assert from_archived
        assert all(row.target is row.source for row in from_archived)

    def test_archived_statuses_accept_only_after_sales_records(self) -> None:
        accepted = lc.commands_by_status()
        after_sales = (
            "request_return",
            "approve_return",
            "receive_return",
            "ship_repair",
            "deliver_repair",
        )
        # A payment announced before the order was archived is still confirmed or voided.
        settle = ("confirm_payment", "void_payment")
        assert accepted[Status.COMPLETED] == ("record_refund", *settle, *after_sales)
        assert accepted[Status.CANCELLED] == ("record_refund", *settle)
        assert accepted[Status.CLOSED] == (
            "invoice",
            "record_payment",
            "record_refund",
            *settle,
            *after_sales,
        )

    def test_every_open_status_has_a_way_towards_an_archived_one(self) -> None:
        reaches = set(lc.ARCHIVED)
        changed = True
        while changed:
            changed = False
            for row in lc.TRANSITIONS:
                if row.target in reaches and row.source not in reaches:
                    reaches.add(row.source)
                    changed = True
        assert reaches == set(Status)

    def test_mermaid_lists_every_transition(self) -> None:
        diagram = lc.lifecycle_mermaid()
        assert diagram.startswith("stateDiagram-v2\n")
        for row in lc.TRANSITIONS:
            assert f"{row.source.value} --> {row.target.value} :" in diagram
            assert row.event in diagram


class TestIllegalEvents:
    @pytest.mark.parametrize(
        ("status", "event"),
        [
            (status, event)
            for status in Status
            for event in lc.EVENTS
            if (status, event) not in TABLE
        ],
    )
    def test_event_without_transition_is_refused(self, status: Status, event: str) -> None:
        order = make_order()
        order.status = status
        before = snapshot(order)
        with pytest.raises(IllegalTransition) as info:
            check_event(order, event, None)
        assert info.value.state == status.value
        assert info.value.event == event
        expected = "lifecycle.archived" if status in lc.ARCHIVED else "lifecycle.illegal_transition"
        assert info.value.code == expected
        assert snapshot(order) == before

    def test_confirm_a_draft_is_refused_unchanged(self) -> None:
        order = make_order()
        refused(
            order,
            "lifecycle.illegal_transition",
            lambda: lc.confirm(order, actor="u", at=T),
            kind=IllegalTransition,
        )


class TestApprovalPolicy:
    def test_order_needing_nothing_has_no_requirements(self) -> None:
        order = make_order()
        assert (
            NO_APPROVAL.requirements(order, report=FakeReport(), breakdown=flat_pricing(order))
            == ()
        )

    def test_amount_threshold_requires_its_level(self) -> None:
        order = make_order()
        required = FINANCE_FROM_50.requirements(
            order, report=FakeReport(), breakdown=FakeBreakdown(cny(100))
        )
        assert required == (("finance", ("approval.amount_over_threshold",)),)

    def test_reasons_go_to_their_level_or_the_default(self) -> None:
        policy = lc.ApprovalPolicy(
            reason_levels=(("credit.limit_exceeded", "finance"),), new_customer_level=None
        )
        report = FakeReport((FakeIssue("credit.limit_exceeded"),))
        breakdown = FakeBreakdown(cny(1), flags=(FakeFlag("price.below_floor", "1"),))
        required = policy.requirements(make_order(), report=report, breakdown=breakdown)
        assert required == (
            ("finance", ("credit.limit_exceeded",)),
            ("sales_manager", ("price.below_floor",)),
        )

    def test_new_customer_and_order_type_need_approval(self) -> None:
        policy = lc.ApprovalPolicy(order_type_levels=((OrderType.SAMPLE, "director"),))
        order = make_order(is_new=True, order_type=OrderType.SAMPLE)
        required = policy.requirements(order, report=FakeReport(), breakdown=FakeBreakdown(cny(1)))
        assert required == (
            ("director", ("approval.order_type.sample",)),
            ("sales_manager", ("approval.new_customer",)),
        )

    def test_one_reason_is_listed_once_per_level(self) -> None:
        report = FakeReport((FakeIssue("x.y"), FakeIssue("x.y")))
        required = NO_APPROVAL.requirements(
            make_order(), report=report, breakdown=FakeBreakdown(cny(1))
        )
        assert required == (("sales_manager", ("x.y",)),)


class TestSubmit:
    def test_order_needing_no_approval_is_approved_on_submit(self) -> None:
        order = make_order()
        result = lc.submit(
            order,
            actor="sales",
            at=T,
            report=FakeReport(),
            breakdown=flat_pricing(order),
            approval_policy=NO_APPROVAL,
        )
        assert (result.source, result.target) == (Status.DRAFT, Status.APPROVED)
        assert order.status is Status.APPROVED
        assert order.grand_total == cny(70)
        assert [e.name for e in result.events] == ["OrderSubmitted"]
        assert order.revisions[0].lines == order.lines

    def test_order_needing_approval_waits_for_it(self) -> None:
        order = submitted(FINANCE_FROM_50, is_new=True)
        assert order.status is Status.PENDING_APPROVAL
        assert dict(order.required_approvals) == {
            "finance": ("approval.amount_over_threshold",),
            "sales_manager": ("approval.new_customer",),
        }

    def test_order_priced_in_another_currency_is_refused(self) -> None:
        order = make_order()
        refused(
            order,
            "lifecycle.submit.not_priced",
            lambda: lc.submit(
                order,
                actor="u",
                at=T,
                report=FakeReport(),
                breakdown=FakeBreakdown(Money(1, "USD")),
                approval_policy=NO_APPROVAL,
            ),
        )

    def test_order_without_lines_is_refused(self) -> None:
        order = attrs.evolve(make_order(), lines=())
        refused(
            order,
            "lifecycle.submit.not_priced",
            lambda: lc.submit(
                order,
                actor="u",
                at=T,
                report=FakeReport(),
                breakdown=FakeBreakdown(cny(1)),
                approval_policy=NO_APPROVAL,
            ),
        )


class TestApprove:
    def test_approval_of_one_level_of_two_keeps_order_pending(self) -> None:
        order = submitted(FINANCE_FROM_50, is_new=True)
        result = lc.approve(order, level="finance", actor="cfo", at=T, comment="ok")
        assert result.target is Status.PENDING_APPROVAL
        assert result.events[0].fully_approved is False  # type: ignore[attr-defined]
        assert order.approvals[0].reasons == ("approval.amount_over_threshold",)
        assert order.approvals[0].actor == "cfo"

    def test_all_levels_signed_approves_the_order(self) -> None:
        order = submitted(FINANCE_FROM_50, is_new=True)
        lc.approve(order, level="finance", actor="cfo", at=T)
        result = lc.approve(order, level="sales_manager", actor="boss", at=T)
        assert result.target is Status.APPROVED
        assert result.events[0].fully_approved is True  # type: ignore[attr-defined]

    def test_level_not_required_is_refused(self) -> None:
        order = submitted(FINANCE_FROM_50)
        refused(
            order,
            "lifecycle.approval.level_not_required",
            lambda: lc.approve(order, level="ceo", actor="x", at=T),
        )

    def test_level_signed_twice_is_refused(self) -> None:
        order = submitted(FINANCE_FROM_50, is_new=True)
        lc.approve(order, level="finance", actor="cfo", at=T)
        refused(
            order,
            "lifecycle.approval.already_given",
            lambda: lc.approve(order, level="finance", actor="other", at=T),
        )

    def test_one_person_cannot_sign_two_levels(self) -> None:
        order = submitted(FINANCE_FROM_50, is_new=True)
        lc.approve(order, level="finance", actor="cfo", at=T)
        refused(
            order,
            "lifecycle.approval.same_actor",
            lambda: lc.approve(order, level="sales_manager", actor="cfo", at=T),
        )

    def test_one_person_may_sign_two_levels_when_policy_allows(self) -> None:
        order = submitted(FINANCE_FROM_50, is_new=True)
        lax = lc.LifecyclePolicy(separate_approvers=False)
        lc.approve(order, level="finance", actor="cfo", at=T, lifecycle_policy=lax)
        lc.approve(order, level="sales_manager", actor="cfo", at=T, lifecycle_policy=lax)
        assert order.status is Status.APPROVED


class TestReject:
    def test_reject_returns_order_to_draft_with_reasons(self) -> None:
        order = submitted(FINANCE_FROM_50)
        result = lc.reject(order, reasons=["price.too_low"], actor="cfo", at=T)
        assert order.status is Status.DRAFT
        assert result.events[0].reasons == ("price.too_low",)  # type: ignore[attr-defined]
        assert order.audit[-1].reason == "price.too_low"

    @pytest.mark.parametrize("reasons", [[], [""], ["  "]])
    def test_reject_without_reason_is_refused(self, reasons: list[str]) -> None:
        order = submitted(FINANCE_FROM_50)
        refused(
            order,
            "lifecycle.reason_required",
            lambda: lc.reject(order, reasons=reasons, actor="cfo", at=T),
        )

    def test_approvals_of_an_earlier_round_do_not_count(self) -> None:
        order = submitted(FINANCE_FROM_50, is_new=True)
        lc.approve(order, level="finance", actor="cfo", at=T)
        lc.reject(order, reasons=["fix"], actor="boss", at=T)
        lc.submit(
            order,
            actor="sales",
            at=T,
            report=FakeReport(),
            breakdown=flat_pricing(order),
            approval_policy=FINANCE_FROM_50,
        )
        result = lc.approve(order, level="sales_manager", actor="boss", at=T)
        assert result.target is Status.PENDING_APPROVAL
        assert not engine.has_all_approvals(Plan(order))


class TestConfirm:
    def test_confirm_reserves_every_line_through_the_hook(self) -> None:
        hook = stock()
        order = confirmed(hook)
        assert order.status is Status.CONFIRMED
        assert hook.calls[0] == ("reserve", "SO-1", {"1": D(3), "2": D(2)})
        assert order.ledger("1").reserved == D(3)
        assert hook.available == {"SKU-A": D(97), "SKU-B": D(98)}

    def test_shortfall_refuses_confirmation_by_default(self) -> None:
        hook = FakeStock({"SKU-A": D(1), "SKU-B": D(100)})
        order = submitted()
        refused(
            order,
            "stock.insufficient",
            lambda: run_with_stock(
                order,
                lambda target, backordered: lc.confirm(
                    target, actor="u", at=T, backordered=backordered
                ),
                hook,
                reserves=True,
            ),
            kind=InsufficientStock,
        )
        assert hook.available["SKU-A"] == D(1)

    def test_shortfall_is_backordered_when_policy_allows(self) -> None:
        hook = FakeStock({"SKU-A": D(1), "SKU-B": D(100)})
        order = submitted()
        result = run_with_stock(
            order,
            lambda target, backordered: lc.confirm(
                target,
                actor="u",
                at=T,
                lifecycle_policy=lc.LifecyclePolicy(allow_backorder=True),
                backordered=backordered,
            ),
            hook,
            reserves=True,
        )
        assert result.events[0].backordered == (("1", D(2)),)  # type: ignore[attr-defined]
        assert order.ledger("1") == LineLedger("1", reserved=D(1), backordered=D(2))

    def test_backorder_given_without_permission_is_refused(self) -> None:
        order = submitted()
        refused(
            order,
            "stock.insufficient",
            lambda: lc.confirm(order, actor="u", at=T, backordered={"1": D(2)}),
            kind=InsufficientStock,
        )
        with pytest.raises(InsufficientStock) as info:
            lc.confirm(order, actor="u", at=T, backordered={"1": D(2)})
        assert [(s.sku, s.requested, s.available) for s in info.value.shortfalls] == [
            ("SKU-A", D(3), D(1))
        ]

    def test_backorder_of_an_unknown_line_is_refused(self) -> None:
        order = submitted()
        policy = lc.LifecyclePolicy(allow_backorder=True)
        refused(
            order,
            "lifecycle.unknown_line",
            lambda: lc.confirm(
                order, actor="u", at=T, backordered={"9": D(1)}, lifecycle_policy=policy
            ),
        )

    def test_confirm_asks_to_reserve_every_line(self) -> None:
        order = submitted()
        result = lc.confirm(order, actor="u", at=T, idempotency_key="k")
        assert result.stock == (
            lc.StockRequest(
                lc.StockAction.RESERVE, order.id, (("1", D(3)), ("2", D(2))), "SO-1:key:k"
            ),
        )

    def test_without_a_hook_every_quantity_counts_as_reserved(self) -> None:
        order = confirmed(None)
        assert order.ledger("2").reserved == D(2)


class TestShip:
    def test_partial_shipment_moves_to_partially_shipped(self) -> None:
        hook = stock()
        order = confirmed(hook)
        result = run_with_stock(
            order,
            lambda target, _backordered: lc.ship(
                target, lines={"1": D(1)}, actor="wh", at=T, carrier="SF", tracking_number="SF123"
            ),
            hook,
        )
        assert result.target is Status.PARTIALLY_SHIPPED
        assert order.shipments[0].tracking_number == "SF123"
        assert order.ledger("1").shipped == D(1)
        assert order.ledger("1").reserved == D(2)
        assert hook.calls[-1] == ("commit", "SO-1", {"1": D(1)})

    def test_last_shipment_moves_to_shipped(self) -> None:
        order = confirmed()
        lc.ship(order, lines={"1": D(3)}, actor="wh", at=T)
        result = lc.ship(order, lines={"2": D(2)}, actor="wh", at=T)
        assert result.target is Status.SHIPPED
        assert lc.fulfilment_status(order) is lc.FulfilmentStatus.FULL

    def test_shipping_more_than_left_is_refused(self) -> None:
        order = confirmed()
        lc.ship(order, lines={"1": D(2)}, actor="wh", at=T)
        refused(
            order,
            "lifecycle.ship.exceeds_remaining",
            lambda: lc.ship(order, lines={"1": D(2)}, actor="wh", at=T),
        )

    @pytest.mark.parametrize(
        ("lines", "code"),
        [
            ({}, "lifecycle.quantity.none_given"),
            ({"9": D(1)}, "lifecycle.unknown_line"),
            ({"1": D(0)}, "lifecycle.quantity.not_positive"),
            ({"1": D(-1)}, "lifecycle.quantity.not_positive"),
        ],
    )
    def test_bad_quantities_are_refused(self, lines: dict[str, D], code: str) -> None:
        order = confirmed()
        refused(order, code, lambda: lc.ship(order, lines=lines, actor="w", at=T))

    def test_float_quantity_is_refused(self) -> None:
        order = confirmed()
        with pytest.raises(FloatRefused) as caught:
            lc.ship(order, lines={"1": 1.0}, actor="w", at=T)  # type: ignore[dict-item]
        assert "quantity" in str(caught.value)  # not only "money amounts"

    def test_an_int_line_id_says_line_ids_are_text(self) -> None:
        # Before: "The order has no line 1", though line "1" exists.
        order = confirmed()
        refused(
            order,
            "lifecycle.line_id.not_text",
            lambda: lc.ship(order, lines={1: D(1)}, actor="w", at=T),  # type: ignore[dict-item]
        )

    def test_ship_only_after_payment_refuses_unpaid_order(self) -> None:
        order = confirmed()
        policy = lc.LifecyclePolicy(ship_only_after_payment=True)
        refused(
            order,
            "lifecycle.ship.payment_required",
            lambda: lc.ship(order, lines={"1": D(1)}, actor="w", at=T, lifecycle_policy=policy),
        )
        lc.record_payment(order, amount=cny(63), actor="fin", at=T)
        lc.ship(order, lines={"1": D(1)}, actor="w", at=T, lifecycle_policy=policy)
        assert order.status is Status.PARTIALLY_SHIPPED

    def test_prepayment_share_is_enough_to_ship(self) -> None:
        order = confirmed()
        order.payment_terms = attrs.evolve(order.payment_terms, prepayment_percent=D(30))
        lc.record_payment(order, amount=cny("18.90"), actor="fin", at=T)
        lc.ship(
            order,
            lines={"1": D(1)},
            actor="w",
            at=T,
            lifecycle_policy=lc.LifecyclePolicy(ship_only_after_payment=True),
        )
        assert order.status is Status.PARTIALLY_SHIPPED

    def test_backordered_quantity_ships_from_the_backorder(self) -> None:
        hook = FakeStock({"SKU-A": D(1), "SKU-B": D(100)})
        order = submitted()
        run_with_stock(
            order,
            lambda target, backordered: lc.confirm(
                target,
                actor="u",
                at=T,
                lifecycle_policy=lc.LifecyclePolicy(allow_backorder=True),
                backordered=backordered,
            ),
            hook,
            reserves=True,
        )
        run_with_stock(
            order,
            lambda target, _backordered: lc.ship(target, lines={"1": D(3)}, actor="w", at=T),
            hook,
        )
        assert order.ledger("1") == LineLedger("1", shipped=D(3))


class TestDeliver:
    def test_partial_delivery_keeps_shipped(self) -> None:
        order = shipped()
        result = lc.deliver(order, lines={"1": D(1)}, actor="d", at=T, proof="POD-1")
        assert result.target is Status.SHIPPED
        assert order.deliveries[0].proof == "POD-1"

    def test_full_delivery_moves_to_delivered(self) -> None:
        order = delivered()
        assert order.status is Status.DELIVERED

    def test_delivery_of_a_partial_shipment_stays_partially_shipped(self) -> None:
        order = confirmed()
        lc.ship(order, lines={"1": D(3)}, actor="w", at=T)
        result = lc.deliver(order, lines={"1": D(3)}, actor="d", at=T)
        assert result.target is Status.PARTIALLY_SHIPPED

    def test_delivering_more_than_shipped_is_refused(self) -> None:
        order = confirmed()
        lc.ship(order, lines={"1": D(1)}, actor="w", at=T)
        refused(
            order,
            "lifecycle.deliver.exceeds_shipped",
            lambda: lc.deliver(order, lines={"1": D(2)}, actor="d", at=T),
        )


class TestInvoiceAndPayment:
    def test_invoice_for_quantities_sets_billing_status(self) -> None:
        order = confirmed()
        lc.invoice(order, kind="general", amount=cny(30), lines={"1": D(3)}, actor="f", at=T)
        assert lc.billing_status(order) is lc.BillingStatus.PARTIAL
        lc.invoice(order, kind="vat_special", amount=cny(33), lines={"2": D(2)}, actor="f", at=T)
        assert lc.billing_status(order) is lc.BillingStatus.FULL

    def test_amount_only_invoice_leaves_quantities(self) -> None:
        order = confirmed()
        result = lc.invoice(order, kind="general", amount=cny(10), actor="f", at=T)
        assert lc.billing_status(order) is lc.BillingStatus.NONE
        assert result.events[0].name == "OrderInvoiced"

    def test_invoicing_more_than_billable_is_refused(self) -> None:
        order = confirmed()
        refused(
            order,
            "lifecycle.invoice.exceeds_billable",
            lambda: lc.invoice(
                order, kind="general", amount=cny(1), lines={"1": D(4)}, actor="f", at=T
            ),
        )

    def test_invoice_kind_none_is_refused(self) -> None:
        order = confirmed()
        refused(
            order,
            "lifecycle.invoice.kind_invalid",
            lambda: lc.invoice(order, kind="none", amount=cny(1), actor="f", at=T),
        )

    @pytest.mark.parametrize("amount", [Money(0, "CNY"), Money(-5, "CNY")])
    def test_payment_must_be_positive(self, amount: Money) -> None:
        order = confirmed()
        refused(
            order,
            "lifecycle.amount.not_positive",
            lambda: lc.record_payment(order, amount=amount, actor="f", at=T),
        )

    def test_a_payment_in_another_currency_says_so(self) -> None:
        order = confirmed()
        refused(
            order,
            "money.currency_mismatch",
            lambda: lc.record_payment(order, amount=Money(5, "USD"), actor="f", at=T),
            kind=CurrencyMismatch,
        )

    def test_an_amount_that_is_not_money_says_so(self) -> None:
        order = confirmed()
        refused(
            order,
            "lifecycle.amount.not_money",
            lambda: lc.record_payment(order, amount="100", actor="f", at=T),  # type: ignore[arg-type]
        )

    @pytest.mark.parametrize("command", ["record_payment", "invoice", "record_refund"])
    def test_an_amount_finer_than_a_fen_is_refused_before_anything_is_written(
        self, command: str
    ) -> None:
        # Money("100.00") * (1/3) carries 80 digits: it would be stored, then never read back.
        order = confirmed()
        lc.record_payment(order, amount=cny(50), actor="f", at=T)
        third = cny(100) * (Decimal(1) / 3)
        call = getattr(lc, command)
        extra = {"kind": "general"} if command == "invoice" else {}
        refused(
            order,
            "lifecycle.amount.not_quantized",
            lambda: call(order, amount=third, actor="f", at=T, **extra),
        )

    def test_payment_status_follows_the_money(self) -> None:
        order = confirmed()
        assert lc.payment_status(order) is lc.PaymentStatus.UNPAID
        lc.record_payment(order, amount=cny(20), actor="f", at=T)
        assert lc.payment_status(order) is lc.PaymentStatus.PARTIALLY_PAID
        lc.record_payment(order, amount=cny(43), actor="f", at=T)
        assert lc.payment_status(order) is lc.PaymentStatus.PAID
        lc.record_payment(order, amount=cny(1), actor="f", at=T)
        assert lc.payment_status(order) is lc.PaymentStatus.OVERPAID
        lc.record_refund(order, amount=cny(64), actor="f", at=T)
        assert lc.payment_status(order) is lc.PaymentStatus.REFUNDED

    def test_refund_over_what_was_paid_is_refused(self) -> None:
        order = confirmed()
        lc.record_payment(order, amount=cny(20), actor="f", at=T)
        refused(
            order,
            "lifecycle.refund.exceeds_paid",
            lambda: lc.record_refund(order, amount=cny("20.01"), actor="f", at=T),
        )


def settle(order: Order) -> None:
    lc.invoice(order, kind="general", amount=cny(63), lines={"1": D(3), "2": D(2)}, actor="f", at=T)
    lc.record_payment(order, amount=cny(63), actor="f", at=T)


class TestComplete:
    def test_delivered_invoiced_and_paid_order_completes(self) -> None:
        order = delivered()
        settle(order)
        result = lc.complete(order, actor="f", at=T)
        assert result.target is Status.COMPLETED

    def test_uninvoiced_order_cannot_complete(self) -> None:
        order = delivered()
        lc.record_payment(order, amount=cny(63), actor="f", at=T)
        refused(
            order,
            "lifecycle.complete.not_invoiced",
            lambda: lc.complete(order, actor="f", at=T),
            kind=IllegalTransition,
        )

    def test_unpaid_order_cannot_complete(self) -> None:
        order = delivered()
        lc.invoice(
            order, kind="general", amount=cny(63), lines={"1": D(3), "2": D(2)}, actor="f", at=T
        )
        refused(
            order,
            "lifecycle.complete.not_paid",
            lambda: lc.complete(order, actor="f", at=T),
            kind=IllegalTransition,
        )

    def test_completed_order_is_archived(self) -> None:
        order = delivered()
        settle(order)
        lc.complete(order, actor="f", at=T)
        refused(
            order,
            "lifecycle.archived",
            lambda: lc.record_payment(order, amount=cny(1), actor="f", at=T),
            kind=IllegalTransition,
        )


class TestCancel:
    @pytest.mark.parametrize("status", [Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED])
    def test_cancel_before_confirmation(self, status: Status) -> None:
        order = submitted(FINANCE_FROM_50) if status is not Status.DRAFT else make_order()
        if status is Status.APPROVED:
            lc.approve(order, level="finance", actor="cfo", at=T)
        assert order.status is status
        result = lc.cancel(order, reason="customer_request", actor="u", at=T)
        assert result.target is Status.CANCELLED
        assert result.events[0].reason == "customer_request"  # type: ignore[attr-defined]

    def test_cancel_releases_reservations(self) -> None:
        hook = stock()
        order = confirmed(hook)
        run_with_stock(
            order,
            lambda target, _backordered: lc.cancel(
                target, reason="customer_request", actor="u", at=T
            ),
            hook,
        )
        assert hook.available == {"SKU-A": D(100), "SKU-B": D(100)}
        assert order.ledger("1").reserved == 0

    def test_cancel_after_shipment_is_refused(self) -> None:
        order = confirmed()
        lc.ship(order, lines={"1": D(1)}, actor="w", at=T)
        refused(
            order,
            "lifecycle.cancel_after_shipment",
            lambda: lc.cancel(order, reason="x", actor="u", at=T),
            kind=IllegalTransition,
        )

    def test_cancel_of_a_held_order_that_shipped_is_refused(self) -> None:
        order = confirmed()
        lc.ship(order, lines={"1": D(1)}, actor="w", at=T)
        lc.hold(order, actor="u", at=T, reason="dispute")
        refused(
            order,
            "lifecycle.cancel_after_shipment",
            lambda: lc.cancel(order, reason="x", actor="u", at=T),
            kind=IllegalTransition,
        )

    def test_held_order_with_nothing_shipped_can_be_cancelled(self) -> None:
        hook = stock()
        order = confirmed(hook)
        lc.hold(order, actor="u", at=T)
        run_with_stock(
            order, lambda target, _backordered: lc.cancel(target, reason="x", actor="u", at=T), hook
        )
        assert order.status is Status.CANCELLED
        assert order.held_from is None
        assert hook.available["SKU-A"] == D(100)

    def test_cancel_needs_a_reason(self) -> None:
        order = make_order()
        refused(
            order,
            "lifecycle.reason_required",
            lambda: lc.cancel(order, reason="", actor="u", at=T),
        )


class TestHoldAndResume:
    @pytest.mark.parametrize(
        "make", [lambda: submitted(FINANCE_FROM_50), submitted, confirmed, shipped, delivered]
    )
    def test_resume_returns_to_the_status_held_from(self, make: Any) -> None:
        order = make()
        before = order.status
        lc.hold(order, actor="u", at=T, reason="credit_check")
        assert order.status is Status.ON_HOLD
        assert order.held_from is before
        result = lc.resume(order, actor="u", at=T)
        assert result.target is before
        assert order.held_from is None

    def test_resume_to_partially_shipped(self) -> None:
        order = confirmed()
        lc.ship(order, lines={"1": D(1)}, actor="w", at=T)
        lc.hold(order, actor="u", at=T)
        lc.resume(order, actor="u", at=T)
        assert order.status is Status.PARTIALLY_SHIPPED

    def test_draft_cannot_be_held(self) -> None:
        order = make_order()
        refused(
            order,
            "lifecycle.illegal_transition",
            lambda: lc.hold(order, actor="u", at=T),
            kind=IllegalTransition,
        )


class TestClose:
    def test_close_short_ships_and_releases_the_rest(self) -> None:
        hook = stock()
        order = confirmed(hook)
        run_with_stock(
            order,
            lambda target, _backordered: lc.ship(target, lines={"1": D(2)}, actor="w", at=T),
            hook,
        )
        result = run_with_stock(
            order,
            lambda target, _backordered: lc.close(
                target, reason="customer_accepts_partial", actor="u", at=T
            ),
            hook,
        )
        assert result.target is Status.CLOSED
        assert result.events[0].undelivered == (("1", D(3)), ("2", D(2)))  # type: ignore[attr-defined]
        # Everything the store still holds for the order, however it holds it.
        assert hook.calls[-1] == ("release", "SO-1", None)
        assert hook.available == {"SKU-A": D(98), "SKU-B": D(100)}

    def test_close_needs_a_reason(self) -> None:
        order = shipped()
        refused(
            order,
            "lifecycle.reason_required",
            lambda: lc.close(order, reason=" ", actor="u", at=T),
        )

    def test_nothing_undelivered_refuses_close(self) -> None:
        order = shipped()
        order.ledgers = tuple(attrs.evolve(x, delivered=x.shipped) for x in order.ledgers)
        refused(
            order,
            "lifecycle.close.nothing_undelivered",
            lambda: lc.close(order, reason="x", actor="u", at=T),
            kind=IllegalTransition,
        )


class TestGuards:
    def test_is_fully_shipped(self) -> None:
        order = confirmed()
        assert not engine.is_fully_shipped(Plan(order))
        assert engine.is_fully_shipped(Plan(shipped()))

    def test_is_fully_delivered_and_has_undelivered(self) -> None:
        order = shipped()
        assert not engine.is_fully_delivered(Plan(order))
        assert engine.has_undelivered_quantities(Plan(order))
        assert engine.is_fully_delivered(Plan(delivered()))

    def test_has_nothing_shipped(self) -> None:
        assert engine.has_nothing_shipped(Plan(confirmed()))
        assert not engine.has_nothing_shipped(Plan(shipped()))

    def test_is_fully_invoiced_and_paid(self) -> None:
        order = delivered()
        assert not engine.is_fully_invoiced(Plan(order))
        assert not engine.is_fully_paid(Plan(order))
        settle(order)
        assert engine.is_fully_invoiced(Plan(order))
        assert engine.is_fully_paid(Plan(order))

    def test_needs_approval_and_has_all_approvals(self) -> None:
        order = submitted(FINANCE_FROM_50)
        assert engine.needs_approval(Plan(order, needs_approval=True))
        assert not engine.has_all_approvals(Plan(order))
        lc.approve(order, level="finance", actor="cfo", at=T)
        assert engine.has_all_approvals(Plan(order))

    def test_was_held_from(self) -> None:
        order = confirmed()
        lc.hold(order, actor="u", at=T)
        assert lc.GUARDS["was_held_from_confirmed"](Plan(order))
        assert not lc.GUARDS["was_held_from_approved"](Plan(order))


def reprice(order: Order) -> FakeBreakdown:
    return flat_pricing(order)


class TestAmend:
    def test_quantity_change_raises_revision_and_keeps_history(self) -> None:
        order = submitted()
        result = lc.amend(
            order,
            [lc.ChangeQuantity("1", D(5))],
            pricing=reprice,
            approval_policy=NO_APPROVAL,
            actor="sales",
            at=T,
        )
        assert result.target is Status.APPROVED
        assert order.revision == 2
        assert order.line("1").quantity == D(5)
        assert lc.revision_lines(order, 1)[0].quantity == D(3)
        assert lc.revision_lines(order, 2) == order.lines
        assert order.grand_total == cny(90)
        assert result.events[0].changes == ("quantity:1",)  # type: ignore[attr-defined]

    def test_unknown_revision_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            lc.revision_lines(submitted(), 7)

    def test_amendment_needing_approval_goes_back_to_pending(self) -> None:
        hook = stock()
        order = confirmed(hook)
        result = run_with_stock(
            order,
            lambda target, backordered: lc.amend(
                target,
                [lc.ChangeQuantity("2", D(10))],
                pricing=reprice,
                approval_policy=FINANCE_FROM_50,
                actor="sales",
                at=T,
                backordered=backordered,
            ),
            hook,
            reserves=True,
        )
        assert result.target is Status.PENDING_APPROVAL
        assert hook.available == {"SKU-A": D(100), "SKU-B": D(100)}
        assert order.required_approvals == (
            ("finance", ("approval.amount_over_threshold",)),
            ("sales_manager", ("approval.amendment",)),
        )
        lc.approve(order, level="finance", actor="cfo", at=T)
        lc.approve(order, level="sales_manager", actor="manager", at=T)
        run_with_stock(
            order,
            lambda target, backordered: lc.confirm(
                target, actor="sales", at=T, backordered=backordered
            ),
            hook,
            reserves=True,
        )
        assert hook.available == {"SKU-A": D(97), "SKU-B": D(90)}

    def test_every_amendment_goes_back_to_approval_by_default(self) -> None:
        # Seed 001: 改单须审批. A date change flags no amount rule, yet needs approval.
        order = submitted(FINANCE_FROM_50)
        lc.approve(order, level="finance", actor="cfo", at=T)
        result = lc.amend(
            order,
            [lc.ChangeDeliveryDate(T.date())],
            pricing=lambda o: FakeBreakdown(cny(1000)),
            approval_policy=FINANCE_FROM_50,
            actor="sales",
            at=T,
        )
        assert result.target is Status.PENDING_APPROVAL
        assert order.required_approvals == (("sales_manager", ("approval.amendment",)),)

    def test_a_relaxed_kind_mixed_with_another_still_needs_approval(self) -> None:
        relaxed = attrs.evolve(
            FINANCE_FROM_50, amendments_without_approval={lc.AmendmentKind.DELIVERY_DATE}
        )
        order = submitted(FINANCE_FROM_50)
        lc.approve(order, level="finance", actor="cfo", at=T)
        result = lc.amend(
            order,
            [lc.ChangeDeliveryDate(T.date()), lc.ChangeQuantity("2", D(1))],
            pricing=lambda o: FakeBreakdown(cny(10)),
            approval_policy=relaxed,
            actor="sales",
            at=T,
        )
        assert result.target is Status.PENDING_APPROVAL
        assert order.required_approvals == (("sales_manager", ("approval.amendment",)),)

    @pytest.mark.parametrize("kinds", [{"colour"}, {1}])
    def test_an_unknown_change_kind_in_the_policy_is_refused(self, kinds: set[object]) -> None:
        with pytest.raises(InvalidOrder) as caught:
            lc.ApprovalPolicy(amendments_without_approval=kinds)  # type: ignore[arg-type]
        assert caught.value.code == "lifecycle.policy.kind_invalid"

    def test_delivery_date_change_needs_no_reapproval_when_relaxed(self) -> None:
        relaxed = attrs.evolve(
            FINANCE_FROM_50, amendments_without_approval={lc.AmendmentKind.DELIVERY_DATE}
        )
        order = submitted(FINANCE_FROM_50)
        lc.approve(order, level="finance", actor="cfo", at=T)
        result = lc.amend(
            order,
            [lc.ChangeDeliveryDate(T.date())],
            pricing=lambda o: FakeBreakdown(cny(1000)),
            approval_policy=relaxed,
            actor="sales",
            at=T,
        )
        assert result.target is Status.APPROVED
        assert order.requested_delivery_date == T.date()
        # R10: the customer is told; the event was routed but never emitted before.
        changed = [e for e in result.events if e.name == "DeliveryDateChanged"]
        assert len(changed) == 1
        assert changed[0].previous is None  # type: ignore[attr-defined]
        assert changed[0].requested_delivery_date == T.date()  # type: ignore[attr-defined]

    def test_an_amendment_that_keeps_the_date_does_not_announce_one(self) -> None:
        order = submitted(FINANCE_FROM_50)
        lc.approve(order, level="finance", actor="cfo", at=T)
        result = lc.amend(
            order,
            [lc.ChangeDeliveryDate(None)],
            pricing=lambda o: FakeBreakdown(cny(1000)),
            approval_policy=FINANCE_FROM_50,
            actor="sales",
            at=T,
        )
        assert [e.name for e in result.events] == ["OrderAmended"]

    def test_confirmed_order_reservations_follow_the_changes(self) -> None:
        hook = stock()
        order = confirmed(hook)
        new_line = OrderLine("3", "SKU-A", "Widget", D(4), unit_price=cny(1))
        run_with_stock(
            order,
            lambda target, backordered: lc.amend(
                target,
                [lc.ChangeQuantity("1", D(1)), lc.RemoveLine("2"), lc.AddLine(new_line)],
                pricing=reprice,
                approval_policy=NO_APPROVAL,
                actor="sales",
                at=T,
                backordered=backordered,
            ),
            hook,
            reserves=True,
        )
        assert order.status is Status.CONFIRMED
        assert hook.available == {"SKU-A": D(95), "SKU-B": D(100)}
        assert [x.line_id for x in order.ledgers] == ["1", "3"]
        assert order.ledger("3").reserved == D(4)
        assert order.ledger("1").reserved == D(1)

    def test_amendment_reservation_shortfall_is_refused(self) -> None:
        hook = FakeStock({"SKU-A": D(3), "SKU-B": D(2)})
        order = confirmed(hook)
        refused(
            order,
            "stock.insufficient",
            lambda: run_with_stock(
                order,
                lambda target, backordered: lc.amend(
                    target,
                    [lc.ChangeQuantity("1", D(4))],
                    pricing=reprice,
                    approval_policy=NO_APPROVAL,
                    actor="s",
                    at=T,
                    backordered=backordered,
                ),
                hook,
                reserves=True,
            ),
            kind=InsufficientStock,
        )

    def test_amendment_backorders_when_policy_allows(self) -> None:
        hook = FakeStock({"SKU-A": D(3), "SKU-B": D(2)})
        order = confirmed(hook)
        run_with_stock(
            order,
            lambda target, backordered: lc.amend(
                target,
                [lc.ChangeQuantity("1", D(4))],
                pricing=reprice,
                approval_policy=NO_APPROVAL,
                actor="s",
                at=T,
                lifecycle_policy=lc.LifecyclePolicy(allow_backorder=True),
                backordered=backordered,
            ),
            hook,
            reserves=True,
        )
        assert order.ledger("1") == LineLedger("1", reserved=D(3), backordered=D(1))
        run_with_stock(
            order,
            lambda target, backordered: lc.amend(
                target,
                [lc.ChangeQuantity("1", D(2))],
                pricing=reprice,
                approval_policy=NO_APPROVAL,
                actor="s",
                at=T,
                backordered=backordered,
            ),
            hook,
            reserves=True,
        )
        assert order.ledger("1") == LineLedger("1", reserved=D(2))
        assert hook.available["SKU-A"] == D(1)

    def test_price_change_is_previewed_with_money_due_or_refundable(self) -> None:
        order = confirmed()
        lc.record_payment(order, amount=cny(63), actor="f", at=T)
        preview = lc.preview_amendment(
            order,
            [lc.ChangePrice("2", cny(5)), lc.AddLine(OrderLine("3", "SKU-C", "c", D(1)))],
            pricing=reprice,
        )
        assert preview.new_total == cny(50)
        assert preview.refundable == cny(13)
        assert preview.amount_due == cny(0)
        assert preview.stock_delta == (("SKU-C", D(1)),)
        grow = lc.preview_amendment(order, [lc.ChangeQuantity("1", D(10))], pricing=reprice)
        assert grow.amount_due == cny(77)
        assert grow.stock_delta == (("SKU-A", D(7)),)

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ([], "lifecycle.amendment.invalid"),
            ([lc.RemoveLine("1"), lc.RemoveLine("2")], "lifecycle.amendment.invalid"),
            ([lc.AddLine(OrderLine("1", "X", "x", D(1)))], "lifecycle.amendment.invalid"),
            ([lc.ChangeQuantity("9", D(1))], "lifecycle.unknown_line"),
            ([lc.ChangeQuantity("1", D(0))], "lifecycle.quantity.not_positive"),
        ],
    )
    def test_invalid_amendment_is_refused(self, changes: list[Any], code: str) -> None:
        order = confirmed()
        refused(
            order,
            code,
            lambda: lc.amend(
                order,
                changes,
                pricing=reprice,
                approval_policy=NO_APPROVAL,
                actor="s",
                at=T,
            ),
        )

    def test_amendment_below_the_invoiced_quantity_is_refused(self) -> None:
        order = confirmed()
        line = order.lines[0]
        lc.invoice(
            order,
            kind="general",
            amount=cny(10),
            lines={line.line_id: line.quantity},
            actor="f",
            at=T,
        )
        refused(
            order,
            "lifecycle.amendment.below_progress",
            lambda: lc.amend(
                order,
                [lc.ChangeQuantity(line.line_id, line.quantity / 2)],
                pricing=reprice,
                approval_policy=NO_APPROVAL,
                actor="s",
                at=T,
            ),
        )

    def test_draft_is_edited_not_amended(self) -> None:
        order = make_order()
        refused(
            order,
            "lifecycle.illegal_transition",
            lambda: lc.amend(
                order,
                [lc.ChangeQuantity("1", D(1))],
                pricing=reprice,
                approval_policy=NO_APPROVAL,
                actor="s",
                at=T,
            ),
            kind=IllegalTransition,
        )

    def test_approved_amendment_back_to_approval_starts_new_round(self) -> None:
        order = submitted()
        lc.amend(
            order,
            [lc.ChangeQuantity("1", D(30))],
            pricing=reprice,
            approval_policy=FINANCE_FROM_50,
            actor="s",
            at=T,
        )
        assert order.status is Status.PENDING_APPROVAL
        assert order.approval_round == 2


class TestReturns:
    def test_refund_includes_share_of_discount_and_tax(self) -> None:
        hook = stock()
        order = delivered(hook)
        # 5.00 discount over 30.00 and 40.00: line 1 gross 27.86 for 3 units.
        breakdown = flat_pricing(order, order_discount=cny(5))
        lc.request_return(
            order,
            kind=ReturnKind.RETURN,
            lines={"1": D(1)},
            reason="damaged",
            actor="cs",
            at=T,
            return_id="R1",
        )
        lc.approve_return(order, return_id="R1", actor="cs", at=T)
        result = run_with_stock(
            order,
            lambda target, _backordered: lc.receive_return(
                target,
                return_id="R1",
                disposition=StockDisposition.RESTOCK,
                actor="wh",
                at=T,
                breakdown=breakdown,
            ),
            hook,
        )
        assert [e.name for e in result.events] == ["ReturnReceived", "RefundDue"]
        assert result.events[1].amount == cny("9.29")  # type: ignore[attr-defined]
        assert order.ledger("1").returned == D(1)
        assert hook.available["SKU-A"] == D(98)
        assert lc.amount_due(order) == cny("53.71")

    def test_successive_returns_add_up_to_the_line_gross(self) -> None:
        order = delivered()
        breakdown = flat_pricing(order, order_discount=cny(7))
        total = cny(0)
        for i in range(3):
            rid = f"R{i}"
            lc.request_return(
                order,
                kind=ReturnKind.RETURN,
                lines={"1": D(1)},
                reason="x",
                actor="c",
                at=T,
                return_id=rid,
            )
            lc.approve_return(order, return_id=rid, actor="c", at=T)
            lc.receive_return(
                order,
                return_id=rid,
                disposition=StockDisposition.SCRAP,
                actor="w",
                at=T,
                breakdown=breakdown,
            )
            total = total + order.returns[-1].refund  # type: ignore[operator]
        assert total == breakdown.lines[0].gross

    def test_exchange_owes_no_refund_and_scraps_through_hook(self) -> None:
        hook = stock()
        order = delivered(hook)
        lc.request_return(
            order,
            kind=ReturnKind.EXCHANGE,
            lines={"2": D(1)},
            reason="wrong_size",
            actor="c",
            at=T,
            return_id="E",
        )
        lc.approve_return(order, return_id="E", actor="c", at=T)
        result = run_with_stock(
            order,
            lambda target, _backordered: lc.receive_return(
                target, return_id="E", disposition=StockDisposition.SCRAP, actor="w", at=T
            ),
            hook,
        )
        assert [e.name for e in result.events] == ["ReturnReceived"]
        assert hook.calls[-1] == ("restock:scrap", "SO-1", {"2": D(1)})

    def test_returning_more_than_delivered_is_refused(self) -> None:
        order = shipped()
        lc.deliver(order, lines={"1": D(1)}, actor="d", at=T)
        lc.request_return(
            order, kind=ReturnKind.REPAIR, lines={"1": D(1)}, reason="x", actor="c", at=T
        )
        refused(
            order,
            "lifecycle.return.exceeds_delivered",
            lambda: lc.request_return(
                order, kind=ReturnKind.RETURN, lines={"1": D(1)}, reason="x", actor="c", at=T
            ),
        )

    def test_return_codes(self) -> None:
        order = delivered()
        lc.request_return(
            order,
            kind=ReturnKind.RETURN,
            lines={"1": D(1)},
            reason="x",
            actor="c",
            at=T,
            return_id="R",
        )
        refused(
            order,
            "lifecycle.return.duplicate",
            lambda: lc.request_return(
                order,
                kind=ReturnKind.RETURN,
                lines={"2": D(1)},
                reason="x",
                actor="c",
                at=T,
                return_id="R",
            ),
        )
        refused(
            order,
            "lifecycle.return.not_found",
            lambda: lc.approve_return(order, return_id="nope", actor="c", at=T),
        )
        refused(
            order,
            "lifecycle.return.wrong_state",
            lambda: lc.receive_return(
                order,
                return_id="R",
                disposition=StockDisposition.RESTOCK,
                actor="w",
                at=T,
            ),
        )
        lc.approve_return(order, return_id="R", actor="c", at=T)
        refused(
            order,
            "lifecycle.return.not_priced",
            lambda: lc.receive_return(
                order,
                return_id="R",
                disposition=StockDisposition.RESTOCK,
                actor="w",
                at=T,
            ),
        )
        refused(
            order,
            "lifecycle.return.not_priced",
            lambda: lc.receive_return(
                order,
                return_id="R",
                disposition=StockDisposition.RESTOCK,
                actor="w",
                at=T,
                breakdown=FakeBreakdown(cny(1)),
            ),
        )
        refused(
            order,
            "lifecycle.reason_required",
            lambda: lc.request_return(
                order, kind=ReturnKind.RETURN, lines={"2": D(1)}, reason="", actor="c", at=T
            ),
        )

    def test_returned_quantities_are_no_longer_billable(self) -> None:
        order = delivered()
        lc.request_return(
            order,
            kind=ReturnKind.RETURN,
            lines={"2": D(2)},
            reason="x",
            actor="c",
            at=T,
            return_id="R",
        )
        lc.approve_return(order, return_id="R", actor="c", at=T)
        lc.receive_return(
            order,
            return_id="R",
            disposition=StockDisposition.RESTOCK,
            actor="w",
            at=T,
            breakdown=flat_pricing(order, order_discount=cny(7)),
        )
        lc.invoice(order, kind="general", amount=cny(1), lines={"1": D(3)}, actor="f", at=T)
        assert lc.billing_status(order) is lc.BillingStatus.FULL


class TestAuditAndIdempotency:
    def test_every_transition_is_audited_and_replays(self) -> None:
        order = delivered()
        settle(order)
        lc.complete(order, actor="boss", at=T)
        assert [e.event for e in order.audit] == [
            "submit",
            "confirm",
            "ship",
            "deliver",
            "invoice",
            "record_payment",
            "complete",
        ]
        assert order.audit[-1] == AuditEntry(
            T, "boss", "complete", Status.DELIVERED, Status.COMPLETED, None, 1
        )
        assert lc.replay(order.audit) is Status.COMPLETED

    def test_broken_audit_does_not_replay(self) -> None:
        entry = AuditEntry(T, "x", "ship", Status.DRAFT, Status.SHIPPED)
        with pytest.raises(InvalidOrder) as info:
            lc.replay([entry])
        assert info.value.code == "lifecycle.audit.broken"

    def test_repeated_key_returns_first_result_without_effect(self) -> None:
        order = confirmed()
        first = lc.record_payment(order, amount=cny(10), actor="f", at=T, idempotency_key="pay-1")
        before = snapshot(order)
        again = lc.record_payment(order, amount=cny(10), actor="f", at=T, idempotency_key="pay-1")
        assert again is first
        assert snapshot(order) == before

    def test_key_reused_for_another_event_is_refused(self) -> None:
        order = confirmed()
        lc.record_payment(order, amount=cny(10), actor="f", at=T, idempotency_key="k")
        refused(
            order,
            "lifecycle.idempotency_key_reused",
            lambda: lc.hold(order, actor="u", at=T, idempotency_key="k"),
        )

    def test_repeated_key_works_even_after_archive(self) -> None:
        order = make_order()
        first = lc.cancel(order, reason="x", actor="u", at=T, idempotency_key="c")
        assert lc.cancel(order, reason="x", actor="u", at=T, idempotency_key="c") is first

    def test_events_never_carry_customer_names(self) -> None:
        order = delivered()
        settle(order)
        result = lc.complete(order, actor="u", at=T)
        assert "某公司" not in repr(result)
        assert "某公司" not in repr(order)


def each_command_once() -> list[tuple[str, Any]]:
    """One call of every command along a path that makes each of them legal in turn."""
    hook = stock()
    pricing = flat_pricing
    return [
        (
            "submit",
            lambda o, k: lc.submit(
                o,
                actor="s",
                at=T,
                report=FakeReport(),
                breakdown=pricing(o),
                approval_policy=FINANCE_FROM_50,
                idempotency_key=k,
            ),
        ),
        ("reject", lambda o, k: lc.reject(o, reasons=["x"], actor="b", at=T, idempotency_key=k)),
        (
            "submit",
            lambda o, k: lc.submit(
                o,
                actor="s",
                at=T,
                report=FakeReport(),
                breakdown=pricing(o),
                approval_policy=FINANCE_FROM_50,
                idempotency_key=k,
            ),
        ),
        (
            "approve",
            lambda o, k: lc.approve(o, level="finance", actor="c", at=T, idempotency_key=k),
        ),
        (
            "amend",
            lambda o, k: run_with_stock(
                o,
                lambda target, backordered: lc.amend(
                    target,
                    [lc.ChangeDeliveryDate(T.date())],
                    pricing=pricing,
                    approval_policy=NO_APPROVAL,
                    actor="s",
                    at=T,
                    idempotency_key=k,
                    backordered=backordered,
                ),
                hook,
                reserves=True,
            ),
        ),
        (
            "confirm",
            lambda o, k: run_with_stock(
                o,
                lambda target, backordered: lc.confirm(
                    target, actor="s", at=T, idempotency_key=k, backordered=backordered
                ),
                hook,
                reserves=True,
            ),
        ),
        ("hold", lambda o, k: lc.hold(o, actor="s", at=T, idempotency_key=k)),
        ("resume", lambda o, k: lc.resume(o, actor="s", at=T, idempotency_key=k)),
        (
            "ship",
            lambda o, k: run_with_stock(
                o,
                lambda target, _backordered: lc.ship(
                    target, lines={"1": D(3), "2": D(2)}, actor="w", at=T, idempotency_key=k
                ),
                hook,
            ),
        ),
        (
            "deliver",
            lambda o, k: lc.deliver(
                o, lines={"1": D(3), "2": D(2)}, actor="d", at=T, idempotency_key=k
            ),
        ),
        (
            "request_return",
            lambda o, k: lc.request_return(
                o,
                kind=ReturnKind.RETURN,
                lines={"1": D(1)},
                reason="x",
                actor="c",
                at=T,
                return_id="R",
                idempotency_key=k,
            ),
        ),
        (
            "approve_return",
            lambda o, k: lc.approve_return(o, return_id="R", actor="c", at=T, idempotency_key=k),
        ),
        (
            "receive_return",
            lambda o, k: run_with_stock(
                o,
                lambda target, _backordered: lc.receive_return(
                    target,
                    return_id="R",
                    disposition=StockDisposition.RESTOCK,
                    actor="w",
                    at=T,
                    breakdown=pricing(o),
                    idempotency_key=k,
                ),
                hook,
            ),
        ),
        (
            "invoice",
            lambda o, k: lc.invoice(
                o,
                kind="general",
                amount=cny(60),
                lines={"1": D(2), "2": D(2)},
                actor="f",
                at=T,
                idempotency_key=k,
            ),
        ),
        (
            "record_payment",
            lambda o, k: lc.record_payment(o, amount=cny(70), actor="f", at=T, idempotency_key=k),
        ),
        (
            "record_refund",
            lambda o, k: lc.record_refund(o, amount=cny(10), actor="f", at=T, idempotency_key=k),
        ),
        ("complete", lambda o, k: lc.complete(o, actor="f", at=T, idempotency_key=k)),
    ]


class TestEveryCommandIsIdempotent:
    def test_second_call_with_the_same_key_changes_nothing(self) -> None:
        order = make_order()
        for index, (event, command) in enumerate(each_command_once()):
            key = f"key-{index}"
            first = command(order, key)
            assert first.event == event
            before = snapshot(order)
            assert command(order, key) is first
            assert snapshot(order) == before
        assert order.status is Status.COMPLETED
        assert lc.replay(order.audit) is Status.COMPLETED

    def test_event_ids_are_unique_and_derived_from_history(self) -> None:
        order = make_order()
        ids = [
            event.event_id
            for _, command in each_command_once()
            for event in command(order, None).events
        ]
        assert len(ids) == len(set(ids))
        assert ids[0] == "SO-1:0:0"


class TestMemoryDesign:
    def test_fresh_orders_share_empty_lifecycle_records(self) -> None:
        first, second = make_order(), make_order()
        assert first.audit is second.audit == ()
        assert first.ledgers is second.ledgers == ()
        assert not hasattr(first, "__dict__")
