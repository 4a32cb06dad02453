"""The error registry: codes carry their messages, the catalogue is complete, the tree is drawn."""

from __future__ import annotations

import importlib
import os
import pickle
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import salesorder
from salesorder import errors
from salesorder.errors import (
    ErrorCode,
    SalesOrderError,
    define_code,
    error_codes,
    errors_markdown,
    register_codes,
    render_message,
)


def _every_module() -> list[ModuleType]:
    # The SQL adapter first: its private helper module is loaded through it.
    importlib.import_module("salesorder.adapters.sql")
    return [salesorder] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(salesorder.__path__, "salesorder.")
        if info.name != "salesorder.__main__"
    ]


def _env() -> dict[str, str]:
    source = str(Path(salesorder.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": source}


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_define_code_registers_nothing() -> None:
    code = define_code("test.pure", en="A pure code.", zh="纯代码。")
    assert code == "test.pure"
    assert isinstance(code, str)
    assert "test.pure" not in error_codes()
    assert code.render({}, "zh_CN") == "纯代码。"
    assert render_message(code, locale="zh_CN") == "纯代码。"


def test_malformed_codes_are_refused() -> None:
    for bad in ("", "Upper.case", "no_dot", "a. b", " a.b"):
        with pytest.raises(ValueError, match="dotted lowercase"):
            define_code(bad, en="x", zh="y")


def test_a_code_survives_pickling_with_its_messages() -> None:
    code = define_code("test.pickled", en="Pickled {n}.", zh="已序列化 {n}。")
    copy = pickle.loads(pickle.dumps(code))  # noqa: S301  (our own bytes)
    assert copy == code
    assert isinstance(copy, ErrorCode)
    assert copy.same_messages(code)


def test_registering_a_host_code_twice_with_other_messages_is_refused() -> None:
    first = define_code("test.host.twice", en="Once.", zh="一次。")
    register_codes(first)
    register_codes(first)  # idempotent
    with pytest.raises(ValueError, match="other messages"):
        register_codes(define_code("test.host.twice", en="Twice.", zh="两次。"))
    with pytest.raises(ValueError, match="other messages"):
        register_codes(define_code("order.invalid", en="Mine.", zh="我的。"))
    assert "test.host.twice" not in errors_markdown()


def test_every_code_constant_of_the_library_is_in_the_catalogue() -> None:
    catalogue = error_codes()
    missing = sorted(
        f"{module.__name__}.{name} = {value!r}"
        for module in _every_module()
        for name, value in vars(module).items()
        if isinstance(value, ErrorCode)
        and not (value in catalogue and catalogue[value].same_messages(value))
    )
    assert not missing, (
        "codes defined outside the modules the catalogue collects "
        f"(add their module to salesorder.errors._CODE_MODULES): {missing}"
    )


def test_every_code_module_defines_codes() -> None:
    for name in errors._CODE_MODULES:
        module = importlib.import_module(name)
        assert any(isinstance(value, ErrorCode) for value in vars(module).values()), name


def test_every_exception_default_code_carries_its_messages() -> None:
    # Rendering an exception's message then needs no catalogue lookup, even while
    # the modules are still being imported.
    _every_module()
    for cls in {SalesOrderError} | _all_subclasses(SalesOrderError):
        assert isinstance(cls.default_code, ErrorCode), cls
        assert cls.default_code in error_codes(), cls


def test_importing_the_library_fills_no_registry() -> None:
    # In a fresh interpreter: importing every module registers nothing and does not
    # even load the catalogue (it is collected on first use).
    script = (
        "import salesorder, salesorder.adapters.memory, salesorder.demo, salesorder.cli\n"
        "from salesorder import errors\n"
        "assert errors._library_codes.cache_info().currsize == 0\n"
        "assert not errors._host_codes\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env=_env())  # noqa: S603


def test_the_docstring_draws_every_exception_class() -> None:
    _every_module()
    tree = (errors.__doc__ or "").split("The exception tree", 1)[1]
    drawn = set(re.findall(r"[─└├]── (\w+)", tree)) | {"SalesOrderError"}
    library = {
        cls.__name__
        for cls in _all_subclasses(SalesOrderError) | {SalesOrderError}
        if cls.__module__.startswith("salesorder.")
    }
    assert library - drawn == set(), "draw these classes in the errors.py docstring"
    assert drawn - library == set(), "the errors.py docstring draws classes that do not exist"
