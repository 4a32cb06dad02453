"""The ``salesorder`` command line: validate files, print the schema, exit codes."""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import salesorder
from salesorder.cli import SUBCOMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[2]
STANDARD = str(ROOT / "examples" / "standard-order.json")
BROKEN = str(ROOT / "examples" / "invalid" / "bad-lines.json")


class TestValidateCommand:
    def test_valid_file_exits_0(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", STANDARD]) == 0
        assert capsys.readouterr().out.strip().endswith("standard-order.json: OK")

    def test_invalid_file_exits_1_and_lists_issues(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["validate", STANDARD, BROKEN]) == 1
        out = capsys.readouterr().out
        assert "bad-lines.json: INVALID" in out
        assert "/lines/0/quantity  [line.quantity.not_positive]" in out

    def test_chinese_messages(self, capsys: pytest.CaptureFixture[str]) -> None:
        main(["validate", BROKEN, "--locale", "zh_CN"])
        assert "数量必须大于零" in capsys.readouterr().out

    def test_json_format(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", STANDARD, BROKEN, "--format", "json"]) == 1
        document = json.loads(capsys.readouterr().out)
        assert [entry["ok"] for entry in document] == [True, False]
        assert document[1]["file"] == BROKEN

    def test_warnings_only_is_ok(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        data = json.loads(Path(STANDARD).read_text(encoding="utf-8"))
        data["lines"][1]["sku"] = data["lines"][0]["sku"]
        path = tmp_path / "dup.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        assert main(["validate", str(path)]) == 0
        assert "warning" in capsys.readouterr().out

    def test_today_enables_the_date_rule(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", STANDARD, "--today", "2027-01-01"]) == 1
        assert "order.delivery_date.in_past" in capsys.readouterr().out

    def test_garbage_file_is_reported_not_raised(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "garbage.json"
        path.write_bytes(b"\x00\xff[[[")
        assert main(["validate", str(path)]) == 1
        assert "payload.malformed_json" in capsys.readouterr().out


class TestHostileFiles:
    EVIL_SKU = "EVIL\x1b[31m\u202eX\x9b"

    def _evil(self, tmp_path: Path) -> str:
        data = json.loads(Path(STANDARD).read_text(encoding="utf-8"))
        data["lines"][0]["sku"] = data["lines"][1]["sku"] = self.EVIL_SKU
        path = tmp_path / "evil.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return str(path)

    def test_control_and_bidi_characters_are_printed_escaped(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["validate", self._evil(tmp_path)]) == 0
        out = capsys.readouterr().out
        assert "line.sku.duplicate" in out
        assert "\x1b" not in out
        assert "\u202e" not in out
        assert "\x9b" not in out
        assert "EVIL\\x1b[31m\\u202eX\\x9b" in out

    def test_json_output_escapes_them_and_stays_json(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["validate", self._evil(tmp_path), "--format", "json"])
        out = capsys.readouterr().out
        assert not any(character in out for character in "\x1b\u202e\x9b")
        (report,) = json.loads(out)
        assert report["issues"][0]["params"]["sku"] == self.EVIL_SKU

    @pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
    def test_an_endless_file_is_refused_as_too_large_without_reading_it_all(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["validate", "/dev/zero"]) == 1
        assert "payload.too_large" in capsys.readouterr().out

    def test_a_file_name_is_printed_escaped(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["validate", str(tmp_path / "no\x1bsuch.json")]) == 2
        assert "\x1b" not in capsys.readouterr().err


class TestUsageErrors:
    def test_missing_file_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", "no-such-file.json"]) == 2
        assert "cannot read no-such-file.json" in capsys.readouterr().err

    def test_directory_exits_2(self, tmp_path: Path) -> None:
        assert main(["validate", str(tmp_path)]) == 2

    @pytest.mark.parametrize(
        "argv",
        [
            [],
            ["frobnicate"],
            ["validate"],
            ["validate", STANDARD, "--locale", "fr"],
            ["validate", STANDARD, "--today", "tomorrow"],
        ],
    )
    def test_bad_arguments_exit_2(
        self, argv: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(argv) == 2
        err = capsys.readouterr().err
        # The usage printed is that of the command line the error concerns.
        command = " ".join(["salesorder", *argv[:1]]) if argv[:1] == ["validate"] else "salesorder"
        assert err.startswith(f"usage: {command} ")
        assert f"{command}: error:" in err

    def test_a_subcommand_error_prints_that_subcommands_usage(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["price", STANDARD, "--at", "yesterday"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: salesorder price ")
        assert "--price-list" in err
        assert "salesorder price: error: argument --at: not a date and time" in err

    def test_help_exits_0(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--help"]) == 0
        assert "validate" in capsys.readouterr().out


class TestSchemaCommand:
    def test_prints_the_json_schema(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["schema"]) == 0
        schema = json.loads(capsys.readouterr().out)
        assert schema["title"] == "OrderDraft"


class TestParserStructure:
    def test_one_function_per_subcommand(self) -> None:
        assert [add.__name__ for add in SUBCOMMANDS] == [
            "add_demo",
            "add_validate",
            "add_price",
            "add_print",
            "add_schema",
            "add_relay",
            "add_import",
        ]
        parser = build_parser()
        assert parser.prog == "salesorder"

    def test_every_option_and_argument_has_help_text(self) -> None:
        parser = build_parser()
        (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parsers = {"salesorder": parser, **commands.choices}
        undocumented = [
            (name, action.dest)
            for name, each in parsers.items()
            for action in each._actions
            if action is not commands and not (action.help or "").strip()
        ]
        assert undocumented == []
        assert set(commands.choices) == {
            "demo",
            "validate",
            "price",
            "print",
            "schema",
            "relay",
            "import",
        }


class TestManners:
    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--version"]) == 0
        assert capsys.readouterr().out == f"salesorder {salesorder.__version__}\n"

    def _stdin(self, monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))

    def test_dash_validates_standard_input(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self._stdin(monkeypatch, Path(BROKEN).read_bytes())
        assert main(["validate", "-"]) == 1
        assert "-: INVALID" in capsys.readouterr().out

    def test_standard_input_is_read_only_once(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self._stdin(monkeypatch, Path(STANDARD).read_bytes())
        assert main(["validate", "-", "-"]) == 2
        assert "standard input (-) can be read only once" in capsys.readouterr().err
        assert main(["price", "-", "--price-list", "-"]) == 2

    def test_demo_db_without_the_sql_extra_names_the_extra(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # as if it were not installed
        assert main(["demo", "--db", "sqlite://"]) == 2
        err = capsys.readouterr().err
        assert 'pip install "salesorder[sql]"' in err
        assert "Traceback" not in err

    def test_demo_db_with_a_bad_url_says_so(self, capsys: pytest.CaptureFixture[str]) -> None:
        pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")
        assert main(["demo", "--db", "no database at all"]) == 2
        assert "cannot use the database at --db: Could not parse" in capsys.readouterr().err

    def test_demo_db_with_a_missing_driver_names_it(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")
        assert main(["demo", "--db", "mysql://u@localhost/db"]) == 2
        assert "the database driver MySQLdb is not installed" in capsys.readouterr().err


class TestPriceCommand:
    def _order(self, tmp_path: Path, **line_changes: object) -> str:
        data = json.loads(Path(STANDARD).read_text(encoding="utf-8"))
        for key, value in line_changes.items():
            if value is None:
                del data["lines"][0][key]
            else:
                data["lines"][0][key] = value
        path = tmp_path / "order.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return str(path)

    def test_prints_the_explained_breakdown(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", STANDARD]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Price breakdown (CNY, prices excluding tax)")
        assert "manual discount 5%: -CN¥21.63" in out
        assert re.search(r"^Grand total\s+CN¥3,357\.08$", out, re.M)

    def test_chinese(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", STANDARD, "--locale", "zh_CN"]) == 0
        assert re.search(r"^价税合计\s+¥3,357\.08$", capsys.readouterr().out, re.M)

    def test_json_has_exact_amounts_and_the_explanation(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["price", STANDARD, "--format", "json"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert document["file"] == STANDARD
        assert document["totals"] == {
            "subtotal": "2992.50",
            "discount_total": "21.63",
            "charges_total": "0.00",
            "net_total": "2970.87",
            "tax_total": "386.21",
            "grand_total": "3357.08",
        }
        second = document["lines"][1]
        assert (second["sku"], second["quantity"], second["net"]) == ("CUP-CER-6", "5", "410.87")
        assert second["adjustments"][0]["kind"] == "manual"
        assert document["explain"].startswith("Price breakdown (CNY")

    def test_reads_standard_input(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = Path(STANDARD).read_bytes()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        assert main(["price", "-", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["totals"]["grand_total"] == "3357.08"

    def test_an_invalid_order_is_reported_and_exits_1(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["price", BROKEN]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "[line.quantity.not_positive]" in captured.err

    def test_a_line_without_a_price_needs_a_price_list(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        order = self._order(tmp_path, unit_price=None)
        assert main(["price", order]) == 1
        assert (
            "cannot price: [price.missing] No price for SKU TEA-LJ-250" in capsys.readouterr().err
        )
        prices = tmp_path / "prices.json"
        prices.write_text(json.dumps({"TEA-LJ-250": "120.00"}), encoding="utf-8")
        assert main(["price", order, "--price-list", str(prices), "--format", "json"]) == 0
        first = json.loads(capsys.readouterr().out)["lines"][0]
        assert (first["list_price"], first["unit_price"], first["net"]) == (
            "120.00",
            "120.00",
            "2400.00",
        )

    @pytest.mark.parametrize(
        "content",
        ["[1, 2]", "{not json", '{"A": 1.5}', '{"A": true}', '{"A": "twelve"}', '{"A": "-1"}'],
    )
    def test_an_unusable_price_list_exits_2(
        self, tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        prices = tmp_path / "prices.json"
        prices.write_text(content, encoding="utf-8")
        assert main(["price", STANDARD, "--price-list", str(prices)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("salesorder price: ")
        assert "Traceback" not in err

    def test_pricing_time_is_an_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", STANDARD, "--at", "2026-11-23T10:00+08:00"]) == 0
        assert main(["price", "no-such-file.json"]) == 2
        assert "cannot read no-such-file.json" in capsys.readouterr().err


class TestModuleEntryPoint:
    def test_python_dash_m(self) -> None:
        result = subprocess.run(  # noqa: S603  (our own interpreter and module)
            [sys.executable, "-m", "salesorder", "validate", STANDARD, BROKEN],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT / "src")},
            check=False,
        )
        assert result.returncode == 1
        assert "standard-order.json: OK" in result.stdout
        assert "Traceback" not in result.stderr


class TestMainModule:
    def test_runs_main_and_exits_with_its_code(self) -> None:
        # In a child process, as a user runs it: inside pytest the installed package's
        # modules are loaded by pytest's assertion rewriter (salesorder is a pytest
        # plugin distribution), which runpy cannot run as __main__.
        import subprocess

        for arguments, code in ((["validate", STANDARD], 0), (["validate"], 2)):
            done = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "salesorder", *arguments],
                capture_output=True,
                check=False,
                timeout=120,
            )
            assert done.returncode == code, done.stderr


def test_the_cli_page_shows_the_real_price_output(capsys: pytest.CaptureFixture[str]) -> None:
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    shown = re.search(r"^(Price breakdown \(CNY.*?^Grand total[^\n]*\n)", page, re.S | re.M)
    assert shown is not None
    assert main(["price", STANDARD]) == 0
    assert capsys.readouterr().out == shown.group(1)
