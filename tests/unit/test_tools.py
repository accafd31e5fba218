"""Stress steps and the liquidation probability (closed form against a seeded Monte Carlo)."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from liquidator.adapters.binance.account_file import parse_account
from liquidator.adapters.binance.fields import load_json
from liquidator.app.probability import first_passage, monte_carlo, volatility
from liquidator.core.contracts.market import Market
from liquidator.core.margin.stress import stress
from tests.conftest import REPO

DAY_MS = 86_400_000


@pytest.mark.parametrize(
    ("barrier", "sigma", "days"), [(57_000, 0.6, 1), (54_000, 0.8, 3), (63_500, 0.5, 2)]
)
def test_first_passage_matches_monte_carlo(barrier: float, sigma: float, days: int) -> None:
    exact = first_passage(60_000, barrier, sigma, days * DAY_MS)
    simulated = monte_carlo(60_000, barrier, sigma, days * DAY_MS, paths=4_000, steps=400, seed=1)

    # discrete monitoring misses some crossings: the simulation sits a little below
    assert simulated <= exact + 0.02
    assert exact - simulated < 0.05


def test_first_passage_edges() -> None:
    assert first_passage(100, 100, 0.5, DAY_MS) == 1.0
    assert first_passage(100, 50, 0.0, DAY_MS) == 0.0
    assert first_passage(100, 90, 0.5, 7 * DAY_MS) > first_passage(100, 90, 0.5, DAY_MS)
    assert first_passage(100, 80, 0.5, DAY_MS) < first_passage(100, 90, 0.5, DAY_MS)


def test_volatility_of_a_constant_step_series_is_zero() -> None:
    assert volatility([100.0 * 1.001**i for i in range(50)], 60_000) == pytest.approx(0.0, abs=1e-9)


def test_stress_loses_the_isolated_position_then_keeps_counting(market: Market) -> None:
    account = parse_account(load_json(REPO / "examples/account.json", "FILE"), market)

    steps = stress(account, market.brackets, Fraction(-15, 100), 5)

    assert [float(s.shock) for s in steps] == [0, -0.03, -0.06, -0.09, -0.12, -0.15]
    gone_at = [s.liquidated for s in steps]
    assert gone_at[4] == ("BTCUSD_PERP BOTH/LONG",)
    assert all(not g for i, g in enumerate(gone_at) if i != 4)
    assert steps[0].equity.raw > steps[-1].equity.raw
    assert [s.surviving for s in steps] == [3, 3, 3, 3, 2, 2]


def test_stress_and_probability_commands(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "liquidator"
    shock = subprocess.run(
        [str(script), "stress", str(REPO / "examples/account.json"), "--shock", "-20%", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    chance = subprocess.run(
        [
            str(script),
            "probability",
            "--entry",
            "60000",
            "--leverage",
            "20",
            "--volatility",
            "0.6",
            "--horizon",
            "24h",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    bad = subprocess.run(
        [str(script), "probability", "--entry", "60000", "--horizon", "soon"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert shock.returncode == 0, shock.stderr
    assert len(json.loads(shock.stdout)["steps"]) == 11
    body = json.loads(chance.stdout)
    assert body["liquidationPrice"] == "57236.18"
    assert 0.10 < body["probability"] < 0.17
    assert 1 <= body["safeLeverage"] < 20
    assert bad.returncode == 2
    assert bad.stderr.startswith("liquidator: error:")
