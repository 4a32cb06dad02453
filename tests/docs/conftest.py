"""Docs examples may register their own issue codes; keep them out of the shared registry."""

import pytest

from salesorder import errors


@pytest.fixture(autouse=True)
def _isolated_code_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors, "_REGISTRY", dict(errors._REGISTRY))
