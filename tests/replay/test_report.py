"""The replay report opens in headless Chromium with every chart and no console error.

Chromium comes from Debian's packages (``.ci/run`` installs it). The test renders the page to a
screenshot and dumps the DOM Chromium built, then checks every chart's figure and SVG is in it;
Chromium's log (``--enable-logging=stderr``) must hold no console error.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from liquidator.core.contracts.market import Market
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig
from liquidator.simulation.scenarios import ScenarioConfig, ticks
from liquidator.web.replay_report import render
from tests.browser.chromium import FLAGS as BROWSER_FLAGS
from tests.browser.chromium import chromium

CHARTS = (
    "chart-price-btcusdt",
    "chart-price-ethusdt",
    "chart-liquidations",
    "chart-fund",
    "chart-open-interest",
    "chart-margin-ratio",
    "chart-heatmap-btcusdt",
    "chart-heatmap-ethusdt",
    "chart-adl",
)
FLAGS = (*BROWSER_FLAGS, "--enable-logging=stderr", "--v=0")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, market: Market) -> Path:
    config = ScenarioConfig(drop=0.2, minutes=20, lead_minutes=5, tail_minutes=5, step_ms=5_000)
    replay = Replay(
        market, ReplayConfig(population=PopulationConfig(count=300, seed=3), sample_every_ms=30_000)
    )
    result = replay.run(ticks("correlated", config), ["BTCUSDT", "ETHUSDT"])
    assert result.liquidations
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render(result, "correlated crash"), encoding="utf-8")
    return path


def test_report_renders_every_chart_without_console_errors(report: Path, tmp_path: Path) -> None:
    screenshot = tmp_path / "report.png"
    shot = subprocess.run(
        [
            chromium(),
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,4000",
            f"--screenshot={screenshot}",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = subprocess.run(
        [
            chromium(),
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--dump-dom",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.stat().st_size > 20_000  # a page was painted, not a blank
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for chart in CHARTS:
        assert f'id="{chart}"' in dom.stdout, chart
    assert dom.stdout.count("<svg") >= len(CHARTS)
    console = [
        line for line in shot.stderr.splitlines() + dom.stderr.splitlines() if "CONSOLE" in line
    ]
    assert console == []


def test_replay_and_scenarios_commands(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "liquidator"
    listing = subprocess.run(
        [str(script), "scenarios", "--json"], capture_output=True, text=True, check=True
    )
    report = tmp_path / "flash.html"
    events = tmp_path / "flash.csv"
    run = subprocess.run(
        [
            str(script),
            "replay",
            "--scenario",
            "flash",
            "--drop",
            "0.25",
            "--minutes",
            "10",
            "--traders",
            "200",
            "--report",
            str(report),
            "--events",
            str(events),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    bad = subprocess.run(
        [str(script), "replay", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert set(json.loads(listing.stdout)) == {"gap", "flash", "bleed", "whipsaw", "correlated"}
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["liquidations"]["LONG"] > 0
    assert report.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert events.read_text(encoding="utf-8").splitlines()[0].startswith("time_ms,kind,account")
    unwritable = subprocess.run(
        [
            str(script),
            "replay",
            "--scenario",
            "gap",
            "--minutes",
            "2",
            "--traders",
            "10",
            "--report",
            str(tmp_path / "missing" / "r.html"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    for refused in (bad, unwritable):
        assert refused.returncode == 2
        assert refused.stderr.startswith("liquidator: error:")
        assert "Traceback" not in refused.stderr
