"""Type-checked from the user's side: host objects satisfy the analytics protocols."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from salesorder import Money
from salesorder.analytics import (
    ConversionStats,
    Dimension,
    Grouping,
    TurnoverReport,
    inventory_turnover,
    quote_conversion_by,
)


@dataclass(frozen=True)
class HostQuote:
    """A host's quote, matching ``QuoteView``."""

    quote_id: str
    created_at: datetime
    customer_id: str
    salesperson: str | None
    converted_order_id: str | None
    total: Money


@dataclass(frozen=True)
class HostMovement:
    """A host's stock journal entry, matching ``StockMovementView``."""

    sku: str
    location: str
    kind: str
    quantity: Decimal
    at: datetime


start = datetime(2026, 11, 1, tzinfo=UTC)
end = datetime(2026, 12, 1, tzinfo=UTC)
quotes = [HostQuote("q1", start, "c1", None, None, Money("1", "CNY"))]
by_customer: dict[str, ConversionStats] = quote_conversion_by(
    quotes, Grouping(by=Dimension.CUSTOMER), currency="CNY"
)
report: TurnoverReport = inventory_turnover(
    [HostMovement("A", "WH1", "receive", Decimal(1), start)], start=start, end=end
)
rate: Decimal | None = report.overall.turnover
