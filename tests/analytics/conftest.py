"""A store of its own per test, committed for real: the warehouse reads it through DuckDB's scanners, from
outside the test's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from klientura.db import make_session_factory
from tests.api.conftest import api, client, key  # noqa: F401  (the API fixtures, for the write-back tests)
from tests.conftest import fresh_store


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_store(request.config.getoption("--db"), tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Session]:
    """A session on that store; tests commit what the warehouse should see."""
    factory = make_session_factory(store_url)
    s = factory()
    yield s
    s.close()
    s.get_bind().dispose()  # type: ignore[union-attr]
