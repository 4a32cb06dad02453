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
from typing import Final, TextIO

from salesorder.schema import DEFAULT_LIMITS, order_json_schema
from salesorder.validation import ValidationContext, ValidationReport, validate

__all__ = [
    "SUBCOMMANDS",
    "add_demo",
    "add_relay",
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


def _run_relay(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from salesorder.outbox_relay import relay_command  # noqa: PLC0415  (only this command)

    if not (args.dead or args.requeue or args.webhooks):
        print("salesorder relay: --webhooks FILE is needed to deliver", file=err)
        return EXIT_USAGE
    return relay_command(args, out, err)


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text[:20]!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError("must be positive")
        return value

    return parse


def add_relay(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Add ``salesorder relay --db URL``: deliver the outbox to webhooks, list or re-queue."""
    parser = commands.add_parser(
        "relay", help="deliver queued events to webhooks until stopped (SIGTERM)"
    )
    parser.add_argument("--db", metavar="URL", required=True, help="SQLAlchemy URL")
    parser.add_argument("--tenant", default="default", help="tenant whose outbox to relay")
    parser.add_argument(
        "--webhooks",
        metavar="FILE",
        help='JSON: {"timeout": 5, "routes": [{"url", "secret_env"...}]}',
    )
    parser.add_argument("--batch", type=_positive(int), default=100, help="entries per batch")
    parser.add_argument("--poll", type=_positive(float), default=1.0, help="idle wait, seconds")
    parser.add_argument(
        "--report-every", type=_positive(float), default=60.0, help="seconds between reports"
    )
    parser.add_argument(
        "--max-attempts", type=_positive(int), default=10, help="attempts before parking"
    )
    parser.add_argument("--once", action="store_true", help="stop when nothing is due")
    parser.add_argument("--dead", action="store_true", help="list the parked entries")
    parser.add_argument(
        "--requeue",
        nargs="+",
        metavar="EVENT_ID",
        help="re-queue parked entries ('all': every one)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=_run_relay)


#: One function per subcommand, called in this order to build the parser.
SUBCOMMANDS: Final[tuple[Callable[[argparse._SubParsersAction[_Parser]], None], ...]] = (
    add_demo,
    add_validate,
    add_schema,
    add_relay,
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
