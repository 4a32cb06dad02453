"""What a lifecycle command asks of stock: a frozen request, carried out by the host.

The lifecycle calls no stock port. A command that moves goods returns the stock
requests it needs on its result (:attr:`TransitionResult.stock`), and a command that
depends on a stock decision takes it as an input (``confirm`` and ``amend`` take
``backordered``: what the reservation could not serve). The host carries the requests
out in the same unit of work as the order's save (``OrderService`` does so through
:mod:`salesorder.stockhook`), so that a refused stock step saves nothing.

Invariants: requests are plain frozen values; a request's ``operation_id`` is derived
from the command's idempotency key (else from the order's history), so carrying out a
replayed command's requests again changes nothing twice in a store that is idempotent
per operation id.
"""

from __future__ import annotations

import enum

import attrs

from salesorder.records import LineQuantities, StockDisposition

__all__ = ["StockAction", "StockRequest"]


class StockAction(enum.StrEnum):
    """What a :class:`StockRequest` asks stock to do."""

    RESERVE = "reserve"
    """Reserve ``lines`` (backorder allowed when ``allow_backorder``)."""
    RELEASE = "release"
    """Give ``lines`` back from the order's reservations (all of them when ``lines`` is None)."""
    COMMIT = "commit"
    """Turn reserved ``lines`` into shipped stock: goods leave the warehouse."""
    RESTOCK = "restock"
    """Take returned ``lines`` back: into available stock (restock) or written off (scrap)."""
    REINSTATE = "reinstate"
    """Undo a commit (a voided shipment): put ``lines`` back on hand where they were
    shipped from and reserve them for the order again, all or nothing."""


@attrs.frozen
class StockRequest:
    """One stock step a command needs, with the order's save.

    Attributes:
        action: Reserve, release, commit or restock.
        order_id: The order.
        lines: Quantity per line id; for a release, None means everything the order holds.
        operation_id: Idempotency id of the stock step.
        allow_backorder: For a reservation: quantities without stock stay on backorder
            instead of refusing the whole reservation.
        disposition: For a restock: restock or scrap.
    """

    action: StockAction
    order_id: str
    lines: LineQuantities | None
    operation_id: str
    allow_backorder: bool = False
    disposition: StockDisposition | None = None
