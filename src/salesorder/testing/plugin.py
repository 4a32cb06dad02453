"""The pytest plugin of salesorder: rewritten asserts in the contract suites, and fixtures.

Installing salesorder registers this module with pytest through the ``pytest11`` entry
point ``salesorder``, so a host's test run loads it without configuration. (Without the
entry point, e.g. with ``-p no:salesorder`` or a vendored copy, add
``pytest_plugins = ["salesorder.testing.plugin"]`` to the root ``conftest.py``.)

What it does:

* pytest rewrites only the asserts of test modules and of modules registered before
  their import; the contract suites (``salesorder.testing.contracts`` and the others)
  are library modules, so without this plugin a failing contract shows a bare
  ``AssertionError``. The plugin registers every module of ``salesorder.testing`` for
  rewriting, so a failure shows the values compared.
* Fixtures a host's tests can ask for by name: ``salesorder_clock`` (a
  [FixedClock][salesorder.adapters.memory.FixedClock] at a known time) and
  ``salesorder_memory_database`` (an empty
  [MemoryDatabase][salesorder.adapters.memory.MemoryDatabase]).
"""

from __future__ import annotations

import pkgutil
from datetime import UTC, datetime
from typing import Final

import pytest

import salesorder.testing
from salesorder.adapters.memory import FixedClock, MemoryDatabase

__all__ = ["FIXTURE_TIME", "salesorder_clock", "salesorder_memory_database"]

FIXTURE_TIME: Final = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""The time ``salesorder_clock`` starts at: a Monday, 09:00 UTC."""

# Registered at import, which pytest does while loading plugins: before any test module
# (and so before any contract suite) is imported.
pytest.register_assert_rewrite(
    *(
        f"{salesorder.testing.__name__}.{module.name}"
        for module in pkgutil.iter_modules(salesorder.testing.__path__)
        if module.name != "plugin"
    )
)


@pytest.fixture
def salesorder_clock() -> FixedClock:
    """A clock standing at :data:`FIXTURE_TIME` until the test moves it."""
    return FixedClock(FIXTURE_TIME)


@pytest.fixture
def salesorder_memory_database() -> MemoryDatabase:
    """An empty in-memory database: orders, outbox, stock, quotes, keys, coupons."""
    return MemoryDatabase()
