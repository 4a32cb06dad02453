"""The lifecycle diagram in docs/lifecycle.md is the one generated from the machine."""

import re
from pathlib import Path

from salesorder.lifecycle import command_table_markdown, lifecycle_mermaid

PAGE = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"


def test_committed_diagram_matches_the_machine() -> None:
    fences = re.findall(r"^```mermaid\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.S | re.M)
    assert fences == [lifecycle_mermaid()], (
        "docs/lifecycle.md is stale: paste lifecycle_mermaid() into its mermaid fence"
    )


def test_committed_command_table_matches_the_machine() -> None:
    text = PAGE.read_text(encoding="utf-8")
    found = re.findall(r"<!-- commands:start -->\n(.*?)<!-- commands:end -->", text, re.S)
    assert found == [command_table_markdown()], (
        "docs/lifecycle.md is stale: paste command_table_markdown() between its markers"
    )
