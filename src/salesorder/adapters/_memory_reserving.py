"""Stock ledger operations that reserve: allocation, reserve (one line, spread, many).

Private to [StockLedger][salesorder.adapters.memory.StockLedger], which is assembled
from one layer per family of operations: storage (``_memory_ledger_state``), on hand
(``_memory_stock_on_hand``), reserving (here), releasing (``_memory_releasing``), and
committing and expiring (``_memory_stock``). Each operation applies the stock kernel's
rules (``salesorder.inventory``) to the storage of ``LedgerState``.

``reserve`` carries an inlined path for the commonest case (one line at one location)
next to the general path: reservations are the library's hot path
(``benchmarks/bench_inventory.py``); both apply the same kernel rules, and the property
and differential tests check that they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from salesorder.adapters._memory_ledger_state import (
    CHUNK,
    NO_CELLS,
    RESERVED,
    UNDO_EXPIRING_ADDED,
    UNDO_RESERVATION,
    ZERO,
    Cell,
    cell_undo,
    new_object,
    public_reservation,
    set_reservation_id,
    set_reservation_state,
)
from salesorder.adapters._memory_stock_on_hand import OnHandLedger
from salesorder.errors import InsufficientStock, RuleViolation, Shortfall
from salesorder.inventory import (
    STOCK_RESERVATION_DUPLICATE,
    AllocationState,
    AllocationStrategy,
    LineState,
    OperationConflict,
    PackedReservation,
    Reservation,
    ReservationLine,
    distribute_allocations,
    is_default_strategy,
    pack_reservation,
    plan_allocation,
    reservation_demand,
)

__all__ = ["ReservingLedger"]


class ReservingLedger(OnHandLedger):
    """The ledger's reservations: allocation across locations, backorders, operation ids."""

    __slots__ = ()

    def _allocate(
        self,
        demand: Mapping[str, Decimal],
        strategy: AllocationStrategy | None,
        *,
        allow_safety_stock: bool,
    ) -> tuple[dict[str, list[AllocationState]], list[Shortfall]]:
        """Serve ``demand`` from current stock; nothing changes here."""
        served: dict[str, list[AllocationState]] = {}
        shortfalls: list[Shortfall] = []
        if strategy is None:
            # The default (fixed priority in name order), inlined: the hot path.
            for sku, quantity in demand.items():
                remaining = quantity
                got: list[AllocationState] = []
                for location, cell in self._locations.get(sku, {}).items():
                    free = cell.on_hand - cell.reserved
                    if not allow_safety_stock:
                        free -= cell.safety_stock
                    if free <= ZERO:
                        continue
                    if free >= remaining:
                        got.append((location, remaining))
                        remaining = ZERO
                        break
                    got.append((location, free))
                    remaining -= free
                served[sku] = got
                if remaining:
                    shortfalls.append(Shortfall(sku, quantity, quantity - remaining))
            return served, shortfalls
        available: dict[str, dict[str, Decimal]] = {}
        for sku in demand:
            here: dict[str, Decimal] = {}
            for location, cell in self._locations.get(sku, {}).items():
                free = cell.on_hand - cell.reserved
                if not allow_safety_stock:
                    free -= cell.safety_stock
                if free > ZERO:
                    here[location] = free
            available[sku] = here
        plan = plan_allocation(demand, available, strategy=strategy, allow_backorder=True)
        for a in plan.allocations:
            served.setdefault(a.sku, []).append((a.location, a.quantity))
        return served, list(plan.shortfalls)

    def _apply_reserve(
        self,
        served: Iterable[tuple[str, Sequence[AllocationState]]],
        *,
        order_id: str,
        reservation_id: str,
        operation_id: str,
        actor: str | None,
        at: datetime,
    ) -> None:
        journal = self._journal
        # Alerts compare each position before and after the whole reservation (a
        # position several allocations share is not judged between them), and come
        # in (SKU, location) order, the SQL store's lock order.
        before: dict[tuple[str, str], Decimal] = {}
        for sku, allocations in served:
            if not allocations:
                continue  # all backordered: the SKU may have no position at all
            cells = self._locations[sku]
            for location, q in allocations:
                cell = cells[location]
                self._touch(cell)
                before.setdefault((sku, location), cell.on_hand - cell.reserved)
                cell.reserved += q
                journal.append(
                    (
                        RESERVED,
                        sku,
                        location,
                        ZERO,
                        q,
                        order_id,
                        reservation_id,
                        operation_id,
                        actor,
                        None,
                        at,
                    )
                )
        for (sku, location), free_before in sorted(before.items()):
            cell = self._locations[sku][location]
            if cell.reorder_point is not None or cell.safety_stock:
                self._alerts(sku, location, cell, free_before, at)

    # The single-line path is inlined on purpose (benchmarks/bench_inventory.py).
    def reserve(  # noqa: PLR0912, PLR0915
        self,
        order_id: str,
        lines: Sequence[ReservationLine],
        *,
        operation_id: str,
        at: datetime,
        strategy: AllocationStrategy | None = None,
        allow_backorder: bool = False,
        allow_safety_stock: bool = False,
        expires_at: datetime | None = None,
        reservation_id: str | None = None,
        actor: str | None = None,
    ) -> Reservation:
        """Reserve stock for an order's lines, all or nothing.

        Lines of one SKU are aggregated before the check, so two lines cannot
        together take more than is available.

        Args:
            order_id: The order the stock is for.
            lines: What to reserve; line ids must be unique.
            operation_id: Idempotency key.
            at: When.
            strategy: Which locations to prefer (default: the ledger's default).
            allow_backorder: True records what cannot be served as backordered
                instead of refusing the whole request.
            allow_safety_stock: True lets the reservation dip into safety stock.
            expires_at: When :meth:`expire` may release it; None never.
            reservation_id: Identifier; defaults to ``operation_id``.
            actor: Who.

        Returns:
            The reservation (the first result on a repeat).

        Raises:
            InsufficientStock: if a SKU is short and backorders are not allowed;
                carries one Shortfall per short SKU.
            RuleViolation: ``stock.reservation.invalid`` for no lines or duplicate
                line ids, ``stock.reservation.duplicate`` for a reused reservation id.
            OperationConflict: if the operation id was used for something else.
        """
        rid = operation_id if reservation_id is None else reservation_id
        chosen = None if strategy is None or is_default_strategy(strategy) else strategy
        if chosen is None:
            chosen = self._default_strategy
        single = len(lines) == 1
        if single:
            only = lines[0]
            line_id, sku, quantity = only.line_id, only.sku, only.quantity
            flat_request: tuple[Any, ...] = ()
        else:
            flat_request = tuple(x for ln in lines for x in (ln.line_id, ln.sku, ln.quantity))
        index = self._operations.get(operation_id)
        if index is not None:
            fingerprint = (
                "reserve",
                order_id,
                chosen,
                allow_backorder,
                allow_safety_stock,
                expires_at,
                rid,
                *((line_id, sku, quantity) if single else flat_request),
            )
            record = self._record(index)
            if record[:-2] != fingerprint:
                raise OperationConflict(operation_id)
            return public_reservation(record[-2], record[-1])
        reservations = self._reservations
        if rid in reservations:
            raise RuleViolation(STOCK_RESERVATION_DUPLICATE, params={"reservation_id": rid})
        undo = self._undo
        if single and chosen is None:
            # One line with the default strategy: the hot path, straight to the packed
            # state (the general path below gives the same result, only slower).
            cells = self._locations.get(sku, NO_CELLS)
            first: Cell | None = None
            location = ""
            for here, cell in cells.items():
                free = cell.on_hand - cell.reserved
                if not allow_safety_stock:
                    free -= cell.safety_stock
                # quantity > 0, so "free >= quantity" implies stock here; tested first
                # as the commonest case (one Decimal comparison fewer).
                if free >= quantity:
                    first, location = cell, here
                    break
                if free > ZERO:
                    break
            if first is not None:
                # The first location with stock serves it all: the commonest case.
                if undo is not None:
                    undo.append(cell_undo(first))
                reserved = first.reserved
                first.reserved = reserved + quantity
                if actor is None:
                    # The entry is rebuilt from the operation's record when read (see
                    # _entries): a str is not tracked by the garbage collector, a tuple is.
                    self._journal.append(operation_id)
                else:
                    self._journal.append(
                        (
                            RESERVED,
                            sku,
                            location,
                            ZERO,
                            quantity,
                            order_id,
                            rid,
                            operation_id,
                            actor,
                            None,
                            at,
                        )
                    )
                self._pending.append(operation_id)
                # Without safety stock allowed, what stays free is ≥ the safety stock.
                if first.reorder_point is not None or (
                    allow_safety_stock and free - quantity < first.safety_stock
                ):
                    self._alerts(sku, location, first, first.on_hand - reserved, at)
                packed: PackedReservation = (
                    order_id,
                    at,
                    expires_at,
                    False,
                    line_id,
                    sku,
                    quantity,
                    ZERO,
                    ZERO,
                    ZERO,
                    1,
                    location,
                    quantity,
                )
            else:
                packed = self._reserve_spread(
                    cells,
                    order_id,
                    line_id,
                    sku,
                    quantity,
                    rid=rid,
                    operation_id=operation_id,
                    at=at,
                    expires_at=expires_at,
                    allow_backorder=allow_backorder,
                    allow_safety_stock=allow_safety_stock,
                    actor=actor,
                )
        else:
            request = (
                ((line_id, sku, quantity),)
                if single
                else tuple(
                    zip(flat_request[::3], flat_request[1::3], flat_request[2::3], strict=True)
                )
            )
            lines_state = self._reserve_many(
                request,
                chosen,
                allow_backorder=allow_backorder,
                allow_safety_stock=allow_safety_stock,
            )
            self._pending.append(operation_id)
            self._apply_reserve(
                ((line[1], line[3]) for line in lines_state),
                order_id=order_id,
                reservation_id=rid,
                operation_id=operation_id,
                actor=actor,
                at=at,
            )
            packed = pack_reservation((order_id, at, expires_at, False, lines_state))
        if undo is not None:
            undo.append((UNDO_RESERVATION, rid, None))
        reservations[rid] = packed
        if expires_at is not None:
            self._expiring[rid] = expires_at
            if undo is not None:
                undo.append((UNDO_EXPIRING_ADDED, rid))
        self._operations[operation_id] = len(self._operations)
        records = self._records
        if single:
            # Built in one go (an unpacked request would cost a list and a tuple more).
            records.append(
                (
                    "reserve",
                    order_id,
                    chosen,
                    allow_backorder,
                    allow_safety_stock,
                    expires_at,
                    rid,
                    line_id,
                    sku,
                    quantity,
                    rid,
                    packed,
                )
            )
        else:
            records.append(
                (
                    "reserve",
                    order_id,
                    chosen,
                    allow_backorder,
                    allow_safety_stock,
                    expires_at,
                    rid,
                    *flat_request,
                    rid,
                    packed,
                )
            )
        if len(records) >= CHUNK:
            self._seal()
        # public_reservation, inlined on this hot path (one Python call fewer).
        result: Reservation = new_object(Reservation)
        set_reservation_id(result, rid)
        set_reservation_state(result, packed)
        return result

    def _reserve_spread(
        self,
        cells: Mapping[str, Cell],
        order_id: str,
        line_id: str,
        sku: str,
        quantity: Decimal,
        *,
        rid: str,
        operation_id: str,
        at: datetime,
        expires_at: datetime | None,
        allow_backorder: bool,
        allow_safety_stock: bool,
        actor: str | None,
    ) -> PackedReservation:
        """One line, default strategy, over several locations or backordered in part."""
        remaining = quantity
        taken: list[Any] = []
        for location, cell in cells.items():
            free = cell.on_hand - cell.reserved
            if not allow_safety_stock:
                free -= cell.safety_stock
            if free <= ZERO:
                continue
            if free >= remaining:
                taken += (location, remaining)
                remaining = ZERO
                break
            taken += (location, free)
            remaining -= free
        if remaining and not allow_backorder:
            raise InsufficientStock((Shortfall(sku, quantity, quantity - remaining),))
        # Checked; from here on nothing can fail.
        self._pending.append(operation_id)
        journal = self._journal
        for i in range(0, len(taken), 2):
            location, q = taken[i], taken[i + 1]
            cell = cells[location]
            self._touch(cell)
            free_before = cell.on_hand - cell.reserved
            cell.reserved += q
            journal.append(
                (RESERVED, sku, location, ZERO, q, order_id, rid, operation_id, actor, None, at)
            )
            if cell.reorder_point is not None or free_before - q < cell.safety_stock:
                self._alerts(sku, location, cell, free_before, at)
        return (
            order_id,
            at,
            expires_at,
            False,
            line_id,
            sku,
            quantity,
            remaining,
            ZERO,
            ZERO,
            len(taken) // 2,
            *taken,
        )

    def _reserve_many(
        self,
        request: tuple[tuple[str, str, Decimal], ...],
        strategy: AllocationStrategy | None,
        *,
        allow_backorder: bool,
        allow_safety_stock: bool,
    ) -> tuple[LineState, ...]:
        """Plan several lines (aggregated per SKU) with any strategy; nothing changes here."""
        demand = reservation_demand(request)
        served, shortfalls = self._allocate(demand, strategy, allow_safety_stock=allow_safety_stock)
        if shortfalls and not allow_backorder:
            raise InsufficientStock(tuple(shortfalls))
        return distribute_allocations(request, served)
