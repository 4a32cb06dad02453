"""Confirmation, shipment, delivery, hold/resume, cancellation, short-close, completion.

Invariants: per line ``shipped <= ordered`` and ``delivered <= shipped``; a cancelled or
closed order asks for its reservations to be released (a stock request on the result);
nothing is cancelled once anything shipped (``lifecycle.cancel_after_shipment``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from salesorder._arguments import instance_of, mapping, optional_texts
from salesorder._lifecycle.codes import (
    DELIVER_EXCEEDS,
    SHIP_EXCEEDS,
    SHIP_NEEDS_PAYMENT,
    SHIPMENT_WRONG_STATE,
    UNKNOWN_LINE,
)
from salesorder._lifecycle.engine import (
    Plan,
    TransitionResult,
    check_event,
    checked_quantities,
    fire,
    fire_plain,
    operation_id_for,
    require_reason,
    with_ledgers,
)
from salesorder._lifecycle.policies import DEFAULT_POLICY, LifecyclePolicy
from salesorder._lifecycle.repairs import check_no_repair_with_seller
from salesorder._lifecycle.shipments import (
    call_off_plans,
    check_new_shipment_id,
    check_no_pending_amendment,
    planned_quantities,
    settle_shipments,
)
from salesorder._lifecycle.statuses import net_paid
from salesorder._lifecycle.stock import StockAction, StockRequest
from salesorder.errors import (
    InsufficientStock,
    RuleViolation,
    Shortfall,
)
from salesorder.events import (
    OrderCancelled,
    OrderClosed,
    OrderCompleted,
    OrderConfirmed,
    OrderDelivered,
    OrderEvent,
    OrderHeld,
    OrderResumed,
    OrderShipped,
)
from salesorder.money import Money, to_decimal
from salesorder.order import Order, OrderLine, new_id
from salesorder.records import (
    ZERO,
    Delivery,
    LineLedger,
    Shipment,
    ShipmentState,
    line_quantities,
)

__all__ = [
    "cancel",
    "close",
    "complete",
    "confirm",
    "deliver",
    "held_quantities",
    "hold",
    "resume",
    "ship",
    "shortfalls",
    "without_reservations",
]

# -- commands: stock --------------------------------------------------------------------------


def confirm(
    order: Order,
    *,
    actor: str,
    at: datetime,
    backordered: Mapping[str, Decimal] | None = None,
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Confirm an approved order; its lines are reserved but for what stock could not serve.

    The stock decision is an input: the host reserves the order's lines first (the
    ``reserve`` request on the result says which, with its operation id) and passes
    what the reservation left on backorder; nothing given means everything is reserved
    (also for a host that does not manage stock).

    Args:
        order: An approved order.
        actor: Who confirms.
        at: When.
        backordered: Quantity per line id the reservation could not serve.
        lifecycle_policy: ``allow_backorder`` confirms a short order with backorder.
        idempotency_key: Repeat protection (also the stock request's operation id).

    Returns:
        The transition result with ``OrderConfirmed`` (its ``backordered`` quantities)
        and the ``reserve`` stock request of every line.

    Raises:
        IllegalTransition: if the order is not approved.
        InsufficientStock: something is backordered and backorder is not allowed.
        RuleViolation: ``lifecycle.unknown_line`` for a backordered line not in the order.
    """
    request: dict[str, object] = {}
    if (first := check_event(order, "confirm", idempotency_key, request)) is not None:
        return first
    given = {} if backordered is None else mapping(backordered, argument="backordered")
    short = {
        line_id: to_decimal(quantity, what="backordered quantity")
        for line_id, quantity in given.items()
        if quantity
    }
    for line_id in short:
        if all(line.line_id != line_id for line in order.lines):
            raise RuleViolation(UNKNOWN_LINE, params={"line_id": line_id})
    if short and not lifecycle_policy.allow_backorder:
        raise InsufficientStock(shortfalls(order, short))
    plan = Plan(order)
    plan.changes = {
        "ledgers": with_ledgers(
            plan,
            (
                attrs.evolve(
                    plan.ledger(line.line_id),
                    reserved=line.quantity - short.get(line.line_id, ZERO),
                    backordered=short.get(line.line_id, ZERO),
                )
                for line in order.lines
            ),
        )
    }
    plan.facts = [(OrderConfirmed, {"backordered": line_quantities(short)})]
    plan.stock = [
        StockRequest(
            StockAction.RESERVE,
            order.id,
            line_quantities({line.line_id: line.quantity for line in order.lines}),
            operation_id_for(order, "confirm", idempotency_key),
            allow_backorder=lifecycle_policy.allow_backorder,
        )
    ]
    return fire(plan, "confirm", actor=actor, at=at, key=idempotency_key, request=request)


def shortfalls(
    order: Order, backordered: Mapping[str, Decimal], wanted: Mapping[str, Decimal] | None = None
) -> tuple[Shortfall, ...]:
    """Per SKU, what was wanted and what stock served, given what was left on backorder.

    Args:
        order: The order (its lines give the SKUs).
        backordered: Quantity per line that stock could not serve.
        wanted: Quantity per line asked for (default: every line's quantity).
    """
    asked = wanted if wanted is not None else {line.line_id: line.quantity for line in order.lines}
    by_sku: dict[str, tuple[Decimal, Decimal]] = {}
    for line in order.lines:
        if line.line_id not in asked:
            continue
        quantity = asked[line.line_id]
        missing = backordered.get(line.line_id, ZERO)
        requested, available = by_sku.get(line.sku, (ZERO, ZERO))
        by_sku[line.sku] = (requested + quantity, available + quantity - missing)
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
    carrier: str | None = None,
    tracking_number: str | None = None,
    shipment_id: str | None = None,
    lifecycle_policy: LifecyclePolicy = DEFAULT_POLICY,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record a shipment (发货) of line quantities, partial or full.

    Args:
        order: A confirmed or partially shipped order.
        lines: Quantity per line id, each positive and at most what is left to ship.
        actor: Who ships.
        at: When.
        carrier: Carrier code.
        tracking_number: Carrier's tracking number.
        shipment_id: Identifier; a new one when None.
        lifecycle_policy: ``ship_only_after_payment`` requires the prepayment first.
        idempotency_key: Repeat protection.

    Returns:
        The transition result (``partially_shipped`` or ``shipped``) with ``OrderShipped``
        and the ``commit`` stock request of the shipped quantities.

    Raises:
        IllegalTransition: if the order cannot ship now.
        RuleViolation: ``lifecycle.ship.exceeds_remaining``, ``lifecycle.unknown_line``,
            ``lifecycle.quantity.not_positive``, ``lifecycle.ship.payment_required``.
    """
    request: dict[str, object] = {
        "lines": lines,
        "carrier": carrier,
        "tracking_number": tracking_number,
        "shipment_id": shipment_id,
    }
    if (first := check_event(order, "ship", idempotency_key, request)) is not None:
        return first
    optional_texts(carrier=carrier, tracking_number=tracking_number, shipment_id=shipment_id)
    if order.proposed is not None:
        check_no_pending_amendment(order)
    checked = checked_quantities(order, lines, "ship")
    if lifecycle_policy.ship_only_after_payment:
        _paid_enough_to_ship(order)
    plan = Plan(order)
    shipments = list(order.shipments)
    planned = planned_quantities(order)
    dispatched = None  # the index of the planned shipment this one carries out
    if shipment_id is not None:
        dispatched = _dispatched_plan(order, shipment_id, checked)
        if dispatched is not None:
            for line_id, quantity in shipments[dispatched].lines:
                planned[line_id] -= quantity
    updated = []
    for line_id, (line, quantity) in checked.items():
        ledger = order.ledger(line_id)
        # What other open plans set aside is not free to ship.
        remaining = line.quantity - ledger.shipped - planned.get(line_id, ZERO)
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
    if dispatched is None:
        record = Shipment(shipment_id or new_id(), frozen, at, carrier, tracking_number)
        shipments.append(record)
    else:
        plan_carrier = shipments[dispatched].carrier
        record = Shipment(shipment_id or "", frozen, at, carrier or plan_carrier, tracking_number)
        shipments[dispatched] = record
    plan.changes = {
        "ledgers": with_ledgers(plan, updated),
        "shipments": tuple(shipments),
    }
    operation = operation_id_for(order, "ship", idempotency_key)
    plan.stock = [StockRequest(StockAction.COMMIT, order.id, frozen, operation)]
    plan.facts = [
        (
            OrderShipped,
            {
                "shipment_id": record.shipment_id,
                "lines": frozen,
                "carrier": carrier,
                "tracking_number": tracking_number,
            },
        )
    ]
    return fire(plan, "ship", actor=actor, at=at, key=idempotency_key, request=request)


def _dispatched_plan(
    order: Order, shipment_id: str, checked: Mapping[str, tuple[OrderLine, Decimal]]
) -> int | None:
    """The index of the planned shipment ``shipment_id`` ships, None for a new id.

    A shipment id already used by a shipment that is not planned is refused; shipping
    a plan ships exactly its lines.
    """
    for index, shipment in enumerate(order.shipments):
        if shipment.shipment_id != shipment_id:
            continue
        if shipment.state is not ShipmentState.PLANNED:
            check_new_shipment_id(order, shipment_id)
        if dict(shipment.lines) != {line_id: q for line_id, (_, q) in checked.items()}:
            params = {
                "shipment_id": shipment_id,
                "state": "planned",
                "expected": "shipped as planned",
            }
            raise RuleViolation(SHIPMENT_WRONG_STATE, params=params)
        return index
    return None


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
    request: dict[str, object] = {"lines": lines, "proof": proof, "delivery_id": delivery_id}
    if (first := check_event(order, "deliver", idempotency_key, request)) is not None:
        return first
    optional_texts(proof=proof, delivery_id=delivery_id)
    checked = checked_quantities(order, lines, "deliver")
    plan = Plan(order)
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
    ledgers = with_ledgers(plan, updated)
    plan.changes = {
        "ledgers": ledgers,
        "deliveries": (*order.deliveries, record),
        "shipments": settle_shipments(order.shipments, ledgers),
    }
    plan.facts = [(OrderDelivered, {"delivery_id": record.delivery_id, "lines": frozen})]
    return fire(plan, "deliver", actor=actor, at=at, key=idempotency_key, request=request)


# -- commands: ending -------------------------------------------------------------------------


def complete(
    order: Order, *, actor: str, at: datetime, idempotency_key: str | None = None
) -> TransitionResult:
    """Complete a delivered, fully invoiced and exactly paid order; it is archived.

    Args:
        order: The order.
        actor: Who issues the command.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderCompleted``.

    Raises:
        IllegalTransition: not delivered (``lifecycle.illegal_transition``), not fully
            invoiced (``lifecycle.complete.not_invoiced``) or not exactly paid
            (``lifecycle.complete.not_paid``).
        RuleViolation: ``lifecycle.repair.with_seller``: a received repair was not
            shipped back yet.
    """
    request: dict[str, object] = {}
    if (first := check_event(order, "complete", idempotency_key, request)) is not None:
        return first
    check_no_repair_with_seller(order)
    plan = Plan(order)
    plan.facts = [(OrderCompleted, {})]
    return fire(plan, "complete", actor=actor, at=at, key=idempotency_key, request=request)


def held_quantities(order: Order) -> dict[str, Decimal]:
    """Quantity per line the stock store still holds for the order: reserved or backordered.

    Both count: shipping from a backorder fills the whole backorder in the store (it
    becomes reserved there) while the ledger still calls the rest backordered, so what
    the store holds for a line is reserved plus backordered, however it is split.
    """
    return {
        ledger.line_id: ledger.reserved + ledger.backordered
        for ledger in order.ledgers
        if ledger.reserved or ledger.backordered
    }


def without_reservations(order: Order) -> tuple[LineLedger, ...]:
    """The order's ledgers with nothing reserved or backordered any more."""
    return tuple(attrs.evolve(ledger, reserved=ZERO, backordered=ZERO) for ledger in order.ledgers)


def cancel(
    order: Order,
    *,
    reason: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Cancel an order (撤单) before anything ships, releasing its reservations.

    Args:
        order: An order from which nothing has shipped.
        reason: Reason code, e.g. ``customer_request``.
        actor: Who cancels.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderCancelled`` and, when something is reserved,
        the ``release`` stock request of everything the order holds.

    Raises:
        IllegalTransition: ``lifecycle.cancel_after_shipment`` once goods have left.
        RuleViolation: ``lifecycle.reason_required``.
    """
    request: dict[str, object] = {"reason": reason}
    if (first := check_event(order, "cancel", idempotency_key, request)) is not None:
        return first
    require_reason(reason, "cancel")
    plan = Plan(
        order,
        changes={
            "ledgers": without_reservations(order),
            "held_from": None,
            **call_off_plans(order, at),
        },
        reason=reason,
    )
    if held_quantities(order):
        operation = operation_id_for(order, "cancel", idempotency_key)
        plan.stock = [StockRequest(StockAction.RELEASE, order.id, None, operation)]
    plan.facts = [(OrderCancelled, {"reason": reason})]
    return fire(plan, "cancel", actor=actor, at=at, key=idempotency_key, request=request)


def close(
    order: Order,
    *,
    reason: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Short-close an order with quantities left undelivered; remaining stock is released.

    Args:
        order: A partially shipped or shipped order with undelivered quantities.
        reason: Reason code, e.g. ``customer_accepts_partial``.
        actor: Who closes.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderClosed`` (the undelivered quantities) and,
        when something is still reserved, its ``release`` stock request.

    Raises:
        IllegalTransition: ``lifecycle.close.nothing_undelivered`` when all was delivered.
        RuleViolation: ``lifecycle.reason_required``, ``lifecycle.repair.with_seller``.
    """
    request: dict[str, object] = {"reason": reason}
    if (first := check_event(order, "close", idempotency_key, request)) is not None:
        return first
    require_reason(reason, "close")
    check_no_repair_with_seller(order)
    changes: dict[str, object] = {
        "ledgers": without_reservations(order),
        **call_off_plans(order, at),
    }
    if order.proposed is not None:
        # Closing ends what was left to ship, and with it the amendment that changed it.
        changes["proposed"] = None
    plan = Plan(order, changes=changes, reason=reason)
    undelivered = line_quantities(
        {line.line_id: line.quantity - order.ledger(line.line_id).delivered for line in order.lines}
    )
    if held_quantities(order):
        # Nothing more ships: release all the store holds for the order, however held.
        operation = operation_id_for(order, "close", idempotency_key)
        plan.stock = [StockRequest(StockAction.RELEASE, order.id, None, operation)]
    plan.facts = [(OrderClosed, {"reason": reason, "undelivered": undelivered})]
    return fire(plan, "close", actor=actor, at=at, key=idempotency_key, request=request)


# The facts of hold (without a reason) and resume, shared: facts are never modified.
_HELD_WITHOUT_REASON: Final[tuple[tuple[type[OrderEvent], dict[str, Any]], ...]] = (
    (OrderHeld, {"reason": None}),
)
_RESUMED: Final[tuple[tuple[type[OrderEvent], dict[str, Any]], ...]] = ((OrderResumed, {}),)


def hold(
    order: Order,
    *,
    actor: str,
    at: datetime,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Put an order on hold; :func:`resume` returns it to the status it had.

    Args:
        order: The order.
        actor: Who issues the command.
        at: When.
        reason: Reason code, if any.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderHeld``.

    Raises:
        IllegalTransition: from draft, on hold or archived orders.
    """
    if type(order) is not Order:
        instance_of(order, Order, argument="order")
    facts = _HELD_WITHOUT_REASON if reason is None else ((OrderHeld, {"reason": reason}),)
    return fire_plain(
        order,
        "hold",
        order.status,
        facts,
        reason,
        actor,
        at,
        idempotency_key,
    )


def resume(
    order: Order, *, actor: str, at: datetime, idempotency_key: str | None = None
) -> TransitionResult:
    """Resume a held order to the status it was held from.

    Args:
        order: The order.
        actor: Who issues the command.
        at: When.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``OrderResumed``.

    Raises:
        IllegalTransition: if the order is not on hold.
    """
    return fire_plain(
        order,
        "resume",
        None,
        _RESUMED,
        None,
        actor,
        at,
        idempotency_key,
    )
