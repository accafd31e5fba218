"""Benchmark: replays per hour per core, the speed-up from 1 to 2 Dask workers, Dask's overhead.

The standard run is one real crash window (2021-05-19, BTCUSDT, 6 h 44 min of 1-minute klines,
four ticks a minute, Binance's funding) through 10,000 seeded traders under the binance profile
with a 1M-USDT fund. Then a grid of ``--runs`` such runs (seeds 1..N) goes through: a local Dask
cluster of 1 worker, one of 2 workers, and a plain ``ProcessPoolExecutor`` of 2 processes; each
is timed from submission to the last result, with the cluster already up (its start is reported
apart). Targets (issue 18): speed-up >= 1.8x, Dask's overhead against the pool <= 10%. Prints a
table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from distributed import wait
from rich.console import Console
from rich.table import Table

from liquidator.simulation.sweep import dask_runner, grid
from liquidator.simulation.sweep.run import RunOutcome, execute
from liquidator.simulation.sweep.sources import Source, window

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "binance-crash"


def plan(args: argparse.Namespace, seeds: list[int]) -> grid.Grid:
    document = {
        "data": str(args.data),
        "windows": [args.window],
        "minutes": args.minutes,
        "seeds": seeds,
        "population": {"traders": args.traders},
    }
    return grid.parse(document, Path("."))


def on_dask(specs: grid.Grid, source: Source, workers: int) -> tuple[float, float, set[str]]:
    """Return (cluster start s, grid s, state hashes) on a local cluster of ``workers``."""
    started = time.perf_counter()
    with dask_runner.dask_client(None, workers) as client:
        client.wait_for_workers(workers)
        up = time.perf_counter() - started
        begin = time.perf_counter()
        held = client.submit(dask_runner.keep, source, pure=False)
        futures = [client.submit(execute, s, held, pure=False) for s in specs.runs]
        wait(futures)  # type: ignore[no-untyped-call]
        outcomes: list[RunOutcome] = client.gather(futures)  # type: ignore[no-untyped-call]
        elapsed = time.perf_counter() - begin
    return up, elapsed, {str(o.row["state_hash"]) for o in outcomes}


def on_pool(specs: grid.Grid, source: Source, workers: int) -> tuple[float, set[str]]:
    """Return (grid s, state hashes) on a process pool of ``workers`` (started before timing)."""
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_pid, range(workers)))  # the processes up, as the cluster's are
        begin = time.perf_counter()
        outcomes = list(pool.map(execute, specs.runs, [source] * len(specs.runs)))
        elapsed = time.perf_counter() - begin
    return elapsed, {str(o.row["state_hash"]) for o in outcomes}


def _pid(_: int) -> int:
    return os.getpid()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=4, help="runs in the grid (even)")
    parser.add_argument("--window", default="2021-05-19")
    parser.add_argument("--minutes", type=int, default=0, help="the window's first N (0: all)")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    source = window(args.data, args.window, minutes=args.minutes)

    single = plan(args, [7]).runs[0]
    begin = time.perf_counter()
    standard = execute(single, source)
    standard_s = time.perf_counter() - begin
    specs = plan(args, list(range(1, args.runs + 1)))
    _, one_s, hashes_one = on_dask(specs, source, 1)
    up_s, two_s, hashes_two = on_dask(specs, source, 2)
    pool_s, hashes_pool = on_pool(specs, source, 2)

    headline = {
        "benchmark": "sweep",
        "window": args.window,
        "traders": args.traders,
        "ticks": standard.row["ticks"],
        "standard_run_s": round(standard_s, 2),
        "replays_per_hour_per_core": round(3600 / standard_s, 1),
        "grid_runs": args.runs,
        "dask_1_worker_s": round(one_s, 2),
        "dask_2_workers_s": round(two_s, 2),
        "speedup_1_to_2": round(one_s / two_s, 2),
        "process_pool_2_s": round(pool_s, 2),
        "dask_overhead_pct": round((two_s / pool_s - 1) * 100, 1),
        "cluster_start_s": round(up_s, 2),
        "same_hashes": hashes_one == hashes_two == hashes_pool,
        "cores": os.cpu_count(),
    }
    table = Table(title=f"sweep: {args.window}, {args.traders:,} traders, {args.runs} runs")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in headline.items():
        table.add_row(key, str(value))
    Console(stderr=True).print(table)
    print(json.dumps(headline))


if __name__ == "__main__":
    main()
