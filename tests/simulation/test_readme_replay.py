"""The replay figures README.md shows are what that command gives today."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liquidator.cli.replay import add_commands
from liquidator.cli.replay import run as run_replay
from tests.conftest import REPO, SHARED
from tests.simulation.test_sweep_cli import parse

CRASH = SHARED / "data" / "binance-crash"


def test_readme_replay_figures_are_what_the_replay_prints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    args = parse(
        add_commands,
        "replay",
        str(CRASH / "BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"),
        "--funding",
        str(CRASH / "BTCUSDT-fundingRate-2021-05.csv"),
        "--traders",
        "1000",
        "--json",
        "--report",
        str(tmp_path / "report.html"),
    )

    assert run_replay(args) == 0
    summary = json.loads(capsys.readouterr().out)

    shown = readme.split("### `liquidator replay`")[1].split("```")[1]
    assert f"{summary['traders']} ({summary['opened']})" in shown
    assert "{LONG} / {SHORT}".format(**summary["liquidations"]) in shown
    fund = next(line for line in shown.splitlines() if "Insurance fund BTCUSDT" in line)
    low, end = summary["fund_low_water"]["BTCUSDT"], summary["fund_end"]["BTCUSDT"]
    assert fund.split("│")[2].strip() == f"{low} / {end}"
    assert f"{summary['adl_events']} / {summary['adl_notional']}" in shown
    wiped = next(line for line in shown.splitlines() if "wiped out" in line)
    assert wiped.split("│")[2].strip() == str(summary["wiped_out"])
