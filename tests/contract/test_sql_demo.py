"""The demo story on the SQL adapter tells exactly the same story as in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesorder.demo import render_demo, run_demo

pytest.importorskip("sqlalchemy", reason="the sql extra is not installed")


@pytest.fixture(scope="module")
def in_memory() -> str:
    return render_demo(run_demo())


def test_demo_on_sqlite_matches_the_embedded_default(in_memory: str, tmp_path: Path) -> None:
    assert render_demo(run_demo(f"sqlite:///{tmp_path / 'demo.db'}")) == in_memory


def test_demo_on_postgresql_matches_the_embedded_default(
    in_memory: str, postgres_database_url: str
) -> None:
    assert render_demo(run_demo(postgres_database_url)) == in_memory
