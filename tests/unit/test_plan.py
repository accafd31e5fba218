"""``liquidator plan``: the leverage that keeps the chance of liquidation under a target."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from liquidator.adapters.marketdata.klines import read_klines
from liquidator.app.plan import Market1m, build_plan, worst_excursions
from liquidator.core.contracts.market import Market
from tests.conftest import SHARED

CRASH = (
    SHARED / "data" / "binance-crash" / "BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"
)
SCRIPT = Path(sys.executable).parent / "liquidator"
DAY_MS = 86_400_000


def crash_data(market: Market) -> Market1m:
    table = market.brackets["BTCUSDT"]
    instrument = market.instruments["BTCUSDT"]
    closes = [k.close for k in read_klines(CRASH)]
    return Market1m(table, instrument.tick_size.raw, instrument.step_size.raw, closes)


def test_plan_keeps_the_chance_under_the_target_and_no_higher_leverage_does(
    market: Market,
) -> None:
    data = crash_data(market)

    plan = build_plan(data, long=True, capital=10_000 * 10**8, horizon_ms=3_600_000, target=0.05)

    assert plan.chosen is not None
    assert plan.chosen.worst <= 0.05
    above = [c for c in plan.candidates if c.leverage == plan.chosen.leverage + 1]
    assert above
    assert above[0].worst > 0.05
    assert plan.stop is not None
    assert plan.stop.loss < plan.loss_at_liquidation  # the stop keeps part of the margin
    assert plan.entry > plan.stop.price > plan.chosen.liquidation_price


def test_the_bootstrap_of_a_crash_has_fatter_tails_than_the_log_normal(market: Market) -> None:
    plan = build_plan(
        crash_data(market), long=True, capital=10_000 * 10**8, horizon_ms=3_600_000, target=0.01
    )

    five = next(c for c in plan.candidates if c.leverage == 5)
    assert five.p_bootstrap > five.p_lognormal


def test_bootstrap_is_seeded_and_reads_the_worst_point_of_each_path() -> None:
    returns = [0.01, -0.02, 0.005, -0.001] * 30

    first = worst_excursions(returns, 120, True, 50, seed=3)

    assert first == worst_excursions(returns, 120, True, 50, seed=3)
    assert all(-2.4 <= w <= 0 for w in first)
    assert min(worst_excursions(returns, 120, False, 50, seed=3)) <= 0
    assert not math.isnan(sum(first))


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "plan", *argv], capture_output=True, text=True, check=False)


def test_plan_command_names_its_models_and_warns_about_short_data() -> None:
    result = run(
        "--symbol",
        "BTCUSDT",
        "--side",
        "LONG",
        "--capital",
        "1000",
        "--horizon",
        "4h",
        "--klines",
        str(CRASH),
        "--json",
    )

    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert "drift -sigma^2/2" in body["models"]["lognormal"]
    assert body["minutes"] == 404
    assert any("404 minutes" in w for w in body["warnings"])
    assert body["leverage"] >= 1
    assert float(body["stop"]["loss"]) < float(body["lossAtLiquidation"])


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--capital", "-5", "--horizon", "8h", "--klines", str(CRASH)], "--capital"),
        (["--capital", "100", "--horizon", "soon", "--klines", str(CRASH)], "--horizon"),
        (["--capital", "100", "--horizon", "8h"], "--klines FILE or --base-url"),
        (["--capital", "100", "--horizon", "8h", "--klines", "/nonexistent.csv"], "does not exist"),
    ],
)
def test_plan_bad_input_is_one_line(argv: list[str], words: str) -> None:
    result = run("--symbol", "BTCUSDT", "--side", "LONG", *argv)

    assert result.returncode == 2
    assert result.stderr.startswith("liquidator: error: ")
    assert result.stderr.count("\n") == 1
    assert words in result.stderr
