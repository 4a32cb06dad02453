"""The built documentation loads nothing from the network (no CDN script, no web font)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""")


@pytest.mark.skipif(
    shutil.which("mkdocs") is None and not Path(sys.executable).with_name("mkdocs").exists(),
    reason="mkdocs is not installed (the docs extra)",
)
def test_built_pages_reference_no_external_resource(tmp_path: Path) -> None:
    mkdocs = Path(sys.executable).with_name("mkdocs")
    command = str(mkdocs) if mkdocs.exists() else "mkdocs"
    subprocess.run(  # noqa: S603  (our own build, fixed arguments)
        [command, "build", "--strict", "--quiet", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    pages = list(tmp_path.rglob("*.html"))
    assert pages
    offenders = {
        str(page.relative_to(tmp_path)): EXTERNAL.findall(page.read_text(encoding="utf-8"))
        for page in pages
        if EXTERNAL.search(page.read_text(encoding="utf-8"))
    }
    assert offenders == {}
    lifecycle = (tmp_path / "lifecycle" / "index.html").read_text(encoding="utf-8")
    assert 'src="../img/lifecycle.svg"' in lifecycle
