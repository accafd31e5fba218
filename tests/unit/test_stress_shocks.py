"""``stress`` with a shock per symbol and the shock that breaks the account; ``probability``'s
honest model name and its warning on data too short to annualise."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from liquidator.adapters.binance.account_file import parse_account
from liquidator.adapters.binance.fields import load_json
from liquidator.core.contracts.market import Market
from liquidator.simulation.shocks import (
    Shocks,
    breaking_fraction,
    cross_breaks,
    shocked,
    stress_steps,
)
from tests.conftest import REPO, SHARED

ACCOUNT = REPO / "examples/account.json"
CRASH = SHARED / "data/binance-crash/BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"
SCRIPT = Path(sys.executable).parent / "liquidator"
SHOCKS = Shocks({"BTCUSDT": Fraction(-10, 100), "ETHUSDT": Fraction(15, 100)}, None)


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *argv], capture_output=True, text=True, check=False)


def test_the_breaking_shock_is_the_edge_between_standing_and_liquidated(market: Market) -> None:
    account = parse_account(load_json(ACCOUNT, "FILE"), market)
    tables = dict(market.brackets)

    edge = breaking_fraction(account, tables, SHOCKS, cross_breaks)

    assert edge is not None
    assert cross_breaks(shocked(account, SHOCKS, edge), tables)
    assert not cross_breaks(shocked(account, SHOCKS, edge - Fraction(1, 10_000)), tables)


def test_each_symbol_moves_by_its_own_shock(market: Market) -> None:
    account = parse_account(load_json(ACCOUNT, "FILE"), market)

    steps = stress_steps(account, dict(market.brackets), SHOCKS, 5)

    assert [s.fraction for s in steps] == [Fraction(n, 5) for n in range(6)]
    assert steps[2].liquidated == ("BTCUSDT BOTH/LONG", "ETHUSDT BOTH/SHORT")
    assert steps[3].margin_ratio is None  # the cross account is gone and stays gone
    assert [s.surviving for s in steps] == [3, 3, 1, 1, 1, 1]


def test_stress_command_reports_per_symbol_shocks_and_where_it_breaks() -> None:
    result = run(
        "stress",
        str(ACCOUNT),
        "--shock",
        "BTCUSDT=-10%",
        "--shock",
        "ETHUSDT=+15%",
        "--steps",
        "5",
        "--json",
    )
    uniform = run("stress", str(ACCOUNT), "--shock", "-20%", "--json")
    text = run("stress", str(ACCOUNT), "--shock", "-20%")

    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["steps"][1]["shocks"] == {"BTCUSDT": "-2.00%", "ETHUSDT": "3.00%"}
    assert body["breaksAt"] == {"BTCUSDT": "-3.43%", "ETHUSDT": "5.15%"}
    every = json.loads(uniform.stdout)
    assert every["breaksAt"]["BTCUSDT"] == "-21.18%"  # beyond the -20% asked: it still holds
    assert every["firstLiquidationAt"]["BTCUSD_PERP"] == "-11.83%"  # the isolated one goes first
    assert "The cross account breaks (margin ratio 100%) at" in text.stdout


def test_stress_refuses_a_symbol_the_account_does_not_hold() -> None:
    result = run("stress", str(ACCOUNT), "--shock", "XRPUSDT=-5%")

    assert result.returncode == 2
    assert result.stderr == "liquidator: error: --shock: XRPUSDT is not a symbol of the account\n"


def test_probability_names_its_model_and_warns_on_a_crash_window() -> None:
    short = run("probability", "--entry", "40000", "--klines", str(CRASH), "--json")
    given = run("probability", "--entry", "40000", "--volatility", "0.6", "--json")

    body = json.loads(short.stdout)
    assert "drift -sigma^2/2" in body["model"]
    assert "driftless" not in short.stdout
    (warning,) = body["warnings"]
    assert warning.startswith("404 minutes of klines annualised to 735% a year")
    assert json.loads(given.stdout)["warnings"] == []
