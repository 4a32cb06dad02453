"""Every message the catalogs translate, as the library's code defines it (the extraction).

``scripts/update_catalogs.py`` writes the ``.po`` files from :func:`source_messages`,
and ``tests/unit/test_i18n.py`` checks that every entry here is in every catalog,
translated. Three kinds, told apart by their gettext context (msgctxt):

- an error code's message (context: the code; msgid: its English template), from the
  codes of [salesorder.errors.error_codes][];
- a *term* (context ``term``): a status, an event, a field, an entity, a phrase that
  says why (``salesorder.errors.Phrase``) ... that a message's parameter names (see
  ``salesorder.errors.TERM_PARAMS``), from the enums that define them, the lists below
  and the phrases of the modules that define codes;
- a *document label* (context ``order_form`` or ``invoice_form``), from the labels of
  the printed order form and of printed invoices and credit notes;
- a label of ``PriceBreakdown.explain`` (context ``price_breakdown.<key>``).

The msgids are data (the English templates of ``define_code`` constants, enum values),
not string literals Babel's Python extractor could find, so the extraction reads them
from the modules themselves; Babel's catalog machinery then merges, writes and compiles.
"""

from __future__ import annotations

import attrs

from salesorder._analytics.common import Dimension, PeriodBasis
from salesorder._documents import style as document_style
from salesorder._intake.mapping import CHINESE_HEADERS
from salesorder._invoicing import printing as invoice_printing
from salesorder._lifecycle.codes import TERM_PHRASES
from salesorder._lifecycle.statuses import PaymentStatus
from salesorder._pricing import breakdown
from salesorder._pricing.promotions import ChargeKind, Per
from salesorder.errors import library_codes, library_phrases
from salesorder.lifecycle import EVENTS, ApprovalPolicy, LifecyclePolicy
from salesorder.order import InvoiceInfo, InvoiceKind
from salesorder.quotes import QuoteStatus
from salesorder.records import ReturnKind, ReturnState, ShipmentState, Status

__all__ = ["INVOICE_FORM", "ORDER_FORM", "TERM_CONTEXT", "SourceMessage", "source_messages"]

TERM_CONTEXT = "term"
ORDER_FORM = "order_form"
INVOICE_FORM = "invoice_form"

#: What ``entity`` names in ``entity.not_found`` and ``concurrency.conflict``.
ENTITIES = (
    "idempotency key",
    "order",
    "quote",
    "reservation",
    "reservation line",
    "revision",
)

#: Approval levels the default policies name (a host's own levels print as they are).
APPROVAL_LEVELS = ("sales_manager",)


@attrs.frozen
class SourceMessage:
    """One catalog entry as the code defines it.

    Attributes:
        context: The gettext msgctxt (an error code, ``term``, ``order_form``, ``invoice_form``).
        msgid: The English source string.
        where: A comment for translators: where the message comes from.
    """

    context: str
    msgid: str
    where: str


def _terms() -> dict[str, str]:
    found: dict[str, str] = {}
    enums = (
        Status,
        ShipmentState,
        ReturnState,
        ReturnKind,
        PaymentStatus,
        QuoteStatus,
        InvoiceKind,
        Per,
        ChargeKind,
        PeriodBasis,
        Dimension,
    )
    for enum_type in enums:
        for member in enum_type:
            found.setdefault(member.value, f"value of {enum_type.__name__}")
    for event in EVENTS:
        found.setdefault(event, "lifecycle event")
    for field in attrs.fields(InvoiceInfo):
        found.setdefault(field.name, "invoice field")
    for entity in ENTITIES:
        found.setdefault(entity, "entity")
    for level in APPROVAL_LEVELS:
        found.setdefault(level, "approval level")
    for column in CHINESE_HEADERS:
        found.setdefault(column, "field of a file import (salesorder.intake)")
    for phrase in TERM_PHRASES:
        found.setdefault(phrase, "explanation in a message")
    for policy in (LifecyclePolicy, ApprovalPolicy):
        for field in attrs.fields(policy):
            found.setdefault(field.name, f"field of {policy.__name__}")
    for phrase in sorted(library_phrases()):
        found.setdefault(phrase, "phrase in a message (keep its {fields})")
    return found


def source_messages() -> tuple[SourceMessage, ...]:
    """Every entry the catalogs must translate, sorted by context and msgid."""
    entries = [
        SourceMessage(code, entry.en, f"error code {code}")
        for code, entry in library_codes().items()
    ]
    entries.extend(SourceMessage(TERM_CONTEXT, term, where) for term, where in _terms().items())
    for context, labels in (
        (ORDER_FORM, document_style.LABELS),
        (INVOICE_FORM, invoice_printing.LABELS),
    ):
        entries.extend(
            SourceMessage(context, english, f"{context} label {key}")
            for key, english in labels.items()
        )
    for key, value in breakdown.LABELS.items():
        texts = value if isinstance(value, tuple) else (value,)
        entries.extend(
            SourceMessage(f"price_breakdown.{key}", text, "PriceBreakdown.explain label")
            for text in texts
        )
    unique = {(entry.context, entry.msgid): entry for entry in entries}
    return tuple(unique[key] for key in sorted(unique))
