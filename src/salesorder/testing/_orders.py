"""Hypothesis strategies for order payloads: valid drafts, one-defect payloads, tax ids.

Every payload is a dict of JSON values (amounts as strings) as a client would send
it. ``order_drafts()`` payloads validate clean (no issue at all) under
:func:`~salesorder.validation.default_rules` with :data:`DRAFT_CONTEXT`, the fixed
context these strategies assume: ``today`` is :data:`DRAFT_TODAY`, no lookups,
default limits and policies. ``defective_payloads()`` pairs a payload carrying exactly
one known defect with the issue code that defect must produce.

All personal data is fictitious and generated.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from hypothesis import strategies as st

from salesorder.order import Channel, CustomerTier, OrderType, PaymentMethod
from salesorder.tax_id import USCC_ALPHABET, USCC_CATEGORIES, make_uscc
from salesorder.validation import ValidationContext

__all__ = [
    "DRAFT_CONTEXT",
    "DRAFT_TODAY",
    "defective_payloads",
    "order_drafts",
    "order_lines",
    "unified_social_credit_codes",
]

#: The business date the draft strategies assume.
DRAFT_TODAY: Final = date(2026, 1, 5)
#: The context under which every ``order_drafts()`` payload validates clean.
DRAFT_CONTEXT: Final = ValidationContext(today=DRAFT_TODAY)

_DRAFT_CURRENCIES: Final = ("CNY", "USD", "EUR", "JPY", "HKD", "KWD")
_PIECE_UNITS: Final = ("pcs", "件", "箱", "套")
_OTHER_UNITS: Final = ("kg", "m", "L")
_WORDS: Final = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz", min_size=3)


def unified_social_credit_codes() -> st.SearchStrategy[str]:
    """Valid unified social credit codes: the standard's structure, both check characters."""
    symbol = st.sampled_from(USCC_ALPHABET)
    head = st.sampled_from(
        sorted(
            authority + category
            for authority, categories in USCC_CATEGORIES.items()
            for category in categories
        )
    )
    province = st.sampled_from(["11", "31", "44", "50", "65", "81", "10"])
    return st.builds(
        lambda head, province, county, body: make_uscc(head + province + county + body),
        head,
        province,
        st.text(alphabet=st.sampled_from("0123456789"), min_size=4, max_size=4),
        st.text(alphabet=symbol, min_size=8, max_size=8),
    )


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=count, max_size=count)


def _mobiles() -> st.SearchStrategy[str]:
    return st.builds(
        lambda second, rest: f"1{second}{rest}",
        st.sampled_from("3456789"),
        st.text(alphabet="0123456789", min_size=9, max_size=9),
    )


def _quantities(unit: str) -> st.SearchStrategy[str]:
    if unit in _PIECE_UNITS:
        return st.integers(min_value=1, max_value=500).map(str)
    return st.decimals(
        min_value=Decimal("0.001"), max_value=Decimal(1000), places=3, allow_nan=False
    ).map(str)


@st.composite
def _line(
    draw: st.DrawFn, *, max_quantity: int | None = None, free: bool = False
) -> dict[str, Any]:
    unit = draw(st.sampled_from(_PIECE_UNITS + _OTHER_UNITS))
    if max_quantity is not None:
        unit = draw(st.sampled_from(_PIECE_UNITS))
        quantity = str(draw(st.integers(min_value=1, max_value=max_quantity)))
    else:
        quantity = draw(_quantities(unit))
    low = Decimal(0) if free else Decimal("0.01")
    price = draw(st.decimals(min_value=low, max_value=Decimal(99999), places=2, allow_nan=False))
    line: dict[str, Any] = {
        "sku": "SKU-" + draw(_WORDS).upper()[:12],
        "name": draw(_WORDS),
        "quantity": quantity,
        "unit": unit,
        "unit_price": str(price),
    }
    if draw(st.booleans()):
        line["specification"] = draw(_WORDS)
    if draw(st.booleans()):
        line["tax_code"] = draw(st.sampled_from(("VAT13", "VAT9", "VAT6", "VAT0")))
    if draw(st.booleans()):
        line["category"] = draw(st.sampled_from(("tea", "tableware", "bearing", "oil")))
        line["tags"] = draw(st.lists(st.sampled_from(("gift", "new", "promo")), unique=True))
    if draw(st.booleans()):
        line["requested_discount"] = str(draw(st.integers(min_value=0, max_value=30)))
    return line


def order_lines() -> st.SearchStrategy[dict[str, Any]]:
    """Line payloads valid for a standard order: positive quantity and price, as strings."""
    return _line()


@st.composite
def _address(draw: st.DrawFn) -> dict[str, Any]:
    address: dict[str, Any] = {
        "country": "CN",
        "province": draw(st.sampled_from(("广东省", "浙江省", "上海市", "北京市"))),
        "city": draw(st.sampled_from(("深圳市", "杭州市", "上海市", "北京市"))),
        "street": "示例路 " + draw(_WORDS),
    }
    if draw(st.booleans()):
        address["recipient"] = "Recipient " + draw(_WORDS)
        address["phone"] = draw(_mobiles())
    return address


@st.composite
def _invoice(draw: st.DrawFn, title: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(("none", "general", "vat_special")))
    if kind == "none":
        return {"kind": "none"}
    invoice: dict[str, Any] = {"kind": kind, "title": title}
    if kind == "general" and draw(st.booleans()):
        invoice["tax_id"] = draw(unified_social_credit_codes())
    if kind == "vat_special":
        invoice |= {
            "tax_id": draw(unified_social_credit_codes()),
            "bank_name": "Example Bank " + draw(_WORDS),
            "bank_account": draw(st.text(alphabet="0123456789", min_size=12, max_size=19)),
            "registered_address": "示例大道 " + draw(_WORDS),
            "registered_phone": "021-"
            + draw(st.text(alphabet="0123456789", min_size=8, max_size=8)),
        }
    return invoice


@st.composite
def _draft(draw: st.DrawFn) -> dict[str, Any]:
    order_type = draw(st.sampled_from(tuple(OrderType)))
    sample = order_type is OrderType.SAMPLE
    count = draw(st.integers(min_value=1, max_value=5))
    lines = []
    for index in range(count):
        line = draw(_line(max_quantity=10 if sample else None, free=sample))
        line["sku"] = f"{line['sku']}-{index}"  # distinct SKUs: duplicates are warnings
        line["line_id"] = str(index + 1)
        lines.append(line)
    name = "Customer " + draw(_WORDS)
    payload: dict[str, Any] = {
        "customer": {
            "id": "C-" + draw(st.text(alphabet="0123456789", min_size=3, max_size=8)),
            "name": name,
            "tier": draw(st.sampled_from(tuple(CustomerTier))).value,
            "contact": {
                "name": "Contact " + draw(_WORDS),
                "phone": draw(_mobiles()),
                "email": draw(_WORDS).lower() + "@example.com",
            },
            "address": draw(_address()),
            "is_new": order_type is OrderType.NEW_CUSTOMER,
        },
        "currency": draw(st.sampled_from(_DRAFT_CURRENCIES)),
        "order_type": order_type.value,
        "channel": draw(st.sampled_from(tuple(Channel))).value,
        "lines": lines,
        "payment_terms": {
            "method": draw(st.sampled_from(tuple(PaymentMethod))).value,
            "due_days": draw(st.integers(min_value=0, max_value=90)),
            "prepayment_percent": str(draw(st.integers(min_value=0, max_value=100))),
            "month_end": draw(st.booleans()),
        },
        "invoice": draw(_invoice(name)),
    }
    if draw(st.booleans()):
        payload["requested_delivery_date"] = (
            DRAFT_TODAY + timedelta(days=draw(st.integers(min_value=0, max_value=365)))
        ).isoformat()
    if draw(st.booleans()):
        payload["shipping_address"] = draw(_address())
    if draw(st.booleans()):
        payload["number"] = "SO-" + draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    if draw(st.booleans()):
        payload["notes"] = draw(_WORDS)
    return payload


def order_drafts() -> st.SearchStrategy[dict[str, Any]]:
    """Order payload dicts that validate clean under :data:`DRAFT_CONTEXT`."""
    return _draft()


Defect = Callable[[dict[str, Any]], str]


def _set(path: tuple[str | int, ...], value: Any, code: str) -> Defect:
    def apply(payload: dict[str, Any]) -> str:
        target: Any = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return code

    return apply


def _drop(path: tuple[str | int, ...], code: str) -> Defect:
    def apply(payload: dict[str, Any]) -> str:
        target: Any = payload
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return code

    return apply


def _duplicate_line_id(payload: dict[str, Any]) -> str:
    payload["lines"].append({**payload["lines"][0], "sku": "SKU-DUPLICATE-ID"})
    return "line.id.duplicate"


def _not_whole(payload: dict[str, Any]) -> str:
    payload["lines"][0] |= {"unit": "件", "quantity": "1.5"}
    return "line.quantity.not_whole"


def _bad_tax_id(payload: dict[str, Any]) -> str:
    code = make_uscc("91310115MA1H7Q5R")
    payload["invoice"] = {
        "kind": "vat_special",
        "title": "Title",
        "tax_id": code[:-1] + ("0" if code[-1] != "0" else "1"),
        "bank_name": "Example Bank",
        "bank_account": "6222000000000000",
        "registered_address": "示例大道 1 号",
        "registered_phone": "021-55550000",
    }
    return "invoice.tax_id.invalid"


def _vat_incomplete(payload: dict[str, Any]) -> str:
    payload["invoice"] = {"kind": "vat_special", "title": "Title"}
    return "invoice.field.missing"


def _new_customer_without_phone(payload: dict[str, Any]) -> str:
    payload["order_type"] = "new_customer"
    payload["customer"]["is_new"] = True
    del payload["customer"]["contact"]["phone"]
    return "new_customer.phone.missing"


def _other_line_currency(payload: dict[str, Any]) -> str:
    payload["lines"][0]["currency"] = "GBP"
    return "line.currency.mismatch"


def _sample_too_many(payload: dict[str, Any]) -> str:
    payload["order_type"] = "sample"
    payload["customer"]["is_new"] = False
    payload["lines"][0] |= {"unit": "件", "quantity": "11"}
    return "sample.quantity.exceeds"


def _zero_price(payload: dict[str, Any]) -> str:
    payload["order_type"] = "standard"
    payload["customer"]["is_new"] = False
    payload["lines"][0]["unit_price"] = "0"
    return "line.price.zero"


_DEFECTS: Final[tuple[Defect, ...]] = (
    _drop(("customer",), "field.missing"),
    _drop(("lines", 0, "quantity"), "field.missing"),
    _set(("discount",), "10", "field.extra_forbidden"),
    _set(("lines", 0, "colour"), "red", "field.extra_forbidden"),
    _set(("customer", "is_new"), "yes", "field.type"),
    _set(("lines", 0, "sku"), 42, "field.type"),
    _set(("customer", "name"), "", "field.empty"),
    _set(("customer", "name"), "x" * 201, "field.too_long"),
    _set(("customer", "tier"), "gold", "field.invalid_choice"),
    _set(("customer", "address", "country"), "china", "field.format"),
    _set(("payment_terms", "due_days"), -1, "field.out_of_range"),
    _set(("requested_delivery_date",), "2026-13-01", "date.invalid"),
    _set(("lines", 0, "quantity"), 1.5, "decimal.float_refused"),
    _set(("lines", 0, "quantity"), "lots", "decimal.invalid"),
    _set(("lines", 0, "unit_price"), "NaN", "decimal.invalid"),
    _set(("lines", 0, "unit_price"), "1e20", "decimal.out_of_range"),
    _set(("lines", 0, "unit_price"), "0.0000000000001", "decimal.too_precise"),
    _set(("lines", 0, "quantity"), "10000000000", "quantity.out_of_range"),
    _set(("lines", 0, "requested_discount"), "150", "percent.out_of_range"),
    _set(("currency",), "QQQ", "currency.unknown"),
    _set(("lines",), [], "order.lines.empty"),
    _duplicate_line_id,
    _set(("lines", 0, "quantity"), "0", "line.quantity.not_positive"),
    _not_whole,
    _set(("lines", 0, "unit_price"), "-1", "line.price.negative"),
    _zero_price,
    _other_line_currency,
    _set(("requested_delivery_date",), "2026-01-04", "order.delivery_date.in_past"),
    _sample_too_many,
    _new_customer_without_phone,
    _vat_incomplete,
    _bad_tax_id,
    _set(("customer", "contact", "phone"), "12345", "phone.invalid"),
    _set(("customer", "contact", "email"), "not-an-address", "email.invalid"),
)


def defective_payloads() -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """Pairs of (payload with exactly one known defect, the issue code it must produce)."""

    def spoil(payload: dict[str, Any], defect: Defect) -> tuple[dict[str, Any], str]:
        spoiled = copy.deepcopy(payload)
        return spoiled, defect(spoiled)

    return st.builds(spoil, order_drafts(), st.sampled_from(_DEFECTS))
