"""Entering a batch of orders in one unit of work (批量录单), each order all-or-nothing.

[enter_many][salesorder.service.OrderService.enter_many] checks every payload as
[enter][salesorder.service.OrderService.enter] would, in one unit of work, then numbers
the accepted orders together (one statement when the numbering draws in the unit of
work), redeems their coupons and stores them (one statement when the repository offers
[OrderBatches][salesorder.ports.OrderBatches]). A refused payload writes nothing and is
answered in its own [EntryOutcome][salesorder._service.bulk_entry.EntryOutcome]; the
others are entered.

Each order is all-or-nothing without a savepoint: every check of an order (validation,
prices, coupon limits, idempotency key) runs before any of its writes, and a write that
fails (a database error, a key taken by a concurrent writer) fails the whole batch,
which then writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

import attrs

from salesorder import _arguments as arguments
from salesorder._service import keys
from salesorder._service.core import check_caller
from salesorder._service.entry import EntryUseCases
from salesorder.errors import (
    ARGUMENT_INVALID,
    IDEMPOTENCY_CONFLICT,
    InvalidArgument,
    RuleViolation,
    SalesOrderError,
    ValidationFailed,
)
from salesorder.order import Order
from salesorder.ports import NumberingInUnitOfWork, OrderBatches, ServiceUnitOfWork
from salesorder.validation import ValidationReport

__all__ = ["MAX_BATCH", "EntryOutcome", "EntryUseCasesInBatches"]

#: Most payloads one ``enter_many`` call takes (a unit of work stays a bounded size).
MAX_BATCH: Final = 10_000


@attrs.frozen
class EntryOutcome:
    """What ``enter_many`` did with one payload.

    Attributes:
        index: The payload's position in the batch.
        order: The entered order (or the one its idempotency key entered before);
            None when the payload was refused.
        error: Why it was refused: ``ValidationFailed`` (its ``report``), a pricing
            error, or ``idempotency.conflict``; None when it was entered.
    """

    index: int
    order: Order | None = None
    error: SalesOrderError | None = None

    @property
    def ok(self) -> bool:
        """Whether the order was entered."""
        return self.order is not None

    @property
    def code(self) -> str | None:
        """The refusal's stable code (``validation.failed`` ...), or None."""
        return None if self.error is None else self.error.code

    @property
    def report(self) -> ValidationReport | None:
        """The validation report of a payload refused by validation or a coupon."""
        return self.error.report if isinstance(self.error, ValidationFailed) else None


@attrs.define
class _Accepted:
    index: int
    order: Order
    key: str | None
    request: tuple[str, str]


class EntryUseCasesInBatches(EntryUseCases):
    """Enter many orders in one unit of work."""

    def enter_many(
        self,
        payloads: Iterable[object],
        *,
        actor: str,
        idempotency_keys: Iterable[str | None] | None = None,
    ) -> tuple[EntryOutcome, ...]:
        """Validate, price, number and store a batch of new orders in one unit of work.

        Each payload is entered as [enter][salesorder.service.OrderService.enter]
        would enter it (its own coupons, its own idempotency key), and each is
        all-or-nothing: a refused payload writes nothing and does not stop the others.
        The orders are numbered in the batch's order, with no gap between them when the
        numbering draws inside the unit of work; a numbering of the host's own draws a
        number per payload before the unit of work opens (refused and replayed payloads
        leave gaps).

        Args:
            payloads: JSON texts, dicts or ``OrderDraft`` values (at most 10,000).
            actor: Who enters them.
            idempotency_keys: One key (or None) per payload, as ``enter``'s: a key
                already used by ``enter`` or ``enter_many`` with the same payload
                answers with the order it entered; with another payload,
                ``idempotency.conflict``. A key repeated within the batch answers as its
                first use did.

        Returns:
            One outcome per payload, in the batch's order.

        Raises:
            ArgumentTypeError: ``argument.wrong_type`` for payloads or keys that are not
                a list, or a key that is not text.
            InvalidArgument: ``argument.not_storable`` for an actor or key that cannot be
                stored; ``argument.invalid`` for more than 10,000 payloads, or keys
                not one per payload.
            ConcurrencyConflict: a key or order taken by a concurrent writer; nothing of
                the batch is stored (retry it).
        """
        check_caller(actor, None)
        batch = list(arguments.iterable(payloads, argument="payloads"))
        keyed = _keys(idempotency_keys, len(batch))
        now = self.clock.now()
        inside = isinstance(self._numbering, NumberingInUnitOfWork)
        drawn = [] if inside else [self._numbering.next_number(at=now) for _ in batch]
        outcomes: list[EntryOutcome] = []
        with self._uow() as uow:
            context = self._context(now, uow.stock, uow.orders, known_stock={})
            accepted: list[_Accepted] = []
            first_use: dict[str, tuple[int, str]] = {}
            for index, payload in enumerate(batch):
                key = keyed[index]
                try:
                    request = _request(key, payload)
                    if key is not None:
                        earlier = first_use.get(key)
                        if earlier is not None:
                            if earlier[1] != request[1]:
                                raise RuleViolation(IDEMPOTENCY_CONFLICT, params={"event": "enter"})
                            outcomes.append(attrs.evolve(outcomes[earlier[0]], index=index))
                            continue
                        first_use[key] = (index, request[1])
                        known = keys.replayed(uow, f"enter:{key}", request)
                        if known is not None:
                            outcomes.append(EntryOutcome(index, order=uow.orders.get(known)))
                            continue
                    order, breakdown = self._entered(
                        payload, actor=actor, coupons=(), now=now, uow=uow, context=context
                    )
                except SalesOrderError as error:
                    outcomes.append(EntryOutcome(index, error=error))
                    continue
                # Every check of this order has passed: its writes begin. A failure from
                # here fails the batch (the unit of work is rolled back).
                self._redeem_coupons(order, breakdown, uow.coupons, checked=True)
                accepted.append(_Accepted(index, order, key, request))
                outcomes.append(EntryOutcome(index, order=order))
            self._store(uow, accepted, drawn, now)
            uow.commit()
        return tuple(outcomes)

    def _store(
        self,
        uow: ServiceUnitOfWork,
        accepted: list[_Accepted],
        drawn: list[str],
        now: datetime,
    ) -> None:
        """Number the accepted orders, store them and remember their keys."""
        if not accepted:
            return
        if drawn:
            numbers = [drawn[item.index] for item in accepted]
        else:
            numbers = self._numbers_in(uow, now, len(accepted))
        for item, number in zip(accepted, numbers, strict=True):
            item.order.number = number
        orders = [item.order for item in accepted]
        if isinstance(uow.orders, OrderBatches):
            uow.orders.add_many(orders)
        else:
            for order in orders:
                uow.orders.add(order)
        for item in accepted:
            if item.key is not None:
                keys.remember(uow, f"enter:{item.key}", item.order.id, item.request)


def _request(key: str | None, payload: object) -> tuple[str, str]:
    # The fingerprint of enter's: a key serves enter and enter_many alike.
    return keys.request(key, "enter", lambda: {"payload": keys.payload_data(payload)})


def _keys(given: Iterable[str | None] | None, count: int) -> list[str | None]:
    """One storable key or None per payload; refused before anything is read or written."""
    if count > MAX_BATCH:
        raise _out_of_range("payloads")
    if given is None:
        return [None] * count
    listed = list(arguments.iterable(given, argument="idempotency_keys"))
    if len(listed) != count:
        raise _out_of_range("idempotency_keys")
    for key in listed:
        if key is not None:
            arguments.storable_text(key, argument="idempotency_keys")
    return listed


def _out_of_range(argument: str) -> InvalidArgument:
    return InvalidArgument(ARGUMENT_INVALID, params={"argument": argument})
