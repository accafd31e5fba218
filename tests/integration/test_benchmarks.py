"""The benchmarks still run and agree with themselves, at a tiny size (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run(name: str, *argv: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    headline: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return headline


def test_risk_sweep_liquidates_what_a_full_scan_finds() -> None:
    headline = run("risk_sweep.py", "--positions", "3000", "--ticks", "20", "--naive-ticks", "1")

    assert headline["benchmark"] == "risk_sweep"
    assert headline["crash_liquidations"] == headline["crash_breached_by_full_scan"]
    assert isinstance(headline["crash_liquidations"], int)
    assert headline["crash_liquidations"] > 0
    assert headline["crash_left_breached"] == 0


def test_risk_sweep_coinm_variant_liquidates_what_a_full_scan_finds() -> None:
    headline = run(
        "risk_sweep.py",
        "--symbol",
        "BTCUSD_PERP",
        "--positions",
        "3000",
        "--ticks",
        "20",
        "--naive-ticks",
        "1",
    )

    assert headline["symbols"] == "BTCUSD_PERP"
    assert headline["crash_liquidations"] == headline["crash_breached_by_full_scan"]
    assert isinstance(headline["crash_liquidations"], int)
    assert headline["crash_liquidations"] > 0
    assert headline["crash_left_breached"] == 0


def test_matching_benchmark_runs_its_workload_without_rejections() -> None:
    headline = run("matching.py", "--commands", "3000", "--accounts", "200", "--prefill", "200")

    assert headline["benchmark"] == "matching"
    assert headline["commands"] == 3000
    assert headline["rejections"] == 0
    assert headline["commands_per_ms_of_clock"] == 150
    assert isinstance(headline["commands_per_s_at_1ms_clock"], int)
    assert headline["commands_per_s_at_1ms_clock"] > 0
    assert headline["compiled_core"] is (os.environ.get("LIQUIDATOR_PURE_PYTHON") != "1")


def test_api_orders_benchmark_places_every_order_and_feeds_every_subscriber() -> None:
    headline = run(
        "api_orders.py",
        *("--seconds", "2", "--rate", "200", "--accounts", "20"),
        *("--processes", "1", "--threads", "4", "--subscribers", "20", "--updates", "5"),
        *("--half-open", "100", "--floods", "2"),
    )

    assert headline["order_errors"] == 0
    assert headline["orders_per_s"] == 200
    assert headline["ws_complete"] == headline["ws_subscribers"] == 20
    assert headline["attack_flood_refusals"] != 0  # a 5,000-stream flood is refused


def test_replay_day_benchmark_runs_a_short_day() -> None:
    headline = run("replay_day.py", "--traders", "300", "--hours", "0.5")

    assert headline["population"] == "living"  # 300 open at the start, others arrive
    opened = headline["opened"]
    assert isinstance(opened, int)
    assert opened >= 300
    assert isinstance(headline["liquidations"], dict)
    assert headline["liquidations"]["LONG"] > 0
