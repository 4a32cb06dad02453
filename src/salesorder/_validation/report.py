"""Issues and reports: what validation finds, as structured, bilingual values.

Invariants: an :class:`Issue` holds a code, a JSON pointer, a severity and privacy-safe
parameters (never an input value); a :class:`ValidationReport` is ``ok`` exactly when no
issue has severity error.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from salesorder.errors import render_message
from salesorder.order import Order

__all__ = ["Issue", "Severity", "ValidationReport"]


class Severity(enum.StrEnum):
    """How much an issue matters."""

    ERROR = "error"
    """The order cannot be accepted as it is."""
    WARNING = "warning"
    """Worth a look; the order can proceed."""
    APPROVAL = "approval"
    """The order can proceed only after a reviewer approves it (R6)."""


def _frozen_params(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(params or {}))


@attrs.frozen
class Issue:
    """One problem found in an order.

    Attributes:
        code: Stable dotted code, made by :func:`~salesorder.errors.define_code`.
        path: JSON pointer of the field concerned (``/lines/0/quantity``); ``""`` for the
            whole payload.
        severity: Error, warning, or a reason for approval.
        params: Privacy-safe message parameters (codes, limits, quantities, SKUs).
        cell: Where the value sits in a spreadsheet or CSV file the order was read
            from (``Sheet1!D7``, ``R7C4``), for issues of a file import
            (:mod:`salesorder.intake`); None otherwise.
    """

    code: str
    path: str = ""
    severity: Severity = Severity.ERROR
    params: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_params, eq=False, hash=False
    )
    cell: str | None = attrs.field(default=None, kw_only=True)

    def message(self, locale: str = "en") -> str:
        """The message in ``locale``: ``en``, ``zh_CN``, ``zh_TW`` ... (see ``salesorder.i18n``)."""
        return render_message(self.code, self.params, locale)

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """A JSON-ready mapping: code, path, severity, message and params (and the cell)."""
        mapping: dict[str, Any] = {
            "code": self.code,
            "path": self.path,
            "severity": self.severity.value,
            "message": self.message(locale),
            "params": {key: _jsonable(value) for key, value in self.params.items()},
        }
        if self.cell is not None:
            mapping["cell"] = self.cell
        return mapping


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return str(value)


@attrs.frozen
class ValidationReport:
    """Everything :func:`validate` found.

    Attributes:
        issues: Every issue, in the order found (shape issues, then rules in order).
        order: The converted order when the payload had a valid shape, else None
            (even when business rules report errors, so callers can show it).
    """

    issues: tuple[Issue, ...]
    order: Order | None = attrs.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and approval reasons allowed)."""
        return not any(issue.severity is Severity.ERROR for issue in self.issues)

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues of severity error."""
        return tuple(issue for issue in self.issues if issue.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The issues of severity warning."""
        return tuple(issue for issue in self.issues if issue.severity is Severity.WARNING)

    @property
    def needs_approval(self) -> tuple[Issue, ...]:
        """Reasons a reviewer must see before the order proceeds (empty: none)."""
        return tuple(issue for issue in self.issues if issue.severity is Severity.APPROVAL)

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """A JSON-ready summary (without the order itself, which holds personal data)."""
        return {
            "ok": self.ok,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "needs_approval": bool(self.needs_approval),
            "issues": [issue.to_dict(locale) for issue in self.issues],
        }
