"""Printed documents as PDF (issue 17 item 8), read back page by page.

The PDF is read back with pypdf (page count, the text of each page) and page 1 is
rendered with pypdfium2, as the docs image is. All of it needs the ``pdf`` extra
(reportlab) and the readers of the ``test`` extra.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from _fake_breakdown import FakeBreakdown, full_breakdown, full_order

pytest.importorskip("reportlab", reason="PDF output needs the pdf extra (reportlab)")
pypdf = pytest.importorskip("pypdf", reason="reading PDFs back needs pypdf (test extra)")

from salesorder import invoicing  # noqa: E402  (after the skips)
from salesorder.cli import main  # noqa: E402
from salesorder.documents import Seller, render_pdf  # noqa: E402
from salesorder.order import (  # noqa: E402
    Customer,
    InvoiceInfo,
    Order,
    OrderLine,
    PaymentTerms,
)
from salesorder.pricing import PriceList, TaxPolicy, price  # noqa: E402
from salesorder.records import Status  # noqa: E402

SELLER = Seller(name="上海卖方贸易有限公司", tax_id="91310000MA1XXXXXX2")


def pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def long_order(count: int = 45) -> tuple[Order, FakeBreakdown]:
    """``count`` lines with long SKUs, alternating a Chinese and an English item."""
    order, breakdown = full_order(), full_breakdown()
    lines = tuple(
        attrs.evolve(order.lines[i % 2], line_id=f"l{i}", sku=f"SKU-LONG-{i:05d}-XL")
        for i in range(count)
    )
    priced = tuple(
        attrs.evolve(breakdown.lines[i % 2], line_id=f"l{i}", sku=f"SKU-LONG-{i:05d}-XL")
        for i in range(count)
    )
    return attrs.evolve(order, lines=lines), attrs.evolve(breakdown, lines=priced)


class TestOrderFormPdf:
    def test_short_order_is_one_page_with_everything_on_it(self) -> None:
        (text,) = pages(render_pdf(full_order(), full_breakdown(), seller=SELLER))
        for expected in (
            "销售订单",
            "SO-202611-000123",
            "2026年11月3日",
            "上海卖方贸易有限公司",
            "深圳市示例科技有限公司",
            "增值税专用发票",
            "SKU-001",
            "工业控制器",
            "¥10,881.90",
            "壹万零捌佰捌拾壹元玖角整",
            "VIP 九五折",
            "赊销/月结；预付 30%；开票后 30 天内付款；月结30天",
            "销售方签字/盖章",
            "第 1 / 1 页",
        ):
            assert expected in text, expected
        assert "PROMO-VIP5" not in text

    def test_45_lines_fit_two_pages_each_with_number_and_page_of_pages(self) -> None:
        order, breakdown = long_order(45)
        texts = pages(render_pdf(order, breakdown, seller=SELLER))
        assert len(texts) == 2
        for number, text in enumerate(texts, start=1):
            assert f"第 {number} / 2 页" in text
            assert "订单编号 SO-202611-000123" in text
            # The item table's header repeats, its two-character labels whole.
            for header in ("序号", "商品编码", "数量", "单价", "税率", "价税合计"):
                assert header in text, (number, header)

    def test_skus_and_figures_are_never_broken(self) -> None:
        order, breakdown = long_order(45)
        lines = [
            line.strip()
            for text in pages(render_pdf(order, breakdown, seller=SELLER))
            for line in text.splitlines()
        ]
        for i in range(45):
            assert f"SKU-LONG-{i:05d}-XL" in lines, i
        assert lines.count("¥10,735.00") == 23
        assert lines.count("序号") == 2

    def test_every_line_is_printed_once(self) -> None:
        order, breakdown = long_order(45)
        joined = "\n".join(pages(render_pdf(order, breakdown, seller=SELLER)))
        found = re.findall(r"SKU-LONG-(\d{5})-XL", joined)
        assert sorted(found) == [f"{i:05d}" for i in range(45)]

    def test_english_form(self) -> None:
        order, breakdown = long_order(45)
        texts = pages(render_pdf(order, breakdown, seller=SELLER, locale="en"))
        assert "Sales Order" in texts[0]
        assert "Page 1 / 2" in texts[0]
        assert "Page 2 / 2" in texts[1]
        assert "Order No. SO-202611-000123" in texts[1]
        assert "Amount in words (RMB)" in texts[-1]

    @pytest.mark.parametrize("locale", ["zh_TW", "zh-HK"])
    def test_traditional_chinese_form(self, locale: str) -> None:
        # The labels, the page of pages included, come from the zh_Hant catalog.
        order, breakdown = long_order(45)
        texts = pages(render_pdf(order, breakdown, seller=SELLER, locale=locale))
        assert "銷售訂單" in texts[0]
        assert "第 1 / 2 頁" in texts[0]
        assert "第 2 / 2 頁" in texts[1]
        assert "訂單編號 SO-202611-000123" in texts[1]
        joined = "\n".join(texts)
        for simplified in ("销售订单", "订单编号", "商品明细", "页"):
            assert simplified not in joined

    def test_the_agreed_discount_label_is_translated(self) -> None:
        # Printed for a manual discount (no promotion): a label of the catalogs, not code.
        breakdown = full_breakdown()
        first = breakdown.lines[0]
        manual = attrs.evolve(first.adjustments[0], promotion_id=None, kind="manual")
        first = attrs.evolve(first, adjustments=(manual,))
        breakdown = attrs.evolve(breakdown, lines=(first, *breakdown.lines[1:]))
        texts = {
            locale: "\n".join(
                pages(render_pdf(full_order(), breakdown, seller=SELLER, locale=locale))
            )
            for locale in ("zh_CN", "zh_TW", "en")
        }
        assert "协商折扣" in texts["zh_CN"]
        assert "協商折扣" in texts["zh_TW"]
        assert "Agreed discount" in texts["en"]

    def test_no_payment_terms_when_the_order_gives_none(self) -> None:
        order = attrs.evolve(full_order(), payment_terms=PaymentTerms())
        (text,) = pages(render_pdf(order, full_breakdown(), seller=SELLER))
        assert "付款条件" not in text
        assert "银行转账" not in text

    def test_markup_in_values_prints_as_text(self) -> None:
        order = attrs.evolve(full_order(customer_name="<b>买方</b> & <i>co</i>"))
        (text,) = pages(render_pdf(order, full_breakdown(), seller=SELLER))
        assert "<b>买方</b> & <i>co</i>" in text

    def test_output_is_deterministic(self) -> None:
        first = render_pdf(full_order(), full_breakdown(), seller=SELLER)
        assert first == render_pdf(full_order(), full_breakdown(), seller=SELLER)
        assert first.startswith(b"%PDF-")

    def test_page_one_renders_to_a_png_of_a4_proportions(self) -> None:
        pdfium = pytest.importorskip("pypdfium2", reason="rendering needs pypdfium2 (test extra)")
        document = pdfium.PdfDocument(render_pdf(full_order(), full_breakdown(), seller=SELLER))
        image = document[0].render(scale=1).to_pil()
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.01
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        assert buffer.getvalue().startswith(b"\x89PNG")
        # Something is drawn: the page is not blank.
        assert image.convert("L").getextrema()[0] < 128


AT = datetime(2026, 12, 4, 10, tzinfo=UTC)


def _invoiced() -> Order:
    order = Order(
        id="o-1",
        number="SO-1",
        customer=Customer(id="C-1", name="买方公司"),
        currency="CNY",
        lines=tuple(
            OrderLine(f"{i}", "A", f"项目 {i}", Decimal(1), specification="M-1") for i in range(60)
        ),
        payment_terms=PaymentTerms(due_days=30),
        invoice=InvoiceInfo(),
        created_at=AT,
    )
    order.status = Status.CONFIRMED
    return order


class TestInvoicePdf:
    def test_invoice_and_credit_note_print_with_number_on_every_page(self) -> None:
        order = _invoiced()
        breakdown = price(
            order,
            price_list=PriceList.of("CNY", [("A", "100.00")]),
            at=AT,
            tax=TaxPolicy.china_vat(),
        )
        issued = invoicing.issue_invoice(order, breakdown, number="INV-7", actor="F", at=AT)
        texts = pages(invoicing.render_document_pdf(issued.document, seller=SELLER))
        assert len(texts) >= 2
        for number, text in enumerate(texts, start=1):
            assert "普通发票  INV-7" in text
            assert f"第 {number} / {len(texts)} 页" in text
        assert "陆仟柒佰捌拾元整" in texts[-1]
        note = invoicing.issue_credit_note(
            order, invoice_number="INV-7", number="CN-7", actor="F", at=AT, reason="return"
        ).note
        (first, *_) = pages(invoicing.render_document_pdf(note, seller=SELLER, locale="en"))
        assert "Credit Note  CN-7" in first
        assert "INV-7" in first
        hant = pages(invoicing.render_document_pdf(issued.document, seller=SELLER, locale="zh_TW"))
        for number, text in enumerate(hant, start=1):
            assert "普通發票  INV-7" in text
            assert f"第 {number} / {len(hant)} 頁" in text


class TestPrintCommand:
    def test_print_writes_a_pdf(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        target = tmp_path / "order.pdf"
        code = main(
            [
                "print",
                str(Path(__file__).resolve().parents[2] / "examples" / "standard-order.json"),
                "--pdf",
                str(target),
                "--locale",
                "zh_CN",
                "--seller",
                "卖方",
                "--issued-on",
                "2026-11-03",
            ]
        )
        assert code == 0
        (text,) = pages(target.read_bytes())
        assert "2026年11月3日" in text
        assert "卖方" in text
        assert capsys.readouterr().out == ""


def test_issue_date_is_an_argument() -> None:
    (text,) = pages(
        render_pdf(full_order(), full_breakdown(), seller=SELLER, issued_on=date(2027, 1, 2))
    )
    assert "2027年1月2日" in text


class TestOversizedValues:
    """A value taller than a page is split across pages, never a raw reportlab error."""

    def test_a_name_longer_than_a_page_is_split_across_pages(self) -> None:
        order = full_order()
        huge = attrs.evolve(order.lines[0], name="长" * 20000)
        order = attrs.evolve(order, lines=(huge, order.lines[1]), notes="注" * 20000)
        texts = pages(render_pdf(order, full_breakdown(), seller=SELLER))
        assert len(texts) > 2
        assert all(f"第 {n} / {len(texts)} 页" in text for n, text in enumerate(texts, 1))
        assert any("壹万零捌佰捌拾壹元玖角整" in text for text in texts)
        assert "销售方签字/盖章" in texts[-1]

    def test_a_layout_failure_is_a_coded_error_without_the_data(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from reportlab.platypus import doctemplate

        from salesorder.documents import DocumentError

        def refuse(*_args: object, **_kwargs: object) -> None:
            raise doctemplate.LayoutError("Flowable <Paragraph 深圳市示例科技有限公司> too large")

        monkeypatch.setattr(doctemplate.SimpleDocTemplate, "build", refuse)
        with pytest.raises(DocumentError) as caught:
            render_pdf(full_order(), full_breakdown(), seller=SELLER)
        assert caught.value.code == "document.pdf.unprintable"
        assert caught.value.__cause__ is None
        assert "深圳" not in str(caught.value)
