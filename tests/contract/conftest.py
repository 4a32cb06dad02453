"""Database fixtures for the contract suites: SQLite always, PostgreSQL when a server is up.

``.ci/run`` starts a PostgreSQL server and exports ``SALESORDER_TEST_POSTGRES_URL``.
Outside CI, PostgreSQL tests are skipped (with the reason) when the variable is unset;
in CI (``CI=true``) a missing server fails the run instead of passing silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_URL_VARIABLE = "SALESORDER_TEST_POSTGRES_URL"


def postgres_url() -> str:
    """The test server's URL, or skip/fail as documented above."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if url:
        return url
    reason = f"PostgreSQL not available: {POSTGRES_URL_VARIABLE} is not set"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must start a server; see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_database(request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh SqlDatabase with its schema, on SQLite or PostgreSQL, with a unique tenant."""
    sqlalchemy = pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")
    from salesorder.adapters.sql import SqlDatabase

    tenant = f"t-{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        database = SqlDatabase(tenant_id=tenant)
    else:
        database = SqlDatabase(postgres_url(), tenant_id=tenant)
    database.create_schema()
    assert isinstance(database.engine, sqlalchemy.engine.Engine)
    yield database
    database.engine.dispose()


@pytest.fixture
def postgres_database_url() -> str:
    """The PostgreSQL test server's URL (skips or fails as documented above)."""
    return postgres_url()
