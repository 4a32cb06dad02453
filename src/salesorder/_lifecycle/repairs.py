"""Repairs going back out (维修寄回): a received repair leaves on its own shipment.

A repaired unit is the customer's, never the seller's stock: receiving it moves no
stock, and sending it back moves none either. Nothing is billed again (the unit was sold
once, on the order's line).

Invariants: a repair is shipped back once, after it was received, and only with the
return's own lines; its shipment is ``shipped`` and then ``delivered``; an open order
is not archived (``complete``, ``close``) while a received repair has not left again
(:func:`check_no_repair_with_seller`). An archived order still sends back what it took
in for repair within its after-sales window: the window bounds requests, not the
shipping back of a repair already received.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from salesorder._arguments import optional_texts
from salesorder._lifecycle.codes import (
    REPAIR_NOT_REPAIR,
    REPAIR_SHIPPED_BACK,
    REPAIR_WITH_SELLER,
    RETURN_NOT_FOUND,
    RETURN_WRONG_STATE,
)
from salesorder._lifecycle.engine import Plan, TransitionResult, check_event, fire
from salesorder.errors import RuleViolation
from salesorder.events import RepairDelivered, RepairShipped
from salesorder.order import Order, new_id
from salesorder.records import ReturnKind, ReturnRecord, ReturnState, Shipment, ShipmentState

__all__ = ["check_no_repair_with_seller", "deliver_repair", "repairs_with_seller", "ship_repair"]


def repairs_with_seller(order: Order) -> tuple[str, ...]:
    """The ids of the repairs received and not yet shipped back to the customer."""
    return tuple(
        record.return_id
        for record in order.returns
        if record.kind is ReturnKind.REPAIR
        and record.state is ReturnState.RECEIVED
        and record.back is None
    )


def check_no_repair_with_seller(order: Order) -> None:
    """Refuse archiving an order that still holds a customer's unit for repair."""
    if order.returns and (held := repairs_with_seller(order)):
        raise RuleViolation(REPAIR_WITH_SELLER, params={"return_id": held[0]})


def _repair(order: Order, return_id: str) -> tuple[int, ReturnRecord]:
    for index, record in enumerate(order.returns):
        if record.return_id == return_id:
            if record.kind is not ReturnKind.REPAIR:
                params = {"return_id": return_id, "kind": record.kind.value}
                raise RuleViolation(REPAIR_NOT_REPAIR, params=params)
            if record.state is not ReturnState.RECEIVED:
                params = {
                    "return_id": return_id,
                    "state": record.state.value,
                    "expected": ReturnState.RECEIVED.value,
                }
                raise RuleViolation(RETURN_WRONG_STATE, params=params)
            return index, record
    raise RuleViolation(RETURN_NOT_FOUND, params={"return_id": return_id})


def _with(order: Order, index: int, record: ReturnRecord) -> tuple[ReturnRecord, ...]:
    return (*order.returns[:index], record, *order.returns[index + 1 :])


def _expect(record: ReturnRecord, expected: ShipmentState | None) -> None:
    state = None if record.back is None else record.back.state
    if state is not expected:
        params = {
            "return_id": record.return_id,
            "state": "none" if state is None else state.value,
            "expected": "none" if expected is None else expected.value,
        }
        raise RuleViolation(REPAIR_SHIPPED_BACK, params=params)


def ship_repair(
    order: Order,
    *,
    return_id: str,
    actor: str,
    at: datetime,
    carrier: str | None = None,
    tracking_number: str | None = None,
    shipment_id: str | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Send a received repair back to the customer, on a shipment of the return (寄回).

    Nothing moves in stock and nothing is billed: the unit is the customer's.

    Args:
        order: The order the repair was requested on (open or archived).
        return_id: A received repair not yet shipped back.
        actor: Who ships.
        at: When it is handed to the carrier.
        carrier: Carrier code or name.
        tracking_number: The carrier's tracking number.
        shipment_id: Identifier of the shipment; a new one when None.
        idempotency_key: Repeat protection.

    Returns:
        The transition result with ``RepairShipped``.

    Raises:
        RuleViolation: ``lifecycle.return.not_found``, ``lifecycle.repair.not_repair``,
            ``lifecycle.return.wrong_state`` (not received),
            ``lifecycle.repair.shipment_state`` (already shipped back).
    """
    request: dict[str, object] = {
        "return_id": return_id,
        "carrier": carrier,
        "tracking_number": tracking_number,
        "shipment_id": shipment_id,
    }
    if (first := check_event(order, "ship_repair", idempotency_key, request)) is not None:
        return first
    optional_texts(
        return_id=return_id,
        carrier=carrier,
        tracking_number=tracking_number,
        shipment_id=shipment_id,
    )
    index, record = _repair(order, return_id)
    _expect(record, None)
    back = Shipment(
        shipment_id or new_id(),
        record.lines,
        at,
        carrier,
        tracking_number,
        ShipmentState.SHIPPED,
    )
    plan = Plan(order, changes={"returns": _with(order, index, attrs.evolve(record, back=back))})
    plan.facts = [
        (
            RepairShipped,
            {"return_id": return_id, "shipment_id": back.shipment_id, "lines": record.lines},
        )
    ]
    return fire(plan, "ship_repair", actor=actor, at=at, key=idempotency_key, request=request)


def deliver_repair(
    order: Order,
    *,
    return_id: str,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Record that the customer signed for a repaired unit shipped back (签收).

    Raises:
        RuleViolation: ``lifecycle.return.not_found``, ``lifecycle.repair.not_repair``,
            ``lifecycle.return.wrong_state``, ``lifecycle.repair.shipment_state`` (not
            shipped back, or already delivered).
    """
    request: dict[str, object] = {"return_id": return_id}
    if (first := check_event(order, "deliver_repair", idempotency_key, request)) is not None:
        return first
    optional_texts(return_id=return_id)
    index, record = _repair(order, return_id)
    shipped = record.back
    if shipped is None or shipped.state is not ShipmentState.SHIPPED:
        _expect(record, ShipmentState.SHIPPED)
        raise AssertionError  # pragma: no cover - _expect raised
    back = attrs.evolve(shipped, state=ShipmentState.DELIVERED, at=at)
    plan = Plan(order, changes={"returns": _with(order, index, attrs.evolve(record, back=back))})
    plan.facts = [(RepairDelivered, {"return_id": return_id, "shipment_id": back.shipment_id})]
    return fire(plan, "deliver_repair", actor=actor, at=at, key=idempotency_key, request=request)
