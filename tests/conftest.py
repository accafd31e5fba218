"""Shared fixtures and the hypothesis profiles (``ci`` is derandomized)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from liquidator.bootstrap import bundled_market
from liquidator.core.contracts.market import Market

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GOLDEN = REPO / "tests" / "golden" / "data"


@pytest.fixture(scope="session")
def market() -> Market:
    return bundled_market()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The project's shared reference folder (../shared), which CI places beside the clone."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: tests read real Binance data from ../shared")
    return SHARED
