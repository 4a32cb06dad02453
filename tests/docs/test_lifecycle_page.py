"""The lifecycle diagram of docs/lifecycle.md is the one generated from the machine.

The committed DOT source must equal ``lifecycle_dot()``, and the committed SVG must
carry the digest of that source (``scripts/render_docs_images.py`` writes both), so a
machine change without a regenerated picture fails here without needing Graphviz.
"""

import hashlib
import re
from pathlib import Path

from salesorder.lifecycle import TRANSITIONS, Status, command_table_markdown, lifecycle_dot

DOCS = Path(__file__).resolve().parents[2] / "docs"
REGENERATE = "stale: run `python scripts/render_docs_images.py` (needs Graphviz's dot)"


def test_committed_command_table_matches_the_machine() -> None:
    text = (DOCS / "lifecycle.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- commands:start -->\n(.*?)<!-- commands:end -->", text, re.S)
    assert found == [command_table_markdown()], (
        "docs/lifecycle.md is stale: paste command_table_markdown() between its markers"
    )


def test_committed_dot_source_matches_the_machine() -> None:
    committed = (DOCS / "img" / "lifecycle.dot").read_text(encoding="utf-8")
    assert committed == lifecycle_dot(), f"docs/img/lifecycle.dot is {REGENERATE}"


def test_committed_svg_was_rendered_from_that_source() -> None:
    svg = (DOCS / "img" / "lifecycle.svg").read_text(encoding="utf-8")
    marks = re.findall(r"<!-- generated from lifecycle\.dot sha256=([0-9a-f]{64}) -->", svg)
    digest = hashlib.sha256(lifecycle_dot().encode("utf-8")).hexdigest()
    assert marks == [digest], f"docs/img/lifecycle.svg is {REGENERATE}"


def test_svg_names_every_status_and_event() -> None:
    svg = (DOCS / "img" / "lifecycle.svg").read_text(encoding="utf-8")
    texts = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    for status in Status:
        assert status.value in texts
    for row in TRANSITIONS:
        assert row.event in texts


def test_the_page_shows_the_svg_and_no_mermaid() -> None:
    page = (DOCS / "lifecycle.md").read_text(encoding="utf-8")
    assert "](img/lifecycle.svg)" in page
    for markdown in DOCS.glob("*.md"):
        assert "```mermaid" not in markdown.read_text(encoding="utf-8"), markdown.name


def test_dot_separates_the_main_path_from_the_exception_paths() -> None:
    dot = lifecycle_dot()
    main_arrow = re.search(r"^\s*confirmed -> partially_shipped \[(.*)\];$", dot, re.M)
    hold_arrow = re.search(r"^\s*confirmed -> on_hold \[(.*)\];$", dot, re.M)
    assert main_arrow is not None
    assert hold_arrow is not None
    assert "style=dashed" not in main_arrow.group(1)
    assert "style=dashed" in hold_arrow.group(1)
    # hold and the resume that comes back are one double-headed arrow, not two.
    assert "dir=both" in hold_arrow.group(1)
    assert not re.search(r"^\s*on_hold -> confirmed ", dot, re.M)
    # Self-transitions are listed in the box, not drawn as loops.
    assert not re.search(r"^\s*(\w+) -> \1 ", dot, re.M)
