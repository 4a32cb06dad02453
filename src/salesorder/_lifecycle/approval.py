"""Submission, approval and rejection (R6).

Invariants: an order reaches ``approved`` only when every level the policy required in
the current round has signed; each signature records who, when, which level and why; a
rejection starts a new round, in which earlier signatures do not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from salesorder._arguments import instance_of, optional_texts, wrong_type
from salesorder._lifecycle.codes import (
    APPROVAL_ALREADY_GIVEN,
    APPROVAL_NOT_REQUIRED,
    APPROVAL_SAME_ACTOR,
    NO_PRICE,
    REASON_REQUIRED,
)
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_event,
    fire,
    has_all_approvals,
    require_reason,
)
from salesorder._lifecycle.hooks import PriceSummary, ValidationSummary
from salesorder._lifecycle.policies import DEFAULT_POLICY, ApprovalPolicy, LifecyclePolicy
from salesorder.errors import (
    RuleViolation,
)
from salesorder.events import (
    OrderApproved,
    OrderRejected,
    OrderSubmitted,
)
from salesorder.order import Order, Revision
from salesorder.records import (
    Approval,
)

__all__ = ["approve", "reject", "submit"]

# -- commands: approval -----------------------------------------------------------------------


def submit(
    order: Order,
    *,
    actor: str,
    at: datetime,
    report: ValidationSummary,
    breakdown: PriceSummary,
    approval_policy: ApprovalPolicy,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Submit a draft for review (提交审核); with nothing to approve it is approved at once.

    Args:
        order: A draft order.
        actor: Who submits.
        at: When.
        report: Its validation report (``needs_approval`` is read).
        breakdown: Its price breakdown; its ``grand_total`` becomes the amount due.
        approval_policy: Decides the approval levels.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderSubmitted`` (its ``required_levels``); the
        target is ``approved`` when no approval is needed, else ``pending_approval``.

    Raises:
        IllegalTransition: if the order is not a draft.
        RuleViolation: ``lifecycle.submit.not_priced`` without lines or in another currency.
    """
    request: dict[str, object] = {}
    if (first := check_event(order, "submit", idempotency_key, request)) is not None:
        return first
    instance_of(approval_policy, ApprovalPolicy, argument="approval_policy")
    total = breakdown.grand_total
    if not order.lines or total.currency != order.currency:
        raise RuleViolation(
            NO_PRICE, params={"currency": total.currency, "expected": order.currency}
        )
    required = approval_policy.requirements(order, report=report, breakdown=breakdown)
    plan = Plan(order, needs_approval=bool(required))
    plan.changes = {
        "grand_total": total,
        "approval_round": order.approval_round + 1,
        "required_approvals": required,
    }
    if not order.revisions:
        plan.changes["revisions"] = (
            Revision(order.revision, order.lines, at, actor, (), order.requested_delivery_date),
        )
    plan.facts = [(OrderSubmitted, {"required_levels": tuple(level for level, _ in required)})]
    return fire(plan, "submit", actor=actor, at=at, key=idempotency_key, request=request)


def approve(
    order: Order,
    *,
    level: str,
    actor: str,
    at: datetime,
    comment: str | None = None,
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Sign one required approval level; the order is approved once every level has signed.

    Args:
        order: An order pending approval.
        level: The level signing.
        actor: The approver's user id.
        at: When.
        comment: Optional note (no personal data).
        lifecycle_policy: ``separate_approvers`` refuses one person signing two levels.
        idempotency_key: Repeat protection.

    Returns:
        The transition result (target ``approved`` or still ``pending_approval``).

    Raises:
        IllegalTransition: if the order is not pending approval.
        RuleViolation: ``lifecycle.approval.level_not_required``,
            ``lifecycle.approval.already_given`` or ``lifecycle.approval.same_actor``.
    """
    request: dict[str, object] = {"level": level, "comment": comment}
    if (first := check_event(order, "approve", idempotency_key, request)) is not None:
        return first
    optional_texts(level=level, comment=comment)
    required = dict(order.required_approvals)
    if level not in required:
        raise RuleViolation(APPROVAL_NOT_REQUIRED, params={"level": level})
    current = [a for a in order.approvals if a.round == order.approval_round]
    if any(a.level == level for a in current):
        raise RuleViolation(APPROVAL_ALREADY_GIVEN, params={"level": level})
    if lifecycle_policy.separate_approvers and any(a.actor == actor for a in current):
        raise RuleViolation(APPROVAL_SAME_ACTOR)
    signature = Approval(level, actor, at, required[level], order.approval_round, comment)
    plan = Plan(order, changes={"approvals": (*order.approvals, signature)}, reason=level)
    fully = has_all_approvals(plan)
    plan.facts = [(OrderApproved, {"level": level, "fully_approved": fully})]
    return fire(plan, "approve", actor=actor, at=at, key=idempotency_key, request=request)


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
    request: dict[str, object] = {"reasons": reasons}
    if (first := check_event(order, "reject", idempotency_key, request)) is not None:
        return first
    if isinstance(reasons, str) or not isinstance(reasons, Iterable):
        raise wrong_type("reasons", "a sequence of reason codes", reasons)
    codes = tuple(require_reason(reason, "reject") for reason in reasons)
    if not codes:
        raise RuleViolation(REASON_REQUIRED, params={"event": "reject"})
    plan = Plan(order, changes={"required_approvals": ()}, reason=",".join(codes))
    plan.facts = [(OrderRejected, {"reasons": codes})]
    return fire(plan, "reject", actor=actor, at=at, key=idempotency_key, request=request)
