"""Protocols of the collaborators the lifecycle calls or reads.

Validation, pricing and inventory are separate modules; the lifecycle depends only on
these small protocols (attributes it reads, methods it calls), so any implementation
— or a test fake from :mod:`salesorder.testing.lifecycle` — fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from salesorder.money import Money
from salesorder.order import Order
from salesorder.records import (
    StockDisposition,
)

__all__ = [
    "PriceFlag",
    "PriceSummary",
    "PricedLine",
    "ReasonIssue",
    "ReservationOutcome",
    "ReturnPricing",
    "StockReservations",
    "ValidationSummary",
]

# -- protocols of collaborators (filled by pricing, validation, inventory) ---------------------


class ReasonIssue(Protocol):
    """Anything with a problem ``code`` (a validation issue)."""

    @property
    def code(self) -> str:
        """The issue code."""
        ...


class ValidationSummary(Protocol):
    """The part of a validation report the approval policy reads."""

    @property
    def needs_approval(self) -> Sequence[ReasonIssue]:
        """Issues that do not block the order but need an approver's signature."""
        ...


class PriceFlag(Protocol):
    """A pricing flag, e.g. a discount over the limit or a price under the floor."""

    @property
    def code(self) -> str:
        """The flag code, e.g. ``price.below_floor``."""
        ...

    @property
    def line_id(self) -> str | None:
        """The line it concerns, if any."""
        ...


class PriceSummary(Protocol):
    """The part of a price breakdown the lifecycle reads."""

    @property
    def grand_total(self) -> Money:
        """Amount due, tax included."""
        ...

    @property
    def flags(self) -> Sequence[PriceFlag]:
        """Flags that may need approval."""
        ...


class PricedLine(Protocol):
    """One priced line: what the customer pays for it, after discounts, tax included."""

    @property
    def line_id(self) -> str:
        """The line."""
        ...

    @property
    def quantity(self) -> Decimal:
        """The quantity priced."""
        ...

    @property
    def gross(self) -> Money:
        """The line's amount after every discount (its share of order discounts too), with tax."""
        ...


class ReturnPricing(Protocol):
    """A breakdown with priced lines, for refunds."""

    @property
    def lines(self) -> Sequence[PricedLine]:
        """The priced lines."""
        ...


class ReservationOutcome(Protocol):
    """What a reservation served: quantities per line left on backorder."""

    @property
    def backordered(self) -> Mapping[str, Decimal]:
        """Quantity per line id that could not be reserved (only with ``allow_backorder``)."""
        ...


class StockReservations(Protocol):
    """The stock hook the lifecycle calls; the inventory module implements it.

    Each call must be atomic and idempotent per ``operation_id``.
    """

    def reserve(
        self,
        order: Order,
        *,
        lines: Mapping[str, Decimal],
        allow_backorder: bool,
        operation_id: str,
    ) -> ReservationOutcome:
        """Reserve ``lines`` of ``order``.

        Raises:
            InsufficientStock: if stock is short and ``allow_backorder`` is false
                (then nothing is reserved).
        """
        ...

    def release(
        self, order_id: str, *, lines: Mapping[str, Decimal] | None, operation_id: str
    ) -> None:
        """Release reservations of ``lines`` (all of the order's when None)."""
        ...

    def commit(self, order_id: str, *, lines: Mapping[str, Decimal], operation_id: str) -> None:
        """Turn reserved quantities into shipped stock (goods leave the warehouse)."""
        ...

    def restock(
        self,
        order_id: str,
        *,
        lines: Mapping[str, Decimal],
        disposition: StockDisposition,
        operation_id: str,
    ) -> None:
        """Take returned goods back: into available stock (restock) or written off (scrap)."""
        ...
