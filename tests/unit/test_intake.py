"""File intake: CSV and workbooks into drafts, issues at their cells, checks and imports."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import openpyxl
import pytest

from salesorder import i18n
from salesorder.adapters.memory import FixedClock, MemoryDatabase, PatternNumbering
from salesorder.cli import main
from salesorder.errors import InvalidOrder, ValidationFailed
from salesorder.intake import (
    CHINESE_HEADERS,
    TRADITIONAL_CHINESE_HEADERS,
    ColumnMapping,
    FileFormat,
    FormulaPolicy,
    IntakeError,
    IntakeLimits,
    IntakeOptions,
    OutcomeStatus,
    check_file,
    export_issues,
    export_orders,
    idempotency_key,
    import_file,
    neutralise,
)
from salesorder.pricing import PriceList
from salesorder.schema import Limits
from salesorder.service import OrderService
from salesorder.settings import PricingSettings
from salesorder.validation import Issue, Severity, ValidationContext, ValidationReport, validate

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=CST)
CNY = IntakeOptions(currency="CNY")

ZH_HEADER = ["订单号", "客户编码", "客户名称", "商品编码", "品名", "规格", "数量", "单位", "单价"]
EN_HEADER = [
    "Order No.",
    "Customer code",
    "Customer name",
    "SKU",
    "Product name",
    "Specification",
    "Quantity",
    "Unit",
    "Unit price",
]
ROWS = [
    ["SO-1", "C-1", "杭州示例茶庄", "TEA-1", "龙井", "250g", "10", "盒", "128.00"],
    ["SO-1", "", "", "CUP-1", "茶杯", "6只装", "2", "套", "86.50"],
    ["SO-2", "C-2", "示例机械", "BRG-1", "轴承", "6204", "100", "个", "12.80"],
]


def csv_bytes(
    rows: Sequence[Sequence[str]], *, header: Sequence[str] = ZH_HEADER, encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], *, header: Sequence[str] = ZH_HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _cell_xml(reference: str, value: object) -> str:
    if isinstance(value, tuple):  # (formula, cached value or None)
        formula, cached = value
        cached_xml = "" if cached is None else f"<v>{cached}</v>"
        return f'<c r="{reference}"><f>{formula}</f>{cached_xml}</c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'


def raw_xlsx(
    rows: Sequence[Sequence[object]], *, header: Sequence[str] = ZH_HEADER, dimension: str = ""
) -> bytes:
    """A workbook written by hand, for what openpyxl would not write: cached formula
    values, lying dimensions."""
    body = []
    for number, row in enumerate([header, *rows], start=1):
        cells = "".join(
            _cell_xml(f"{chr(ord('A') + column)}{number}", value)
            for column, value in enumerate(row)
            if value != ""
        )
        body.append(f'<row r="{number}">{cells}</row>')
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension_xml}<sheetData>{''.join(body)}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def service_on(database: MemoryDatabase) -> OrderService:
    return OrderService(
        unit_of_work=database.unit_of_work,
        clock=FixedClock(NOW),
        numbering=PatternNumbering(),
        pricing_settings=PricingSettings(price_list=PriceList("CNY", ())),
    )


class RefusingService(OrderService):
    """Refuses orders SO-3 and SO-4 on entry, as a change between check and entry would."""

    def enter(self, payload: object, *, actor: str, idempotency_key: str | None = None) -> Any:
        reference = payload.get("external_ref") if isinstance(payload, dict) else None
        if reference == "SO-3":
            raise InvalidOrder(path="/customer/name")
        if reference == "SO-4":
            missing = Issue("field.missing", "/lines/0/quantity")
            raise ValidationFailed(ValidationReport((missing,)))
        return super().enter(payload, actor=actor, idempotency_key=idempotency_key)


def refusing_service(database: MemoryDatabase) -> OrderService:
    return RefusingService(
        unit_of_work=database.unit_of_work,
        clock=FixedClock(NOW),
        numbering=PatternNumbering(),
        pricing_settings=PricingSettings(price_list=PriceList("CNY", ())),
    )


def codes(issues: Sequence[Any]) -> list[str]:
    return [issue.code for issue in issues]


# -- reading -------------------------------------------------------------------------------


class TestReadingCsv:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_utf8_with_or_without_bom_and_gb18030_read_alike(self, encoding: str) -> None:
        report = check_file(csv_bytes(ROWS, encoding=encoding), options=CNY)
        assert report.ok, report.issues
        assert report.file_format is FileFormat.CSV
        assert [(o.key, o.first_row, o.last_row, o.line_count) for o in report.outcomes] == [
            ("SO-1", 2, 3, 2),
            ("SO-2", 4, 4, 1),
        ]

    def test_english_headers_are_read_by_the_default_mapping(self) -> None:
        report = check_file(csv_bytes(ROWS, header=EN_HEADER), options=CNY)
        assert report.ok
        assert len(report.outcomes) == 2

    def test_semicolon_and_tab_delimiters_are_recognised(self) -> None:
        for delimiter in ";\t":
            text = "\r\n".join(delimiter.join(row) for row in [ZH_HEADER, *ROWS])
            report = check_file(text.encode(), options=CNY)
            assert report.ok, (delimiter, report.issues)

    def test_a_cell_of_a_csv_file_is_named_by_record_and_field(self) -> None:
        rows = [*ROWS[:2], ["SO-2", "C-2", "示例机械", "BRG-1", "轴承", "6204", "abc", "个", "1"]]
        report = check_file(csv_bytes(rows), options=CNY)
        [bad] = report.errors
        assert (bad.code, bad.path, bad.cell) == ("decimal.invalid", "/lines/0/quantity", "R4C7")
        assert report.outcomes[1].status is OutcomeStatus.INVALID
        assert report.outcomes[0].status is OutcomeStatus.VALID
        assert "R4C7" in json.dumps(report.to_dict())

    def test_every_problem_of_the_file_is_reported_at_once(self) -> None:
        rows = [
            ["SO-1", "C-1", "a", "A", "a", "", "x", "件", "1"],
            ["SO-2", "C-2", "b", "B", "b", "", "1.5", "件", "1"],
            ["SO-3", "C-3", "c", "C", "c", "", "1", "件", "-1"],
        ]
        report = check_file(csv_bytes(rows), options=CNY)
        assert [(issue.code, issue.cell) for issue in report.errors] == [
            ("decimal.invalid", "R2C7"),
            ("line.quantity.not_whole", "R3C7"),
            ("line.price.negative", "R4C9"),
        ]

    def test_the_messages_come_in_both_languages(self) -> None:
        rows = [["SO-1", "C-1", "a", "A", "a", "", "1.5", "件", "1"]]
        [issue] = check_file(csv_bytes(rows), options=CNY).errors
        assert "whole" in issue.message("en")
        assert "整数" in issue.message("zh_CN")

    def test_undecodable_bytes_are_refused_with_a_code(self) -> None:
        data = csv_bytes(ROWS) + b"SO-9,\xff\xff\xff\r\n"
        report = check_file(data, options=IntakeOptions(currency="CNY", encoding="utf-8"))
        assert codes(report.file_issues) == ["intake.file.encoding"]
        assert not report.ok
        assert not report.file_ok

    def test_an_unclosed_quote_is_malformed_csv(self) -> None:
        data = csv_bytes(ROWS) + b'SO-9,"C-9,x\r\n' + b"y" * 200_000
        report = check_file(data, options=CNY)
        assert codes(report.file_issues)[-1] == "intake.csv.malformed"

    def test_a_currency_column_overrides_the_default(self) -> None:
        header = [*ZH_HEADER, "币种"]
        rows = [[*ROWS[0], "USD"]]
        report = check_file(csv_bytes(rows, header=header), options=CNY)
        assert report.ok

    def test_without_currency_the_draft_misses_one(self) -> None:
        [issue] = check_file(csv_bytes(ROWS[:1])).errors
        assert (issue.code, issue.path, issue.cell) == ("field.missing", "/currency", "R2")

    def test_a_date_in_chinese_or_slashed_form_is_a_date(self) -> None:
        header = [*ZH_HEADER, "交货日期"]
        for written in ["2026/12/5", "2026年12月5日", "2026-12-05", "2026.12.05"]:
            rows = [[*ROWS[0], written]]
            context = ValidationContext(today=NOW.date())
            report = check_file(csv_bytes(rows, header=header), options=CNY, context=context)
            assert report.ok, (written, report.issues)


class TestGrouping:
    def test_a_blank_order_key_continues_the_order_above(self) -> None:
        rows = [ROWS[0], ["", "", "", "CUP-1", "茶杯", "", "2", "套", "86.50"]]
        [outcome] = check_file(csv_bytes(rows), options=CNY).outcomes
        assert (outcome.key, outcome.line_count) == ("SO-1", 2)

    def test_a_first_row_without_order_key_belongs_to_no_order(self) -> None:
        rows = [["", "C-1", "a", "A", "a", "", "1", "件", "1"], *ROWS]
        report = check_file(csv_bytes(rows), options=CNY)
        assert [(i.code, i.cell) for i in report.file_issues] == [
            ("intake.order_key.missing", "R2C1")
        ]
        assert not report.ok

    def test_a_different_order_level_value_on_a_later_row_is_an_issue(self) -> None:
        rows = [ROWS[0], ["SO-1", "C-9", "", "CUP-1", "茶杯", "", "2", "套", "86.50"]]
        [issue] = check_file(csv_bytes(rows), options=CNY).errors
        assert (issue.code, issue.path, issue.cell) == (
            "intake.cell.conflicting",
            "/customer/id",
            "R3C2",
        )
        assert issue.params["row"] == 2

    def test_an_order_key_used_again_further_down_spoils_both_orders(self) -> None:
        rows = [ROWS[0], ROWS[2], ROWS[1]]
        report = check_file(csv_bytes(rows), options=CNY)
        statuses = [(o.key, o.status) for o in report.outcomes]
        assert statuses == [
            ("SO-1", OutcomeStatus.INVALID),
            ("SO-2", OutcomeStatus.VALID),
            ("SO-1", OutcomeStatus.INVALID),
        ]
        [issue] = report.errors
        assert (issue.code, issue.cell) == ("intake.order_key.repeated", "R4C1")

    def test_alternating_order_keys_spoil_every_part(self) -> None:
        rows = [[f"SO-{index % 2}", *ROWS[0][1:]] for index in range(2000)]
        report = check_file(csv_bytes(rows), options=CNY)
        assert len(report.outcomes) == 2000
        assert all(o.status is OutcomeStatus.INVALID for o in report.outcomes)
        assert codes(report.errors).count("intake.order_key.repeated") == 1000
        assert report.dropped == 998

    def test_blank_rows_are_skipped(self) -> None:
        rows = [ROWS[0], [""] * 9, ROWS[2]]
        report = check_file(csv_bytes(rows), options=CNY)
        assert report.ok
        assert [o.key for o in report.outcomes] == ["SO-1", "SO-2"]

    def test_an_order_key_becomes_the_external_reference(self) -> None:
        long_key = "K" * 80
        rows = [[long_key, *ROWS[0][1:]]]
        [issue] = check_file(csv_bytes(rows), options=CNY).errors
        assert (issue.code, issue.path, issue.cell) == ("field.too_long", "/external_ref", "R2C1")

    def test_an_order_with_more_lines_than_the_limit_keeps_none_beyond_it(self) -> None:
        rows = [[*ROWS[0][:3], f"S{i}", "n", "", "1", "件", "1"] for i in range(5)]
        context = ValidationContext(limits=Limits(max_lines=3))
        report = check_file(csv_bytes(rows), options=CNY, context=context)
        [outcome] = report.outcomes
        assert outcome.line_count == 5
        assert [(i.code, i.cell) for i in outcome.issues] == [("lines.too_many", "R5")]

    def test_issues_are_bounded_and_the_report_says_so(self) -> None:
        rows = [[f"SO-{i}", "C", "c", "S", "n", "", "x", "件", "1"] for i in range(30)]
        options = IntakeOptions(currency="CNY", limits=IntakeLimits(max_issues=10))
        report = check_file(csv_bytes(rows), options=options)
        assert len(report.issues) == 11
        assert report.issues[-1].code == "report.truncated"
        assert report.dropped == 20
        # Every order is judged, listed or not.
        assert all(o.status is OutcomeStatus.INVALID for o in report.outcomes)
        assert len(report.to_dict()["file_issues"]) == 1


class TestColumns:
    def test_a_missing_required_column_is_refused_at_the_header(self) -> None:
        header = [name for name in ZH_HEADER if name != "数量"]
        rows = [[v for i, v in enumerate(row) if i != 6] for row in ROWS]
        report = check_file(csv_bytes(rows, header=header), options=CNY)
        [issue] = report.errors
        assert (issue.code, issue.cell) == ("intake.column.missing", "R1")
        assert issue.params == {"field": "line.quantity", "header": "Quantity"}
        assert report.outcomes == ()

    def test_unknown_and_second_columns_are_warnings(self) -> None:
        header = [*ZH_HEADER, "金额", "数量"]
        rows = [[*ROWS[0], "1280", "999"]]
        report = check_file(csv_bytes(rows, header=header), options=CNY)
        assert report.ok
        assert [(i.code, i.severity, i.cell) for i in report.file_issues] == [
            ("intake.column.unmapped", Severity.WARNING, "R1C10"),
            ("intake.column.duplicate", Severity.WARNING, "R1C11"),
        ]

    def test_headers_match_whatever_their_width_case_and_unit(self) -> None:
        mapping = ColumnMapping.default()
        assert mapping.field_of("单价(元)") == "line.unit_price"
        assert mapping.field_of("  ORDER   no. ") == "order_key"
        assert mapping.field_of("客户编码*") == "customer.id"
        assert mapping.field_of("数量(件)") == "line.quantity"
        assert mapping.field_of("金额") is None

    def test_a_mapping_of_your_own_headers(self) -> None:
        mapping = ColumnMapping.default().extended({"line.sku": "Artikelnummer"})
        header = ["订单号", "客户编码", "客户名称", "Artikelnummer", "品名", "数量", "单价"]
        rows = [["SO-1", "C-1", "x", "A-1", "y", "1", "2"]]
        report = check_file(
            csv_bytes(rows, header=header), options=IntakeOptions(currency="CNY", mapping=mapping)
        )
        assert report.ok

    def test_an_unknown_field_or_a_header_given_twice_is_a_bad_option(self) -> None:
        with pytest.raises(IntakeError) as unknown:
            ColumnMapping({"customer.shoe_size": ("Shoe",)})
        assert unknown.value.code == "intake.option.invalid"
        with pytest.raises(IntakeError):
            ColumnMapping({"line.sku": ("Code",), "customer.id": ("code",)})

    def test_the_english_and_chinese_mappings_stand_alone(self) -> None:
        assert ColumnMapping.english().field_of("数量") is None
        assert ColumnMapping.chinese().field_of("数量") == "line.quantity"

    def test_a_header_row_further_down(self) -> None:
        data = b"Order sheet, December\r\n\r\n" + csv_bytes(ROWS)
        report = check_file(data, options=IntakeOptions(currency="CNY", header_row=3))
        assert report.ok
        assert report.outcomes[0].first_row == 4

    def test_an_empty_header_row_is_refused(self) -> None:
        report = check_file(b"\r\n" + csv_bytes(ROWS), options=CNY)
        assert codes(report.errors) == ["intake.file.no_header"]

    def test_a_file_with_only_a_header_holds_no_orders(self) -> None:
        report = check_file(csv_bytes([]), options=CNY)
        assert codes(report.errors) == ["intake.file.no_orders"]


class TestWorkbooks:
    def test_a_cell_of_a_workbook_is_named_sheet_column_row(self) -> None:
        rows: list[list[object]] = [
            ["SO-1", "C-1", "茶庄", "TEA-1", "龙井", "250g", 10, "盒", 128],
            ["SO-1", None, None, "CUP-1", "茶杯", None, "two", "套", 86.5],
        ]
        report = check_file(xlsx_bytes(rows), options=CNY)
        assert report.file_format is FileFormat.XLSX
        [issue] = report.errors
        assert (issue.code, issue.path, issue.cell) == (
            "decimal.invalid",
            "/lines/1/quantity",
            "Sheet1!G3",
        )

    def test_numbers_and_dates_keep_their_written_value(self) -> None:
        header = [*ZH_HEADER, "交货日期"]
        rows = [["SO-1", 10086, "茶庄", "TEA-1", "龙井", "", 3, "盒", 0.1, datetime(2026, 12, 5)]]  # noqa: DTZ001  (a naive cell date)
        context = ValidationContext(today=NOW.date())
        report = check_file(xlsx_bytes(rows, header=header), options=CNY, context=context)
        assert report.ok, report.issues
        order = validate(
            {
                "customer": {"id": "10086", "name": "茶庄"},
                "currency": "CNY",
                "lines": [{"sku": "TEA-1", "name": "龙井", "quantity": "3", "unit_price": "0.1"}],
            }
        ).order
        assert order is not None

    def test_a_sheet_by_name_and_a_missing_sheet(self) -> None:
        workbook = openpyxl.Workbook()
        first = workbook.active
        assert first is not None
        first.append(["nothing here"])
        second = workbook.create_sheet("订单")
        second.append(ZH_HEADER)
        second.append(ROWS[0])
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
        report = check_file(data, options=IntakeOptions(currency="CNY", sheet="订单"))
        assert report.ok
        [issue] = check_file(data, options=IntakeOptions(currency="CNY", sheet="Nope")).errors
        assert issue.code == "intake.sheet.missing"

    def test_a_quoted_sheet_name_in_a_cell_reference(self) -> None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "My orders"
        sheet.append(ZH_HEADER)
        sheet.append(["SO-1", "C-1", "x", "A", "a", "", "x", "件", "1"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        [issue] = check_file(buffer.getvalue(), options=CNY).errors
        assert issue.cell == "'My orders'!G2"


class TestFormulas:
    ROW: ClassVar[list[object]] = [
        "SO-1",
        "C-1",
        "茶庄",
        "TEA-1",
        "龙井",
        "",
        ("2*5", 10),
        "盒",
        "128",
    ]

    def test_a_formula_is_read_as_its_cached_value(self) -> None:
        report = check_file(raw_xlsx([self.ROW]), options=CNY)
        assert report.ok, report.issues

    def test_a_formula_without_a_cached_value_is_an_issue(self) -> None:
        row = [*self.ROW[:6], ("2*5", None), *self.ROW[7:]]
        [issue, *_] = check_file(raw_xlsx([row]), options=CNY).errors
        assert (issue.code, issue.cell) == ("intake.cell.formula_not_calculated", "Sheet1!G2")

    def test_openpyxl_writes_formulas_without_values_and_those_are_refused(self) -> None:
        data = xlsx_bytes([["SO-1", "C-1", "x", "A", "a", "", "=2*5", "件", "1"]])
        [issue, *_] = check_file(data, options=CNY).errors
        assert issue.code == "intake.cell.formula_not_calculated"

    def test_with_the_refuse_policy_every_formula_is_an_issue(self) -> None:
        options = IntakeOptions(currency="CNY", formulas=FormulaPolicy.REFUSE)
        report = check_file(raw_xlsx([self.ROW]), options=options)
        [issue] = report.outcomes[0].issues
        assert (issue.code, issue.cell) == ("intake.cell.formula", "Sheet1!G2")
        assert report.outcomes[0].status is OutcomeStatus.INVALID

    def test_a_formula_in_a_column_that_is_not_imported_does_not_matter(self) -> None:
        row = [*ROWS[0], ("G2*I2", None)]
        options = IntakeOptions(currency="CNY", formulas=FormulaPolicy.REFUSE)
        report = check_file(raw_xlsx([row], header=[*ZH_HEADER, "金额"]), options=options)
        assert report.ok

    def test_a_formula_is_never_evaluated(self) -> None:
        # A cached value that disagrees with its formula: the cached value is read.
        row = [*self.ROW[:6], ("2*5", 7), *self.ROW[7:]]
        report = check_file(raw_xlsx([row]), options=CNY)
        assert report.ok
        entered = import_file(
            raw_xlsx([row]), service=service_on(MemoryDatabase()), actor="a", options=CNY
        )
        assert entered.outcomes[0].status is OutcomeStatus.ENTERED


class TestHostileFiles:
    def test_a_file_beyond_the_size_limit_is_refused_unread(self) -> None:
        options = IntakeOptions(currency="CNY", limits=IntakeLimits(max_file_bytes=100))
        report = check_file(csv_bytes(ROWS), options=options)
        assert codes(report.errors) == ["intake.file.too_large"]

    def test_a_zip_bomb_is_refused_quickly(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in _PARTS.items():
                archive.writestr(name, text)
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
        data = buffer.getvalue()
        assert len(data) < 200_000
        # Refused from the ZIP directory: nothing is unpacked (bench_intake.py times it).
        report = check_file(data, options=CNY)
        assert codes(report.errors) == ["intake.archive.compression_ratio"]

    def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in _PARTS.items():
                archive.writestr(name, text)
            archive.writestr("xl/worksheets/sheet1.xml", os.urandom(2_000_000))
        options = IntakeOptions(limits=IntakeLimits(max_unpacked_bytes=1_000_000))
        report = check_file(buffer.getvalue(), options=options)
        assert codes(report.errors) == ["intake.archive.too_large"]

    def test_too_many_parts_are_refused(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for index in range(30):
                archive.writestr(f"junk/{index}", b"")
        options = IntakeOptions(limits=IntakeLimits(max_archive_parts=20))
        assert codes(check_file(buffer.getvalue(), options=options).errors) == [
            "intake.archive.too_many_parts"
        ]

    def test_a_declared_dimension_beyond_the_limits_is_refused_before_reading(self) -> None:
        data = raw_xlsx([ROWS[0]], dimension="A1:I1048576")
        [issue] = check_file(data, options=CNY).errors
        assert (issue.code, issue.params["max"]) == ("intake.sheet.too_many_rows", 200_000)
        wide = raw_xlsx([ROWS[0]], dimension="A1:XFD2")
        assert codes(check_file(wide, options=CNY).errors) == ["intake.sheet.too_many_columns"]

    def test_rows_beyond_an_understated_dimension_are_read_and_counted(self) -> None:
        rows = [[f"SO-{i}", *ROWS[0][1:]] for i in range(10)]
        data = raw_xlsx(rows, dimension="A1:I2")
        assert len(check_file(data, options=CNY).outcomes) == 10
        options = IntakeOptions(currency="CNY", limits=IntakeLimits(max_rows=5))
        report = check_file(data, options=options)
        assert codes(report.file_issues) == ["intake.sheet.too_many_rows"]
        assert not report.file_ok

    def test_too_many_csv_rows_or_columns_are_refused(self) -> None:
        rows = [[f"SO-{i}", *ROWS[0][1:]] for i in range(10)]
        options = IntakeOptions(currency="CNY", limits=IntakeLimits(max_rows=5, max_columns=9))
        assert codes(check_file(csv_bytes(rows), options=options).file_issues) == [
            "intake.sheet.too_many_rows"
        ]
        wide = csv_bytes([[*ROWS[0], "x"]], header=[*ZH_HEADER, "extra"])
        assert codes(check_file(wide, options=options).errors) == ["intake.sheet.too_many_columns"]

    def test_a_broken_workbook_is_unreadable_not_a_crash(self) -> None:
        data = xlsx_bytes(ROWS)
        assert codes(check_file(data[: len(data) // 2], options=CNY).errors) == [
            "intake.file.unreadable"
        ]
        assert codes(check_file(b"PK\x03\x04garbage", options=CNY).errors) == [
            "intake.file.unreadable"
        ]

    def test_an_unknown_format_is_refused(self) -> None:
        report = check_file(b"\x00\x01binary", options=CNY)
        assert codes(report.errors) == ["intake.file.format"]

    def test_a_path_that_cannot_be_opened_raises_a_library_error(self, tmp_path: Path) -> None:
        with pytest.raises(IntakeError) as error:
            check_file(tmp_path / "missing.csv")
        assert error.value.code == "intake.file.not_opened"

    @pytest.mark.slow
    def test_memory_stays_bounded_on_a_100000_row_file(self, tmp_path: Path) -> None:
        path = tmp_path / "big.csv"
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(ZH_HEADER)
            for index in range(100_000):
                order, line = divmod(index, 10)
                writer.writerow([f"SO-{order}", "C-1", "茶庄", f"S{line}", "n", "", "1", "件", "1"])
        size = path.stat().st_size
        # A process of its own, so that its peak resident size is this check's alone.
        script = (
            "import resource, sys\n"
            "from salesorder.intake import IntakeOptions, check_file\n"
            "options = IntakeOptions(currency='CNY')\n"
            "check_file(sys.argv[2].encode(), options=options)\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "report = check_file(sys.argv[1], options=options)\n"
            "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print(len(report.outcomes), report.ok, (after - before) * 1024)\n"
        )
        small = csv_bytes(ROWS).decode()
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
        done = subprocess.run(  # noqa: S603  (our own interpreter and script)
            [sys.executable, "-c", script, str(path), small],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        orders, ok, growth = done.stdout.split()
        assert (orders, ok) == ("10000", "True")
        # The file's bytes, the outcomes (one small record per order) and one order; the
        # rows held as lists of strings would take over 60 MB more.
        assert int(growth) < size + 20_000_000, (growth, size)


# -- checking and importing ------------------------------------------------------------------


class TestImport:
    def test_a_check_enters_nothing(self) -> None:
        database = MemoryDatabase()
        report = check_file(csv_bytes(ROWS), options=CNY, service=service_on(database))
        assert report.dry_run
        assert report.ok
        assert len(database.orders) == 0

    def test_an_import_enters_the_valid_orders_and_reports_the_others(self) -> None:
        database = MemoryDatabase()
        rows = [*ROWS, ["SO-3", "C-3", "c", "X", "x", "", "1", "件", "1"]]
        service = refusing_service(database)
        report = import_file(csv_bytes(rows), service=service, actor="li", options=CNY)
        statuses = [(o.key, o.status) for o in report.outcomes]
        assert statuses == [
            ("SO-1", OutcomeStatus.ENTERED),
            ("SO-2", OutcomeStatus.ENTERED),
            ("SO-3", OutcomeStatus.REFUSED),
        ]
        assert len(database.orders) == 2
        first = database.orders.get(report.outcomes[0].order_id or "")
        assert first.external_ref == "SO-1"
        assert [line.sku for line in first.lines] == ["TEA-1", "CUP-1"]
        assert first.number == report.outcomes[0].number
        [refusal] = [i for i in report.outcomes[2].issues if i.severity is Severity.ERROR]
        assert (refusal.code, refusal.cell) == ("order.invalid", "R5C3")

    def test_a_validation_refused_on_entry_is_reported_at_its_cells(self) -> None:
        service = refusing_service(MemoryDatabase())
        rows = [["SO-4", "C-4", "d", "Y", "y", "", "1", "件", "1"]]
        [outcome] = import_file(csv_bytes(rows), service=service, actor="li", options=CNY).outcomes
        assert outcome.status is OutcomeStatus.REFUSED
        errors = [(i.code, i.cell) for i in outcome.issues if i.severity is Severity.ERROR]
        assert errors == [("field.missing", "R2C7")]

    def test_importing_the_same_file_twice_changes_nothing(self) -> None:
        database = MemoryDatabase()
        service = service_on(database)
        data = csv_bytes(ROWS)
        first = import_file(data, service=service, actor="li", options=CNY)
        second = import_file(data, service=service, actor="li", options=CNY)
        assert len(database.orders) == 2
        assert [(o.order_id, o.number) for o in first.outcomes] == [
            (o.order_id, o.number) for o in second.outcomes
        ]
        assert not second.dry_run

    def test_the_idempotency_key_depends_on_the_file_and_the_order_key(self) -> None:
        assert idempotency_key("a" * 64, "SO-1") == idempotency_key("a" * 64, "SO-1")
        assert idempotency_key("a" * 64, "SO-1") != idempotency_key("b" * 64, "SO-1")
        assert idempotency_key("a" * 64, "SO-1") != idempotency_key("a" * 64, "SO-2")
        assert len(idempotency_key("a" * 64, "K" * 1000)) <= 100

    def test_a_file_with_an_error_of_its_own_enters_nothing(self) -> None:
        database = MemoryDatabase()
        rows = [["", "C-1", "a", "A", "a", "", "1", "件", "1"], *ROWS]
        report = import_file(csv_bytes(rows), service=service_on(database), actor="li", options=CNY)
        assert len(database.orders) == 0
        assert [o.status for o in report.outcomes] == [OutcomeStatus.VALID] * 2
        assert not report.ok

    def test_an_invalid_order_is_not_entered_and_the_rest_are(self) -> None:
        database = MemoryDatabase()
        rows = [ROWS[0], ["SO-2", "C-2", "b", "B", "b", "", "x", "件", "1"]]
        report = import_file(csv_bytes(rows), service=service_on(database), actor="li", options=CNY)
        assert [o.status for o in report.outcomes] == [
            OutcomeStatus.ENTERED,
            OutcomeStatus.INVALID,
        ]
        assert len(database.orders) == 1

    def test_an_import_from_a_path(self, tmp_path: Path) -> None:
        path = tmp_path / "orders.xlsx"
        path.write_bytes(xlsx_bytes(ROWS))
        database = MemoryDatabase()
        report = import_file(path, service=service_on(database), actor="li", options=CNY)
        assert len(report.entered) == 2


# -- exports -----------------------------------------------------------------------------------


HOSTILE = ["=1+2", "+SUM(A1)", "-2+3", "@cmd"]


class TestExports:
    def _orders(self) -> list[Any]:
        database = MemoryDatabase()
        rows = [
            [f"SO-{i}", "C-1", text, text, text, "", "1", "件", "1.50"]
            for i, text in enumerate(HOSTILE)
        ]
        report = import_file(csv_bytes(rows), service=service_on(database), actor="li", options=CNY)
        assert len(report.entered) == len(HOSTILE), report.issues
        return [database.orders.get(o.order_id or "") for o in report.entered]

    def test_neutralise_prefixes_formula_triggers_only(self) -> None:
        triggers = [*HOSTILE, "\t=x", "\r=x"]
        assert [neutralise(text) for text in triggers] == [f"'{text}" for text in triggers]
        assert neutralise("龙井") == "龙井"
        assert neutralise("1-2") == "1-2"

    def test_a_csv_export_neutralises_text_cells(self, tmp_path: Path) -> None:
        path = tmp_path / "orders.csv"
        export_orders(self._orders(), path)
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)
        assert "1.50" in rows[1]

    def test_an_xlsx_export_holds_no_formula_and_numbers_as_numbers(self, tmp_path: Path) -> None:
        path = tmp_path / "orders.xlsx"
        export_orders(self._orders(), path, locale="zh_CN")
        workbook = openpyxl.load_workbook(path)
        sheet = workbook.active
        assert sheet is not None
        header = [cell.value for cell in sheet[1]]
        assert header[0] == "订单号"
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t"))
        assert sheet.cell(row=2, column=header.index("单价") + 1).value == Decimal("1.5")

    @pytest.mark.parametrize(
        ("locale", "first", "price"),
        [("en", "Order No.", "Unit price"), ("zh_CN", "订单号", "单价")]
        + [(locale, "訂單號", "單價") for locale in ("zh_TW", "zh-HK", "zh_MO", "zh_Hant")],
    )
    def test_the_headers_are_in_the_script_of_the_locale(
        self, tmp_path: Path, locale: str, first: str, price: str
    ) -> None:
        path = tmp_path / "orders.csv"
        export_orders(self._orders(), path, locale=locale)
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert (header[0], price in header) == (first, True)

    def test_every_traditional_header_names_the_field_of_its_simplified_one(self) -> None:
        mapping = ColumnMapping.default()
        assert set(TRADITIONAL_CHINESE_HEADERS) == set(CHINESE_HEADERS)
        for field, names in TRADITIONAL_CHINESE_HEADERS.items():
            assert {mapping.field_of(name) for name in names} == {field}
            # The field's name in a Traditional message names its column too.
            assert mapping.field_of(i18n.translate(field, "zh_Hant", context="term")) == field

    @pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
    @pytest.mark.parametrize("locale", ["en", "zh_CN", "zh_TW", "zh_HK"])
    def test_exported_orders_import_back_into_the_same_drafts(
        self, tmp_path: Path, suffix: str, locale: str
    ) -> None:
        orders = self._orders()
        path = tmp_path / f"orders{suffix}"
        export_orders(orders, path, locale=locale)
        report = check_file(path)
        assert report.ok, report.issues
        database = MemoryDatabase()
        imported = import_file(path, service=service_on(database), actor="li")
        again = [database.orders.get(o.order_id or "") for o in imported.entered]
        assert [[line.sku for line in o.lines] for o in again] == [[t] for t in HOSTILE]
        assert [o.customer.name for o in again] == HOSTILE

    def test_issues_export_to_csv_and_xlsx(self, tmp_path: Path) -> None:
        rows = [["SO-1", "C-1", "a", "=A", "a", "", "x", "件", "1"]]
        report = check_file(csv_bytes(rows, header=[*ZH_HEADER]), options=CNY)
        export_issues(report, tmp_path / "issues.csv", locale="zh_CN")
        text = (tmp_path / "issues.csv").read_text(encoding="utf-8-sig")
        assert "R2C7" in text
        assert "decimal.invalid" in text
        assert text.splitlines()[0].startswith("订单号")
        export_issues(report, tmp_path / "issues-tw.csv", locale="zh_TW")
        text = (tmp_path / "issues-tw.csv").read_text(encoding="utf-8-sig")
        assert text.splitlines()[0].startswith("訂單號,行,儲存格,路徑")
        export_issues(report.issues, tmp_path / "issues.xlsx")
        sheet = openpyxl.load_workbook(tmp_path / "issues.xlsx").active
        assert sheet is not None
        assert sheet["C2"].value == "R2C7"
        buffer = io.BytesIO()
        export_issues(validate(b"{}"), buffer, file_format=FileFormat.CSV)
        assert b"field.missing" in buffer.getvalue()

    def test_an_export_to_an_unknown_suffix_is_a_bad_option(self, tmp_path: Path) -> None:
        with pytest.raises(IntakeError):
            export_issues([], tmp_path / "issues.pdf")
        with pytest.raises(IntakeError):
            export_issues([], tmp_path / "no-such-dir" / "issues.csv")


# -- command line -------------------------------------------------------------------------------


class TestCommandLine:
    def test_a_dry_run_prints_the_report(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "orders.csv"
        path.write_bytes(csv_bytes([*ROWS, ["SO-3", "C-3", "c", "X", "x", "", "x", "件", "1"]]))
        assert main(["import", str(path), "--dry-run", "--currency", "CNY"]) == 1
        out = capsys.readouterr().out
        assert "SO-3 (rows 5-5): invalid" in out
        assert "R5C7" in out
        assert (
            main(
                [
                    "import",
                    str(path),
                    "--dry-run",
                    "--currency",
                    "CNY",
                    "--format",
                    "json",
                    "--locale",
                    "zh_CN",
                ]
            )
            == 1
        )
        document = json.loads(capsys.readouterr().out)
        assert document["counts"]["invalid"] == 1
        assert document["outcomes"][2]["issues"][0]["cell"] == "R5C7"

    def test_entering_needs_a_database(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "orders.csv"
        path.write_bytes(csv_bytes(ROWS))
        assert main(["import", str(path)]) == 2
        assert "--db" in capsys.readouterr().err

    def test_an_unreadable_file_is_a_usage_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["import", str(tmp_path / "missing.csv"), "--dry-run"]) == 2
        assert "intake.file.not_opened" in capsys.readouterr().err

    def test_an_import_into_sqlite_twice_enters_each_order_once(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "orders.csv"
        path.write_bytes(csv_bytes(ROWS))
        url = f"sqlite:///{tmp_path / 'orders.db'}"
        arguments = ["import", str(path), "--db", url, "--currency", "CNY", "--format", "json"]
        assert main(arguments) == 0
        first = json.loads(capsys.readouterr().out)
        assert main(arguments) == 0
        second = json.loads(capsys.readouterr().out)
        assert first["counts"]["entered"] == 2
        assert [o["number"] for o in first["outcomes"]] == [o["number"] for o in second["outcomes"]]
        assert main([*arguments, "--dry-run"]) == 0
        capsys.readouterr()


class TestOptions:
    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("formulas", "evaluate"),
            ("file_format", "xls"),
            ("header_row", 0),
            ("delimiter", ";;"),
            ("limits", Limits()),
            ("mapping", {"line.sku": "SKU"}),
        ],
    )
    def test_a_bad_option_is_a_coded_error(self, option: str, value: object) -> None:
        with pytest.raises(IntakeError) as error:
            IntakeOptions(**{option: value})
        assert error.value.code == "intake.option.invalid"
        assert error.value.params["option"] == option

    def test_options_take_the_values_of_their_enumerations(self) -> None:
        options = IntakeOptions(formulas="refuse", file_format="csv")
        assert options.formulas is FormulaPolicy.REFUSE
        assert options.file_format is FileFormat.CSV

    def test_a_non_positive_limit_is_a_coded_error(self) -> None:
        with pytest.raises(IntakeError):
            IntakeLimits(max_rows=0)

    def test_an_unknown_encoding_is_a_coded_error(self) -> None:
        with pytest.raises(IntakeError):
            check_file(csv_bytes(ROWS), options=IntakeOptions(encoding="no-such-codec"))

    def test_a_forced_format_overrides_detection(self) -> None:
        options = IntakeOptions(currency="CNY", file_format=FileFormat.XLSX)
        assert codes(check_file(csv_bytes(ROWS), options=options).errors) == [
            "intake.file.unreadable"
        ]


class TestConflicts:
    def test_every_conflicting_row_is_reported_at_its_own_cell(self) -> None:
        rows = [
            ROWS[0],
            ["SO-1", "C-9", "", "CUP-1", "茶杯", "", "2", "套", "1"],
            ["SO-1", "C-9", "", "CUP-2", "茶杯", "", "2", "套", "1"],
            ["SO-1", "C-1", "", "CUP-3", "茶杯", "", "2", "套", "1"],
        ]
        report = check_file(csv_bytes(rows), options=CNY)
        assert [(i.code, i.cell) for i in report.errors] == [
            ("intake.cell.conflicting", "R3C2"),
            ("intake.cell.conflicting", "R4C2"),
        ]
