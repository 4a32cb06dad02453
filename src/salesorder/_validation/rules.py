"""Business rules over the domain order: the rule protocol, rule sets, the built-in rules.

Invariants: a rule sees the domain :class:`~salesorder.order.Order` and a
:class:`ValidationContext` only (the date comes from the context, never from the clock);
a rule whose lookup is missing from the context does not run; rule sets are immutable.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from salesorder._pricing.errors import PRICE_MISSING
from salesorder._validation.report import Issue, Severity
from salesorder.errors import define_code
from salesorder.money import MAX_AMOUNT, Money
from salesorder.order import InvoiceKind, Order, OrderLine, OrderType
from salesorder.ports import CreditLimit as CreditStatus
from salesorder.schema import DEFAULT_LIMITS, Limits
from salesorder.tax_id import is_valid_uscc
from salesorder.units import UnitCatalog

__all__ = [
    "DEFAULT_PIECE_UNITS",
    "CreditPolicy",
    "CreditStatus",
    "FunctionRule",
    "Rule",
    "RuleSet",
    "StockPolicy",
    "ValidationContext",
    "default_rules",
    "rule",
]


class CreditPolicy(enum.StrEnum):
    """What an order over the customer's credit limit means."""

    REJECT = "reject"
    REQUIRE_APPROVAL = "require_approval"


class StockPolicy(enum.StrEnum):
    """What a line that stock cannot cover means."""

    WARN_BACKORDER = "warn_backorder"
    REJECT = "reject"


# -- codes ----------------------------------------------------------------------------------

LINES_EMPTY = define_code("order.lines.empty", en="The order has no lines.")
LINE_ID_DUPLICATE = define_code(
    "line.id.duplicate",
    en="Line id {line_id} is used by more than one line.",
)
QUANTITY_NOT_POSITIVE = define_code(
    "line.quantity.not_positive",
    en="The quantity must be greater than zero.",
)
QUANTITY_NOT_WHOLE = define_code(
    "line.quantity.not_whole",
    en="Unit {unit} is counted in whole pieces; the quantity must be a whole number.",
)
PRICE_NEGATIVE = define_code("line.price.negative", en="The unit price must not be negative.")
PRICE_ZERO = define_code(
    "line.price.zero",
    en="A zero unit price is allowed only on sample and exchange orders.",
)
CURRENCY_MISMATCH = define_code(
    "line.currency.mismatch",
    en="The line is priced in {line_currency}, the order in {currency}.",
)
SKU_DUPLICATE = define_code(
    "line.sku.duplicate",
    en="SKU {sku} appears on more than one line.",
)
DELIVERY_PAST = define_code(
    "order.delivery_date.in_past",
    en="The requested delivery date is before {today}.",
)
SAMPLE_QUANTITY = define_code(
    "sample.quantity.exceeds",
    en="A sample line may have at most {max} units.",
)
NEW_CUSTOMER_PHONE = define_code(
    "new_customer.phone.missing",
    en="A new customer's order needs a contact phone.",
)
INVOICE_FIELD_MISSING = define_code(
    "invoice.field.missing",
    en="The {kind} invoice needs the field {field}.",
)
TAX_ID_INVALID = define_code(
    "invoice.tax_id.invalid",
    en="The tax id is not a valid unified social credit code.",
)
PHONE_INVALID = define_code(
    "phone.invalid",
    en="Not a valid mainland China phone or mobile number.",
)
EMAIL_INVALID = define_code("email.invalid", en="Not a valid e-mail address.")
CREDIT_EXCEEDED = define_code(
    "credit.limit_exceeded",
    en="Exposure {exposure} plus this order {order_value} exceeds the credit limit {limit}.",
)
CREDIT_CURRENCY = define_code(
    "credit.currency_mismatch",
    en="The credit limit is kept in {limit_currency}, the order is in {currency}; not checked.",
)
STOCK_BACKORDER = define_code(
    "stock.backorder",
    en="SKU {sku}: {requested} requested, {available} available; the rest will be backordered.",
)
STOCK_SHORT = define_code(
    "stock.short",
    en="SKU {sku}: {requested} requested, only {available} available.",
)
LINE_AMOUNT_OUT_OF_RANGE = define_code(
    "line.amount.out_of_range",
    en="Quantity times unit price must stay below {max}.",
)
ORDER_AMOUNT_OUT_OF_RANGE = define_code(
    "order.amount.out_of_range",
    en="The lines of the order add up to {max} or more; split the order.",
)
PRICE_BELOW_FLOOR = define_code(
    "price.below_floor",
    en="The unit price is below the floor price {floor}; approval is needed.",
)


# -- context --------------------------------------------------------------------------------


#: Units counted in whole pieces by default.
DEFAULT_PIECE_UNITS: Final = frozenset(
    {"pcs", "pc", "piece", "pieces", "unit", "units", "ea", "box", "set"}
    | set("件个台箱套只把张支本瓶包")
)


@attrs.frozen(kw_only=True)
class ValidationContext:
    """What the rules need from the host: the date, limits, policies and lookups.

    Every lookup is optional; a rule whose lookup is missing does not run.

    Attributes:
        today: The business date; None skips the delivery-date rule.
        limits: Payload limits.
        credit: ``customer_id -> CreditStatus | None``.
        credit_policy: What exceeding the credit limit means.
        availability: ``sku -> available quantity | None``.
        availability_many: ``skus -> {sku: available quantity | None}``: when given,
            the stock rule asks it once for every SKU of the order (one statement on
            SQL) instead of ``availability`` per SKU; a SKU missing from its answer is
            not checked.
        stock_policy: What a stock shortfall means.
        owed: ``order -> grand total | None``: what the customer will owe for the order
            (after discounts, promotions and tax, charges included). When given, the
            credit rule checks it; without it (or when it returns None) the rule falls
            back to unit price x quantity.
        exposure: ``order -> the customer's exposure | None``, without this order: used
            by the credit rule when the credit lookup gives no exposure (the service
            passes the customer's outstanding receivables from its own orders).
        list_price: ``(order, line) -> price-list unit price | None``; when given, a line
            with neither a manual price nor a list price is an error (``price.missing``).
        price_floor: ``(order, line) -> floor unit price | None``; a unit price under it
            needs approval.
        piece_units: Units that must be ordered in whole numbers.
        sample_max_quantity: Most units of one line on a sample order.
        units: Units of measure by product: each line ordered in another unit than its
            product's stock unit gets its conversion factor from it (an unknown unit is
            ``line.unit.unknown``); None (the default): a line's unit is a label.
    """

    today: date | None = None
    limits: Limits = DEFAULT_LIMITS
    credit: Callable[[str], CreditStatus | None] | None = None
    credit_policy: CreditPolicy = CreditPolicy.REQUIRE_APPROVAL
    availability: Callable[[str], Decimal | None] | None = None
    availability_many: Callable[[Sequence[str]], Mapping[str, Decimal | None]] | None = None
    stock_policy: StockPolicy = StockPolicy.WARN_BACKORDER
    owed: Callable[[Order], Money | None] | None = None
    exposure: Callable[[Order], Money | None] | None = None
    list_price: Callable[[Order, OrderLine], Money | None] | None = None
    price_floor: Callable[[Order, OrderLine], Money | None] | None = None
    piece_units: frozenset[str] = attrs.field(default=DEFAULT_PIECE_UNITS, converter=frozenset)
    sample_max_quantity: Decimal = attrs.field(default=Decimal(10), converter=Decimal)
    units: UnitCatalog | None = None


# -- rules ----------------------------------------------------------------------------------


@runtime_checkable
class Rule(Protocol):
    """A business rule: looks at an order and yields issues.

    Attributes:
        code: The rule's name, unique in a :class:`RuleSet` (usually its main issue code).
    """

    @property
    def code(self) -> str:
        """The rule's name."""
        ...

    def __call__(self, order: Order, context: ValidationContext) -> Iterable[Issue]:
        """Yield the issues this rule finds in ``order``."""
        ...


@attrs.frozen
class FunctionRule:
    """A :class:`Rule` made from a plain function.

    Attributes:
        code: The rule's name.
        check: ``(order, context) -> iterable of Issue``.
        description: One line saying what the rule checks.
    """

    code: str
    check: Callable[[Order, ValidationContext], Iterable[Issue]] = attrs.field(repr=False)
    description: str = ""

    def __call__(self, order: Order, context: ValidationContext) -> Iterable[Issue]:
        """Run the check."""
        return self.check(order, context)


def rule(
    code: str, *, description: str = ""
) -> Callable[[Callable[[Order, ValidationContext], Iterable[Issue]]], FunctionRule]:
    """Decorator turning a function into a :class:`FunctionRule` named ``code``.

    Args:
        code: The rule's name.
        description: One line saying what it checks.

    Returns:
        The decorator.
    """

    def wrap(check: Callable[[Order, ValidationContext], Iterable[Issue]]) -> FunctionRule:
        return FunctionRule(code, check, description or (check.__doc__ or "").strip())

    return wrap


def _frozen_severities(severities: Mapping[str, Severity] | None) -> Mapping[str, Severity]:
    return MappingProxyType(dict(severities or {}))


@attrs.frozen
class RuleSet:
    """An ordered set of rules, some disabled, some codes re-graded.

    Every method returns a new rule set; the original is unchanged.

    Attributes:
        rules: The rules, run in this order.
        disabled: Names of rules that do not run.
        severities: Severity overrides by issue code.
    """

    rules: tuple[Rule, ...] = ()
    disabled: frozenset[str] = frozenset()
    severities: Mapping[str, Severity] = attrs.field(
        factory=dict, converter=_frozen_severities, eq=False, hash=False
    )

    @property
    def names(self) -> tuple[str, ...]:
        """The names of all rules, enabled or not."""
        return tuple(item.code for item in self.rules)

    def _known(self, name: str) -> None:
        if name not in self.names:
            msg = f"no rule named {name!r}"
            raise KeyError(msg)

    def disable(self, *names: str) -> RuleSet:
        """Stop rules from running.

        Raises:
            KeyError: for a name that is not in the set.
        """
        for name in names:
            self._known(name)
        return attrs.evolve(self, disabled=self.disabled | set(names))

    def enable(self, *names: str) -> RuleSet:
        """Run rules again that were disabled.

        Raises:
            KeyError: for a name that is not in the set.
        """
        for name in names:
            self._known(name)
        return attrs.evolve(self, disabled=self.disabled - set(names))

    def regrade(self, code: str, severity: Severity) -> RuleSet:
        """Report issues of ``code`` with ``severity`` (e.g. an error as a warning)."""
        return attrs.evolve(self, severities={**self.severities, code: severity})

    def add(self, *rules: Rule) -> RuleSet:
        """Append user rules.

        Raises:
            ValueError: if a rule's name is already in the set.
        """
        names = set(self.names)
        for item in rules:
            if item.code in names:
                msg = f"a rule named {item.code!r} is already in the set"
                raise ValueError(msg)
            names.add(item.code)
        return attrs.evolve(self, rules=(*self.rules, *rules))

    def run(self, order: Order, context: ValidationContext) -> tuple[Issue, ...]:
        """Run every enabled rule on ``order`` and apply the severity overrides."""
        found: list[Issue] = []
        overrides = self.severities
        for item in self.rules:
            if item.code in self.disabled:
                continue
            for issue in item(order, context):
                severity = overrides.get(issue.code)
                if severity is not None and severity is not issue.severity:
                    issue = attrs.evolve(issue, severity=severity)  # noqa: PLW2901
                found.append(issue)
        return tuple(found)


def _issue(code: str, path: str, severity: Severity = Severity.ERROR, **params: Any) -> Issue:
    return Issue(code, path, severity, params)


@rule("order.lines.empty", description="An order has at least one line.")
def _lines_not_empty(order: Order, context: ValidationContext) -> Iterator[Issue]:
    if not order.lines:
        yield _issue(LINES_EMPTY, "/lines")


@rule("line.id.duplicate", description="Line ids are unique within the order.")
def _line_ids_unique(order: Order, context: ValidationContext) -> Iterator[Issue]:
    seen: set[str] = set()
    for index, line in enumerate(order.lines):
        if line.line_id in seen:
            yield _issue(LINE_ID_DUPLICATE, f"/lines/{index}/line_id", line_id=line.line_id)
        seen.add(line.line_id)


@rule("line.quantity", description="Quantities are positive, whole for piece units.")
def _quantities(order: Order, context: ValidationContext) -> Iterator[Issue]:
    pieces = context.piece_units
    for index, line in enumerate(order.lines):
        quantity = line.quantity
        if quantity <= 0:
            yield _issue(QUANTITY_NOT_POSITIVE, f"/lines/{index}/quantity")
        elif line.unit in pieces and quantity != quantity.to_integral_value():
            yield _issue(QUANTITY_NOT_WHOLE, f"/lines/{index}/quantity", unit=line.unit)


@rule("line.price", description="Unit prices are not negative; zero only on sample/exchange.")
def _prices(order: Order, context: ValidationContext) -> Iterator[Issue]:
    free_allowed = order.order_type in (OrderType.SAMPLE, OrderType.EXCHANGE)
    for index, line in enumerate(order.lines):
        price = line.unit_price
        if price is None:
            continue
        if price.amount < 0:
            yield _issue(PRICE_NEGATIVE, f"/lines/{index}/unit_price")
        elif not price.amount and not free_allowed:
            yield _issue(PRICE_ZERO, f"/lines/{index}/unit_price")


@rule(
    "order.amount",
    description="Every line amount and their sum stay below the largest amount money holds.",
)
def _amounts_in_range(order: Order, context: ValidationContext) -> Iterator[Issue]:
    # Money refuses an amount of MAX_AMOUNT or more (no store could read it back), so an
    # order whose lines reach it could never be priced or stored: say so at the gate.
    # Tax can still lift a total just under the limit over it; pricing then refuses the
    # order with money.invalid_amount before anything is written.
    limit = f"{MAX_AMOUNT:,}"
    total = Decimal(0)
    for index, line in enumerate(order.lines):
        price = line.unit_price
        if price is None:
            continue
        amount = line.quantity.copy_abs() * price.amount.copy_abs()
        if amount >= MAX_AMOUNT:
            yield _issue(LINE_AMOUNT_OUT_OF_RANGE, f"/lines/{index}", max=limit)
        total += amount
    if total >= MAX_AMOUNT:
        yield _issue(ORDER_AMOUNT_OUT_OF_RANGE, "/lines", max=limit)


@rule("line.currency.mismatch", description="Every line is priced in the order currency.")
def _one_currency(order: Order, context: ValidationContext) -> Iterator[Issue]:
    currency = order.currency
    for index, line in enumerate(order.lines):
        price = line.unit_price
        if price is not None and price.currency != currency:
            yield _issue(
                CURRENCY_MISMATCH,
                f"/lines/{index}/currency",
                line_currency=price.currency,
                currency=currency,
            )


@rule("line.sku.duplicate", description="The same SKU on several lines is worth a look.")
def _duplicate_skus(order: Order, context: ValidationContext) -> Iterator[Issue]:
    seen: set[str] = set()
    for index, line in enumerate(order.lines):
        if line.sku in seen:
            yield _issue(SKU_DUPLICATE, f"/lines/{index}/sku", Severity.WARNING, sku=line.sku)
        seen.add(line.sku)


@rule("order.delivery_date.in_past", description="Delivery is not requested before today.")
def _delivery_date(order: Order, context: ValidationContext) -> Iterator[Issue]:
    requested = order.requested_delivery_date
    today = context.today
    if requested is not None and today is not None and requested < today:
        yield _issue(DELIVERY_PAST, "/requested_delivery_date", today=today.isoformat())


@rule("sample.quantity.exceeds", description="Sample lines stay under the sample cap.")
def _sample_quantities(order: Order, context: ValidationContext) -> Iterator[Issue]:
    if order.order_type is not OrderType.SAMPLE:
        return
    cap = context.sample_max_quantity
    for index, line in enumerate(order.lines):
        if line.quantity > cap:
            yield _issue(SAMPLE_QUANTITY, f"/lines/{index}/quantity", max=str(cap))


@rule("new_customer.phone.missing", description="A new customer gives a contact phone.")
def _new_customer_phone(order: Order, context: ValidationContext) -> Iterator[Issue]:
    customer = order.customer
    if order.order_type is OrderType.NEW_CUSTOMER or customer.is_new:
        contact = customer.contact
        if contact is None or not contact.phone:
            yield _issue(NEW_CUSTOMER_PHONE, "/customer/contact/phone")


_VAT_FIELDS: Final = (
    "title",
    "tax_id",
    "bank_name",
    "bank_account",
    "registered_address",
    "registered_phone",
)


@rule("invoice", description="Invoice fields are complete; the tax id is a valid USCC.")
def _invoice(order: Order, context: ValidationContext) -> Iterator[Issue]:
    invoice = order.invoice
    kind = invoice.kind
    if kind is InvoiceKind.NONE:
        return
    required = _VAT_FIELDS if kind is InvoiceKind.VAT_SPECIAL else ("title",)
    for name in required:
        value = getattr(invoice, name)
        if value is None or not value.strip():
            yield _issue(INVOICE_FIELD_MISSING, f"/invoice/{name}", kind=kind.value, field=name)
    tax_id = invoice.tax_id
    if tax_id and tax_id.strip() and not is_valid_uscc(tax_id.strip().upper()):
        yield _issue(TAX_ID_INVALID, "/invoice/tax_id")


# Mainland numbers: mobile 1[3-9]xxxxxxxxx; landline 0 + 2-3 digit area code + 7-8 digits
# (optional extension); 400/800 service numbers. Separators and a +86 prefix are allowed.
_CN_PHONE: Final = re.compile(r"(?:\+?86)?(?:1[3-9]\d{9}|0\d{2,3}\d{7,8}(?:\d{1,6})?|[48]00\d{7})")
_PHONE_SEPARATORS: Final = str.maketrans("", "", " -()")
_EMAIL: Final = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}"
)


def _cn_phone_ok(phone: str) -> bool:
    if not phone.strip():
        return True  # blank: a missing phone is reported by the rules that need one
    return _CN_PHONE.fullmatch(phone.translate(_PHONE_SEPARATORS)) is not None


def _in_china(order: Order) -> bool:
    customer_address = order.customer.address
    return any(
        address is not None and address.country == "CN"
        for address in (customer_address, order.billing_address, order.shipping_address)
    )


@rule("phone.invalid", description="Phones are mainland formats when the address is in CN.")
def _phones(order: Order, context: ValidationContext) -> Iterator[Issue]:
    customer = order.customer
    if _in_china(order):
        contact = customer.contact
        if contact is not None and contact.phone and not _cn_phone_ok(contact.phone):
            yield _issue(PHONE_INVALID, "/customer/contact/phone")
    for path, address in (
        ("/customer/address", customer.address),
        ("/billing_address", order.billing_address),
        ("/shipping_address", order.shipping_address),
    ):
        if (
            address is not None
            and address.country == "CN"
            and address.phone
            and not _cn_phone_ok(address.phone)
        ):
            yield _issue(PHONE_INVALID, f"{path}/phone")
    invoice = order.invoice
    if (
        invoice.kind is InvoiceKind.VAT_SPECIAL
        and invoice.registered_phone
        and not _cn_phone_ok(invoice.registered_phone)
    ):
        yield _issue(PHONE_INVALID, "/invoice/registered_phone")


@rule("email.invalid", description="E-mail addresses have a valid syntax.")
def _emails(order: Order, context: ValidationContext) -> Iterator[Issue]:
    contact = order.customer.contact
    if contact is not None and contact.email and not _EMAIL.fullmatch(contact.email):
        yield _issue(EMAIL_INVALID, "/customer/contact/email")
    email = order.invoice.email
    if email and not _EMAIL.fullmatch(email):
        yield _issue(EMAIL_INVALID, "/invoice/email")


def _unit_prices(order: Order, context: ValidationContext) -> Iterator[tuple[int, Money | None]]:
    lookup = context.list_price
    for index, line in enumerate(order.lines):
        price = line.unit_price
        if price is None and lookup is not None:
            price = lookup(order, line)
        yield index, price


@rule("price.missing", description="Every line has a manual or a list price (with a list).")
def _price_missing(order: Order, context: ValidationContext) -> Iterator[Issue]:
    if context.list_price is None:
        return
    for index, price in _unit_prices(order, context):
        if price is None:
            line = order.lines[index]
            yield _issue(
                PRICE_MISSING,
                f"/lines/{index}/unit_price",
                sku=line.sku,
                line_id=line.line_id,
            )


@rule("price.below_floor", description="A unit price under the floor needs approval.")
def _price_floor(order: Order, context: ValidationContext) -> Iterator[Issue]:
    floor_of = context.price_floor
    if floor_of is None:
        return
    for index, line in enumerate(order.lines):
        price = line.unit_price
        if price is None:
            continue
        floor = floor_of(order, line)
        if floor is not None and floor.currency == price.currency and price < floor:
            yield _issue(
                PRICE_BELOW_FLOOR,
                f"/lines/{index}/unit_price",
                Severity.APPROVAL,
                floor=str(floor.amount),
                currency=floor.currency,
            )


@rule("credit.limit_exceeded", description="Exposure plus this order stays within the limit.")
def _credit(order: Order, context: ValidationContext) -> Iterator[Issue]:
    lookup = context.credit
    if lookup is None:
        return
    status = lookup(order.customer.id)
    if status is None:
        return
    currency = order.currency
    exposure = status.exposure
    if exposure is None:
        # No figure from the host: the library's own outstanding receivables, if known.
        found = context.exposure(order) if context.exposure is not None else None
        exposure = found if found is not None else Money.zero(currency)
    if status.limit.currency != currency or exposure.currency != currency:
        yield _issue(
            CREDIT_CURRENCY,
            "/customer/id",
            Severity.WARNING,
            limit_currency=status.limit.currency,
            currency=currency,
        )
        return
    value = _order_value(order, context)
    if exposure + value > status.limit:
        severity = (
            Severity.ERROR if context.credit_policy is CreditPolicy.REJECT else Severity.APPROVAL
        )
        yield _issue(
            CREDIT_EXCEEDED,
            "/customer/id",
            severity,
            exposure=str(exposure.amount),
            order_value=str(value.quantize().amount),
            limit=str(status.limit.amount),
            currency=currency,
        )


def _order_value(order: Order, context: ValidationContext) -> Money:
    # The grand total the customer will owe when the host can price the order; else the
    # best figure the rules can see alone (it leaves out discounts, tax and charges).
    currency = order.currency
    owed = None if context.owed is None else context.owed(order)
    if owed is not None and owed.currency == currency:
        return owed
    value = Money.zero(currency)
    for index, price in _unit_prices(order, context):
        if price is not None and price.currency == currency:
            value = value + price * order.lines[index].quantity
    return value


@rule("stock", description="Stock covers every SKU (else backorder warning or error).")
def _stock(order: Order, context: ValidationContext) -> Iterator[Issue]:
    lookup = context.availability
    many = context.availability_many
    if lookup is None and many is None:
        return
    first_index: dict[str, int] = {}
    for index, line in enumerate(order.lines):
        first_index.setdefault(line.sku, index)
    reject = context.stock_policy is StockPolicy.REJECT
    requests = order.quantities_by_sku()
    known = None if many is None else many(tuple(requests))
    for sku, requested in requests.items():
        available = known.get(sku) if known is not None else None if lookup is None else lookup(sku)
        if available is None or requested <= available:
            continue
        yield _issue(
            STOCK_SHORT if reject else STOCK_BACKORDER,
            f"/lines/{first_index[sku]}/quantity",
            Severity.ERROR if reject else Severity.WARNING,
            sku=sku,
            requested=str(requested),
            available=str(available),
        )


_BUILT_IN: Final[tuple[Rule, ...]] = (
    _lines_not_empty,
    _line_ids_unique,
    _quantities,
    _prices,
    _amounts_in_range,
    _one_currency,
    _duplicate_skus,
    _delivery_date,
    _sample_quantities,
    _new_customer_phone,
    _invoice,
    _phones,
    _emails,
    _price_missing,
    _price_floor,
    _credit,
    _stock,
)


def default_rules() -> RuleSet:
    """The built-in rules, all enabled, with their default severities.

    Names: ``order.lines.empty``, ``line.id.duplicate``, ``line.quantity``, ``line.price``,
    ``order.amount``, ``line.currency.mismatch``, ``line.sku.duplicate``,
    ``order.delivery_date.in_past``,
    ``sample.quantity.exceeds``, ``new_customer.phone.missing``, ``invoice``,
    ``phone.invalid``, ``email.invalid``, ``price.missing``, ``price.below_floor``,
    ``credit.limit_exceeded``, ``stock``.
    """
    return _DEFAULT_RULES


_DEFAULT_RULES: Final = RuleSet(_BUILT_IN)
