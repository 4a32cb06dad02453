"""salesorder: sales order management (销售订单管理) as a pure-Python library.

The public surface is curated here; everything else lives in its module
(``salesorder.money``, ``salesorder.pricing``, ...) with the same names.
"""

from salesorder import analytics as _analytics  # noqa: F401  (registers its error codes)
from salesorder import sla as _sla  # noqa: F401  (registers the SLA error codes)
from salesorder.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    IllegalTransition,
    InsufficientStock,
    SalesOrderError,
)
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
    "Money",
    "Order",
    "OrderLifecycle",
    "OrderLine",
    "OrderType",
    "RoundingMode",
    "RoundingPolicy",
    "SalesOrderError",
    "Status",
    "__version__",
    "allocate",
]
