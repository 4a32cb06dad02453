"""Which column holds which order field: the fields, the shipped headers, the mapping.

A field is named by its place in the order draft, dotted (``customer.id``,
``line.quantity``); ``order_key`` is the column that groups rows into orders.

Invariants: headers are matched after one normalisation (:func:`normalise_header`),
never by their raw text; a mapping gives each normalised header to at most one field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Final

import attrs

from salesorder._intake.codes import (
    COLUMN_DUPLICATE,
    COLUMN_MISSING,
    COLUMN_UNMAPPED,
    INTAKE_OPTION_INVALID,
    MAPPING_FIELD,
    MAPPING_HEADER,
    IntakeError,
)
from salesorder._validation.report import Issue, Severity

__all__ = [
    "CHINESE_HEADERS",
    "ENGLISH_HEADERS",
    "LINE_FIELDS",
    "ORDER_FIELDS",
    "ORDER_KEY",
    "REQUIRED_FIELDS",
    "TRADITIONAL_CHINESE_HEADERS",
    "ColumnMapping",
    "Columns",
    "normalise_header",
]

#: The column whose value groups rows into orders (订单号).
ORDER_KEY: Final = "order_key"
#: Fields of the order, taken from an order's rows (the same value on each, or blank).
ORDER_FIELDS: Final = (
    "customer.id",
    "customer.name",
    "customer.tier",
    "customer.contact.name",
    "customer.contact.phone",
    "customer.contact.email",
    "currency",
    "order_type",
    "channel",
    "requested_delivery_date",
    "salesperson",
    "notes",
    "external_ref",
    "shipping_address.country",
    "shipping_address.province",
    "shipping_address.city",
    "shipping_address.district",
    "shipping_address.street",
    "shipping_address.postal_code",
    "shipping_address.recipient",
    "shipping_address.phone",
    "invoice.kind",
    "invoice.title",
    "invoice.tax_id",
    "payment_terms.method",
    "payment_terms.description",
)
#: Fields of one order line, one line per row.
LINE_FIELDS: Final = (
    "line.line_id",
    "line.sku",
    "line.name",
    "line.specification",
    "line.quantity",
    "line.unit",
    "line.unit_price",
    "line.currency",
    "line.requested_discount",
    "line.tax_code",
    "line.category",
)
#: Columns a file must have: without them no order of it could be valid.
REQUIRED_FIELDS: Final = (
    ORDER_KEY,
    "customer.id",
    "customer.name",
    "line.sku",
    "line.name",
    "line.quantity",
)
_FIELDS: Final = frozenset((ORDER_KEY, *ORDER_FIELDS, *LINE_FIELDS))

#: English headers (matched case-insensitively, see :func:`normalise_header`).
ENGLISH_HEADERS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        ORDER_KEY: ("Order No.", "Order number", "Order key", "Order"),
        "customer.id": ("Customer code", "Customer ID", "Customer no."),
        "customer.name": ("Customer name", "Customer"),
        "customer.tier": ("Customer tier",),
        "customer.contact.name": ("Contact", "Contact name"),
        "customer.contact.phone": ("Contact phone", "Phone"),
        "customer.contact.email": ("Contact email", "Email", "E-mail"),
        "currency": ("Currency",),
        "order_type": ("Order type",),
        "channel": ("Channel",),
        "requested_delivery_date": ("Delivery date", "Requested delivery date"),
        "salesperson": ("Salesperson", "Sales rep"),
        "notes": ("Notes", "Remarks"),
        "external_ref": ("External ref", "Customer PO", "PO number"),
        "shipping_address.country": ("Country",),
        "shipping_address.province": ("Province", "State"),
        "shipping_address.city": ("City",),
        "shipping_address.district": ("District",),
        "shipping_address.street": ("Street", "Address", "Shipping address"),
        "shipping_address.postal_code": ("Postal code", "ZIP"),
        "shipping_address.recipient": ("Recipient", "Consignee"),
        "shipping_address.phone": ("Recipient phone",),
        "invoice.kind": ("Invoice type",),
        "invoice.title": ("Invoice title",),
        "invoice.tax_id": ("Tax ID",),
        "payment_terms.method": ("Payment method",),
        "payment_terms.description": ("Payment terms",),
        "line.line_id": ("Line", "Line no.", "Line ID"),
        "line.sku": ("SKU", "Item code", "Product code", "Item no."),
        "line.name": ("Product name", "Item name", "Product", "Description"),
        "line.specification": ("Specification", "Spec"),
        "line.quantity": ("Quantity", "Qty"),
        "line.unit": ("Unit", "UOM"),
        "line.unit_price": ("Unit price", "Price"),
        "line.currency": ("Line currency",),
        "line.requested_discount": ("Discount %", "Discount"),
        "line.tax_code": ("Tax code",),
        "line.category": ("Category",),
    }
)
#: Chinese headers, as sales teams in China write them (订单录入).
CHINESE_HEADERS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        ORDER_KEY: ("订单号", "订单编号", "单号"),
        "customer.id": ("客户编码", "客户编号", "客户代码"),
        "customer.name": ("客户名称", "客户"),
        "customer.tier": ("客户等级",),
        "customer.contact.name": ("联系人",),
        "customer.contact.phone": ("联系电话", "电话", "手机"),
        "customer.contact.email": ("邮箱", "电子邮箱"),
        "currency": ("币种", "币别"),
        "order_type": ("订单类型",),
        "channel": ("渠道", "销售渠道"),
        "requested_delivery_date": ("交货日期", "要求交货日期", "交期"),
        "salesperson": ("业务员", "销售员"),
        "notes": ("备注",),
        "external_ref": ("客户订单号", "外部单号"),
        "shipping_address.country": ("国家",),
        "shipping_address.province": ("省份", "省"),
        "shipping_address.city": ("城市", "市"),
        "shipping_address.district": ("区县", "区"),
        "shipping_address.street": ("详细地址", "收货地址", "地址"),
        "shipping_address.postal_code": ("邮编", "邮政编码"),
        "shipping_address.recipient": ("收货人",),
        "shipping_address.phone": ("收货电话", "收货人电话"),
        "invoice.kind": ("发票类型",),
        "invoice.title": ("发票抬头",),
        "invoice.tax_id": ("税号", "纳税人识别号"),
        "payment_terms.method": ("付款方式",),
        "payment_terms.description": ("付款条件",),
        "line.line_id": ("行号",),
        "line.sku": ("商品编码", "物料编码", "产品编码", "货号"),
        "line.name": ("品名", "商品名称", "产品名称", "物料名称"),
        "line.specification": ("规格", "规格型号", "型号"),
        "line.quantity": ("数量",),
        "line.unit": ("单位",),
        "line.unit_price": ("单价",),
        "line.currency": ("行币种",),
        "line.requested_discount": ("折扣(%)", "折扣"),
        "line.tax_code": ("税码",),
        "line.category": ("类别", "商品类别"),
    }
)

#: Traditional Chinese headers (Taiwan, Hong Kong, Macao): the headers of
#: :data:`CHINESE_HEADERS` in Traditional script, with Taiwan's usual words (聯絡人,
#: 電子郵件) beside the character-for-character forms. The first of each field is the
#: one an export for ``zh_TW``/``zh_HK`` writes.
TRADITIONAL_CHINESE_HEADERS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        ORDER_KEY: ("訂單號", "訂單編號", "單號"),
        "customer.id": ("客戶編碼", "客戶編號", "客戶代碼"),
        "customer.name": ("客戶名稱", "客戶"),
        "customer.tier": ("客戶等級",),
        "customer.contact.name": ("聯絡人", "聯繫人"),
        "customer.contact.phone": ("聯絡電話", "聯繫電話", "電話", "手機"),
        "customer.contact.email": ("電子郵件", "郵箱", "電子郵箱"),
        "currency": ("幣種", "幣別"),
        "order_type": ("訂單類型", "訂單型別"),
        "channel": ("渠道", "銷售渠道"),
        "requested_delivery_date": ("交貨日期", "要求交貨日期", "交期"),
        "salesperson": ("業務員", "銷售員"),
        "notes": ("備註",),
        "external_ref": ("客戶訂單號", "外部單號"),
        "shipping_address.country": ("國家",),
        "shipping_address.province": ("省份", "省"),
        "shipping_address.city": ("城市", "市"),
        "shipping_address.district": ("區縣", "區"),
        "shipping_address.street": ("詳細地址", "收貨地址", "地址"),
        "shipping_address.postal_code": ("郵編", "郵政編碼"),
        "shipping_address.recipient": ("收貨人",),
        "shipping_address.phone": ("收貨電話", "收貨人電話"),
        "invoice.kind": ("發票類型", "發票型別"),
        "invoice.title": ("發票抬頭",),
        "invoice.tax_id": ("稅號", "納稅人識別號"),
        "payment_terms.method": ("付款方式",),
        "payment_terms.description": ("付款條件",),
        "line.line_id": ("行號",),
        "line.sku": ("商品編碼", "物料編碼", "產品編碼", "貨號"),
        "line.name": ("品名", "商品名稱", "產品名稱", "物料名稱"),
        "line.specification": ("規格", "規格型號", "型號"),
        "line.quantity": ("數量",),
        "line.unit": ("單位",),
        "line.unit_price": ("單價",),
        "line.currency": ("行幣種",),
        "line.requested_discount": ("折扣(%)", "折扣"),
        "line.tax_code": ("稅碼",),
        "line.category": ("類別", "商品類別"),
    }
)

_SPACES: Final = re.compile(r"[\s_]+")
_UNIT_SUFFIX: Final = re.compile(r"\s*\([^()]*\)$")


def normalise_header(text: str) -> str:
    """The form headers are matched in.

    NFKC (full-width to half-width), case-folded, blanks and underscores as one space,
    a trailing required-mark ``*`` or colon dropped.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", folded).strip().rstrip("*:").strip()


def _invalid(option: str) -> IntakeError:
    return IntakeError(INTAKE_OPTION_INVALID, params={"option": option})


@attrs.frozen(kw_only=True)
class Columns:
    """A header row resolved: the column index of each field found (0-based)."""

    index: Mapping[str, int]
    issues: tuple[Issue, ...]

    @property
    def complete(self) -> bool:
        """True when every required field has a column."""
        return all(field in self.index for field in REQUIRED_FIELDS)


def _frozen_headers(
    headers: Mapping[str, str | Iterable[str]],
) -> Mapping[str, tuple[str, ...]]:
    frozen: dict[str, tuple[str, ...]] = {}
    for field, names in headers.items():
        if field not in _FIELDS:
            raise IntakeError(
                INTAKE_OPTION_INVALID, params={"option": MAPPING_FIELD, "field": field[:64]}
            )
        frozen[field] = (names,) if isinstance(names, str) else tuple(names)
    return MappingProxyType(frozen)


@attrs.frozen
class ColumnMapping:
    """Which headers name which field.

    Build one with :meth:`default` (English, Simplified and Traditional Chinese
    headers), :meth:`english`, :meth:`chinese`, or from your own headers;
    :meth:`extended` adds headers to a mapping. Headers match after
    :func:`normalise_header`, and when a header ends in a parenthesised unit
    (``单价(元)``) without matching, it matches without it.

    Attributes:
        headers: ``field -> headers``; fields are :data:`ORDER_KEY`, the
            :data:`ORDER_FIELDS` and the :data:`LINE_FIELDS`.

    Raises:
        IntakeError: ``intake.option.invalid`` for an unknown field or one header
            given to two fields.
    """

    headers: Mapping[str, tuple[str, ...]] = attrs.field(converter=_frozen_headers)
    _lookup: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)

    @_lookup.default
    def _normalised_headers(self) -> Mapping[str, str]:
        lookup: dict[str, str] = {}
        for field, names in self.headers.items():
            for name in names:
                key = normalise_header(name)
                if lookup.setdefault(key, field) != field:
                    raise IntakeError(
                        INTAKE_OPTION_INVALID,
                        params={"option": MAPPING_HEADER, "header": name[:64]},
                    )
        return MappingProxyType(lookup)

    @classmethod
    def english(cls) -> ColumnMapping:
        """The shipped English headers (:data:`ENGLISH_HEADERS`)."""
        return cls(ENGLISH_HEADERS)

    @classmethod
    def chinese(cls) -> ColumnMapping:
        """The shipped Chinese headers of both scripts.

        :data:`CHINESE_HEADERS` (Simplified) and :data:`TRADITIONAL_CHINESE_HEADERS`.
        """
        return cls(CHINESE_HEADERS).extended(TRADITIONAL_CHINESE_HEADERS)

    @classmethod
    def default(cls) -> ColumnMapping:
        """English, Simplified and Traditional Chinese headers together.

        A file may use any of them, or a mix: every export reads back whatever its locale.
        """
        return cls.english().extended(CHINESE_HEADERS).extended(TRADITIONAL_CHINESE_HEADERS)

    def extended(self, headers: Mapping[str, str | Iterable[str]]) -> ColumnMapping:
        """This mapping with more headers (``{"line.sku": "Artikelnummer"}``)."""
        merged = {field: list(names) for field, names in self.headers.items()}
        for field, names in _frozen_headers(headers).items():
            merged.setdefault(field, []).extend(names)
        return ColumnMapping(merged)

    def field_of(self, header: str) -> str | None:
        """The field a header names, or None."""
        key = normalise_header(header)
        field = self._lookup.get(key)
        if field is None and key.endswith(")"):
            field = self._lookup.get(_UNIT_SUFFIX.sub("", key))
        return field

    def resolve(self, header: Sequence[str], *, cell: Callable[[int], str], row: str) -> Columns:
        """Find the column of each field in a header row.

        Args:
            header: The header cells' text.
            cell: ``column index -> cell reference`` of the header row.
            row: The reference of the header row itself.

        Returns:
            The columns found, and the issues: a missing required column (error), a
            second column for one field (warning, the first one is read), a column that
            names no field (warning).
        """
        index: dict[str, int] = {}
        issues: list[Issue] = []
        for column, text in enumerate(header):
            if not text:
                continue
            field = self.field_of(text)
            if field is None:
                issues.append(Issue(COLUMN_UNMAPPED, "", Severity.WARNING, cell=cell(column)))
            elif field in index:
                issues.append(
                    Issue(
                        COLUMN_DUPLICATE,
                        "",
                        Severity.WARNING,
                        {"field": field},
                        cell=cell(column),
                    )
                )
            else:
                index[field] = column
        for field in REQUIRED_FIELDS:
            if field not in index:
                example = self.headers.get(field, ("?",))[0]
                issues.append(
                    Issue(
                        COLUMN_MISSING,
                        "",
                        Severity.ERROR,
                        {"field": field, "header": example},
                        cell=row,
                    )
                )
        return Columns(index=MappingProxyType(index), issues=tuple(issues))
