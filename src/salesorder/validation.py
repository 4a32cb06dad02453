"""Validation: a payload in, every problem out as a structured, bilingual :class:`Issue` (R3).

:func:`validate` takes JSON text, a dict or an :class:`~salesorder.schema.OrderDraft`,
parses it through the gate (:mod:`salesorder.schema`), converts it with
:func:`~salesorder.schema.to_order` and runs a :class:`RuleSet` of business rules on
the domain :class:`~salesorder.order.Order`.

Invariants:

* :func:`validate` never raises for bad data: any JSON value, any byte string, any
  dict gives a :class:`ValidationReport` (only a user rule or lookup that itself
  raises can make it raise);
* a hostile payload is refused before parsing: size first, then nesting depth and
  object count by a scan of the raw text (no recursion);
* every issue code is defined with :func:`~salesorder.errors.define_code` (English
  and Simplified Chinese); pydantic's own error texts never reach the user, and no
  message or parameter echoes an input value (names, phones, tax ids...);
* rules see the domain order and a :class:`ValidationContext`; the time comes from
  the context (``today``), never from the system clock.

This module is the public face; the implementation is private, in
``salesorder._validation``: ``report`` (:class:`Issue`, :class:`ValidationReport`,
:class:`Severity`), ``rules`` (:class:`ValidationContext`, :class:`RuleSet`, the
built-in rules and their codes) and ``payload`` (size and structure checks, parsing
through the schema, :func:`validate` and the shape codes).
"""

from salesorder._validation.payload import validate
from salesorder._validation.report import Issue, Severity, ValidationReport
from salesorder._validation.rules import (
    DEFAULT_PIECE_UNITS,
    CreditPolicy,
    CreditStatus,
    FunctionRule,
    Rule,
    RuleSet,
    StockPolicy,
    ValidationContext,
    default_rules,
    rule,
)

__all__ = [
    "DEFAULT_PIECE_UNITS",
    "CreditPolicy",
    "CreditStatus",
    "FunctionRule",
    "Issue",
    "Rule",
    "RuleSet",
    "Severity",
    "StockPolicy",
    "ValidationContext",
    "ValidationReport",
    "default_rules",
    "rule",
    "validate",
]
