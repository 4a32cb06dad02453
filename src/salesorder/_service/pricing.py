"""What the service asks its pricing ports before it prices an order (issue 16).

Used by the service's core, entry and changes (one function per concern):

* :func:`exchange_rate_for`: the rate an order in another currency than the price list
  is priced with, asked of the ``ExchangeRates`` port at entry (and at a draft edit);
* :func:`engine_tax`: the tax policy of one order, asked of the ``TaxEngine`` port;
* :func:`in_units`: the conversion factors of the lines an amendment adds, from the
  service's unit catalogue (the gate does it for entered lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from salesorder import _arguments as arguments
from salesorder import lifecycle
from salesorder.exchange import ExchangeRate, MissingExchangeRate
from salesorder.order import Order, OrderLine
from salesorder.ports import ExchangeRates, TaxEngine
from salesorder.pricing import TaxPolicy
from salesorder.units import UnitCatalog

__all__ = ["engine_tax", "exchange_rate_for", "in_units"]


def exchange_rate_for(
    rates: ExchangeRates | None, base: str, currency: str, at: datetime
) -> ExchangeRate | None:
    """The rate from the price list's ``base`` to the order's ``currency`` on ``at``'s date.

    Returns:
        None in the price list's own currency, or without a rates port (pricing then
        refuses another currency as before).

    Raises:
        MissingExchangeRate: the port has no such rate on that date.
        ArgumentTypeError: the port answered something else than an ``ExchangeRate``.
    """
    if currency == base or rates is None:
        return None
    found = rates.rate(base, currency, on=at.date())
    if found is None:
        raise MissingExchangeRate(base, currency, at.date())
    arguments.instance_of(found, ExchangeRate, argument="exchange_rates.rate()")
    if (found.base, found.quote) != (base, currency):
        raise MissingExchangeRate(base, currency, at.date())
    return found


def engine_tax(engine: TaxEngine, order: Order, at: datetime) -> TaxPolicy:
    """The host's tax engine's policy for ``order`` at its pricing instant, checked."""
    policy = engine.tax_policy(order, at=at)
    arguments.instance_of(policy, TaxPolicy, argument="tax_engine.tax_policy()")
    return policy


def in_units(
    units: UnitCatalog | None, changes: Sequence[lifecycle.Change]
) -> Sequence[lifecycle.Change]:
    """``changes`` with each added line's conversion factor from ``units``.

    Raises:
        salesorder.units.UnknownUnit: an added line's unit is not one its product is
            sold in.
    """
    if units is None or not isinstance(changes, Sequence):
        return changes
    return [
        lifecycle.AddLine(units.convert_line(change.line))
        if isinstance(change, lifecycle.AddLine) and isinstance(change.line, OrderLine)
        else change
        for change in changes
    ]
