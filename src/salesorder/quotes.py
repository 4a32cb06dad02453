"""Quotations (报价, R17): a priced offer with a validity, converted into an order while valid.

A :class:`Quote` holds the draft order it offers, the total it was priced at and
until when the offer stands. Converting a quote that is still open and valid gives
the order (a fresh id, a new number from the numbering port) and marks the quote
converted; an expired quote cannot be converted. A quote in another currency than the
price list carries the exchange rate of its quotation date (:attr:`Quote.exchange_rate`),
which the converted order keeps. Quotes feed the quote-to-order
conversion rate of :mod:`salesorder.analytics` (they satisfy its ``QuoteView``).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from salesorder.errors import RuleViolation, define_code
from salesorder.exchange import ExchangeRate
from salesorder.money import Money
from salesorder.order import Order

__all__ = ["Quote", "QuoteStatus"]

QUOTE_EXPIRED = define_code(
    "quote.expired",
    en="Quote {quote_id} expired at {valid_until}.",
)
QUOTE_NOT_OPEN = define_code(
    "quote.not_open",
    en="Quote {quote_id} is {status} and cannot be converted.",
)
QUOTE_VALIDITY = define_code(
    "quote.validity.invalid",
    en="A quote must be valid until a time after it was issued.",
)


class QuoteStatus(enum.StrEnum):
    """Where a quote stands."""

    OPEN = "open"
    CONVERTED = "converted"
    WITHDRAWN = "withdrawn"


@attrs.frozen
class Quote:
    """A priced offer to a customer.

    Attributes:
        quote_id: Identifier.
        number: Human-facing number, e.g. ``QT-202611-000007``.
        order: The offered order (status draft), priced as ``total``.
        total: Grand total the quote was priced at.
        created_at: When it was issued.
        valid_until: The offer stands until this time (exclusive).
        status: Open, converted or withdrawn.
        converted_order_id: The order it became, once converted.
    """

    quote_id: str
    number: str
    order: Order = attrs.field(repr=False)
    total: Money
    created_at: datetime
    valid_until: datetime
    status: QuoteStatus = QuoteStatus.OPEN
    converted_order_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.valid_until <= self.created_at:
            raise RuleViolation(QUOTE_VALIDITY)

    @property
    def exchange_rate(self) -> ExchangeRate | None:
        """The rate the quote was priced with, when its price list is in another currency.

        Fixed on the quotation date through the service's ``ExchangeRates`` port and
        stored with the quoted order, so the quote's ``total`` stays reproducible and the
        order it converts into keeps the same rate.
        """
        return self.order.exchange_rate

    @property
    def customer_id(self) -> str:
        """The customer offered to."""
        return self.order.customer.id

    @property
    def salesperson(self) -> str | None:
        """The salesperson who made the offer."""
        return self.order.salesperson

    def is_valid_at(self, moment: datetime) -> bool:
        """Whether the offer still stands at ``moment``."""
        return self.status is QuoteStatus.OPEN and moment < self.valid_until

    def check_convertible(self, moment: datetime) -> None:
        """Raise unless the quote can become an order at ``moment``.

        Raises:
            RuleViolation: ``quote.not_open`` or ``quote.expired``.
        """
        if self.status is not QuoteStatus.OPEN:
            raise RuleViolation(
                QUOTE_NOT_OPEN, params={"quote_id": self.number, "status": self.status.value}
            )
        if moment >= self.valid_until:
            raise RuleViolation(
                QUOTE_EXPIRED,
                params={"quote_id": self.number, "valid_until": self.valid_until.isoformat()},
            )

    def converted(self, order_id: str) -> Quote:
        """The same quote, marked as converted into ``order_id``."""
        return attrs.evolve(self, status=QuoteStatus.CONVERTED, converted_order_id=order_id)
