"""The composition root: what the entry points build before anything runs.

``market``: the contracts and brackets (bundled data and user files). ``server``: a running
exchange wired together (journal, keys and histories in SQLite, the clocks, the price feeds, the
FastAPI application). Nothing below the entry points builds these; they are handed in.
"""

from liquidator.bootstrap.market import (
    BUNDLED_BRACKETS,
    BUNDLED_INSTRUMENTS,
    build_market,
    bundled_market,
)

__all__ = ["BUNDLED_BRACKETS", "BUNDLED_INSTRUMENTS", "build_market", "bundled_market"]
