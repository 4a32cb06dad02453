"""Copy every ```python block of the docs into typing_tests/docs_examples/ for mypy.

``python scripts/extract_docs_examples.py`` writes one module per page (the page's
blocks in order, as the docs tests run them: one namespace per page), so that
``mypy --strict src typing_tests`` type-checks the docs' examples as a user's code
would be checked. ``tests/docs/test_docs_typing.py`` fails when a copy is stale.
The examples may leave their own functions unannotated (pyproject.toml relaxes
that for ``docs_examples.*``); every call into salesorder is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "typing_tests" / "docs_examples"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
HEADER = '"""Generated from {page} by scripts/extract_docs_examples.py: do not edit."""\n'


def pages() -> list[Path]:
    """The pages whose examples run: every docs page and the README."""
    return sorted([*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])


def module_name(page: Path) -> str:
    """``docs/host-application.md`` -> ``host_application``."""
    return page.stem.lower().replace("-", "_")


def modules() -> dict[str, str]:
    """File name -> content of every generated module (``__init__.py`` included)."""
    out = {"__init__.py": '"""The docs\' examples, for mypy (generated)."""\n'}
    for page in pages():
        blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
        if blocks:
            header = HEADER.format(page=page.relative_to(ROOT).as_posix())
            out[f"{module_name(page)}.py"] = header + "\n" + "\n".join(blocks)
    return out


def main() -> None:
    """Rewrite typing_tests/docs_examples/ from the docs."""
    TARGET.mkdir(parents=True, exist_ok=True)
    wanted = modules()
    for stale in TARGET.glob("*.py"):
        if stale.name not in wanted:
            stale.unlink()
    for name, content in wanted.items():
        (TARGET / name).write_text(content, encoding="utf-8")


if __name__ == "__main__":
    main()
