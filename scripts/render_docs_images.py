"""Regenerate the docs' generated images: ``python scripts/render_docs_images.py``.

Two pictures: the lifecycle diagram, and page 1 of a printed sales order.

Writes ``docs/img/lifecycle.dot`` (the Graphviz source generated from the lifecycle
machine by ``salesorder.lifecycle.lifecycle_dot``) and renders it with Graphviz's ``dot``
into ``docs/img/lifecycle.svg``. The SVG records the SHA-256 of the source it was drawn
from, so ``tests/docs/test_lifecycle_page.py`` can tell a stale picture without Graphviz.
Needs the ``dot`` program (Debian/Ubuntu: ``apt-get install graphviz``).

Prints ``examples/vat-special-invoice-order.json`` as a PDF (``salesorder.documents.render_pdf``)
and renders its page 1 with pypdfium2 into ``docs/img/order-form.png``; the PNG records the
SHA-256 of the PDF's text, page by page, so ``tests/docs/test_order_form_image.py`` can
tell a stale picture. Needs the ``pdf`` and ``test`` extras (reportlab, pypdf, pypdfium2)
and a CJK system font for the viewer's side of the picture: the PDF names reportlab's
built-in CID font ``STSong-Light`` without embedding it, as PDF readers supply it, and
pdfium draws it with a system font (Debian/Ubuntu: ``apt-get install fonts-wqy-microhei``).
Run ``python scripts/render_docs_images.py order-form`` for that picture alone.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import attrs  # noqa: E402  (after the path is set)

from salesorder.documents import Seller, render_pdf  # noqa: E402
from salesorder.lifecycle import lifecycle_dot  # noqa: E402
from salesorder.pricing import PriceList, price  # noqa: E402
from salesorder.validation import ValidationContext, validate  # noqa: E402

ORDER_EXAMPLE = ROOT / "examples" / "vat-special-invoice-order.json"
ORDER_MARK_KEY = "salesorder-pdf-text-sha256"

IMAGES = ROOT / "docs" / "img"
SOURCE_MARK = "<!-- generated from lifecycle.dot sha256={digest} -->"


def render_lifecycle() -> None:
    """Write the lifecycle diagram's DOT source and its SVG rendering."""
    dot_program = shutil.which("dot")
    if dot_program is None:
        sys.exit("render_docs_images: the Graphviz 'dot' program is not installed")
    source = lifecycle_dot()
    IMAGES.mkdir(parents=True, exist_ok=True)
    (IMAGES / "lifecycle.dot").write_text(source, encoding="utf-8")
    svg = subprocess.run(  # noqa: S603  (a fixed program on our own generated source)
        [dot_program, "-Tsvg"], input=source, capture_output=True, text=True, check=True
    ).stdout
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    # The mark goes after the XML declaration and doctype, before the <svg> element.
    head, found, tail = svg.partition("<svg")
    if not found:
        sys.exit("render_docs_images: dot produced no <svg> element")
    marked = f"{head}{SOURCE_MARK.format(digest=digest)}\n<svg{tail}"
    (IMAGES / "lifecycle.svg").write_text(marked, encoding="utf-8")
    print(f"wrote {IMAGES / 'lifecycle.dot'} and {IMAGES / 'lifecycle.svg'}")  # noqa: T201


def order_form_pdf() -> bytes:
    """The sales order printed for the docs: the VAT special invoice example, dated."""
    report = validate(
        json.loads(ORDER_EXAMPLE.read_text(encoding="utf-8")), context=ValidationContext()
    )
    if report.order is None:
        sys.exit(f"render_docs_images: {ORDER_EXAMPLE.name} is not a valid order")
    order = attrs.evolve(report.order, number="SO-202612-000042", notes="请于发货前电话联系收货人")
    prices = PriceList.of(
        order.currency, [(line.sku, line.unit_price) for line in order.lines if line.unit_price]
    )
    breakdown = price(order, price_list=prices, at=datetime(2026, 12, 1, 9, tzinfo=UTC))
    seller = Seller(
        name="虚构贸易(深圳)有限公司",
        tax_id="91440300MA5XXXXXX1",
        address="深圳市南山区示例路 1 号",
        phone="0755-8888 0000",
        bank_name="示例银行深圳分行",
        bank_account="7559 0000 0000 001",
    )
    return render_pdf(order, breakdown, seller=seller, issued_on=date(2026, 12, 1))


def pdf_text_digest(document: bytes) -> str:
    """SHA-256 of the PDF's text, page by page (stable across reportlab's byte layout)."""
    import pypdf  # noqa: PLC0415  (test extra, needed for this picture only)

    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages]
    return hashlib.sha256("\f".join(pages).encode("utf-8")).hexdigest()


def render_order_form() -> None:
    """Write page 1 of the printed sample order as ``docs/img/order-form.png``."""
    import pypdfium2  # noqa: PLC0415  (test extra, needed for this picture only)
    from PIL import PngImagePlugin  # noqa: PLC0415

    document = order_form_pdf()
    page = pypdfium2.PdfDocument(document)[0]
    image = page.render(scale=1.5).to_pil().convert("RGB")
    info = PngImagePlugin.PngInfo()
    info.add_text(ORDER_MARK_KEY, pdf_text_digest(document))
    IMAGES.mkdir(parents=True, exist_ok=True)
    image.save(IMAGES / "order-form.png", format="PNG", pnginfo=info, optimize=True)
    print(f"wrote {IMAGES / 'order-form.png'}")  # noqa: T201


if __name__ == "__main__":
    wanted = set(sys.argv[1:]) or {"lifecycle", "order-form"}
    if "lifecycle" in wanted:
        render_lifecycle()
    if "order-form" in wanted:
        render_order_form()
