"""Shipments with their own states: planned, shipped (handed to the carrier), delivered.

A planned shipment can be cancelled, a shipped one voided before it is signed for.

Invariants: only ``shipped`` and ``delivered`` shipments count in the ``shipped``
ledger, so the order's fulfilment status derives from its shipments; per line, what is
planned in open plans plus what is shipped never exceeds what was ordered; a voided
shipment's goods go back where they came from and are reserved for the order again in
the same unit of work (``reinstate`` stock request), so the order and the store keep
agreeing on what is held; a shipment is ``delivered`` once the deliveries, counted
against shipments in the order they shipped, cover every line of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from salesorder._lifecycle.codes import (
    AMENDMENT_PENDING,
    SHIP_EXCEEDS,
    SHIPMENT_DUPLICATE,
    SHIPMENT_NOT_FOUND,
    SHIPMENT_SIGNED_FOR,
    SHIPMENT_WRONG_STATE,
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
from salesorder._lifecycle.stock import StockAction, StockRequest
from salesorder.errors import RuleViolation
from salesorder.events import ShipmentCancelled, ShipmentPlanned, ShipmentVoided
from salesorder.order import Order, new_id
from salesorder.records import (
    ZERO,
    LineLedger,
    Shipment,
    ShipmentState,
    line_quantities,
)

__all__ = [
    "call_off_plans",
    "cancel_shipment",
    "check_new_shipment_id",
    "check_no_pending_amendment",
    "find_shipment",
    "plan_shipment",
    "planned_quantities",
    "settle_shipments",
    "void_shipment",
]

_COUNTED = (ShipmentState.SHIPPED, ShipmentState.DELIVERED)


def check_no_pending_amendment(order: Order) -> None:
    """Refuse moving goods of an order whose amendment awaits approval.

    What is unshipped is what the amendment changes: it is decided first.
    """
    if order.proposed is not None:
        raise RuleViolation(AMENDMENT_PENDING, params={"revision": order.proposed.number})


def find_shipment(order: Order, shipment_id: str, expected: ShipmentState) -> tuple[int, Shipment]:
    """The index and record of a shipment in the ``expected`` state, or a coded refusal."""
    for index, shipment in enumerate(order.shipments):
        if shipment.shipment_id == shipment_id:
            if shipment.state is not expected:
                params = {
                    "shipment_id": shipment_id,
                    "state": shipment.state.value,
                    "expected": expected.value,
                }
                raise RuleViolation(SHIPMENT_WRONG_STATE, params=params)
            return index, shipment
    raise RuleViolation(SHIPMENT_NOT_FOUND, params={"shipment_id": shipment_id})


def planned_quantities(order: Order) -> dict[str, Decimal]:
    """Per line, what open plans (``planned`` shipments) set aside."""
    planned: dict[str, Decimal] = {}
    for shipment in order.shipments:
        if shipment.state is ShipmentState.PLANNED:
            for line_id, quantity in shipment.lines:
                planned[line_id] = planned.get(line_id, ZERO) + quantity
    return planned


def settle_shipments(
    shipments: Sequence[Shipment], ledgers: Sequence[LineLedger]
) -> tuple[Shipment, ...]:
    """Mark ``delivered`` the shipped shipments the deliveries cover, oldest first.

    Deliveries are recorded per line, not per shipment; they are counted against the
    shipments in the order those shipped, so a shipment is delivered once, for every
    line of it, the delivered quantity reaches what shipped up to and including it.
    """
    delivered = {ledger.line_id: ledger.delivered for ledger in ledgers}
    running: dict[str, Decimal] = {}
    settled: list[Shipment] = []
    for shipment in shipments:
        if shipment.state in _COUNTED:
            covered = True
            for line_id, quantity in shipment.lines:
                running[line_id] = running.get(line_id, ZERO) + quantity
                covered = covered and running[line_id] <= delivered.get(line_id, ZERO)
            state = ShipmentState.DELIVERED if covered else ShipmentState.SHIPPED
            if state is not shipment.state:
                settled.append(attrs.evolve(shipment, state=state))
                continue
        settled.append(shipment)
    return tuple(settled)


def call_off_plans(order: Order, at: datetime) -> dict[str, tuple[Shipment, ...]]:
    """The ``shipments`` change that cancels every open plan (the order ends), or none."""
    if not any(shipment.state is ShipmentState.PLANNED for shipment in order.shipments):
        return {}
    return {
        "shipments": tuple(
            attrs.evolve(shipment, state=ShipmentState.CANCELLED, at=at)
            if shipment.state is ShipmentState.PLANNED
            else shipment
            for shipment in order.shipments
        )
    }


def check_new_shipment_id(order: Order, shipment_id: str) -> None:
    """Refuse an id an existing shipment already has (``lifecycle.shipment.duplicate``)."""
    if any(shipment.shipment_id == shipment_id for shipment in order.shipments):
        raise RuleViolation(SHIPMENT_DUPLICATE, params={"shipment_id": shipment_id})


def plan_shipment(
    order: Order,
    *,
    lines: Mapping[str, Decimal],
    actor: str,
    at: datetime,
    shipment_id: str | None = None,
    carrier: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Plan a shipment (备货): what will leave, before it is handed to the carrier.

    Nothing moves in stock: the goods stay reserved for the order. Ship it with
    :func:`~salesorder.lifecycle.ship` and its ``shipment_id``, or cancel it.

    Args:
        order: A confirmed or partially shipped order.
        lines: Quantity per line, at most ordered minus shipped minus already planned.
        actor: Who plans.
        at: When.
        shipment_id: Identifier; a new one when None.
        carrier: Carrier, if already chosen.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``ShipmentPlanned``.

    Raises:
        RuleViolation: ``lifecycle.ship.exceeds_remaining``,
            ``lifecycle.shipment.duplicate`` and line quantity codes.
    """
    request: dict[str, object] = {"lines": lines, "shipment_id": shipment_id, "carrier": carrier}
    if (first := check_event(order, "plan_shipment", idempotency_key, request)) is not None:
        return first
    check_no_pending_amendment(order)
    checked = checked_quantities(order, lines, "plan_shipment")
    identifier = shipment_id or new_id()
    check_new_shipment_id(order, identifier)
    planned = planned_quantities(order)
    for line_id, (line, quantity) in checked.items():
        remaining = line.quantity - order.ledger(line_id).shipped - planned.get(line_id, ZERO)
        if quantity > remaining:
            params = {"line_id": line_id, "quantity": quantity, "remaining": remaining}
            raise RuleViolation(SHIP_EXCEEDS, params=params)
    frozen = line_quantities({k: q for k, (_, q) in checked.items()})
    record = Shipment(identifier, frozen, at, carrier, None, ShipmentState.PLANNED)
    plan = Plan(order, changes={"shipments": (*order.shipments, record)})
    plan.facts = [(ShipmentPlanned, {"shipment_id": identifier, "lines": frozen})]
    return fire(plan, "plan_shipment", actor=actor, at=at, key=idempotency_key, request=request)


def cancel_shipment(
    order: Order,
    *,
    shipment_id: str,
    reason: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Call off a planned shipment; nothing moved, the goods stay reserved for the order.

    Raises:
        RuleViolation: ``lifecycle.shipment.not_found``, ``lifecycle.shipment.wrong_state``
            (not planned), ``lifecycle.reason_required``.
    """
    request: dict[str, object] = {"shipment_id": shipment_id, "reason": reason}
    if (first := check_event(order, "cancel_shipment", idempotency_key, request)) is not None:
        return first
    require_reason(reason, "cancel_shipment")
    index, record = find_shipment(order, shipment_id, ShipmentState.PLANNED)
    called_off = attrs.evolve(record, state=ShipmentState.CANCELLED, at=at)
    shipments = (*order.shipments[:index], called_off, *order.shipments[index + 1 :])
    plan = Plan(order, changes={"shipments": shipments}, reason=reason)
    plan.facts = [(ShipmentCancelled, {"shipment_id": shipment_id, "reason": reason})]
    return fire(plan, "cancel_shipment", actor=actor, at=at, key=idempotency_key, request=request)


def void_shipment(
    order: Order,
    *,
    shipment_id: str,
    reason: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Void a shipped shipment before it is signed for (作废): the goods come back.

    The shipped ledger goes down by the shipment's lines and the reserved one up: the
    result's ``reinstate`` stock request puts the goods back where they were shipped
    from and reserves them for the order again. The order goes back to
    ``partially_shipped``, or to ``confirmed`` when nothing stays shipped.

    Raises:
        RuleViolation: ``lifecycle.shipment.not_found``, ``lifecycle.shipment.wrong_state``
            (not shipped), ``lifecycle.shipment.signed_for`` (a line of it was signed
            for), ``lifecycle.reason_required``.
    """
    request: dict[str, object] = {"shipment_id": shipment_id, "reason": reason}
    if (first := check_event(order, "void_shipment", idempotency_key, request)) is not None:
        return first
    require_reason(reason, "void_shipment")
    check_no_pending_amendment(order)
    index, record = find_shipment(order, shipment_id, ShipmentState.SHIPPED)
    plan = Plan(order, reason=reason)
    updated = []
    for line_id, quantity in record.lines:
        ledger = order.ledger(line_id)
        if ledger.shipped - quantity < ledger.delivered:
            params = {"line_id": line_id, "shipment_id": shipment_id}
            raise RuleViolation(SHIPMENT_SIGNED_FOR, params=params)
        updated.append(
            attrs.evolve(
                ledger, shipped=ledger.shipped - quantity, reserved=ledger.reserved + quantity
            )
        )
    voided = attrs.evolve(record, state=ShipmentState.VOIDED, at=at)
    changes: dict[str, Any] = {
        "ledgers": with_ledgers(plan, updated),
        "shipments": (*order.shipments[:index], voided, *order.shipments[index + 1 :]),
    }
    plan.changes = changes
    operation = operation_id_for(order, "void_shipment", idempotency_key)
    plan.stock = [StockRequest(StockAction.REINSTATE, order.id, record.lines, operation)]
    plan.facts = [
        (ShipmentVoided, {"shipment_id": shipment_id, "lines": record.lines, "reason": reason})
    ]
    return fire(plan, "void_shipment", actor=actor, at=at, key=idempotency_key, request=request)
