"""Returns, exchanges and repairs after delivery (R12), with exact refunds.

Invariants: per line ``returned <= delivered``, counting open requests; ``returned``
counts only goods given back for good (kind ``return``): exchanged and repaired units
stay with the customer, so they stay billable; a refund is the
customer's actual payment for the units (gross after discounts, tax included) split with
:func:`~salesorder.money.allocate`, so successive returns of a line sum exactly to its gross.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from salesorder._arguments import optional_texts
from salesorder._lifecycle.codes import (
    RETURN_DUPLICATE,
    RETURN_EXCEEDS,
    RETURN_NOT_EXCHANGE,
    RETURN_NOT_FOUND,
    RETURN_NOT_PRICED,
    RETURN_WINDOW_CLOSED,
    RETURN_WRONG_STATE,
)
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_event,
    checked_quantities,
    fire,
    operation_id_for,
    require_reason,
    with_ledgers,
)
from salesorder._lifecycle.hooks import PricedLine, ReturnPricing
from salesorder._lifecycle.policies import DEFAULT_POLICY, LifecyclePolicy
from salesorder._lifecycle.statuses import net_paid
from salesorder._lifecycle.stock import StockAction, StockRequest
from salesorder.errors import (
    RuleViolation,
)
from salesorder.events import (
    RefundDue,
    ReplacementOrdered,
    ReturnApproved,
    ReturnReceived,
    ReturnRequested,
)
from salesorder.money import Money, allocate
from salesorder.order import Order, new_id
from salesorder.records import (
    ARCHIVED,
    ZERO,
    LineQuantities,
    Payment,
    PaymentKind,
    ReturnKind,
    ReturnRecord,
    ReturnState,
    StockDisposition,
    line_quantities,
)
from salesorder.sla import BusinessCalendar, WeekendCalendar, add_working_days

__all__ = [
    "approve_return",
    "exchange_reference",
    "receive_return",
    "refund_for",
    "request_return",
]

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
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    calendar: BusinessCalendar | None = None,
) -> TransitionResult:
    """Request a return, exchange or repair (售后申请) against delivered quantities.

    An archived order (completed or closed) still takes requests within its after-sales
    window: ``lifecycle_policy.after_sales_days`` working days on ``calendar`` after it
    was archived.

    Args:
        order: An order with delivered quantities.
        kind: Return, exchange or repair.
        lines: Quantities per line, at most delivered minus returned and already requested.
        reason: Reason code, e.g. ``damaged``.
        actor: Who requests.
        at: When.
        return_id: Identifier; a new one when None.
        idempotency_key: Repeat protection.
        lifecycle_policy: Its ``after_sales_days`` bound requests on archived orders.
        calendar: Working days of the after-sales window (Monday to Friday when None).

    Returns:
        The transition result with ``ReturnRequested``.

    Raises:
        RuleViolation: ``lifecycle.return.exceeds_delivered``, ``lifecycle.return.duplicate``,
            ``lifecycle.return.window_closed``, ``lifecycle.reason_required`` and line
            quantity codes.
    """
    request: dict[str, object] = {
        "kind": kind,
        "lines": lines,
        "reason": reason,
        "return_id": return_id,
    }
    if (first := check_event(order, "request_return", idempotency_key, request)) is not None:
        return first
    optional_texts(return_id=return_id)
    if order.status in ARCHIVED:
        _check_after_sales_window(order, at, lifecycle_policy, calendar or WeekendCalendar())
    require_reason(reason, "request_return")
    checked = checked_quantities(order, lines, "request_return")
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
    plan = Plan(order, changes={"returns": (*order.returns, record)}, reason=reason)
    plan.facts = [
        (
            ReturnRequested,
            {"return_id": identifier, "kind": record.kind.value, "lines": frozen, "reason": reason},
        )
    ]
    return fire(plan, "request_return", actor=actor, at=at, key=idempotency_key, request=request)


def _check_after_sales_window(
    order: Order, at: datetime, policy: LifecyclePolicy, calendar: BusinessCalendar
) -> None:
    days = policy.after_sales_days
    if days is None:
        return
    archived_at = next(
        entry.at for entry in reversed(order.audit) if entry.target is not entry.source
    )
    closes = add_working_days(archived_at, days, calendar=calendar)
    if at > closes:
        params = {"state": order.status.value, "closed_on": closes.date().isoformat()}
        raise RuleViolation(RETURN_WINDOW_CLOSED, params=params)


def approve_return(
    order: Order,
    *,
    return_id: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Approve a requested return.

    Args:
        order: The order.
        return_id: A requested return.
        actor: Who approves.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``ReturnApproved``.

    Raises:
        RuleViolation: ``lifecycle.return.not_found``, ``lifecycle.return.wrong_state``.
    """
    request: dict[str, object] = {"return_id": return_id}
    if (first := check_event(order, "approve_return", idempotency_key, request)) is not None:
        return first
    optional_texts(return_id=return_id)
    i, record = _return(order, return_id, ReturnState.REQUESTED)
    approved = attrs.evolve(record, state=ReturnState.APPROVED)
    plan = Plan(order, changes={"returns": _replace(order.returns, i, approved)})
    plan.facts = [(ReturnApproved, {"return_id": return_id})]
    return fire(plan, "approve_return", actor=actor, at=at, key=idempotency_key, request=request)


def refund_for(order: Order, lines: LineQuantities, *, breakdown: ReturnPricing) -> Money:
    """What the customer paid for ``lines`` (their share of discounts and tax included).

    Each line's ``gross`` is split over its units by :func:`~salesorder.money.allocate`;
    the refund for ``q`` units after ``r`` already returned is ``share(r + q) - share(r)``,
    so successive returns of a line add up exactly to its gross.

    Args:
        order: The order (its ``returned`` ledger gives the units already returned).
        lines: Quantities returned now, per line.
        breakdown: The order's priced lines.

    Returns:
        The refund, in the order currency.

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
    breakdown: ReturnPricing | None = None,
    replacement_order_id: str | None = None,
    replacement_total: Money | None = None,
    replacement_request: object = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Receive approved returned goods: restock or scrap them, and compute the refund due.

    A repair moves no stock (the unit is the customer's; it goes back out with
    :func:`~salesorder.lifecycle.ship_repair`). An exchange names the replacement order
    the host opened for it (``replacement_order_id``):

    * like for like (``replacement_total`` None): the exchanged units stay billable on
      this order, the replacement order ships them again at no price;
    * for other goods (``replacement_total``: the replacement order's grand total): the
      units given back are credited here as a return would be (``returned``, the
      ``refund`` of the record: what the customer was charged for them), and the part
      of that credit the customer had paid, up to the replacement's total, is paid over
      to the replacement order as a refund here with the reference
      ``exchange:<replacement order id>``. What is left of the credit is a refund due;
      what the credit does not cover the customer owes on the replacement order.

    Args:
        order: The order.
        return_id: An approved return.
        disposition: Restock or scrap (the ``restock`` stock request carries it).
        actor: Who receives.
        at: When.
        breakdown: The order's price breakdown (needed for a return's refund and an
            exchange's credit).
        replacement_order_id: The replacement order of an exchange.
        replacement_total: The replacement's grand total, for an exchange for other goods.
        replacement_request: What the caller asked the replacement to be (fingerprinted
            with the idempotency key).
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``ReturnReceived``, for an exchange
        ``ReplacementOrdered``, and, for money owed back, ``RefundDue``; its ``restock``
        stock request takes the goods back (or writes them off).

    Raises:
        RuleViolation: ``lifecycle.return.not_found``, ``lifecycle.return.wrong_state``,
            ``lifecycle.return.not_priced``, ``lifecycle.return.not_exchange`` (a
            replacement for a return or a repair).
    """
    request: dict[str, object] = {"return_id": return_id, "disposition": disposition}
    if replacement_request is not None:
        request["replacement"] = replacement_request
    if (first := check_event(order, "receive_return", idempotency_key, request)) is not None:
        return first
    optional_texts(return_id=return_id, replacement_order_id=replacement_order_id)
    i, record = _return(order, return_id, ReturnState.APPROVED)
    kind = record.kind
    if kind is not ReturnKind.EXCHANGE and (
        replacement_request is not None or replacement_order_id is not None
    ):
        raise RuleViolation(
            RETURN_NOT_EXCHANGE, params={"return_id": return_id, "kind": kind.value}
        )
    credited = kind is ReturnKind.RETURN or (
        kind is ReturnKind.EXCHANGE and replacement_total is not None
    )
    refund = Money.zero(order.currency)
    if credited:
        if breakdown is None:
            raise RuleViolation(RETURN_NOT_PRICED, params={"line_id": record.lines[0][0]})
        refund = refund_for(order, record.lines, breakdown=breakdown)
    received = attrs.evolve(
        record,
        state=ReturnState.RECEIVED,
        disposition=StockDisposition(disposition),
        refund=refund,
        replacement_order_id=replacement_order_id if kind is ReturnKind.EXCHANGE else None,
    )
    plan = Plan(order)
    plan.changes = {"returns": _replace(order.returns, i, received)}
    if credited:
        # Goods given back for good (a return, or an exchange for other goods): the
        # customer no longer keeps nor pays for them here.
        updated = [
            attrs.evolve(order.ledger(line_id), returned=order.ledger(line_id).returned + qty)
            for line_id, qty in record.lines
        ]
        plan.changes["ledgers"] = with_ledgers(plan, updated)
    if kind is not ReturnKind.REPAIR:
        plan.stock = [
            StockRequest(
                StockAction.RESTOCK,
                order.id,
                record.lines,
                operation_id_for(order, "receive_return", idempotency_key),
                disposition=received.disposition,
            )
        ]
    plan.facts = [
        (
            ReturnReceived,
            {"return_id": return_id, "disposition": received.disposition, "lines": record.lines},
        )
    ]
    owed = refund
    if kind is ReturnKind.EXCHANGE and replacement_order_id is not None:
        transferred = None
        if replacement_total is not None:
            transferred = min(
                refund, replacement_total, max(net_paid(order), Money.zero(order.currency))
            )
            owed = refund - transferred
            if transferred:
                payment = Payment(
                    new_id(),
                    PaymentKind.REFUND,
                    transferred,
                    at,
                    exchange_reference(replacement_order_id),
                )
                plan.changes["payments"] = (*order.payments, payment)
        plan.facts.append(
            (
                ReplacementOrdered,
                {
                    "return_id": return_id,
                    "replacement_order_id": replacement_order_id,
                    "credit": refund if replacement_total is not None else None,
                    "transferred": transferred,
                },
            )
        )
    if owed:
        plan.facts.append((RefundDue, {"return_id": return_id, "amount": owed}))
    return fire(plan, "receive_return", actor=actor, at=at, key=idempotency_key, request=request)


def exchange_reference(replacement_order_id: str) -> str:
    """The payment reference of a credit paid over from an order to its replacement."""
    return f"exchange:{replacement_order_id}"
