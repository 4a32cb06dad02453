"""Checking and importing a file: the options, the per-order outcomes, the report.

Invariants:

* a check enters nothing; an import checks the whole file first, then enters the
  orders found valid through :meth:`~salesorder.service.OrderService.enter`, each with
  an idempotency key made of the file's SHA-256 and the order key, so importing the
  same bytes again enters nothing new and reports the same orders;
* a problem of the file itself (unreadable, beyond the limits, a required column
  missing, a row that belongs to no order) is an error of the report and an import
  then enters nothing;
* issues are bounded: at most ``max_issues``, then one ``report.truncated``; an
  order's status never depends on whether its issues were listed;
* nothing but :class:`~salesorder.errors.SalesOrderError` leaves these functions.
"""

from __future__ import annotations

import enum
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs

from salesorder._intake.cells import cell_text
from salesorder._intake.codes import (
    FILE_FORMAT,
    FILE_NO_HEADER,
    FILE_NO_ORDERS,
    FILE_TOO_LARGE,
    ORDER_KEY_REPEATED,
    IntakeError,
    not_opened,
)
from salesorder._intake.drafts import Group, read_groups
from salesorder._intake.mapping import ColumnMapping, Columns
from salesorder._intake.sources import (
    FileFormat,
    FormulaPolicy,
    IntakeLimits,
    Refused,
    Table,
    detect_format,
    open_table,
)
from salesorder._validation.payload import REPORT_TRUNCATED
from salesorder._validation.report import Issue, Severity, ValidationReport
from salesorder._validation.rules import RuleSet, ValidationContext
from salesorder.errors import SalesOrderError, StorageError, ValidationFailed
from salesorder.money import in_exact_context
from salesorder.schema import DEFAULT_LIMITS, Limits
from salesorder.validation import validate

if TYPE_CHECKING:
    from salesorder.service import OrderService

__all__ = [
    "IntakeOptions",
    "IntakeReport",
    "OrderOutcome",
    "OutcomeStatus",
    "check_file",
    "idempotency_key",
    "import_file",
]

Source = str | os.PathLike[str] | bytes


def _invalid(option: str) -> IntakeError:
    return IntakeError("intake.option.invalid", params={"option": option})


def _of_type(kind: type, option: str) -> Callable[[object, object, object], None]:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if not isinstance(value, kind):
            raise _invalid(option)

    return check


def _formula_policy(value: str) -> FormulaPolicy:
    try:
        return FormulaPolicy(value)
    except ValueError:
        raise _invalid("formulas") from None


def _file_format(value: str | None) -> FileFormat | None:
    if value is None:
        return None
    try:
        return FileFormat(value)
    except ValueError:
        raise _invalid("file_format") from None


def _first_row(_instance: object, _attribute: object, value: object) -> None:
    if type(value) is not int or value < 1:
        raise _invalid("header_row")


def _one_character(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or len(value) != 1):
        raise _invalid("delimiter")


@attrs.frozen(kw_only=True)
class IntakeOptions:
    """How a file is read.

    Attributes:
        mapping: Which headers name which field (English and Chinese by default).
        limits: Bounds of the file.
        formulas: What a formula cell means (its cached value by default).
        sheet: The worksheet to read; the first one by default.
        header_row: The row of the headers (1-based); the rows above it are skipped.
        currency: The currency of orders whose rows name none (no currency column, or
            a blank cell).
        file_format: ``xlsx`` or ``csv``; by default from the file's first bytes and name.
        encoding: The text encoding of a CSV file; by default UTF-8 (with or without
            BOM) when the bytes are UTF-8, else GB18030.
        delimiter: The CSV delimiter; by default the one of ``,``, ``;`` and tab that
            the header line uses most.

    Raises:
        IntakeError: ``intake.option.invalid`` for an option of the wrong kind or value.
    """

    mapping: ColumnMapping = attrs.field(
        factory=ColumnMapping.default, validator=_of_type(ColumnMapping, "mapping")
    )
    limits: IntakeLimits = attrs.field(
        factory=IntakeLimits, validator=_of_type(IntakeLimits, "limits")
    )
    formulas: FormulaPolicy = attrs.field(
        default=FormulaPolicy.CACHED_VALUE, converter=_formula_policy
    )
    sheet: str | None = None
    header_row: int = attrs.field(default=1, validator=_first_row)
    currency: str | None = None
    file_format: FileFormat | None = attrs.field(default=None, converter=_file_format)
    encoding: str | None = None
    delimiter: str | None = attrs.field(default=None, validator=_one_character)


class OutcomeStatus(enum.StrEnum):
    """What became of one order of the file."""

    VALID = "valid"
    """Checked without error (a check), or not entered because the file has errors."""
    INVALID = "invalid"
    """The check found errors: not entered."""
    ENTERED = "entered"
    """Entered (or entered before, by an import of the same file)."""
    REFUSED = "refused"
    """Valid when checked, then refused by the service when entered."""


@attrs.frozen(kw_only=True)
class OrderOutcome:
    """One order of the file and what became of it.

    Attributes:
        key: The order key (订单号) as the file writes it.
        first_row: Its first row in the file.
        last_row: Its last row.
        line_count: Its rows of lines.
        status: What became of it.
        issues: Its issues (those the report's bound left room for).
        order_id: The entered order's id (status entered).
        number: The entered order's number (status entered).
    """

    key: str
    first_row: int
    last_row: int
    line_count: int
    status: OutcomeStatus
    issues: tuple[Issue, ...] = ()
    order_id: str | None = None
    number: str | None = None

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """A JSON-ready mapping of the outcome."""
        return {
            "key": self.key,
            "rows": [self.first_row, self.last_row],
            "line_count": self.line_count,
            "status": self.status.value,
            "order_id": self.order_id,
            "number": self.number,
            "issues": [issue.to_dict(locale) for issue in self.issues],
        }


@attrs.frozen(kw_only=True)
class IntakeReport:
    """Everything a check or an import of one file found and did.

    Attributes:
        digest: The SHA-256 of the file's bytes (hex).
        file_format: ``xlsx`` or ``csv`` (None when the format was not recognised).
        dry_run: True for a check, False for an import.
        outcomes: Each order of the file, in file order, with its issues.
        file_issues: The issues of the file itself: its size, format, columns, rows
            that belong to no order.
        file_ok: False when the file itself has an error (then an import enters
            nothing), even if the bound on issues left that error unlisted.
        dropped: Issues found beyond ``limits.max_issues`` and not listed.
    """

    digest: str
    file_format: FileFormat | None
    dry_run: bool
    outcomes: tuple[OrderOutcome, ...]
    file_issues: tuple[Issue, ...]
    file_ok: bool = True
    dropped: int = 0

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Every issue listed, each with its cell.

        The file's, then each order's, and a final ``report.truncated`` when some were
        not listed.
        """
        listed = (*self.file_issues, *(i for outcome in self.outcomes for i in outcome.issues))
        if not self.dropped:
            return listed
        return (*listed, Issue(REPORT_TRUNCATED, "", params={"max": len(listed)}))

    @property
    def ok(self) -> bool:
        """True when nothing in the file is an error."""
        return (
            self.file_ok
            and not any(issue.severity is Severity.ERROR for issue in self.file_issues)
            and all(
                outcome.status in {OutcomeStatus.VALID, OutcomeStatus.ENTERED}
                for outcome in self.outcomes
            )
        )

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues of severity error."""
        return tuple(issue for issue in self.issues if issue.severity is Severity.ERROR)

    def with_status(self, status: OutcomeStatus) -> tuple[OrderOutcome, ...]:
        """The orders whose outcome is ``status``."""
        return tuple(outcome for outcome in self.outcomes if outcome.status is status)

    @property
    def entered(self) -> tuple[OrderOutcome, ...]:
        """The orders entered."""
        return self.with_status(OutcomeStatus.ENTERED)

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """A JSON-ready summary: counts, the file's issues, every order's outcome."""
        counts = {status.value: len(self.with_status(status)) for status in OutcomeStatus}
        issues = [issue.to_dict(locale) for issue in self.file_issues]
        if self.dropped:
            issues.append(self.issues[-1].to_dict(locale))
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "digest": self.digest,
            "format": None if self.file_format is None else self.file_format.value,
            "orders": len(self.outcomes),
            "counts": counts,
            "error_count": len(self.errors),
            "file_issues": issues,
            "outcomes": [outcome.to_dict(locale) for outcome in self.outcomes],
        }


def idempotency_key(digest: str, key: str) -> str:
    """The idempotency key an import enters an order with: the file's digest and its key."""
    material = f"{digest}\x00{key}".encode(errors="surrogatepass")
    return "intake:" + hashlib.sha256(material).hexdigest()


@attrs.define
class _IssueLog:
    """The report's issues, bounded: past the bound, issues are counted, not kept."""

    limit: int
    kept: list[Issue] = attrs.Factory(list)
    dropped: int = 0

    def add(self, issue: Issue) -> bool:
        if len(self.kept) < self.limit:
            self.kept.append(issue)
            return True
        self.dropped += 1
        return False


def _read_at_most(file: BinaryIO, most: int) -> bytes:
    """At most ``most`` bytes of ``file``, without reserving ``most`` bytes up front."""
    status = os.fstat(file.fileno())
    if stat.S_ISREG(status.st_mode):
        # A regular file says its size: read that much (and one more byte, should it grow).
        return file.read(min(most, status.st_size + 1))
    chunks = bytearray()
    while len(chunks) < most and (chunk := file.read(min(1 << 20, most - len(chunks)))):
        chunks += chunk
    return bytes(chunks)


def _read(source: Source, limit: int) -> tuple[bytes, str | None]:
    if isinstance(source, bytes):
        return source, None
    try:
        with Path(source).open("rb") as file:
            return _read_at_most(file, limit + 1), os.fspath(source)
    except OSError as error:
        raise not_opened(error) from None
    except (TypeError, ValueError):
        raise not_opened(None) from None


@attrs.define
class _Pass:
    """One reading of the file: its table, columns and groups, or why it cannot be read."""

    file_format: FileFormat | None
    table: Table | None = None
    columns: Columns | None = None
    refusal: Issue | None = None


def _open(data: bytes, name: str | None, options: IntakeOptions) -> _Pass:
    if len(data) > options.limits.max_file_bytes:
        refusal = Issue(FILE_TOO_LARGE, "", params={"max": options.limits.max_file_bytes})
        return _Pass(None, refusal=refusal)
    file_format = options.file_format or detect_format(data, name)
    if file_format is None:
        return _Pass(None, refusal=Issue(FILE_FORMAT, ""))
    try:
        table = open_table(
            data,
            file_format,
            limits=options.limits,
            header_row=options.header_row,
            sheet=options.sheet,
            formulas=options.formulas,
            encoding=options.encoding,
            delimiter=options.delimiter,
            header_text=cell_text,
        )
    except Refused as refused:
        return _Pass(file_format, refusal=refused.issue)
    if not any(table.header):
        refusal = Issue(
            FILE_NO_HEADER,
            "",
            params={"row": options.header_row},
            cell=table.row(options.header_row),
        )
        return _Pass(file_format, table, refusal=refusal)
    columns = options.mapping.resolve(
        table.header,
        cell=lambda column: table.cell(options.header_row, column),
        row=table.row(options.header_row),
    )
    return _Pass(file_format, table, columns)


def _groups(
    reading: _Pass, options: IntakeOptions, limits: Limits, stray: Callable[[Issue], object]
) -> Iterator[Group]:
    assert reading.table is not None  # noqa: S101  (the caller checked the reading)
    assert reading.columns is not None  # noqa: S101
    yield from read_groups(
        reading.table,
        reading.columns.index,
        limits=limits,
        currency=options.currency,
        stray=stray,
    )


Checker = Callable[[dict[str, Any]], ValidationReport]


@attrs.define
class _Run:
    """The state of one check: the outcomes so far and the issue log."""

    log: _IssueLog
    outcomes: list[OrderOutcome] = attrs.Factory(list)
    file_issues: list[Issue] = attrs.Factory(list)
    first_parts: dict[str, tuple[int, int]] = attrs.Factory(dict)
    file_errors: bool = False

    def note(self, issue: Issue) -> None:
        """Record an issue of the file itself."""
        if issue.severity is Severity.ERROR:
            self.file_errors = True
        if self.log.add(issue):
            self.file_issues.append(issue)

    def check(self, group: Group, checker: Checker) -> None:
        issues = list(group.issues)
        first, index = self.first_parts.setdefault(group.key, (group.first_row, len(self.outcomes)))
        if first != group.first_row:
            issues.append(
                Issue(
                    ORDER_KEY_REPEATED,
                    "/external_ref",
                    params={"first": first, "row": group.first_row},
                    cell=group.locate("/external_ref"),
                )
            )
            # The first part of the key is invalid too (the parts between have issues
            # of their own): one outcome to change, so alternating keys stay linear.
            first_part = self.outcomes[index]
            self.outcomes[index] = attrs.evolve(first_part, status=OutcomeStatus.INVALID)
        if not any(issue.severity is Severity.ERROR for issue in issues):
            issues.extend(group.located(issue) for issue in checker(group.payload).issues)
        failed = any(issue.severity is Severity.ERROR for issue in issues)
        self.outcomes.append(
            OrderOutcome(
                key=group.key,
                first_row=group.first_row,
                last_row=group.last_row,
                line_count=group.line_count,
                status=OutcomeStatus.INVALID if failed else OutcomeStatus.VALID,
                issues=tuple(issue for issue in issues if self.log.add(issue)),
            )
        )


def _checker(
    service: OrderService | None, rules: RuleSet | None, context: ValidationContext | None
) -> Checker:
    if service is not None:
        return service.check

    def check(payload: dict[str, Any]) -> ValidationReport:
        return validate(payload, rules=rules, context=context)

    return check


def _check(
    data: bytes, name: str | None, options: IntakeOptions, checker: Checker, limits: Limits
) -> tuple[_Pass, _Run]:
    run = _Run(_IssueLog(options.limits.max_issues))
    reading = _open(data, name, options)
    if reading.refusal is not None:
        run.note(reading.refusal)
        return reading, run
    assert reading.columns is not None  # noqa: S101  (set whenever there is no refusal)
    for issue in reading.columns.issues:
        run.note(issue)
    if not reading.columns.complete:
        return reading, run
    try:
        for group in _groups(reading, options, limits, run.note):
            run.check(group, checker)
    except Refused as refused:
        run.note(refused.issue)
    if not run.outcomes and not run.file_errors:
        run.note(Issue(FILE_NO_ORDERS, ""))
    return reading, run


def _report(digest: str, reading: _Pass, run: _Run, *, dry_run: bool) -> IntakeReport:
    return IntakeReport(
        digest=digest,
        file_format=reading.file_format,
        dry_run=dry_run,
        outcomes=tuple(run.outcomes),
        file_issues=tuple(run.file_issues),
        file_ok=not run.file_errors,
        dropped=run.log.dropped,
    )


@in_exact_context
def check_file(
    source: Source,
    *,
    options: IntakeOptions | None = None,
    service: OrderService | None = None,
    rules: RuleSet | None = None,
    context: ValidationContext | None = None,
) -> IntakeReport:
    """Read a file of orders and report every problem, cell by cell; enter nothing.

    Args:
        source: A path to an ``.xlsx`` or ``.csv`` file, or its bytes.
        options: How to read it (:class:`IntakeOptions` defaults).
        service: When given, each order is checked as :meth:`OrderService.check
            <salesorder.service.OrderService.check>` would (its rules, price list,
            credit and stock), so the check predicts an import.
        rules: Without a service: the rules :func:`~salesorder.validation.validate`
            runs (the default rules by default).
        context: Without a service: the validation context (date, limits, lookups).

    Returns:
        The report; its outcomes are ``valid`` or ``invalid``.

    Raises:
        IntakeError: the file cannot be opened, or an ``.xlsx`` file without the
            ``excel`` extra installed.
    """
    options = options if options is not None else IntakeOptions()
    data, name = _read(source, options.limits.max_file_bytes)
    limits = context.limits if context is not None and service is None else DEFAULT_LIMITS
    reading, run = _check(data, name, options, _checker(service, rules, context), limits)
    return _report(hashlib.sha256(data).hexdigest(), reading, run, dry_run=True)


@in_exact_context
def import_file(
    source: Source,
    *,
    service: OrderService,
    actor: str,
    options: IntakeOptions | None = None,
) -> IntakeReport:
    """Check a file of orders, then enter every valid order through ``service``.

    The file is checked whole first, as :func:`check_file` with the service does. When
    the file itself has an error (unreadable, beyond the limits, a required column
    missing, a row outside any order) nothing is entered. Otherwise each valid order is
    entered with :func:`idempotency_key` of the file's digest and its order key:
    importing the same file again enters nothing new and reports the same orders.

    Args:
        source: A path to an ``.xlsx`` or ``.csv`` file, or its bytes.
        service: The service that enters the orders.
        actor: Who imports (recorded as the orders' salesperson when the file names
            none, as :meth:`~salesorder.service.OrderService.enter` does).
        options: How to read the file.

    Returns:
        The report; each outcome is ``entered``, ``invalid`` or ``refused`` (or
        ``valid`` when the file's own errors stopped the import).

    Raises:
        IntakeError: as :func:`check_file`.
        StorageError: the storage failed while entering (orders entered before stay
            entered; an import of the same file again resumes where this one stopped).
    """
    options = options if options is not None else IntakeOptions()
    data, name = _read(source, options.limits.max_file_bytes)
    digest = hashlib.sha256(data).hexdigest()
    checker = _checker(service, None, None)
    reading, run = _check(data, name, options, checker, DEFAULT_LIMITS)
    if run.file_errors or not any(o.status is OutcomeStatus.VALID for o in run.outcomes):
        return _report(digest, reading, run, dry_run=False)
    # The same bytes, read again: the groups come in the same order as the check's.
    again = _groups(_open(data, name, options), options, DEFAULT_LIMITS, lambda _issue: None)
    for index, group in enumerate(again):
        outcome = run.outcomes[index]
        if outcome.status is not OutcomeStatus.VALID:
            continue
        run.outcomes[index] = _enter(
            service, group, outcome, digest=digest, actor=actor, log=run.log
        )
    return _report(digest, reading, run, dry_run=False)


def _enter(
    service: OrderService,
    group: Group,
    outcome: OrderOutcome,
    *,
    digest: str,
    actor: str,
    log: _IssueLog,
) -> OrderOutcome:
    try:
        order = service.enter(
            group.payload, actor=actor, idempotency_key=idempotency_key(digest, group.key)
        )
    except ValidationFailed as failure:
        report: ValidationReport = failure.report
        found = [group.located(issue) for issue in report.issues]
    except StorageError:
        raise
    except SalesOrderError as error:
        issue = Issue(error.code, error.path or "", params=error.params)
        found = [group.located(issue)]
    else:
        return attrs.evolve(
            outcome, status=OutcomeStatus.ENTERED, order_id=order.id, number=order.number
        )
    kept = tuple(issue for issue in found if log.add(issue))
    return attrs.evolve(outcome, status=OutcomeStatus.REFUSED, issues=outcome.issues + kept)
