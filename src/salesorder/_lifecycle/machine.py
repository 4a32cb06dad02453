"""The declaration: :class:`OrderLifecycle`, its compiled table, and its diagram.

Invariants: :data:`TRANSITIONS` is computed from the class at import and never edited;
every guard name it mentions has a predicate in :mod:`salesorder._lifecycle.engine`
(checked at import); an archived status (:data:`~salesorder.records.ARCHIVED`) has only
self-transitions, the after-sales records it still takes; the Mermaid diagram and the
per-status command table are generated from the same table.
"""

from __future__ import annotations

from typing import Final

import attrs
from statemachine import StateMachine
from statemachine.states import States

from salesorder.records import (
    ARCHIVED,
    Status,
)

__all__ = [
    "EVENTS",
    "TRANSITIONS",
    "OrderLifecycle",
    "Transition",
    "command_table_markdown",
    "commands_by_status",
    "lifecycle_mermaid",
]

# -- the machine: the one declarative source --------------------------------------------------


class OrderLifecycle(StateMachine):
    """The order lifecycle: states from :class:`Status`, events, transitions and guard names.

    This class is the declaration; commands do not instantiate it (an instance costs
    hundreds of microseconds and tens of kilobytes). It is compiled once into
    :data:`TRANSITIONS` and drawn by :func:`lifecycle_mermaid`. Self-transitions record
    facts (invoices, payments, partial deliveries, returns) without changing status.
    """

    # The archived statuses are not declared final: python-statemachine forbids any
    # transition out of a final state, and an archived order still appends after-sales
    # records (self-transitions below). That no event leaves an archived status is
    # checked at import instead (``_check_archived_stay``).
    s = States.from_enum(Status, initial=Status.DRAFT, use_enum_instance=True)

    edit = s.DRAFT.to.itself(internal=True)
    submit = s.DRAFT.to(s.PENDING_APPROVAL, cond="needs_approval") | s.DRAFT.to(s.APPROVED)
    approve = s.PENDING_APPROVAL.to(
        s.APPROVED, cond="has_all_approvals"
    ) | s.PENDING_APPROVAL.to.itself(internal=True)
    reject = s.PENDING_APPROVAL.to(s.DRAFT)
    confirm = s.APPROVED.to(s.CONFIRMED)
    ship = (
        s.CONFIRMED.to(s.SHIPPED, cond="is_fully_shipped")
        | s.CONFIRMED.to(s.PARTIALLY_SHIPPED)
        | s.PARTIALLY_SHIPPED.to(s.SHIPPED, cond="is_fully_shipped")
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
    )
    plan_shipment = s.CONFIRMED.to.itself(internal=True) | s.PARTIALLY_SHIPPED.to.itself(
        internal=True
    )
    cancel_shipment = s.CONFIRMED.to.itself(internal=True) | s.PARTIALLY_SHIPPED.to.itself(
        internal=True
    )
    void_shipment = (
        s.PARTIALLY_SHIPPED.to(s.CONFIRMED, cond="leaves_nothing_shipped")
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to(s.CONFIRMED, cond="leaves_nothing_shipped")
        | s.SHIPPED.to(s.PARTIALLY_SHIPPED)
    )
    deliver = (
        s.SHIPPED.to(s.DELIVERED, cond="is_fully_delivered")
        | s.SHIPPED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
    )
    invoice = (
        s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    record_payment = (
        s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    record_refund = (
        s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CANCELLED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    # A pending payment is settled wherever money moves (refunds included): it may have
    # been announced before the order was cancelled or completed.
    confirm_payment = (
        s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CANCELLED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    void_payment = (
        s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CANCELLED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    complete = s.DELIVERED.to(s.COMPLETED, cond=["is_fully_invoiced", "is_fully_paid"])
    cancel = (
        s.DRAFT.to(s.CANCELLED)
        | s.PENDING_APPROVAL.to(s.CANCELLED)
        | s.APPROVED.to(s.CANCELLED)
        | s.CONFIRMED.to(s.CANCELLED)
        | s.ON_HOLD.to(s.CANCELLED, cond="has_nothing_shipped")
    )
    expire = (
        s.DRAFT.to(s.CANCELLED)
        | s.PENDING_APPROVAL.to(s.CANCELLED)
        | s.APPROVED.to(s.CANCELLED)
        | s.CONFIRMED.to(s.CANCELLED, cond="has_nothing_shipped")
    )
    hold = (
        s.PENDING_APPROVAL.to(s.ON_HOLD)
        | s.APPROVED.to(s.ON_HOLD)
        | s.CONFIRMED.to(s.ON_HOLD)
        | s.PARTIALLY_SHIPPED.to(s.ON_HOLD)
        | s.SHIPPED.to(s.ON_HOLD)
        | s.DELIVERED.to(s.ON_HOLD)
    )
    resume = (
        s.ON_HOLD.to(s.PENDING_APPROVAL, cond="was_held_from_pending_approval")
        | s.ON_HOLD.to(s.APPROVED, cond="was_held_from_approved")
        | s.ON_HOLD.to(s.CONFIRMED, cond="was_held_from_confirmed")
        | s.ON_HOLD.to(s.PARTIALLY_SHIPPED, cond="was_held_from_partially_shipped")
        | s.ON_HOLD.to(s.SHIPPED, cond="was_held_from_shipped")
        | s.ON_HOLD.to(s.DELIVERED, cond="was_held_from_delivered")
    )
    amend = (
        s.APPROVED.to(s.PENDING_APPROVAL, cond="needs_approval")
        | s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to(s.PENDING_APPROVAL, cond="needs_approval")
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to(s.DELIVERED, cond="is_fully_delivered")
        | s.PARTIALLY_SHIPPED.to(s.SHIPPED, cond="is_fully_shipped")
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
    )
    approve_amendment = (
        s.PARTIALLY_SHIPPED.to(s.DELIVERED, cond="is_fully_delivered")
        | s.PARTIALLY_SHIPPED.to(s.SHIPPED, cond="is_fully_shipped")
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
    )
    reject_amendment = s.PARTIALLY_SHIPPED.to.itself(internal=True)
    reschedule = (
        s.APPROVED.to.itself(internal=True)
        | s.CONFIRMED.to.itself(internal=True)
        | s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
    )
    close = s.PARTIALLY_SHIPPED.to(s.CLOSED, cond="has_undelivered_quantities") | s.SHIPPED.to(
        s.CLOSED, cond="has_undelivered_quantities"
    )
    request_return = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    approve_return = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    receive_return = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    ship_repair = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )
    deliver_repair = (
        s.PARTIALLY_SHIPPED.to.itself(internal=True)
        | s.SHIPPED.to.itself(internal=True)
        | s.DELIVERED.to.itself(internal=True)
        | s.COMPLETED.to.itself(internal=True)
        | s.CLOSED.to.itself(internal=True)
    )


@attrs.frozen
class Transition:
    """One row of the compiled transition table.

    Attributes:
        event: Event name, e.g. ``ship``.
        source: Status the transition leaves.
        target: Status it enters (the same for a self-transition).
        guards: Names of the guards that must all hold, in order.
    """

    event: str
    source: Status
    target: Status
    guards: tuple[str, ...] = ()


def _compile(machine: type[StateMachine]) -> tuple[Transition, ...]:
    rows: list[Transition] = []
    for state in machine.states:
        for transition in state.transitions:
            guards = tuple(str(spec.func) for spec in transition.cond)
            rows.extend(
                Transition(event, state.value, transition.target.value, guards)
                for event in str(transition.event).split()
            )
    return tuple(rows)


TRANSITIONS: Final[tuple[Transition, ...]] = _compile(OrderLifecycle)
"""Every transition of :class:`OrderLifecycle`, compiled once at import."""

EVENTS: Final[tuple[str, ...]] = tuple(dict.fromkeys(row.event for row in TRANSITIONS))
"""Every event name."""


def _check_archived_stay(rows: tuple[Transition, ...]) -> None:
    leaving = [row for row in rows if row.source in ARCHIVED and row.target is not row.source]
    if leaving:
        msg = f"an event leaves an archived status: {leaving[0]}"
        raise TypeError(msg)


_check_archived_stay(TRANSITIONS)


def commands_by_status() -> dict[Status, tuple[str, ...]]:
    """Which commands each status accepts, from the transition table.

    A command listed may still be refused by its guards or its own checks (a return
    beyond what was delivered, a refund beyond what was paid); a command not listed is
    always refused with ``lifecycle.illegal_transition`` (``lifecycle.archived`` for an
    archived status).

    Returns:
        The accepted events per status, in declaration order, for every status.
    """
    accepted: dict[Status, dict[str, None]] = {status: {} for status in Status}
    for row in TRANSITIONS:
        accepted[row.source][row.event] = None
    return {status: tuple(events) for status, events in accepted.items()}


def command_table_markdown() -> str:
    """:func:`commands_by_status` as a Markdown table: one row per command, one column per status.

    ``✓`` marks a transition to another status or a record kept in the same status;
    archived statuses accept only after-sales records.

    Returns:
        The table, ending with a newline.
    """
    by_status = commands_by_status()
    statuses = list(Status)
    out = [
        "| command | " + " | ".join(f"`{status.value}`" for status in statuses) + " |",
        "|---|" + "|".join(":-:" for _ in statuses) + "|",
    ]
    out.extend(
        f"| `{event}` | "
        + " | ".join("✓" if event in by_status[status] else "" for status in statuses)
        + " |"
        for event in EVENTS
    )
    return "\n".join(out) + "\n"


def lifecycle_mermaid() -> str:
    """The lifecycle as a Mermaid ``stateDiagram-v2``, generated from :class:`OrderLifecycle`.

    Transitions between the same two states are drawn as one arrow with their events
    joined; guards are shown as ``event if guard and guard``.

    Returns:
        The diagram source (without the code fence).
    """
    arrows: dict[tuple[Status, Status], list[str]] = {}
    for row in TRANSITIONS:
        label = row.event + (f" if {' and '.join(row.guards)}" if row.guards else "")
        bucket = arrows.setdefault((row.source, row.target), [])
        if label not in bucket:
            bucket.append(label)
    out = ["stateDiagram-v2", f"    [*] --> {Status.DRAFT.value}"]
    out.extend(
        f"    {source.value} --> {target.value} : {' / '.join(labels)}"
        for (source, target), labels in arrows.items()
    )
    out.extend(f"    {status.value} --> [*]" for status in Status if status in ARCHIVED)
    return "\n".join(out) + "\n"
