"""Fakes for testing code that drives the order lifecycle (no pricing, validation or inventory).

``FakeReport`` and ``FakeBreakdown`` satisfy the read-only views of
:mod:`salesorder.lifecycle`; ``FakeStock`` is an :class:`~salesorder.ports.OrderLineStock`
that carries out the lifecycle's stock requests (through
:func:`salesorder.stockhook.run_with_stock` or ``carry_out``). It keeps available
quantities per SKU, is idempotent per ``operation_id`` and records every call, so tests
can assert which stock steps were (or were not) carried out.

Invariant of ``FakeStock``: ``available`` never goes negative; a refused reservation
changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from salesorder.errors import InsufficientStock, Shortfall
from salesorder.money import Money, allocate
from salesorder.order import Order
from salesorder.records import PriceSnapshot, StockDisposition

__all__ = [
    "FakeBreakdown",
    "FakeFlag",
    "FakeIssue",
    "FakePricedLine",
    "FakeReport",
    "FakeReservation",
    "FakeStock",
    "flat_pricing",
]


@attrs.frozen
class FakeIssue:
    """A validation issue that needs approval.

    Attributes:
        code: Issue code, e.g. ``credit.limit_exceeded``.
    """

    code: str


@attrs.frozen
class FakeReport:
    """A validation report with only ``needs_approval``.

    Attributes:
        needs_approval: Issues that need approval.
    """

    needs_approval: tuple[FakeIssue, ...] = ()


@attrs.frozen
class FakeFlag:
    """A price flag.

    Attributes:
        code: Flag code, e.g. ``price.below_floor``.
        line_id: The line concerned.
    """

    code: str
    line_id: str | None = None


@attrs.frozen
class FakePricedLine:
    """A priced line.

    Attributes:
        line_id: The line.
        quantity: Quantity priced.
        gross: Amount after discounts, tax included.
    """

    line_id: str
    quantity: Decimal
    gross: Money


@attrs.frozen
class FakeBreakdown:
    """A price breakdown with a grand total, flags and priced lines.

    Attributes:
        grand_total: Amount due.
        flags: Price flags.
        lines: Priced lines.
    """

    grand_total: Money
    flags: tuple[FakeFlag, ...] = ()
    lines: tuple[FakePricedLine, ...] = ()

    def snapshot(self) -> PriceSnapshot:
        """The figures to keep on the order: each line's gross as its net, untaxed."""
        zero = Decimal(0).scaleb(-2)
        return PriceSnapshot(
            self.grand_total.currency,
            tuple(
                (line.line_id, line.quantity, line.gross.amount / line.quantity,
                 line.gross.amount, zero, Decimal(0))
                for line in self.lines
            ),
        )  # fmt: skip


def flat_pricing(
    order: Order,
    *,
    unit_price: Money | None = None,
    order_discount: Money | None = None,
    flags: Sequence[FakeFlag] = (),
) -> FakeBreakdown:
    """Price an order simply: each line at its own or the given unit price, less a discount.

    The order discount is split over lines by :func:`~salesorder.money.allocate`.

    Args:
        order: The order.
        unit_price: Price for lines without one (default 10 in the order currency).
        order_discount: Discount on the whole order, split by line amount.
        flags: Flags to report.

    Returns:
        A breakdown whose line grosses sum exactly to the grand total.
    """
    default = unit_price or Money.of(10, order.currency)
    amounts = [((line.unit_price or default) * line.quantity).quantize() for line in order.lines]
    gross = list(amounts)
    if order_discount is not None and any(amount.amount > 0 for amount in amounts):
        shares = allocate(order_discount, [a.amount for a in amounts])
        gross = [a - s for a, s in zip(amounts, shares, strict=True)]
    lines = tuple(
        FakePricedLine(line.line_id, line.quantity, g)
        for line, g in zip(order.lines, gross, strict=True)
    )
    total = Money.zero(order.currency)
    for g in gross:
        total = total + g
    return FakeBreakdown(total, tuple(flags), lines)


@attrs.frozen
class FakeReservation:
    """What a fake reservation served.

    Attributes:
        backordered: Quantity per line that could not be reserved.
    """

    backordered: Mapping[str, Decimal]


@attrs.define
class FakeStock:
    """In-memory stock in order-line terms, recording every call.

    Attributes:
        available: Available quantity per SKU.
        calls: ``(method, order_id, lines)`` for each effective call.
        operations: Operation ids already applied (repeats are ignored).
        reserved: Reserved quantity per ``(order_id, line_id)``.
        skus: SKU of each ``(order_id, line_id)`` seen.
        backordered: Backordered quantity per ``(order_id, line_id)``; a release takes
            it first, as the stores do.
    """

    available: dict[str, Decimal] = attrs.Factory(dict)
    calls: list[tuple[str, str, dict[str, Decimal] | None]] = attrs.Factory(list)
    operations: set[str] = attrs.Factory(set)
    reserved: dict[tuple[str, str], Decimal] = attrs.Factory(dict)
    skus: dict[tuple[str, str], str] = attrs.Factory(dict)
    backordered: dict[tuple[str, str], Decimal] = attrs.Factory(dict)

    def reserve(
        self,
        order: Order,
        *,
        lines: Mapping[str, Decimal],
        allow_backorder: bool,
        operation_id: str,
    ) -> FakeReservation:
        """Reserve what is available; short quantities are backordered or refused."""
        if operation_id in self.operations:
            return FakeReservation({})
        wanted: dict[str, Decimal] = {}
        for line_id, quantity in lines.items():
            sku = order.line(line_id).sku
            wanted[sku] = wanted.get(sku, Decimal(0)) + quantity
        shortfalls = tuple(
            Shortfall(sku, quantity, self.available.get(sku, Decimal(0)))
            for sku, quantity in sorted(wanted.items())
            if quantity > self.available.get(sku, Decimal(0))
        )
        if shortfalls and not allow_backorder:
            raise InsufficientStock(shortfalls)
        backordered: dict[str, Decimal] = {}
        for line_id, quantity in lines.items():
            sku = order.line(line_id).sku
            served = min(quantity, self.available.get(sku, Decimal(0)))
            self.available[sku] = self.available.get(sku, Decimal(0)) - served
            key = (order.id, line_id)
            self.reserved[key] = self.reserved.get(key, Decimal(0)) + served
            self.skus[key] = sku
            if served < quantity:
                backordered[line_id] = quantity - served
                self.backordered[key] = self.backordered.get(key, Decimal(0)) + (quantity - served)
        self.operations.add(operation_id)
        self.calls.append(("reserve", order.id, dict(lines)))
        return FakeReservation(backordered)

    def release(
        self, order_id: str, *, lines: Mapping[str, Decimal] | None, operation_id: str
    ) -> None:
        """Drop backorders first, then give reserved quantities back to available stock."""
        if operation_id in self.operations:
            return
        keys = [key for key in self.reserved if key[0] == order_id]
        for key in keys:
            short = self.backordered.get(key, Decimal(0))
            if lines is None:
                wanted = self.reserved[key]
                self.backordered[key] = Decimal(0)
            else:
                wanted = lines.get(key[1], Decimal(0))
                dropped = min(wanted, short)
                self.backordered[key] = short - dropped
                wanted -= dropped
            given = min(wanted, self.reserved[key])
            self.reserved[key] -= given
            sku = self.skus[key]
            self.available[sku] = self.available.get(sku, Decimal(0)) + given
        self.operations.add(operation_id)
        self.calls.append(("release", order_id, None if lines is None else dict(lines)))

    def commit(self, order_id: str, *, lines: Mapping[str, Decimal], operation_id: str) -> None:
        """Shipped goods leave: reserved quantities are consumed."""
        if operation_id in self.operations:
            return
        for line_id, quantity in lines.items():
            key = (order_id, line_id)
            self.reserved[key] = max(Decimal(0), self.reserved.get(key, Decimal(0)) - quantity)
        self.operations.add(operation_id)
        self.calls.append(("commit", order_id, dict(lines)))

    def restock(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal],
        disposition: StockDisposition,
        operation_id: str,
    ) -> None:
        """Returned goods come back to available stock unless scrapped."""
        if operation_id in self.operations:
            return
        if disposition is StockDisposition.RESTOCK:
            for line_id, quantity in lines.items():
                sku = self.skus.get((order_id, line_id))
                if sku is not None:
                    self.available[sku] = self.available.get(sku, Decimal(0)) + quantity
        self.operations.add(operation_id)
        self.calls.append((f"restock:{disposition.value}", order_id, dict(lines)))
