"""The printed order shown in docs/documents.md is the one the library prints today.

``scripts/render_docs_images.py`` prints ``examples/vat-special-invoice-order.json`` as a
PDF, renders page 1 into ``docs/img/order-form.png`` and records there the SHA-256 of the
PDF's text. This test prints the same order again and compares: a change to the form's
content or pagination without a regenerated picture fails here (without needing a CJK
font to draw anything).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("reportlab", reason="printing PDFs needs the pdf extra (reportlab)")
pytest.importorskip("pypdf", reason="reading the PDF's text needs pypdf (test extra)")
PIL_IMAGE = pytest.importorskip("PIL.Image", reason="reading the PNG needs Pillow")

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "docs" / "img" / "order-form.png"
REGENERATE = "stale: run `python scripts/render_docs_images.py order-form`"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_docs_images", ROOT / "scripts" / "render_docs_images.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_picture_shows_todays_printed_order() -> None:
    script = _script()
    with PIL_IMAGE.open(IMAGE) as image:
        recorded = image.text.get(script.ORDER_MARK_KEY)
    assert recorded == script.pdf_text_digest(script.order_form_pdf()), (
        f"docs/img/order-form.png is {REGENERATE}"
    )


def test_picture_is_an_a4_page() -> None:
    with PIL_IMAGE.open(IMAGE) as image:
        width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01


def test_documents_page_shows_the_picture() -> None:
    page = (ROOT / "docs" / "documents.md").read_text(encoding="utf-8")
    assert "](img/order-form.png)" in page
