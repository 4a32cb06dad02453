"""Stateful property test of the stock ledger: random operation sequences keep every invariant.

After each step: on hand ≥ 0; 0 ≤ reserved ≤ on hand; reserved equals the open
allocations of the reservations; on hand and reserved equal the journal's sums; each
reserved line accounts for its quantity exactly. Each reservation takes no more than
was available (unless backordered); repeating an operation id changes nothing;
failed operations change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from salesorder.adapters.memory import StockLedger
from salesorder.errors import InsufficientStock, SalesOrderError
from salesorder.inventory import ReservationLine
from salesorder.testing._stock import stock_quantities

SKUS = ("A", "B")
LOCATIONS = ("WH1", "WH2", "WH3")
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

skus = st.sampled_from(SKUS)
locations = st.sampled_from(LOCATIONS)
quantities = stock_quantities(min_value=1, max_value=12) | stock_quantities(
    min_value=1, max_value=12, places=1
)


class StockLedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ledger = StockLedger()
        self.clock = T0
        self.counter = 0
        self.reservation_ids: list[str] = []
        # Successful operations, replayable: (callable, first result).
        self.done: list[tuple[Callable[[], Any], Any]] = []

    # ------------------------------------------------------------------ helpers

    def _op_id(self) -> str:
        self.counter += 1
        return f"op-{self.counter}"

    def _snapshot(self) -> tuple[Any, ...]:
        return (self.ledger.positions(), self.ledger.reservations(), self.ledger.movements())

    def _attempt(self, call: Callable[[], Any]) -> Any:
        """Run an operation; a refusal must leave everything as it was."""
        before = self._snapshot()
        try:
            result = call()
        except SalesOrderError:
            assert self._snapshot() == before
            assert self.ledger.drain_events() == []
            return None
        self.done.append((call, result))
        self.ledger.drain_events()
        return result

    def _pick(self, index: int) -> str:
        return self.reservation_ids[index % len(self.reservation_ids)]

    # ------------------------------------------------------------------ rules

    @rule(sku=skus, location=locations, quantity=quantities)
    def receive(self, sku: str, location: str, quantity: Decimal) -> None:
        op = self._op_id()
        self._attempt(
            lambda: self.ledger.receive(
                sku, location, quantity=quantity, operation_id=op, at=self.clock
            )
        )

    @rule(sku=skus, location=locations, safety=stock_quantities(max_value=4))
    def set_safety_stock(self, sku: str, location: str, safety: Decimal) -> None:
        self.ledger.set_levels(sku, location, safety_stock=safety, reorder_point=safety + 1)

    @rule(
        lines=st.lists(st.tuples(skus, quantities), min_size=1, max_size=3),
        allow_backorder=st.booleans(),
        allow_safety_stock=st.booleans(),
        expires_in=st.none() | st.integers(min_value=1, max_value=10),
    )
    def reserve(
        self,
        lines: list[tuple[str, Decimal]],
        allow_backorder: bool,
        allow_safety_stock: bool,
        expires_in: int | None,
    ) -> None:
        op = self._op_id()
        request = [ReservationLine(f"L{i}", sku, q) for i, (sku, q) in enumerate(lines)]
        available = {
            (p.sku, p.location): p.available_to(allow_safety_stock=allow_safety_stock)
            for p in self.ledger.positions()
        }
        demand: dict[str, Decimal] = {}
        for line in request:
            demand[line.sku] = demand.get(line.sku, Decimal(0)) + line.quantity
        total = {sku: sum(v for (s, _), v in available.items() if s == sku) for sku in demand}
        expires_at = None if expires_in is None else self.clock + timedelta(hours=expires_in)
        try:
            reservation = self.ledger.reserve(
                "order",
                request,
                operation_id=op,
                at=self.clock,
                allow_backorder=allow_backorder,
                allow_safety_stock=allow_safety_stock,
                expires_at=expires_at,
            )
        except InsufficientStock as error:
            assert not allow_backorder
            assert any(demand[sku] > total.get(sku, 0) for sku in demand)
            # The refusal is one legitimate outcome of the rule, so it is checked here.
            assert {s.sku for s in error.shortfalls} == {  # noqa: PT017
                sku for sku in demand if demand[sku] > total[sku]
            }
            assert self.ledger.drain_events() == []
            return
        self.ledger.drain_events()
        self.done.append(
            (
                lambda: self.ledger.reserve(
                    "order",
                    request,
                    operation_id=op,
                    at=self.clock,
                    allow_backorder=allow_backorder,
                    allow_safety_stock=allow_safety_stock,
                    expires_at=expires_at,
                ),
                reservation,
            )
        )
        self.reservation_ids.append(reservation.reservation_id)
        # Nothing beyond what was available, per location; the rest only as a backorder.
        taken: dict[tuple[str, str], Decimal] = {}
        for a in reservation.allocations:
            taken[(a.sku, a.location)] = taken.get((a.sku, a.location), Decimal(0)) + a.quantity
        for key, quantity in taken.items():
            assert quantity <= available[key]
        for sku, quantity in demand.items():
            served = sum((q for (s, _), q in taken.items() if s == sku), Decimal(0))
            assert served == min(quantity, total[sku])
        if not allow_backorder:
            assert reservation.backordered == 0

    @precondition(lambda self: self.reservation_ids)
    @rule(index=st.integers(min_value=0, max_value=30), quantity=st.none() | quantities)
    def release(self, index: int, quantity: Decimal | None) -> None:
        rid, op = self._pick(index), self._op_id()
        lines = None if quantity is None else {"L0": quantity}
        self._attempt(lambda: self.ledger.release(rid, operation_id=op, at=self.clock, lines=lines))

    @precondition(lambda self: self.reservation_ids)
    @rule(
        index=st.integers(min_value=0, max_value=30),
        quantity=st.none() | quantities,
        location=st.none() | locations,
    )
    def commit(self, index: int, quantity: Decimal | None, location: str | None) -> None:
        rid, op = self._pick(index), self._op_id()
        lines = None if quantity is None else {"L0": quantity}
        self._attempt(
            lambda: self.ledger.commit(
                rid, operation_id=op, at=self.clock, lines=lines, location=location
            )
        )

    @precondition(lambda self: self.reservation_ids)
    @rule(index=st.integers(min_value=0, max_value=30))
    def fill_backorders(self, index: int) -> None:
        rid, op = self._pick(index), self._op_id()
        self._attempt(lambda: self.ledger.fill_backorders(rid, operation_id=op, at=self.clock))

    @rule(sku=skus, location=locations, quantity=quantities)
    def restock(self, sku: str, location: str, quantity: Decimal) -> None:
        op = self._op_id()
        self._attempt(
            lambda: self.ledger.restock(
                sku, location, quantity=quantity, operation_id=op, at=self.clock, order_id="o"
            )
        )

    @rule(sku=skus, location=locations, counted=stock_quantities(max_value=15))
    def adjust(self, sku: str, location: str, counted: Decimal) -> None:
        op = self._op_id()
        self._attempt(
            lambda: self.ledger.adjust(
                sku, location, counted=counted, reason="count", operation_id=op, at=self.clock
            )
        )

    @rule(sku=skus, source=locations, destination=locations, quantity=quantities)
    def transfer(self, sku: str, source: str, destination: str, quantity: Decimal) -> None:
        op = self._op_id()
        self._attempt(
            lambda: self.ledger.transfer(
                sku,
                source=source,
                destination=destination,
                quantity=quantity,
                operation_id=op,
                at=self.clock,
            )
        )

    @rule(hours=st.integers(min_value=0, max_value=6))
    def expire(self, hours: int) -> None:
        self.clock += timedelta(hours=hours)
        now, op = self.clock, self._op_id()
        expired = self._attempt(lambda: self.ledger.expire(now, operation_id=op))
        for reservation in expired:
            assert reservation.expired
            assert not reservation.is_open
            assert reservation.expires_at is not None
            assert reservation.expires_at <= now

    @precondition(lambda self: self.done)
    @rule(index=st.integers(min_value=0, max_value=200))
    def repeat_an_operation(self, index: int) -> None:
        call, first = self.done[index % len(self.done)]
        before = self._snapshot()
        assert call() == first
        assert self._snapshot() == before
        assert self.ledger.drain_events() == []

    # ------------------------------------------------------------------ invariants

    @invariant()
    def positions_are_never_oversold(self) -> None:
        for p in self.ledger.positions():
            assert p.on_hand >= 0
            assert 0 <= p.reserved <= p.on_hand

    @invariant()
    def journal_sums_to_the_positions(self) -> None:
        positions = {(p.sku, p.location): p for p in self.ledger.positions()}
        assert self.ledger.rebuild_on_hand() == {k: p.on_hand for k, p in positions.items()}
        assert self.ledger.rebuild_reserved() == {k: p.reserved for k, p in positions.items()}

    @invariant()
    def reservations_account_for_every_unit(self) -> None:
        open_allocations: dict[tuple[str, str], Decimal] = {}
        for reservation in self.ledger.reservations():
            for line in reservation.lines:
                assert line.quantity == (
                    line.allocated + line.backordered + line.committed + line.released
                )
                assert all(a.quantity > 0 and a.sku == line.sku for a in line.allocations)
            for a in reservation.allocations:
                key = (a.sku, a.location)
                open_allocations[key] = open_allocations.get(key, Decimal(0)) + a.quantity
            assert reservation.allocated == sum(
                (a.quantity for a in reservation.allocations), Decimal(0)
            )
        for p in self.ledger.positions():
            assert p.reserved == open_allocations.get((p.sku, p.location), Decimal(0))


TestStockLedgerMachine = StockLedgerMachine.TestCase
