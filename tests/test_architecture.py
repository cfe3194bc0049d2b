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


# reached past a face before issue 16 and not yet moved to it (each a debt: the list only shrinks)
FACE_DEBT: set[tuple[str, str]] = set()
FACES = (
    "customers",
    "dedup",
    "imports",
    "catalog",
    "orders",
    "events",
    "loyalty",
    "segments",
    "campaigns",
    "channels",
    "auth",
    "audit",
    "analytics",
    "demo",
)


def test_domains_meet_only_at_their_faces() -> None:
    """Outside a domain, code imports it only through its package's __init__ (a sub-package's own __init__, such as
    analytics.clv, is a face too): `from klientura.loyalty import x` with x in its __all__, never a module inside.
    (klientura.models gathers every table for Alembic: it alone may.)"""
    import importlib

    offences = set()
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        importer = ".".join(p for p in parts if p != "__init__")
        if importer in ("klientura.models",) or ".migrations" in importer:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("klientura."):
                continue
            target = node.module.split(".")
            if target[1] not in FACES or importer.split(".")[1] == target[1]:
                continue
            face = importlib.import_module(".".join(target[:2]))
            subface = ".".join(target) == "klientura.analytics.clv"
            if len(target) > 2 and not subface:
                offences.add((importer, node.module))
            elif len(target) == 2:
                exported = set(getattr(face, "__all__", ()))
                offences |= {(importer, f"{node.module}.{n.name}") for n in node.names if n.name not in exported}
    assert sorted(offences - FACE_DEBT) == [], "import these through the domain's package (add to its __all__)"
    assert sorted(FACE_DEBT - offences) == [], "paid off: take it out of FACE_DEBT"


# Another domain's tables read or written directly, by module: none left (48 at first count, paid off by the owning
# domains exposing what the readers need: orders.sales_of, customers.contact_rows, the bulk writers in
# customers.bulk and orders.bulk, merges through hooks, ...). A new domain (sales) asks the owner's face.
TABLE_DEBT: set[tuple[str, str]] = set()


def _queried(tree: ast.Module, name: str) -> bool:
    """Whether ``name`` (an ORM class) is used in the module beyond type annotations: its columns read, or the class
    handed to a query (select, join, session.get, a bulk insert). Holding an object another domain's function
    returned, and naming its type, is not touching the table."""
    annotations: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            annotations |= {id(n) for n in ast.walk(node.annotation)}
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            annotations |= {id(n) for n in ast.walk(node.returns)}
    return any(isinstance(n, ast.Name) and n.id == name and id(n) not in annotations for n in ast.walk(tree))


def test_domains_do_not_touch_other_domains_tables() -> None:
    """A domain reads and writes its own tables; another's it reaches through that domain's functions."""
    import importlib

    from klientura.db import Base

    domains = [d for d in FACES if d != "demo"]
    found = set()
    for domain in domains:
        for path in sorted((SRC / domain).rglob("*.py")):
            module = "klientura." + ".".join(path.relative_to(SRC).with_suffix("").parts)
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("klientura."):
                    continue
                other = node.module.split(".")[1]
                if other == domain or other not in domains:
                    continue
                imported = importlib.import_module(node.module)
                for alias in node.names:
                    obj = getattr(imported, alias.name, None)
                    if isinstance(obj, type) and issubclass(obj, Base) and _queried(tree, alias.asname or alias.name):
                        found.add((module.removesuffix(".__init__"), f"{other}.{alias.name}"))
    assert sorted(found - TABLE_DEBT) == [], "ask the owning domain for what you need instead of its table"
    assert sorted(TABLE_DEBT - found) == [], "paid off: take it out of TABLE_DEBT"


CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
SHOP_VALUES = {"RU", "Europe/Moscow", "RUB"}
CLOCK_HOMES = {"kit/clock.py", "db/__init__.py"}  # the system clock, and the store's record time (db.utcnow)


def _shop_offences(path: Path) -> list[str]:
    rel = str(path.relative_to(SRC))
    out = []
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if (
            rel not in CLOCK_HOMES
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in CLOCK_READS
        ):
            out.append(f"{rel}:{node.lineno} reads the clock ({node.func.value.id}.{node.func.attr})")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if isinstance(default, ast.Constant) and default.value in SHOP_VALUES:
                    out.append(f"{rel}:{default.lineno} defaults to the shop's {default.value!r}")
        if isinstance(node, ast.ClassDef):  # dataclass fields
            for item in node.body:
                if (
                    isinstance(item, ast.AnnAssign)
                    and isinstance(item.value, ast.Constant)
                    and item.value.value in SHOP_VALUES
                    and rel != "config.py"
                ):
                    out.append(f"{rel}:{item.lineno} defaults to the shop's {item.value.value!r}")
    for node in tree.body:  # module-level caches: dictionaries filled at run time
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if (
            isinstance(target, ast.Name)
            and target.id.startswith("_")
            and isinstance(value, ast.Dict)
            and not value.keys
        ):
            out.append(f"{rel}:{node.lineno} a module-level cache {target.id}: keep it in the app's memos (kit.memo)")
    return out


def test_one_shop_context() -> None:
    """Region, time zone, currency and the clock come from the shop's context (kit.shop.Shop, built from the
    settings where the app, a command or the worker is assembled): no domain defaults them, nothing but the clock
    module reads the time, and what is remembered between requests lives in the app's memos, not in a module."""
    offences = [o for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts for o in _shop_offences(path)]
    assert not offences, "\n".join(offences)


HEAVY = ("ibis", "duckdb", "pyarrow", "scipy.stats", "scipy.sparse", "fpdf", "pandas", "plotly")


def test_the_command_line_loads_the_warehouse_only_when_it_computes() -> None:
    """``klientura`` (the CLI, the worker's entry) imports every domain; the warehouse's engines, the PDF and the
    charts — ~200 MB and seconds — load with the first command that uses them, so the duplicate scan of a million
    cards, a backup or ``--help`` does not carry them (klientura.analytics' lazy names)."""
    import subprocess
    import sys

    probe = f"import sys, klientura.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    got = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert got == []
    used = "from klientura import analytics; analytics.Warehouse; import sys; print('ibis' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", used], capture_output=True, text=True, check=True).stdout == "True\n"


def test_every_name_the_warehouse_package_offers_resolves() -> None:
    from klientura import analytics

    missing = [name for name in analytics.__all__ if getattr(analytics, name, None) is None]
    assert missing == []
    with pytest.raises(AttributeError):
        analytics.no_such_name  # noqa: B018


def test_no_name_the_warehouse_package_offers_is_shadowed_by_a_module_of_it() -> None:
    """Importing a submodule binds its name on the package: a lazy name like a module's (``sync`` beside sync.py)
    would turn into the module once anything imported it, and ``analytics.sync(...)`` would call a module."""
    import importlib
    import pkgutil
    import types

    from klientura import analytics

    for info in pkgutil.walk_packages(analytics.__path__, "klientura.analytics."):
        if not info.name.endswith(".spark"):  # needs pyspark
            importlib.import_module(info.name)
    modules = [n for n in analytics.__all__ if isinstance(getattr(analytics, n), types.ModuleType)]
    assert modules == ["clv"]  # the one name meant to be a package
