"""The ``salesorder`` command: validate order files, print the JSON Schema.

Exit codes: 0 every file is valid, 1 some file has errors, 2 usage error (bad
option, missing or unreadable file). Bad input never produces a traceback.

Hostile files are handled as such: at most one byte more than the payload limit is
read from a file (``/dev/zero`` is refused as too large, not loaded), and control and
bidirectional-override characters that a payload carries into a message (a SKU, say)
are printed escaped, so they cannot move the cursor, recolour the terminal or reorder
the text a reader sees.

Each subcommand is one function that adds its parser and sets its handler; to add
one, write such a function and list it in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from salesorder.errors import SalesOrderError
from salesorder.intake import (
    FormulaPolicy,
    IntakeOptions,
    IntakeReport,
    OutcomeStatus,
    check_file,
    import_file,
)
from salesorder.schema import DEFAULT_LIMITS, order_json_schema
from salesorder.validation import Issue, ValidationContext, ValidationReport, validate

if TYPE_CHECKING:
    from salesorder.service import OrderService

__all__ = [
    "SUBCOMMANDS",
    "add_demo",
    "add_import",
    "add_schema",
    "add_validate",
    "build_parser",
    "main",
]

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]

# Characters a terminal acts on rather than shows: C0 and C1 controls (ESC starts colour
# and cursor sequences) and the bidirectional marks, embeddings, overrides and isolates.
_NOT_ESCAPED_BY_JSON: Final = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE: Final = re.compile(f"[\x00-\x1f{_NOT_ESCAPED_BY_JSON}]")
_UNSAFE_IN_JSON: Final = re.compile(f"[{_NOT_ESCAPED_BY_JSON}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _shown(text: str) -> str:
    """``text`` with every character a terminal would act on written as an escape."""
    return _UNSAFE.sub(_escape, text)


def _read_at_most(name: str, limit: int) -> bytes:
    """The file's first ``limit + 1`` bytes: enough for validation to refuse it as too large."""
    with Path(name).open("rb") as file:
        return file.read(limit + 1)


class _UsageError(Exception):
    """Raised by argparse instead of exiting, so that :func:`main` returns 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"not a date (YYYY-MM-DD): {text[:20]!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _print_text(name: str, report: ValidationReport, locale: str, out: TextIO) -> None:
    name = _shown(name)
    if not report.issues:
        print(f"{name}: OK", file=out)
        return
    status = "OK" if report.ok else "INVALID"
    print(f"{name}: {status}", file=out)
    for issue in report.issues:
        where = _shown(issue.path or "/")
        message = _shown(issue.message(locale))
        print(f"  {issue.severity.value:8s} {where}  [{issue.code}] {message}", file=out)


def _run_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    payloads: list[tuple[str, bytes]] = []
    for name in args.files:
        try:
            payloads.append((name, _read_at_most(name, DEFAULT_LIMITS.max_bytes)))
        except OSError as error:
            reason = error.strerror or type(error).__name__
            print(f"salesorder validate: cannot read {_shown(name)}: {reason}", file=err)
            return EXIT_USAGE
    context = ValidationContext(today=args.today)
    results = [(name, validate(data, context=context)) for name, data in payloads]
    if args.format == "json":
        document = [{"file": name, **report.to_dict(args.locale)} for name, report in results]
        # json.dumps escapes the C0 controls in strings itself; the rest, the JSON way.
        text = json.dumps(document, ensure_ascii=False, indent=2)
        print(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text), file=out)
    else:
        for name, report in results:
            _print_text(name, report, args.locale, out)
    return EXIT_OK if all(report.ok for _, report in results) else EXIT_INVALID


def add_validate(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Add ``salesorder validate FILE... [--locale] [--format] [--today]``."""
    parser = commands.add_parser("validate", help="validate order JSON files")
    parser.add_argument("files", nargs="+", metavar="FILE", help="order JSON file(s)")
    parser.add_argument("--locale", choices=("en", "zh_CN"), default="en")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        help="business date for the delivery-date rule (skipped when absent)",
    )
    parser.set_defaults(handler=_run_validate)


def _run_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    print(json.dumps(order_json_schema(), ensure_ascii=False, indent=2), file=out)
    return EXIT_OK


def add_schema(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Add ``salesorder schema``: print the JSON Schema of an order payload."""
    parser = commands.add_parser("schema", help="print the JSON Schema of an order")
    parser.set_defaults(handler=_run_schema)


def _run_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from salesorder.demo import render_demo, run_demo  # noqa: PLC0415  (only this command)

    print(render_demo(run_demo(args.db), locale=args.locale), file=out)
    return EXIT_OK


def add_demo(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Add ``salesorder demo [--locale]``: a whole order story on the embedded default."""
    parser = commands.add_parser(
        "demo", help="run a realistic order story end to end and print what happened"
    )
    parser.add_argument("--locale", choices=("en", "zh_CN"), default="en")
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="run on the SQL adapter at this SQLAlchemy URL (needs salesorder[sql])",
    )
    parser.set_defaults(handler=_run_demo)


def _print_intake(name: str, report: IntakeReport, locale: str, out: TextIO) -> None:
    def issue_line(issue: Issue) -> str:
        where = _shown(issue.cell or issue.path or "/")
        message = _shown(issue.message(locale))
        return f"    {issue.severity.value:8s} {where}  [{issue.code}] {message}"

    counts = ", ".join(
        f"{len(report.with_status(status))} {status.value}" for status in OutcomeStatus
    )
    print(f"{_shown(name)}: {'OK' if report.ok else 'INVALID'} ({counts})", file=out)
    for issue in report.file_issues:
        print(issue_line(issue), file=out)
    for outcome in report.outcomes:
        entered = f" -> {_shown(outcome.number or '')}" if outcome.number else ""
        rows = f"rows {outcome.first_row}-{outcome.last_row}"
        print(f"  {_shown(outcome.key)} ({rows}): {outcome.status.value}{entered}", file=out)
        for issue in outcome.issues:
            print(issue_line(issue), file=out)
    if report.dropped:
        print(issue_line(report.issues[-1]), file=out)


def _intake_service(url: str, tenant: str, currency: str) -> OrderService:
    from salesorder.adapters.memory import SystemClock  # noqa: PLC0415  (only this command)
    from salesorder.adapters.sql import SqlDatabase, SqlNumbering  # noqa: PLC0415
    from salesorder.pricing import PriceList  # noqa: PLC0415
    from salesorder.service import OrderService  # noqa: PLC0415
    from salesorder.settings import PricingSettings  # noqa: PLC0415

    database = SqlDatabase(url, tenant_id=tenant)
    database.create_schema()
    # Without the host's price list, every line must carry its own unit price.
    return OrderService(
        unit_of_work=database.unit_of_work,
        clock=SystemClock(),
        numbering=SqlNumbering(database),
        pricing_settings=PricingSettings(price_list=PriceList(currency, ())),
    )


def _run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.db is None and not args.dry_run:
        print("salesorder import: entering orders needs --db URL (or use --dry-run)", file=err)
        return EXIT_USAGE
    options = IntakeOptions(
        currency=args.currency, sheet=args.sheet, formulas=FormulaPolicy(args.formulas)
    )
    try:
        if args.db is None:
            report = check_file(args.file, options=options)
        else:
            service = _intake_service(args.db, args.tenant, args.currency or "CNY")
            if args.dry_run:
                report = check_file(args.file, options=options, service=service)
            else:
                report = import_file(args.file, service=service, actor=args.actor, options=options)
    except SalesOrderError as error:
        print(f"salesorder import: {_shown(str(error))}", file=err)
        return EXIT_USAGE
    if args.format == "json":
        document = {"file": args.file, **report.to_dict(args.locale)}
        text = json.dumps(document, ensure_ascii=False, indent=2)
        print(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text), file=out)
    else:
        _print_intake(args.file, report, args.locale, out)
    return EXIT_OK if report.ok else EXIT_INVALID


def add_import(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Add ``salesorder import FILE [--dry-run] [--db URL] [--format json] ...``."""
    parser = commands.add_parser(
        "import", help="check or enter the orders of an .xlsx or .csv file (订单导入)"
    )
    parser.add_argument("file", metavar="FILE", help="an .xlsx or .csv file of order rows")
    parser.add_argument(
        "--dry-run", action="store_true", help="check every order and enter nothing"
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="enter the orders into the SQL database at this SQLAlchemy URL "
        "(needs salesorder[sql]); with --dry-run, check against it",
    )
    parser.add_argument("--tenant", default="default", help="tenant of the database")
    parser.add_argument("--actor", default="import", help="who enters the orders")
    parser.add_argument("--currency", default=None, help="currency of orders naming none")
    parser.add_argument("--sheet", default=None, help="worksheet to read (the first one)")
    parser.add_argument(
        "--formulas",
        choices=[policy.value for policy in FormulaPolicy],
        default=FormulaPolicy.CACHED_VALUE.value,
        help="a formula cell: its saved value, or refused (formulas are never evaluated)",
    )
    parser.add_argument("--locale", choices=("en", "zh_CN"), default="en")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=_run_import)


#: One function per subcommand, called in this order to build the parser.
SUBCOMMANDS: Final[tuple[Callable[[argparse._SubParsersAction[_Parser]], None], ...]] = (
    add_demo,
    add_validate,
    add_schema,
    add_import,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    parser = _Parser(prog="salesorder", description="Sales order management tools.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns:
        The exit code: 0 valid, 1 invalid, 2 usage error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"salesorder: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as done:  # --help and --version exit through argparse
        return done.code if isinstance(done.code, int) else EXIT_OK
    handler: Handler = args.handler
    return handler(args, sys.stdout, sys.stderr)
