"""One error shape for the whole library: stable codes, bilingual messages, typed exceptions.

Every problem salesorder reports, whether raised as an exception or collected as
a validation :class:`~salesorder.validation.Issue`, carries a stable dotted
``code`` with an English message template, translated into Simplified and Traditional
Chinese (and any language a host adds) through the gettext catalogs of
:mod:`salesorder.i18n` (msgctxt: the code; msgid: the English template).

How codes are defined, and how the catalogue is filled
------------------------------------------------------

A code is a constant of the module that raises it, made by :func:`define_code`::

    CALENDAR_INVALID: Final = define_code("sla.calendar.invalid", en="...")

:func:`define_code` is a pure function: it returns an :class:`ErrorCode`, which *is*
the code string (``CALENDAR_INVALID == "sla.calendar.invalid"``, so it travels
wherever a code travels: exceptions, issues, JSON, the database) and carries its
English template; ``python scripts/update_catalogs.py`` puts it into the catalogs,
where it is translated (``tests/unit/test_i18n.py`` fails while a translation is
missing). Importing a module therefore changes no global state, and an error renders
its message from the code it was raised with, whatever was imported before.

The catalogue (:func:`error_codes`, which ``docs/errors.md`` is generated from, and
the lookup :func:`render_message` needs for a code read back as a plain string) is
collected from the constants of the modules named in ``_CODE_MODULES`` below, loaded
by name the first time the catalogue is asked for. We chose this over registration
at import time (a module's import used to fill a global registry, and the package
imported modules only for that effect): now the list of places that define codes is
written down once, the catalogue is complete whatever the host imported, and the
bottom layer gains no import edge towards the modules above it (the names are
loaded lazily, so no import cycle either). ``tests/unit/test_errors.py`` fails when
a module defines a code constant that the catalogue does not list, and
``tests/docs/test_errors_page.py`` when ``docs/errors.md`` is stale.

A host defines its own codes the same way; :func:`register_codes` adds them to the
catalogue, so that they also render from plain strings (issues read back from
storage) and appear in :func:`error_codes`. The generated page lists the library's
codes only.

The exception tree (every class the library raises; module in brackets when it is
not this one)::

    SalesOrderError                      base of everything the library raises
     ├── InvalidMoney (ValueError)       bad amount: NaN, infinity, absurd exponent, bad text
     ├── FloatRefused (TypeError)        a float where money or a quantity is expected
     ├── ArgumentTypeError (TypeError)   an argument of a type the function does not take
     ├── InvalidArgument (ValueError)    unstorable text (NUL, lone surrogate); not a choice
     ├── UnknownCurrency (ValueError)    not an ISO 4217 code known to babel's CLDR data
     ├── CurrencyMismatch (ValueError)   arithmetic or comparison across currencies
     ├── AllocationError (ValueError)    negative or all-zero weights for a split
     ├── InvalidOrder (ValueError)       a domain object built with inconsistent values
     ├── ValidationFailed (ValueError)   a payload did not pass validation; carries the report
     ├── NotFound (LookupError)          an order, quote, reservation ... that does not exist
     ├── IllegalTransition               a lifecycle event not allowed from the current state
     ├── RuleViolation                   a business rule refuses a command (carries the issues)
     ├── InsufficientStock               reservation cannot be served; carries shortfalls
     ├── ConcurrencyConflict             a save against a stale version
     ├── StorageError                    the database is unreachable or refused (no driver text)
     ├── PricingError (ValueError)       [pricing] a pricing input that cannot be priced
     │    ├── MissingPrice               a line with no manual price and no price-list entry
     │    ├── UnknownTaxCode             a tax code the tax policy has no rate for
     │    └── InvalidPricing             a malformed price entry, promotion or policy
     ├── InvalidQuantity (ValueError)    [inventory] a negative, zero or non-numeric quantity
     ├── OperationConflict (ValueError)  [inventory] an operation id reused for another request
     ├── InvalidAllocation (ValueError)  [inventory] a strategy allocated more than it may
     ├── CalendarError                   [sla] a business calendar cannot answer
     ├── NotificationError               [notifications] a notification setting is invalid
     │    ├── DeliveryFailed             a receiver did not acknowledge (timeout, refused, non-2xx)
     │    └── SignatureRejected (ValueError)  a webhook signature that does not verify
     ├── DocumentError (ValueError)      [documents] a document or RMB capitals cannot be made
     ├── TaxIdError (ValueError)         [tax_id] a USCC prefix or organisation body malformed
     ├── InvalidSettings (ValueError)    [settings] a service setting of the wrong kind or value
     ├── InvalidExchangeRate (ValueError)  [exchange] a rate that is not positive, or one currency
     ├── MissingExchangeRate (LookupError)  [exchange] no rate between two currencies on a date
     ├── InvalidUnits (ValueError)       [units] a bad conversion factor or unit catalogue
     ├── UnknownUnit (LookupError)       [units] a unit the product is not sold in
     ├── IntakeError (ValueError)        [intake] a file import that cannot start
     └── AnalyticsError (ValueError)     [analytics] input a KPI cannot be computed from

Messages never contain customer personal data: parameters are codes, paths,
quantities and identifiers, never names, phones, addresses or tax ids.
"""

from __future__ import annotations

import functools
import importlib
import string
from collections.abc import Mapping
from typing import Any, ClassVar, Final, Self

import attrs

from salesorder import _i18n as i18n

__all__ = [
    "AllocationError",
    "ArgumentTypeError",
    "ConcurrencyConflict",
    "CurrencyMismatch",
    "ErrorCode",
    "FloatRefused",
    "IllegalTransition",
    "InsufficientStock",
    "InvalidArgument",
    "InvalidMoney",
    "InvalidOrder",
    "NotFound",
    "Phrase",
    "RuleViolation",
    "SalesOrderError",
    "Shortfall",
    "StorageError",
    "UnknownCurrency",
    "ValidationFailed",
    "define_code",
    "define_phrase",
    "error_codes",
    "errors_markdown",
    "library_codes",
    "library_phrases",
    "register_codes",
    "render_message",
]

SUPPORTED_LOCALES: Final = ("en", "zh_CN", "zh_TW")

#: Every module that defines library codes (module-level :class:`ErrorCode` constants).
#: Named, not imported: they all import this module, and the catalogue needs them only
#: when it is first asked for.
_CODE_MODULES: Final = (
    "salesorder.errors",
    "salesorder._arguments",
    "salesorder.money",
    "salesorder._analytics.common",
    "salesorder._intake.codes",
    "salesorder._lifecycle.amendments",
    "salesorder._invoicing.codes",
    "salesorder._lifecycle.codes",
    "salesorder._pricing.errors",
    "salesorder._validation.payload",
    "salesorder._validation.rules",
    "salesorder._documents.errors",
    "salesorder.inventory",
    "salesorder._inventory.quantities",
    "salesorder.notifications",
    "salesorder.quotes",
    "salesorder.settings",
    "salesorder.sla",
    "salesorder.tax_id",
    "salesorder.units",
    "salesorder.exchange",
)


class ErrorCode(str):
    """A problem code: the stable dotted string itself, carrying its English message.

    Equal to (and hashed as) its code string, so it can stand wherever a code is
    expected. Made by :func:`define_code`; treat it as a constant. The English
    template is the gettext ``msgid`` (with the code as ``msgctxt``) of the message
    catalogs in ``salesorder/locale`` (see [salesorder.i18n][]).

    Attributes:
        en: English message template (``str.format`` fields from the parameters).
    """

    en: str
    _zh: str | None

    def __new__(cls, code: str, en: str, zh: str | None = None) -> Self:
        """Check the code's shape and attach its template (see :func:`define_code`)."""
        if not code or code != code.strip().lower() or " " in code or "." not in code:
            msg = f"error code must be dotted lowercase without spaces: {code!r}"
            raise ValueError(msg)
        entry = super().__new__(cls, code)
        entry.en = en
        entry._zh = zh
        return entry

    @property
    def code(self) -> str:
        """The code as a plain string, e.g. ``line.quantity.not_positive``."""
        return str(self)

    @property
    def zh(self) -> str:
        """The Simplified Chinese template (from the catalog; a host's own as fallback)."""
        return self.template(i18n.SIMPLIFIED_CHINESE)

    def template(self, language: str) -> str:
        """The template in a catalog language (``en``, ``zh_Hans``, ``zh_Hant``, ...).

        A catalog's translation first; for a code no catalog translates (a host's), the
        Chinese template given to :func:`define_code` serves both Chinese scripts, and
        every other language gets the English one.
        """
        if language == i18n.ENGLISH:
            return self.en
        translated = i18n.translate(self.en, language, context=str(self))
        if translated == self.en and self._zh is not None and language.startswith("zh"):
            return self._zh
        return translated

    def render(self, params: Mapping[str, Any], locale: str = "en") -> str:
        """Fill the template for ``locale`` with ``params``; unknown fields stay visible.

        ``locale`` is negotiated by [salesorder.i18n.negotiate][] (``zh_TW`` renders
        Traditional Chinese, an unknown language English). In a language other than
        English, the parameters that name a status, an event, a field or another
        library term (``state``, ``event``, ``field``, ...) are translated too.
        """
        language = i18n.negotiate(locale).catalog
        values = _LenientParams({key: _term(key, value, language) for key, value in params.items()})
        return string.Formatter().vformat(self.template(language), (), _filled(params, values))

    def same_messages(self, other: ErrorCode) -> bool:
        """Whether ``other`` is this code with the same templates."""
        return str(self) == str(other) and (self.en, self._zh) == (other.en, other._zh)

    def __reduce__(self) -> tuple[Any, ...]:
        # Codes cross process boundaries inside pickled exceptions.
        return (ErrorCode, (str(self), self.en, self._zh))


#: The parameters whose text values are library terms (a status, an event, a field, an
#: entity, a :class:`Phrase` that says why ...) translated through the
#: catalog's ``term`` context; a value the catalog does not know (a host's approval
#: level, a class name) is shown as it is.
TERM_PARAMS: Final = frozenset(
    {
        "action",
        "argument",
        "basis",
        "character",
        "charge",
        "dimension",
        "document",
        "entity",
        "event",
        "expected",
        "field",
        "first",
        "item",
        "kind",
        "level",
        "operation",
        "option",
        "payment",
        "per",
        "reason",
        "setting",
        "state",
        "status",
        "what",
        "why",
    }
)


class Phrase(str):
    """A piece of English that fills a message's parameter: why an amount is invalid, ...

    The phrase *is* its English text (``Phrase("must not be negative") == "must not be
    negative"``), so a parameter holding one stays a plain, stable string a host can
    match on; the catalogs translate it as a term (msgctxt ``term``). A phrase may name
    fields of the message's other parameters (``"weight {index} is negative"``): they
    are filled from them when the message renders, so the value itself stays a key.
    Made by ``define_phrase``; the library's phrases are
    module constants of the modules that define codes.
    """

    __slots__ = ()


def define_phrase(text: str) -> Phrase:
    """Make a :class:`Phrase`, for use as a module constant (pure).

    Args:
        text: The English text; ``{name}`` fields are filled from the message's params.

    Returns:
        The phrase, equal to ``text``.
    """
    return Phrase(text)


def _term(key: str, value: Any, language: str) -> Any:
    if key in TERM_PARAMS and isinstance(value, str):
        return i18n.translate(value, language, context="term")
    return value


def _filled(params: Mapping[str, Any], values: _LenientParams) -> _LenientParams:
    """``values`` with each phrase's own fields filled ("weight {index} is negative").

    A field of a phrase is filled from the same parameters, already translated, and may
    itself be a phrase ("{what} is not a number" with ``what`` "factor of {unit}"). Only
    the library's phrases are filled, never text a host or a user gave.
    """
    phrases = _library_phrases()
    filled: dict[str, Any] = {}

    def fill(key: str, depth: int) -> Any:
        if key in filled:
            return filled[key]
        raw, value = params.get(key), values[key]
        if isinstance(raw, str) and "{" in raw and raw in phrases and depth < 4:
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
                inner = {name: fill(name, depth + 1) for name in names if name in params}
                value = string.Formatter().vformat(value, (), _LenientParams({**values, **inner}))
            except (ValueError, IndexError, AttributeError):
                pass  # a host catalog's malformed translation: shown as it is
        filled[key] = value
        return value

    for key in params:
        fill(key, 0)
    return _LenientParams({**values, **filled})


class _LenientParams(dict[str, Any]):
    """Keeps a missing template field visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def define_code(code: str, *, en: str, zh: str | None = None) -> ErrorCode:
    """Make a problem code with its message, for use as a module constant.

    Pure: nothing is registered. The library's catalogue collects the constants of
    the modules it lists; a host adds its own with :func:`register_codes`. The
    library's codes give the English template only: their translations are in the
    message catalogs (``salesorder/locale``). A host's code may give its Chinese
    template here, or ship a catalog (msgctxt: the code) with
    [salesorder.i18n.add_catalogs][].

    Args:
        code: Dotted lowercase identifier, e.g. ``money.float_refused``.
        en: English message template (the gettext msgid).
        zh: A Chinese template for a code no catalog translates (a host's code).

    Returns:
        The code, equal to ``code``, carrying its messages.

    Raises:
        ValueError: if the code is malformed.
    """
    return ErrorCode(code, en, zh)


def _merge(catalogue: dict[str, ErrorCode], entry: ErrorCode) -> None:
    existing = catalogue.get(entry.code)
    if existing is not None and not existing.same_messages(entry):
        msg = f"error code {entry.code!r} is defined twice with different messages"
        raise ValueError(msg)
    catalogue[entry.code] = entry


@functools.cache
def _library_codes() -> Mapping[str, ErrorCode]:
    catalogue: dict[str, ErrorCode] = {}
    for name in _CODE_MODULES:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, ErrorCode):
                _merge(catalogue, value)
    return dict(sorted(catalogue.items()))


@functools.cache
def _library_phrases() -> frozenset[str]:
    found: set[str] = set()
    for name in _CODE_MODULES:
        for value in vars(importlib.import_module(name)).values():
            items = value.values() if isinstance(value, Mapping) else value
            items = items if isinstance(items, tuple | frozenset | type({}.values())) else (value,)
            found.update(str(item) for item in items if isinstance(item, Phrase))
    return frozenset(found)


def library_phrases() -> frozenset[str]:
    """The library's phrases (what its catalogs translate as terms that say why)."""
    return _library_phrases()


# Codes a host added with register_codes(); the library's own are never stored here.
_host_codes: dict[str, ErrorCode] = {}


def register_codes(*codes: ErrorCode) -> None:
    """Add a host's own codes to the catalogue (idempotent).

    Needed only for codes that must render when read back as plain strings (issues
    loaded from storage) or be listed by :func:`error_codes`; a code raised or issued
    as its :class:`ErrorCode` constant renders without it.

    Raises:
        ValueError: if a code is already known with other messages.
    """
    for entry in codes:
        known = _library_codes().get(entry.code) or _host_codes.get(entry.code)
        if known is not None and not known.same_messages(entry):
            msg = f"error code {entry.code!r} is already registered with other messages"
            raise ValueError(msg)
    for entry in codes:
        _host_codes[entry.code] = entry


def library_codes() -> Mapping[str, ErrorCode]:
    """The library's own codes (not a host's), sorted by code: what the catalogs translate."""
    return _library_codes()


def error_codes() -> Mapping[str, ErrorCode]:
    """Every known code (the library's and those a host registered), sorted by code."""
    return dict(sorted({**_host_codes, **_library_codes()}.items()))


def render_message(code: str, params: Mapping[str, Any] | None = None, locale: str = "en") -> str:
    """Render the message of a code; an unknown plain string renders as itself."""
    entry = (
        code if isinstance(code, ErrorCode) else _library_codes().get(code) or _host_codes.get(code)
    )
    if entry is None:
        return code
    return entry.render(params or {}, locale)


def errors_markdown() -> str:
    """The ``docs/errors.md`` page, generated from the library's codes and catalogs."""
    lines = [
        "# Error and issue codes",
        "",
        "Every exception and every validation issue carries one of these stable codes.",
        "Messages are templates: `{field}` is filled from the issue's or error's parameters",
        "(in Chinese, a parameter naming a status, an event or a field is translated too).",
        "The English template is the message id of the catalogs in `salesorder/locale`",
        "(see [Languages](i18n.md)). This page is generated by",
        "`salesorder.errors.errors_markdown()`; `tests/docs/test_errors_page.py` fails when",
        "it and the registry differ.",
        "",
        "| code | English | 简体中文 | 繁體中文 |",
        "|---|---|---|---|",
    ]
    for entry in _library_codes().values():
        cells = [
            entry.template(language).replace("|", "\\|")
            for language in (i18n.ENGLISH, i18n.SIMPLIFIED_CHINESE, i18n.TRADITIONAL_CHINESE)
        ]
        lines.append(f"| `{entry.code}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# -- the codes of the exceptions below, and of the storage adapters -------------------------

#: The names of Python types ``{kind}`` (the type given) and ``{expected}`` name in
#: messages (terms; a class of the library or a host's is shown as it is).
TYPE_NAMES: Final = tuple(
    define_phrase(name)
    for name in (
        "str",
        "int",
        "float",
        "bool",
        "NoneType",
        "bytes",
        "bytearray",
        "dict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "object",
        "Decimal",
        "date",
        "datetime",
        "time",
        "timedelta",
        "function",
        "round()",
    )
)
#: Commands of the service that ``{event}`` names besides the lifecycle events (terms).
SERVICE_EVENTS: Final = tuple(
    define_phrase(name) for name in ("enter", "convert_quote", "discard", "fill_backorders")
)
#: The billing documents ``{document}`` names (terms).
DOCUMENTS: Final = (define_phrase("invoice"), define_phrase("credit note"))

ERROR_UNSPECIFIED: Final = define_code("error.unspecified", en="An unspecified error occurred.")
MONEY_INVALID_AMOUNT: Final = define_code(
    "money.invalid_amount",
    en="Not a valid money amount: {reason}.",
)
MONEY_FLOAT_REFUSED: Final = define_code(
    "money.float_refused",
    en="A float was given where an exact amount or quantity is expected; "
    "pass a Decimal, int or string.",
)
IDEMPOTENCY_CONFLICT: Final = define_code(
    "idempotency.conflict",
    en="The idempotency key was first used for '{event}' with other arguments; "
    "a new request needs a new key.",
)
ARGUMENT_WRONG_TYPE: Final = define_code(
    "argument.wrong_type",
    en="The {argument} must be {expected}, not {kind}.",
)
ARGUMENT_INVALID: Final = define_code(
    "argument.invalid",
    en="The {argument} is not a value this function takes.",
)
ARGUMENT_NOT_A_CHOICE: Final = define_code(
    "argument.not_a_choice",
    en="The {argument} must be one of: {choices}.",
)
ARGUMENT_NOT_STORABLE: Final = define_code(
    "argument.not_storable",
    en="The {argument} contains {character} at position {position}, which no store can hold.",
)
MONEY_UNKNOWN_CURRENCY: Final = define_code(
    "money.unknown_currency",
    en="Unknown currency code {currency}.",
)
MONEY_CURRENCY_MISMATCH: Final = define_code(
    "money.currency_mismatch",
    en="Cannot combine amounts in {left} and {right}.",
)
MONEY_ALLOCATION_INVALID_WEIGHTS: Final = define_code(
    "money.allocation.invalid_weights",
    en="Cannot split an amount by these weights: {reason}.",
)
ORDER_INVALID: Final = define_code("order.invalid", en="Invalid order data: {reason}.")
#: Why an order's own values are refused: the ``reason`` of ``order.invalid`` (terms).
ORDER_REASONS: Final = tuple(
    define_phrase(reason)
    for reason in (
        "an order discount needs a percent or an amount",
        "an order discount must not be negative",
        "an order discount percent must be within 0..100",
    )
)
VALIDATION_FAILED: Final = define_code(
    "validation.failed",
    en="The order did not pass validation (errors: {count}).",
)
ENTITY_NOT_FOUND: Final = define_code("entity.not_found", en="{entity} {id} does not exist.")
LIFECYCLE_ILLEGAL_TRANSITION: Final = define_code(
    "lifecycle.illegal_transition",
    en="Event '{event}' is not allowed while the order is '{state}'.",
)
RULE_VIOLATION: Final = define_code("rule.violation", en="A business rule refused the command.")
STOCK_INSUFFICIENT: Final = define_code(
    "stock.insufficient",
    en="Not enough stock for {count} SKU(s): {skus}.",
)
CONCURRENCY_CONFLICT: Final = define_code(
    "concurrency.conflict",
    en="The {entity} was changed by someone else (expected version {expected}).",
)
#: A unit of work whose transaction the database aborted (after a deadlock, say) is
#: refused at commit instead of "committing" nothing; raised as ConcurrencyConflict.
STORAGE_TRANSACTION_ABORTED: Final = define_code(
    "storage.transaction_aborted",
    en="The database aborted this unit of work's transaction after an earlier error; "
    "nothing was committed: roll back and retry.",
)
# Raised by storage adapters (the SQL adapter's bounded text columns) before they
# write; defined here because the adapters need an optional dependency, which the
# catalogue must not. The value itself is never a parameter: it may be personal data.
STORAGE_UNAVAILABLE: Final = define_code(
    "storage.unavailable",
    en="The database cannot be reached or lost the connection; nothing was committed.",
)
STORAGE_REFUSED: Final = define_code(
    "storage.refused",
    en="The database refused the operation; nothing was committed.",
)
STORAGE_SERIALIZATION: Final = define_code(
    "storage.serialization_conflict",
    en="A concurrent transaction changed the same data; nothing was committed: retry.",
)
STORAGE_VALUE_TOO_LONG: Final = define_code(
    "storage.value_too_long",
    en="The {field} is longer than the {limit} characters the storage holds.",
)


class SalesOrderError(Exception):
    """Base class of every exception raised by salesorder.

    Attributes:
        code: Stable dotted problem code (see ``docs/errors.md``).
        params: Structured, privacy-safe parameters of the message.
        path: JSON pointer of the field concerned, when there is one.
    """

    default_code: ClassVar[str] = ERROR_UNSPECIFIED

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
        """The message in ``locale``, negotiated by [salesorder.i18n.negotiate][].

        ``en``, ``zh_CN`` (Simplified Chinese), ``zh_TW``/``zh_HK`` (Traditional
        Chinese), a language a host added a catalog for; any other locale gives English.
        """
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


class InvalidMoney(SalesOrderError, ValueError):
    """An amount that cannot be money: NaN, infinity, absurd exponent, unparseable text."""

    default_code = MONEY_INVALID_AMOUNT


class FloatRefused(SalesOrderError, TypeError):
    """A ``float`` where an exact amount or quantity is expected."""

    default_code = MONEY_FLOAT_REFUSED


class ArgumentTypeError(SalesOrderError, TypeError):
    """An argument of a type the function does not take (an int where text is expected).

    Params: ``argument`` (its name), ``expected`` (what it takes), ``kind`` (the type
    given). The value itself is never a parameter.
    """

    default_code = ARGUMENT_WRONG_TYPE


class InvalidArgument(SalesOrderError, ValueError):
    """An argument of the right type with a value the function cannot take.

    Codes: ``argument.not_storable`` for text no store can hold, a NUL character or an
    unpaired UTF-16 surrogate (PostgreSQL's text refuses NUL, and no UTF-8 driver encodes
    a lone surrogate; params ``argument``, ``character``, ``position``);
    ``argument.not_a_choice`` for a value outside an enumeration (params ``argument``,
    ``choices``). Never the value itself, which may be personal data.
    """

    default_code = ARGUMENT_INVALID


class UnknownCurrency(SalesOrderError, ValueError):
    """A currency code that is not an ISO 4217 code known to CLDR."""

    default_code = MONEY_UNKNOWN_CURRENCY


class CurrencyMismatch(SalesOrderError, ValueError):
    """Arithmetic or comparison between amounts of different currencies."""

    default_code = MONEY_CURRENCY_MISMATCH


class AllocationError(SalesOrderError, ValueError):
    """A split that cannot be made: negative, empty or all-zero weights."""

    default_code = MONEY_ALLOCATION_INVALID_WEIGHTS


class InvalidOrder(SalesOrderError, ValueError):
    """A domain object constructed with values that break its own invariants."""

    default_code = ORDER_INVALID


class ValidationFailed(SalesOrderError, ValueError):
    """A payload or order did not pass validation.

    Attributes:
        report: The :class:`~salesorder.validation.ValidationReport` with every issue.
    """

    default_code = VALIDATION_FAILED

    def __init__(self, report: Any, *, code: str | None = None) -> None:
        self.report = report
        count = len(getattr(report, "errors", ()))
        super().__init__(code, params={"count": count})


class NotFound(SalesOrderError, LookupError):
    """An entity looked up by id or number does not exist."""

    default_code = ENTITY_NOT_FOUND


class IllegalTransition(SalesOrderError):
    """A lifecycle event that has no transition from the current state.

    Attributes:
        state: The state the order was in (its value).
        event: The event that was refused.
    """

    default_code = LIFECYCLE_ILLEGAL_TRANSITION

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

    default_code = RULE_VIOLATION

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

    default_code = STOCK_INSUFFICIENT

    def __init__(self, shortfalls: tuple[Shortfall, ...], *, code: str | None = None) -> None:
        self.shortfalls = tuple(shortfalls)
        skus = ", ".join(s.sku for s in self.shortfalls)
        super().__init__(code, params={"skus": skus, "count": len(self.shortfalls)})


class ConcurrencyConflict(SalesOrderError):
    """A save against a version that another writer has already replaced."""

    default_code = CONCURRENCY_CONFLICT


class StorageError(SalesOrderError):
    """The storage failed: unreachable, connection lost, or a statement refused.

    Storage adapters raise it in place of their driver's errors, whose messages may
    carry the statement's parameters (an order's document, a customer's phone): its
    message carries none. Nothing was committed.
    """

    default_code = STORAGE_UNAVAILABLE
