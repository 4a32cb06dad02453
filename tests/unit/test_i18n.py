"""Messages through gettext catalogs: current catalogs, negotiation, Chinese that reads well."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import importlib.util
import io
import pickle
import pkgutil
import re
import string
from collections.abc import Callable
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
    TERM_PARAMS,
    IllegalTransition,
    InvalidArgument,
    SalesOrderError,
    define_code,
    library_codes,
    library_phrases,
    render_message,
)
from salesorder.exchange import ExchangeRate
from salesorder.intake import ColumnMapping, check_file
from salesorder.inventory import to_quantity
from salesorder.lifecycle import EVENTS
from salesorder.money import Money, allocate, to_decimal
from salesorder.order import InvoiceKind
from salesorder.pricing import PriceEntry
from salesorder.records import ShipmentState, Status
from salesorder.settings import PolicySettings, SlaSettings
from salesorder.units import ProductUnits
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


#: ASCII words a Chinese message may show, each because the reader must recognise it as
#: written or type it as it is. Anything else in ASCII is English leaking into Chinese.
_ALLOWED_ASCII = {
    # Standards, formats and encodings known by these names in Chinese text too.
    "CNY",  # the ISO 4217 code, next to 人民币, in document.rmb_upper.not_cny
    "CSV",
    "csv",  # a file suffix (.csv) the user picks
    "xlsx",  # a file suffix (.xlsx)
    "GB18030",
    "HTTP",
    "HTTPS",
    "ISO",  # ISO 4217
    "JSON",
    "PDF",
    "UTF",  # UTF-8
    "NUL",  # the control character's name
    "YYYY",  # the date format YYYY-MM-DD the payload must use
    "MM",
    "DD",
    # Names a developer types: Python classes the call must pass, keyword arguments,
    # a package and the pip extras that install it.
    "Decimal",
    "Money",
    "quantize",  # Money.quantize(rounding=...), the call to make instead of round()
    "rounding",
    "round",
    "OrderDraft",
    "issued_on",
    "invoice_numbering",
    "reportlab",
    "chinesecalendar",
    "salesorder",  # salesorder[pdf], salesorder[excel]
    "pdf",
    "excel",
    "china",  # the extra china-calendar
    "calendar",
}

#: Parameters whose values are the host's data or a number, shown as given (an id, a SKU,
#: a currency code, an amount, a date, a row, a class or unit name the host chose, the
#: choices a caller must type, a header the file must contain, a setting's key as
#: written in a routes file). Every other parameter is a term (errors.TERM_PARAMS),
#: translated; a parameter in neither set fails the test below until it is decided.
_DATA_PARAMS = {
    "actual", "age", "amount", "applied", "available", "base", "buy", "choices",
    "closed_on", "count", "counted", "coupon", "credit_note", "currency", "day", "digits",
    "error", "exposure", "factor", "floor", "format", "get", "group", "header", "id",
    "index", "invoice_number", "known", "left", "limit", "limit_currency", "line_currency",
    "line_id", "list_price", "locale", "location", "max", "max_places", "minimum", "name",
    "number", "on", "operation_id", "order_id", "order_value", "paid", "payment_id",
    "percent", "places", "position", "price", "promotion_id", "quantity", "quote",
    "quote_id", "rate", "refunded", "remaining", "requested", "required",
    "reservation_id", "reserved", "return_id", "revision", "right", "row", "savepoint",
    "shipment_id", "sku", "skus", "stock", "strategy", "tax_code", "threshold", "today",
    "tolerance", "unit", "unit_price", "unused", "valid_until", "winner",
}  # fmt: skip
#: A term for each term parameter, as the library passes it (checked to be a term).
_SAMPLE_TERMS = {
    "action": "commit",
    "argument": "idempotency_key",
    "basis": "created",
    "character": "NUL",
    "charge": "shipping",
    "dimension": "region",
    "document": "credit note",
    "entity": "stock ({operation})",
    "event": "ship",
    "expected": "text",
    "field": "tax_id",
    "first": "submit",
    "item": "Line total {line_id}",
    "kind": "NoneType",
    "level": "sales_manager",
    "operation": "receive",
    "option": "mapping header {header!r}",
    "payment": "partially_paid",
    "per": "unit",
    "reason": "{what} has more than {max_places} decimal places",
    "setting": "approval_policy",
    "state": "confirmed",
    "status": "converted",
    "what": "factor of {unit}",
    "why": "its expiry time has not come",
}


def _library_classes() -> set[str]:
    """The classes of the library's public modules: what ``{expected}`` may name."""
    import salesorder

    names = set()
    for info in pkgutil.walk_packages(salesorder.__path__, "salesorder."):
        if "._" in info.name or info.name.endswith(("__main__", "adapters.sql", "cli")):
            continue
        module = importlib.import_module(info.name)
        names |= {name for name in getattr(module, "__all__", ()) if name[:1].isupper()}
    return {name for name in names if not name.isupper()}


#: A class of the library is named as it is: the developer passes one (``expected
#: ApprovalPolicy``), and the name is what they type.
_CLASSES = _library_classes()


def _ascii_words(text: str) -> set[str]:
    """The ASCII words of two letters or more (``UTF-8`` is ``UTF``, ``a_b`` one word)."""
    return {
        word
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)
        if len(re.sub(r"[^A-Za-z]", "", word)) >= 2
    }


def _sample(name: str) -> str:
    # Data renders as a digit: what the test looks at is the text the library writes.
    return _SAMPLE_TERMS.get(name, "7")


class TestChineseReadsAsChinese:
    @pytest.mark.parametrize("language", CHINESE)
    def test_no_template_shows_an_identifier(self, language: str) -> None:
        leaks = {}
        for code, entry in library_codes().items():
            text = _without_fields(entry.template(language))
            found = set(_IDENTIFIER.findall(text)) - _ARGUMENT_NAMES
            words = re.findall(r"(?<![\w\-\[])[a-z_]+(?![\w\-\]])", text)
            found |= {word for word in words if word in _TERMS} - _ARGUMENT_NAMES
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
            translated = _without_fields(i18n.translate(term, language, context=TERM_CONTEXT))
            assert _ascii_words(translated) <= _ALLOWED_ASCII, term

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


class TestNoEnglishInChinese:
    """Item 7 of issue 17: a Chinese message reads in Chinese, whatever its parameters."""

    def test_every_parameter_is_a_term_or_data(self) -> None:
        names = {
            name
            for text in (*(entry.en for entry in library_codes().values()), *library_phrases())
            for name in _fields(text)
        }
        assert names - TERM_PARAMS - _DATA_PARAMS == set()
        assert set() == TERM_PARAMS & _DATA_PARAMS
        assert set(_SAMPLE_TERMS) == set(TERM_PARAMS)
        assert set(_SAMPLE_TERMS.values()) <= _TERMS

    @pytest.mark.parametrize("language", CHINESE)
    @pytest.mark.parametrize("code", sorted(library_codes()))
    def test_every_code_renders_without_english(self, code: str, language: str) -> None:
        entry = library_codes()[code]
        names = set(_fields(entry.en))
        for value in list(_SAMPLE_TERMS.values()):
            names |= _fields(value)  # a phrase's own fields are parameters too
        message = entry.render({name: _sample(name) for name in names}, language)
        assert _ascii_words(message) <= _ALLOWED_ASCII, message
        assert "{" not in message, message

    @pytest.mark.parametrize("language", CHINESE)
    def test_every_phrase_reads_in_chinese_in_its_message(self, language: str) -> None:
        # Every phrase as the reason of every code that gives one, its fields filled.
        leaks = {}
        with_reason = [entry for entry in library_codes().values() if "reason" in _fields(entry.en)]
        for phrase in sorted(library_phrases()):
            for entry in with_reason:
                names = _fields(entry.en) | _fields(phrase)
                names |= {inner for name in names for inner in _fields(_sample(name))}
                params = {name: _sample(name) for name in names} | {"reason": phrase}
                message = entry.render(params, language)
                if _ascii_words(message) - _ALLOWED_ASCII or "{" in message:
                    leaks[(entry, phrase)] = message
        assert leaks == {}

    def test_the_english_message_of_a_phrase_is_as_before(self) -> None:
        assert render_message(
            "money.invalid_amount",
            {"reason": "{what} has more than {max_places} decimal places", "what": "quantity",
             "max_places": 12},
        ) == "Not a valid money amount: quantity has more than 12 decimal places."  # fmt: skip

    @pytest.mark.parametrize(
        "make",
        [
            lambda: to_decimal("abc"),
            lambda: to_decimal("1.0000000000001", what="quantity"),
            lambda: to_quantity(None),
            lambda: to_quantity("-1", what="safety_stock"),
            lambda: allocate(Money.of("1", "CNY"), [1, -1]),
            lambda: PolicySettings(approval_policy="x"),  # type: ignore[arg-type]
            lambda: SlaSettings(calendar="x"),  # type: ignore[arg-type]
            lambda: PriceEntry("A", Money.of("-1", "CNY")),
            lambda: ProductUnits("A", "件", {"箱": "abc"}),  # host data in Chinese
            lambda: ExchangeRate("CNY", "CNY", "1", dt.date(2026, 1, 1)),
            lambda: ColumnMapping({"line.sku": "编码", "line.name": "编码"}),
            lambda: check_file("/nonexistent/orders.csv"),
        ],
    )
    @pytest.mark.parametrize("locale", ["zh_CN", "zh_TW"])
    def test_real_errors_read_in_chinese(self, make: Callable[[], object], locale: str) -> None:
        with pytest.raises(SalesOrderError) as caught:
            make()
        message = caught.value.message(locale)
        assert _ascii_words(message) <= _ALLOWED_ASCII | _CLASSES, message
        # The params stay machine-readable: the reason is the phrase, not a sentence.
        reason = caught.value.params.get("reason")
        assert reason is None or reason in library_phrases()

    def test_library_code_passes_terms_not_prose(self) -> None:
        # A literal given to a term parameter is a term; an f-string never is.
        found = []
        for path in sorted((ROOT / "src" / "salesorder").rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                # The params of a message: a dict given to a call (params={...}, an Issue's
                # params), and the what= / argument= of the library's checks.
                dicts = [arg for arg in node.args if isinstance(arg, ast.Dict)]
                dicts += [kw.value for kw in node.keywords if isinstance(kw.value, ast.Dict)]
                pairs = [
                    (key.value if isinstance(key, ast.Constant) else None, value)
                    for given in dicts
                    for key, value in zip(given.keys, given.values, strict=True)
                ]
                pairs += [
                    (kw.arg, kw.value) for kw in node.keywords if kw.arg in {"what", "argument"}
                ]
                for name, value in pairs:
                    if name not in TERM_PARAMS - {"expected", "kind", "level", "status"}:
                        continue
                    where = f"{path.relative_to(ROOT)}:{value.lineno}"
                    if isinstance(value, ast.JoinedStr):
                        found.append((where, name, "f-string"))
                    elif (
                        isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and value.value not in _TERMS
                    ):
                        found.append((where, name, value.value))
        assert found == []
