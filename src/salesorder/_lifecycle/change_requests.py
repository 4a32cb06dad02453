"""Amendments of partly shipped orders, decided by approval (改单申请审批).

An amendment of a partly shipped order that needs approval is kept as a proposal
(``Order.proposed``, the revision it would make; see
:func:`~salesorder.lifecycle.amend`): the order keeps its status, terms and
reservations, and its goods do not move (``ship``, ``plan_shipment`` and
``void_shipment`` are refused with ``lifecycle.amendment.pending``) until the proposal
is decided. :func:`approve_amendment` signs one required level; the last signature
applies the proposal as an amendment would: a new revision, the new grand total, the
reservations following the unshipped quantities (more reserved for added lines and
raised quantities, released for lowered or removed ones). :func:`reject_amendment`
drops it, with reason codes kept in the audit.

Invariants: a proposal changes only what has not shipped (checked when it is made and
again when it is applied); the order becomes ``shipped`` when the applied revision
leaves nothing unshipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from salesorder._arguments import instance_of, optional_texts, wrong_type
from salesorder._lifecycle.amendments import check_progress_kept, follow_reservations
from salesorder._lifecycle.codes import (
    APPROVAL_ALREADY_GIVEN,
    APPROVAL_NOT_REQUIRED,
    APPROVAL_SAME_ACTOR,
    NONE_PENDING,
    REASON_REQUIRED,
)
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_event,
    fire,
    operation_id_for,
    require_reason,
)
from salesorder._lifecycle.hooks import PriceSummary
from salesorder._lifecycle.policies import DEFAULT_POLICY, LifecyclePolicy
from salesorder.errors import RuleViolation
from salesorder.events import AmendmentApproved, AmendmentRejected, OrderAmended
from salesorder.order import Order, Revision
from salesorder.records import Approval

__all__ = ["approve_amendment", "reject_amendment"]


def _proposal(order: Order) -> Revision:
    if order.proposed is None:
        raise RuleViolation(NONE_PENDING)
    return order.proposed


def approve_amendment(
    order: Order,
    *,
    level: str,
    actor: str,
    at: datetime,
    pricing: Callable[[Order], PriceSummary],
    backordered: Mapping[str, Decimal] | None = None,
    comment: str | None = None,
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Sign one level of a partly shipped order's amendment; the last one applies it.

    Args:
        order: A partly shipped order with an amendment awaiting approval.
        level: The level signing.
        actor: The approver.
        at: When.
        pricing: Prices the amended order (its ``grand_total`` becomes the amount due).
        backordered: Of the quantities the applied revision adds, what the reservation
            could not serve (as for :func:`~salesorder.lifecycle.confirm`).
        comment: Optional note.
        lifecycle_policy: ``separate_approvers``; ``allow_backorder`` for added quantities.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``AmendmentApproved`` and, once applied,
        ``OrderAmended`` and the stock requests that make the reservations follow.

    Raises:
        IllegalTransition: the order is not partially shipped.
        RuleViolation: ``lifecycle.amendment.none_pending``,
            ``lifecycle.approval.level_not_required``, ``lifecycle.approval.already_given``,
            ``lifecycle.approval.same_actor``, ``lifecycle.amendment.below_progress`` (the
            proposal would now take back what shipped since).
        InsufficientStock: added quantities are short and backorders are not allowed.
    """
    request: dict[str, object] = {"level": level, "comment": comment}
    if (first := check_event(order, "approve_amendment", idempotency_key, request)) is not None:
        return first
    optional_texts(level=level, comment=comment)
    if not callable(pricing):
        raise wrong_type("pricing", "a function that prices an order", pricing)
    instance_of(lifecycle_policy, LifecyclePolicy, argument="lifecycle_policy")
    proposed = _proposal(order)
    required = dict(order.required_approvals)
    if level not in required:
        raise RuleViolation(APPROVAL_NOT_REQUIRED, params={"level": level})
    current = [a for a in order.approvals if a.round == order.approval_round]
    if any(a.level == level for a in current):
        raise RuleViolation(APPROVAL_ALREADY_GIVEN, params={"level": level})
    if lifecycle_policy.separate_approvers and any(a.actor == actor for a in current):
        raise RuleViolation(APPROVAL_SAME_ACTOR)
    signature = Approval(level, actor, at, required[level], order.approval_round, comment)
    signed = {a.level for a in current} | {level}
    complete = all(name in signed for name in required)
    plan = Plan(order, reason=level)
    plan.changes = {"approvals": (*order.approvals, signature)}
    plan.facts = [(AmendmentApproved, {"level": level, "applied": complete})]
    if complete:
        _apply(plan, proposed, pricing, backordered or {}, lifecycle_policy, idempotency_key)
    return fire(plan, "approve_amendment", actor=actor, at=at, key=idempotency_key, request=request)


def _apply(  # noqa: PLR0917 - one private step of approve_amendment
    plan: Plan,
    proposed: Revision,
    pricing: Callable[[Order], PriceSummary],
    backordered: Mapping[str, Decimal],
    policy: LifecyclePolicy,
    key: str | None,
) -> None:
    """Make the proposal the order's revision: lines, total, reservations, history."""
    order = plan.order
    check_progress_kept(order, proposed.lines)
    candidate = attrs.evolve(
        order, lines=proposed.lines, requested_delivery_date=proposed.requested_delivery_date
    )
    history = order.revisions or (
        Revision(order.revision, order.lines, None, None, (), order.requested_delivery_date),
    )
    changes: dict[str, Any] = {
        "lines": proposed.lines,
        "requested_delivery_date": proposed.requested_delivery_date,
        "grand_total": pricing(candidate).grand_total,
        "revision": proposed.number,
        "revisions": (*history, proposed),
        "proposed": None,
    }
    plan.changes.update(changes)
    old_quantities = {line.line_id: line.quantity for line in order.lines}
    operation = operation_id_for(order, "approve_amendment", key)
    plan.changes["ledgers"] = follow_reservations(
        plan, old_quantities, backordered, operation, allow_backorder=policy.allow_backorder
    )
    plan.facts.append(
        (
            OrderAmended,
            {
                "changes": proposed.changes,
                "previous_revision": order.revision,
                "needs_approval": False,
            },
        )
    )


def reject_amendment(
    order: Order,
    *,
    reasons: Sequence[str],
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Drop a partly shipped order's amendment (驳回改单); the order keeps its terms.

    Raises:
        IllegalTransition: the order is not partially shipped.
        RuleViolation: ``lifecycle.amendment.none_pending``, ``lifecycle.reason_required``.
    """
    request: dict[str, object] = {"reasons": reasons}
    if (first := check_event(order, "reject_amendment", idempotency_key, request)) is not None:
        return first
    if isinstance(reasons, str) or not isinstance(reasons, Iterable):
        raise wrong_type("reasons", "a sequence of reason codes", reasons)
    codes = tuple(require_reason(reason, "reject_amendment") for reason in reasons)
    if not codes:
        raise RuleViolation(REASON_REQUIRED, params={"event": "reject_amendment"})
    proposed = _proposal(order)
    plan = Plan(order, changes={"proposed": None}, reason=",".join(codes))
    plan.facts = [(AmendmentRejected, {"proposed_revision": proposed.number, "reasons": codes})]
    return fire(plan, "reject_amendment", actor=actor, at=at, key=idempotency_key, request=request)
