"""The house rules that import-linter cannot see: transports never query, requests never commit by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "klientura"
TRANSPORTS = ("api", "web", "cli", "worker")
QUERIES = {"execute", "scalars", "scalar", "get", "query", "add", "add_all", "delete", "merge", "flush", "refresh"}


def _calls_on_session(path: Path) -> list[tuple[int, str]]:
    """Method calls on a name that holds a database session (``session``, ``s``, ``db``) in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("session", "s", "db")
        ):
            found.append((node.lineno, node.func.attr))
    return found


@pytest.mark.parametrize("package", TRANSPORTS)
def test_transports_never_query(package: str) -> None:
    """A transport parses, authorises, calls a service and renders: the query belongs to the owning domain."""
    offences = [
        f"{path.relative_to(SRC)}:{line} session.{name}()"
        for path in sorted((SRC / package).rglob("*.py"))
        for line, name in _calls_on_session(path)
        if name in QUERIES
    ]
    assert not offences, "ask the owning domain instead:\n" + "\n".join(offences)


@pytest.mark.parametrize("package", ["api", "web"])
def test_requests_never_commit_by_hand(package: str) -> None:
    """The request's session commits when the handler returns (klientura.deps): a handler commits nothing."""
    offences = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted((SRC / package).rglob("*.py"))
        for line, name in _calls_on_session(path)
        if name == "commit"
    ]
    offences += [
        f"{path.relative_to(SRC)}: imports commit"
        for path in sorted((SRC / package).rglob("*.py"))
        if "import commit" in path.read_text() or "commit(session)" in path.read_text()
    ]
    assert not offences, "\n".join(offences)


def test_every_router_takes_part_in_the_request_transaction() -> None:
    """Routers are made by klientura.deps.new_router, whose routes let the session roll back an error page."""
    offences = [
        str(path.relative_to(SRC))
        for package in ("api", "web")
        for path in sorted((SRC / package).rglob("*.py"))
        if "APIRouter(" in path.read_text() and path.name != "__init__.py"
    ]
    assert not offences, offences
