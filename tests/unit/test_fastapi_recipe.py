"""The FastAPI recipe (examples/fastapi_app.py, docs/recipes/fastapi.md), under TestClient.

Issue 17 item 6: every refusal is ``application/problem+json`` (RFC 9457) with the
code, JSON pointers and messages in the language of ``Accept-Language``, and nothing
the client sent is echoed back.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the recipe needs FastAPI (test extra)")
pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx (test extra)")

from fastapi.testclient import TestClient

from salesorder.errors import render_message

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _recipe() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "salesorder_fastapi_recipe", EXAMPLES / "fastapi_app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECIPE = _recipe()
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
SECRETS = ("王秘密", "wang.secret@@example", "13800138000", "上海市秘密路 9 号")


@pytest.fixture
def client() -> TestClient:
    return TestClient(RECIPE.create_app())


def good_order(**overrides: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "customer": {"id": "C-1", "name": "Example Tea House"},
        "currency": "CNY",
        "lines": [{"sku": "TEA-1", "name": "Longjing 250 g", "quantity": "2"}],
    }
    order.update(overrides)
    return order


def personal_and_broken() -> dict[str, Any]:
    """Personal data next to broken fields: none of it may come back."""
    return {
        "customer": {
            "id": "C-9",
            "name": "王秘密",
            "contact": {"name": "王秘密", "phone": "13800138000", "email": "wang.secret@@example"},
            "address": {"country": "CN", "city": "上海市", "street": "上海市秘密路 9 号"},
        },
        "currency": "CNY",
        "lines": [{"sku": "TEA-1", "name": "王秘密的茶", "quantity": "-13800138000"}],
    }


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == f"/problems/{body['code']}"
    assert isinstance(body["title"], str)
    assert body["title"]
    for entry in body.get("errors", ()):
        assert set(entry) == {"code", "pointer", "detail"}
        assert entry["pointer"] == "" or entry["pointer"].startswith("/")
    return body


class TestValidateEndpoint:
    def test_a_valid_order_is_200_json(self, client: TestClient) -> None:
        response = client.post("/orders/validate", json=good_order())
        assert response.status_code == 200
        assert response.json()["valid"] is True

    def test_every_issue_is_listed_with_code_and_json_pointer(self, client: TestClient) -> None:
        bad = (EXAMPLES / "invalid" / "bad-lines.json").read_bytes()
        body = assert_problem(client.post("/orders/validate", content=bad, headers=EN), 422)
        assert body["code"] == "validation.failed"
        found = {(entry["code"], entry["pointer"]) for entry in body["errors"]}
        assert ("line.quantity.not_positive", "/lines/0/quantity") in found
        assert ("line.currency.mismatch", "/lines/2/currency") in found
        assert len(body["errors"]) == 4

    def test_messages_follow_accept_language(self, client: TestClient) -> None:
        bad = (EXAMPLES / "invalid" / "bad-lines.json").read_bytes()
        english = client.post("/orders/validate", content=bad, headers=EN)
        chinese = client.post("/orders/validate", content=bad, headers=ZH)
        assert english.headers["content-language"] == "en"
        assert chinese.headers["content-language"] == "zh-Hans"
        assert english.headers["vary"] == "Accept-Language"
        en_body, zh_body = english.json(), chinese.json()
        assert en_body["title"] == render_message("validation.failed", {"count": 4}, "en")
        assert zh_body["title"] == render_message("validation.failed", {"count": 4}, "zh_CN")
        by_code = {entry["code"]: entry["detail"] for entry in zh_body["errors"]}
        assert by_code["line.quantity.not_positive"] == render_message(
            "line.quantity.not_positive", {}, "zh_CN"
        )
        assert en_body["title"] != zh_body["title"]
        # Same codes and pointers whatever the language.
        assert [(e["code"], e["pointer"]) for e in en_body["errors"]] == [
            (e["code"], e["pointer"]) for e in zh_body["errors"]
        ]

    @pytest.mark.parametrize("header", ["zh-TW", "zh-HK,zh;q=0.9", "zh-Hant"])
    def test_taiwan_and_hong_kong_get_traditional_chinese(
        self, client: TestClient, header: str
    ) -> None:
        bad = (EXAMPLES / "invalid" / "bad-lines.json").read_bytes()
        response = client.post("/orders/validate", content=bad, headers={"Accept-Language": header})
        body = assert_problem(response, 422)
        assert response.headers["content-language"] == "zh-Hant"
        assert body["title"] == render_message("validation.failed", {"count": 4}, "zh_TW")
        assert body["title"] != render_message("validation.failed", {"count": 4}, "zh_CN")
        by_code = {entry["code"]: entry["detail"] for entry in body["errors"]}
        assert by_code["line.quantity.not_positive"] == render_message(
            "line.quantity.not_positive", {}, "zh_HK"
        )

    def test_the_recipes_own_titles_come_in_each_language(self, client: TestClient) -> None:
        titles = {
            header: assert_problem(
                client.get("/nowhere", headers={"Accept-Language": header}), 404
            )["title"]
            for header in ("en", "zh-CN", "zh-TW")
        }
        assert titles == {"en": "Not found.", "zh-CN": "未找到。", "zh-TW": "找不到。"}

    def test_no_input_value_is_echoed(self, client: TestClient) -> None:
        payload = json.dumps(personal_and_broken(), ensure_ascii=False).encode()
        for headers in (EN, ZH):
            response = client.post("/orders/validate", content=payload, headers=headers)
            body = assert_problem(response, 422)
            assert body["errors"]
            for secret in SECRETS:
                assert secret not in response.text

    def test_a_body_of_the_wrong_shape_is_coded_not_pydantic(self, client: TestClient) -> None:
        response = client.post(
            "/orders/validate", json={"customer": "王秘密", "lines": "13800138000"}, headers=ZH
        )
        body = assert_problem(response, 422)
        assert "王秘密" not in response.text
        assert "13800138000" not in response.text
        assert "input" not in json.dumps(body)
        assert all("." in entry["code"] for entry in body["errors"])

    def test_malformed_json_is_a_coded_problem(self, client: TestClient) -> None:
        body = assert_problem(client.post("/orders/validate", content=b"{not json"), 422)
        assert [entry["code"] for entry in body["errors"]] == ["payload.malformed_json"]

    def test_fastapis_own_validation_is_problem_json_without_the_input(
        self, client: TestClient
    ) -> None:
        response = client.post(
            "/orders/validate?strict=13800138000-wang", json=good_order(), headers=ZH
        )
        body = assert_problem(response, 422)
        assert body["code"] == "request.invalid"
        assert body["title"] == "请求无效。"
        assert [entry["pointer"] for entry in body["errors"]] == ["/query/strict"]
        assert "13800138000" not in response.text


class TestEnterEndpoint:
    def test_an_order_is_entered(self, client: TestClient) -> None:
        response = client.post("/orders", json=good_order())
        assert response.status_code == 201
        entered = response.json()
        assert entered["status"] == "draft"
        assert entered["number"].startswith("SO-")
        assert client.get(f"/orders/{entered['id']}").json() == entered

    def test_a_line_without_a_price_is_a_problem(self, client: TestClient) -> None:
        order = good_order(lines=[{"sku": "NOPE-1", "name": "x", "quantity": "1"}])
        body = assert_problem(client.post("/orders", json=order, headers=ZH), 422)
        assert [(e["code"], e["pointer"]) for e in body["errors"]] == [
            ("price.missing", "/lines/0/unit_price")
        ]

    def test_a_reused_idempotency_key_maps_the_rule_violation(self, client: TestClient) -> None:
        key = {"Idempotency-Key": "k-1"}
        assert client.post("/orders", json=good_order(), headers=key).status_code == 201
        changed = good_order(lines=[{"sku": "TEA-1", "name": "x", "quantity": "3"}])
        response = client.post("/orders", json=changed, headers={**key, **ZH})
        body = assert_problem(response, 422)
        assert body["code"] == "idempotency.conflict"
        assert body["title"] == render_message("idempotency.conflict", {"event": "enter"}, "zh_CN")

    def test_an_unknown_order_is_404_problem(self, client: TestClient) -> None:
        body = assert_problem(client.get("/orders/does-not-exist"), 404)
        assert body["code"] == "entity.not_found"

    def test_personal_data_is_not_echoed_by_enter(self, client: TestClient) -> None:
        payload = json.dumps(personal_and_broken(), ensure_ascii=False).encode()
        response = client.post("/orders", content=payload, headers=ZH)
        assert_problem(response, 422)
        for secret in SECRETS:
            assert secret not in response.text


class TestProblemTypes:
    def test_a_problem_type_is_served(self, client: TestClient) -> None:
        response = client.get("/problems/line.quantity.not_positive", headers=ZH)
        assert response.json() == {
            "code": "line.quantity.not_positive",
            "title": render_message("line.quantity.not_positive", {}, "zh_CN"),
        }

    def test_unknown_routes_and_codes_are_problems_too(self, client: TestClient) -> None:
        assert assert_problem(client.get("/problems/no.such.code"), 404)["code"] == "http.404"
        assert assert_problem(client.get("/nowhere"), 404)["code"] == "http.404"
        assert assert_problem(client.delete("/orders/validate"), 405)["code"] == "http.405"


@pytest.mark.parametrize(
    ("header", "catalog"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hans-CN;q=0.8, en;q=0.5", "zh_Hans"),
        ("en;q=0.5, zh-CN;q=0.9", "zh_Hans"),
        ("fr-FR, zh;q=0.2", "zh_Hans"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK,zh;q=0.9,en;q=0.8", "zh_Hant"),
        ("en;q=0.5, zh-Hant;q=0.9", "zh_Hant"),
        ("fr-FR, de", "en"),
        ("zh;q=0, en", "en"),
        ("*", "en"),
        ("zh;q=abc, en", "en"),
        ("<script>, zh", "zh_Hans"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, catalog: str) -> None:
    assert RECIPE.negotiate(header).catalog == catalog


def test_the_library_does_not_import_fastapi() -> None:
    code = (
        "import sys, salesorder, salesorder.service, salesorder.validation, "
        "salesorder.schema, salesorder.documents, salesorder.cli; "
        "assert 'fastapi' not in sys.modules and 'starlette' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)  # noqa: S603
