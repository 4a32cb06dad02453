"""Applying a transition: guards, plans, the compiled table, audit replay.

Invariants: a command first computes a plan (all checks), then picks the first
transition whose guards hold, then completes the plan for that target, and only then
writes the order — so a refusal anywhere leaves it unchanged; no step calls a port (the
stock a command needs is a request on its result, see ``_lifecycle.stock``); every
write appends exactly one audit entry; a repeated idempotency key returns the stored
result; a result's domain events are built on the first read of
``TransitionResult.events`` from values fixed at the transition, so they are the same
whenever they are read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, overload

import attrs

from salesorder._arguments import fingerprint, instance_of, mapping, storable_text
from salesorder._lifecycle.codes import (
    AMOUNT_NOT_MONEY,
    AMOUNT_NOT_POSITIVE,
    AMOUNT_NOT_QUANTIZED,
    ARCHIVED_CODE,
    CANCEL_AFTER_SHIPMENT,
    IDEMPOTENCY_REUSED,
    LINE_ID_NOT_TEXT,
    NOT_INVOICED,
    NOT_PAID,
    NOTHING_GIVEN,
    NOTHING_UNDELIVERED,
    QUANTITY_NOT_POSITIVE,
    QUANTITY_TOO_PRECISE,
    REASON_REQUIRED,
    REPLAY_BROKEN,
    UNKNOWN_LINE,
)
from salesorder._lifecycle.machine import TRANSITIONS, Transition
from salesorder._lifecycle.statuses import (
    BillingStatus,
    amount_due,
    billing_status,
    net_paid,
    payment_status,
)
from salesorder._lifecycle.stock import StockRequest
from salesorder.codec import decode
from salesorder.errors import (
    IDEMPOTENCY_CONFLICT,
    CurrencyMismatch,
    IllegalTransition,
    InvalidOrder,
    RuleViolation,
)
from salesorder.events import DomainEvent, OrderEvent
from salesorder.inventory import QUANTITY_PLACES, too_precise_quantity
from salesorder.money import Money, to_decimal
from salesorder.order import Order, OrderLine
from salesorder.records import (
    ARCHIVED,
    AuditEntry,
    LineLedger,
    Status,
)

# Module-public helpers (Plan, fire, check_event...) serve the command modules of this
# private package; the face (salesorder.lifecycle) does not export them.
__all__ = [
    "GUARDS",
    "TABLE",
    "Guard",
    "Plan",
    "TransitionResult",
    "build_table",
    "check_amount",
    "check_arguments",
    "check_event",
    "checked_quantities",
    "fire",
    "fire_plain",
    "has_all_approvals",
    "has_nothing_shipped",
    "has_undelivered_quantities",
    "is_fully_delivered",
    "is_fully_invoiced",
    "is_fully_paid",
    "is_fully_shipped",
    "leaves_nothing_shipped",
    "needs_approval",
    "operation_id_for",
    "replay",
    "require_reason",
    "with_ledgers",
]

# -- results and plans ------------------------------------------------------------------------


# The domain events a command emits, as (event class, its own fields); the fields every
# order event shares are filled in when the events are built.
_Facts = tuple[tuple[type[OrderEvent], dict[str, Any]], ...]
# What a result needs to build its events later: (facts, occurred at, actor, sequence).
_Pending = tuple[_Facts, datetime, str, int]


def _build_events(result: TransitionResult, pending: _Pending) -> tuple[DomainEvent, ...]:
    facts, at, actor, sequence = pending
    order_id = result.order_id
    shared: dict[str, Any] = {
        "occurred_at": at,
        "order_id": order_id,
        "actor": actor,
        "source": result.source,
        "target": result.target,
        "revision": result.revision,
    }
    # Event ids are derived from the order's history (order id, transition number,
    # event number): unique, cheaper than a uuid, and a replayed command yields the
    # same ids, which makes de-duplication downstream trivial.
    return tuple(
        cls(event_id=f"{order_id}:{sequence}:{index}", **shared, **fields)
        for index, (cls, fields) in enumerate(facts)
    )


class _EventsBuiltOnRead:
    """The ``events`` of a :class:`TransitionResult`, built from the pending facts once.

    A data descriptor (it wins over the instance dict on reads); attrs' own ``__init__``
    of a frozen dict class writes the field straight into the instance dict, where the
    first read finds either the events or, from a command, the pending
    ``(facts, at, actor, sequence)`` tuple, and replaces the latter with the events. The
    two cannot be confused: the items of built events are events, never tuples.
    """

    @overload
    def __get__(self, result: None, owner: type[Any] | None = None) -> _EventsBuiltOnRead: ...

    @overload
    def __get__(
        self, result: TransitionResult, owner: type[Any] | None = None
    ) -> tuple[DomainEvent, ...]: ...

    def __get__(
        self, result: TransitionResult | None, owner: type[Any] | None = None
    ) -> tuple[DomainEvent, ...] | _EventsBuiltOnRead:
        if result is None:
            return self
        stored = result.__dict__
        events = stored["events"]
        if events and type(events[0]) is tuple:  # pending: (facts, at, actor, sequence)
            events = stored["events"] = _build_events(result, events)
        return events  # type: ignore[no-any-return]

    def __set__(self, result: TransitionResult, value: object) -> None:
        # Never reached through the frozen class's own __setattr__, which refuses first.
        raise attrs.exceptions.FrozenInstanceError


class _ResultEvents:
    """Base of :class:`TransitionResult` that holds the ``events`` descriptor.

    On a base class, so that attrs keeps it (attrs removes what the decorated class
    itself defines under a field's name).
    """

    events = _EventsBuiltOnRead()


@attrs.frozen(slots=False)
class TransitionResult(_ResultEvents):
    """What a command did.

    Attributes:
        order_id: The order.
        event: The event applied.
        source: Status before.
        target: Status after.
        revision: The order's revision after.
        events: Domain events emitted, to be recorded with the change (outbox).
        stock: The stock requests the command needs, in order, for the host to carry
            out with the order's save (empty for a command that moves no goods).

    A command builds its domain events on the first read of ``events`` (then keeps
    them): their ids come from the order's history, so they are the same whenever they
    are built, and a caller that does not read them does not pay for them. Equality,
    ``repr``, hashing and encoding read ``events`` like any field.
    """

    order_id: str
    event: str
    source: Status
    target: Status
    revision: int
    events: tuple[DomainEvent, ...]
    stock: tuple[StockRequest, ...] = ()


@attrs.define(slots=True)
class Plan:
    """Everything a command will change, computed before anything is written."""

    order: Order
    changes: dict[str, Any] = attrs.Factory(dict)
    needs_approval: bool = False
    reason: str | None = None
    # Runs once the target is known, before any write; may raise (order unchanged)
    # and may return more changes (e.g. an amendment's ledgers depend on its target).
    effect: Callable[[Status], Mapping[str, Any]] | None = None
    # The stock requests of the command (an effect may add them).
    stock: list[StockRequest] = attrs.Factory(list)
    # The domain events to emit: (event class, its own fields); the fields every order
    # event shares are filled in by fire. An effect may add or complete them.
    facts: list[tuple[type[OrderEvent], dict[str, Any]]] = attrs.Factory(list)

    def get(self, name: str) -> Any:
        return self.changes[name] if name in self.changes else getattr(self.order, name)

    def ledger(self, line_id: str) -> LineLedger:
        for candidate in self.get("ledgers"):
            if candidate.line_id == line_id:
                return candidate  # type: ignore[no-any-return]
        return LineLedger(line_id)


Guard = Callable[[Plan], bool]


def _all_lines(plan: Plan, test: Callable[[OrderLine, LineLedger], bool]) -> bool:
    return all(test(line, plan.ledger(line.line_id)) for line in plan.get("lines"))


def needs_approval(plan: Plan) -> bool:
    """The order (as submitted or amended) needs at least one approval."""
    return plan.needs_approval


def has_all_approvals(plan: Plan) -> bool:
    """Every level required in the current round has signed."""
    round_ = plan.get("approval_round")
    signed = {a.level for a in plan.get("approvals") if a.round == round_}
    return all(level in signed for level, _ in plan.get("required_approvals"))


def is_fully_shipped(plan: Plan) -> bool:
    """Every line has shipped its ordered quantity."""
    return _all_lines(plan, lambda line, ledger: ledger.shipped >= line.quantity)


def is_fully_delivered(plan: Plan) -> bool:
    """Every line has been signed for in full."""
    return _all_lines(plan, lambda line, ledger: ledger.delivered >= line.quantity)


def is_fully_invoiced(plan: Plan) -> bool:
    """Every line is invoiced for its ordered quantity less returns."""
    return billing_status(plan.order) is BillingStatus.FULL


def is_fully_paid(plan: Plan) -> bool:
    """Net money received equals the amount due (nothing owed either way)."""
    return net_paid(plan.order) == amount_due(plan.order)


def has_nothing_shipped(plan: Plan) -> bool:
    """No quantity of any line has left the warehouse."""
    return all(not ledger.shipped for ledger in plan.order.ledgers)


def leaves_nothing_shipped(plan: Plan) -> bool:
    """After the planned change, no quantity of any line counts as shipped."""
    return all(not ledger.shipped for ledger in plan.get("ledgers"))


def has_undelivered_quantities(plan: Plan) -> bool:
    """Some ordered quantity has not been signed for."""
    return not is_fully_delivered(plan)


def _held_from(status: Status) -> Guard:
    def guard(plan: Plan) -> bool:
        return plan.order.held_from is status

    guard.__name__ = f"was_held_from_{status.value}"
    guard.__doc__ = f"The order was put on hold from ``{status.value}``."
    return guard


GUARDS: Final[dict[str, Guard]] = {
    guard.__name__: guard
    for guard in (
        needs_approval,
        has_all_approvals,
        is_fully_shipped,
        is_fully_delivered,
        is_fully_invoiced,
        is_fully_paid,
        has_nothing_shipped,
        has_undelivered_quantities,
        leaves_nothing_shipped,
        *(_held_from(status) for status in Status),
    )
}
"""Guard predicates by the name the machine uses."""

# When no transition's guards hold, the first failing guard says why.
_GUARD_REFUSALS: Final[dict[str, str]] = {
    "is_fully_invoiced": NOT_INVOICED,
    "is_fully_paid": NOT_PAID,
    "has_nothing_shipped": CANCEL_AFTER_SHIPMENT,
    "has_undelivered_quantities": NOTHING_UNDELIVERED,
}


def build_table(
    rows: tuple[Transition, ...],
) -> dict[tuple[Status, str], tuple[tuple[Status, tuple[Guard, ...]], ...]]:
    """The transition table: candidates ``(target, guards)`` per (source, event)."""
    table: dict[tuple[Status, str], list[tuple[Status, tuple[Guard, ...]]]] = {}
    for row in rows:
        guards = tuple(GUARDS[name] for name in row.guards)  # KeyError: a guard is missing
        table.setdefault((row.source, row.event), []).append((row.target, guards))
    for key, candidates in table.items():
        # Candidates are tried in declaration order: an unguarded one must come last,
        # or the ones after it could never be taken.
        if any(not guards for _, guards in candidates[:-1]):
            msg = f"unreachable transition after an unguarded one for {key}"
            raise TypeError(msg)
    return {key: tuple(value) for key, value in table.items()}


TABLE: Final = build_table(TRANSITIONS)


# -- the engine -------------------------------------------------------------------------------


def _refuse(order: Order, event: str) -> IllegalTransition:
    code = None
    if event == "cancel" and any(ledger.shipped for ledger in order.ledgers):
        code = CANCEL_AFTER_SHIPMENT
    return IllegalTransition(state=order.status.value, event=event, code=code)


def check_event(
    order: Order, event: str, key: str | None, request: Mapping[str, object] | None = None
) -> TransitionResult | None:
    """Return the first result of a repeated idempotency key; refuse impossible events.

    ``request`` is what the command was asked (its arguments but the order, the actor
    and the time): a key stored with another request's fingerprint is refused with
    ``idempotency.conflict``. Keys stored before fingerprints were kept are not
    compared.
    """
    if type(order) is not Order:
        instance_of(order, Order, argument="order")
    if key is not None:
        for known, first_event, result, *stored in order.idempotency:
            if known == key:
                if first_event != event:
                    raise RuleViolation(
                        IDEMPOTENCY_REUSED, params={"first": first_event, "event": event}
                    )
                if stored and stored[0] != fingerprint(event, request or {}):
                    raise RuleViolation(IDEMPOTENCY_CONFLICT, params={"event": event})
                if isinstance(result, TransitionResult):
                    return result
                # Loaded from storage as plain data (salesorder.codec): rebuild it.
                rebuilt: TransitionResult = decode(TransitionResult, result)
                return rebuilt
    if (order.status, event) not in TABLE:
        if order.status in ARCHIVED:
            # Archived: only the after-sales records of the table still append.
            raise IllegalTransition(state=order.status.value, event=event, code=ARCHIVED_CODE)
        raise _refuse(order, event)
    return None


_FIXED: Final[dict[tuple[Status, str], Status]] = {
    key: candidates[0][0]
    for key, candidates in TABLE.items()
    if len(candidates) == 1 and not candidates[0][1]
}
"""Transitions with one unguarded candidate: the target without any guard call."""

_HELD_FROM_GUARDS: Final[dict[Guard, Status]] = {
    GUARDS[f"was_held_from_{status.value}"]: status for status in Status
}

_BY_HELD_FROM: Final[dict[tuple[Status, str], dict[Status, Status]]] = {
    key: {_HELD_FROM_GUARDS[guards[0]]: target for target, guards in candidates}
    for key, candidates in TABLE.items()
    if all(len(guards) == 1 and guards[0] in _HELD_FROM_GUARDS for _, guards in candidates)
}
"""Transitions chosen by ``held_from`` alone (``resume``): one dict lookup, same answer
as trying each candidate's ``was_held_from_*`` guard in declaration order (the guards
test distinct statuses, so at most one holds)."""


def _select(plan: Plan, event: str) -> Status:
    """The target of the first candidate whose guards hold; raise if none does."""
    order = plan.order
    source = order.status
    key = (source, event)
    target = _FIXED.get(key)
    if target is not None:
        return target
    refusal: str | None = None
    for candidate, guards in TABLE[key]:
        for guard in guards:
            if not guard(plan):
                refusal = refusal or _GUARD_REFUSALS.get(guard.__name__)
                break
        else:
            return candidate
    params = {"payment": payment_status(order).value}
    raise IllegalTransition(state=source.value, event=event, code=refusal, params=params)


def fire(
    plan: Plan,
    event: str,
    *,
    actor: str,
    at: datetime,
    key: str | None,
    request: Mapping[str, object] | None = None,
) -> TransitionResult:
    """Select the target of a planned command, complete the plan for it, write the order.

    ``request``: the command's arguments, fingerprinted with ``key`` (see
    :func:`check_event`).
    """
    order = plan.order
    target = _select(plan, event)
    changes = plan.changes
    if plan.effect is not None:
        changes.update(plan.effect(target))
    facts, stock = tuple(plan.facts), tuple(plan.stock)
    return _write(order, event, target, changes, plan.reason, facts, actor, at, key, stock, request)


def fire_plain(  # noqa: PLR0917 - on the hot path: positional calls are cheaper
    order: Order,
    event: str,
    held_from: Status | None,
    facts: _Facts,
    reason: str | None,
    actor: str,
    at: datetime,
    key: str | None,
) -> TransitionResult:
    """:func:`fire` for a command whose only change is ``held_from`` (hold, resume).

    Same checks, same order, same outcome as ``check_event`` then ``fire`` with a
    plan; a transition whose target is fixed or chosen by ``held_from`` alone skips the
    plan (no guard reads it) and writes its records directly, like :func:`_write`
    (the hot path of the benchmark: no changes dict, no extra call). ``facts`` must be
    final.
    """
    # The request is built for a keyed command only: the unkeyed path is the hot one.
    request = None if key is None else {"reason": reason}
    if key is not None and (first := check_event(order, event, key, request)) is not None:
        return first
    check_arguments(actor, at, key, reason)
    source = order.status
    transition = (source, event)
    target = _FIXED.get(transition)
    if target is None:
        by_held = _BY_HELD_FROM.get(transition)
        target = None if by_held is None else by_held.get(order.held_from)  # type: ignore[arg-type]
        if target is None:
            # Refused, or a guard reads the planned changes: the general path.
            if key is None:
                check_event(order, event, key)
            changes: dict[str, Any] = {"held_from": held_from}
            plan = Plan(order, changes=changes, reason=reason, facts=list(facts))
            return fire(plan, event, actor=actor, at=at, key=key, request=request)
    revision = order.revision
    audit = order.audit
    entry = AuditEntry(at, actor, event, source, target, reason, revision)
    # The events are built on the first read of result.events (see _EventsBuiltOnRead).
    pending: _Pending = (facts, at, actor, len(audit))
    result = TransitionResult(order.id, event, source, target, revision, pending)  # type: ignore[arg-type]
    # Everything is decided: write.
    order.held_from = held_from
    order.status = target
    order.audit = (*audit, entry)
    if key is not None:
        stored = (key, event, result, fingerprint(event, request or {}))
        order.idempotency = (*order.idempotency, stored)
    return result


def _write(  # noqa: PLR0917 - private, on the hot path: positional calls are cheaper
    order: Order,
    event: str,
    target: Status,
    changes: dict[str, Any],
    reason: str | None,
    facts: _Facts,
    actor: str,
    at: datetime,
    key: str | None,
    stock: tuple[StockRequest, ...] = (),
    request: Mapping[str, object] | None = None,
) -> TransitionResult:
    """Build the records of a decided transition, then write them to the order."""
    check_arguments(actor, at, key, reason)
    source = order.status
    revision = changes.get("revision", order.revision)
    audit = order.audit
    entry = AuditEntry(at, actor, event, source, target, reason, revision)
    # The events are built on the first read of result.events (see _EventsBuiltOnRead).
    pending: _Pending = (facts, at, actor, len(audit))
    result = TransitionResult(order.id, event, source, target, revision, pending, stock)  # type: ignore[arg-type]
    # Everything is decided: write.
    for name, value in changes.items():
        setattr(order, name, value)
    order.status = target
    order.audit = (*audit, entry)
    if key is not None:
        stored = (key, event, result, fingerprint(event, request or {}))
        order.idempotency = (*order.idempotency, stored)
    return result


def check_arguments(actor: object, at: object, key: object, reason: object) -> None:
    """Refuse what every command stores and no store could hold, before any write.

    The actor, reason and key go into the audit trail and the idempotency records, the
    time into both: text must be storable (:mod:`salesorder._arguments`), ``at`` a
    datetime.
    """
    # The common case (ASCII text without NUL, a datetime) costs a few C calls; anything
    # else goes through the full checks, which raise with the argument's name.
    if type(actor) is not str or "\x00" in actor or not actor.isascii():
        storable_text(actor, argument="actor")
    if type(at) is not datetime:
        instance_of(at, datetime, argument="at")
    if key is not None:
        storable_text(key, argument="idempotency_key")
    if reason is not None:
        storable_text(reason, argument="reason")


#: Longest operation id a store is asked to keep (the SQL store's column holds 128).
_OPERATION_ID_LIMIT: Final = 128


def operation_id_for(order: Order, event: str, key: str | None) -> str:
    """The id of a command's stock request, scoped to the order.

    Stable for a given order history, so a retried stock step can be de-duplicated; a
    key is the caller's, so one key used on two orders must not name one operation: it
    is prefixed with the order id (and hashed when the two would not fit a store's id).
    """
    if key is None:
        return f"{order.id}:{len(order.audit)}:{event}"
    scoped = f"{order.id}:key:{key}"
    if len(scoped) <= _OPERATION_ID_LIMIT:
        return scoped
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return f"{order.id}:key-sha256:{digest}"


def with_ledgers(plan: Plan, updated: Iterable[LineLedger]) -> tuple[LineLedger, ...]:
    """The plan's ledgers with ``updated`` replacing theirs, in line order."""
    by_line = {ledger.line_id: ledger for ledger in plan.get("ledgers")}
    for ledger in updated:
        by_line[ledger.line_id] = ledger
    order_of = {line.line_id: i for i, line in enumerate(plan.get("lines"))}
    kept = [ledger for ledger in by_line.values() if ledger.line_id in order_of]
    return tuple(sorted(kept, key=lambda ledger: order_of[ledger.line_id]))


def checked_quantities(
    order: Order, lines: Mapping[Any, Any], event: str
) -> dict[str, tuple[OrderLine, Decimal]]:
    """Line quantities of a command, each a known line and a positive quantity.

    ``lines`` is typed loosely on purpose: it checks what a caller really passed (an int
    line id, a float quantity), which the commands' annotations do not guarantee.
    """
    if not mapping(lines, argument="lines"):
        raise RuleViolation(NOTHING_GIVEN, params={"event": event})
    checked: dict[str, tuple[OrderLine, Decimal]] = {}
    for line_id, quantity in lines.items():
        if not isinstance(line_id, str):
            kind = type(line_id).__name__
            raise RuleViolation(LINE_ID_NOT_TEXT, params={"kind": kind})
        try:
            line = order.line(line_id)
        except KeyError:
            raise RuleViolation(UNKNOWN_LINE, params={"line_id": line_id}) from None
        # Floats and bools are refused (FloatRefused / TypeError), ints and text converted.
        value = to_decimal(quantity, what="quantity")
        if value <= 0:
            raise RuleViolation(QUANTITY_NOT_POSITIVE, params={"line_id": line_id})
        check_places(value, line_id)
        checked[line_id] = (line, value)
    return checked


def check_places(quantity: Decimal, line_id: str) -> None:
    """Refuse a quantity finer than every store holds (``lifecycle.quantity.too_precise``)."""
    if too_precise_quantity(quantity):
        params = {"line_id": line_id, "max_places": QUANTITY_PLACES}
        raise RuleViolation(QUANTITY_TOO_PRECISE, params=params)


def require_reason(reason: str | None, event: str) -> str:
    """Refuse a missing reason (``lifecycle.reason_required``) or one no store holds."""
    if reason is not None:
        storable_text(reason, argument="reason")
    if not reason or not reason.strip():
        raise RuleViolation(REASON_REQUIRED, params={"event": event})
    return reason


def check_amount(order: Order, amount: object) -> None:
    """Refuse an amount not Money, in another currency, not positive, or below a minor unit.

    The last check keeps what is recorded storable: ``Money("100.00") * (1 / 3)`` carries
    80 digits, which no store reads back, and half a fen was never paid.
    """
    currency = order.currency
    if not isinstance(amount, Money):
        kind = type(amount).__name__
        raise RuleViolation(AMOUNT_NOT_MONEY, params={"currency": currency, "kind": kind})
    if amount.currency != currency:
        raise CurrencyMismatch(params={"left": currency, "right": amount.currency})
    if amount.amount <= 0:
        raise RuleViolation(AMOUNT_NOT_POSITIVE, params={"currency": currency})
    if not amount.is_quantized():
        params = {"currency": currency, "places": amount.minor_unit}
        raise RuleViolation(AMOUNT_NOT_QUANTIZED, params=params)


# -- audit replay and the diagram -------------------------------------------------------------


def replay(entries: Sequence[AuditEntry]) -> Status:
    """Replay an audit trail from ``draft`` through the transition table.

    Args:
        entries: Audit entries in order.

    Returns:
        The status the trail ends in.

    Raises:
        InvalidOrder: ``lifecycle.audit.broken`` if an entry does not follow the one before
            or is not a transition of the table.
    """
    state = Status.DRAFT
    for index, entry in enumerate(entries):
        known = any(target is entry.target for target, _ in TABLE.get((state, entry.event), ()))
        if entry.source is not state or not known:
            raise InvalidOrder(REPLAY_BROKEN, params={"index": index})
        state = entry.target
    return state
