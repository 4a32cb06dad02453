"""The order model: the ``Order`` aggregate and the values it is made of (R1, R2).

These are plain attrs classes with no parsing library behind them: untrusted input
is parsed at the gate (:mod:`salesorder.schema`) and converted into these objects by
one named function, :func:`salesorder.schema.to_order`. Business rules
(:mod:`salesorder.validation`) then run on these objects.

Values (``Address``, ``Contact``, ``Customer``, ``InvoiceInfo``, ``PaymentTerms``,
``OrderLine``) are frozen; change them with :func:`attrs.evolve`. The ``Order``
aggregate is mutable so that the lifecycle can move it without copying it, and its
``version`` supports optimistic concurrency in repositories.

Privacy: names, phones, e-mail addresses, street addresses, tax ids and bank
accounts are excluded from every ``repr`` (R20).
"""

from __future__ import annotations

import decimal
import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

import attrs

from salesorder.errors import InvalidOrder
from salesorder.exchange import ExchangeRate
from salesorder.money import Money
from salesorder.records import (
    Approval,
    AuditEntry,
    CreditNote,
    Delivery,
    Invoice,
    LineLedger,
    Payment,
    PaymentMethod,
    PriceSnapshot,
    ReturnRecord,
    Shipment,
    Status,
)

__all__ = [
    "Address",
    "Channel",
    "Contact",
    "Customer",
    "CustomerTier",
    "InvoiceInfo",
    "InvoiceKind",
    "LockedPrice",
    "Order",
    "OrderDiscount",
    "OrderLine",
    "OrderType",
    "PaymentMethod",
    "PaymentTerms",
    "Revision",
    "Status",
    "new_id",
]


#: Stock quantities are products of a bounded quantity and a bounded factor: 60 digits
#: hold them exactly (salesorder.units checks factors).
_STOCK_CONTEXT = decimal.Context(prec=60, traps=[decimal.InvalidOperation])


def new_id() -> str:
    """A new random identifier (32 hex characters)."""
    return uuid.uuid4().hex


class CustomerTier(enum.StrEnum):
    """Customer grade (客户分级), used by tier prices and discounts."""

    VIP = "vip"
    REGULAR = "regular"
    PROSPECT = "prospect"


class OrderType(enum.StrEnum):
    """Kinds of order, each with rules of its own (R2)."""

    STANDARD = "standard"
    """A normal sale."""
    SAMPLE = "sample"
    """Samples: may be priced zero, quantity capped."""
    NEW_CUSTOMER = "new_customer"
    """First order of a customer: extra verification (contact phone, approval)."""
    EXCHANGE = "exchange"
    """Replacement goods for a return or exchange (退换货)."""


class Channel(enum.StrEnum):
    """Where the order came in (下单渠道)."""

    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    STORE = "store"
    FIELD_SALES = "field_sales"
    MARKETPLACE = "marketplace"
    EDI = "edi"
    OTHER = "other"


class InvoiceKind(enum.StrEnum):
    """Which invoice the customer asks for."""

    NONE = "none"
    """No invoice."""
    GENERAL = "general"
    """普通发票: title and, for companies, tax id."""
    VAT_SPECIAL = "vat_special"
    """增值税专用发票: tax id, bank, account, registered address and phone."""


@attrs.frozen
class Address:
    """A postal address. Only country, province and city appear in ``repr``.

    Attributes:
        country: ISO 3166-1 alpha-2 code, e.g. ``CN``.
        province: Province or state (省).
        city: City (市).
        district: District or county (区/县).
        street: Street and number.
        postal_code: Postal code.
        recipient: Person receiving goods at this address.
        phone: Phone of the recipient.
    """

    country: str
    city: str
    street: str = attrs.field(repr=False)
    province: str | None = None
    district: str | None = attrs.field(default=None, repr=False)
    postal_code: str | None = attrs.field(default=None, repr=False)
    recipient: str | None = attrs.field(default=None, repr=False)
    phone: str | None = attrs.field(default=None, repr=False)

    @property
    def region(self) -> str:
        """Country/province/city path used for analytics grouping, e.g. ``CN/广东省/深圳市``."""
        return "/".join(part for part in (self.country, self.province, self.city) if part)


@attrs.frozen
class Contact:
    """A contact person. Nothing of it appears in ``repr``.

    Attributes:
        name: Full name.
        phone: Phone or mobile number.
        email: E-mail address.
    """

    name: str = attrs.field(repr=False)
    phone: str | None = attrs.field(default=None, repr=False)
    email: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Customer:
    """The customer as it was when the order was taken (a snapshot, not a master record).

    Attributes:
        id: The host's customer identifier.
        name: Customer (company or person) name; personal data, never in ``repr``.
        tier: Customer grade for pricing.
        contact: Contact person, if any.
        address: Customer's main address, if any.
        is_new: Whether this is the customer's first order (triggers extra checks).
    """

    id: str
    name: str = attrs.field(repr=False)
    tier: CustomerTier = CustomerTier.REGULAR
    contact: Contact | None = attrs.field(default=None, repr=False)
    address: Address | None = attrs.field(default=None, repr=False)
    is_new: bool = False


@attrs.frozen
class InvoiceInfo:
    """What the customer wants on the invoice (开票信息).

    Attributes:
        kind: None, general (普通发票) or VAT special (增值税专用发票).
        title: Invoice title (发票抬头), usually the buyer's registered name.
        tax_id: Buyer's unified social credit code (统一社会信用代码).
        bank_name: Buyer's bank (开户行), VAT special only.
        bank_account: Buyer's account number (账号), VAT special only.
        registered_address: Buyer's registered address (注册地址), VAT special only.
        registered_phone: Buyer's registered phone (注册电话), VAT special only.
        email: Where to send an electronic invoice.
    """

    kind: InvoiceKind = InvoiceKind.NONE
    title: str | None = attrs.field(default=None, repr=False)
    tax_id: str | None = attrs.field(default=None, repr=False)
    bank_name: str | None = attrs.field(default=None, repr=False)
    bank_account: str | None = attrs.field(default=None, repr=False)
    registered_address: str | None = attrs.field(default=None, repr=False)
    registered_phone: str | None = attrs.field(default=None, repr=False)
    email: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class PaymentTerms:
    """How and when the customer pays.

    Attributes:
        method: Payment method.
        due_days: Days after invoice (or after the month's end, with ``month_end``) until
            payment is due (0: on delivery or prepaid).
        prepayment_percent: Share of the total to be paid before shipment (0-100).
        description: Free-text terms as agreed, e.g. ``月结30天``.
        month_end: Month-end settlement (月结): ``due_days`` are counted from the last
            day of the month the invoice is issued in, not from its issue date
            (``月结30天``: ``month_end=True, due_days=30``).
    """

    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    due_days: int = 0
    prepayment_percent: Decimal = Decimal(0)
    description: str | None = None
    month_end: bool = False


@attrs.frozen
class OrderLine:
    """One product line of an order (订单行).

    The line carries what the customer asked for. Whether the values are
    acceptable (positive quantity, whole pieces, prices under floor...) is decided
    by the validation rules, so a line can hold a value that a rule will refuse.

    Attributes:
        line_id: Identifier of the line, unique within the order.
        sku: Stock keeping unit.
        name: Product name.
        quantity: Ordered quantity (exact Decimal).
        unit: Unit of measure, e.g. ``pcs``, ``kg``, ``箱``.
        unit_price: Manually agreed unit price, or None to take it from the price list.
        specification: Model or specification (规格型号).
        requested_discount: Discount percent the salesperson asked for on this line (0-100).
        tax_code: Tax code for the tax policy, e.g. ``VAT13``; None for the policy default.
        category: Product category, for category promotions and analytics.
        tags: Product tags, for tag promotions.
        conversion_factor: Stock units in one ``unit`` when the line is ordered in
            another unit than the product's stock unit (a box of 12: ``12``), set from a
            [UnitCatalog][salesorder.units.UnitCatalog] when the order is entered; None
            (the default) means ``quantity`` is in the stock unit.
    """

    line_id: str
    sku: str
    name: str
    quantity: Decimal
    unit: str = "pcs"
    unit_price: Money | None = None
    specification: str | None = None
    requested_discount: Decimal | None = None
    tax_code: str | None = None
    category: str | None = None
    tags: frozenset[str] = frozenset()
    conversion_factor: Decimal | None = None

    @property
    def stock_quantity(self) -> Decimal:
        """The quantity in the product's stock unit: ``quantity * conversion_factor``, exact."""
        factor = self.conversion_factor
        if factor is None:
            return self.quantity
        # Exact: bounded quantities times factors of at most 12 digits fit 60 digits.
        return _STOCK_CONTEXT.multiply(self.quantity, factor)


def _order_discount_amount(
    instance: OrderDiscount, _attribute: attrs.Attribute[Money | None], value: Money | None
) -> None:
    if (instance.percent is None) == (value is None):
        raise InvalidOrder(params={"reason": "an order discount needs a percent or an amount"})
    if value is not None and value.amount < 0:
        raise InvalidOrder(params={"reason": "an order discount must not be negative"})
    if instance.percent is not None and not 0 <= instance.percent <= 100:
        raise InvalidOrder(params={"reason": "an order discount percent must be within 0..100"})


@attrs.frozen
class OrderDiscount:
    """A manual discount on the whole order (整单折扣), as the salesperson asked for it.

    Exactly one of ``percent`` and ``amount``. Pricing takes it off after the promotions,
    split over the lines in proportion to what they still cost; beyond the price list's
    ``manual_discount_limit`` (as a percentage of that amount) the breakdown carries the
    flag ``price.order_discount_beyond_policy`` for approval.

    Attributes:
        percent: Percent off the order (0-100).
        amount: Amount off the order, in the order currency.
        reason: Why it was granted, for the approver (free text, never in ``repr``).
    """

    percent: Decimal | None = None
    amount: Money | None = attrs.field(default=None, validator=_order_discount_amount)
    reason: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class LockedPrice:
    """The list unit price a line was priced with, fixed when the line came in.

    A line's price is fixed when the order is entered (or quoted), or when an amendment
    adds the line; every later pricing of the order reads it instead of the price list,
    so a changed price list moves no total of an order already taken. Repricing a line
    is an explicit amendment (``ChangePrice`` back to the list, or to a new agreed price).

    Attributes:
        line_id: The line.
        unit_price: The unit price from the price list at ``at``.
        at: When it was fixed.
    """

    line_id: str
    unit_price: Money
    at: datetime


@attrs.frozen(slots=True)
class Revision:
    """A snapshot of an order's lines at one business revision (改单历史).

    Attributes:
        number: The revision number.
        lines: The lines as they were at this revision.
        at: When this revision came into force.
        actor: Who made it (the creator for revision 1).
        changes: Short codes of the changes that produced it (empty for revision 1).
        requested_delivery_date: The requested delivery date at this revision.
    """

    number: int
    lines: tuple[OrderLine, ...]
    at: datetime | None
    actor: str | None
    changes: tuple[str, ...] = ()
    requested_delivery_date: date | None = None


@attrs.define(eq=False)
class Order:
    """The sales order aggregate (销售订单).

    Equality is identity of the aggregate (same ``id``), not of its contents.

    Attributes:
        id: Internal identifier.
        number: Human-facing order number (e.g. ``SO-202611-000123``), once assigned.
        customer: Customer snapshot.
        currency: ISO 4217 currency of every amount in the order.
        lines: The order lines.
        order_type: Kind of order.
        channel: Where the order came in.
        billing_address: Billing address.
        shipping_address: Delivery address.
        payment_terms: Payment method and terms.
        requested_delivery_date: Date the customer asked for.
        invoice: Invoice request.
        salesperson: Identifier of the salesperson.
        notes: Free-text notes (not shown in ``repr``).
        external_ref: The customer's or channel's reference (PO number).
        revision: Business revision, raised by each applied amendment.
        version: Storage version for optimistic concurrency.
        created_at: When the order was entered.
        status: Lifecycle status; changed only by :mod:`salesorder.lifecycle`.
        held_from: The status an ``on_hold`` order resumes to.
        grand_total: Amount due for the order (tax included), from the price
            breakdown given on submit or amendment; None before.
        line_totals: Gross amount of each line (tax included, after discounts, as
            priced), as ``(line_id, amount)`` pairs set from the price breakdown when
            the order is priced; empty before. Analytics splits sales per product by
            these amounts (by quantity x unit price when empty).
        price_snapshot: The figures the order was last priced at, per line, gift line,
            charge and tax (see [PriceSnapshot][salesorder.records.PriceSnapshot]), set
            with ``grand_total``; invoices and credit notes are sliced from it. None for
            an order never priced, or stored before snapshots were kept (its invoices
            price it again).
        coupons: Coupon codes the customer entered with the order (normalized, in
            entry order); redeemed when the order is entered.
        order_discount: A manual discount on the whole order, if one was granted.
        locked_prices: The list unit prices fixed for the lines when they came in (see
            :class:`LockedPrice`); lines with a manual ``unit_price`` have none.
        exchange_rate: The rate from the price list's currency to the order's, fixed at
            entry when the two differ (see `salesorder.exchange`); None otherwise.
        approval_round: Number of submissions so far (a rejection starts a new round).
        required_approvals: Levels that must sign in the current round, with reason codes.
        approvals: Every approval given, all rounds.
        ledgers: Per-line quantity ledgers; a line without one has all zero quantities.
        shipments: Shipments (发货), in order.
        deliveries: Deliveries (签收), in order.
        invoices: Invoices issued.
        credit_notes: Credit notes issued against invoice documents (红字发票).
        payments: Payments received and refunds paid.
        returns: Return, exchange and repair requests.
        revisions: Snapshots of earlier revisions' lines (改单历史).
        proposed: An amendment of a partly shipped order awaiting approval (改单申请):
            the revision it would make; the order keeps its terms until it is approved.
        audit: One entry per transition (who, when, from, to, event, reason, revision).
        idempotency: ``(key, event, result, fingerprint)`` of commands that carried an
            idempotency key (the fingerprint digests the command's arguments; orders
            stored before it was kept hold ``(key, event, result)``).

    The lifecycle fields default to shared empty tuples, so an order on which nothing
    happened costs only their slots.
    """

    id: str
    customer: Customer
    currency: str
    lines: tuple[OrderLine, ...]
    number: str | None = None
    order_type: OrderType = OrderType.STANDARD
    channel: Channel = Channel.OTHER
    billing_address: Address | None = attrs.field(default=None, repr=False)
    shipping_address: Address | None = attrs.field(default=None, repr=False)
    # Shared default instances (they are frozen): an order on its default terms holds no
    # objects of its own for them, and its stored document leaves them out.
    payment_terms: PaymentTerms = attrs.field(default=PaymentTerms(), repr=False)
    requested_delivery_date: date | None = None
    invoice: InvoiceInfo = attrs.field(default=InvoiceInfo(), repr=False)
    salesperson: str | None = None
    notes: str | None = attrs.field(default=None, repr=False)
    external_ref: str | None = None
    revision: int = 1
    version: int = 0
    created_at: datetime | None = None
    status: Status = attrs.field(default=Status.DRAFT, kw_only=True)
    held_from: Status | None = attrs.field(default=None, kw_only=True)
    grand_total: Money | None = attrs.field(default=None, kw_only=True)
    line_totals: tuple[tuple[str, Money], ...] = attrs.field(default=(), kw_only=True, repr=False)
    price_snapshot: PriceSnapshot | None = attrs.field(default=None, kw_only=True, repr=False)
    coupons: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    order_discount: OrderDiscount | None = attrs.field(default=None, kw_only=True)
    locked_prices: tuple[LockedPrice, ...] = attrs.field(default=(), kw_only=True, repr=False)
    exchange_rate: ExchangeRate | None = attrs.field(default=None, kw_only=True)
    approval_round: int = attrs.field(default=0, kw_only=True)
    required_approvals: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        default=(), kw_only=True
    )
    approvals: tuple[Approval, ...] = attrs.field(default=(), kw_only=True, repr=False)
    ledgers: tuple[LineLedger, ...] = attrs.field(default=(), kw_only=True, repr=False)
    shipments: tuple[Shipment, ...] = attrs.field(default=(), kw_only=True, repr=False)
    deliveries: tuple[Delivery, ...] = attrs.field(default=(), kw_only=True, repr=False)
    invoices: tuple[Invoice, ...] = attrs.field(default=(), kw_only=True, repr=False)
    payments: tuple[Payment, ...] = attrs.field(default=(), kw_only=True, repr=False)
    returns: tuple[ReturnRecord, ...] = attrs.field(default=(), kw_only=True, repr=False)
    revisions: tuple[Revision, ...] = attrs.field(default=(), kw_only=True, repr=False)
    audit: tuple[AuditEntry, ...] = attrs.field(default=(), kw_only=True, repr=False)
    # (key, event, result, fingerprint of the arguments); the 3-tuples of orders stored
    # before fingerprints were kept still read (and are not compared).
    idempotency: tuple[tuple[str, str, object, str] | tuple[str, str, object], ...] = attrs.field(
        default=(), kw_only=True, repr=False
    )
    credit_notes: tuple[CreditNote, ...] = attrs.field(default=(), kw_only=True, repr=False)
    proposed: Revision | None = attrs.field(default=None, kw_only=True, repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Order):
            return NotImplemented
        return self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id)

    def line(self, line_id: str) -> OrderLine:
        """The line with ``line_id``.

        Raises:
            KeyError: if there is no such line.
        """
        for candidate in self.lines:
            if candidate.line_id == line_id:
                return candidate
        raise KeyError(line_id)

    def ledger(self, line_id: str) -> LineLedger:
        """The quantity ledger of ``line_id`` (all zero when nothing happened to it yet)."""
        for candidate in self.ledgers:
            if candidate.line_id == line_id:
                return candidate
        return LineLedger(line_id)

    def quantities_by_sku(self) -> dict[str, Decimal]:
        """Ordered quantity per SKU in stock units, lines of the same SKU added together.

        A line ordered in another unit counts ``quantity * conversion_factor`` (see
        [OrderLine.stock_quantity][salesorder.order.OrderLine]).
        """
        totals: dict[str, Decimal] = {}
        for item in self.lines:
            quantity = item.quantity if item.conversion_factor is None else item.stock_quantity
            totals[item.sku] = totals.get(item.sku, Decimal(0)) + quantity
        return totals
