"""The order process as one service: one method per use case, on the host's ports.

``OrderService`` is where a host application meets the library. It is the only
layer that loads, saves and publishes: each use case opens one unit of work, loads
the order, applies a pure lifecycle command, carries out the stock requests the command
returns through the unit of work's stock store (``run_with_stock``),
saves the order with its expected version, records the events in the outbox, and
commits — all of it or nothing: a refused stock step leaves the unit of work before
the save, and order and stock stay as they were. Only after the commit are the events
handed to the notifier; a notifier failure leaves them queued and never undoes the
change.

Prices are fixed when the order is entered (or quoted): each list-priced line's unit
price is stored on the order (``Order.locked_prices``), and every later pricing of the
order (on submit, for returns, for the printed form) reads it instead of the price list,
at the order's ``created_at``, so a changed price list moves no figure of an order
already taken. A line an amendment adds is priced on the amendment's day; repricing a
line is an explicit amendment (``ChangePrice`` back to the list), audited and approved
like any other.

Every failure is a ``SalesOrderError`` with a code, raised
before anything is committed. Order and quote numbers are drawn before the unit of
work opens, so a numbering port with a transaction of its own (a database sequence)
never waits on the change; like a sequence, a refused entry leaves a gap.
"""

from __future__ import annotations

# The stage modules, not their classes: OrderService is this module's only public name.
from salesorder._service import (
    after_sales,
    billing,
    changes,
    entry,
    fulfilment,
    invoicing,
    queries,
)

__all__ = ["OrderService"]


class OrderService(
    entry.EntryUseCases,
    fulfilment.FulfilmentUseCases,
    billing.BillingUseCases,
    invoicing.InvoicingUseCases,
    changes.ChangeUseCases,
    after_sales.AfterSalesUseCases,
    queries.QueryUseCases,
):
    """Every step of an order's life, on the host's storage, stock and notifications.

    The host's ports are keyword arguments; how the service prices, decides and keeps
    time comes in three frozen values from `salesorder.settings`.

    Args:
        unit_of_work: Opens a new unit of work (e.g. ``MemoryDatabase.unit_of_work``).
        clock: Time source.
        numbering: Order numbers (and quote numbers unless ``quote_numbering`` is given).
        pricing_settings: Price list, promotions, coupons, tax, rounding, charges and
            stacking.
        policy_settings: Validation rules, credit, stock, approval and lifecycle
            policies, allocation strategy (all defaults when omitted).
        sla_settings: Working calendar and SLA deadlines (defaults when omitted).
        credit: The host's credit control (no credit check when None).
        notifier: Where committed events go (none: they stay in the outbox).
        routing: Which audiences hear about which events.
        quote_numbering: Numbers for quotes, e.g. ``PatternNumbering(prefix="QT")``;
            when None, quotes take numbers from ``numbering`` (one shared series).
        invoice_numbering: Numbers for invoice documents and credit notes, e.g.
            ``PatternNumbering(prefix="INV")`` (their own series); without it the service
            records invoices as amounts only (``invoice``) and ``issue_invoice`` refuses.

    Raises:
        InvalidSettings: a settings argument that is not the settings value it names
            (e.g. a ``PriceList`` given as ``pricing_settings``).

    Attributes:
        clock: The time source.
        pricing_settings: The pricing settings the service was built with.
        policy_settings: The policy settings the service was built with.
        sla_settings: The SLA settings the service was built with.

    The use cases are grouped by stage in the private package ``salesorder._service``
    (entry, fulfilment, billing, invoice documents, changes, after-sales, queries), all
    on one shared core; this class is their sum and the only public name.
    """
