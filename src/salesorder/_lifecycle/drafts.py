"""Editing a draft (录单修改): its terms are replaced whole, before submission.

A draft is still the salesperson's: the customer, lines, addresses, terms and dates
change freely until it is submitted, and a rejected order comes back here for
correction (R6) before it is submitted again. The audit trail keeps every edit with the
names of the fields it changed, next to the rejection that asked for it.

Invariants: only a draft is edited; identity (id, number, creation time, currency) and
every lifecycle record (audit, approvals, ledgers, payments ...) stay as they were;
every field of :class:`~salesorder.order.Order` is either a term (:data:`DRAFT_TERMS`)
or a record (:data:`DRAFT_RECORDS`), which a test checks, so a new field must be
classified before it can be forgotten here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from salesorder._lifecycle.codes import AMENDMENT_INVALID
from salesorder._lifecycle.engine import Plan, TransitionResult, check_event, fire
from salesorder.errors import CurrencyMismatch, RuleViolation
from salesorder.events import DraftEdited
from salesorder.order import Order

__all__ = ["DRAFT_RECORDS", "DRAFT_TERMS", "edit_draft"]

DRAFT_TERMS: Final[tuple[str, ...]] = (
    "customer",
    "lines",
    "order_type",
    "channel",
    "billing_address",
    "shipping_address",
    "payment_terms",
    "requested_delivery_date",
    "invoice",
    "salesperson",
    "notes",
    "external_ref",
    "grand_total",
    "line_totals",
    "price_snapshot",
    "order_discount",
    "locked_prices",
    "exchange_rate",
)
"""The fields an edit replaces: what the customer and the salesperson agreed, and its price."""

DRAFT_RECORDS: Final[tuple[str, ...]] = (
    "id",
    "currency",
    "number",
    "revision",
    "version",
    "created_at",
    "status",
    "held_from",
    "approval_round",
    "required_approvals",
    "approvals",
    "ledgers",
    "shipments",
    "deliveries",
    "invoices",
    "credit_notes",
    "payments",
    "returns",
    "revisions",
    "proposed",
    "audit",
    "idempotency",
    # Redeemed at entry through the coupon ledger: an edit keeps them.
    "coupons",
)
"""The fields an edit keeps: identity and the lifecycle's records."""


_DERIVED: Final = frozenset({"grand_total", "line_totals", "price_snapshot", "locked_prices"})


def edit_draft(
    order: Order,
    replacement: Order,
    *,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Replace a draft's terms with those of ``replacement`` (validated and priced by the caller).

    Args:
        order: A draft.
        replacement: An order carrying the new terms (its identity and records are
            ignored); in the draft's currency.
        actor: Who edits.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``DraftEdited`` (the names of the changed fields);
        the audit entry's reason lists them too.

    Raises:
        IllegalTransition: if the order is not a draft.
        CurrencyMismatch: ``replacement`` is in another currency (a new order is needed).
        RuleViolation: ``lifecycle.amendment.invalid`` when nothing changes or the
            coupons differ.
    """
    # What the caller asked for: the agreed terms, not the prices the service derived from
    # them at this moment (a retry later prices again, and must still be the same request).
    request: dict[str, object] = {
        name: getattr(replacement, name) for name in DRAFT_TERMS if name not in _DERIVED
    }
    if (first := check_event(order, "edit", idempotency_key, request)) is not None:
        return first
    if replacement.currency != order.currency:
        raise CurrencyMismatch(params={"left": order.currency, "right": replacement.currency})
    if replacement.coupons != order.coupons:
        # Redeemed through the coupon ledger at entry: other coupons are a new entry.
        reason = "coupons do not change in an edit (discard the draft, enter it anew)"
        raise RuleViolation(AMENDMENT_INVALID, params={"reason": reason})
    changes = {
        name: getattr(replacement, name)
        for name in DRAFT_TERMS
        if getattr(replacement, name) != getattr(order, name)
    }
    if not changes:
        raise RuleViolation(AMENDMENT_INVALID, params={"reason": "the draft does not change"})
    changed = tuple(changes)
    plan = Plan(order, changes=changes, reason=",".join(changed))
    plan.facts = [(DraftEdited, {"changed": changed})]
    return fire(plan, "edit", actor=actor, at=at, key=idempotency_key, request=request)
