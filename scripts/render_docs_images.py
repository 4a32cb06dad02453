"""Regenerate the docs' generated images: ``python scripts/render_docs_images.py``.

Writes ``docs/img/lifecycle.dot`` (the Graphviz source generated from the lifecycle
machine by ``salesorder.lifecycle.lifecycle_dot``) and renders it with Graphviz's ``dot``
into ``docs/img/lifecycle.svg``. The SVG records the SHA-256 of the source it was drawn
from, so ``tests/docs/test_lifecycle_page.py`` can tell a stale picture without Graphviz.
Needs the ``dot`` program (Debian/Ubuntu: ``apt-get install graphviz``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from salesorder.lifecycle import lifecycle_dot  # noqa: E402  (after the path is set)

IMAGES = ROOT / "docs" / "img"
SOURCE_MARK = "<!-- generated from lifecycle.dot sha256={digest} -->"


def render_lifecycle() -> None:
    """Write the lifecycle diagram's DOT source and its SVG rendering."""
    dot_program = shutil.which("dot")
    if dot_program is None:
        sys.exit("render_docs_images: the Graphviz 'dot' program is not installed")
    source = lifecycle_dot()
    IMAGES.mkdir(parents=True, exist_ok=True)
    (IMAGES / "lifecycle.dot").write_text(source, encoding="utf-8")
    svg = subprocess.run(  # noqa: S603  (a fixed program on our own generated source)
        [dot_program, "-Tsvg"], input=source, capture_output=True, text=True, check=True
    ).stdout
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    # The mark goes after the XML declaration and doctype, before the <svg> element.
    head, found, tail = svg.partition("<svg")
    if not found:
        sys.exit("render_docs_images: dot produced no <svg> element")
    marked = f"{head}{SOURCE_MARK.format(digest=digest)}\n<svg{tail}"
    (IMAGES / "lifecycle.svg").write_text(marked, encoding="utf-8")
    print(f"wrote {IMAGES / 'lifecycle.dot'} and {IMAGES / 'lifecycle.svg'}")  # noqa: T201


if __name__ == "__main__":
    render_lifecycle()
