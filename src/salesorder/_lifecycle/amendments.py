"""Amendments (改单) of approved or confirmed orders (R8): preview, apply, revisions.

Invariants: an amendment either applies whole or not at all; it raises ``revision`` by
one and appends a snapshot of the new lines to ``order.revisions`` (revision 1 is
snapshotted on first need), so every revision's lines stay readable; a confirmed order
that keeps its status asks for reservations that follow its quantities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from salesorder._arguments import instance_of, optional_text, storable_text, wrong_type
from salesorder._lifecycle.codes import (
    AMENDMENT_INVALID,
    AMENDMENT_PENDING,
    LINE_EXISTS,
    QUANTITY_NOT_POSITIVE,
    UNKNOWN_LINE,
)
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_event,
    check_places,
    fire,
    operation_id_for,
    require_reason,
    with_ledgers,
)
from salesorder._lifecycle.fulfilment import (
    held_quantities,
    shortfalls,
    without_reservations,
)
from salesorder._lifecycle.hooks import PriceSummary, ValidationSummary
from salesorder._lifecycle.policies import (
    DEFAULT_POLICY,
    AmendmentKind,
    ApprovalPolicy,
    EmptyReport,
    LifecyclePolicy,
)
from salesorder._lifecycle.shipments import planned_quantities
from salesorder._lifecycle.statuses import net_paid
from salesorder._lifecycle.stock import StockAction, StockRequest
from salesorder.errors import (
    InsufficientStock,
    RuleViolation,
    define_code,
)
from salesorder.events import (
    DeliveryDateChanged,
    OrderAmended,
)
from salesorder.money import Money, to_decimal
from salesorder.order import Order, OrderLine, Revision
from salesorder.records import (
    ZERO,
    LineLedger,
    Status,
    line_quantities,
)

__all__ = [
    "BELOW_PROGRESS",
    "AddLine",
    "AmendmentPreview",
    "Change",
    "ChangeDeliveryDate",
    "ChangePrice",
    "ChangeQuantity",
    "RemoveLine",
    "amend",
    "check_progress_kept",
    "follow_reservations",
    "preview_amendment",
    "reschedule",
    "revision_lines",
]

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

    kind: ClassVar[AmendmentKind] = AmendmentKind.QUANTITY

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

    kind: ClassVar[AmendmentKind] = AmendmentKind.ADD_LINE

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

    kind: ClassVar[AmendmentKind] = AmendmentKind.REMOVE_LINE

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

    kind: ClassVar[AmendmentKind] = AmendmentKind.PRICE

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

    kind: ClassVar[AmendmentKind] = AmendmentKind.DELIVERY_DATE

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
        stock_delta: Quantity change per SKU in stock units (positive: more stock needed).
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


def _amend_error(reason: str, **params: object) -> RuleViolation:
    return RuleViolation(AMENDMENT_INVALID, params={"reason": reason, **params})


def _checked_changes(changes: object) -> tuple[Change, ...]:
    """The changes, each of a known kind with values a store can hold."""
    if isinstance(changes, str) or not isinstance(changes, Sequence):
        raise wrong_type("changes", "a sequence of changes", changes)
    checked: list[Change] = []
    for change in changes:
        if isinstance(change, ChangeQuantity):
            line_id = storable_text(change.line_id, argument="line_id")
            change = ChangeQuantity(line_id, _positive(change.quantity, line_id))  # noqa: PLW2901
        elif isinstance(change, AddLine):
            change = AddLine(_checked_line(change.line))  # noqa: PLW2901
        elif isinstance(change, RemoveLine | ChangePrice):
            storable_text(change.line_id, argument="line_id")
            if isinstance(change, ChangePrice) and change.unit_price is not None:
                instance_of(change.unit_price, Money, argument="unit_price")
        elif isinstance(change, ChangeDeliveryDate):
            if change.requested_delivery_date is not None:
                instance_of(
                    change.requested_delivery_date, date, argument="requested_delivery_date"
                )
        else:
            raise wrong_type("change", "an amendment change (ChangeQuantity, AddLine...)", change)
        checked.append(change)
    return tuple(checked)


def _amended_lines(order: Order, given: Sequence[Change]) -> tuple[list[OrderLine], date | None]:
    changes = _checked_changes(given)
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
            i = index(change.line_id)
            lines[i] = attrs.evolve(lines[i], quantity=change.quantity)
        elif isinstance(change, AddLine):
            if any(line.line_id == change.line.line_id for line in lines):
                raise _amend_error(LINE_EXISTS, line_id=change.line.line_id)
            lines.append(change.line)
        elif isinstance(change, RemoveLine):
            i = index(change.line_id)
            ledger = order.ledger(change.line_id)
            progress = ledger.shipped + planned_quantities(order).get(change.line_id, ZERO)
            if progress:
                # What left (or is planned to leave) stays on the order: removing a partly
                # shipped line cancels its rest, it keeps what shipped.
                lines[i] = attrs.evolve(lines[i], quantity=progress)
            else:
                del lines[i]
        elif isinstance(change, ChangePrice):
            i = index(change.line_id)
            lines[i] = attrs.evolve(lines[i], unit_price=change.unit_price)
        else:
            delivery = change.requested_delivery_date
    if not lines:
        raise _amend_error("no lines would be left")
    check_progress_kept(order, lines)
    return lines, delivery


def _positive(quantity: object, line_id: str) -> Decimal:
    """An amended quantity: a finite number (not a float) above zero."""
    value = to_decimal(quantity, what="quantity")
    if value <= 0:
        raise RuleViolation(QUANTITY_NOT_POSITIVE, params={"line_id": line_id})
    check_places(value, line_id)
    return value


def _checked_line(line: object) -> OrderLine:
    """An added line as the gate would take it: storable text, a positive quantity.

    The gate (``validate``) checks a payload's lines; an added line comes from the
    host's code, so the same limits are checked here before it can be stored.
    """
    checked = instance_of(line, OrderLine, argument="line")
    line_id = storable_text(checked.line_id, argument="line_id")
    storable_text(checked.sku, argument="sku")
    storable_text(checked.name, argument="name")
    storable_text(checked.unit, argument="unit")
    for argument in ("specification", "tax_code", "category"):
        optional_text(getattr(checked, argument), argument=argument)
    for tag in checked.tags:
        storable_text(tag, argument="tag")
    if checked.unit_price is not None:
        instance_of(checked.unit_price, Money, argument="unit_price")
    if checked.requested_discount is not None:
        to_decimal(checked.requested_discount, what="requested_discount")
    return attrs.evolve(checked, quantity=_positive(checked.quantity, line_id))


def check_progress_kept(order: Order, lines: Sequence[OrderLine]) -> None:
    """No line may drop below what was already shipped or invoiced for it."""
    final = {line.line_id: line.quantity for line in lines}
    planned = planned_quantities(order)
    for ledger in order.ledgers:
        # Planned shipments count too: cancel the plan first to amend below it.
        minimum = max(ledger.shipped + planned.get(ledger.line_id, ZERO), ledger.invoiced)
        if minimum > 0 and final.get(ledger.line_id, ZERO) < minimum:
            raise RuleViolation(
                BELOW_PROGRESS, params={"line_id": ledger.line_id, "minimum": str(minimum)}
            )


BELOW_PROGRESS = define_code(
    "lifecycle.amendment.below_progress",
    en="Line {line_id} cannot go below {minimum}: that much is shipped, planned or invoiced.",
)


def _sku_totals(lines: Iterable[OrderLine]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        # Stock units: a line ordered in boxes needs its boxes' pieces.
        totals[line.sku] = totals.get(line.sku, ZERO) + line.stock_quantity
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
    if not callable(pricing):
        raise wrong_type("pricing", "a function that prices an order", pricing)
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
    approval_policy: ApprovalPolicy,
    actor: str,
    at: datetime,
    backordered: Mapping[str, Decimal] | None = None,
    report: ValidationSummary | None = None,
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Apply an amendment (改单) to an approved or confirmed order; the revision is raised.

    When the amended order needs approval under ``approval_policy`` and the amendment changes
    more than the delivery date, the order goes back to ``pending_approval`` (a
    confirmed order asks for its reservations to be released; confirming again
    reserves anew). Otherwise it keeps its status and a confirmed order's reservations
    follow the quantity changes: the result asks to ``reserve`` the added quantities
    (``backordered`` says what that reservation could not serve, as for
    :func:`confirm`) and to ``release`` the removed ones.

    Args:
        order: An approved or confirmed order.
        changes: The changes.
        pricing: Prices the amended order.
        approval_policy: Approval policy for the amended order.
        actor: Who amends.
        at: When.
        backordered: Of the added quantities, what the reservation could not serve.
        report: Validation report of the amended order (none: no issues).
        lifecycle_policy: ``allow_backorder`` for added quantities.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderAmended`` and its stock requests.

    Raises:
        IllegalTransition: if the order is not approved or confirmed.
        RuleViolation: invalid changes (see :func:`preview_amendment`).
        InsufficientStock: added quantities are backordered and backorder is not allowed.
    """
    request: dict[str, object] = {"changes": changes}
    if (first := check_event(order, "amend", idempotency_key, request)) is not None:
        return first
    instance_of(approval_policy, ApprovalPolicy, argument="approval_policy")
    instance_of(lifecycle_policy, LifecyclePolicy, argument="lifecycle_policy")
    preview = preview_amendment(order, changes, pricing=pricing)
    candidate = attrs.evolve(
        order, lines=preview.lines, requested_delivery_date=preview.requested_delivery_date
    )
    required = _amendment_approvals(candidate, changes, approval_policy, report, preview)
    if order.proposed is not None:
        raise RuleViolation(AMENDMENT_PENDING, params={"revision": order.proposed.number})
    if required and order.status is Status.PARTIALLY_SHIPPED:
        return _propose(order, preview, required, actor, at, idempotency_key, request)
    revision = order.revision + 1
    history = order.revisions or (
        Revision(order.revision, order.lines, None, None, (), order.requested_delivery_date),
    )
    plan = Plan(order, needs_approval=bool(required), reason=",".join(preview.changes))
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
    operation = operation_id_for(order, "amend", idempotency_key)
    old_quantities = {line.line_id: line.quantity for line in order.lines}

    def effect(target: Status) -> Mapping[str, Any]:
        plan.facts.append(
            (
                OrderAmended,
                {
                    "changes": preview.changes,
                    "previous_revision": order.revision,
                    "needs_approval": target is Status.PENDING_APPROVAL,
                },
            )
        )
        if preview.requested_delivery_date != order.requested_delivery_date:
            plan.facts.append(
                (
                    DeliveryDateChanged,
                    {
                        "previous": order.requested_delivery_date,
                        "requested_delivery_date": preview.requested_delivery_date,
                    },
                )
            )
        if target is Status.PENDING_APPROVAL:
            extra: dict[str, Any] = {
                "approval_round": order.approval_round + 1,
                "required_approvals": required,
            }
            if order.status is Status.CONFIRMED:
                if held_quantities(order):
                    plan.stock.append(StockRequest(StockAction.RELEASE, order.id, None, operation))
                extra["ledgers"] = tuple(
                    ledger
                    for ledger in without_reservations(order)
                    if ledger.line_id in {line.line_id for line in preview.lines}
                )
            else:
                extra["ledgers"] = with_ledgers(plan, ())
            return extra
        if order.status not in _RESERVING:
            return {"ledgers": with_ledgers(plan, ())}
        return {
            "ledgers": follow_reservations(
                plan,
                old_quantities,
                backordered or {},
                operation,
                allow_backorder=lifecycle_policy.allow_backorder,
            )
        }

    plan.effect = effect
    return fire(plan, "amend", actor=actor, at=at, key=idempotency_key, request=request)


#: Statuses whose reservations follow an amendment applied without approval.
_RESERVING = frozenset({Status.CONFIRMED, Status.PARTIALLY_SHIPPED})


def _propose(  # noqa: PLR0917 - the parts of the amendment already computed
    order: Order,
    preview: AmendmentPreview,
    required: tuple[tuple[str, tuple[str, ...]], ...],
    actor: str,
    at: datetime,
    key: str | None,
    request: Mapping[str, object],
) -> TransitionResult:
    """Keep a partly shipped order's amendment as a proposal awaiting approval (改单申请).

    Goods are out: the order cannot go back to ``pending_approval`` (that would open
    ``cancel`` and ``reject`` with goods shipped). It keeps its status, terms and
    reservations; the proposal names the revision it would make, and approval applies
    it (``approve_amendment``) or rejection drops it (``reject_amendment``).
    """
    proposed = Revision(
        order.revision + 1,
        preview.lines,
        at,
        actor,
        preview.changes,
        preview.requested_delivery_date,
    )
    plan = Plan(order, reason=",".join(preview.changes))
    plan.changes = {
        "proposed": proposed,
        "approval_round": order.approval_round + 1,
        "required_approvals": required,
    }
    plan.facts = [
        (
            OrderAmended,
            {
                "changes": preview.changes,
                "previous_revision": order.revision,
                "needs_approval": True,
            },
        )
    ]
    return fire(plan, "amend", actor=actor, at=at, key=key, request=request)


def _amendment_approvals(
    candidate: Order,
    changes: Sequence[Change],
    policy: ApprovalPolicy,
    report: ValidationSummary | None,
    preview: AmendmentPreview,
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The levels an amendment needs.

    The policy's own level for an amendment, and what its rules flag on the amended
    order when the amendment changes money or goods (a delivery date changes neither).
    """
    reasons: dict[str, list[str]] = {}
    flagged: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if any(change.kind is not AmendmentKind.DELIVERY_DATE for change in changes):
        flagged = policy.requirements(
            candidate, report=report or EmptyReport(), breakdown=preview.breakdown
        )
    for level, codes in (*flagged, *policy.amendment_requirements(c.kind for c in changes)):
        bucket = reasons.setdefault(level, [])
        bucket.extend(code for code in codes if code not in bucket)
    return tuple((level, tuple(codes)) for level, codes in sorted(reasons.items()))


def follow_reservations(
    plan: Plan,
    old_quantities: Mapping[str, Decimal],
    backordered: Mapping[str, Decimal],
    operation: str,
    *,
    allow_backorder: bool,
) -> tuple[LineLedger, ...]:
    """Ask to reserve added and release removed quantities of a confirmed order's amendment."""
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
            # The store releases a line's backorder first, then its allocations: the
            # same split as here, so it is asked to release the whole drop.
            from_backorder = min(ledger.backordered, drop)
            from_reserved = drop - from_backorder
            if from_backorder + from_reserved:
                less[line.line_id] = from_backorder + from_reserved
            updated.append(
                attrs.evolve(
                    ledger,
                    backordered=ledger.backordered - from_backorder,
                    reserved=ledger.reserved - from_reserved,
                )
            )
    kept = {line.line_id for line in plan.get("lines")}
    for line_id in old_quantities.keys() - kept:
        removed = order.ledger(line_id)
        if removed.reserved + removed.backordered:
            less[line_id] = removed.reserved + removed.backordered
    short = {k: v for k, v in backordered.items() if v}
    if short.keys() - more.keys():
        (line_id, *_) = sorted(short.keys() - more.keys())
        raise RuleViolation(UNKNOWN_LINE, params={"line_id": line_id})
    if short and not allow_backorder:
        candidate = attrs.evolve(order, lines=plan.get("lines"))
        raise InsufficientStock(shortfalls(candidate, short, more))
    if more:
        plan.stock.append(
            StockRequest(
                StockAction.RESERVE,
                order.id,
                line_quantities(more),
                operation,
                allow_backorder=allow_backorder,
            )
        )
    if less:
        plan.stock.append(
            StockRequest(
                StockAction.RELEASE, order.id, line_quantities(less), operation + ":release"
            )
        )
    for line_id, quantity in more.items():
        ledger = plan.ledger(line_id)
        missing = short.get(line_id, ZERO)
        updated.append(
            attrs.evolve(
                ledger,
                reserved=ledger.reserved + quantity - missing,
                backordered=ledger.backordered + missing,
            )
        )
    return with_ledgers(plan, updated)


def reschedule(
    order: Order,
    *,
    requested_delivery_date: date | None,
    reason: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Move the requested delivery date (改交期), before or after the first shipment.

    Unlike an amendment it changes neither goods nor money, so it keeps the status,
    needs no approval and raises no revision; it needs a reason, is audited, and tells
    the customer (``DeliveryDateChanged``, R10). Once goods have shipped it is the only
    change an order still takes.

    Args:
        order: An approved, confirmed, partially shipped or shipped order.
        requested_delivery_date: The new date (None: no date requested any more).
        reason: Why, e.g. ``carrier_delay`` (required).
        actor: Who moves it.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``DeliveryDateChanged``.

    Raises:
        IllegalTransition: from any other status.
        RuleViolation: ``lifecycle.reason_required``; ``lifecycle.amendment.invalid``
            when the date does not change or is not a date.
    """
    request: dict[str, object] = {
        "requested_delivery_date": requested_delivery_date,
        "reason": reason,
    }
    if (first := check_event(order, "reschedule", idempotency_key, request)) is not None:
        return first
    require_reason(reason, "reschedule")
    previous = order.requested_delivery_date
    if requested_delivery_date is not None and (
        not isinstance(requested_delivery_date, date)
        or isinstance(requested_delivery_date, datetime)
    ):
        raise _amend_error("the requested delivery date is not a date")
    if requested_delivery_date == previous:
        raise _amend_error("the requested delivery date does not change")
    plan = Plan(
        order,
        changes={"requested_delivery_date": requested_delivery_date},
        reason=reason,
    )
    plan.facts = [
        (
            DeliveryDateChanged,
            {"previous": previous, "requested_delivery_date": requested_delivery_date},
        )
    ]
    return fire(plan, "reschedule", actor=actor, at=at, key=idempotency_key, request=request)


def revision_lines(order: Order, number: int) -> tuple[OrderLine, ...]:
    """The lines of ``order`` at revision ``number``.

    Args:
        order: The order.
        number: A revision number (1 is the order as first submitted).

    Returns:
        The lines as they were at that revision.

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
