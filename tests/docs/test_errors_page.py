"""docs/errors.md is generated from the code registry; the two must not drift."""

from pathlib import Path

from salesorder.errors import error_codes, errors_markdown, render_message

PAGE = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def test_errors_page_matches_the_registry() -> None:
    expected = errors_markdown()
    assert PAGE.read_text(encoding="utf-8") == expected, (
        "docs/errors.md is stale: regenerate it with "
        "python -c 'from salesorder.errors import errors_markdown; "
        'open("docs/errors.md", "w").write(errors_markdown())\''
    )


def test_every_code_has_both_messages() -> None:
    for entry in error_codes().values():
        assert entry.en.strip()
        assert entry.zh.strip()
        assert entry.en != entry.zh


def test_unregistered_code_renders_as_itself() -> None:
    assert render_message("no.such.code") == "no.such.code"
