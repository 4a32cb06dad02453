"""Every public module's ``__all__`` is exactly its public surface (after httpx's test).

A public module is one whose dotted path has no ``_``-prefixed part. Its surface is
every public class or function it defines, and every one it re-exports from a private
module as that module's face (no other public module lists it). Nothing else may be
listed, and what is listed must exist.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import salesorder


def _is_private_path(name: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in name.split("."))


def _public_modules() -> list[ModuleType]:
    # The SQL adapter first: its private helper module is loaded through it.
    importlib.import_module("salesorder.adapters.sql")
    names = [
        info.name
        for info in pkgutil.walk_packages(salesorder.__path__, "salesorder.")
        if not _is_private_path(info.name) and info.name != "salesorder.__main__"
    ]
    return [salesorder, *(importlib.import_module(name) for name in names)]


MODULES = _public_modules()


def _exported_elsewhere(value: object, module: ModuleType) -> bool:
    # The package root is a curated selection of the faces' names, not a face itself.
    return any(
        other not in (module, salesorder)
        and any(getattr(other, name, None) is value for name in getattr(other, "__all__", ()))
        for other in MODULES
    )


def _surface(module: ModuleType) -> set[str]:
    surface = set()
    for name, value in vars(module).items():
        if name.startswith("_") or not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        home = getattr(value, "__module__", "") or ""
        if home == module.__name__ or (
            home.startswith("salesorder.")
            and _is_private_path(home)
            and not _exported_elsewhere(value, module)
        ):
            surface.add(name)
    return surface


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_all_is_exactly_the_public_surface(module: ModuleType) -> None:
    exported = list(getattr(module, "__all__", []))
    assert len(exported) == len(set(exported)), "__all__ lists a name twice"
    missing = sorted(name for name in exported if not hasattr(module, name))
    assert not missing, f"__all__ names what the module does not have: {missing}"
    modules = sorted(name for name in exported if inspect.ismodule(getattr(module, name)))
    assert not modules, f"__all__ lists modules: {modules}"
    unlisted = sorted(_surface(module) - set(exported))
    assert not unlisted, f"public names missing from __all__: {unlisted}"
