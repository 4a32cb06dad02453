"""Messages through gettext catalogs: current catalogs, negotiation, Chinese that reads well."""

from __future__ import annotations

import ast
import importlib.util
import io
import pickle
import re
import string
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest
from _fake_breakdown import full_breakdown
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from test_documents import SELLER, full_order

from salesorder import i18n
from salesorder._messages import TERM_CONTEXT, source_messages
from salesorder.documents import document_language, render_text
from salesorder.errors import (
    IllegalTransition,
    InvalidArgument,
    define_code,
    library_codes,
    render_message,
)
from salesorder.lifecycle import EVENTS
from salesorder.order import InvoiceKind
from salesorder.records import ShipmentState, Status
from salesorder.validation import validate

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "src" / "salesorder" / "locale"
CHINESE = (i18n.SIMPLIFIED_CHINESE, i18n.TRADITIONAL_CHINESE)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_catalogs", ROOT / "scripts" / "update_catalogs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "salesorder.po").open("rb") as handle:
        return read_po(handle, locale=language)


class TestCatalogsAreCurrent:
    def test_the_update_script_finds_nothing_stale_or_untranslated(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status = _script().main(["--check"])
        assert status == 0, capsys.readouterr().out

    @pytest.mark.parametrize("language", CHINESE)
    def test_every_message_of_the_code_is_translated(self, language: str) -> None:
        catalog = _catalog(language)
        missing = [
            (entry.context, entry.msgid)
            for entry in source_messages()
            if not (found := catalog.get(entry.msgid, context=entry.context))
            or not found.string
            or found.fuzzy
        ]
        assert missing == []

    @pytest.mark.parametrize("language", CHINESE)
    def test_the_shipped_mo_is_the_compiled_po(self, language: str) -> None:
        buffer = io.BytesIO()
        write_mo(buffer, _catalog(language), use_fuzzy=False)
        shipped = LOCALE_DIR / language / "LC_MESSAGES" / "salesorder.mo"
        assert shipped.read_bytes() == buffer.getvalue()

    @pytest.mark.parametrize("language", CHINESE)
    def test_the_package_carries_the_compiled_catalog(self, language: str) -> None:
        # What the wheel ships and salesorder.i18n loads: package data, not a source file.
        compiled = resources.files("salesorder") / "locale" / language / "LC_MESSAGES"
        assert (compiled / "salesorder.mo").is_file()
        pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        assert 'artifacts = ["src/salesorder/locale/**/*.mo"]' in pyproject

    def test_a_new_message_makes_the_check_fail(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        script = _script()
        extra = define_code("test.i18n.new", en="A message no catalog has.")
        original = script.source_messages
        monkeypatch.setattr(
            script,
            "source_messages",
            lambda: (*original(), type(original()[0])(extra, extra.en, "test")),
        )
        assert script.main(["--check"]) == 1
        assert "A message no catalog has." in capsys.readouterr().out

    def test_no_library_code_gives_its_chinese_inline(self) -> None:
        # The catalogs are the one place of the library's Chinese: a define_code(zh=...)
        # a branch brings in is moved there (update_catalogs.py --from-code), then removed.
        def gives_zh(node: ast.AST) -> bool:
            return (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "define_code"
                and any(keyword.arg == "zh" for keyword in node.keywords)
            )

        inline = [
            f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            for path in sorted((ROOT / "src" / "salesorder").rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if gives_zh(node)
        ]
        assert inline == []

    def test_from_code_fills_simplified_chinese_from_an_inline_template(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        script = _script()
        extra = define_code("test.i18n.inline", en="Not yet translated.", zh="尚未翻译。")
        original_sources, original_codes = script.source_messages, script.library_codes
        monkeypatch.setattr(
            script,
            "source_messages",
            lambda: (*original_sources(), type(original_sources()[0])(extra, extra.en, "test")),
        )
        monkeypatch.setattr(script, "library_codes", lambda: {**original_codes(), extra: extra})
        hans = script.updated("zh_Hans", script.template())
        assert script.fill_from_code(hans) == 1
        message = hans.get("Not yet translated.", context="test.i18n.inline")
        assert message.string == "尚未翻译。"
        assert not message.fuzzy


class TestNegotiation:
    @pytest.mark.parametrize(
        ("requested", "catalog", "locale"),
        [
            ("zh_TW", "zh_Hant", "zh_TW"),
            ("zh-HK", "zh_Hant", "zh_HK"),
            ("zh_MO", "zh_Hant", "zh_MO"),
            ("zh_Hant", "zh_Hant", "zh_Hant"),
            ("zh_Hant_HK", "zh_Hant", "zh_Hant_HK"),
            ("zh", "zh_Hans", "zh"),
            ("zh_CN", "zh_Hans", "zh_CN"),
            ("zh-SG", "zh_Hans", "zh_SG"),
            ("zh_Hans_HK", "zh_Hans", "zh_Hans_HK"),
            ("en", "en", "en"),
            ("en_GB", "en", "en_GB"),
            ("fr", "en", "en_US"),
            ("fr_FR", "en", "en_US"),
            ("", "en", "en_US"),
            ("not a locale!", "en", "en_US"),
        ],
    )
    def test_the_documented_fallbacks(self, requested: str, catalog: str, locale: str) -> None:
        assert i18n.negotiate(requested) == i18n.Language(catalog, locale)

    @pytest.mark.parametrize(
        ("header", "catalog"),
        [
            ("zh-TW,zh;q=0.9,en;q=0.8", "zh_Hant"),
            ("en;q=0.5, zh-CN", "zh_Hans"),
            ("fr-FR, zh-HK;q=0.7", "zh_Hant"),
            ("fr-FR, de;q=0.7", "en"),
            ("*", "en"),
            ("", "en"),
            (None, "en"),
            ("zh-TW;q=abc, zh-CN;q=0.1", "zh_Hans"),
            ("zh-TW;q=0", "en"),
        ],
    )
    def test_an_accept_language_header(self, header: str | None, catalog: str) -> None:
        assert i18n.negotiate_accept_language(header).catalog == catalog

    @given(st.text(max_size=200))
    def test_any_header_negotiates_without_raising(self, header: str) -> None:
        assert i18n.negotiate_accept_language(header).catalog in i18n.available_languages()

    def test_none_is_english(self) -> None:
        assert i18n.negotiate(None).catalog == "en"

    @given(st.text(max_size=80))
    def test_negotiation_never_raises_and_names_an_available_language(self, text: str) -> None:
        assert i18n.negotiate(text).catalog in i18n.available_languages()

    @pytest.mark.parametrize("requested", ["zh_TW", "zh-HK", "zh_CN", "en_GB", "fr", "xx!"])
    def test_documents_and_messages_negotiate_alike(self, requested: str) -> None:
        language = i18n.negotiate(requested)
        assert document_language(requested) == (language.locale, language.is_chinese)


class TestTraditionalChinese:
    def test_taiwan_and_hong_kong_get_traditional_not_simplified(self) -> None:
        error = IllegalTransition(state="confirmed", event="submit")
        simplified = error.message("zh_CN")
        assert simplified == "订单处于“已确认”状态时不允许执行“提交审核”。"
        for locale in ("zh_TW", "zh-HK", "zh_Hant"):
            assert error.message(locale) == "訂單處於「已確認」狀態時不允許執行「提交審核」。"

    def test_a_validation_issue_renders_in_traditional_chinese(self) -> None:
        report = validate({"customer": {"id": "C-1", "name": "-"}, "currency": "CNY", "lines": []})
        messages = [issue.message("zh_TW") for issue in report.issues]
        assert messages
        assert all(not re.search(r"[订单数据]", message) for message in messages)

    @pytest.mark.parametrize("code", sorted(library_codes()))
    def test_every_code_differs_between_the_scripts_where_the_text_has_simplified_forms(
        self, code: str
    ) -> None:
        entry = library_codes()[code]
        hans, hant = entry.template("zh_Hans"), entry.template("zh_Hant")
        # The same placeholders in every language, so no parameter gets lost.
        assert _fields(hans) == _fields(hant) == _fields(entry.en)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


#: Names a developer must type, kept in the messages that tell them what to pass.
_ARGUMENT_NAMES = {"issued_on", "invoice_numbering"}
_IDENTIFIER = re.compile(r"[A-Za-z]+_[A-Za-z_]+")
_TERMS = {entry.msgid for entry in source_messages() if entry.context == TERM_CONTEXT}


def _without_fields(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "", template)


class TestChineseReadsAsChinese:
    @pytest.mark.parametrize("language", CHINESE)
    def test_no_template_shows_an_identifier(self, language: str) -> None:
        leaks = {}
        for code, entry in library_codes().items():
            text = _without_fields(entry.template(language))
            found = set(_IDENTIFIER.findall(text)) - _ARGUMENT_NAMES
            found |= {word for word in re.findall(r"[a-z_]+", text) if word in _TERMS}
            if found:
                leaks[code] = found
        assert leaks == {}

    @pytest.mark.parametrize("language", CHINESE)
    def test_templates_use_chinese_punctuation(self, language: str) -> None:
        ascii_punctuation = {
            code: entry.template(language)
            for code, entry in library_codes().items()
            if re.search(
                r"[,;:()?!\"]", _without_fields(entry.template(language)).replace("t=…,v1=…", "")
            )
        }
        assert ascii_punctuation == {}

    @pytest.mark.parametrize("language", CHINESE)
    def test_every_term_has_a_chinese_name(self, language: str) -> None:
        for term in _TERMS:
            translated = i18n.translate(term, language, context=TERM_CONTEXT)
            assert not re.search(r"[A-Za-z]", translated), term

    @pytest.mark.parametrize("locale", ["zh_CN", "zh_TW"])
    def test_statuses_and_events_in_a_refusal_are_translated(self, locale: str) -> None:
        for state in [*Status, *ShipmentState]:
            for event in EVENTS:
                message = IllegalTransition(state=state.value, event=event).message(locale)
                assert not re.search(r"[A-Za-z]", message), message

    @pytest.mark.parametrize("locale", ["zh_CN", "zh_TW"])
    @pytest.mark.parametrize(
        "field", ["title", "tax_id", "bank_name", "bank_account", "registered_address"]
    )
    def test_a_missing_invoice_field_is_named_in_chinese(self, locale: str, field: str) -> None:
        message = render_message(
            "invoice.field.missing",
            {"kind": InvoiceKind.VAT_SPECIAL.value, "field": field},
            locale,
        )
        assert not re.search(r"[A-Za-z]", message), message
        assert message.startswith(("增值税专用发票缺少", "增值稅專用發票缺少"))

    def test_a_term_in_english_stays_the_code_value(self) -> None:
        assert render_message(
            "lifecycle.illegal_transition", {"state": "confirmed", "event": "ship"}
        ) == ("Event 'ship' is not allowed while the order is 'confirmed'.")

    def test_a_value_no_catalog_knows_is_shown_as_it_is(self) -> None:
        message = render_message("lifecycle.approval.already_given", {"level": "区域总监"}, "zh_CN")
        assert message == "“区域总监”级审批已签署。"


class TestHostLanguages:
    @pytest.fixture
    def french(self, tmp_path: Path) -> Path:
        catalog = Catalog(locale="fr", domain="salesorder")
        catalog.add(
            "Event '{event}' is not allowed while the order is '{state}'.",
            "L'événement « {event} » n'est pas permis quand la commande est « {state} ».",
            context="lifecycle.illegal_transition",
        )
        catalog.add("confirmed", "confirmée", context="term")
        catalog.add("Sales Order", "Bon de commande", context="order_form")
        folder = tmp_path / "fr" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "salesorder.mo").open("wb") as handle:
            write_mo(handle, catalog)
        i18n.add_catalogs(tmp_path)
        yield tmp_path
        i18n.remove_catalogs(tmp_path)

    def test_without_a_catalog_french_gets_english(self) -> None:
        error = IllegalTransition(state="confirmed", event="ship")
        assert error.message("fr_FR") == error.message("en")

    def test_a_shipped_catalog_adds_the_language(self, french: Path) -> None:
        assert "fr" in i18n.available_languages()
        assert i18n.negotiate("fr_CA") == i18n.Language("fr", "fr_CA")
        error = IllegalTransition(state="confirmed", event="ship")
        assert error.message("fr_FR") == (
            "L'événement « ship » n'est pas permis quand la commande est « confirmée »."
        )
        # An entry the catalog lacks falls back to English.
        assert render_message("order.lines.empty", {}, "fr") == "The order has no lines."

    def test_documents_use_the_host_language_too(self, french: Path) -> None:
        assert document_language("fr_FR") == ("fr_FR", False)
        text = render_text(full_order(), full_breakdown(), seller=SELLER, locale="fr_FR")
        assert "Bon de commande" in text

    def test_removing_the_catalog_restores_english(self, tmp_path: Path) -> None:
        i18n.add_catalogs(tmp_path)
        i18n.remove_catalogs(tmp_path)
        assert i18n.available_languages() == i18n.LANGUAGES

    def test_a_missing_directory_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidArgument):
            i18n.add_catalogs(tmp_path / "absent")


class TestHostCodes:
    def test_a_host_code_with_its_own_chinese_serves_both_scripts(self) -> None:
        code = define_code("host.i18n.example", en="Not today.", zh="今天不行。")
        assert code.render({}, "zh_CN") == "今天不行。"
        assert code.render({}, "zh_TW") == "今天不行。"
        assert code.render({}, "fr") == "Not today."

    def test_a_code_pickles_with_its_messages(self) -> None:
        code = define_code("host.i18n.pickled", en="Again.", zh="再来。")
        copy = pickle.loads(pickle.dumps(code))  # noqa: S301  (our own bytes)
        assert copy.same_messages(code)
        assert copy.zh == "再来。"

    def test_a_library_code_reads_its_chinese_from_the_catalog(self) -> None:
        entry = library_codes()["order.lines.empty"]
        assert entry.zh == "订单没有订单行。"
        assert entry.template("zh_Hant") == "訂單沒有訂單行。"
