"""The docs' examples are type-checked: typing_tests/docs_examples/ is their current copy.

CI runs ``mypy --strict src typing_tests``; the copy is written by
``python scripts/extract_docs_examples.py``, and this test fails when a page's examples
changed without it.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "extract_docs_examples.py"


def _extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_docs_examples", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_typed_copy_of_the_docs_examples_is_current() -> None:
    wanted: dict[str, str] = _extractor().modules()
    folder = ROOT / "typing_tests" / "docs_examples"
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.py")}
    stale = sorted(
        name for name in wanted.keys() | on_disk.keys() if wanted.get(name) != on_disk.get(name)
    )
    assert stale == [], "run `python scripts/extract_docs_examples.py`"
