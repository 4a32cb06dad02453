"""Labels and the locale rule of every printed document."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Final

import attrs
import babel
import babel.dates
import babel.numbers

from salesorder import _arguments as arguments
from salesorder._documents.errors import LOCALE_UNSUPPORTED, DocumentError
from salesorder._documents.views import Seller
from salesorder.money import Money
from salesorder.order import Order

__all__ = ["LABELS", "Style", "checked_style", "document_language", "style_for"]

# -- labels -----------------------------------------------------------------------------------

#: Every printed label: key -> (English, 中文).
LABELS: Final[dict[str, tuple[str, str]]] = {
    "title": ("Sales Order", "销售订单"),
    "order_number": ("Order No.", "订单编号"),
    "order_date": ("Date", "日期"),
    "customer_ref": ("Customer PO", "客户订单号"),
    "seller": ("Seller", "销售方"),
    "buyer": ("Buyer", "购买方"),
    "name": ("Name", "名称"),
    "address": ("Address", "地址"),
    "phone": ("Phone", "电话"),
    "tax_id": ("Tax ID", "纳税人识别号"),
    "bank": ("Bank", "开户行"),
    "account": ("Account", "账号"),
    "contact": ("Contact", "联系人"),
    "ship_to": ("Ship to", "收货地址"),
    "recipient": ("Recipient", "收货人"),
    "invoice": ("Invoice", "开票信息"),
    "invoice_kind": ("Invoice type", "发票类型"),
    "invoice_title": ("Invoice title", "发票抬头"),
    "registered_address": ("Registered address", "注册地址"),
    "registered_phone": ("Registered phone", "注册电话"),
    "lines": ("Items", "商品明细"),
    "col_no": ("No.", "序号"),
    "col_sku": ("SKU", "商品编码"),
    "col_name": ("Item", "商品名称"),
    "col_spec": ("Spec.", "规格型号"),
    "col_qty": ("Qty", "数量"),
    "col_unit": ("Unit", "单位"),
    "col_price": ("Unit price", "单价"),
    "col_discount": ("Discount", "折扣"),
    "col_net": ("Net", "金额"),
    "col_rate": ("Tax rate", "税率"),
    "col_tax": ("Tax", "税额"),
    "col_amount": ("Amount", "价税合计"),
    "discounts": ("Discounts", "折扣明细"),
    "line": ("line", "行"),
    "manual_discount": ("Agreed discount", "协商折扣"),
    "promotion": ("Promotion", "促销优惠"),
    "coupon": ("coupon", "优惠券"),
    "page": ("Page {page} / {pages}", "第 {page} / {pages} 页"),
    "charges": ("Charges", "费用"),
    "totals": ("Totals", "合计"),
    "subtotal": ("Subtotal", "商品金额"),
    "discount_total": ("Discount total", "折扣合计"),
    "charges_total": ("Charges total", "费用合计"),
    "tax_total": ("Tax total", "税额合计"),
    "grand_total": ("Grand total", "应付总额"),
    "in_words": ("Amount in words (RMB)", "人民币大写"),
    "payment_terms": ("Payment terms", "付款条件"),
    "payment_method": ("Method", "付款方式"),
    "due_days": ("Due in {days} days after invoice", "开票后 {days} 天内付款"),
    "month_end": ("Month-end settlement, due {days} days after month end", "月结 {days} 天"),
    "due_now": ("Due on delivery or prepaid", "款到发货或货到付款"),
    "prepayment": ("Prepayment {percent}", "预付 {percent}"),
    "delivery_date": ("Requested delivery date", "要求交货日期"),
    "notes": ("Notes", "备注"),
    "seller_sign": ("Seller signature / seal", "销售方签字/盖章"),
    "buyer_sign": ("Customer signature / seal", "客户签字/盖章"),
    "sign_date": ("Date", "日期"),
    "none": ("—", "—"),
    "kind_none": ("No invoice", "不开票"),
    "kind_general": ("General invoice", "普通发票"),
    "kind_vat_special": ("VAT special invoice", "增值税专用发票"),
    "pm_bank_transfer": ("Bank transfer", "银行转账"),
    "pm_cash": ("Cash", "现金"),
    "pm_card": ("Card", "刷卡"),
    "pm_alipay": ("Alipay", "支付宝"),
    "pm_wechat_pay": ("WeChat Pay", "微信支付"),
    "pm_cheque": ("Cheque", "支票"),
    "pm_on_account": ("On account", "赊销/月结"),
    "pm_other": ("Other", "其他"),
}


@attrs.frozen
class Style:
    """Resolved locale: babel locale for numbers and dates, and the label language."""

    locale: str
    chinese: bool

    def label(self, key: str, **params: object) -> str:
        english, chinese = LABELS[key]
        text = chinese if self.chinese else english
        return text.format(**params) if params else text

    def money(self, value: Money) -> str:
        return value.format(self.locale)

    def number(self, value: Decimal) -> str:
        # Quantities keep their own precision: 1.5 kg stays 1.5, 2 pcs stays 2.
        return babel.numbers.format_decimal(
            value, locale=self.locale, decimal_quantization=False, group_separator=True
        )

    def percent(self, value: Decimal) -> str:
        return babel.numbers.format_percent(
            value, locale=self.locale, format="#,##0.##%", decimal_quantization=False
        )

    def day(self, value: date) -> str:
        return babel.dates.format_date(value, format="long", locale=self.locale)


def checked_style(order: object, seller: object, locale: object, issued_on: object) -> Style:
    """The style of ``locale``, once the arguments of a render are what it takes."""
    arguments.instance_of(order, Order, argument="order")
    arguments.instance_of(seller, Seller, argument="seller")
    if issued_on is not None:
        arguments.instance_of(issued_on, date, argument="issued_on")
    return style_for(arguments.storable_text(locale, argument="locale"))


@functools.cache
def style_for(locale: str) -> Style:
    identifier = locale.replace("-", "_")
    language = identifier.split("_", 1)[0].lower()
    if language not in ("zh", "en"):
        raise DocumentError(LOCALE_UNSUPPORTED, params={"locale": locale[:16]})
    try:
        babel.Locale.parse(identifier)
    except (ValueError, babel.UnknownLocaleError):
        raise DocumentError(LOCALE_UNSUPPORTED, params={"locale": locale[:16]}) from None
    return Style(identifier, chinese=language == "zh")


def document_language(locale: str) -> tuple[str, bool]:
    """The babel locale of a printed document and whether its labels are Chinese.

    One rule for every printed document (order form, invoice, credit note): ``zh*``
    prints Chinese labels, ``en*`` English ones; numbers, money and dates follow the
    locale.

    Raises:
        DocumentError: ``document.locale.unsupported`` for other languages or a locale
            babel does not know.
    """
    style = style_for(locale)
    return style.locale, style.chinese
