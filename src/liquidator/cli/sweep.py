"""``liquidator sweep``: a grid of replays on Dask, written as Parquet, compared side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from liquidator.adapters.input_files import printable
from liquidator.app.collector import tune_collector
from liquidator.cli.args import whole
from liquidator.simulation.sweep import comparison, grid
from liquidator.simulation.sweep.profiles import PROFILES
from liquidator.simulation.sweep.run import RunOutcome

EXIT_BAD_INPUT = 2


def add_commands(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="run a grid of replays (windows x population x profile x fund x seed) on Dask",
        description=f"venue profiles: {', '.join(PROFILES)}; the grid format: docs/sweep.md",
    )
    sweep.add_argument("grid", type=Path, help="the grid, a TOML file (examples/sweep-small.toml)")
    sweep.add_argument("--out", type=Path, required=True, help="directory of the Parquet files")
    sweep.add_argument(
        "--scheduler", help="a Dask scheduler (tcp://HOST:8786); default: a local cluster"
    )
    sweep.add_argument(
        "--workers",
        type=whole(1, 1024),
        help="local worker processes (default: one per core)",
    )


def run(args: argparse.Namespace) -> int:
    from liquidator.simulation.sweep import dask_runner  # noqa: PLC0415 (Dask: only for this command)

    try:
        plan = grid.load(args.grid)
        todo, _ = dask_runner.pending(plan, args.out)
        sources = dask_runner.load_sources(plan, todo)
        args.out.mkdir(parents=True, exist_ok=True)
    except (ValueError, OSError) as error:
        print(f"liquidator: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.scheduler is not None and args.workers is not None:
        print(
            "liquidator: error: --workers is for a local cluster, not --scheduler", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    tune_collector()
    console = Console(stderr=True)
    total = len(plan.runs)

    def progress(outcome: RunOutcome) -> None:
        row = outcome.row
        console.print(
            f"run {outcome.run_id}: {row['name']} {row['profile']} fund {row['fund_usdt']:,} "
            f"seed {row['seed']}: {row['seconds']} s",
            highlight=False,
        )

    try:
        with dask_runner.dask_client(args.scheduler, args.workers) as client:
            result = dask_runner.sweep(plan, args.out, client, progress=progress, sources=sources)
    except (OSError, TimeoutError, ValueError) as error:
        where = args.scheduler or "the local cluster"
        print(f"liquidator: error: {printable(where)}: {_one_line(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = args.out / "comparison.html"
    report.write_text(comparison.render(result.rows, f"Sweep {args.grid.name}"), "utf-8")
    _print(result.rows)
    Console().print(
        f"{result.ran} run(s) now, {result.skipped} already done, {total} in the grid; "
        f"{printable(args.out / 'runs.parquet')}, {printable(args.out / 'events')}/, "
        f"{printable(report)}",
        highlight=False,
    )
    return 0


def _print(rows: list[dict[str, object]]) -> None:
    table = Table(title="Side by side (means over each line's runs)")
    for column in comparison.COLUMNS:
        table.add_column(column, justify="left" if column in ("source", "profile") else "right")
    for line in comparison.lines(rows):
        table.add_row(*comparison.cells(line))
    console = Console()
    if not console.is_terminal:
        console = Console(width=170)  # a file or a pipe: the whole table, not 80 columns
    console.print(table)


def _one_line(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return printable(" ".join(text.split()))
