"""docs/api.md's parity table names every Binance path the server answers."""

from __future__ import annotations

import re

import pytest

from liquidator.api.app import ROUTES
from tests.conftest import REPO

BINANCE_PREFIXES = ("/fapi/", "/api/", "/sapi/", "/futures/")


def parity_section() -> str:
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    start = text.index("## REST parity")
    return text[start : text.index("\n## ", start + 1)]


def tail(path: str) -> str:
    """The part of a path the table names (`/fapi/v1/ticker/bookTicker`: `ticker/bookTicker`)."""
    return re.sub(r"^/(fapi|api|sapi)/v\d/|^/futures/data/", "", path)


@pytest.mark.parametrize(
    "path", sorted({r.path for r in ROUTES if r.path.startswith(BINANCE_PREFIXES)})
)
def test_the_parity_table_names_every_served_path(path: str) -> None:
    named = re.compile(rf"[`/ ]{re.escape(tail(path))}[`,) ]")

    assert named.search(parity_section()), f"{path} is served but not in docs/api.md's parity table"
