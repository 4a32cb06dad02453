"""salesorder's pytest plugin: contract-suite failures show their values; fixtures are ready.

The plugin is registered by the ``pytest11`` entry point of the installed package. These
tests run a small host test suite in a subprocess with plugin autoloading off, loading
the plugin (or not) explicitly, so the result does not depend on how the package under
test was installed.
"""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parents[2]

# A host's stock store that is off by one: the contract must say by how much.
HOST_SUITE = """
from salesorder.adapters.memory import InMemoryStockStore
from salesorder.testing.contracts import StockStoreContract


class OffByOneStore(InMemoryStockStore):
    def available(self, sku):
        return super().available(sku) + 1


class TestOffByOneStore(StockStoreContract):
    def make_store(self):
        return OffByOneStore()


def test_fixtures(salesorder_clock, salesorder_memory_database):
    from salesorder.testing.plugin import FIXTURE_TIME

    assert salesorder_clock.now() == FIXTURE_TIME
    assert salesorder_memory_database.unit_of_work() is not None
"""


def _run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *plugin_args: str
) -> pytest.RunResult:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    # The subprocess runs in a temporary directory: the package must not depend on cwd.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), *sys.path]))
    pytester.makepyfile(test_host=HOST_SUITE)
    return pytester.runpytest_subprocess(
        *plugin_args, "-p", "no:cacheprovider", "-k", "unknown_position or fixtures"
    )


def test_entry_point_names_the_plugin_module() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["pytest11"]["salesorder"]
    assert target == "salesorder.testing.plugin"
    assert importlib.import_module(target).__name__ == target


def test_a_failing_contract_shows_the_values(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run(pytester, monkeypatch, "-p", "salesorder.testing.plugin")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*assert Decimal('1') == 0*", "*where Decimal('1') = available('nothing')*"]
    )


def test_without_the_plugin_the_failure_is_bare(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reason the plugin exists: library modules' asserts are not rewritten by default.
    result = _run(pytester, monkeypatch)
    result.assert_outcomes(failed=1, errors=1)  # the fixtures are missing too
    result.stdout.no_fnmatch_line("*assert Decimal*")
