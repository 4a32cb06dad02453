"""Generated from docs/fastapi.md by scripts/extract_docs_examples.py: do not edit."""

import importlib.util

from fastapi.testclient import TestClient

from salesorder.errors import render_message

spec = importlib.util.spec_from_file_location("fastapi_app", "examples/fastapi_app.py")
assert spec is not None and spec.loader is not None
recipe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(recipe)

client = TestClient(recipe.create_app())
broken = {
    "customer": {"id": "C-9", "name": "王五", "contact": {"name": "王五", "phone": "13800138000"}},
    "currency": "CNY",
    "lines": [{"sku": "TEA-1", "name": "龙井", "quantity": "0"}],
}
response = client.post("/orders/validate", json=broken, headers={"Accept-Language": "zh-CN"})
problem = response.json()
assert response.status_code == 422
assert response.headers["content-type"] == "application/problem+json"
assert problem["code"] == "validation.failed"
first = problem["errors"][0]
print(first)  # {'code': 'line.quantity.not_positive', 'pointer': '/lines/0/quantity', 'detail': '数量必须大于零。'}
assert (first["code"], first["pointer"]) == ("line.quantity.not_positive", "/lines/0/quantity")
assert first["detail"] == render_message("line.quantity.not_positive", {}, "zh_CN")
assert "王五" not in response.text and "13800138000" not in response.text

english = client.post("/orders/validate", json=broken, headers={"Accept-Language": "en"})
print(english.json()["errors"][0]["detail"])  # The quantity must be greater than zero.

fixed = {**broken, "lines": [{"sku": "TEA-1", "name": "龙井", "quantity": "2"}]}
entered = client.post("/orders", json=fixed)
assert entered.status_code == 201
