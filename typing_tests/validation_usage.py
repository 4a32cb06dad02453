"""Type-checks the public validation API as a host application would use it."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from salesorder import Issue, Money, Order, OrderDraft, ValidationReport, validate
from salesorder.schema import Limits, order_json_schema, to_order
from salesorder.validation import (
    CreditStatus,
    RuleSet,
    Severity,
    ValidationContext,
    default_rules,
    rule,
)


@rule("host.always_fine")
def always_fine(order: Order, context: ValidationContext) -> Iterator[Issue]:
    """Reports nothing."""
    yield from ()


def check(payload: bytes) -> ValidationReport:
    """Validate with a host context and adjusted rules."""
    context = ValidationContext(
        today=date(2026, 1, 1),
        limits=Limits(max_lines=50),
        credit=lambda customer_id: CreditStatus(exposure=Money(0, "CNY"), limit=Money(1000, "CNY")),
        availability=lambda sku: Decimal(5),
    )
    rules: RuleSet = default_rules().regrade("line.sku.duplicate", Severity.ERROR).add(always_fine)
    return validate(payload, rules=rules, context=context)


report = check(b"{}")
ok: bool = report.ok
first: Issue = report.issues[0]
text: str = first.message("zh_CN")
draft = OrderDraft.model_validate(
    {"customer": {"id": "C", "name": "N"}, "currency": "CNY", "lines": []}
)
order: Order = to_order(draft, order_id="o-1")
schema: dict[str, object] = order_json_schema()
