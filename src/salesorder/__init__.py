"""salesorder: sales order management (销售订单管理) as a pure-Python library.

The public surface is curated here; everything else lives in its module
(``salesorder.money``, ``salesorder.pricing``, ...) with the same names.
"""

from salesorder.adapters.memory import StockLedger
from salesorder.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    IllegalTransition,
    InsufficientStock,
    SalesOrderError,
)
from salesorder.inventory import Reservation, ReservationLine, StockPosition
from salesorder.lifecycle import ApprovalPolicy, OrderLifecycle, Status
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
from salesorder.pricing import PriceBreakdown, PriceEntry, PriceList, TaxPolicy, price
from salesorder.schema import OrderDraft
from salesorder.service import OrderService
from salesorder.validation import Issue, ValidationReport, validate

__version__ = "0.1.0"

__all__ = [
    "Address",
    "ApprovalPolicy",
    "ConcurrencyConflict",
    "Contact",
    "CurrencyMismatch",
    "Customer",
    "CustomerTier",
    "IllegalTransition",
    "InsufficientStock",
    "InvoiceInfo",
    "InvoiceKind",
    "Issue",
    "Money",
    "Order",
    "OrderDraft",
    "OrderLifecycle",
    "OrderLine",
    "OrderService",
    "OrderType",
    "PriceBreakdown",
    "PriceEntry",
    "PriceList",
    "Reservation",
    "ReservationLine",
    "RoundingMode",
    "RoundingPolicy",
    "SalesOrderError",
    "Status",
    "StockLedger",
    "StockPosition",
    "TaxPolicy",
    "ValidationReport",
    "__version__",
    "allocate",
    "price",
    "validate",
]
