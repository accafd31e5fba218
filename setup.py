"""Build: the pure core (``liquidator.core``) is compiled to C with mypyc when it can be.

The compiled modules are the same Python source, type-checked (mypy --strict) and turned into a
C extension; they run about twice as fast and behave the same (tests/integration/
test_compiled_core.py runs one session both ways and compares the state hashes).
``LIQUIDATOR_PURE_PYTHON=1`` builds without them, and so does a machine without mypyc or a C
compiler: the package then runs as plain Python.

Left out: ``money.fixed`` (its value types subclass a dataclass base mypyc cannot compile). A
compiled class keeps an optional field's annotation only as a bare ``type``; the journal codec reads
those from ``exchange.commands.OPTIONAL_FIELD_TYPES``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

PURE = {"money/fixed.py"}


def compiled_core() -> list[Any]:
    if os.environ.get("LIQUIDATOR_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify  # a build requirement (pyproject.toml)
    except ImportError:
        sys.stderr.write("liquidator: mypyc is not available; the core stays pure Python\n")
        return []
    core = Path("src/liquidator/core")
    modules = sorted(
        str(path) for path in core.rglob("*.py") if path.relative_to(core).as_posix() not in PURE
    )
    return list(mypycify(modules, opt_level="3", multi_file=True))


class OptionalBuildExt(build_ext):
    """Build the extensions if this machine can; otherwise say so and install pure Python."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # no compiler, missing headers: the sources still work
            sys.stderr.write(f"liquidator: the core stays pure Python ({error})\n")


setup(
    ext_modules=compiled_core(),
    cmdclass={"build_ext": OptionalBuildExt},
    options={"build_ext": {"parallel": os.cpu_count() or 1}},
)
