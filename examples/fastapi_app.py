"""A FastAPI app that keeps salesorder's coded, bilingual issues (docs/recipes/fastapi.md).

Run it with ``uvicorn examples.fastapi_app:app`` (``pip install fastapi uvicorn``).

Every error leaves as ``application/problem+json`` (RFC 9457): a ``type`` that names the
salesorder code, a ``title`` in the language of ``Accept-Language`` (English or
Simplified Chinese), the ``status``, the ``code``, and for a validation report an
``errors`` list with each issue's code, JSON pointer and message. Nothing the client
sent is echoed back: the messages carry only privacy-safe parameters (codes, limits,
SKUs), never a name, a phone number or the offending value.

The order body is read as raw bytes and handed to ``salesorder.validation.validate``,
not declared as a pydantic model parameter: FastAPI would otherwise validate it first
and answer with pydantic's English errors, which echo the input.

The library does not import FastAPI; this file is a recipe to copy into a host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from salesorder import Money, OrderService, PriceEntry, PriceList, TaxPolicy
from salesorder.adapters.memory import MemoryDatabase, PatternNumbering, SystemClock
from salesorder.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    RuleViolation,
    SalesOrderError,
    StorageError,
    ValidationFailed,
    error_codes,
    render_message,
)
from salesorder.settings import PricingSettings
from salesorder.validation import Issue, ValidationContext, validate

PROBLEM_JSON: Final = "application/problem+json"
#: Where a problem's ``type`` points: this app serves each code's description there.
PROBLEM_BASE: Final = "/problems/"
#: Languages the messages come in, by the primary subtag of a language tag.
LANGUAGES: Final = {"en": "en", "zh": "zh_CN"}
DEFAULT_LOCALE: Final = "en"
_TAG: Final = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$|^\*$")


def negotiate(accept_language: str | None) -> str:
    """The message locale for an ``Accept-Language`` header (RFC 9110, section 12.5.4).

    Tags are tried by decreasing quality (``q``), in header order on a tie; the first
    whose primary subtag has messages wins (``zh-CN``, ``zh-Hans``, ``zh`` give
    ``zh_CN``; ``en-GB`` gives ``en``). ``*``, no header, or nothing known gives English.
    """
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:32]):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        match = re.fullmatch(r"\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*", parameters)
        if parameters and match is None:
            continue
        if match is not None:
            quality = float(match.group(1))
        if quality > 0 and _TAG.match(tag.strip()):
            ranked.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        if tag == "*":
            return DEFAULT_LOCALE
        locale = LANGUAGES.get(tag.split("-", 1)[0].lower())
        if locale is not None:
            return locale
    return DEFAULT_LOCALE


def _status(error: SalesOrderError) -> int:
    """The HTTP status of a refusal: the class says whose problem it is."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, IllegalTransition | ConcurrencyConflict | InsufficientStock):
        return 409  # the request is fine, the order's state refuses it now
    if isinstance(error, ValidationFailed | RuleViolation):
        return 422
    if isinstance(error, StorageError):
        return 503
    # Any other SalesOrderError refuses what the client sent (a bad amount, an
    # argument of the wrong type, a coupon that does not apply...).
    return 400


def _issues(error: SalesOrderError) -> tuple[Issue, ...]:
    if isinstance(error, ValidationFailed):
        # A strict refusal of warnings has no errors: the warnings are why.
        return tuple(error.report.errors) or tuple(error.report.warnings)
    if isinstance(error, RuleViolation):
        return tuple(issue for issue in error.issues if isinstance(issue, Issue))
    return ()


def problem(
    *,
    status: int,
    code: str,
    title: str,
    locale: str,
    pointer: str | None = None,
    errors: Iterable[dict[str, str]] = (),
) -> JSONResponse:
    """An RFC 9457 problem response in ``locale``."""
    body: dict[str, Any] = {
        "type": f"{PROBLEM_BASE}{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if pointer:
        body["pointer"] = pointer
    listed = list(errors)
    if listed:
        body["errors"] = listed
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={"Content-Language": locale.replace("_", "-"), "Vary": "Accept-Language"},
    )


def _issue_entry(issue: Issue, locale: str) -> dict[str, str]:
    # Only code, pointer and message: the params stay server-side (they are privacy-safe,
    # but the message already says what they say).
    return {"code": issue.code, "pointer": issue.path, "detail": issue.message(locale)}


async def sales_order_error(request: Request, error: Exception) -> JSONResponse:
    """Any `SalesOrderError` (a validation report included) as problem+json."""
    assert isinstance(error, SalesOrderError)  # noqa: S101  (registered for this class)
    locale = negotiate(request.headers.get("accept-language"))
    return problem(
        status=_status(error),
        code=error.code,
        title=error.message(locale),
        locale=locale,
        pointer=error.path,
        errors=(_issue_entry(issue, locale) for issue in _issues(error)),
    )


async def request_validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own validation (path, query, headers) as problem+json, without the input.

    pydantic's entries carry ``input`` (the value sent) and an English ``msg``: only the
    location (as a JSON pointer) and pydantic's error type are kept.
    """
    assert isinstance(error, RequestValidationError)  # noqa: S101  (registered for it)
    locale = negotiate(request.headers.get("accept-language"))
    title = {"en": "The request is not valid.", "zh_CN": "请求无效。"}[locale]
    entries = []
    for entry in error.errors():
        location = [str(part) for part in entry.get("loc", ())]
        pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in location)
        entries.append(
            {"code": f"request.{entry.get('type', 'invalid')}", "pointer": pointer, "detail": title}
        )
    return problem(status=422, code="request.invalid", title=title, locale=locale, errors=entries)


async def http_error(request: Request, error: Exception) -> JSONResponse:
    """404, 405 and the like as problem+json too, so a client reads one error format."""
    assert isinstance(error, StarletteHTTPException)  # noqa: S101  (registered for it)
    locale = negotiate(request.headers.get("accept-language"))
    titles = {
        404: ("Not found.", "未找到。"),
        405: ("Method not allowed.", "不允许的请求方法。"),
    }
    english, chinese = titles.get(error.status_code, ("Request refused.", "请求被拒绝。"))
    return problem(
        status=error.status_code,
        code=f"http.{error.status_code}",
        title=chinese if locale == "zh_CN" else english,
        locale=locale,
    )


def default_service() -> OrderService:
    """An in-memory service with a one-entry price list: enough to try the app."""
    return OrderService(
        unit_of_work=MemoryDatabase().unit_of_work,
        clock=SystemClock(),
        numbering=PatternNumbering(),
        pricing_settings=PricingSettings(
            price_list=PriceList("CNY", (PriceEntry("TEA-1", Money("128.00", "CNY")),)),
            tax=TaxPolicy.china_vat(),
        ),
    )


def create_app(service: OrderService | None = None) -> FastAPI:
    """The app: ``POST /orders/validate``, ``POST /orders``, ``GET /orders/{id}``."""
    orders = service or default_service()
    app = FastAPI(title="salesorder recipe")
    app.add_exception_handler(SalesOrderError, sales_order_error)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)

    @app.post("/orders/validate")
    async def validate_order(request: Request, strict: bool = False) -> dict[str, Any]:
        """Validate an order payload: 200 with warnings, or a 422 problem with every issue.

        ``?strict=true`` refuses warnings too (FastAPI checks the flag itself: a value
        that is not a boolean is answered by `request_validation_error`).
        """
        locale = negotiate(request.headers.get("accept-language"))
        report = validate(await request.body(), context=ValidationContext())
        if not report.ok or (strict and report.warnings):
            raise ValidationFailed(report)
        return {
            "valid": True,
            "warnings": [_issue_entry(issue, locale) for issue in report.warnings],
            "needs_approval": [_issue_entry(issue, locale) for issue in report.needs_approval],
        }

    @app.post("/orders", status_code=201)
    async def enter_order(request: Request) -> dict[str, Any]:
        """Enter an order (validated, priced, numbered, stored as a draft)."""
        key = request.headers.get("idempotency-key")
        order = orders.enter(await request.body(), actor="api", idempotency_key=key)
        return {"id": order.id, "number": order.number, "status": order.status.value}

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> dict[str, Any]:
        """The order's number and status (404 problem when there is none)."""
        order = orders.get(order_id)
        return {"id": order.id, "number": order.number, "status": order.status.value}

    @app.get("/problems/{code}")
    def describe_problem(code: str, request: Request) -> dict[str, str]:
        """What a problem ``type`` points at: the code and its message template."""
        if code not in error_codes():
            raise StarletteHTTPException(status_code=404)
        locale = negotiate(request.headers.get("accept-language"))
        return {"code": code, "title": render_message(code, {}, locale)}

    return app


app = create_app()
