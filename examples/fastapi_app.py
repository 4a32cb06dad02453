"""A FastAPI app that keeps salesorder's coded, translated issues (docs/fastapi.md).

Run it with ``uvicorn examples.fastapi_app:app`` (``pip install fastapi uvicorn``).

Every error leaves as ``application/problem+json`` (RFC 9457): a ``type`` that names the
salesorder code, a ``title`` in the language of ``Accept-Language`` (English, Simplified
or Traditional Chinese, by ``salesorder.i18n.negotiate_accept_language``), the
``status``, the ``code``, and for a validation report an ``errors`` list with each
issue's code, JSON pointer and message. Nothing the client sent is echoed back: the
messages carry only privacy-safe parameters (codes, limits, SKUs), never a name, a
phone number or the offending value.

The order body is read as raw bytes and handed to ``salesorder.validation.validate``,
not declared as a pydantic model parameter: FastAPI would otherwise validate it first
and answer with pydantic's English errors, which echo the input.

The library does not import FastAPI; this file is a recipe to copy into a host.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from salesorder import Money, OrderService, PriceEntry, PriceList, TaxPolicy, i18n
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
#: The recipe's own titles (the library's messages come from its catalogs), by the
#: catalog language negotiated; a host language without an entry here gets English.
TITLES: Final[dict[str, dict[str, str]]] = {
    "request.invalid": {
        "en": "The request is not valid.",
        "zh_Hans": "请求无效。",
        "zh_Hant": "請求無效。",
    },
    "http.404": {"en": "Not found.", "zh_Hans": "未找到。", "zh_Hant": "找不到。"},
    "http.405": {
        "en": "Method not allowed.",
        "zh_Hans": "不允许的请求方法。",
        "zh_Hant": "不允許的請求方法。",
    },
    "http": {"en": "Request refused.", "zh_Hans": "请求被拒绝。", "zh_Hant": "請求被拒絕。"},
}


def negotiate(accept_language: str | None) -> i18n.Language:
    """The language of the messages for an ``Accept-Language`` header (RFC 9110).

    The library's own rule, `salesorder.i18n.negotiate_accept_language`: ranges by
    decreasing ``q``, the first the catalogs serve wins (``zh-TW``, ``zh-HK`` give
    Traditional Chinese, ``zh``, ``zh-CN``, ``zh-Hans`` Simplified; a language a host
    added with ``salesorder.i18n.add_catalogs`` its own). ``*``, no header, or nothing
    served gives English.
    """
    return i18n.negotiate_accept_language(accept_language)


def _title(key: str, language: i18n.Language) -> str:
    titles = TITLES[key]
    return titles.get(language.catalog, titles["en"])


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
    language: i18n.Language,
    pointer: str | None = None,
    errors: Iterable[dict[str, str]] = (),
) -> JSONResponse:
    """An RFC 9457 problem response in ``language``."""
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
        headers={
            "Content-Language": language.catalog.replace("_", "-"),
            "Vary": "Accept-Language",
        },
    )


def _issue_entry(issue: Issue, language: i18n.Language) -> dict[str, str]:
    # Only code, pointer and message: the params stay server-side (they are privacy-safe,
    # but the message already says what they say).
    return {"code": issue.code, "pointer": issue.path, "detail": issue.message(language.locale)}


async def sales_order_error(request: Request, error: Exception) -> JSONResponse:
    """Any `SalesOrderError` (a validation report included) as problem+json."""
    assert isinstance(error, SalesOrderError)  # noqa: S101  (registered for this class)
    language = negotiate(request.headers.get("accept-language"))
    return problem(
        status=_status(error),
        code=error.code,
        title=error.message(language.locale),
        language=language,
        pointer=error.path,
        errors=(_issue_entry(issue, language) for issue in _issues(error)),
    )


async def request_validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own validation (path, query, headers) as problem+json, without the input.

    pydantic's entries carry ``input`` (the value sent) and an English ``msg``: only the
    location (as a JSON pointer) and pydantic's error type are kept.
    """
    assert isinstance(error, RequestValidationError)  # noqa: S101  (registered for it)
    language = negotiate(request.headers.get("accept-language"))
    title = _title("request.invalid", language)
    entries = []
    for entry in error.errors():
        location = [str(part) for part in entry.get("loc", ())]
        pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in location)
        entries.append(
            {"code": f"request.{entry.get('type', 'invalid')}", "pointer": pointer, "detail": title}
        )
    return problem(
        status=422, code="request.invalid", title=title, language=language, errors=entries
    )


async def http_error(request: Request, error: Exception) -> JSONResponse:
    """404, 405 and the like as problem+json too, so a client reads one error format."""
    assert isinstance(error, StarletteHTTPException)  # noqa: S101  (registered for it)
    language = negotiate(request.headers.get("accept-language"))
    code = f"http.{error.status_code}"
    return problem(
        status=error.status_code,
        code=code,
        title=_title(code if code in TITLES else "http", language),
        language=language,
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
        language = negotiate(request.headers.get("accept-language"))
        report = validate(await request.body(), context=ValidationContext())
        if not report.ok or (strict and report.warnings):
            raise ValidationFailed(report)
        return {
            "valid": True,
            "warnings": [_issue_entry(issue, language) for issue in report.warnings],
            "needs_approval": [_issue_entry(issue, language) for issue in report.needs_approval],
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
        language = negotiate(request.headers.get("accept-language"))
        return {"code": code, "title": render_message(code, {}, language.locale)}

    return app


app = create_app()
