"""Carrying out the lifecycle's stock requests on a :class:`~salesorder.ports.StockStore`.

The lifecycle calls no port: a command returns the stock requests it needs
(:class:`~salesorder.lifecycle.StockRequest`), and takes the stock decision it depends
on as an input (``confirm``/``amend``: what a reservation left on backorder).
:func:`run_with_stock` runs a command and carries its requests out through an
:class:`~salesorder.ports.OrderLineStock`, the way ``OrderService`` does inside its unit
of work (load, run, stock, save, commit): if a stock step refuses, the exception leaves
the unit of work before anything is saved, and the store's changes roll back with it.

The lifecycle speaks in order lines (``reserve(order, lines={line_id: qty})``); a stock
store speaks in reservations of (SKU, location) allocations, in stock units.
:func:`carry_out` is the one place quantities change unit: a line ordered in another
unit than its stock unit (``OrderLine.conversion_factor``, see `salesorder.units`)
reaches the store as ``quantity * factor`` stock units, and what a reservation left on
backorder comes back in the line's unit (a partly served box counts as a box on
backorder; the store keeps the part it reserved). :class:`StoreReservations`
translates between them for one command at one time:

* ``reserve`` makes one reservation per confirmation, all or nothing, with the
  configured allocation strategy; its id is the command's operation id;
* ``release`` and ``commit`` spread the line quantities over the order's open
  reservations, oldest first; a shipment of backordered quantities first fills the
  backorder from stock that has arrived since (else ``InsufficientStock``);
* ``restock`` puts returned goods back at the location they were reserved from (for
  a fully shipped line: the first location it was shipped from, per the journal).

Every store call carries an operation id derived from the command's, so a retried
command changes nothing twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from salesorder.errors import InsufficientStock, Shortfall
from salesorder.inventory import (
    AllocationStrategy,
    MovementKind,
    Reservation,
    ReservationLine,
)
from salesorder.lifecycle import StockAction, StockRequest, TransitionResult
from salesorder.order import Order
from salesorder.ports import OrderLineStock, StockStore
from salesorder.records import StockDisposition
from salesorder.units import to_stock, whole_units_for

__all__ = ["ReservationResult", "StoreReservations", "carry_out", "run_with_stock"]

ZERO = Decimal(0)


@attrs.frozen
class ReservationResult:
    """What a reservation served, in the lifecycle's terms.

    Attributes:
        reservation: The store's reservation.
        backordered: Quantity per line id waiting for stock.
    """

    reservation: Reservation
    backordered: Mapping[str, Decimal]


class StoreReservations:
    """:class:`~salesorder.ports.OrderLineStock` over a stock store, for one command.

    Args:
        store: The stock store (inside the command's unit of work).
        at: The command's time.
        actor: Who issued the command.
        strategy: Allocation strategy for reservations (the store's default when None).
        allow_safety_stock: Whether reservations may dip into safety stock.
    """

    def __init__(
        self,
        store: StockStore,
        *,
        at: datetime,
        actor: str | None = None,
        strategy: AllocationStrategy | None = None,
        allow_safety_stock: bool = False,
    ) -> None:
        self._store = store
        self._at = at
        self._actor = actor
        self._strategy = strategy
        self._allow_safety_stock = allow_safety_stock

    def reserve(
        self,
        order: Order,
        *,
        lines: Mapping[str, Decimal],
        allow_backorder: bool,
        operation_id: str,
    ) -> ReservationResult:
        """Reserve the given line quantities of ``order`` in one all-or-nothing reservation."""
        request = [
            ReservationLine(line_id, order.line(line_id).sku, quantity)
            for line_id, quantity in lines.items()
            if quantity > 0
        ]
        reservation = self._store.reserve(
            order.id,
            request,
            operation_id=operation_id,
            at=self._at,
            strategy=self._strategy,
            allow_backorder=allow_backorder,
            allow_safety_stock=self._allow_safety_stock,
            actor=self._actor,
        )
        backordered = {
            line.line_id: line.backordered for line in reservation.lines if line.backordered
        }
        return ReservationResult(reservation, backordered)

    def _open(self, order_id: str) -> list[Reservation]:
        found = [r for r in self._store.reservations(order_id=order_id) if r.is_open]
        return sorted(found, key=lambda r: (r.created_at, r.reservation_id))

    def release(
        self, order_id: str, *, lines: Mapping[str, Decimal] | None, operation_id: str
    ) -> None:
        """Release ``lines`` (everything when None) from the order's open reservations."""
        for reservation in self._open(order_id):
            if lines is None:
                share = None
            else:
                share = _take(reservation, lines)
                if not share:
                    continue
                lines = _minus(lines, share)
            self._store.release(
                reservation.reservation_id,
                operation_id=f"{operation_id}:{reservation.reservation_id}",
                at=self._at,
                lines=share,
                actor=self._actor,
            )

    def commit(self, order_id: str, *, lines: Mapping[str, Decimal], operation_id: str) -> None:
        """Ship ``lines`` from the order's reservations, filling backorders first if needed."""
        remaining = dict(lines)
        for reservation in self._open(order_id):
            current = reservation
            wanted = _take(current, remaining)
            if not wanted:
                continue
            if any(
                wanted[ln.line_id] > ln.allocated for ln in current.lines if ln.line_id in wanted
            ):
                current = self._store.fill_backorders(
                    current.reservation_id,
                    operation_id=f"{operation_id}:{current.reservation_id}:fill",
                    at=self._at,
                    strategy=self._strategy,
                    allow_safety_stock=self._allow_safety_stock,
                    actor=self._actor,
                )
                short = [
                    Shortfall(ln.sku, wanted[ln.line_id], ln.allocated)
                    for ln in current.lines
                    if ln.line_id in wanted and wanted[ln.line_id] > ln.allocated
                ]
                if short:
                    raise InsufficientStock(tuple(short))
            self._store.commit(
                current.reservation_id,
                operation_id=f"{operation_id}:{current.reservation_id}",
                at=self._at,
                lines=wanted,
                actor=self._actor,
            )
            remaining = _minus(remaining, wanted)

    def restock(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal],
        disposition: StockDisposition,
        operation_id: str,
    ) -> None:
        """Put returned goods back on hand where they came from; scrapped goods stay out."""
        if disposition is not StockDisposition.RESTOCK:
            return
        origin: dict[str, tuple[str, str]] = {}
        shipped_from: dict[str, str] | None = None
        for reservation in self._store.reservations(order_id=order_id):
            for line in reservation.lines:
                location = line.allocations[0].location if line.allocations else None
                if location is None:
                    # A fully shipped line keeps no allocations: the journal says where
                    # its goods left from (read once, only when needed).
                    if shipped_from is None:
                        shipped_from = self._shipped_from(order_id)
                    location = shipped_from.get(line.sku) or self._first_location(line.sku)
                origin.setdefault(line.line_id, (line.sku, location))
        for line_id, quantity in sorted(lines.items()):
            if line_id not in origin or quantity <= 0:
                continue
            sku, location = origin[line_id]
            self._store.restock(
                sku,
                location,
                quantity=quantity,
                operation_id=f"{operation_id}:{line_id}",
                at=self._at,
                order_id=order_id,
                actor=self._actor,
                reason="return",
            )

    def _shipped_from(self, order_id: str) -> dict[str, str]:
        """The first location each SKU of the order was shipped from."""
        found: dict[str, str] = {}
        for movement in self._store.movements():
            if movement.order_id == order_id and movement.kind is MovementKind.COMMITTED:
                found.setdefault(movement.sku, movement.location)
        return found

    def _first_location(self, sku: str) -> str:
        positions = self._store.positions(sku=sku)
        return min(p.location for p in positions) if positions else "returns"


def carry_out(
    request: StockRequest, stock: OrderLineStock, *, order: Order
) -> Mapping[str, Decimal]:
    """Carry out one stock request of a lifecycle command.

    Args:
        request: The request.
        stock: Stock in order-line terms (e.g. :class:`StoreReservations`).
        order: The order as the command left it (a reservation reads its lines' SKUs).

    Returns:
        For a reservation, the quantity per line it left on backorder; else empty.

    Raises:
        InsufficientStock: the stock step is refused (nothing of it is done).
    """
    lines = dict(request.lines) if request.lines is not None else None
    factors = _factors(order)
    if lines is not None and factors:
        lines = {line_id: to_stock(q, factors.get(line_id)) for line_id, q in lines.items()}
    operation_id = request.operation_id
    if request.action is StockAction.RESERVE:
        outcome = stock.reserve(
            order,
            lines=lines or {},
            allow_backorder=request.allow_backorder,
            operation_id=operation_id,
        )
        if factors:
            return _in_ordered_units(order, outcome.backordered, factors)
        return {line_id: quantity for line_id, quantity in outcome.backordered.items() if quantity}
    if request.action is StockAction.REINSTATE:
        back = lines or {}
        stock.restock(
            request.order_id,
            lines=back,
            disposition=StockDisposition.RESTOCK,
            operation_id=f"{operation_id}:back",
        )
        outcome = stock.reserve(
            order, lines=back, allow_backorder=False, operation_id=f"{operation_id}:again"
        )
        if outcome.backordered:
            # Not expected (the goods were just put back), but the ledgers must not
            # claim a reservation the store does not hold: refuse the whole command.
            short = tuple(
                Shortfall(order.line(line_id).sku, back[line_id], back[line_id] - quantity)
                for line_id, quantity in outcome.backordered.items()
                if quantity
            )
            raise InsufficientStock(short)
    elif request.action is StockAction.RELEASE:
        stock.release(request.order_id, lines=lines, operation_id=operation_id)
    elif request.action is StockAction.COMMIT:
        stock.commit(request.order_id, lines=lines or {}, operation_id=operation_id)
    else:
        disposition = request.disposition or StockDisposition.RESTOCK
        stock.restock(
            request.order_id, lines=lines or {}, disposition=disposition, operation_id=operation_id
        )
    return {}


def run_with_stock(
    order: Order,
    command: Callable[[Order, Mapping[str, Decimal] | None], TransitionResult],
    stock: OrderLineStock,
    *,
    reserves: bool = False,
) -> TransitionResult:
    """Run a lifecycle command on ``order`` and carry out its stock requests.

    A command that ``reserves`` (``confirm``, ``amend``) takes the reservation's outcome
    as an input: it is first run on a copy of the order to learn what it reserves (or
    to be refused, with the order and stock untouched), the reservation is made, and
    the command runs on ``order`` with what the reservation left on backorder. The
    other requests (release, commit, restock) are carried out after the command, in
    its order. A repeated idempotency key changes nothing and carries out nothing.

    Call it inside the transaction that saves the order: when a stock step refuses
    after the command, ``order`` has changed in memory, and the transaction must save
    nothing (``OrderService`` loads a fresh copy of the order in each unit of work).

    Args:
        order: The order.
        command: Runs the lifecycle command on an order, given the backordered
            quantities (None: the command is planned without a reservation yet).
        stock: Stock in order-line terms (e.g. :class:`StoreReservations`).
        reserves: Whether the command reserves stock.

    Returns:
        The command's result.

    Raises:
        InsufficientStock: a stock step is refused.
    """
    history = len(order.audit)
    backordered: dict[str, Decimal] | None = None
    if reserves:
        trial = copy.copy(order)
        planned = command(trial, None)
        if len(trial.audit) != history:  # a repeated key reserves nothing again
            backordered = {}
            for request in planned.stock:
                if request.action is StockAction.RESERVE:
                    backordered.update(carry_out(request, stock, order=trial))
    result = command(order, backordered)
    if len(order.audit) != history:
        for request in result.stock:
            if request.action is not StockAction.RESERVE:
                carry_out(request, stock, order=order)
    return result


def _factors(order: Order) -> dict[str, Decimal]:
    """The conversion factor of each line ordered in another unit than its stock unit."""
    return {
        line.line_id: line.conversion_factor
        for line in order.lines
        if line.conversion_factor is not None
    }


def _in_ordered_units(
    order: Order, backordered: Mapping[str, Decimal], factors: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """Backordered stock units told to the order in its lines' units (a part is a whole unit)."""
    told: dict[str, Decimal] = {}
    for line_id, quantity in backordered.items():
        if quantity:
            cap = order.line(line_id).quantity
            told[line_id] = whole_units_for(quantity, factors.get(line_id), at_most=cap)
    return told


def _take(reservation: Reservation, wanted: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The part of ``wanted`` this reservation still holds (allocated or backordered)."""
    share: dict[str, Decimal] = {}
    for line in reservation.lines:
        quantity = wanted.get(line.line_id, ZERO)
        if quantity <= 0:
            continue
        take = min(quantity, line.allocated + line.backordered)
        if take > 0:
            share[line.line_id] = take
    return share


def _minus(left: Mapping[str, Decimal], right: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return {k: v - right.get(k, ZERO) for k, v in left.items() if v - right.get(k, ZERO) > 0}
