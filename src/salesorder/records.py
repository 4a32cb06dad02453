"""What happened to an order: its status, per-line quantity ledgers and the audit trail (R7, R14).

These frozen values are stored on the :class:`~salesorder.order.Order` aggregate and
changed only by :mod:`salesorder.lifecycle`, which replaces them whole (never mutates
them) after every check of a command has passed.

Invariants (kept by the lifecycle, checked by its stateful property test):

* per line, ``shipped <= ordered``, ``delivered <= shipped``, ``returned <= delivered``,
  ``reserved + backordered <= ordered``, every quantity an exact ``Decimal`` >= 0;
* the audit trail replays from ``draft`` to the current status;
* nothing here holds customer personal data (R20): actors are user ids, reasons are codes.

Memory: an order on which nothing happened holds only empty tuples (shared singletons),
so the lifecycle adds a few pointer-sized slots to each order and no per-order objects.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

import attrs

from salesorder.money import Money

__all__ = [
    "ARCHIVED",
    "ZERO",
    "Approval",
    "AuditEntry",
    "CreditNote",
    "Delivery",
    "Invoice",
    "InvoiceBuyer",
    "InvoiceDocument",
    "InvoiceLine",
    "LineLedger",
    "LineQuantities",
    "Payment",
    "PaymentKind",
    "PaymentMethod",
    "PaymentState",
    "PriceSnapshot",
    "PricedCharge",
    "PricedGift",
    "PricedLine",
    "RateTotal",
    "ReturnKind",
    "ReturnRecord",
    "ReturnState",
    "Shipment",
    "ShipmentState",
    "Status",
    "StockDisposition",
    "TaxPart",
    "TaxRow",
    "line_quantities",
]

ZERO = Decimal(0)

LineQuantities = tuple[tuple[str, Decimal], ...]
"""Quantities per line id, as a sorted tuple of ``(line_id, quantity)`` pairs (hashable)."""


class Status(enum.StrEnum):
    """Lifecycle status of an order; changed only by :mod:`salesorder.lifecycle`."""

    DRAFT = "draft"
    """Entered, editable, not yet submitted (创建)."""
    PENDING_APPROVAL = "pending_approval"
    """Submitted, waiting for the approvals the policy requires (待审核)."""
    APPROVED = "approved"
    """Every required approval given (已审核)."""
    CONFIRMED = "confirmed"
    """Confirmed to the customer, stock reserved or backordered (已确认)."""
    PARTIALLY_SHIPPED = "partially_shipped"
    """Some quantities shipped (部分发货)."""
    SHIPPED = "shipped"
    """Every ordered quantity shipped (已发货)."""
    DELIVERED = "delivered"
    """Every ordered quantity signed for (已签收)."""
    COMPLETED = "completed"
    """Delivered, invoiced and paid; archived (已完成)."""
    CANCELLED = "cancelled"
    """Cancelled before anything shipped; archived (已取消)."""
    ON_HOLD = "on_hold"
    """Held; resumes to the status it was held from (已挂起)."""
    CLOSED = "closed"
    """Short-closed with quantities left undelivered; archived (已关闭)."""


ARCHIVED = frozenset({Status.COMPLETED, Status.CANCELLED, Status.CLOSED})
"""The end statuses: an archived order's commercial terms are frozen and it never changes
status again; it only appends the after-sales records its status accepts (returns and
refunds of a completed order, the refund of a cancelled one, the billing and returns
of what a closed order delivered; see ``salesorder.lifecycle.commands_by_status``)."""


def line_quantities(quantities: Mapping[str, Decimal]) -> LineQuantities:
    """Freeze a mapping of line id to quantity into a sorted tuple, dropping zeros."""
    return tuple(sorted((k, v) for k, v in quantities.items() if v))


@attrs.frozen(slots=True)
class LineLedger:
    """Exact quantities of one order line at each stage (no stored percentages).

    Attributes:
        line_id: The line.
        reserved: Quantity reserved in stock for the line and not yet shipped.
        backordered: Quantity confirmed without stock (backorder), not yet shipped.
        shipped: Quantity that left the warehouse.
        delivered: Quantity signed for by the customer (签收).
        invoiced: Quantity invoiced.
        returned: Quantity returned and received back.
    """

    line_id: str
    reserved: Decimal = ZERO
    backordered: Decimal = ZERO
    shipped: Decimal = ZERO
    delivered: Decimal = ZERO
    invoiced: Decimal = ZERO
    returned: Decimal = ZERO

    def plus_invoiced(self, quantity: Decimal) -> LineLedger:
        """This ledger with ``quantity`` more invoiced (cheaper than ``attrs.evolve``)."""
        return LineLedger(
            self.line_id,
            self.reserved,
            self.backordered,
            self.shipped,
            self.delivered,
            self.invoiced + quantity,
            self.returned,
        )


@attrs.frozen(slots=True)
class AuditEntry:
    """One transition of an order: who, when, from, to, which event, why, at which revision.

    Attributes:
        at: When (caller's clock).
        actor: User id of whoever issued the command.
        event: The lifecycle event name, e.g. ``confirm``.
        source: Status before.
        target: Status after.
        reason: Reason code or short note (never personal data), if any.
        revision: Business revision of the order after the transition.
    """

    at: datetime
    actor: str
    event: str
    source: Status
    target: Status
    reason: str | None = None
    revision: int = 1


@attrs.frozen(slots=True)
class Approval:
    """A signature at one approval level.

    Attributes:
        level: Approval level, e.g. ``sales_manager``, ``finance``.
        actor: User id of the approver.
        at: When it was given.
        reasons: Codes of the reasons that made this level necessary.
        round: Submission round it belongs to (a rejection starts a new round).
        comment: Optional note from the approver (no personal data).
    """

    level: str
    actor: str
    at: datetime
    reasons: tuple[str, ...] = ()
    round: int = 1
    comment: str | None = None


class ShipmentState(enum.StrEnum):
    """Progress of a shipment; only ``shipped`` and ``delivered`` ones count as shipped."""

    PLANNED = "planned"
    """Planned (拣货/备货): goods still in the warehouse, reserved for the order."""
    SHIPPED = "shipped"
    """Handed to the carrier (已发货): the goods left the warehouse."""
    DELIVERED = "delivered"
    """Every unit of it signed for (已签收)."""
    CANCELLED = "cancelled"
    """A planned shipment called off; nothing moved."""
    VOIDED = "voided"
    """A shipped one taken back before the customer signed: goods back where they came
    from and reserved for the order again (作废)."""


@attrs.frozen(slots=True)
class Shipment:
    """A shipment (发货单): planned, then handed to the carrier, then signed for.

    Attributes:
        shipment_id: Identifier of the shipment.
        lines: Quantities per line.
        at: When it was planned, or shipped (the time of its latest state).
        carrier: Carrier code or name, e.g. ``SF``.
        tracking_number: Carrier's tracking number.
        state: Where it stands (``shipped`` for a shipment recorded without a plan).
    """

    shipment_id: str
    lines: LineQuantities
    at: datetime
    carrier: str | None = None
    tracking_number: str | None = None
    state: ShipmentState = attrs.field(default=ShipmentState.SHIPPED, converter=ShipmentState)


@attrs.frozen(slots=True)
class Delivery:
    """Goods signed for by the customer (签收).

    Attributes:
        delivery_id: Identifier of the delivery.
        lines: Quantities delivered per line.
        at: When.
        proof: Reference of the proof of delivery (signature image id...), not a name.
    """

    delivery_id: str
    lines: LineQuantities
    at: datetime
    proof: str | None = None


@attrs.frozen(slots=True)
class Invoice:
    """An invoice issued for quantities of lines, or for an amount only (e.g. advance invoice).

    Attributes:
        invoice_id: Identifier (or official number) of the invoice.
        kind: ``general`` (普通发票) or ``vat_special`` (增值税专用发票).
        amount: Invoiced amount, tax included.
        lines: Invoiced quantities per line (empty for an amount-only invoice).
        at: When it was issued.
    """

    invoice_id: str
    kind: str
    amount: Money
    lines: LineQuantities
    at: datetime
    document: InvoiceDocument | None = None
    """The numbered invoice document (:mod:`salesorder.invoicing`), when it was issued as one."""


class PaymentKind(enum.StrEnum):
    """Money received from, or paid back to, the customer."""

    PAYMENT = "payment"
    REFUND = "refund"


class PaymentMethod(enum.StrEnum):
    """How the customer pays (or how money was paid back)."""

    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    CARD = "card"
    ALIPAY = "alipay"
    WECHAT_PAY = "wechat_pay"
    CHEQUE = "cheque"
    ON_ACCOUNT = "on_account"
    """Credit sale settled by invoice (赊销 / 月结)."""
    OTHER = "other"


class PaymentState(enum.StrEnum):
    """Where a payment stands; only ``confirmed`` money counts as paid."""

    PENDING = "pending"
    """Announced (a gateway's pending notice, a cheque not yet cleared): not money yet (待确认)."""
    CONFIRMED = "confirmed"
    """Received for good (已到账)."""
    FAILED = "failed"
    """The gateway or bank reported that it did not go through (支付失败)."""
    VOIDED = "voided"
    """Called off by the seller (作废), e.g. a cheque that bounced or an entry in error."""


def _payment_state(value: str) -> PaymentState:
    return PaymentState(value)


def _payment_method(value: str | None) -> PaymentMethod | None:
    return None if value is None else PaymentMethod(value)


@attrs.frozen(slots=True)
class Payment:
    """Money received (``payment``) or paid back (``refund``).

    Attributes:
        payment_id: Identifier of the payment.
        kind: Payment or refund.
        amount: Positive amount.
        at: When it was recorded.
        reference: Bank or gateway reference.
        state: Where it stands (records stored before payments had states are
            ``confirmed``); a refund is always ``confirmed``.
        method: How it was paid, when told.
        settled_at: When it was confirmed, failed or voided (None while pending, and for
            a payment recorded as confirmed: it counts from ``at``).
        refunded_payment: For a refund, the payment it pays back (None: not tied to one).
        credit_note: For a refund, the number of the credit note it settles, if any.
        invoice_number: For a payment, the invoice the host applies it to (None: to the
            open invoices oldest due first).
    """

    payment_id: str
    kind: PaymentKind
    amount: Money
    at: datetime
    reference: str | None = None
    state: PaymentState = attrs.field(default=PaymentState.CONFIRMED, converter=_payment_state)
    method: PaymentMethod | None = attrs.field(default=None, converter=_payment_method)
    settled_at: datetime | None = None
    refunded_payment: str | None = None
    credit_note: str | None = None
    invoice_number: str | None = None

    @property
    def counts(self) -> bool:
        """Confirmed money: the only kind that counts as paid (or refunded)."""
        return self.state is PaymentState.CONFIRMED

    @property
    def counted_from(self) -> datetime:
        """From when it counts as paid: when it was confirmed, or recorded as confirmed."""
        return self.settled_at if self.settled_at is not None else self.at


class ReturnKind(enum.StrEnum):
    """What the customer asks for after sale (售后)."""

    RETURN = "return"
    """Goods back, money back (退货退款)."""
    EXCHANGE = "exchange"
    """Goods back, replacement goods out (换货) on a linked order of type ``exchange``."""
    REPAIR = "repair"
    """Goods back for repair, then out again (维修) on a shipment of the return; no refund."""


class ReturnState(enum.StrEnum):
    """Progress of a return request."""

    REQUESTED = "requested"
    APPROVED = "approved"
    RECEIVED = "received"


class StockDisposition(enum.StrEnum):
    """What the warehouse does with goods received back."""

    RESTOCK = "restock"
    SCRAP = "scrap"


@attrs.frozen(slots=True)
class ReturnRecord:
    """A return, exchange or repair request against delivered lines.

    Attributes:
        return_id: Identifier of the request.
        kind: Return, exchange or repair.
        lines: Quantities per line.
        reason: Reason code, e.g. ``damaged``.
        state: Requested, approved or received.
        disposition: Restock or scrap, once received.
        refund: Amount owed back to the customer, once received (zero for a repair and
            a like-for-like exchange; for an exchange for other goods, the credit of the
            units given back, settled against the replacement order).
        replacement_order_id: The linked replacement order an exchange created on receipt.
        back: The shipment that sends a repaired unit back to the customer (shipped, then
            delivered); None until it leaves.
    """

    return_id: str
    kind: ReturnKind
    lines: LineQuantities
    reason: str
    state: ReturnState = ReturnState.REQUESTED
    disposition: StockDisposition | None = None
    refund: Money | None = None
    replacement_order_id: str | None = None
    back: Shipment | None = None


# -- the order's price snapshot (set when the order is priced; read by invoicing) -------------

#: One priced order line as stored: ``(line_id, quantity, unit_price, net, tax, tax_rate)``.
PricedLine = tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal]
#: One gift line as stored: ``(line_id, sku, quantity, unit_price, net, tax, tax_rate)``.
PricedGift = tuple[str, str, Decimal, Decimal, Decimal, Decimal, Decimal]
#: One charge as stored: ``(charge_id, kind, amount, net, tax, tax_rate)``.
PricedCharge = tuple[str, str, Decimal, Decimal, Decimal, Decimal]
#: One tax of an item under several taxes, as stored: ``(item, code, rate, amount)``; the
#: item is a line id, a gift line id or ``charge:<charge id>``.
TaxRow = tuple[str, str, Decimal, Decimal]


def _sum_money(net: Decimal, tax: Decimal, currency: str) -> Money:
    # Net and tax of a snapshot are quantized amounts of one currency (the pricing
    # engine's): their sum is valid Money by construction, and a 20-line order's line
    # totals are built at every pricing of it.
    return Money._exact(net + tax, currency)


@attrs.frozen(slots=True)
class PriceSnapshot:
    """The figures an order was priced at, frozen: what its invoices and credit notes slice.

    Set on the order whenever the service prices it (entry, draft edit, quotation,
    submission, amendment, approval of an amendment), as Odoo and ERPNext keep
    ``price_subtotal`` / ``price_tax`` on their order lines: a tax table, price list or
    promotion changed afterwards does not move what the customer is invoiced. Amounts
    are quantized Decimals in ``currency`` (one currency for the whole snapshot);
    rows are plain tuples so that the stored document stays small.

    Attributes:
        currency: Currency of every amount.
        lines: One row per order line, in the order of the lines (``PricedLine``).
        gifts: One row per gift line a promotion added (``PricedGift``).
        charges: One row per shipping or handling charge (``PricedCharge``).
        taxes: When a tax group taxed some item: one row per tax of every item
            (``TaxRow``), adding up to the item's tax (an item with one rate has one
            row); empty otherwise.
    """

    currency: str
    lines: tuple[PricedLine, ...]
    gifts: tuple[PricedGift, ...] = ()
    charges: tuple[PricedCharge, ...] = ()
    taxes: tuple[TaxRow, ...] = ()

    def line_totals(self) -> tuple[tuple[str, Money], ...]:
        """Gross per order line then gift line, as ``Order.line_totals`` holds them."""
        currency = self.currency
        totals = [(row[0], _sum_money(row[3], row[4], currency)) for row in self.lines]
        totals.extend((row[0], _sum_money(row[4], row[5], currency)) for row in self.gifts)
        return tuple(totals)

    def grand_total(self) -> Money:
        """Σ gross of lines, gift lines and charges: the order's grand total when priced."""
        total = sum((row[3] + row[4] for row in self.lines), ZERO)
        total += sum((row[4] + row[5] for row in self.gifts), ZERO)
        total += sum((row[3] + row[4] for row in self.charges), ZERO)
        return Money.of(total, self.currency)


@attrs.frozen(slots=True)
class TaxPart:
    """One tax of an invoice or credit note line taxed by several taxes (a tax group).

    Attributes:
        code: The tax's code (the component's, e.g. ``CT``, ``VAT13``, ``DEPOSIT``).
        rate: Its percentage as a fraction (0 for a levy per unit).
        amount: The tax.
    """

    code: str
    rate: Decimal
    amount: Money


# -- invoice documents (built by salesorder.invoicing; kept on the order) ---------------------


@attrs.frozen(slots=True)
class InvoiceLine:
    """One line of an invoice or credit note: an exact slice of one priced line or charge.

    Attributes:
        line_id: The order line, a gift line (``gift:<promotion id>``) or a charge
            (``charge:<charge id>``).
        sku: The SKU (None for a charge).
        name: What is billed (product name, or the charge kind).
        specification: Model or specification (规格型号).
        unit: Unit of measure.
        quantity: Quantity billed (positive); 0 on a credit note's price reduction.
        unit_price: Unit price as priced (before discounts; tax included when the
            prices were).
        net: Amount before tax (after discounts).
        tax_rate: Tax rate (fraction, e.g. ``0.13``); for a line taxed by a tax group,
            the group's nominal rate (the sum of its percentages).
        tax: Tax.
        taxes: Its tax per tax code and rate, adding up to ``tax``, on the documents
            of an order where a tax group taxed some line: one per component for a
            line of a group, one for a line of one rate. Empty on the documents of
            other orders (the line's one tax is at ``tax_rate``).
    """

    line_id: str
    sku: str | None
    name: str
    specification: str | None
    unit: str
    quantity: Decimal
    unit_price: Money
    net: Money
    tax_rate: Decimal
    tax: Money
    taxes: tuple[TaxPart, ...] = ()

    @property
    def gross(self) -> Money:
        """``net + tax``."""
        return self.net + self.tax


@attrs.frozen(slots=True)
class RateTotal:
    """The lines of a document at one tax rate, added up (税率合计).

    A line without ``taxes`` counts under its rate (``code`` None). A line with
    ``taxes`` (an order where a tax group taxed some line) counts each of its taxes
    under that tax's code and rate, and its net under its first tax's: so the rows
    still add up to the document's net and tax totals.

    Attributes:
        rate: The tax rate (fraction).
        net: Σ net of the lines at this rate.
        tax: Σ tax of the lines at this rate.
        code: The tax code of a group's tax (``CT``, ``DEPOSIT`` ...); None for the
            lines with one tax.
    """

    rate: Decimal
    net: Money
    tax: Money
    code: str | None = None

    @property
    def gross(self) -> Money:
        """``net + tax``."""
        return self.net + self.tax


@attrs.frozen(slots=True)
class InvoiceBuyer:
    """The buyer's invoice details printed on the document (购买方信息); never in ``repr``.

    Attributes:
        title: Invoice title (发票抬头).
        tax_id: Unified social credit code (统一社会信用代码).
        bank_name: Bank (开户行), VAT special invoices.
        bank_account: Account number (账号), VAT special invoices.
        registered_address: Registered address (注册地址), VAT special invoices.
        registered_phone: Registered phone (注册电话), VAT special invoices.
    """

    title: str | None = attrs.field(default=None, repr=False)
    tax_id: str | None = attrs.field(default=None, repr=False)
    bank_name: str | None = attrs.field(default=None, repr=False)
    bank_account: str | None = attrs.field(default=None, repr=False)
    registered_address: str | None = attrs.field(default=None, repr=False)
    registered_phone: str | None = attrs.field(default=None, repr=False)


@attrs.frozen(slots=True)
class InvoiceDocument:
    """A numbered, frozen invoice (发票): what was billed, line by line and per tax rate.

    Attributes:
        number: The invoice number, from its own series.
        order_id: The order.
        order_number: The order's number.
        customer_id: The customer.
        kind: ``general`` (普通发票) or ``vat_special`` (增值税专用发票).
        currency: Currency of every amount.
        issued_at: When it was issued.
        due_on: When payment is due (from the order's payment terms).
        lines: The billed lines.
        tax_by_rate: The lines added up per tax rate, lowest rate first.
        net_total: Σ net.
        tax_total: Σ tax.
        buyer: The buyer's invoice details (never in ``repr``).
    """

    number: str
    order_id: str
    order_number: str | None
    customer_id: str
    kind: str
    currency: str
    issued_at: datetime
    due_on: date
    lines: tuple[InvoiceLine, ...]
    tax_by_rate: tuple[RateTotal, ...]
    net_total: Money
    tax_total: Money
    buyer: InvoiceBuyer = attrs.field(default=InvoiceBuyer(), repr=False)

    @property
    def gross_total(self) -> Money:
        """``net_total + tax_total``: what the customer owes for this invoice."""
        return self.net_total + self.tax_total


@attrs.frozen(slots=True)
class CreditNote:
    """A numbered credit note (红字发票 / credit memo) reversing part or all of one invoice.

    Its amounts are the reversed amounts, positive; printed documents show them
    negative.

    Attributes:
        number: The credit note number, from the invoice series.
        invoice_number: The invoice it reverses.
        order_id: The order.
        customer_id: The customer.
        kind: The kind of the reversed invoice.
        currency: Currency of every amount.
        issued_at: When it was issued.
        reason: Reason code, e.g. ``return``, ``price_reduction``, ``cancellation``.
        lines: The reversed lines (quantities and amounts, positive).
        tax_by_rate: The reversed lines added up per tax rate.
        net_total: Σ net reversed.
        tax_total: Σ tax reversed.
    """

    number: str
    invoice_number: str
    order_id: str
    customer_id: str
    kind: str
    currency: str
    issued_at: datetime
    reason: str
    lines: tuple[InvoiceLine, ...]
    tax_by_rate: tuple[RateTotal, ...]
    net_total: Money
    tax_total: Money

    @property
    def gross_total(self) -> Money:
        """``net_total + tax_total``: what the customer no longer owes."""
        return self.net_total + self.tax_total
