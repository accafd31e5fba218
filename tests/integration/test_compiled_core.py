"""The compiled core (mypyc, setup.py) and the plain-Python core are the same engine.

The installed package runs the compiled modules; a copy of the sources without them runs as plain
Python. One seeded session with trading, funding and a crash that liquidates goes through both,
in real processes, and must end in the same state hash and the same summary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import liquidator
from liquidator.core import engine

SOURCE = Path(liquidator.__file__).parent
SESSION = ("--commands", "3000", "--crash", "20", "--crash-after", "1500", "--json")


def simulate(tmp_path: Path, name: str, pythonpath: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    code = "import sys; from liquidator.cli import main; sys.exit(main(sys.argv[1:]))"
    journal = tmp_path / f"{name}.sqlite"
    result = subprocess.run(
        [sys.executable, "-c", code, "simulate", "--journal", str(journal), *SESSION],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    for varying in ("journal", "seconds"):
        summary.pop(varying)
    return summary


def plain_copy(tmp_path: Path) -> Path:
    """Copy the package's Python sources (no extension modules) under ``tmp_path``."""
    root = tmp_path / "plain"
    shutil.copytree(SOURCE, root / "liquidator", ignore=shutil.ignore_patterns("*.so"))
    return root


def test_the_installed_core_is_compiled_unless_built_pure() -> None:
    compiled = Path(engine.__file__).suffix == ".so"
    pure_asked = os.environ.get("LIQUIDATOR_PURE_PYTHON") == "1"
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")

    assert compiled is (not pure_asked and compiler is not None)


def test_compiled_and_plain_python_cores_end_in_the_same_state(tmp_path: Path) -> None:
    installed = simulate(tmp_path, "installed", None)
    plain_root = plain_copy(tmp_path)
    plain = simulate(tmp_path, "plain", plain_root)

    probe = subprocess.run(
        [sys.executable, "-c", "import liquidator.core.engine as e; print(e.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(plain_root)},
    )
    assert probe.stdout.strip().endswith("engine.py")
    assert installed["trades"] > 500
    assert installed["ledgerBalanced"] is True
    assert plain == installed
