"""The ``salesorder`` command line: validate files, print the schema, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
        assert "salesorder: error:" in capsys.readouterr().err

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
            "add_schema",
            "add_import",
        ]
        parser = build_parser()
        assert parser.prog == "salesorder"


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
    def test_runs_main_and_exits_with_its_code(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import runpy

        monkeypatch.setattr(sys, "argv", ["salesorder", "validate", STANDARD])
        with pytest.raises(SystemExit) as done:
            runpy.run_module("salesorder", run_name="__main__")
        assert done.value.code == 0
