"""benchmarks/sweep.py still runs and its three ways of running a grid agree, at a tiny size."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO


def test_sweep_benchmark_gives_the_same_state_hashes_on_dask_and_a_process_pool() -> None:
    argv = ["--traders", "40", "--runs", "2", "--minutes", "20"]
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "sweep.py"), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    headline = json.loads(result.stdout.strip().splitlines()[-1])
    assert headline["benchmark"] == "sweep"
    assert headline["same_hashes"] is True
    assert headline["grid_runs"] == 2
