"""The printed sales order (R18): 人民币大写 and the text / HTML forms."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs
import pytest
from _fake_breakdown import (
    FakeAdjustment,
    FakeBreakdown,
    FakeCharge,
    FakeLine,
    full_breakdown,
    full_order,
)

from salesorder.documents import (
    RMB_UPPER_LIMIT,
    DocumentError,
    Seller,
    render_html,
    render_text,
    rmb_upper,
)
from salesorder.errors import FloatRefused, InvalidMoney, render_message
from salesorder.money import Money
from salesorder.order import Customer, InvoiceInfo, InvoiceKind, Order, OrderLine, PaymentTerms

SELLER = Seller(
    name="上海卖方贸易有限公司",
    address="上海市浦东新区世纪大道100号",
    phone="021-66668888",
    tax_id="91310000MA1XXXXXX2",
    bank_name="中国银行上海分行",
    bank_account="4377 0000 0000 0001",
)


class TestRmbUpperWritesAmounts:
    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            (0, "零元整"),
            ("0.00", "零元整"),
            (1, "壹元整"),
            (10, "壹拾元整"),
            (15, "壹拾伍元整"),
            (110, "壹佰壹拾元整"),
            (1010, "壹仟零壹拾元整"),
            (1001, "壹仟零壹元整"),
            (1100, "壹仟壹佰元整"),
            (10005, "壹万零伍元整"),
            (100000, "壹拾万元整"),
            (105000, "壹拾万零伍仟元整"),
            (1050000, "壹佰零伍万元整"),
            (100000000, "壹亿元整"),
            (100010000, "壹亿零壹万元整"),
            (100000100, "壹亿零壹佰元整"),
            (1000000001, "壹拾亿零壹元整"),
            (2010000000, "贰拾亿零壹仟万元整"),
            (10**12, "壹万亿元整"),
            (10**12 + 1, "壹万亿零壹元整"),
            (1000100000000, "壹万零壹亿元整"),
            ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ],
    )
    def test_whole_and_large_amounts(self, amount: int | str, expected: str) -> None:
        assert rmb_upper(amount) == expected

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("0.05", "伍分"),
            ("0.50", "伍角整"),
            ("0.55", "伍角伍分"),
            ("1.05", "壹元零伍分"),
            ("1.50", "壹元伍角整"),
            ("1409.50", "壹仟肆佰零玖元伍角整"),
            ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
            ("107000.53", "壹拾万零柒仟元零伍角叁分"),
            ("10.05", "壹拾元零伍分"),
            ("100000.10", "壹拾万元零壹角整"),
        ],
    )
    def test_jiao_and_fen(self, amount: str, expected: str) -> None:
        assert rmb_upper(amount) == expected

    def test_accepts_cny_money_decimal_and_trailing_zeros(self) -> None:
        assert rmb_upper(Money("10881.90", "CNY")) == "壹万零捌佰捌拾壹元玖角整"
        assert rmb_upper(Decimal("1.500")) == "壹元伍角整"
        assert rmb_upper(Decimal("-0")) == "零元整"


class TestRmbUpperOfCreditDocuments:
    @pytest.mark.parametrize(
        ("amount", "text"),
        [
            ("-113", "负壹佰壹拾叁元整"),
            ("-0.05", "负伍分"),
            (Money("-10881.90", "CNY"), "负壹万零捌佰捌拾壹元玖角整"),
            ("-0", "零元整"),
            ("5", "伍元整"),
        ],
    )
    def test_a_negative_amount_is_written_with_fu(self, amount: object, text: str) -> None:
        assert rmb_upper(amount, allow_negative=True) == text  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("amount", "code"),
        [
            ("-10000000000000", "document.rmb_upper.out_of_range"),
            ("-0.001", "document.rmb_upper.too_precise"),
        ],
    )
    def test_the_limits_hold_below_zero(self, amount: str, code: str) -> None:
        with pytest.raises(DocumentError) as caught:
            rmb_upper(amount, allow_negative=True)
        assert caught.value.code == code


class TestRmbUpperRefusesWhatItCannotWrite:
    def test_negative_amount_is_refused(self) -> None:
        with pytest.raises(DocumentError) as caught:
            rmb_upper("-0.01")
        assert caught.value.code == "document.rmb_upper.negative"

    def test_amount_finer_than_a_fen_is_refused(self) -> None:
        with pytest.raises(DocumentError) as caught:
            rmb_upper(Decimal("1.005"))
        assert caught.value.code == "document.rmb_upper.too_precise"

    def test_unquantized_money_is_refused(self) -> None:
        with pytest.raises(DocumentError) as caught:
            rmb_upper(Money("3.333", "CNY"))
        assert caught.value.code == "document.rmb_upper.too_precise"

    def test_ten_trillion_is_out_of_range(self) -> None:
        with pytest.raises(DocumentError) as caught:
            rmb_upper(RMB_UPPER_LIMIT)
        assert caught.value.code == "document.rmb_upper.out_of_range"
        assert "10000000000000" in caught.value.message("zh_CN")

    def test_other_currency_is_refused(self) -> None:
        with pytest.raises(DocumentError) as caught:
            rmb_upper(Money("1.00", "USD"))
        assert caught.value.code == "document.rmb_upper.not_cny"
        assert "USD" in str(caught.value)

    def test_float_is_refused(self) -> None:
        with pytest.raises(FloatRefused):
            rmb_upper(1.5)  # type: ignore[arg-type]

    def test_text_that_is_no_number_is_refused(self) -> None:
        with pytest.raises(InvalidMoney):
            rmb_upper("一百")

    def test_error_is_a_value_error_with_bilingual_message(self) -> None:
        error = DocumentError("document.rmb_upper.negative")
        assert isinstance(error, ValueError)
        assert render_message("document.rmb_upper.negative", locale="zh_CN").startswith("负数")


class TestRenderTextPrintsTheForm:
    def test_chinese_form_has_labels_figures_and_capitals(self) -> None:
        text = render_text(full_order(), full_breakdown(), seller=SELLER)
        for expected in (
            "销售订单",
            "SO-202611-000123",
            "2026年11月3日",
            "PO-7788",
            "上海卖方贸易有限公司",
            "深圳市示例科技有限公司",
            "张三",
            "13800138000",
            "增值税专用发票",
            "91440300MA5XXXXXX1",
            "755900000000001",
            "工业控制器",
            "IC-200",
            "¥5,000.00",
            "-¥500.00",
            "行 1 · VIP 九五折",
            "13%",
            "1.5",
            "运费",
            "¥10,881.90",
            "人民币大写",
            "壹万零捌佰捌拾壹元玖角整",
            "赊销/月结",
            "开票后 30 天内付款",
            "预付 30%",
            "2026年12月1日",
            "请上午送货",
            "销售方签字/盖章",
            "客户签字/盖章",
        ):
            assert expected in text, expected

    def test_english_form_has_english_labels(self) -> None:
        text = render_text(full_order(), full_breakdown(), seller=SELLER, locale="en")
        for expected in (
            "Sales Order",
            "Order No.",
            "November 3, 2026",
            "Unit price",
            "Tax rate",
            "Grand total",
            "CN¥10,881.90",
            "Amount in words (RMB)",
            "壹万零捌佰捌拾壹元玖角整",
            "Due in 30 days after invoice",
            "Seller signature / seal",
            "Customer signature / seal",
        ):
            assert expected in text, expected
        assert "销售订单" not in text

    def test_item_columns_line_up_with_chinese_names(self) -> None:
        text = render_text(full_order(), full_breakdown(), seller=SELLER)
        table = [line for line in text.splitlines() if line.count(" | ") >= 11]
        bars = {tuple(_cell_offsets(line)) for line in table}
        assert len(table) == 3  # header and two lines
        assert len(bars) == 1

    def test_issued_on_overrides_created_at(self) -> None:
        text = render_text(
            full_order(), full_breakdown(), seller=SELLER, issued_on=date(2027, 1, 2)
        )
        assert "2027年1月2日" in text
        assert "2026年11月3日" not in text


def _cell_offsets(line: str) -> list[int]:
    from salesorder._documents.text import display_width as _width

    offsets, position = [], 0
    for part in line.split(" | ")[:-1]:
        position += _width(part) + 3
        offsets.append(position)
    return offsets


class TestRenderHtmlPrintsTheForm:
    def test_document_is_self_contained_and_printable_on_a4(self) -> None:
        page = render_html(full_order(), full_breakdown(), seller=SELLER)
        assert page.startswith("<!DOCTYPE html>")
        assert '<html lang="zh-Hans">' in page
        assert "@page { size: A4; margin: 15mm; }" in page
        assert "page-break-inside: avoid" in page
        assert "Noto Sans CJK SC" in page
        assert "<link" not in page
        assert "<script" not in page
        assert page.rstrip().endswith("</html>")

    def test_figures_labels_and_capitals_are_present(self) -> None:
        page = render_html(full_order(), full_breakdown(), seller=SELLER)
        for expected in (
            "销售订单",
            "商品明细",
            "价税合计",
            "¥10,881.90",
            "壹万零捌佰捌拾壹元玖角整",
            "招商银行深圳分行",
            "销售方签字/盖章",
        ):
            assert expected in page, expected

    def test_english_document(self) -> None:
        page = render_html(full_order(), full_breakdown(), seller=SELLER, locale="en_US")
        assert '<html lang="en">' in page
        assert "Customer signature / seal" in page
        assert "Amount in words (RMB)" in page

    def test_hostile_values_are_escaped(self) -> None:
        hostile = '<script>alert("x")</script>'
        order = attrs.evolve(full_order(customer_name=hostile), notes="a & b <b>")
        seller = Seller(name="<img src=x onerror=alert(1)>")
        page = render_html(order, full_breakdown(), seller=seller)
        assert "<script" not in page
        assert "<img" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
        assert "a &amp; b &lt;b&gt;" in page
        assert "Cable &lt;5m&gt;" in page


def _bare_order(*, currency: str = "CNY", created_at: datetime | None = None) -> Order:
    return Order(
        id="o-2",
        customer=Customer(id="c-2", name="王五"),
        currency=currency,
        lines=(OrderLine(line_id="l1", sku="S1", name="样品", quantity=Decimal(1)),),
        invoice=InvoiceInfo(kind=InvoiceKind.NONE),
        payment_terms=PaymentTerms(),
        created_at=created_at,
    )


def _bare_breakdown(currency: str = "CNY", *, grand: str = "0.00") -> FakeBreakdown:
    zero = Money("0.00", currency)
    total = Money(grand, currency)
    line = FakeLine(
        line_id="l1",
        sku="S1",
        quantity=Decimal(1),
        unit_price=total,
        net=total,
        tax=zero,
        gross=total,
        tax_rate=Decimal(0),
    )
    return FakeBreakdown(
        currency=currency,
        lines=(line,),
        charges=(),
        subtotal=total,
        discount_total=zero,
        charges_total=zero,
        tax_total=zero,
        grand_total=total,
    )


class TestSparseOrdersPrint:
    def test_order_without_addresses_invoice_or_number_renders(self) -> None:
        order = _bare_order()
        text = render_text(
            order, _bare_breakdown(), seller=Seller(name="卖方"), issued_on=date(2026, 1, 1)
        )
        page = render_html(
            order, _bare_breakdown(), seller=Seller(name="卖方"), issued_on=date(2026, 1, 1)
        )
        for document in (text, page):
            assert "不开票" in document
            assert "零元整" in document
            assert "—" in document  # no order number yet
            assert "None" not in document
        assert "[费用]" not in text

    def test_line_missing_from_the_order_prints_its_sku(self) -> None:
        breakdown = attrs.evolve(
            _bare_breakdown(grand="1.00"),
            lines=(attrs.evolve(_bare_breakdown().lines[0], line_id="gone", sku="S-GONE"),),
        )
        text = render_text(
            _bare_order(), breakdown, seller=Seller(name="卖方"), issued_on=date(2026, 1, 1)
        )
        assert text.count("S-GONE") == 2

    def test_charge_without_name_prints_its_kind(self) -> None:
        zero = Money("0.00", "CNY")
        charge = FakeCharge(kind="installation", net=zero, tax=zero, gross=zero)
        breakdown = attrs.evolve(_bare_breakdown(), charges=(charge,))
        text = render_text(
            _bare_order(), breakdown, seller=Seller(name="卖方"), issued_on=date(2026, 1, 1)
        )
        assert "installation" in text

    def test_general_invoice_prints_title_and_tax_id_only(self) -> None:
        invoice = InvoiceInfo(kind=InvoiceKind.GENERAL, title="王五", tax_id="X1", bank_name="B")
        order = attrs.evolve(_bare_order(), invoice=invoice)
        text = render_text(
            order, _bare_breakdown(), seller=Seller(name="卖方"), issued_on=date(2026, 1, 1)
        )
        assert "普通发票" in text
        assert "X1" in text
        assert "开户行" not in text

    def test_foreign_currency_order_has_no_capitals(self) -> None:
        order = _bare_order(currency="USD")
        text = render_text(
            order,
            _bare_breakdown("USD", grand="12.50"),
            seller=Seller(name="S"),
            locale="en",
            issued_on=date(2026, 1, 1),
        )
        page = render_html(
            order,
            _bare_breakdown("USD", grand="12.50"),
            seller=Seller(name="S"),
            locale="en",
            issued_on=date(2026, 1, 1),
        )
        for document in (text, page):
            assert "$12.50" in document
            assert "Amount in words" not in document
            assert "元" not in document

    def test_seller_without_any_data_leaves_the_block_empty(self) -> None:
        text = render_text(
            _bare_order(), _bare_breakdown(), seller=Seller(name=""), issued_on=date(2026, 1, 1)
        )
        assert "[销售方]\n\n[购买方]" in text

    def test_issue_date_defaults_to_creation_date(self) -> None:
        order = _bare_order(created_at=datetime(2026, 5, 4, 23, 59))  # noqa: DTZ001 (fixture)
        text = render_text(order, _bare_breakdown(), seller=Seller(name="S"))
        assert "2026年5月4日" in text


class TestRenderingRefusals:
    def test_undated_order_needs_issued_on(self) -> None:
        with pytest.raises(DocumentError) as caught:
            render_text(_bare_order(), _bare_breakdown(), seller=Seller(name="S"))
        assert caught.value.code == "document.issued_on.missing"

    @pytest.mark.parametrize("locale", ["fr_FR", "zh_XX_bad!", "en-!!", ""])
    def test_an_unknown_locale_prints_english_as_messages_do(self, locale: str) -> None:
        # One negotiation for documents and messages (salesorder.i18n): no language
        # with a catalog gives English in both, where documents used to raise.
        page = render_html(full_order(), full_breakdown(), seller=SELLER, locale=locale)
        assert "Sales Order" in page
        assert '<html lang="en">' in page
        assert DocumentError("document.issued_on.missing").message(locale).startswith("The order")

    def test_errors_never_carry_personal_data(self) -> None:
        order = attrs.evolve(full_order(), created_at=None)
        with pytest.raises(DocumentError) as caught:
            render_text(order, full_breakdown(), seller=SELLER)
        rendered = f"{caught.value} {caught.value.message('zh_CN')} {caught.value.params}"
        for secret in ("深圳市示例", "张三", "13800138000", "91440300"):
            assert secret not in rendered


class TestSellerIsPrivacySafe:
    def test_repr_shows_only_the_name(self) -> None:
        text = repr(SELLER)
        assert "上海卖方贸易有限公司" in text
        for secret in ("021-66668888", "4377", "91310000", "世纪大道"):
            assert secret not in text


class TestNothingPrintedThatTheOrderDoesNotSay:
    """Issue 17 item 8: the form states only what the order states."""

    def test_order_without_payment_terms_prints_none(self) -> None:
        order = _bare_order()
        seller = Seller(name="卖方")
        for locale, label in (("zh_CN", "付款条件"), ("en", "Payment terms")):
            text = render_text(
                order, _bare_breakdown(), seller=seller, locale=locale, issued_on=date(2026, 1, 1)
            )
            page = render_html(
                order, _bare_breakdown(), seller=seller, locale=locale, issued_on=date(2026, 1, 1)
            )
            for document in (text, page):
                assert label not in document
                assert "银行转账" not in document
                assert "Bank transfer" not in document
                assert "款到发货或货到付款" not in document

    def test_order_with_terms_prints_them(self) -> None:
        order = attrs.evolve(_bare_order(), payment_terms=PaymentTerms(due_days=10))
        text = render_text(
            order, _bare_breakdown(), seller=Seller(name="卖方"), issued_on=date(2026, 1, 1)
        )
        assert "付款条件" in text
        assert "开票后 10 天内付款" in text

    def test_discount_rows_show_promotion_names_never_ids(self) -> None:
        text = render_text(full_order(), full_breakdown(), seller=SELLER)
        page = render_html(full_order(), full_breakdown(), seller=SELLER)
        for document in (text, page):
            assert "VIP 九五折" in document
            assert "PROMO-VIP5" not in document

    def test_unnamed_promotion_and_manual_discount_get_generic_labels(self) -> None:
        m = Money
        line = attrs.evolve(
            full_breakdown().lines[0],
            adjustments=(
                FakeAdjustment(amount=m("-1.00", "CNY"), promotion_id="P-INTERNAL-9"),
                FakeAdjustment(amount=m("-2.00", "CNY"), promotion_id=None, kind="manual"),
            ),
        )
        breakdown = attrs.evolve(full_breakdown(), lines=(line,), applied=())
        text = render_text(full_order(), breakdown, seller=SELLER)
        assert "行 1 · 促销优惠" in text
        assert "行 1 · 协商折扣" in text
        assert "P-INTERNAL-9" not in text
        english = render_text(full_order(), breakdown, seller=SELLER, locale="en")
        assert "line 1 · Promotion" in english
        assert "line 1 · Agreed discount" in english


class TestHtmlLayoutForA4:
    """Issue 17 item 8: headers and codes never broken; number and page on every page."""

    def test_headers_and_skus_never_wrap(self) -> None:
        page = render_html(full_order(), full_breakdown(), seller=SELLER)
        assert "th { background: #eee; font-weight: bold; white-space: nowrap; }" in page
        assert ".items td.num, .items td.code { white-space: nowrap; }" in page
        assert '<td class="code">SKU-001</td>' in page

    def test_every_page_carries_the_order_number_and_page_of_pages(self) -> None:
        page = render_html(full_order(), full_breakdown(), seller=SELLER)
        assert '@top-right { content: "销售订单  订单编号 SO-202611-000123"' in page
        assert '"第 " counter(page) " / " counter(pages) " 页"' in page
        english = render_html(full_order(), full_breakdown(), seller=SELLER, locale="en")
        assert '"Page " counter(page) " / " counter(pages) ""' in english

    def test_order_number_cannot_break_out_of_the_style_sheet(self) -> None:
        order = attrs.evolve(full_order(), number='X"}</style><script>alert(1)</script>')
        page = render_html(order, full_breakdown(), seller=SELLER)
        head = page[: page.index("</head>")]
        assert head.count("</style>") == 1
        assert "<script" not in page
        assert '"}' not in head.split("@top-right")[1].split(";")[0]


class TestPdfWithoutTheExtra:
    """Without reportlab, PDF output is refused with a code that names the extra."""

    def test_render_pdf_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import sys

        from salesorder.documents import render_pdf

        monkeypatch.setitem(sys.modules, "reportlab", None)
        with pytest.raises(DocumentError) as caught:
            render_pdf(full_order(), full_breakdown(), seller=SELLER)
        assert caught.value.code == "document.pdf.extra_missing"
        assert "salesorder[pdf]" in str(caught.value)

    def test_print_command_exits_2_and_says_which_extra(
        self,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        import sys
        from pathlib import Path

        from salesorder.cli import main

        monkeypatch.setitem(sys.modules, "reportlab", None)
        example = Path(__file__).resolve().parents[2] / "examples" / "standard-order.json"
        target = Path(str(tmp_path)) / "x.pdf"
        assert main(["print", str(example), "--pdf", str(target)]) == 2
        assert "salesorder[pdf]" in capsys.readouterr().err
        assert not target.exists()

    def test_print_command_prints_text_and_html(self, capsys: pytest.CaptureFixture[str]) -> None:
        from pathlib import Path

        from salesorder.cli import main

        example = Path(__file__).resolve().parents[2] / "examples" / "standard-order.json"
        assert main(["print", str(example), "--issued-on", "2026-11-03"]) == 0
        assert "Sales Order" in capsys.readouterr().out
        assert main(["print", str(example), "--html", "--locale", "zh_CN"]) == 0
        assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
