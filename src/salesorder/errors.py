"""One error shape for the whole library: stable codes, bilingual messages, typed exceptions.

Every problem salesorder reports, whether raised as an exception or collected as
a validation :class:`~salesorder.validation.Issue`, carries a stable dotted
``code`` registered here once, with an English and a Simplified Chinese message
template. Modules define their codes with :func:`define_code` next to the code
that uses them; the registry stays one (``docs/errors.md`` is generated from it
and a test keeps the two in step).

The exception tree::

    SalesOrderError                      base of everything the library raises
     ├── InvalidMoney (ValueError)       bad amount: NaN, infinity, absurd exponent, bad text
     ├── FloatRefused (TypeError)        a float where money or a quantity is expected
     ├── UnknownCurrency (ValueError)    not an ISO 4217 code known to babel's CLDR data
     ├── CurrencyMismatch (ValueError)   arithmetic or comparison across currencies
     ├── AllocationError (ValueError)    negative or all-zero weights for a split
     ├── InvalidOrder (ValueError)       a domain object built with inconsistent values
     ├── ValidationFailed (ValueError)   a payload did not pass validation; carries the report
     ├── NotFound (LookupError)          an order, quote, reservation ... that does not exist
     ├── IllegalTransition               a lifecycle event not allowed from the current state
     ├── RuleViolation                   a business rule refuses a command (carries the issues)
     ├── InsufficientStock               reservation cannot be served; carries shortfalls
     └── ConcurrencyConflict             a save against a stale version

Messages never contain customer personal data: parameters are codes, paths,
quantities and identifiers, never names, phones, addresses or tax ids.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import attrs

__all__ = [
    "AllocationError",
    "ConcurrencyConflict",
    "CurrencyMismatch",
    "ErrorCode",
    "FloatRefused",
    "IllegalTransition",
    "InsufficientStock",
    "InvalidMoney",
    "InvalidOrder",
    "NotFound",
    "RuleViolation",
    "SalesOrderError",
    "Shortfall",
    "UnknownCurrency",
    "ValidationFailed",
    "define_code",
    "error_codes",
    "errors_markdown",
    "render_message",
]

SUPPORTED_LOCALES: Final = ("en", "zh_CN")


@attrs.frozen
class ErrorCode:
    """A registered problem code with its bilingual message templates.

    Attributes:
        code: Stable dotted identifier, e.g. ``line.quantity.not_positive``.
        en: English message template (``str.format`` fields from the parameters).
        zh: Simplified Chinese message template with the same fields.
    """

    code: str
    en: str
    zh: str

    def render(self, params: Mapping[str, Any], locale: str = "en") -> str:
        """Fill the template for ``locale`` with ``params``; unknown fields stay visible."""
        template = self.zh if _is_chinese(locale) else self.en
        return string.Formatter().vformat(template, (), _LenientParams(params))


class _LenientParams(dict[str, Any]):
    """Keeps a missing template field visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_REGISTRY: dict[str, ErrorCode] = {}


def _is_chinese(locale: str) -> bool:
    return locale.replace("-", "_").lower().startswith("zh")


def define_code(code: str, *, en: str, zh: str) -> str:
    """Register a problem code once and return it, for use as a module constant.

    Registering the same code again with identical messages is a no-op (module
    reloads); with different messages it is a programming error.

    Args:
        code: Dotted lowercase identifier, e.g. ``money.float_refused``.
        en: English message template.
        zh: Simplified Chinese message template.

    Returns:
        The code itself.

    Raises:
        ValueError: if the code is malformed or registered with other messages.
    """
    if not code or code != code.strip().lower() or " " in code or "." not in code:
        msg = f"error code must be dotted lowercase without spaces: {code!r}"
        raise ValueError(msg)
    entry = ErrorCode(code, en, zh)
    existing = _REGISTRY.get(code)
    if existing is not None and existing != entry:
        msg = f"error code {code!r} is already registered with other messages"
        raise ValueError(msg)
    _REGISTRY[code] = entry
    return code


def error_codes() -> Mapping[str, ErrorCode]:
    """Every registered code, sorted by code (a read-only view)."""
    return dict(sorted(_REGISTRY.items()))


def render_message(code: str, params: Mapping[str, Any] | None = None, locale: str = "en") -> str:
    """Render the message of a registered code; an unregistered code renders as itself."""
    entry = _REGISTRY.get(code)
    if entry is None:
        return code
    return entry.render(params or {}, locale)


def errors_markdown() -> str:
    """The ``docs/errors.md`` page, generated from the registry."""
    import salesorder  # noqa: F401, PLC0415  (importing the package registers every code)

    lines = [
        "# Error and issue codes",
        "",
        "Every exception and every validation issue carries one of these stable codes.",
        "Messages are templates: `{field}` is filled from the issue's or error's parameters.",
        "This page is generated by `salesorder.errors.errors_markdown()`;",
        "`tests/docs/test_errors_page.py` fails when it and the registry differ.",
        "",
        "| code | English | 中文 |",
        "|---|---|---|",
    ]
    for entry in error_codes().values():
        en = entry.en.replace("|", "\\|")
        zh = entry.zh.replace("|", "\\|")
        lines.append(f"| `{entry.code}` | {en} | {zh} |")
    return "\n".join(lines) + "\n"


class SalesOrderError(Exception):
    """Base class of every exception raised by salesorder.

    Attributes:
        code: Stable dotted problem code (see ``docs/errors.md``).
        params: Structured, privacy-safe parameters of the message.
        path: JSON pointer of the field concerned, when there is one.
    """

    default_code: ClassVar[str] = "error.unspecified"

    def __init__(
        self,
        code: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        path: str | None = None,
    ) -> None:
        self.code: str = code or self.default_code
        self.params: dict[str, Any] = dict(params or {})
        self.path: str | None = path
        super().__init__(self.message("en"))

    def message(self, locale: str = "en") -> str:
        """The message in ``locale`` (``en`` or ``zh_CN``)."""
        return render_message(self.code, self.params, locale)

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"[{self.code}] {self.message('en')}{where}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions cross process boundaries (multiprocessing tests, task queues).
        return (_rebuild_error, (type(self), self.__dict__.copy()))


def _rebuild_error(cls: type[SalesOrderError], state: dict[str, Any]) -> SalesOrderError:
    error = cls.__new__(cls)
    Exception.__init__(error)
    error.__dict__.update(state)
    return error


ERROR_UNSPECIFIED = define_code(
    "error.unspecified", en="An unspecified error occurred.", zh="发生未指明的错误。"
)


class InvalidMoney(SalesOrderError, ValueError):
    """An amount that cannot be money: NaN, infinity, absurd exponent, unparseable text."""

    default_code = "money.invalid_amount"


class FloatRefused(SalesOrderError, TypeError):
    """A ``float`` where an exact amount or quantity is expected."""

    default_code = "money.float_refused"


class UnknownCurrency(SalesOrderError, ValueError):
    """A currency code that is not an ISO 4217 code known to CLDR."""

    default_code = "money.unknown_currency"


class CurrencyMismatch(SalesOrderError, ValueError):
    """Arithmetic or comparison between amounts of different currencies."""

    default_code = "money.currency_mismatch"


class AllocationError(SalesOrderError, ValueError):
    """A split that cannot be made: negative, empty or all-zero weights."""

    default_code = "money.allocation.invalid_weights"


class InvalidOrder(SalesOrderError, ValueError):
    """A domain object constructed with values that break its own invariants."""

    default_code = "order.invalid"


class ValidationFailed(SalesOrderError, ValueError):
    """A payload or order did not pass validation.

    Attributes:
        report: The :class:`~salesorder.validation.ValidationReport` with every issue.
    """

    default_code = "validation.failed"

    def __init__(self, report: Any, *, code: str | None = None) -> None:
        self.report = report
        count = len(getattr(report, "errors", ()))
        super().__init__(code, params={"count": count})


class NotFound(SalesOrderError, LookupError):
    """An entity looked up by id or number does not exist."""

    default_code = "entity.not_found"


class IllegalTransition(SalesOrderError):
    """A lifecycle event that has no transition from the current state.

    Attributes:
        state: The state the order was in (its value).
        event: The event that was refused.
    """

    default_code = "lifecycle.illegal_transition"

    def __init__(
        self,
        *,
        state: str,
        event: str,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.state = state
        self.event = event
        super().__init__(code, params={"state": state, "event": event, **(params or {})})


class RuleViolation(SalesOrderError):
    """A business rule refuses a command; ``issues`` lists why."""

    default_code = "rule.violation"

    def __init__(
        self,
        code: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        path: str | None = None,
        issues: tuple[Any, ...] = (),
    ) -> None:
        self.issues = issues
        super().__init__(code, params=params, path=path)


@attrs.frozen
class Shortfall:
    """How much of one SKU could not be served.

    Attributes:
        sku: The stock keeping unit.
        requested: Quantity asked for (all lines of the SKU together).
        available: Quantity that could be served.
    """

    sku: str
    requested: Any
    available: Any

    @property
    def missing(self) -> Any:
        """Requested minus available."""
        return self.requested - self.available


class InsufficientStock(SalesOrderError):
    """A reservation that cannot be served in full.

    Attributes:
        shortfalls: One :class:`Shortfall` per SKU that is short.
    """

    default_code = "stock.insufficient"

    def __init__(self, shortfalls: tuple[Shortfall, ...], *, code: str | None = None) -> None:
        self.shortfalls = tuple(shortfalls)
        skus = ", ".join(s.sku for s in self.shortfalls)
        super().__init__(code, params={"skus": skus, "count": len(self.shortfalls)})


class ConcurrencyConflict(SalesOrderError):
    """A save against a version that another writer has already replaced."""

    default_code = "concurrency.conflict"


define_code(
    "money.invalid_amount",
    en="Not a valid money amount: {reason}.",
    zh="金额无效:{reason}。",
)
define_code(
    "money.float_refused",
    en="Money amounts must not be floats; pass a Decimal, int or string.",
    zh="金额不能使用浮点数;请传入 Decimal、整数或字符串。",
)
define_code(
    "money.unknown_currency",
    en="Unknown currency code {currency}.",
    zh="未知的币种代码 {currency}。",
)
define_code(
    "money.currency_mismatch",
    en="Cannot combine amounts in {left} and {right}.",
    zh="不能混合不同币种的金额:{left} 与 {right}。",
)
define_code(
    "money.allocation.invalid_weights",
    en="Cannot split an amount by these weights: {reason}.",
    zh="无法按这些权重分摊金额:{reason}。",
)
define_code("order.invalid", en="Invalid order data: {reason}.", zh="订单数据无效:{reason}。")
define_code(
    "validation.failed",
    en="The order did not pass validation ({count} errors).",
    zh="订单未通过校验(共 {count} 个错误)。",
)
define_code("entity.not_found", en="{entity} {id} does not exist.", zh="{entity} {id} 不存在。")
define_code(
    "lifecycle.illegal_transition",
    en="Event '{event}' is not allowed while the order is '{state}'.",
    zh="订单处于“{state}”状态时不允许执行“{event}”。",
)
define_code(
    "rule.violation", en="A business rule refused the command.", zh="业务规则拒绝了该操作。"
)
define_code(
    "stock.insufficient",
    en="Not enough stock for {count} SKU(s): {skus}.",
    zh="{count} 个商品库存不足:{skus}。",
)
define_code(
    "concurrency.conflict",
    en="The {entity} was changed by someone else (expected version {expected}).",
    zh="{entity} 已被他人修改(期望版本 {expected})。",
)
#: A unit of work whose transaction the database aborted (after a deadlock, say) is
#: refused at commit instead of "committing" nothing; raised as ConcurrencyConflict.
STORAGE_TRANSACTION_ABORTED: Final = define_code(
    "storage.transaction_aborted",
    en="The database aborted this unit of work's transaction after an earlier error; "
    "nothing was committed: roll back and retry.",
    zh="数据库已因先前的错误中止此工作单元的事务,没有任何内容被提交:请回滚后重试。",
)
# Raised by storage adapters (the SQL adapter's bounded text columns) before they
# write; defined here because the adapters need an optional dependency and the error
# page lists only the modules the package imports. The value itself is never a
# parameter: it may be personal data.
STORAGE_VALUE_TOO_LONG: Final = define_code(
    "storage.value_too_long",
    en="The {field} is longer than the {limit} characters the storage holds.",
    zh="{field} 超过了存储允许的 {limit} 个字符。",
)
