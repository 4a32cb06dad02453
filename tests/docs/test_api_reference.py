"""The API reference pages render docstrings as mkdocstrings does: no raw Sphinx roles.

mkdocstrings renders ``:class:`X``` literally, so a reference in a rendered docstring is
written in its own syntax (``[X][salesorder.module.X]``), which ``mkdocs build --strict``
checks resolves. A default value named by a private constant (``_DEFAULT_TAX``) says
nothing to a reader, so rendered signatures show public defaults only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

griffe = pytest.importorskip("griffe", reason="griffe comes with the docs extra (mkdocstrings)")

ROOT = Path(__file__).resolve().parents[2]
SPHINX_ROLE = re.compile(r":(?:py:)?(?:class|func|data|attr|meth|mod|exc|obj|const):`")
PRIVATE_NAME = re.compile(r"(?<![\w.])_[A-Za-z]\w*")
DIRECTIVE = re.compile(r"^::: (salesorder[\w.]*)\s*$", re.M)


def _rendered_paths() -> list[str]:
    pages = (ROOT / "docs").glob("*.md")
    return sorted({path for page in pages for path in DIRECTIVE.findall(page.read_text())})


def _documented(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    if obj.is_class:
        for name, member in obj.members.items():
            if not name.startswith("_") and not member.is_alias:
                yield from _documented(member)


PACKAGE = griffe.load("salesorder", search_paths=[str(ROOT / "src")])
RENDERED = _rendered_paths()


def _objects(path: str) -> list[griffe.Object]:
    target = PACKAGE[path.removeprefix("salesorder.")]
    return list(_documented(target.final_target if target.is_alias else target))


def test_the_reference_renders_something() -> None:
    assert "salesorder.service.OrderService" in RENDERED
    assert "salesorder.pricing.price" in RENDERED


@pytest.mark.parametrize("path", RENDERED)
def test_rendered_docstrings_use_mkdocstrings_references(path: str) -> None:
    raw = [
        (obj.path, SPHINX_ROLE.findall(obj.docstring.value))
        for obj in _objects(path)
        if obj.docstring is not None and SPHINX_ROLE.search(obj.docstring.value)
    ]
    assert raw == []


@pytest.mark.parametrize("path", RENDERED)
def test_rendered_signatures_show_public_defaults_only(path: str) -> None:
    private = [
        (obj.path, parameter.name, str(parameter.default))
        for obj in _objects(path)
        if obj.is_function
        for parameter in obj.parameters
        if parameter.default is not None and PRIVATE_NAME.search(str(parameter.default))
    ]
    assert private == []
