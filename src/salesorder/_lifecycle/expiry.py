"""Order expiry: orders left unconfirmed, or unpaid when payment comes first, time out.

An expiring order is cancelled once its time is up and releases its stock, as Saleor
expires orders.

Invariants: :func:`expiry_due` is a pure function of the order and the policy; an order
expires only at or after that moment; an expired order is ``cancelled`` with the reason
``expired`` and holds nothing in the stock store afterwards.

Why the order, not the stock store, decides: a reservation's own expiry in the store
cannot know that the customer paid in the meantime (a payment recorded before the host
runs expiry must keep the goods), and an order whose reservation the store released on
its own would disagree with its ledgers. So the deadline is computed here and the stock
is released by the order's own ``release`` request, in the unit of work that cancels it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from salesorder._lifecycle.codes import EXPIRE_NOT_DUE, EXPIRY_NOT_REACHED, NEVER_EXPIRES
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_event,
    fire,
    operation_id_for,
)
from salesorder._lifecycle.fulfilment import held_quantities, without_reservations
from salesorder._lifecycle.policies import DEFAULT_POLICY, LifecyclePolicy
from salesorder._lifecycle.shipments import call_off_plans
from salesorder._lifecycle.stock import StockAction, StockRequest
from salesorder.errors import RuleViolation
from salesorder.events import OrderCancelled
from salesorder.order import Order
from salesorder.records import PaymentKind, Status

__all__ = ["EXPIRED_REASON", "expire", "expiry_due"]

EXPIRED_REASON: Final = "expired"
"""The reason code an expired order is cancelled with (audit and ``OrderCancelled``)."""

_UNCONFIRMED: Final = frozenset({Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED})


def _entered(order: Order, status: Status) -> datetime | None:
    for entry in reversed(order.audit):
        if entry.target is status and entry.source is not status:
            return entry.at
    return None


def expiry_due(order: Order, policy: LifecyclePolicy = DEFAULT_POLICY) -> datetime | None:
    """When ``order`` expires under ``policy``, or None when it does not.

    An unconfirmed order (draft, awaiting approval, approved) expires
    ``expire_unconfirmed_after`` after it was entered. A confirmed order expires
    ``expire_unpaid_after`` after its confirmation when the policy ships only after
    payment and no payment was recorded. Orders on hold, shipped or archived never
    expire.

    Args:
        order: The order.
        policy: The lifecycle policy.

    Returns:
        The moment, or None.
    """
    if order.status in _UNCONFIRMED:
        after = policy.expire_unconfirmed_after
        start = order.created_at or (order.audit[0].at if order.audit else None)
        return None if after is None or start is None else start + after
    if order.status is Status.CONFIRMED and policy.ship_only_after_payment:
        after = policy.expire_unpaid_after
        if after is None or any(p.kind is PaymentKind.PAYMENT and p.counts for p in order.payments):
            return None
        if order.grand_total is not None and not order.grand_total:
            return None  # nothing to pay (a like-for-like replacement): nothing to wait for
        confirmed_at = _entered(order, Status.CONFIRMED)
        return None if confirmed_at is None else confirmed_at + after
    return None


def expire(
    order: Order,
    *,
    at: datetime,
    actor: str = "system",
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Expire an order whose time is up: cancel it with the reason ``expired``.

    Args:
        order: An unconfirmed order, or a confirmed one awaiting payment.
        at: Now; at or after :func:`expiry_due`.
        actor: Who runs expiry (a scheduler).
        lifecycle_policy: Its expiry settings decide the moment.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderCancelled`` (reason ``expired``) and, when
        something is held, the ``release`` stock request of all of it.

    Raises:
        IllegalTransition: from a status that never expires.
        RuleViolation: ``lifecycle.expire.not_due`` when the policy does not expire the
            order, or not yet.
    """
    request: dict[str, object] = {}
    if (first := check_event(order, "expire", idempotency_key, request)) is not None:
        return first
    due = expiry_due(order, lifecycle_policy)
    if due is None or at < due:
        params = (
            {"why": NEVER_EXPIRES}
            if due is None
            else {"why": EXPIRY_NOT_REACHED, "due": due.isoformat()}
        )
        raise RuleViolation(EXPIRE_NOT_DUE, params=params)
    plan = Plan(
        order,
        changes={
            "ledgers": without_reservations(order),
            "held_from": None,
            **call_off_plans(order, at),
        },
        reason=EXPIRED_REASON,
    )
    if held_quantities(order):
        operation = operation_id_for(order, "expire", idempotency_key)
        plan.stock = [StockRequest(StockAction.RELEASE, order.id, None, operation)]
    plan.facts = [(OrderCancelled, {"reason": EXPIRED_REASON})]
    return fire(plan, "expire", actor=actor, at=at, key=idempotency_key, request=request)
