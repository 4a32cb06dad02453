"""salesorder: sales order management (销售订单管理) as a pure-Python library.

The public surface is curated here; everything else lives in its module
(``salesorder.money``, ``salesorder.pricing``, ...) with the same names.
"""

from salesorder.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    IllegalTransition,
    InsufficientStock,
    SalesOrderError,
)
from salesorder.inventory import Reservation, ReservationLine, StockLedger, StockPosition
from salesorder.money import Money, RoundingMode, RoundingPolicy, allocate
from salesorder.order import (
    Address,
    Contact,
    Customer,
    CustomerTier,
    InvoiceInfo,
    InvoiceKind,
    Order,
    OrderLine,
    OrderType,
)

__version__ = "0.1.0"

__all__ = [
    "Address",
    "ConcurrencyConflict",
    "Contact",
    "CurrencyMismatch",
    "Customer",
    "CustomerTier",
    "IllegalTransition",
    "InsufficientStock",
    "InvoiceInfo",
    "InvoiceKind",
    "Money",
    "Order",
    "OrderLine",
    "OrderType",
    "Reservation",
    "ReservationLine",
    "RoundingMode",
    "RoundingPolicy",
    "SalesOrderError",
    "StockLedger",
    "StockPosition",
    "__version__",
    "allocate",
]
