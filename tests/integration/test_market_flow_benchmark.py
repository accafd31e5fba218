"""benchmarks/market_flow.py still runs, at a tiny size (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "market_flow.py"


def test_the_market_flow_benchmark_serves_the_seeded_candles_and_runs_the_flow() -> None:
    result = subprocess.run(
        [
            *(sys.executable, str(BENCHMARK)),
            *("--days", "1.1", "--requests", "3", "--flow-seconds", "30"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    headline = json.loads(result.stdout.strip().splitlines()[-1])
    assert headline["benchmark"] == "market_flow"
    assert headline["klines_rows"] == 1500  # 1.1 days of seeded minutes hold 1,500
    assert headline["flow_orders"] > 0
