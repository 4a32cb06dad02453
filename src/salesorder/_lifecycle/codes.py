"""Error codes of the lifecycle, registered once with English and Chinese messages.

Invariant: every refusal the lifecycle raises carries one of these codes (or a code of
:mod:`salesorder.errors`); messages hold ids, codes and quantities, never personal data.
"""

from __future__ import annotations

from typing import Final

from salesorder.errors import (
    define_code,
)

__all__ = [
    "AMENDMENT_INVALID",
    "AMENDMENT_PENDING",
    "AMOUNT_NOT_MONEY",
    "AMOUNT_NOT_POSITIVE",
    "AMOUNT_NOT_QUANTIZED",
    "APPROVAL_ALREADY_GIVEN",
    "APPROVAL_NOT_REQUIRED",
    "APPROVAL_SAME_ACTOR",
    "ARCHIVED_CODE",
    "CANCEL_AFTER_SHIPMENT",
    "DELIVER_EXCEEDS",
    "EXPIRE_NOT_DUE",
    "IDEMPOTENCY_REUSED",
    "INVOICE_EXCEEDS",
    "INVOICE_KIND",
    "LINE_ID_NOT_TEXT",
    "NONE_PENDING",
    "NOTHING_GIVEN",
    "NOTHING_UNDELIVERED",
    "NOT_INVOICED",
    "NOT_PAID",
    "NO_PRICE",
    "POLICY_INVALID",
    "POLICY_KIND_INVALID",
    "QUANTITY_NOT_POSITIVE",
    "REASON_REQUIRED",
    "REFUND_EXCEEDS",
    "REPAIR_NOT_REPAIR",
    "REPAIR_SHIPPED_BACK",
    "REPAIR_WITH_SELLER",
    "REPLAY_BROKEN",
    "RETURN_DUPLICATE",
    "RETURN_EXCEEDS",
    "RETURN_NOT_EXCHANGE",
    "RETURN_NOT_FOUND",
    "RETURN_NOT_PRICED",
    "RETURN_WINDOW_CLOSED",
    "RETURN_WRONG_STATE",
    "SHIPMENT_DUPLICATE",
    "SHIPMENT_NOT_FOUND",
    "SHIPMENT_SIGNED_FOR",
    "SHIPMENT_WRONG_STATE",
    "SHIP_EXCEEDS",
    "SHIP_NEEDS_PAYMENT",
    "UNKNOWN_LINE",
]

# -- codes ------------------------------------------------------------------------------------

POLICY_INVALID: Final = define_code(
    "lifecycle.policy.invalid",
    en="Lifecycle policy field '{field}' is invalid: expected {expected}, or None.",
    zh="订单流程策略字段“{field}”无效:应为{expected_zh},或 None。",
)
POLICY_KIND_INVALID: Final = define_code(
    "lifecycle.policy.kind_invalid",
    en="Policy field '{field}' names a change kind that does not exist.",
    zh="策略字段“{field}”包含不存在的变更类型。",
)
EXPIRE_NOT_DUE: Final = define_code(
    "lifecycle.expire.not_due",
    en="The order does not expire now ({why}).",
    zh="订单现在不会过期({why_zh})。",
)
RETURN_WINDOW_CLOSED: Final = define_code(
    "lifecycle.return.window_closed",
    en="The after-sales window of this {state} order closed on {closed_on}.",
    zh="该订单({state})的售后期已于 {closed_on} 结束。",
)
ARCHIVED_CODE: Final = define_code(
    "lifecycle.archived",
    en="The order is archived ('{state}'); '{event}' is refused.",
    zh="订单已归档(“{state}”),拒绝执行“{event}”。",
)
CANCEL_AFTER_SHIPMENT: Final = define_code(
    "lifecycle.cancel_after_shipment",
    en="Goods have already shipped; cancel is refused, use a return instead.",
    zh="货物已发出,不能撤单,请走退货流程。",
)
REASON_REQUIRED: Final = define_code(
    "lifecycle.reason_required",
    en="'{event}' needs a reason code.",
    zh="“{event}”需要原因代码。",
)
LINE_ID_NOT_TEXT: Final = define_code(
    "lifecycle.line_id.not_text",
    en="Line ids are text; a {kind} was given.",
    zh="订单行编号必须是文本;传入的是 {kind}。",
)
UNKNOWN_LINE: Final = define_code(
    "lifecycle.unknown_line",
    en="The order has no line {line_id}.",
    zh="订单中没有订单行 {line_id}。",
)
QUANTITY_NOT_POSITIVE: Final = define_code(
    "lifecycle.quantity.not_positive",
    en="Quantity for line {line_id} must be positive.",
    zh="订单行 {line_id} 的数量必须大于零。",
)
NOTHING_GIVEN: Final = define_code(
    "lifecycle.quantity.none_given",
    en="'{event}' needs at least one line quantity.",
    zh="“{event}”至少需要一个订单行数量。",
)
SHIPMENT_NOT_FOUND: Final = define_code(
    "lifecycle.shipment.not_found",
    en="The order has no shipment {shipment_id}.",
    zh="订单没有发货单 {shipment_id}。",
)
SHIPMENT_WRONG_STATE: Final = define_code(
    "lifecycle.shipment.wrong_state",
    en="Shipment {shipment_id} is {state}; this needs it {expected}.",
    zh="发货单 {shipment_id} 的状态为 {state},此操作需要 {expected}。",
)
SHIPMENT_DUPLICATE: Final = define_code(
    "lifecycle.shipment.duplicate",
    en="The order already has a shipment {shipment_id}.",
    zh="订单已有发货单 {shipment_id}。",
)
SHIPMENT_SIGNED_FOR: Final = define_code(
    "lifecycle.shipment.signed_for",
    en="Line {line_id} of shipment {shipment_id} was already signed for; it cannot be voided.",
    zh="发货单 {shipment_id} 的订单行 {line_id} 已签收,不能作废。",
)
SHIP_EXCEEDS: Final = define_code(
    "lifecycle.ship.exceeds_remaining",
    en="Line {line_id}: shipping {quantity} exceeds the {remaining} left to ship.",
    zh="订单行 {line_id}:发货数量 {quantity} 超过待发数量 {remaining}。",
)
SHIP_NEEDS_PAYMENT: Final = define_code(
    "lifecycle.ship.payment_required",
    en="Shipping needs payment first: {paid} paid of {required} required.",
    zh="需先付款才能发货:已付 {paid},应付 {required}。",
)
DELIVER_EXCEEDS: Final = define_code(
    "lifecycle.deliver.exceeds_shipped",
    en="Line {line_id}: delivering {quantity} exceeds the {remaining} shipped and undelivered.",
    zh="订单行 {line_id}:签收数量 {quantity} 超过已发未签收数量 {remaining}。",
)
INVOICE_EXCEEDS: Final = define_code(
    "lifecycle.invoice.exceeds_billable",
    en="Line {line_id}: invoicing {quantity} exceeds the {remaining} left to invoice.",
    zh="订单行 {line_id}:开票数量 {quantity} 超过可开票数量 {remaining}。",
)
INVOICE_KIND: Final = define_code(
    "lifecycle.invoice.kind_invalid",
    en="Invoice kind must be 'general' or 'vat_special', not '{kind}'.",
    zh="发票类型必须是“general”或“vat_special”,而不是“{kind}”。",
)
AMOUNT_NOT_POSITIVE: Final = define_code(
    "lifecycle.amount.not_positive",
    en="The amount must be positive and in the order currency {currency}.",
    zh="金额必须大于零且使用订单币种 {currency}。",
)
AMOUNT_NOT_MONEY: Final = define_code(
    "lifecycle.amount.not_money",
    en="The amount must be Money in {currency}, not a {kind}.",
    zh="金额必须是 {currency} 的 Money,而不是 {kind}。",
)
AMOUNT_NOT_QUANTIZED: Final = define_code(
    "lifecycle.amount.not_quantized",
    en="The amount has more decimal places than {currency} allows ({places}).",
    zh="金额的小数位数超过 {currency} 允许的位数({places})。",
)
REFUND_EXCEEDS: Final = define_code(
    "lifecycle.refund.exceeds_paid",
    en="Refund {amount} exceeds the {paid} paid.",
    zh="退款 {amount} 超过已付金额 {paid}。",
)
NOT_INVOICED: Final = define_code(
    "lifecycle.complete.not_invoiced",
    en="The order is not fully invoiced.",
    zh="订单尚未全部开票。",
)
NOT_PAID: Final = define_code(
    "lifecycle.complete.not_paid",
    en="The order is not exactly paid (status {payment}).",
    zh="订单尚未结清(付款状态 {payment})。",
)
NOTHING_UNDELIVERED: Final = define_code(
    "lifecycle.close.nothing_undelivered",
    en="Every quantity was delivered; complete the order instead of closing it.",
    zh="所有数量均已签收,请完成订单而不是关闭。",
)
NO_PRICE: Final = define_code(
    "lifecycle.submit.not_priced",
    en="The order has no lines or its price is in {currency}, not {expected}.",
    zh="订单没有订单行,或价格币种 {currency} 与订单币种 {expected} 不符。",
)
APPROVAL_NOT_REQUIRED: Final = define_code(
    "lifecycle.approval.level_not_required",
    en="Approval level '{level}' is not required for this order.",
    zh="此订单不需要“{level}”级审批。",
)
APPROVAL_ALREADY_GIVEN: Final = define_code(
    "lifecycle.approval.already_given",
    en="Approval level '{level}' has already signed.",
    zh="“{level}”级审批已签署。",
)
APPROVAL_SAME_ACTOR: Final = define_code(
    "lifecycle.approval.same_actor",
    en="One person cannot sign two approval levels of the same order.",
    zh="同一人不能签署同一订单的两个审批级别。",
)
RETURN_EXCEEDS: Final = define_code(
    "lifecycle.return.exceeds_delivered",
    en="Line {line_id}: returning {quantity} exceeds the {remaining} delivered and not returned.",
    zh="订单行 {line_id}:退回数量 {quantity} 超过已签收未退回数量 {remaining}。",
)
RETURN_NOT_FOUND: Final = define_code(
    "lifecycle.return.not_found",
    en="There is no return {return_id} on this order.",
    zh="此订单没有退货单 {return_id}。",
)
RETURN_WRONG_STATE: Final = define_code(
    "lifecycle.return.wrong_state",
    en="Return {return_id} is '{state}', expected '{expected}'.",
    zh="退货单 {return_id} 处于“{state}”,应为“{expected}”。",
)
AMENDMENT_PENDING: Final = define_code(
    "lifecycle.amendment.pending",
    en="Revision {revision} of the order awaits approval: approve or reject it first.",
    zh="订单修订版 {revision} 正在审批中:请先批准或驳回。",
)
NONE_PENDING: Final = define_code(
    "lifecycle.amendment.none_pending",
    en="No amendment of the order awaits approval.",
    zh="该订单没有待审批的改单申请。",
)
REPAIR_NOT_REPAIR: Final = define_code(
    "lifecycle.repair.not_repair",
    en="Return {return_id} is a '{kind}', not a repair: nothing goes back out on it.",
    zh="售后单 {return_id} 是“{kind}”,不是维修,不能寄回。",
)
REPAIR_SHIPPED_BACK: Final = define_code(
    "lifecycle.repair.shipment_state",
    en="The repair of return {return_id} is '{state}', expected '{expected}'.",
    zh="售后单 {return_id} 的维修寄回处于“{state}”,应为“{expected}”。",
)
REPAIR_WITH_SELLER: Final = define_code(
    "lifecycle.repair.with_seller",
    en="Repair {return_id} is still with the seller: ship it back before the order is archived.",
    zh="维修件 {return_id} 仍在我方,须先寄回客户,订单才能归档。",
)
RETURN_NOT_EXCHANGE: Final = define_code(
    "lifecycle.return.not_exchange",
    en="Return {return_id} is a '{kind}': only an exchange sends replacement goods.",
    zh="售后单 {return_id} 是“{kind}”,只有换货才能发出替换商品。",
)
RETURN_DUPLICATE: Final = define_code(
    "lifecycle.return.duplicate",
    en="Return {return_id} already exists.",
    zh="退货单 {return_id} 已存在。",
)
RETURN_NOT_PRICED: Final = define_code(
    "lifecycle.return.not_priced",
    en="The price breakdown has no line {line_id} to compute the refund from.",
    zh="价格明细中没有订单行 {line_id},无法计算退款。",
)
AMENDMENT_INVALID: Final = define_code(
    "lifecycle.amendment.invalid",
    en="The amendment cannot be applied: {reason}.",
    zh="无法应用该改单:{reason}。",
)
IDEMPOTENCY_REUSED: Final = define_code(
    "lifecycle.idempotency_key_reused",
    en="Idempotency key was first used for '{first}', not '{event}'.",
    zh="幂等键已用于“{first}”,不能用于“{event}”。",
)
REPLAY_BROKEN: Final = define_code(
    "lifecycle.audit.broken",
    en="The audit trail does not replay at entry {index}.",
    zh="审计记录在第 {index} 条无法重放。",
)
