"""The order lifecycle (R6, R7, R8, R12, R13, R14): one strict state machine and its commands.

:class:`OrderLifecycle` (python-statemachine) is the single declarative source of the
states, events, transitions and guard names; the docs' diagram is generated from it
(:func:`lifecycle_dot`, or :func:`lifecycle_mermaid` for Mermaid). No order carries a
machine instance: at import the class
definition is compiled into a transition table (:data:`TRANSITIONS`), and the command
functions (:func:`submit`, :func:`approve`, :func:`ship`, ...) apply it to the plain
:class:`~salesorder.order.Order` aggregate. Guards are pure predicates named like English
(``is_fully_shipped``, ``has_all_approvals``).

This module is the public face; the implementation lives in the private package
``salesorder._lifecycle``, split by concern: the declaration and compiled table
(``machine``), guards, plans and applying a transition (``engine``), approval and
behaviour switches (``policies``), derived statuses (``statuses``), the commands
(``approval``, ``fulfilment``, ``billing``, ``amendments``, ``returns``), the stock
requests (``stock``), the read-only views of pricing and validation results (``hooks``)
and the error codes (``codes``). Import every name from ``salesorder.lifecycle``: the private paths
may change.

Invariants:

* The status changes only through a transition of the table; an event with no
  transition from the current status raises :class:`~salesorder.errors.IllegalTransition`.
* A refused command (illegal event, failed check) leaves the order exactly as it was:
  every check runs before the first write.
* The lifecycle calls no port. A command that moves goods returns the stock requests it
  needs (:attr:`TransitionResult.stock`: reserve, release, commit, restock, each with
  its operation id); ``confirm`` and ``amend`` take the stock decision as an input
  (``backordered``: what the reservation could not serve). The host carries the
  requests out with the order's save, in one transaction (``OrderService`` does), so a
  refused stock step saves nothing.
* Per line: ``shipped <= ordered``, ``delivered <= shipped``, ``returned <= delivered``.
* Every transition appends one audit entry and emits at least one past-tense domain event;
  the audit trail replays from ``draft`` to the current status (:func:`replay`).
* Archived orders (completed, cancelled, closed) refuse every command.
* A command repeated with the same idempotency key returns the first result and does
  nothing else.
* Derived statuses (:func:`fulfilment_status`, :func:`billing_status`,
  :func:`payment_status`) are pure functions of the exact ledgers; nothing stores them.
"""

from salesorder._lifecycle.amendments import (
    AddLine,
    AmendmentPreview,
    Change,
    ChangeDeliveryDate,
    ChangePrice,
    ChangeQuantity,
    RemoveLine,
    amend,
    preview_amendment,
    reschedule,
    revision_lines,
)
from salesorder._lifecycle.approval import approve, reject, submit
from salesorder._lifecycle.billing import invoice
from salesorder._lifecycle.change_requests import approve_amendment, reject_amendment
from salesorder._lifecycle.crediting import CREDIT_NOTE_REASON, record_credit_note
from salesorder._lifecycle.diagram import lifecycle_dot
from salesorder._lifecycle.drafts import DRAFT_RECORDS, DRAFT_TERMS, edit_draft
from salesorder._lifecycle.engine import GUARDS, TransitionResult, replay
from salesorder._lifecycle.expiry import EXPIRED_REASON, expire, expiry_due
from salesorder._lifecycle.fulfilment import (
    cancel,
    close,
    complete,
    confirm,
    deliver,
    hold,
    resume,
    ship,
)
from salesorder._lifecycle.hooks import (
    PricedLine,
    PriceFlag,
    PriceSummary,
    ReasonIssue,
    ReturnPricing,
    ValidationSummary,
)
from salesorder._lifecycle.machine import (
    EVENTS,
    TRANSITIONS,
    OrderLifecycle,
    Transition,
    command_table_markdown,
    commands_by_status,
    lifecycle_mermaid,
)
from salesorder._lifecycle.payments import (
    confirm_payment,
    record_payment,
    record_refund,
    refundable_on_credit_note,
    refundable_on_payment,
    void_payment,
)
from salesorder._lifecycle.policies import AmendmentKind, ApprovalPolicy, LifecyclePolicy
from salesorder._lifecycle.repairs import deliver_repair, repairs_with_seller, ship_repair
from salesorder._lifecycle.returns import (
    approve_return,
    exchange_reference,
    receive_return,
    refund_for,
    request_return,
)
from salesorder._lifecycle.shipments import (
    cancel_shipment,
    plan_shipment,
    planned_quantities,
    void_shipment,
)
from salesorder._lifecycle.statuses import (
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
from salesorder._lifecycle.stock import StockAction, StockRequest
from salesorder.records import ARCHIVED, ShipmentState, Status

__all__ = [
    "ARCHIVED",
    "CREDIT_NOTE_REASON",
    "DRAFT_RECORDS",
    "DRAFT_TERMS",
    "EVENTS",
    "EXPIRED_REASON",
    "GUARDS",
    "TRANSITIONS",
    "AddLine",
    "AmendmentKind",
    "AmendmentPreview",
    "ApprovalPolicy",
    "BillingStatus",
    "Change",
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
    "ReturnPricing",
    "ReturnStatus",
    "ShipmentState",
    "Status",
    "StockAction",
    "StockRequest",
    "Transition",
    "TransitionResult",
    "ValidationSummary",
    "amend",
    "amount_due",
    "approve",
    "approve_amendment",
    "approve_return",
    "billable_quantities",
    "billing_status",
    "cancel",
    "cancel_shipment",
    "close",
    "command_table_markdown",
    "commands_by_status",
    "complete",
    "confirm",
    "confirm_payment",
    "deliver",
    "deliver_repair",
    "edit_draft",
    "exchange_reference",
    "expire",
    "expiry_due",
    "fulfilment_status",
    "hold",
    "invoice",
    "lifecycle_dot",
    "lifecycle_mermaid",
    "net_paid",
    "payment_status",
    "plan_shipment",
    "planned_quantities",
    "preview_amendment",
    "receive_return",
    "record_credit_note",
    "record_payment",
    "record_refund",
    "refund_for",
    "refundable_on_credit_note",
    "refundable_on_payment",
    "reject",
    "reject_amendment",
    "repairs_with_seller",
    "replay",
    "request_return",
    "reschedule",
    "resume",
    "return_status",
    "revision_lines",
    "ship",
    "ship_repair",
    "submit",
    "void_payment",
    "void_shipment",
]
