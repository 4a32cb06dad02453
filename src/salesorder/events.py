"""Domain events: past-tense, frozen facts that something happened.

Every change in the library is described by events (``OrderConfirmed``,
``StockReserved``, ``LowStockDetected``...). The service layer records them with the
change (the outbox) and hands them to the notifier after the change commits. Each
event has a unique ``event_id`` so receivers can de-duplicate at-least-once delivery.

Events carry identifiers, codes and quantities, never customer personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from salesorder.money import Money
from salesorder.order import new_id
from salesorder.records import LineQuantities

__all__ = [
    "AmendmentApproved",
    "AmendmentRejected",
    "CreditNoteIssued",
    "DeliveryDateChanged",
    "DomainEvent",
    "DraftEdited",
    "InvoiceIssued",
    "InvoiceOverdue",
    "OrderAmended",
    "OrderApproved",
    "OrderCancelled",
    "OrderClosed",
    "OrderCompleted",
    "OrderConfirmed",
    "OrderDelivered",
    "OrderEvent",
    "OrderHeld",
    "OrderInvoiced",
    "OrderRejected",
    "OrderResumed",
    "OrderShipped",
    "OrderSubmitted",
    "PaymentConfirmed",
    "PaymentRecorded",
    "PaymentVoided",
    "RefundDue",
    "RefundRecorded",
    "RepairDelivered",
    "RepairShipped",
    "ReplacementOrdered",
    "ReturnApproved",
    "ReturnReceived",
    "ReturnRequested",
    "ShipmentCancelled",
    "ShipmentPlanned",
    "ShipmentVoided",
    "event_types",
]


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base class of every domain event.

    Subclass with ``@attrs.frozen(kw_only=True)`` and name the class in the past tense.

    Attributes:
        occurred_at: When it happened (timezone-aware, from the caller's clock).
        event_id: Unique id for de-duplication by receivers.
    """

    occurred_at: datetime
    event_id: str = attrs.field(factory=new_id)

    @property
    def name(self) -> str:
        """The event's type name, e.g. ``OrderConfirmed``."""
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict: the type name plus every field, values as strings or numbers."""
        data: dict[str, Any] = {"type": self.name}
        for key, value in attrs.asdict(self, recurse=True).items():
            data[key] = _jsonable(value)
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


# -- order lifecycle events (emitted by salesorder.lifecycle, one or more per transition) ----


@attrs.frozen(kw_only=True)
class OrderEvent(DomainEvent):
    """Base of the events of one order's lifecycle.

    Attributes:
        order_id: The order.
        actor: User id of whoever issued the command.
        source: Status before the transition.
        target: Status after the transition.
        revision: Business revision of the order after the transition.
    """

    order_id: str
    actor: str
    source: str
    target: str
    revision: int = 1


@attrs.frozen(kw_only=True)
class OrderSubmitted(OrderEvent):
    """The order was submitted; ``required_levels`` must approve (none: approved at once)."""

    required_levels: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class OrderApproved(OrderEvent):
    """One approval level signed; ``fully_approved`` once every required level has."""

    level: str
    fully_approved: bool


@attrs.frozen(kw_only=True)
class OrderRejected(OrderEvent):
    """The order was rejected back to draft, with reason codes."""

    reasons: tuple[str, ...]


@attrs.frozen(kw_only=True)
class OrderConfirmed(OrderEvent):
    """The order was confirmed; ``backordered`` lists quantities confirmed without stock."""

    backordered: LineQuantities = ()


@attrs.frozen(kw_only=True)
class OrderShipped(OrderEvent):
    """Goods left the warehouse (partial or full shipment)."""

    shipment_id: str
    lines: LineQuantities
    carrier: str | None = None
    tracking_number: str | None = None


@attrs.frozen(kw_only=True)
class OrderDelivered(OrderEvent):
    """The customer signed for goods (签收)."""

    delivery_id: str
    lines: LineQuantities


@attrs.frozen(kw_only=True)
class OrderInvoiced(OrderEvent):
    """An invoice was issued."""

    invoice_id: str
    kind: str
    amount: Money
    lines: LineQuantities


@attrs.frozen(kw_only=True)
class InvoiceIssued(OrderEvent):
    """A numbered invoice document was issued; the payment notice (付款通知) of the invoice.

    Attributes:
        number: The invoice number.
        kind: ``general`` or ``vat_special``.
        amount: What the invoice bills, tax included.
        tax: The tax on it.
        due_on: When payment is due.
    """

    number: str
    kind: str
    amount: Money
    tax: Money
    due_on: date


@attrs.frozen(kw_only=True)
class InvoiceOverdue(OrderEvent):
    """An invoice is past its due date with money still open: the reminder (催款).

    Emitted by a reminder run (``OrderService.remind_overdue``), at most once per
    invoice and day: its ``event_id`` is made of the order, the invoice number and the
    day, and an outbox keeps one event per id.

    Attributes:
        number: The invoice number.
        open_amount: What is still open on it.
        due_on: When it was due.
        days_overdue: Days past ``due_on``.
    """

    number: str
    open_amount: Money
    due_on: date
    days_overdue: int


@attrs.frozen(kw_only=True)
class CreditNoteIssued(OrderEvent):
    """A credit note (红字发票) reversed part or all of an invoice.

    Attributes:
        number: The credit note number.
        invoice_number: The invoice it reverses.
        amount: What it reverses, tax included (positive).
        reason: Reason code.
        lines: Reversed quantities per order line (charges and gifts not listed).
    """

    number: str
    invoice_number: str
    amount: Money
    reason: str
    lines: LineQuantities


@attrs.frozen(kw_only=True)
class PaymentRecorded(OrderEvent):
    """A payment was recorded: money received, or announced and still to be confirmed.

    Attributes:
        payment_id: The payment.
        amount: Its amount.
        state: ``confirmed`` (money received) or ``pending`` (not money yet).
        method: How it was paid, when told.
    """

    payment_id: str
    amount: Money
    state: str = "confirmed"
    method: str | None = None


@attrs.frozen(kw_only=True)
class PaymentConfirmed(OrderEvent):
    """A pending payment was confirmed (到账): from now on it counts as paid."""

    payment_id: str
    amount: Money


@attrs.frozen(kw_only=True)
class PaymentVoided(OrderEvent):
    """A payment failed or was voided (支付失败 / 作废): it counts for nothing.

    Attributes:
        payment_id: The payment.
        amount: Its amount.
        state: ``failed`` or ``voided``.
        was_confirmed: It had counted as paid until now.
    """

    payment_id: str
    amount: Money
    state: str
    was_confirmed: bool = False


@attrs.frozen(kw_only=True)
class RefundRecorded(OrderEvent):
    """Money was paid back to the customer.

    Attributes:
        payment_id: The refund.
        amount: Its amount.
        refunded_payment: The payment it pays back, if named.
        credit_note: The credit note it settles, if named.
    """

    payment_id: str
    amount: Money
    refunded_payment: str | None = None
    credit_note: str | None = None


@attrs.frozen(kw_only=True)
class OrderCompleted(OrderEvent):
    """The order was delivered, invoiced and paid, and is now archived."""


@attrs.frozen(kw_only=True)
class OrderCancelled(OrderEvent):
    """The order was cancelled (撤单) with a reason code; reservations were released."""

    reason: str


@attrs.frozen(kw_only=True)
class OrderHeld(OrderEvent):
    """The order was put on hold."""

    reason: str | None = None


@attrs.frozen(kw_only=True)
class OrderResumed(OrderEvent):
    """The order left hold for the status it was held from."""


@attrs.frozen(kw_only=True)
class ShipmentPlanned(OrderEvent):
    """A shipment was planned (备货); nothing left the warehouse yet."""

    shipment_id: str
    lines: LineQuantities


@attrs.frozen(kw_only=True)
class ShipmentCancelled(OrderEvent):
    """A planned shipment was called off."""

    shipment_id: str
    reason: str


@attrs.frozen(kw_only=True)
class ShipmentVoided(OrderEvent):
    """A shipped shipment was voided before it was signed for; its goods came back."""

    shipment_id: str
    lines: LineQuantities
    reason: str


@attrs.frozen(kw_only=True)
class DraftEdited(OrderEvent):
    """A draft's terms were replaced before submission (录单修改), e.g. after a rejection.

    Attributes:
        changed: The names of the order fields that changed (``lines``, ``customer``...).
    """

    changed: tuple[str, ...]


@attrs.frozen(kw_only=True)
class OrderAmended(OrderEvent):
    """An amendment (改单) was applied; the revision was raised."""

    changes: tuple[str, ...]
    previous_revision: int
    needs_approval: bool


@attrs.frozen(kw_only=True)
class DeliveryDateChanged(OrderEvent):
    """An amendment moved the requested delivery date (R10: the customer is told).

    Attributes:
        previous: The date before (None when there was none).
        requested_delivery_date: The new date (None removes it).
    """

    previous: date | None
    requested_delivery_date: date | None


@attrs.frozen(kw_only=True)
class OrderClosed(OrderEvent):
    """The order was short-closed with ``undelivered`` quantities left."""

    reason: str
    undelivered: LineQuantities


@attrs.frozen(kw_only=True)
class ReturnRequested(OrderEvent):
    """A return, exchange or repair was requested against delivered lines."""

    return_id: str
    kind: str
    lines: LineQuantities
    reason: str


@attrs.frozen(kw_only=True)
class ReturnApproved(OrderEvent):
    """A return request was approved."""

    return_id: str


@attrs.frozen(kw_only=True)
class ReturnReceived(OrderEvent):
    """Returned goods arrived and were restocked or scrapped."""

    return_id: str
    disposition: str
    lines: LineQuantities


@attrs.frozen(kw_only=True)
class RefundDue(OrderEvent):
    """Money is owed back to the customer for a received return."""

    return_id: str
    amount: Money


@attrs.frozen(kw_only=True)
class AmendmentApproved(OrderEvent):
    """A level signed a partly shipped order's amendment; ``applied`` once all have."""

    level: str
    applied: bool


@attrs.frozen(kw_only=True)
class AmendmentRejected(OrderEvent):
    """A partly shipped order's amendment was turned down; the order keeps its terms.

    Attributes:
        proposed_revision: The revision the amendment would have made.
        reasons: Reason codes.
    """

    proposed_revision: int
    reasons: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ReplacementOrdered(OrderEvent):
    """A received exchange opened its replacement order (换货单), linked to this one.

    Attributes:
        return_id: The exchange.
        replacement_order_id: The replacement order, confirmed with its stock reserved
            (or waiting for approval when its pricing needs one).
        credit: What the units given back were worth, when they were exchanged for other
            goods (None for a like-for-like exchange, which is not repriced).
        transferred: The part of the credit paid over to the replacement order.
    """

    return_id: str
    replacement_order_id: str
    credit: Money | None
    transferred: Money | None


@attrs.frozen(kw_only=True)
class RepairShipped(OrderEvent):
    """A repaired unit left for the customer on the return's own shipment."""

    return_id: str
    shipment_id: str
    lines: LineQuantities


@attrs.frozen(kw_only=True)
class RepairDelivered(OrderEvent):
    """The customer signed for a repaired unit."""

    return_id: str
    shipment_id: str


def event_types() -> dict[str, type[DomainEvent]]:
    """Every loaded :class:`DomainEvent` subclass by class name (for decoding stored events)."""
    found: dict[str, type[DomainEvent]] = {}
    pending: list[type[DomainEvent]] = [DomainEvent]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            known = found.get(sub.__name__)
            # attrs replaces each slotted class by a new one; the class it replaced stays
            # among the subclasses until the garbage collector finds it, and lacks the
            # attrs fields of its own: the class the module defines wins over it.
            if known is None or (
                "__attrs_attrs__" in vars(sub) and "__attrs_attrs__" not in vars(known)
            ):
                found[sub.__name__] = sub
            pending.append(sub)
    return found
