"""Read-only structural views of the collaborators' results the lifecycle reads.

Validation and pricing are separate modules; the lifecycle depends only on these small
protocols (the attributes it reads of a validation report or a price breakdown), so any
implementation — or a test fake from :mod:`salesorder.testing.lifecycle` — fits. They
are views, not ports: a host implements nothing here, and the lifecycle calls nothing
through them. Stock, the one collaborator with effects, is not called at all: a command
returns the stock requests it needs (:mod:`salesorder._lifecycle.stock`); the host's
stock port is :class:`~salesorder.ports.StockStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from salesorder.money import Money

__all__ = [
    "PriceFlag",
    "PriceSummary",
    "PricedLine",
    "ReasonIssue",
    "ReturnPricing",
    "ValidationSummary",
]

# -- views of collaborators' results (filled by pricing and validation) ----------------------


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
