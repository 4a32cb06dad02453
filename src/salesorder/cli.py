"""The ``salesorder`` command: validate and price order files, print the JSON Schema, a demo.

Exit codes: 0 every file is valid, 1 some file has errors (or cannot be priced), 2 usage
error (bad option, missing or unreadable file, a missing extra). Bad input never
produces a traceback. ``-`` as a file name reads standard input; ``--version`` prints
the version; a usage error prints the usage of the subcommand it concerns.

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
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, TextIO

from salesorder import __version__
from salesorder.errors import SalesOrderError
from salesorder.intake import (
    FormulaPolicy,
    IntakeOptions,
    IntakeReport,
    OutcomeStatus,
    check_file,
    import_file,
)
from salesorder.money import Money
from salesorder.order import Order
from salesorder.pricing import PriceBreakdown, PriceList, price
from salesorder.schema import DEFAULT_LIMITS, order_json_schema
from salesorder.validation import Issue, ValidationContext, ValidationReport, validate

if TYPE_CHECKING:
    from salesorder.service import OrderService

__all__ = [
    "SUBCOMMANDS",
    "add_demo",
    "add_import",
    "add_price",
    "add_print",
    "add_relay",
    "add_schema",
    "add_validate",
    "build_parser",
    "main",
]

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
STDIN: Final = "-"
#: The languages of --locale: English, Simplified and Traditional Chinese (the catalogs
#: of salesorder.i18n; zh_HK negotiates like zh_TW). The demo's story is written in en
#: and zh_CN only.
LOCALES: Final = ("en", "zh_CN", "zh_TW")
DEMO_LOCALES: Final = ("en", "zh_CN")

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
    """The file's first ``limit + 1`` bytes: enough for validation to refuse it as too large.

    ``-`` is standard input.
    """
    if name == STDIN:
        return sys.stdin.buffer.read(limit + 1)
    with Path(name).open("rb") as file:
        return file.read(limit + 1)


def _read_payloads(
    command: str, names: Sequence[str], err: TextIO
) -> list[tuple[str, bytes]] | None:
    """Each named file's bytes, or None after printing why one cannot be read."""
    if list(names).count(STDIN) > 1:
        print(f"salesorder {command}: standard input (-) can be read only once", file=err)
        return None
    payloads: list[tuple[str, bytes]] = []
    for name in names:
        try:
            payloads.append((name, _read_at_most(name, DEFAULT_LIMITS.max_bytes)))
        except OSError as error:
            reason = error.strerror or type(error).__name__
            print(f"salesorder {command}: cannot read {_shown(name)}: {reason}", file=err)
            return None
    return payloads


class _UsageError(Exception):
    """Raised by argparse instead of exiting, so that :func:`main` returns 2."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(self, message)


class _Commands(Protocol):
    """What a subcommand needs of ``add_subparsers()``: a way to add its parser."""

    def add_parser(self, name: str, **kwargs: Any) -> _Parser: ...


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


def _dumps(document: object) -> str:
    # json.dumps escapes the C0 controls in strings itself; the rest, the JSON way.
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _run_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    payloads = _read_payloads("validate", args.files, err)
    if payloads is None:
        return EXIT_USAGE
    context = ValidationContext(today=args.today)
    results = [(name, validate(data, context=context)) for name, data in payloads]
    if args.format == "json":
        document = [{"file": name, **report.to_dict(args.locale)} for name, report in results]
        print(_dumps(document), file=out)
    else:
        for name, report in results:
            _print_text(name, report, args.locale, out)
    return EXIT_OK if all(report.ok for _, report in results) else EXIT_INVALID


def add_validate(commands: _Commands) -> None:
    """Add ``salesorder validate FILE... [--locale] [--format] [--today]``."""
    parser = commands.add_parser(
        "validate", help="validate order JSON files", description="Validate order JSON files."
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="order JSON file(s); - reads standard input"
    )
    _add_locale(parser)
    _add_format(parser, "a list of reports, one per file, with codes, paths and messages")
    parser.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        help="business date for the delivery-date rule (skipped when absent)",
    )
    parser.set_defaults(handler=_run_validate)


def _add_locale(parser: argparse.ArgumentParser, choices: tuple[str, ...] = LOCALES) -> None:
    names = {"en": "en (English)", "zh_CN": "zh_CN (简体中文)", "zh_TW": "zh_TW (繁體中文)"}
    parser.add_argument(
        "--locale",
        choices=choices,
        default="en",
        help="language of messages and labels: "
        + ", ".join(names[choice] for choice in choices)
        + "; default en",
    )


def _add_format(parser: argparse.ArgumentParser, json_is: str) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help=f"text for people (default) or json: {json_is}",
    )


def _run_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    print(json.dumps(order_json_schema(), ensure_ascii=False, indent=2), file=out)
    return EXIT_OK


def add_schema(commands: _Commands) -> None:
    """Add ``salesorder schema``: print the JSON Schema of an order payload."""
    parser = commands.add_parser(
        "schema",
        help="print the JSON Schema of an order",
        description="Print the JSON Schema (draft 2020-12) of an order payload.",
    )
    parser.set_defaults(handler=_run_schema)


def _run_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.db is not None and importlib.util.find_spec("sqlalchemy") is None:
        print(
            "salesorder demo: --db runs on the SQL adapter, which needs the sql extra: "
            'pip install "salesorder[sql]"',
            file=err,
        )
        return EXIT_USAGE
    from salesorder.demo import render_demo, run_demo  # noqa: PLC0415  (only this command)

    try:
        result = run_demo(args.db)
    except ModuleNotFoundError as missing:
        # The URL names a database driver that is not installed (mysql:// without MySQLdb).
        print(f"salesorder demo: the database driver {missing.name} is not installed", file=err)
        return EXIT_USAGE
    except Exception as error:
        # A URL SQLAlchemy cannot parse or a server it cannot reach is bad input, not a bug.
        if not type(error).__module__.startswith("sqlalchemy"):
            raise
        reason = _shown(str(error).splitlines()[0] if str(error) else type(error).__name__)
        print(f"salesorder demo: cannot use the database at --db: {reason}", file=err)
        return EXIT_USAGE
    print(render_demo(result, locale=args.locale), file=out)
    return EXIT_OK


def add_demo(commands: _Commands) -> None:
    """Add ``salesorder demo [--locale]``: a whole order story on the embedded default."""
    parser = commands.add_parser(
        "demo",
        help="run a realistic order story end to end and print what happened",
        description="Run a realistic order story end to end and print what happened.",
    )
    _add_locale(parser, DEMO_LOCALES)
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="run on the SQL adapter at this SQLAlchemy URL (needs salesorder[sql])",
    )
    parser.set_defaults(handler=_run_demo)


def _iso_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        msg = f"not a date and time (YYYY-MM-DDTHH:MM[+08:00]): {text[:30]!r}"
        raise argparse.ArgumentTypeError(msg) from None
    # A time without an offset is taken as UTC, so the result does not depend on the host.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _agreed_prices(order: Order) -> PriceList:
    """A price list of the unit prices the order itself carries."""
    return PriceList.of(
        order.currency,
        [(line.sku, line.unit_price) for line in order.lines if line.unit_price is not None],
        name="the order's own prices",
    )


def _error_text(error: SalesOrderError, locale: str) -> str:
    where = f" ({error.path})" if error.path else ""
    return _shown(f"[{error.code}] {error.message(locale)}{where}")


def _price_list_file(name: str, currency: str, locale: str, err: TextIO) -> PriceList | None:
    """A price list from a JSON object ``{"SKU": "unit price", ...}``, or None if unusable."""
    try:
        data = json.loads(_read_at_most(name, DEFAULT_LIMITS.max_bytes))
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or "not a JSON object of SKU to unit price"
        print(f"salesorder price: cannot read {_shown(name)}: {reason}", file=err)
        return None
    if not isinstance(data, dict) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in data.values()
    ):
        print(
            f"salesorder price: {_shown(name)} must be a JSON object of SKU to unit price "
            '(a string or an integer, e.g. {"TEA-LJ-250": "128.00"})',
            file=err,
        )
        return None
    try:
        return PriceList.of(currency, [(str(sku), str(amount)) for sku, amount in data.items()])
    except SalesOrderError as error:
        print(f"salesorder price: {_shown(name)}: {_error_text(error, locale)}", file=err)
        return None


def _amount(money: Money | None) -> str | None:
    return None if money is None else f"{money.amount:f}"


def _breakdown_document(breakdown: PriceBreakdown, locale: str) -> dict[str, Any]:
    """The breakdown as JSON data: amounts as exact decimal strings, messages in ``locale``."""

    def adjustments(item: Any) -> list[dict[str, Any]]:
        return [
            {
                "kind": adjustment.kind,
                "promotion_id": adjustment.promotion_id,
                "coupon": adjustment.coupon,
                "amount": _amount(adjustment.amount),
                "message": adjustment.message(locale),
            }
            for adjustment in item.adjustments
        ]

    def amounts(item: Any) -> dict[str, Any]:
        return {
            "discount": _amount(item.discount),
            "net": _amount(item.net),
            "tax": _amount(item.tax),
            "gross": _amount(item.gross),
            "tax_code": item.tax_code,
            "tax_rate": f"{item.tax_rate:f}",
            "adjustments": adjustments(item),
        }

    return {
        "currency": breakdown.currency,
        "prices_include_tax": breakdown.prices_include_tax,
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "quantity": f"{line.quantity:f}",
                "is_gift": line.is_gift,
                "list_price": _amount(line.list_price),
                "unit_price": _amount(line.unit_price),
                "extended": _amount(line.extended),
                **amounts(line),
            }
            for line in breakdown.lines
        ],
        "charges": [
            {
                "charge_id": charge.charge_id,
                "kind": charge.kind,
                "amount": _amount(charge.amount),
                **amounts(charge),
            }
            for charge in breakdown.charges
        ],
        "totals": {
            "subtotal": _amount(breakdown.subtotal),
            "discount_total": _amount(breakdown.discount_total),
            "charges_total": _amount(breakdown.charges_total),
            "net_total": _amount(breakdown.net_total),
            "tax_total": _amount(breakdown.tax_total),
            "grand_total": _amount(breakdown.grand_total),
        },
        "applied": [
            {
                "promotion_id": applied.promotion_id,
                "name": applied.name,
                "amount": _amount(applied.amount),
                "message": applied.message(locale),
            }
            for applied in breakdown.applied
        ],
        "rejected": [
            {"kind": r.kind, "id": r.id, "code": r.code, "message": r.message(locale)}
            for r in breakdown.rejected
        ],
        "flags": [
            {"code": f.code, "line_id": f.line_id, "message": f.message(locale)}
            for f in breakdown.flags
        ],
        "explain": breakdown.explain(locale),
    }


def _priced(
    command: str, args: argparse.Namespace, err: TextIO
) -> tuple[str, Order, PriceBreakdown] | int:
    """The file's order and its price breakdown, or the exit code after saying why not."""
    if args.file == STDIN and args.price_list == STDIN:
        print(f"salesorder {command}: standard input (-) can be read only once", file=err)
        return EXIT_USAGE
    payloads = _read_payloads(command, [args.file], err)
    if payloads is None:
        return EXIT_USAGE
    ((name, data),) = payloads
    report = validate(data, context=ValidationContext())
    if report.order is None or not report.ok:
        _print_text(name, report, args.locale, err)
        return EXIT_INVALID
    order = report.order
    if args.price_list is None:
        price_list = _agreed_prices(order)
    else:
        found = _price_list_file(args.price_list, order.currency, args.locale, err)
        if found is None:
            return EXIT_USAGE
        price_list = found
    at = args.at or order.created_at or datetime.now(UTC)
    try:
        breakdown = price(order, price_list=price_list, at=at)
    except SalesOrderError as error:
        print(f"{_shown(name)}: cannot price: {_error_text(error, args.locale)}", file=err)
        return EXIT_INVALID
    return name, order, breakdown


def _run_price(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    priced = _priced("price", args, err)
    if isinstance(priced, int):
        return priced
    name, _, breakdown = priced
    if args.format == "json":
        print(_dumps({"file": name, **_breakdown_document(breakdown, args.locale)}), file=out)
    else:
        for line in breakdown.explain(args.locale).splitlines():
            print(_shown(line), file=out)
    return EXIT_OK


def add_price(commands: _Commands) -> None:
    """Add ``salesorder price FILE [--price-list] [--at] [--locale] [--format]``."""
    parser = commands.add_parser(
        "price",
        help="price an order and explain every amount",
        description=(
            "Validate an order, price it and print the explained breakdown: each line's "
            "list and unit price, discounts, tax and totals. Unit prices come from the "
            "order's lines (unit_price) unless --price-list gives them."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="order JSON file; - reads standard input")
    _add_pricing_options(parser)
    _add_locale(parser)
    _add_format(parser, "every amount as an exact decimal string, and the explanation")
    parser.set_defaults(handler=_run_price)


def _add_pricing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--price-list",
        metavar="PRICES",
        default=None,
        help='JSON object of SKU to unit price in the order currency, e.g. {"A-1": "12.50"}; '
        "a line's own unit_price still wins (a manual price)",
    )
    parser.add_argument(
        "--at",
        type=_iso_datetime,
        default=None,
        metavar="TIME",
        help="pricing time, ISO 8601 (UTC when no offset); default: the order's created_at, "
        "else now",
    )


def _run_print(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from salesorder.documents import (  # noqa: PLC0415  (only this command)
        DocumentError,
        Seller,
        render_html,
        render_pdf,
        render_text,
    )

    priced = _priced("print", args, err)
    if isinstance(priced, int):
        return priced
    name, order, breakdown = priced
    seller = Seller(name=args.seller)
    issued_on = args.issued_on or (args.at or datetime.now(UTC)).date()
    options: dict[str, Any] = {"seller": seller, "locale": args.locale, "issued_on": issued_on}
    try:
        if args.pdf is not None:
            return _write_pdf(args.pdf, render_pdf(order, breakdown, **options), err)
        render = render_html if args.html else render_text
        print(render(order, breakdown, **options), file=out, end="")
    except DocumentError as error:
        print(f"{_shown(name)}: cannot print: {_error_text(error, args.locale)}", file=err)
        # A missing extra is the set-up's fault (exit 2), not the order's (exit 1).
        return EXIT_USAGE if error.code == "document.pdf.extra_missing" else EXIT_INVALID
    return EXIT_OK


def _write_pdf(target: str, document: bytes, err: TextIO) -> int:
    if target == STDIN:
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
        return EXIT_OK
    try:
        Path(target).write_bytes(document)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(f"salesorder print: cannot write {_shown(target)}: {reason}", file=err)
        return EXIT_USAGE
    return EXIT_OK


def add_print(commands: _Commands) -> None:
    """Add ``salesorder print FILE [--pdf OUT | --html] [--seller] [--issued-on] ...``."""
    parser = commands.add_parser(
        "print",
        help="print the sales order form (打单) as text, HTML or PDF",
        description=(
            "Validate and price an order, then print its sales order form: plain text by "
            "default, one HTML page with --html, or an A4 PDF with --pdf (needs the pdf "
            "extra: pip install 'salesorder[pdf]')."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="order JSON file; - reads standard input")
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--pdf", metavar="OUT", default=None, help="write an A4 PDF to OUT (- for standard output)"
    )
    output.add_argument("--html", action="store_true", help="print one self-contained HTML page")
    parser.add_argument(
        "--seller", default="", metavar="NAME", help="the selling company printed on the form"
    )
    parser.add_argument(
        "--issued-on",
        type=date.fromisoformat,
        default=None,
        metavar="DATE",
        help="date printed on the form, YYYY-MM-DD; default: the pricing time's date",
    )
    _add_pricing_options(parser)
    _add_locale(parser)
    parser.set_defaults(handler=_run_print)


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


def add_relay(commands: _Commands) -> None:
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
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output of --dead"
    )
    parser.set_defaults(handler=_run_relay)


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


def add_import(commands: _Commands) -> None:
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
    _add_locale(parser)
    _add_format(parser, "the import report, per order and per issue")
    parser.set_defaults(handler=_run_import)


#: One function per subcommand, called in this order to build the parser.
SUBCOMMANDS: Final[tuple[Callable[[_Commands], None], ...]] = (
    add_demo,
    add_validate,
    add_price,
    add_print,
    add_schema,
    add_relay,
    add_import,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    parser = _Parser(prog="salesorder", description="Sales order management tools.")
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help="print the version and exit",
    )
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
        # The parser that failed: a subcommand's own, so its usage is the one that helps.
        error.parser.print_usage(sys.stderr)
        print(f"{error.parser.prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as done:  # --help and --version exit through argparse
        return done.code if isinstance(done.code, int) else EXIT_OK
    handler: Handler = args.handler
    return handler(args, sys.stdout, sys.stderr)
