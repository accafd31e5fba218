"""The dependency rule: core/ is pure (stdlib only) and imports nothing from the adapters."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import liquidator

PACKAGE = Path(liquidator.__file__).parent
FORBIDDEN_IN_CORE = (
    "liquidator.app",
    "liquidator.adapters",
    "liquidator.cli",
    "liquidator.cli.console",
    "liquidator.bootstrap",
    "rich",
    "fastapi",
    "pydantic",
)
IMPURE_STDLIB = {
    "time",
    "datetime",
    "random",
    "logging",
    "os",
    "socket",
    "sqlite3",
    "threading",
    "asyncio",
    "subprocess",
    "pathlib",
    "io",
    "secrets",
    "uuid",
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


# The compiler's hints (``mypyc_attr``): no behaviour at run time, the decorator returns the
# class it is given; compiled, it tells mypyc which records never form reference cycles.
COMPILER_HINTS = {"mypy_extensions"}


def test_core_imports_only_the_standard_library_and_itself() -> None:
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        allowed = {"liquidator", "__future__", *COMPILER_HINTS}
        for name in imports_of(path):
            top = name.split(".")[0]
            assert not name.startswith(FORBIDDEN_IN_CORE), f"{path.name} imports {name}"
            assert top in allowed or top in sys.stdlib_module_names, (
                f"{path.name} imports the third-party {name}"
            )
            assert top not in IMPURE_STDLIB, f"{path.name} imports {name}: core has no clock or I/O"


FLOAT_SCREEN = "risk/screen.py"  # the risk index's screen: where to look, never what is owed


def test_core_holds_no_binary_float() -> None:
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        if path.relative_to(PACKAGE / "core").as_posix() == FLOAT_SCREEN:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), path.name
            assert not (isinstance(node, ast.Name) and node.id == "float"), (
                f"{path.name} uses float"
            )


def test_only_the_risk_index_uses_the_float_screen() -> None:
    """Indexing (``risk.index``, ``risk.venue_units.refresh``) is the only user: never money."""
    users = sorted(
        path.name
        for path in PACKAGE.rglob("*.py")
        if "liquidator.core.risk.screen" in imports_of(path)
    )
    assert users == ["index.py", "venue_units.py"]


def test_use_cases_reach_storage_only_through_their_ports() -> None:
    for path in sorted((PACKAGE / "app").glob("*.py")):
        for name in imports_of(path):
            assert not name.startswith(("liquidator.adapters", "liquidator.cli", "sqlite3")), (
                f"app/{path.name} imports {name}: use cases depend on ports, not adapters"
            )


def test_adapters_do_not_import_each_other() -> None:
    adapters = sorted(p for p in (PACKAGE / "adapters").iterdir() if p.is_dir())
    for adapter in adapters:
        for path in adapter.rglob("*.py"):
            for other in adapters:
                if other != adapter:
                    prefix = f"liquidator.adapters.{other.name}"
                    assert not any(n.startswith(prefix) for n in imports_of(path)), (
                        f"{path.name} in {adapter.name} imports {prefix}"
                    )


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def test_the_api_never_opens_storage() -> None:
    """The composition root (``bootstrap``) hands the API its server; the API opens nothing."""
    for path in _modules("api"):
        for name in imports_of(path):
            assert not name.startswith(("liquidator.adapters", "sqlite3")), (
                f"api/{path.relative_to(PACKAGE / 'api')} imports {name}"
            )


def test_nothing_below_the_api_imports_it() -> None:
    """Only the entry points (``cli``) and the composition root (``bootstrap``) know the API."""
    below = ("core", "app", "read", "simulation", "adapters", "postmortem", "web")
    for folder in below:
        for path in _modules(folder):
            found = [n for n in imports_of(path) if n.startswith(("liquidator.api", "fastapi"))]
            assert not found or folder == "web", f"{folder}/{path.name} imports {found}"


def _reads_the_wall_clock(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in {("time", "time"), ("time", "time_ns")}:
                return True
            if node.attr in {"now", "utcnow", "today"} and node.value.id in {"datetime", "date"}:
                return True
    return False


def test_one_wall_clock() -> None:
    """The time of day is read in one place (``adapters/clock.py``); the rest is handed a
    ``Clock`` (``app/clock.py``: the port and the simulated clock)."""
    readers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if _reads_the_wall_clock(path)
    )
    assert readers == ["adapters/clock.py"]
    definers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Clock")
    )
    assert definers == ["adapters/clock.py", "app/clock.py", "app/clock.py"]
