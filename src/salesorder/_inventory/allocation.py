"""Allocation strategies and :func:`plan_allocation`: which locations serve a demand.

Private: import every name from :mod:`salesorder.inventory`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final, Protocol

import attrs

from salesorder._inventory.quantities import (
    ALLOCATED_BEYOND_STOCK,
    OVER_SERVED,
    ZERO,
    InvalidAllocation,
)
from salesorder._inventory.values import Allocation
from salesorder.errors import (
    InsufficientStock,
    Shortfall,
)

# --------------------------------------------------------------------------- allocation


class AllocationStrategy(Protocol):
    """Decides which locations serve an order's demand.

    A strategy is a pure function of the demand and what is available; it may serve
    less than asked (the rest is a shortfall) but never more than is available at a
    location or more than is asked — :func:`plan_allocation` checks that.
    """

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> Iterable[Allocation]:
        """Propose allocations.

        Args:
            demand: Quantity per SKU (lines of one SKU already aggregated), all positive.
            available: Per SKU, the quantity available per location (≥ 0).

        Returns:
            Allocations (SKU, location, positive quantity).
        """
        ...


def _fill(
    sku: str, quantity: Decimal, order: Iterable[str], available: Mapping[str, Decimal]
) -> list[Allocation]:
    """Serve ``quantity`` greedily from locations in ``order``."""
    result: list[Allocation] = []
    remaining = quantity
    for location in order:
        here = available.get(location, ZERO)
        if here <= 0:
            continue
        take = here if here < remaining else remaining
        result.append(Allocation(sku, location, take))
        remaining -= take
        if not remaining:
            break
    return result


def _location_names(locations: Iterable[str]) -> tuple[str, ...]:
    # Typed, so that a tuple or list of names type-checks; one name alone is one location.
    return (locations,) if isinstance(locations, str) else tuple(locations)


@attrs.frozen
class FixedPriority:
    """Serve from locations in a fixed order of preference.

    Attributes:
        locations: Preferred order (any iterable of location names, such as
            ``("SH-01", "GZ-02")``); locations not listed follow in name order.
    """

    locations: tuple[str, ...] = attrs.field(default=(), converter=_location_names)

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Fill each SKU from the first location that has stock, then the next."""
        result: list[Allocation] = []
        for sku, quantity in demand.items():
            here = available.get(sku, {})
            if self.locations:
                listed = [loc for loc in self.locations if loc in here]
                order = listed + sorted(loc for loc in here if loc not in self.locations)
            else:
                order = sorted(here)
            result.extend(_fill(sku, quantity, order, here))
        return result


@attrs.frozen
class MostStockFirst:
    """Serve each SKU from the location with the most available stock first."""

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Fill each SKU from its fullest location, then the next fullest (ties by name)."""
        result: list[Allocation] = []
        for sku, quantity in demand.items():
            here = available.get(sku, {})
            order = sorted(here, key=lambda loc: (-here[loc], loc))
            result.extend(_fill(sku, quantity, order, here))
        return result


@attrs.frozen
class NearestFirst:
    """Serve from the nearest location first; the caller supplies the distances.

    Attributes:
        distances: Distance (any unit) per location; locations without a distance
            come last, in name order.
    """

    distances: Mapping[str, Decimal | int]

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Fill each SKU from the nearest location, then the next nearest (ties by name)."""
        result: list[Allocation] = []
        for sku, quantity in demand.items():
            here = available.get(sku, {})
            order = sorted(
                here,
                key=lambda loc: (loc not in self.distances, self.distances.get(loc, 0), loc),
            )
            result.extend(_fill(sku, quantity, order, here))
        return result


@attrs.frozen
class FewestShipments:
    """Serve the whole order from as few locations as possible.

    First, locations are chosen greedily by how many of the remaining SKUs each can
    serve in full (so if one location can serve everything, it serves everything).
    What no single location can serve in full is then filled from the locations
    already chosen first, then from those with the most stock.

    Attributes:
        preference: Optional tie-break order of locations (earlier wins).
    """

    preference: tuple[str, ...] = attrs.field(default=(), converter=_location_names)

    def allocate(
        self,
        demand: Mapping[str, Decimal],
        available: Mapping[str, Mapping[str, Decimal]],
    ) -> list[Allocation]:
        """Choose locations that serve whole SKUs, then fill the rest."""
        remaining = {sku: q for sku, q in demand.items() if q > 0}
        rank = {loc: i for i, loc in enumerate(self.preference)}
        locations = sorted(
            {loc for sku in remaining for loc in available.get(sku, {})},
            key=lambda loc: (rank.get(loc, len(rank)), loc),
        )
        used: list[str] = []
        result: list[Allocation] = []
        while remaining:
            best: list[str] = []
            best_location = ""
            for location in locations:
                full = [
                    sku
                    for sku, quantity in remaining.items()
                    if available.get(sku, {}).get(location, ZERO) >= quantity
                ]
                better = len(full) > len(best) or (
                    len(full) == len(best)
                    and full
                    and location in used
                    and best_location not in used
                )
                if better:
                    best, best_location = full, location
            if not best:
                break
            result.extend(Allocation(sku, best_location, remaining.pop(sku)) for sku in best)
            if best_location not in used:
                used.append(best_location)
        for sku, quantity in remaining.items():
            here = available.get(sku, {})
            order = used + sorted(
                (loc for loc in here if loc not in used),
                key=lambda loc: (-here[loc], rank.get(loc, len(rank)), loc),
            )
            result.extend(_fill(sku, quantity, order, here))
        return result


DEFAULT_STRATEGY: Final = FixedPriority()


@attrs.frozen
class AllocationPlan:
    """The checked outcome of allocating a demand.

    Attributes:
        allocations: What is served from where.
        shortfalls: Per SKU that is short, requested versus what could be served;
            empty when everything is served.
    """

    allocations: tuple[Allocation, ...]
    shortfalls: tuple[Shortfall, ...] = ()

    @property
    def is_complete(self) -> bool:
        """True when nothing is short."""
        return not self.shortfalls


def plan_allocation(
    demand: Mapping[str, Decimal],
    available: Mapping[str, Mapping[str, Decimal]],
    *,
    strategy: AllocationStrategy = DEFAULT_STRATEGY,
    allow_backorder: bool = False,
) -> AllocationPlan:
    """Allocate a demand to locations: a pure function of positions and request.

    Args:
        demand: Quantity per SKU (aggregate lines of one SKU first).
        available: Per SKU, available quantity per location.
        strategy: Which locations to prefer.
        allow_backorder: True returns a plan with shortfalls instead of raising.

    Returns:
        The checked plan.

    Raises:
        InsufficientStock: if something is short and backorders are not allowed.
        InvalidAllocation: if the strategy proposes more than available or asked.
    """
    proposed = tuple(strategy.allocate(demand, available))
    served: dict[str, Decimal] = {}
    used: dict[tuple[str, str], Decimal] = {}
    for allocation in proposed:
        sku, location, quantity = allocation.sku, allocation.location, allocation.quantity
        key = (sku, location)
        total = used.get(key, ZERO) + quantity
        if quantity <= 0 or sku not in demand or total > available.get(sku, {}).get(location, ZERO):
            raise InvalidAllocation(
                params={
                    "strategy": type(strategy).__name__,
                    "reason": ALLOCATED_BEYOND_STOCK,
                    "sku": sku,
                    "location": location,
                }
            )
        used[key] = total
        served[sku] = served.get(sku, ZERO) + quantity
    shortfalls: list[Shortfall] = []
    for sku, quantity in demand.items():
        got = served.get(sku, ZERO)
        if got > quantity:
            raise InvalidAllocation(
                params={"strategy": type(strategy).__name__, "reason": OVER_SERVED, "sku": sku}
            )
        if got < quantity:
            shortfalls.append(Shortfall(sku, quantity, got))
    if shortfalls and not allow_backorder:
        raise InsufficientStock(tuple(shortfalls))
    return AllocationPlan(proposed, tuple(shortfalls))
