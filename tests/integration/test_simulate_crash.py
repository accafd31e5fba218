"""``simulate --crash`` says who was liquidated, and ``explain`` tells one of them (cross).

The seeded workload's 15% crash liquidates cross accounts holding BTCUSDT and ETHUSDT: the
summary names them; ``explain`` of the first shows the mark path of the symbol that crashed
(BTCUSDT), amounts with their asset, and what would have survived.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "liquidator"


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *argv], capture_output=True, text=True, check=False, timeout=300
    )


def test_a_crash_names_the_liquidated_and_explain_tells_a_cross_one(tmp_path: Path) -> None:
    journal = str(tmp_path / "crash.sqlite")

    summary = run(
        "simulate",
        "--journal",
        journal,
        "--commands",
        "4300",
        "--crash",
        "15",
        "--crash-after",
        "4000",
        "--json",
    )

    assert summary.returncode == 0, summary.stderr
    liquidated = json.loads(summary.stdout)["liquidated"]
    assert len(liquidated) >= 2
    first, margin = liquidated[0].split(" ", 1)  # e.g. "trader-0003 (cross USDT)"
    assert first.startswith("trader-")
    assert margin == "(cross USDT)"
    told = run("explain", journal, "--account", first)
    assert told.returncode == 0, told.stderr
    text = told.stdout
    assert "cross margin in USDT" in text
    assert "Mark path (BTCUSDT)" in text  # BTCUSDT fell 15%, ETHUSDT did not move as much
    assert "USDT better than bankruptcy" in text
    assert "To survive the worst mark seen" in text
    assert "margin of at least" in text
    assert "leverage of at most" in text
