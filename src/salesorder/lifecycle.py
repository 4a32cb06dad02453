"""The order lifecycle (R6, R7, R8, R12, R13, R14): one strict state machine and its commands.

:class:`OrderLifecycle` (python-statemachine) is the single declarative source of the
states, events, transitions and guard names; the docs' diagram is generated from it
(:func:`lifecycle_mermaid`). No order carries a machine instance: at import the class
definition is compiled into a transition table (:data:`TRANSITIONS`), and the command
functions (:func:`submit`, :func:`approve`, :func:`ship`, ...) apply it to the plain
:class:`~salesorder.order.Order` aggregate. Guards are pure predicates named like English
(``is_fully_shipped``, ``has_all_approvals``).

Invariants:

* The status changes only through a transition of the table; an event with no
  transition from the current status raises :class:`~salesorder.errors.IllegalTransition`.
* A refused command (illegal event, failed check, failing stock hook) leaves the order
  exactly as it was: every check runs and every hook is called before the first write.
* Per line: ``shipped <= ordered``, ``delivered <= shipped``, ``returned <= delivered``.
* Every transition appends one audit entry and emits at least one past-tense domain event;
  the audit trail replays from ``draft`` to the current status (:func:`replay`).
* Archived orders (completed, cancelled, closed) refuse every command.
* A command repeated with the same idempotency key returns the first result and does
  nothing else.
* Derived statuses (:func:`fulfilment_status`, :func:`billing_status`,
  :func:`payment_status`) are pure functions of the exact ledgers; nothing stores them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, Protocol

import attrs
from statemachine import StateMachine
from statemachine.states import States

from salesorder.errors import (
    IllegalTransition,
    InsufficientStock,
    InvalidOrder,
    RuleViolation,
    Shortfall,
    define_code,
)
from salesorder.events import (
    DomainEvent,
    OrderAmended,
    OrderApproved,
    OrderCancelled,
    OrderClosed,
    OrderCompleted,
    OrderConfirmed,
    OrderDelivered,
    OrderHeld,
    OrderInvoiced,
    OrderRejected,
    OrderResumed,
    OrderShipped,
    OrderSubmitted,
    PaymentRecorded,
    RefundDue,
    RefundRecorded,
    ReturnApproved,
    ReturnReceived,
    ReturnRequested,
)
from salesorder.money import Money, allocate, to_decimal
from salesorder.order import InvoiceKind, Order, OrderLine, OrderType, new_id
from salesorder.records import (
    ARCHIVED,
    ZERO,
    Approval,
    AuditEntry,
    Delivery,
    Invoice,
    LineLedger,
    LineQuantities,
    Payment,
    PaymentKind,
    ReturnKind,
    ReturnRecord,
    ReturnState,
    Revision,
    Shipment,
    Status,
    StockDisposition,
    line_quantities,
)

__all__ = [
    "TRANSITIONS",
    "AddLine",
    "AmendmentPreview",
    "ApprovalPolicy",
    "BillingStatus",
    "ChangeDeliveryDate",
    "ChangePrice",
    "ChangeQuantity",
    "FulfilmentStatus",
    "LifecyclePolicy",
    "OrderLifecycle",
    "PaymentStatus",
    "PriceFlag",
    "PriceSummary",
    "PricedLine",
    "ReasonIssue",
    "RemoveLine",
    "ReservationOutcome",
    "ReturnPricing",
    "Status",
    "StockReservations",
    "Transition",
    "TransitionResult",
    "ValidationSummary",
    "amend",
    "amount_due",
    "approve",
    "approve_return",
    "billing_status",
    "cancel",
    "close",
    "complete",
    "confirm",
    "deliver",
    "fulfilment_status",
    "hold",
    "invoice",
    "lifecycle_mermaid",
    "net_paid",
    "payment_status",
    "preview_amendment",
    "receive_return",
    "record_payment",
    "record_refund",
    "refund_for",
    "reject",
    "replay",
    "request_return",
    "resume",
    "revision_lines",
    "ship",
    "submit",
]

# -- codes ------------------------------------------------------------------------------------

ARCHIVED_CODE: Final = define_code(
    "lifecycle.archived",
    en="The order is archived ('{state}'); '{event}' is refused.",
    zh="订单已归档(“{state}”),拒绝执行“{event}”。",
)
CANCEL_AFTER_SHIPMENT: Final = define_code(
    "lifecycle.cancel_after_shipment",
    en="Goods have already shipped; cancel is refused, use a return instead.",
    zh="货物已发出,不能撤单,请走退货流程。",
)
REASON_REQUIRED: Final = define_code(
    "lifecycle.reason_required",
    en="'{event}' needs a reason code.",
    zh="“{event}”需要原因代码。",
)
UNKNOWN_LINE: Final = define_code(
    "lifecycle.unknown_line",
    en="The order has no line {line_id}.",
    zh="订单中没有订单行 {line_id}。",
)
QUANTITY_NOT_POSITIVE: Final = define_code(
    "lifecycle.quantity.not_positive",
    en="Quantity for line {line_id} must be positive.",
    zh="订单行 {line_id} 的数量必须大于零。",
)
NOTHING_GIVEN: Final = define_code(
    "lifecycle.quantity.none_given",
    en="'{event}' needs at least one line quantity.",
    zh="“{event}”至少需要一个订单行数量。",
)
SHIP_EXCEEDS: Final = define_code(
    "lifecycle.ship.exceeds_remaining",
    en="Line {line_id}: shipping {quantity} exceeds the {remaining} left to ship.",
    zh="订单行 {line_id}:发货数量 {quantity} 超过待发数量 {remaining}。",
)
SHIP_NEEDS_PAYMENT: Final = define_code(
    "lifecycle.ship.payment_required",
    en="Shipping needs payment first: {paid} paid of {required} required.",
    zh="需先付款才能发货:已付 {paid},应付 {required}。",
)
DELIVER_EXCEEDS: Final = define_code(
    "lifecycle.deliver.exceeds_shipped",
    en="Line {line_id}: delivering {quantity} exceeds the {remaining} shipped and undelivered.",
    zh="订单行 {line_id}:签收数量 {quantity} 超过已发未签收数量 {remaining}。",
)
INVOICE_EXCEEDS: Final = define_code(
    "lifecycle.invoice.exceeds_billable",
    en="Line {line_id}: invoicing {quantity} exceeds the {remaining} left to invoice.",
    zh="订单行 {line_id}:开票数量 {quantity} 超过可开票数量 {remaining}。",
)
INVOICE_KIND: Final = define_code(
    "lifecycle.invoice.kind_invalid",
    en="Invoice kind must be 'general' or 'vat_special', not '{kind}'.",
    zh="发票类型必须是“general”或“vat_special”,而不是“{kind}”。",
)
AMOUNT_NOT_POSITIVE: Final = define_code(
    "lifecycle.amount.not_positive",
    en="The amount must be positive and in the order currency {currency}.",
    zh="金额必须大于零且使用订单币种 {currency}。",
)
REFUND_EXCEEDS: Final = define_code(
    "lifecycle.refund.exceeds_paid",
    en="Refund {amount} exceeds the {paid} paid.",
    zh="退款 {amount} 超过已付金额 {paid}。",
)
NOT_INVOICED: Final = define_code(
    "lifecycle.complete.not_invoiced",
    en="The order is not fully invoiced.",
    zh="订单尚未全部开票。",
)
NOT_PAID: Final = define_code(
    "lifecycle.complete.not_paid",
    en="The order is not exactly paid (status {payment}).",
    zh="订单尚未结清(付款状态 {payment})。",
)
NOTHING_UNDELIVERED: Final = define_code(
    "lifecycle.close.nothing_undelivered",
    en="Every quantity was delivered; complete the order instead of closing it.",
    zh="所有数量均已签收,请完成订单而不是关闭。",
)
NO_PRICE: Final = define_code(
    "lifecycle.submit.not_priced",
    en="The order has no lines or its price is in {currency}, not {expected}.",
    zh="订单没有订单行,或价格币种 {currency} 与订单币种 {expected} 不符。",
)
APPROVAL_NOT_REQUIRED: Final = define_code(
    "lifecycle.approval.level_not_required",
    en="Approval level '{level}' is not required for this order.",
    zh="此订单不需要“{level}”级审批。",
)
APPROVAL_ALREADY_GIVEN: Final = define_code(
    "lifecycle.approval.already_given",
    en="Approval level '{level}' has already signed.",
    zh="“{level}”级审批已签署。",
)
APPROVAL_SAME_ACTOR: Final = define_code(
    "lifecycle.approval.same_actor",
    en="One person cannot sign two approval levels of the same order.",
    zh="同一人不能签署同一订单的两个审批级别。",
)
RETURN_EXCEEDS: Final = define_code(
    "lifecycle.return.exceeds_delivered",
    en="Line {line_id}: returning {quantity} exceeds the {remaining} delivered and not returned.",
    zh="订单行 {line_id}:退回数量 {quantity} 超过已签收未退回数量 {remaining}。",
)
RETURN_NOT_FOUND: Final = define_code(
    "lifecycle.return.not_found",
    en="There is no return {return_id} on this order.",
    zh="此订单没有退货单 {return_id}。",
)
RETURN_WRONG_STATE: Final = define_code(
    "lifecycle.return.wrong_state",
    en="Return {return_id} is '{state}', expected '{expected}'.",
    zh="退货单 {return_id} 处于“{state}”,应为“{expected}”。",
)
RETURN_DUPLICATE: Final = define_code(
    "lifecycle.return.duplicate",
    en="Return {return_id} already exists.",
    zh="退货单 {return_id} 已存在。",
)
RETURN_NOT_PRICED: Final = define_code(
    "lifecycle.return.not_priced",
    en="The price breakdown has no line {line_id} to compute the refund from.",
    zh="价格明细中没有订单行 {line_id},无法计算退款。",
)
AMENDMENT_INVALID: Final = define_code(
    "lifecycle.amendment.invalid",
    en="The amendment cannot be applied: {reason}.",
    zh="无法应用该改单:{reason}。",
)
IDEMPOTENCY_REUSED: Final = define_code(
    "lifecycle.idempotency_key_reused",
    en="Idempotency key was first used for '{first}', not '{event}'.",
    zh="幂等键已用于“{first}”,不能用于“{event}”。",
)
REPLAY_BROKEN: Final = define_code(
    "lifecycle.audit.broken",
    en="The audit trail does not replay at entry {index}.",
    zh="审计记录在第 {index} 条无法重放。",
)


# -- the machine: the one declarative source --------------------------------------------------


class OrderLifecycle(StateMachine):
    """The order lifecycle: states from :class:`Status`, events, transitions and guard names.

    This class is the declaration; commands do not instantiate it (an instance costs
    hundreds of microseconds and tens of kilobytes). It is compiled once into
    :data:`TRANSITIONS` and drawn by :func:`lifecycle_mermaid`. Self-transitions record
    facts (invoices, payments, partial deliveries, returns) without changing status.
    """

    s = States.from_enum(
        Status,
        initial=Status.DRAFT,
        final=[Status.COMPLETED, Status.CANCELLED, Status.CLOSED],
        use_enum_instance=True,
    )

    submit = s.DRAFT.to(s.PENDING_APPROVAL, cond="needs_approval") | s.DRAFT.to(s.APPROVED)
    approve = s.PENDING_APPROVAL.to(
        s.APPROVED, cond="has_all_approvals"
    ) | s.PENDING_APPROVAL.to.itself(internal=True)
    reject = s.PENDING_APPROVAL.to(s.DRAFT)
    confirm = s.APPROVED.to(s.CONFIRMED)
    ship = (
        s.CONFIRMED.to(s.SHIPPED, cond="is_fully_shipped")
        | s.CONFIRMED.to(s.PARTIALLY_SHIPPED)
        | s.PARTIALLY_SHIPPED.to(s.SHIPPED, cond="is_fully_shipped")
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
    )
    deliver = (
        s.SHIPPED.to(s.DELIVERED, cond="is_fully_delivered")
        | s.SHIPPED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
    )
    invoice = (
        s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
    )
    record_payment = (
        s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
    )
    record_refund = (
        s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
    )
    complete = s.DELIVERED.to(s.COMPLETED, cond=["is_fully_invoiced", "is_fully_paid"])
    cancel = (
        s.DRAFT.to(s.CANCELLED)
        | s.PENDING_APPROVAL.to(s.CANCELLED)
        | s.APPROVED.to(s.CANCELLED)
        | s.CONFIRMED.to(s.CANCELLED)
        | s.ON_HOLD.to(s.CANCELLED, cond="has_nothing_shipped")
    )
    hold = (
        s.PENDING_APPROVAL.to(s.ON_HOLD)
        | s.APPROVED.to(s.ON_HOLD)
        | s.CONFIRMED.to(s.ON_HOLD)
        | s.PARTIALLY_SHIPPED.to(s.ON_HOLD)
        | s.SHIPPED.to(s.ON_HOLD)
        | s.DELIVERED.to(s.ON_HOLD)
    )
    resume = (
        s.ON_HOLD.to(s.PENDING_APPROVAL, cond="was_held_from_pending_approval")
        | s.ON_HOLD.to(s.APPROVED, cond="was_held_from_approved")
        | s.ON_HOLD.to(s.CONFIRMED, cond="was_held_from_confirmed")
        | s.ON_HOLD.to(s.PARTIALLY_SHIPPED, cond="was_held_from_partially_shipped")
        | s.ON_HOLD.to(s.SHIPPED, cond="was_held_from_shipped")
        | s.ON_HOLD.to(s.DELIVERED, cond="was_held_from_delivered")
    )
    amend = (
        s.APPROVED.to(s.PENDING_APPROVAL, cond="needs_approval")
        | s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to(s.PENDING_APPROVAL, cond="needs_approval")
        | s.CONFIRMED.to.itself(internal=True)
    )
    close = s.PARTIALLY_SHIPPED.to(s.CLOSED, cond="has_undelivered_quantities") | s.SHIPPED.to(
        s.CLOSED, cond="has_undelivered_quantities"
    )
    request_return = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
    )
    approve_return = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
    )
    receive_return = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
    )


@attrs.frozen
class Transition:
    """One row of the compiled transition table.

    Attributes:
        event: Event name, e.g. ``ship``.
        source: Status the transition leaves.
        target: Status it enters (the same for a self-transition).
        guards: Names of the guards that must all hold, in order.
    """

    event: str
    source: Status
    target: Status
    guards: tuple[str, ...] = ()


def _compile(machine: type[StateMachine]) -> tuple[Transition, ...]:
    rows: list[Transition] = []
    for state in machine.states:
        for transition in state.transitions:
            guards = tuple(str(spec.func) for spec in transition.cond)
            rows.extend(
                Transition(event, state.value, transition.target.value, guards)
                for event in str(transition.event).split()
            )
    return tuple(rows)


TRANSITIONS: Final[tuple[Transition, ...]] = _compile(OrderLifecycle)
"""Every transition of :class:`OrderLifecycle`, compiled once at import."""

EVENTS: Final[tuple[str, ...]] = tuple(dict.fromkeys(row.event for row in TRANSITIONS))
"""Every event name."""


# -- derived statuses -------------------------------------------------------------------------


class FulfilmentStatus(enum.StrEnum):
    """How much of the order has shipped."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class BillingStatus(enum.StrEnum):
    """How much of the billable quantity (ordered minus returned) has been invoiced."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class PaymentStatus(enum.StrEnum):
    """Money received against the amount due."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERPAID = "overpaid"
    REFUNDED = "refunded"


def fulfilment_status(order: Order) -> FulfilmentStatus:
    """Shipped against ordered quantities, per line.

    Args:
        order: The order.

    Returns:
        ``none`` when nothing shipped, ``full`` when every line shipped in full.
    """
    shipped_any = False
    full = True
    for line in order.lines:
        shipped = order.ledger(line.line_id).shipped
        shipped_any = shipped_any or shipped > 0
        full = full and shipped >= line.quantity
    if not shipped_any:
        return FulfilmentStatus.NONE
    return FulfilmentStatus.FULL if full else FulfilmentStatus.PARTIAL


def billing_status(order: Order) -> BillingStatus:
    """Invoiced against billable quantities (ordered minus returned), per line.

    Amount-only invoices (advance invoices) count in the invoiced amount, not here.

    Args:
        order: The order.

    Returns:
        ``none`` when no quantity was invoiced, ``full`` when every line is.
    """
    invoiced_any = False
    full = True
    for line in order.lines:
        ledger = order.ledger(line.line_id)
        invoiced_any = invoiced_any or ledger.invoiced > 0
        full = full and ledger.invoiced >= line.quantity - ledger.returned
    if not invoiced_any:
        return BillingStatus.NONE
    return BillingStatus.FULL if full else BillingStatus.PARTIAL


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def net_paid(order: Order) -> Money:
    """Payments received minus refunds paid, in the order currency."""
    paid = _sum((p.amount for p in order.payments if p.kind is PaymentKind.PAYMENT), order.currency)
    refunded = _sum(
        (p.amount for p in order.payments if p.kind is PaymentKind.REFUND), order.currency
    )
    return paid - refunded


def amount_due(order: Order) -> Money:
    """The order total less the refunds owed for received returns (zero before pricing)."""
    total = order.grand_total if order.grand_total is not None else Money.zero(order.currency)
    credited = _sum((r.refund for r in order.returns if r.refund is not None), order.currency)
    return total - credited


def payment_status(order: Order) -> PaymentStatus:
    """Money received against :func:`amount_due`.

    Args:
        order: The order.

    Returns:
        ``unpaid`` (nothing received), ``refunded`` (everything received paid back),
        otherwise ``partially_paid``, ``paid`` or ``overpaid`` by the net received.
    """
    if not any(p.kind is PaymentKind.PAYMENT for p in order.payments):
        return PaymentStatus.UNPAID
    net = net_paid(order)
    refunded_any = any(p.kind is PaymentKind.REFUND for p in order.payments)
    if refunded_any and not net:
        return PaymentStatus.REFUNDED
    due = amount_due(order)
    if net < due:
        return PaymentStatus.PARTIALLY_PAID
    return PaymentStatus.PAID if net == due else PaymentStatus.OVERPAID


# -- protocols of collaborators (filled by pricing, validation, inventory) ---------------------


class ReasonIssue(Protocol):
    """Anything with a problem ``code`` (a validation issue)."""

    @property
    def code(self) -> str:
        """The issue code."""
        ...


class ValidationSummary(Protocol):
    """The part of a validation report the approval policy reads."""

    @property
    def needs_approval(self) -> Sequence[ReasonIssue]:
        """Issues that do not block the order but need an approver's signature."""
        ...


class PriceFlag(Protocol):
    """A pricing flag, e.g. a discount over the limit or a price under the floor."""

    @property
    def code(self) -> str:
        """The flag code, e.g. ``price.below_floor``."""
        ...

    @property
    def line_id(self) -> str | None:
        """The line it concerns, if any."""
        ...


class PriceSummary(Protocol):
    """The part of a price breakdown the lifecycle reads."""

    @property
    def grand_total(self) -> Money:
        """Amount due, tax included."""
        ...

    @property
    def flags(self) -> Sequence[PriceFlag]:
        """Flags that may need approval."""
        ...


class PricedLine(Protocol):
    """One priced line: what the customer pays for it, after discounts, tax included."""

    @property
    def line_id(self) -> str:
        """The line."""
        ...

    @property
    def quantity(self) -> Decimal:
        """The quantity priced."""
        ...

    @property
    def gross(self) -> Money:
        """The line's amount after every discount (its share of order discounts too), with tax."""
        ...


class ReturnPricing(Protocol):
    """A breakdown with priced lines, for refunds."""

    @property
    def lines(self) -> Sequence[PricedLine]:
        """The priced lines."""
        ...


class ReservationOutcome(Protocol):
    """What a reservation served: quantities per line left on backorder."""

    @property
    def backordered(self) -> Mapping[str, Decimal]:
        """Quantity per line id that could not be reserved (only with ``allow_backorder``)."""
        ...


class StockReservations(Protocol):
    """The stock hook the lifecycle calls; the inventory module implements it.

    Each call must be atomic and idempotent per ``operation_id``.
    """

    def reserve(
        self,
        order: Order,
        *,
        lines: Mapping[str, Decimal],
        allow_backorder: bool,
        operation_id: str,
    ) -> ReservationOutcome:
        """Reserve ``lines`` of ``order``.

        Raises:
            InsufficientStock: if stock is short and ``allow_backorder`` is false
                (then nothing is reserved).
        """
        ...

    def release(
        self, order_id: str, *, lines: Mapping[str, Decimal] | None, operation_id: str
    ) -> None:
        """Release reservations of ``lines`` (all of the order's when None)."""
        ...

    def commit(self, order_id: str, *, lines: Mapping[str, Decimal], operation_id: str) -> None:
        """Turn reserved quantities into shipped stock (goods leave the warehouse)."""
        ...

    def restock(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal],
        disposition: StockDisposition,
        operation_id: str,
    ) -> None:
        """Take returned goods back: into available stock (restock) or written off (scrap)."""
        ...


# -- policies ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ApprovalPolicy:
    """Decides whether an order needs approval and which levels must sign (审批策略).

    Attributes:
        amount_levels: ``(threshold, level)`` pairs: an order whose grand total is at
            least ``threshold`` needs ``level``.
        reason_levels: ``(code, level)`` pairs for validation issue and price flag codes;
            codes not listed go to ``default_level``.
        default_level: Level for reasons not in ``reason_levels``.
        new_customer_level: Level for a new customer's order (None: no approval).
        order_type_levels: ``(order type, level)`` pairs.
    """

    amount_levels: tuple[tuple[Money, str], ...] = ()
    reason_levels: tuple[tuple[str, str], ...] = ()
    default_level: str = "sales_manager"
    new_customer_level: str | None = "sales_manager"
    order_type_levels: tuple[tuple[OrderType, str], ...] = ()

    def requirements(
        self, order: Order, *, report: ValidationSummary, breakdown: PriceSummary
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Which levels must approve ``order`` and why.

        Args:
            order: The order.
            report: Its validation report (only ``needs_approval`` is read).
            breakdown: Its price breakdown (``grand_total`` and ``flags``).

        Returns:
            ``(level, reason codes)`` pairs sorted by level; empty when no approval is needed.
        """
        reasons: dict[str, list[str]] = {}
        by_code = dict(self.reason_levels)

        def need(level: str, reason: str) -> None:
            bucket = reasons.setdefault(level, [])
            if reason not in bucket:
                bucket.append(reason)

        for threshold, level in self.amount_levels:
            if breakdown.grand_total >= threshold:
                need(level, "approval.amount_over_threshold")
        for item in (*report.needs_approval, *breakdown.flags):
            need(by_code.get(item.code, self.default_level), item.code)
        if order.customer.is_new and self.new_customer_level is not None:
            need(self.new_customer_level, "approval.new_customer")
        for order_type, level in self.order_type_levels:
            if order.order_type is order_type:
                need(level, f"approval.order_type.{order_type.value}")
        return tuple((level, tuple(codes)) for level, codes in sorted(reasons.items()))


@attrs.frozen(kw_only=True)
class LifecyclePolicy:
    """Switches that change how commands behave.

    Attributes:
        allow_backorder: Confirm an order whose stock is short, leaving quantities on
            backorder, instead of refusing with ``InsufficientStock``.
        ship_only_after_payment: Refuse shipments until the prepayment share of the
            payment terms (100 % when the terms ask none) has been received.
        separate_approvers: Refuse one person signing two levels of the same round.
    """

    allow_backorder: bool = False
    ship_only_after_payment: bool = False
    separate_approvers: bool = True


DEFAULT_POLICY: Final = LifecyclePolicy()


class _EmptyReport:
    needs_approval: Sequence[ReasonIssue] = ()


# -- results and plans ------------------------------------------------------------------------


@attrs.frozen
class TransitionResult:
    """What a command did.

    Attributes:
        order_id: The order.
        event: The event applied.
        source: Status before.
        target: Status after.
        revision: The order's revision after.
        events: Domain events emitted, to be recorded with the change (outbox).
    """

    order_id: str
    event: str
    source: Status
    target: Status
    revision: int
    events: tuple[DomainEvent, ...]


@attrs.define(slots=True)
class _Plan:
    """Everything a command will change, computed before anything is written."""

    order: Order
    changes: dict[str, Any] = attrs.Factory(dict)
    needs_approval: bool = False
    reason: str | None = None
    # Runs once the target is known, before any write; may raise (order unchanged)
    # and may return more changes (e.g. the backorder a reservation left).
    effect: Callable[[Status], Mapping[str, Any]] | None = None
    events: Callable[[dict[str, Any]], tuple[DomainEvent, ...]] | None = None

    def get(self, name: str) -> Any:
        return self.changes[name] if name in self.changes else getattr(self.order, name)

    def ledger(self, line_id: str) -> LineLedger:
        for candidate in self.get("ledgers"):
            if candidate.line_id == line_id:
                return candidate  # type: ignore[no-any-return]
        return LineLedger(line_id)


Guard = Callable[[_Plan], bool]


def _all_lines(plan: _Plan, test: Callable[[OrderLine, LineLedger], bool]) -> bool:
    return all(test(line, plan.ledger(line.line_id)) for line in plan.get("lines"))


def needs_approval(plan: _Plan) -> bool:
    """The order (as submitted or amended) needs at least one approval."""
    return plan.needs_approval


def has_all_approvals(plan: _Plan) -> bool:
    """Every level required in the current round has signed."""
    round_ = plan.get("approval_round")
    signed = {a.level for a in plan.get("approvals") if a.round == round_}
    return all(level in signed for level, _ in plan.get("required_approvals"))


def is_fully_shipped(plan: _Plan) -> bool:
    """Every line has shipped its ordered quantity."""
    return _all_lines(plan, lambda line, ledger: ledger.shipped >= line.quantity)


def is_fully_delivered(plan: _Plan) -> bool:
    """Every line has been signed for in full."""
    return _all_lines(plan, lambda line, ledger: ledger.delivered >= line.quantity)


def is_fully_invoiced(plan: _Plan) -> bool:
    """Every line is invoiced for its ordered quantity less returns."""
    return billing_status(plan.order) is BillingStatus.FULL


def is_fully_paid(plan: _Plan) -> bool:
    """Net money received equals the amount due (nothing owed either way)."""
    return net_paid(plan.order) == amount_due(plan.order)


def has_nothing_shipped(plan: _Plan) -> bool:
    """No quantity of any line has left the warehouse."""
    return all(not ledger.shipped for ledger in plan.order.ledgers)


def has_undelivered_quantities(plan: _Plan) -> bool:
    """Some ordered quantity has not been signed for."""
    return not is_fully_delivered(plan)


def _held_from(status: Status) -> Guard:
    def guard(plan: _Plan) -> bool:
        return plan.order.held_from is status

    guard.__name__ = f"was_held_from_{status.value}"
    guard.__doc__ = f"The order was put on hold from ``{status.value}``."
    return guard


GUARDS: Final[dict[str, Guard]] = {
    guard.__name__: guard
    for guard in (
        needs_approval,
        has_all_approvals,
        is_fully_shipped,
        is_fully_delivered,
        is_fully_invoiced,
        is_fully_paid,
        has_nothing_shipped,
        has_undelivered_quantities,
        *(_held_from(status) for status in Status),
    )
}
"""Guard predicates by the name the machine uses."""

# When no transition's guards hold, the first failing guard says why.
_GUARD_REFUSALS: Final[dict[str, str]] = {
    "is_fully_invoiced": NOT_INVOICED,
    "is_fully_paid": NOT_PAID,
    "has_nothing_shipped": CANCEL_AFTER_SHIPMENT,
    "has_undelivered_quantities": NOTHING_UNDELIVERED,
}


def _build_table() -> dict[tuple[Status, str], tuple[tuple[Status, tuple[Guard, ...]], ...]]:
    table: dict[tuple[Status, str], list[tuple[Status, tuple[Guard, ...]]]] = {}
    for row in TRANSITIONS:
        guards = tuple(GUARDS[name] for name in row.guards)  # KeyError: a guard is missing
        table.setdefault((row.source, row.event), []).append((row.target, guards))
    for key, candidates in table.items():
        # Candidates are tried in declaration order: an unguarded one must come last,
        # or the ones after it could never be taken.
        if any(not guards for _, guards in candidates[:-1]):
            msg = f"unreachable transition after an unguarded one for {key}"
            raise TypeError(msg)
    return {key: tuple(value) for key, value in table.items()}


_TABLE: Final = _build_table()


# -- the engine -------------------------------------------------------------------------------


def _refuse(order: Order, event: str) -> IllegalTransition:
    code = None
    if event == "cancel" and any(ledger.shipped for ledger in order.ledgers):
        code = CANCEL_AFTER_SHIPMENT
    return IllegalTransition(state=order.status.value, event=event, code=code)


def _check_event(order: Order, event: str, key: str | None) -> TransitionResult | None:
    """Return the first result of a repeated idempotency key; refuse impossible events."""
    if key is not None:
        for known, first_event, result in order.idempotency:
            if known == key:
                if first_event != event:
                    raise RuleViolation(
                        IDEMPOTENCY_REUSED, params={"first": first_event, "event": event}
                    )
                return result  # type: ignore[return-value]
    if order.status in ARCHIVED:
        raise IllegalTransition(state=order.status.value, event=event, code=ARCHIVED_CODE)
    if (order.status, event) not in _TABLE:
        raise _refuse(order, event)
    return None


def _fire(
    plan: _Plan,
    event: str,
    *,
    actor: str,
    at: datetime,
    key: str | None,
) -> TransitionResult:
    order = plan.order
    source = order.status
    target: Status | None = None
    refusal: str | None = None
    for candidate, guards in _TABLE[(source, event)]:
        failed = next((guard for guard in guards if not guard(plan)), None)
        if failed is None:
            target = candidate
            break
        refusal = refusal or _GUARD_REFUSALS.get(failed.__name__)
    if target is None:
        params = {"payment": payment_status(order).value}
        raise IllegalTransition(state=source.value, event=event, code=refusal, params=params)
    changes = plan.changes
    if plan.effect is not None:
        changes = {**changes, **plan.effect(target)}
    revision = changes.get("revision", order.revision)
    context = {"source": source, "target": target, "revision": revision, "changes": changes}
    events = plan.events(context) if plan.events is not None else ()
    entry = AuditEntry(at, actor, event, source, target, plan.reason, revision)
    result = TransitionResult(order.id, event, source, target, revision, events)
    # Everything is decided: write.
    for name, value in changes.items():
        setattr(order, name, value)
    order.status = target
    order.audit = (*order.audit, entry)
    if key is not None:
        order.idempotency = (*order.idempotency, (key, event, result))
    return result


def _common(
    order: Order, plan: _Plan, at: datetime, actor: str
) -> Callable[[type[Any], dict[str, Any]], Callable[[dict[str, Any]], tuple[DomainEvent, ...]]]:
    """Factory of event builders that fill the fields every order event shares."""

    def builder(
        cls: type[Any], fields: dict[str, Any]
    ) -> Callable[[dict[str, Any]], tuple[DomainEvent, ...]]:
        def build(context: dict[str, Any]) -> tuple[DomainEvent, ...]:
            return (
                cls(
                    occurred_at=at,
                    order_id=order.id,
                    actor=actor,
                    source=context["source"].value,
                    target=context["target"].value,
                    revision=context["revision"],
                    **fields,
                ),
            )

        return build

    return builder


def _operation_id(order: Order, event: str, key: str | None) -> str:
    # Stable for a given order history, so a retried hook call can be de-duplicated.
    return key if key is not None else f"{order.id}:{len(order.audit)}:{event}"


def _with_ledgers(plan: _Plan, updated: Iterable[LineLedger]) -> tuple[LineLedger, ...]:
    by_line = {ledger.line_id: ledger for ledger in plan.get("ledgers")}
    for ledger in updated:
        by_line[ledger.line_id] = ledger
    order_of = {line.line_id: i for i, line in enumerate(plan.get("lines"))}
    kept = [ledger for ledger in by_line.values() if ledger.line_id in order_of]
    return tuple(sorted(kept, key=lambda ledger: order_of[ledger.line_id]))


def _quantities(
    order: Order, lines: Mapping[str, Decimal], event: str
) -> dict[str, tuple[OrderLine, Decimal]]:
    if not lines:
        raise RuleViolation(NOTHING_GIVEN, params={"event": event})
    checked: dict[str, tuple[OrderLine, Decimal]] = {}
    for line_id, quantity in lines.items():
        try:
            line = order.line(line_id)
        except KeyError:
            raise RuleViolation(UNKNOWN_LINE, params={"line_id": line_id}) from None
        # Floats and bools are refused (FloatRefused / TypeError), ints and text converted.
        value = to_decimal(quantity, what="quantity")
        if value <= 0:
            raise RuleViolation(QUANTITY_NOT_POSITIVE, params={"line_id": line_id})
        checked[line_id] = (line, value)
    return checked


def _require_reason(reason: str | None, event: str) -> str:
    if not reason or not reason.strip():
        raise RuleViolation(REASON_REQUIRED, params={"event": event})
    return reason


def _check_amount(order: Order, amount: Money) -> None:
    if not isinstance(amount, Money) or amount.currency != order.currency or amount.amount <= 0:
        raise RuleViolation(AMOUNT_NOT_POSITIVE, params={"currency": order.currency})


# -- commands: approval -----------------------------------------------------------------------


def submit(
    order: Order,
    *,
    actor: str,
    at: datetime,
    report: ValidationSummary,
    breakdown: PriceSummary,
    policy: ApprovalPolicy,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Submit a draft for review (提交审核); with nothing to approve it is approved at once.

    Args:
        order: A draft order.
        actor: Who submits.
        at: When.
        report: Its validation report (``needs_approval`` is read).
        breakdown: Its price breakdown; its ``grand_total`` becomes the amount due.
        policy: Decides the approval levels.
        idempotency_key: Repeat protection.

    Returns:
        The transition result, with ``OrderSubmitted`` (and ``OrderApproved`` style
        information when no approval is needed: the target is then ``approved``).

    Raises:
        IllegalTransition: if the order is not a draft.
        RuleViolation: ``lifecycle.submit.not_priced`` without lines or in another currency.
    """
    if (first := _check_event(order, "submit", idempotency_key)) is not None:
        return first
    total = breakdown.grand_total
    if not order.lines or total.currency != order.currency:
        raise RuleViolation(
            NO_PRICE, params={"currency": total.currency, "expected": order.currency}
        )
    required = policy.requirements(order, report=report, breakdown=breakdown)
    plan = _Plan(order, needs_approval=bool(required))
    plan.changes = {
        "grand_total": total,
        "approval_round": order.approval_round + 1,
        "required_approvals": required,
    }
    if not order.revisions:
        plan.changes["revisions"] = (
            Revision(order.revision, order.lines, at, actor, (), order.requested_delivery_date),
        )
    plan.events = _common(order, plan, at, actor)(
        OrderSubmitted, {"required_levels": tuple(level for level, _ in required)}
    )
    return _fire(plan, "submit", actor=actor, at=at, key=idempotency_key)


def approve(
    order: Order,
    *,
    level: str,
    actor: str,
    at: datetime,
    comment: str | None = None,
    policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Sign one required approval level; the order is approved once every level has signed.

    Args:
        order: An order pending approval.
        level: The level signing.
        actor: The approver's user id.
        at: When.
        comment: Optional note (no personal data).
        policy: ``separate_approvers`` refuses one person signing two levels.
        idempotency_key: Repeat protection.

    Returns:
        The transition result (target ``approved`` or still ``pending_approval``).

    Raises:
        IllegalTransition: if the order is not pending approval.
        RuleViolation: ``lifecycle.approval.level_not_required``,
            ``lifecycle.approval.already_given`` or ``lifecycle.approval.same_actor``.
    """
    if (first := _check_event(order, "approve", idempotency_key)) is not None:
        return first
    required = dict(order.required_approvals)
    if level not in required:
        raise RuleViolation(APPROVAL_NOT_REQUIRED, params={"level": level})
    current = [a for a in order.approvals if a.round == order.approval_round]
    if any(a.level == level for a in current):
        raise RuleViolation(APPROVAL_ALREADY_GIVEN, params={"level": level})
    if policy.separate_approvers and any(a.actor == actor for a in current):
        raise RuleViolation(APPROVAL_SAME_ACTOR)
    signature = Approval(level, actor, at, required[level], order.approval_round, comment)
    plan = _Plan(order, changes={"approvals": (*order.approvals, signature)}, reason=level)
    fully = has_all_approvals(plan)
    plan.events = _common(order, plan, at, actor)(
        OrderApproved, {"level": level, "fully_approved": fully}
    )
    return _fire(plan, "approve", actor=actor, at=at, key=idempotency_key)


def reject(
    order: Order,
    *,
    reasons: Sequence[str],
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Reject an order back to draft for correction (驳回), with reason codes.

    Args:
        order: An order pending approval.
        reasons: One or more reason codes.
        actor: The approver.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result (target ``draft``).

    Raises:
        IllegalTransition: if the order is not pending approval.
        RuleViolation: ``lifecycle.reason_required`` without reasons.
    """
    if (first := _check_event(order, "reject", idempotency_key)) is not None:
        return first
    codes = tuple(_require_reason(reason, "reject") for reason in reasons)
    if not codes:
        raise RuleViolation(REASON_REQUIRED, params={"event": "reject"})
    plan = _Plan(order, changes={"required_approvals": ()}, reason=",".join(codes))
    plan.events = _common(order, plan, at, actor)(OrderRejected, {"reasons": codes})
    return _fire(plan, "reject", actor=actor, at=at, key=idempotency_key)


# -- commands: stock --------------------------------------------------------------------------


def confirm(
    order: Order,
    *,
    actor: str,
    at: datetime,
    reservations: StockReservations | None,
    policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Confirm an approved order, reserving its stock through ``reservations``.

    Args:
        order: An approved order.
        actor: Who confirms.
        at: When.
        reservations: The stock hook; None when the host does not manage stock
            (every quantity then counts as reserved).
        policy: ``allow_backorder`` confirms a short order with backorder.
        idempotency_key: Repeat protection (also the hook's operation id).

    Returns:
        The transition result with ``OrderConfirmed`` (its ``backordered`` quantities).

    Raises:
        IllegalTransition: if the order is not approved.
        InsufficientStock: stock is short and backorder is not allowed.
    """
    if (first := _check_event(order, "confirm", idempotency_key)) is not None:
        return first
    plan = _Plan(order)
    wanted = {line.line_id: line.quantity for line in order.lines}
    operation = _operation_id(order, "confirm", idempotency_key)

    def effect(_target: Status) -> Mapping[str, Any]:
        backordered: Mapping[str, Decimal] = {}
        if reservations is not None:
            outcome = reservations.reserve(
                order,
                lines=wanted,
                allow_backorder=policy.allow_backorder,
                operation_id=operation,
            )
            backordered = {k: v for k, v in outcome.backordered.items() if v}
            if backordered and not policy.allow_backorder:
                # The hook broke its contract; undo and refuse like it should have.
                reservations.release(order.id, lines=None, operation_id=operation + ":undo")
                raise InsufficientStock(_shortfalls(order, backordered))
        ledgers = _with_ledgers(
            plan,
            (
                attrs.evolve(
                    plan.ledger(line.line_id),
                    reserved=line.quantity - backordered.get(line.line_id, ZERO),
                    backordered=backordered.get(line.line_id, ZERO),
                )
                for line in order.lines
            ),
        )
        held["backordered"] = line_quantities(backordered)
        return {"ledgers": ledgers}

    held: dict[str, LineQuantities] = {}
    plan.effect = effect

    def events(context: dict[str, Any]) -> tuple[DomainEvent, ...]:
        return _common(order, plan, at, actor)(
            OrderConfirmed, {"backordered": held["backordered"]}
        )(context)

    plan.events = events
    return _fire(plan, "confirm", actor=actor, at=at, key=idempotency_key)


def _shortfalls(order: Order, backordered: Mapping[str, Decimal]) -> tuple[Shortfall, ...]:
    by_sku: dict[str, tuple[Decimal, Decimal]] = {}
    for line in order.lines:
        missing = backordered.get(line.line_id, ZERO)
        requested, available = by_sku.get(line.sku, (ZERO, ZERO))
        by_sku[line.sku] = (requested + line.quantity, available + line.quantity - missing)
    return tuple(
        Shortfall(sku, requested, available)
        for sku, (requested, available) in sorted(by_sku.items())
        if available < requested
    )


def _paid_enough_to_ship(order: Order) -> None:
    total = order.grand_total if order.grand_total is not None else Money.zero(order.currency)
    share = order.payment_terms.prepayment_percent or Decimal(100)
    required = (total * share * Decimal("0.01")).quantize()
    paid = net_paid(order)
    if paid < required:
        raise RuleViolation(SHIP_NEEDS_PAYMENT, params={"paid": paid, "required": required})


def ship(
    order: Order,
    *,
    lines: Mapping[str, Decimal],
    actor: str,
    at: datetime,
    reservations: StockReservations | None,
    carrier: str | None = None,
    tracking_number: str | None = None,
    shipment_id: str | None = None,
    policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record a shipment (发货) of line quantities, partial or full.

    Args:
        order: A confirmed or partially shipped order.
        lines: Quantity per line id, each positive and at most what is left to ship.
        actor: Who ships.
        at: When.
        reservations: The stock hook (its ``commit`` is called); None without stock.
        carrier: Carrier code.
        tracking_number: Carrier's tracking number.
        shipment_id: Identifier; a new one when None.
        policy: ``ship_only_after_payment`` requires the prepayment first.
        idempotency_key: Repeat protection.

    Returns:
        The transition result (``partially_shipped`` or ``shipped``) with ``OrderShipped``.

    Raises:
        IllegalTransition: if the order cannot ship now.
        RuleViolation: ``lifecycle.ship.exceeds_remaining``, ``lifecycle.unknown_line``,
            ``lifecycle.quantity.not_positive``, ``lifecycle.ship.payment_required``.
    """
    if (first := _check_event(order, "ship", idempotency_key)) is not None:
        return first
    checked = _quantities(order, lines, "ship")
    if policy.ship_only_after_payment:
        _paid_enough_to_ship(order)
    plan = _Plan(order)
    updated = []
    for line_id, (line, quantity) in checked.items():
        ledger = order.ledger(line_id)
        remaining = line.quantity - ledger.shipped
        if quantity > remaining:
            raise RuleViolation(
                SHIP_EXCEEDS,
                params={"line_id": line_id, "quantity": quantity, "remaining": remaining},
            )
        from_reserved = min(ledger.reserved, quantity)
        from_backorder = min(ledger.backordered, quantity - from_reserved)
        updated.append(
            attrs.evolve(
                ledger,
                shipped=ledger.shipped + quantity,
                reserved=ledger.reserved - from_reserved,
                backordered=ledger.backordered - from_backorder,
            )
        )
    frozen = line_quantities({k: q for k, (_, q) in checked.items()})
    record = Shipment(shipment_id or new_id(), frozen, at, carrier, tracking_number)
    plan.changes = {
        "ledgers": _with_ledgers(plan, updated),
        "shipments": (*order.shipments, record),
    }
    operation = _operation_id(order, "ship", idempotency_key)

    def effect(_target: Status) -> Mapping[str, Any]:
        if reservations is not None:
            reservations.commit(order.id, lines=dict(frozen), operation_id=operation)
        return {}

    plan.effect = effect
    plan.events = _common(order, plan, at, actor)(
        OrderShipped,
        {
            "shipment_id": record.shipment_id,
            "lines": frozen,
            "carrier": carrier,
            "tracking_number": tracking_number,
        },
    )
    return _fire(plan, "ship", actor=actor, at=at, key=idempotency_key)


def deliver(
    order: Order,
    *,
    lines: Mapping[str, Decimal],
    actor: str,
    at: datetime,
    proof: str | None = None,
    delivery_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record that the customer signed for shipped quantities (签收).

    Args:
        order: A partially shipped or shipped order.
        lines: Quantity per line, each at most shipped minus delivered.
        actor: Who records it.
        at: When the customer signed.
        proof: Reference of the proof of delivery (not a name).
        delivery_id: Identifier; a new one when None.
        idempotency_key: Repeat protection.

    Returns:
        The transition result (``delivered`` once every ordered quantity is signed for).

    Raises:
        IllegalTransition: if nothing can be delivered now.
        RuleViolation: ``lifecycle.deliver.exceeds_shipped`` and line quantity codes.
    """
    if (first := _check_event(order, "deliver", idempotency_key)) is not None:
        return first
    checked = _quantities(order, lines, "deliver")
    plan = _Plan(order)
    updated = []
    for line_id, (_, quantity) in checked.items():
        ledger = order.ledger(line_id)
        remaining = ledger.shipped - ledger.delivered
        if quantity > remaining:
            raise RuleViolation(
                DELIVER_EXCEEDS,
                params={"line_id": line_id, "quantity": quantity, "remaining": remaining},
            )
        updated.append(attrs.evolve(ledger, delivered=ledger.delivered + quantity))
    frozen = line_quantities({k: q for k, (_, q) in checked.items()})
    record = Delivery(delivery_id or new_id(), frozen, at, proof)
    plan.changes = {
        "ledgers": _with_ledgers(plan, updated),
        "deliveries": (*order.deliveries, record),
    }
    plan.events = _common(order, plan, at, actor)(
        OrderDelivered, {"delivery_id": record.delivery_id, "lines": frozen}
    )
    return _fire(plan, "deliver", actor=actor, at=at, key=idempotency_key)


# -- commands: billing ------------------------------------------------------------------------


def invoice(
    order: Order,
    *,
    kind: InvoiceKind | str,
    amount: Money,
    actor: str,
    at: datetime,
    lines: Mapping[str, Decimal] | None = None,
    invoice_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record an invoice (开票) for line quantities, or for an amount only.

    Args:
        order: A confirmed (or later, not archived) order.
        kind: ``general`` (普通发票) or ``vat_special`` (增值税专用发票).
        amount: Invoiced amount, tax included, in the order currency.
        actor: Who issues it.
        at: When.
        lines: Quantities invoiced per line (None or empty: an amount-only invoice).
        invoice_id: Identifier or official number; a new id when None.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderInvoiced``.

    Raises:
        IllegalTransition: if the order cannot be invoiced now.
        RuleViolation: ``lifecycle.invoice.kind_invalid``, ``lifecycle.amount.not_positive``,
            ``lifecycle.invoice.exceeds_billable`` and line quantity codes.
    """
    if (first := _check_event(order, "invoice", idempotency_key)) is not None:
        return first
    kind_value = str(getattr(kind, "value", kind))
    if kind_value not in (InvoiceKind.GENERAL.value, InvoiceKind.VAT_SPECIAL.value):
        raise RuleViolation(INVOICE_KIND, params={"kind": kind_value})
    _check_amount(order, amount)
    plan = _Plan(order)
    updated = []
    checked = _quantities(order, lines, "invoice") if lines else {}
    for line_id, (line, quantity) in checked.items():
        ledger = order.ledger(line_id)
        remaining = line.quantity - ledger.returned - ledger.invoiced
        if quantity > remaining:
            raise RuleViolation(
                INVOICE_EXCEEDS,
                params={"line_id": line_id, "quantity": quantity, "remaining": remaining},
            )
        updated.append(attrs.evolve(ledger, invoiced=ledger.invoiced + quantity))
    frozen = line_quantities({k: q for k, (_, q) in checked.items()})
    record = Invoice(invoice_id or new_id(), kind_value, amount, frozen, at)
    plan.changes = {"invoices": (*order.invoices, record)}
    if updated:
        plan.changes["ledgers"] = _with_ledgers(plan, updated)
    plan.events = _common(order, plan, at, actor)(
        OrderInvoiced,
        {"invoice_id": record.invoice_id, "kind": kind_value, "amount": amount, "lines": frozen},
    )
    return _fire(plan, "invoice", actor=actor, at=at, key=idempotency_key)


def record_payment(
    order: Order,
    *,
    amount: Money,
    actor: str,
    at: datetime,
    reference: str | None = None,
    payment_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record money received (收款), partial or full (overpayment is allowed and shown).

    Args:
        order: An approved (or later, not archived) order.
        amount: Positive amount in the order currency.
        actor: Who records it.
        at: When it was received.
        reference: Bank or gateway reference.
        payment_id: Identifier; a new one when None.
        idempotency_key: Repeat protection (use the gateway's notification id).

    Returns:
        The transition result with ``PaymentRecorded``.

    Raises:
        IllegalTransition: if the order cannot take payments now.
        RuleViolation: ``lifecycle.amount.not_positive``.
    """
    if (first := _check_event(order, "record_payment", idempotency_key)) is not None:
        return first
    _check_amount(order, amount)
    record = Payment(payment_id or new_id(), PaymentKind.PAYMENT, amount, at, reference)
    plan = _Plan(order, changes={"payments": (*order.payments, record)})
    plan.events = _common(order, plan, at, actor)(
        PaymentRecorded, {"payment_id": record.payment_id, "amount": amount}
    )
    return _fire(plan, "record_payment", actor=actor, at=at, key=idempotency_key)


def record_refund(
    order: Order,
    *,
    amount: Money,
    actor: str,
    at: datetime,
    reference: str | None = None,
    payment_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record money paid back to the customer (退款), at most the net received.

    Args:
        order: An approved (or later, not archived) order.
        amount: Positive amount in the order currency.
        actor: Who records it.
        at: When.
        reference: Bank or gateway reference.
        payment_id: Identifier; a new one when None.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``RefundRecorded``.

    Raises:
        IllegalTransition: if the order cannot take refunds now.
        RuleViolation: ``lifecycle.amount.not_positive``, ``lifecycle.refund.exceeds_paid``.
    """
    if (first := _check_event(order, "record_refund", idempotency_key)) is not None:
        return first
    _check_amount(order, amount)
    paid = net_paid(order)
    if amount > paid:
        raise RuleViolation(REFUND_EXCEEDS, params={"amount": amount, "paid": paid})
    record = Payment(payment_id or new_id(), PaymentKind.REFUND, amount, at, reference)
    plan = _Plan(order, changes={"payments": (*order.payments, record)})
    plan.events = _common(order, plan, at, actor)(
        RefundRecorded, {"payment_id": record.payment_id, "amount": amount}
    )
    return _fire(plan, "record_refund", actor=actor, at=at, key=idempotency_key)


# -- commands: ending -------------------------------------------------------------------------


def complete(
    order: Order, *, actor: str, at: datetime, idempotency_key: str | None = None
) -> TransitionResult:
    """Complete a delivered, fully invoiced and exactly paid order; it is archived.

    Raises:
        IllegalTransition: not delivered (``lifecycle.illegal_transition``), not fully
            invoiced (``lifecycle.complete.not_invoiced``) or not exactly paid
            (``lifecycle.complete.not_paid``).
    """
    if (first := _check_event(order, "complete", idempotency_key)) is not None:
        return first
    plan = _Plan(order)
    plan.events = _common(order, plan, at, actor)(OrderCompleted, {})
    return _fire(plan, "complete", actor=actor, at=at, key=idempotency_key)


def _reserved(order: Order) -> dict[str, Decimal]:
    return {ledger.line_id: ledger.reserved for ledger in order.ledgers if ledger.reserved}


def _without_reservations(order: Order) -> tuple[LineLedger, ...]:
    return tuple(attrs.evolve(ledger, reserved=ZERO, backordered=ZERO) for ledger in order.ledgers)


def cancel(
    order: Order,
    *,
    reason: str,
    actor: str,
    at: datetime,
    reservations: StockReservations | None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Cancel an order (撤单) before anything ships, releasing its reservations.

    Args:
        order: An order from which nothing has shipped.
        reason: Reason code, e.g. ``customer_request``.
        actor: Who cancels.
        at: When.
        reservations: The stock hook (its ``release`` is called); None without stock.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderCancelled``.

    Raises:
        IllegalTransition: ``lifecycle.cancel_after_shipment`` once goods have left.
        RuleViolation: ``lifecycle.reason_required``.
    """
    if (first := _check_event(order, "cancel", idempotency_key)) is not None:
        return first
    _require_reason(reason, "cancel")
    plan = _Plan(order, changes={"ledgers": _without_reservations(order)}, reason=reason)
    reserved = _reserved(order)
    operation = _operation_id(order, "cancel", idempotency_key)

    def effect(_target: Status) -> Mapping[str, Any]:
        if reservations is not None and reserved:
            reservations.release(order.id, lines=None, operation_id=operation)
        return {"held_from": None}

    plan.effect = effect
    plan.events = _common(order, plan, at, actor)(OrderCancelled, {"reason": reason})
    return _fire(plan, "cancel", actor=actor, at=at, key=idempotency_key)


def close(
    order: Order,
    *,
    reason: str,
    actor: str,
    at: datetime,
    reservations: StockReservations | None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Short-close an order with quantities left undelivered; remaining stock is released.

    Args:
        order: A partially shipped or shipped order with undelivered quantities.
        reason: Reason code, e.g. ``customer_accepts_partial``.
        actor: Who closes.
        at: When.
        reservations: The stock hook (``release`` of what is still reserved).
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderClosed`` (the undelivered quantities).

    Raises:
        IllegalTransition: ``lifecycle.close.nothing_undelivered`` when all was delivered.
        RuleViolation: ``lifecycle.reason_required``.
    """
    if (first := _check_event(order, "close", idempotency_key)) is not None:
        return first
    _require_reason(reason, "close")
    plan = _Plan(order, changes={"ledgers": _without_reservations(order)}, reason=reason)
    reserved = _reserved(order)
    undelivered = line_quantities(
        {line.line_id: line.quantity - order.ledger(line.line_id).delivered for line in order.lines}
    )
    operation = _operation_id(order, "close", idempotency_key)

    def effect(_target: Status) -> Mapping[str, Any]:
        if reservations is not None and reserved:
            reservations.release(order.id, lines=reserved, operation_id=operation)
        return {}

    plan.effect = effect
    plan.events = _common(order, plan, at, actor)(
        OrderClosed, {"reason": reason, "undelivered": undelivered}
    )
    return _fire(plan, "close", actor=actor, at=at, key=idempotency_key)


def hold(
    order: Order,
    *,
    actor: str,
    at: datetime,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Put an order on hold; :func:`resume` returns it to the status it had.

    Raises:
        IllegalTransition: from draft, on hold or archived orders.
    """
    if (first := _check_event(order, "hold", idempotency_key)) is not None:
        return first
    plan = _Plan(order, changes={"held_from": order.status}, reason=reason)
    plan.events = _common(order, plan, at, actor)(OrderHeld, {"reason": reason})
    return _fire(plan, "hold", actor=actor, at=at, key=idempotency_key)


def resume(
    order: Order, *, actor: str, at: datetime, idempotency_key: str | None = None
) -> TransitionResult:
    """Resume a held order to the status it was held from.

    Raises:
        IllegalTransition: if the order is not on hold.
    """
    if (first := _check_event(order, "resume", idempotency_key)) is not None:
        return first
    plan = _Plan(order, changes={"held_from": None})
    plan.events = _common(order, plan, at, actor)(OrderResumed, {})
    return _fire(plan, "resume", actor=actor, at=at, key=idempotency_key)


# -- amendments -------------------------------------------------------------------------------


@attrs.frozen
class ChangeQuantity:
    """Set a line's quantity.

    Attributes:
        line_id: The line.
        quantity: New positive quantity.
    """

    line_id: str
    quantity: Decimal

    def describe(self) -> str:
        """Short code of the change, for the audit and the event."""
        return f"quantity:{self.line_id}"


@attrs.frozen
class AddLine:
    """Add a new line.

    Attributes:
        line: The line (its id must be new to the order).
    """

    line: OrderLine

    def describe(self) -> str:
        """Short code of the change."""
        return f"add:{self.line.line_id}"


@attrs.frozen
class RemoveLine:
    """Remove a line.

    Attributes:
        line_id: The line.
    """

    line_id: str

    def describe(self) -> str:
        """Short code of the change."""
        return f"remove:{self.line_id}"


@attrs.frozen
class ChangePrice:
    """Set a line's agreed unit price.

    Attributes:
        line_id: The line.
        unit_price: New unit price (None: back to the price list).
    """

    line_id: str
    unit_price: Money | None

    def describe(self) -> str:
        """Short code of the change."""
        return f"price:{self.line_id}"


@attrs.frozen
class ChangeDeliveryDate:
    """Set the requested delivery date.

    Attributes:
        requested_delivery_date: The new date.
    """

    requested_delivery_date: date | None

    def describe(self) -> str:
        """Short code of the change."""
        return "delivery_date"


Change = ChangeQuantity | AddLine | RemoveLine | ChangePrice | ChangeDeliveryDate


@attrs.frozen
class AmendmentPreview:
    """What an amendment would do, computed without changing anything.

    Attributes:
        lines: The lines after the amendment.
        requested_delivery_date: The requested delivery date after it.
        old_total: Grand total before.
        new_total: Grand total after (from the pricing callable).
        stock_delta: Quantity change per SKU (positive: more stock needed).
        amount_due: What the customer must still pay after it (>= 0).
        refundable: What would be owed back after it (>= 0).
        changes: Short codes of the changes.
        breakdown: The new price breakdown.
    """

    lines: tuple[OrderLine, ...]
    requested_delivery_date: date | None
    old_total: Money
    new_total: Money
    stock_delta: tuple[tuple[str, Decimal], ...]
    amount_due: Money
    refundable: Money
    changes: tuple[str, ...]
    breakdown: PriceSummary


def _amend_error(reason: str) -> RuleViolation:
    return RuleViolation(AMENDMENT_INVALID, params={"reason": reason})


def _amended_lines(order: Order, changes: Sequence[Change]) -> tuple[list[OrderLine], date | None]:
    if not changes:
        raise _amend_error("no changes")
    lines = list(order.lines)
    delivery = order.requested_delivery_date

    def index(line_id: str) -> int:
        for i, line in enumerate(lines):
            if line.line_id == line_id:
                return i
        raise RuleViolation(UNKNOWN_LINE, params={"line_id": line_id})

    for change in changes:
        if isinstance(change, ChangeQuantity):
            if not isinstance(change.quantity, Decimal) or change.quantity <= 0:
                raise RuleViolation(QUANTITY_NOT_POSITIVE, params={"line_id": change.line_id})
            i = index(change.line_id)
            lines[i] = attrs.evolve(lines[i], quantity=change.quantity)
        elif isinstance(change, AddLine):
            if any(line.line_id == change.line.line_id for line in lines):
                raise _amend_error(f"line {change.line.line_id} already exists")
            lines.append(change.line)
        elif isinstance(change, RemoveLine):
            del lines[index(change.line_id)]
        elif isinstance(change, ChangePrice):
            i = index(change.line_id)
            lines[i] = attrs.evolve(lines[i], unit_price=change.unit_price)
        else:
            delivery = change.requested_delivery_date
    if not lines:
        raise _amend_error("no lines would be left")
    return lines, delivery


def _sku_totals(lines: Iterable[OrderLine]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, ZERO) + line.quantity
    return totals


def preview_amendment(
    order: Order, changes: Sequence[Change], *, pricing: Callable[[Order], PriceSummary]
) -> AmendmentPreview:
    """Compute what an amendment would do (new totals, stock delta, money due or refundable).

    Args:
        order: The order.
        changes: The changes, applied in order.
        pricing: Prices an order (e.g. ``lambda o: price(o, price_list, ...)``).

    Returns:
        The preview; the order is not changed.

    Raises:
        RuleViolation: ``lifecycle.amendment.invalid``, ``lifecycle.unknown_line``,
            ``lifecycle.quantity.not_positive``.
    """
    lines, delivery = _amended_lines(order, changes)
    candidate = attrs.evolve(order, lines=tuple(lines), requested_delivery_date=delivery)
    breakdown = pricing(candidate)
    new_total = breakdown.grand_total
    old_total = order.grand_total if order.grand_total is not None else Money.zero(order.currency)
    before, after = _sku_totals(order.lines), _sku_totals(lines)
    delta = tuple(
        (sku, after.get(sku, ZERO) - before.get(sku, ZERO))
        for sku in sorted(before.keys() | after.keys())
        if after.get(sku, ZERO) != before.get(sku, ZERO)
    )
    balance = new_total - net_paid(order)
    zero = Money.zero(order.currency)
    return AmendmentPreview(
        lines=tuple(lines),
        requested_delivery_date=delivery,
        old_total=old_total,
        new_total=new_total,
        stock_delta=delta,
        amount_due=balance if balance > zero else zero,
        refundable=-balance if balance < zero else zero,
        changes=tuple(change.describe() for change in changes),
        breakdown=breakdown,
    )


def amend(
    order: Order,
    changes: Sequence[Change],
    *,
    pricing: Callable[[Order], PriceSummary],
    policy: ApprovalPolicy,
    actor: str,
    at: datetime,
    reservations: StockReservations | None,
    report: ValidationSummary | None = None,
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Apply an amendment (改单) to an approved or confirmed order; the revision is raised.

    When the amended order needs approval under ``policy`` and the amendment changes
    more than the delivery date, the order goes back to ``pending_approval`` (a
    confirmed order's reservations are released; confirming again reserves anew).
    Otherwise it keeps its status and a confirmed order's reservations follow the
    quantity changes through ``reservations``.

    Args:
        order: An approved or confirmed order.
        changes: The changes.
        pricing: Prices the amended order.
        policy: Approval policy for the amended order.
        actor: Who amends.
        at: When.
        reservations: The stock hook; None without stock.
        report: Validation report of the amended order (none: no issues).
        lifecycle_policy: ``allow_backorder`` for added quantities.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderAmended``.

    Raises:
        IllegalTransition: if the order is not approved or confirmed.
        RuleViolation: invalid changes (see :func:`preview_amendment`).
        InsufficientStock: added quantities cannot be reserved.
    """
    if (first := _check_event(order, "amend", idempotency_key)) is not None:
        return first
    preview = preview_amendment(order, changes, pricing=pricing)
    candidate = attrs.evolve(
        order, lines=preview.lines, requested_delivery_date=preview.requested_delivery_date
    )
    required = policy.requirements(
        candidate, report=report or _EmptyReport(), breakdown=preview.breakdown
    )
    money_or_goods = any(not isinstance(c, ChangeDeliveryDate) for c in changes)
    revision = order.revision + 1
    history = order.revisions or (
        Revision(order.revision, order.lines, None, None, (), order.requested_delivery_date),
    )
    plan = _Plan(
        order,
        needs_approval=bool(required) and money_or_goods,
        reason=",".join(preview.changes),
    )
    plan.changes = {
        "lines": preview.lines,
        "requested_delivery_date": preview.requested_delivery_date,
        "grand_total": preview.new_total,
        "revision": revision,
        "revisions": (
            *history,
            Revision(
                revision,
                preview.lines,
                at,
                actor,
                preview.changes,
                preview.requested_delivery_date,
            ),
        ),
    }
    operation = _operation_id(order, "amend", idempotency_key)
    old_quantities = {line.line_id: line.quantity for line in order.lines}

    def effect(target: Status) -> Mapping[str, Any]:
        if target is Status.PENDING_APPROVAL:
            extra: dict[str, Any] = {
                "approval_round": order.approval_round + 1,
                "required_approvals": required,
            }
            if order.status is Status.CONFIRMED:
                if reservations is not None and _reserved(order):
                    reservations.release(order.id, lines=None, operation_id=operation)
                extra["ledgers"] = tuple(
                    ledger
                    for ledger in _without_reservations(order)
                    if ledger.line_id in {line.line_id for line in preview.lines}
                )
            else:
                extra["ledgers"] = _with_ledgers(plan, ())
            return extra
        if order.status is not Status.CONFIRMED:
            return {"ledgers": _with_ledgers(plan, ())}
        return {
            "ledgers": _follow_reservations(
                plan,
                old_quantities,
                reservations,
                operation,
                allow_backorder=lifecycle_policy.allow_backorder,
            )
        }

    plan.effect = effect
    plan.events = lambda context: _common(order, plan, at, actor)(
        OrderAmended,
        {
            "changes": preview.changes,
            "previous_revision": order.revision,
            "needs_approval": context["target"] is Status.PENDING_APPROVAL,
        },
    )(context)
    return _fire(plan, "amend", actor=actor, at=at, key=idempotency_key)


def _follow_reservations(
    plan: _Plan,
    old_quantities: Mapping[str, Decimal],
    reservations: StockReservations | None,
    operation: str,
    *,
    allow_backorder: bool,
) -> tuple[LineLedger, ...]:
    """Reserve added and release removed quantities of a confirmed order's amendment."""
    order = plan.order
    more: dict[str, Decimal] = {}
    less: dict[str, Decimal] = {}
    updated: list[LineLedger] = []
    for line in plan.get("lines"):
        before = old_quantities.get(line.line_id, ZERO)
        if line.quantity > before:
            more[line.line_id] = line.quantity - before
        elif line.quantity < before:
            ledger = order.ledger(line.line_id)
            drop = before - line.quantity
            from_backorder = min(ledger.backordered, drop)
            from_reserved = drop - from_backorder
            if from_reserved:
                less[line.line_id] = from_reserved
            updated.append(
                attrs.evolve(
                    ledger,
                    backordered=ledger.backordered - from_backorder,
                    reserved=ledger.reserved - from_reserved,
                )
            )
    kept = {line.line_id for line in plan.get("lines")}
    for line_id in old_quantities.keys() - kept:
        reserved = order.ledger(line_id).reserved
        if reserved:
            less[line_id] = reserved
    backordered: Mapping[str, Decimal] = {}
    if reservations is not None:
        if more:
            candidate = attrs.evolve(order, lines=plan.get("lines"))
            outcome = reservations.reserve(
                candidate, lines=more, allow_backorder=allow_backorder, operation_id=operation
            )
            backordered = outcome.backordered
        if less:
            reservations.release(order.id, lines=less, operation_id=operation + ":release")
    for line_id, quantity in more.items():
        ledger = plan.ledger(line_id)
        short = backordered.get(line_id, ZERO)
        updated.append(
            attrs.evolve(
                ledger,
                reserved=ledger.reserved + quantity - short,
                backordered=ledger.backordered + short,
            )
        )
    return _with_ledgers(plan, updated)


def revision_lines(order: Order, number: int) -> tuple[OrderLine, ...]:
    """The lines of ``order`` at revision ``number``.

    Raises:
        NotFound: if the order has no such revision.
    """
    if number == order.revision:
        return order.lines
    for revision in order.revisions:
        if revision.number == number:
            return revision.lines
    from salesorder.errors import NotFound  # noqa: PLC0415  (rarely needed)

    raise NotFound(params={"entity": "revision", "id": number})


# -- returns and after-sales ------------------------------------------------------------------


def _return(order: Order, return_id: str, expected: ReturnState) -> tuple[int, ReturnRecord]:
    for i, record in enumerate(order.returns):
        if record.return_id == return_id:
            if record.state is not expected:
                raise RuleViolation(
                    RETURN_WRONG_STATE,
                    params={
                        "return_id": return_id,
                        "state": record.state.value,
                        "expected": expected.value,
                    },
                )
            return i, record
    raise RuleViolation(RETURN_NOT_FOUND, params={"return_id": return_id})


def _replace(records: tuple[ReturnRecord, ...], i: int, record: ReturnRecord) -> Any:
    return (*records[:i], record, *records[i + 1 :])


def request_return(
    order: Order,
    *,
    kind: ReturnKind,
    lines: Mapping[str, Decimal],
    reason: str,
    actor: str,
    at: datetime,
    return_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Request a return, exchange or repair (售后申请) against delivered quantities.

    Args:
        order: An order with delivered quantities.
        kind: Return, exchange or repair.
        lines: Quantities per line, at most delivered minus returned and already requested.
        reason: Reason code, e.g. ``damaged``.
        actor: Who requests.
        at: When.
        return_id: Identifier; a new one when None.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``ReturnRequested``.

    Raises:
        RuleViolation: ``lifecycle.return.exceeds_delivered``, ``lifecycle.return.duplicate``,
            ``lifecycle.reason_required`` and line quantity codes.
    """
    if (first := _check_event(order, "request_return", idempotency_key)) is not None:
        return first
    _require_reason(reason, "request_return")
    checked = _quantities(order, lines, "request_return")
    identifier = return_id or new_id()
    if any(r.return_id == identifier for r in order.returns):
        raise RuleViolation(RETURN_DUPLICATE, params={"return_id": identifier})
    open_quantities: dict[str, Decimal] = {}
    for record in order.returns:
        if record.state is not ReturnState.RECEIVED:
            for line_id, quantity in record.lines:
                open_quantities[line_id] = open_quantities.get(line_id, ZERO) + quantity
    for line_id, (_, quantity) in checked.items():
        ledger = order.ledger(line_id)
        remaining = ledger.delivered - ledger.returned - open_quantities.get(line_id, ZERO)
        if quantity > remaining:
            raise RuleViolation(
                RETURN_EXCEEDS,
                params={"line_id": line_id, "quantity": quantity, "remaining": remaining},
            )
    frozen = line_quantities({k: q for k, (_, q) in checked.items()})
    record = ReturnRecord(identifier, ReturnKind(kind), frozen, reason)
    plan = _Plan(order, changes={"returns": (*order.returns, record)}, reason=reason)
    plan.events = _common(order, plan, at, actor)(
        ReturnRequested,
        {"return_id": identifier, "kind": record.kind.value, "lines": frozen, "reason": reason},
    )
    return _fire(plan, "request_return", actor=actor, at=at, key=idempotency_key)


def approve_return(
    order: Order,
    *,
    return_id: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Approve a requested return.

    Raises:
        RuleViolation: ``lifecycle.return.not_found``, ``lifecycle.return.wrong_state``.
    """
    if (first := _check_event(order, "approve_return", idempotency_key)) is not None:
        return first
    i, record = _return(order, return_id, ReturnState.REQUESTED)
    approved = attrs.evolve(record, state=ReturnState.APPROVED)
    plan = _Plan(order, changes={"returns": _replace(order.returns, i, approved)})
    plan.events = _common(order, plan, at, actor)(ReturnApproved, {"return_id": return_id})
    return _fire(plan, "approve_return", actor=actor, at=at, key=idempotency_key)


def refund_for(order: Order, lines: LineQuantities, *, breakdown: ReturnPricing) -> Money:
    """What the customer paid for ``lines`` (their share of discounts and tax included).

    Each line's ``gross`` is split over its units by :func:`~salesorder.money.allocate`;
    the refund for ``q`` units after ``r`` already returned is ``share(r + q) - share(r)``,
    so successive returns of a line add up exactly to its gross.

    Raises:
        RuleViolation: ``lifecycle.return.not_priced`` if a line is not in ``breakdown``.
    """
    priced = {line.line_id: line for line in breakdown.lines}
    refund = Money.zero(order.currency)
    for line_id, quantity in lines:
        line = priced.get(line_id)
        if line is None:
            raise RuleViolation(RETURN_NOT_PRICED, params={"line_id": line_id})
        before = order.ledger(line_id).returned
        refund = refund + _share(line, before + quantity) - _share(line, before)
    return refund


def _share(line: PricedLine, units: Decimal) -> Money:
    if units >= line.quantity:
        return line.gross.quantize()
    return allocate(line.gross, [units, line.quantity - units])[0]


def receive_return(
    order: Order,
    *,
    return_id: str,
    disposition: StockDisposition,
    actor: str,
    at: datetime,
    reservations: StockReservations | None,
    breakdown: ReturnPricing | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Receive approved returned goods: restock or scrap them, and compute the refund due.

    Args:
        order: The order.
        return_id: An approved return.
        disposition: Restock or scrap (through the stock hook's ``restock``).
        actor: Who receives.
        at: When.
        reservations: The stock hook; None without stock.
        breakdown: The order's price breakdown (needed for a ``return``'s refund).
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``ReturnReceived`` and, for a refund, ``RefundDue``.

    Raises:
        RuleViolation: ``lifecycle.return.not_found``, ``lifecycle.return.wrong_state``,
            ``lifecycle.return.not_priced``.
    """
    if (first := _check_event(order, "receive_return", idempotency_key)) is not None:
        return first
    i, record = _return(order, return_id, ReturnState.APPROVED)
    refund = Money.zero(order.currency)
    if record.kind is ReturnKind.RETURN:
        if breakdown is None:
            raise RuleViolation(RETURN_NOT_PRICED, params={"line_id": record.lines[0][0]})
        refund = refund_for(order, record.lines, breakdown=breakdown)
    received = attrs.evolve(
        record, state=ReturnState.RECEIVED, disposition=StockDisposition(disposition), refund=refund
    )
    plan = _Plan(order)
    updated = [
        attrs.evolve(order.ledger(line_id), returned=order.ledger(line_id).returned + quantity)
        for line_id, quantity in record.lines
    ]
    plan.changes = {
        "returns": _replace(order.returns, i, received),
        "ledgers": _with_ledgers(plan, updated),
    }
    operation = _operation_id(order, "receive_return", idempotency_key)

    def effect(_target: Status) -> Mapping[str, Any]:
        if reservations is not None:
            reservations.restock(
                order.id,
                lines=dict(record.lines),
                disposition=StockDisposition(disposition),
                operation_id=operation,
            )
        return {}

    plan.effect = effect
    common = _common(order, plan, at, actor)

    def events(context: dict[str, Any]) -> tuple[DomainEvent, ...]:
        built = common(
            ReturnReceived,
            {"return_id": return_id, "disposition": received.disposition, "lines": record.lines},
        )(context)
        if refund:
            built += common(RefundDue, {"return_id": return_id, "amount": refund})(context)
        return built

    plan.events = events
    return _fire(plan, "receive_return", actor=actor, at=at, key=idempotency_key)


# -- audit replay and the diagram -------------------------------------------------------------


def replay(entries: Sequence[AuditEntry]) -> Status:
    """Replay an audit trail from ``draft`` through the transition table.

    Args:
        entries: Audit entries in order.

    Returns:
        The status the trail ends in.

    Raises:
        InvalidOrder: ``lifecycle.audit.broken`` if an entry does not follow the one before
            or is not a transition of the table.
    """
    state = Status.DRAFT
    for index, entry in enumerate(entries):
        known = any(target is entry.target for target, _ in _TABLE.get((state, entry.event), ()))
        if entry.source is not state or not known:
            raise InvalidOrder(REPLAY_BROKEN, params={"index": index})
        state = entry.target
    return state


def lifecycle_mermaid() -> str:
    """The lifecycle as a Mermaid ``stateDiagram-v2``, generated from :class:`OrderLifecycle`.

    Transitions between the same two states are drawn as one arrow with their events
    joined; guards are shown as ``event if guard and guard``.

    Returns:
        The diagram source (without the code fence).
    """
    arrows: dict[tuple[Status, Status], list[str]] = {}
    for row in TRANSITIONS:
        label = row.event + (f" if {' and '.join(row.guards)}" if row.guards else "")
        bucket = arrows.setdefault((row.source, row.target), [])
        if label not in bucket:
            bucket.append(label)
    out = ["stateDiagram-v2", f"    [*] --> {Status.DRAFT.value}"]
    out.extend(
        f"    {source.value} --> {target.value} : {' / '.join(labels)}"
        for (source, target), labels in arrows.items()
    )
    out.extend(f"    {status.value} --> [*]" for status in Status if status in ARCHIVED)
    return "\n".join(out) + "\n"
