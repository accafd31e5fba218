"""Run a grid on Dask, resumably, writing each finished run's Parquet files as it comes back.

A local cluster (one single-threaded worker process per core by default) or the scheduler at
``address``. Each run is one task, submitted with ``retries=2`` (an exception on a worker is
tried again) and ``pure=False``; a worker that dies takes its task with it and the scheduler
gives it to another worker (``distributed.scheduler.allowed-failures``). The client, not the
workers, writes the files: a remote cluster needs no shared disk. A run is finished when
``events/<run_id>.parquet`` exists and runs.parquet has its row; those are skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dask
from distributed import Client, LocalCluster, as_completed

from liquidator.simulation.sweep.grid import Grid, RunSpec
from liquidator.simulation.sweep.parquet import read_runs, write_events, write_runs
from liquidator.simulation.sweep.run import RunOutcome, execute
from liquidator.simulation.sweep.sources import Source, scenario, window

Task = Callable[[RunSpec, Source], RunOutcome]
RETRIES = 2
# A local worker's event loop wakes less often: its tick monitor (20 ms by default), system
# monitor and memory monitor (100 ms) each take the GIL from the replay's thread when they wake
# (a run uses ~100 MB: a memory check every 2 s is enough). Workers get the client's config.
QUIET_WORKERS = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "2s",
}
ROWS_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What a sweep did: runs run now, runs skipped (finished before), every row."""

    ran: int
    skipped: int
    rows: list[dict[str, object]]


def pending(grid: Grid, out: Path) -> tuple[list[RunSpec], list[dict[str, object]]]:
    """Split the grid into runs still to do and the rows of those already finished."""
    done = {str(row["run_id"]): row for row in read_runs(out / "runs.parquet")}
    todo, rows = [], []
    for spec in grid.runs:
        if spec.run_id in done and (out / "events" / f"{spec.run_id}.parquet").exists():
            rows.append(done[spec.run_id])
        else:
            todo.append(spec)
    return todo, rows


def load_sources(
    grid: Grid, runs: list[RunSpec]
) -> dict[tuple[str, str, str, float, int, int], Source]:
    """Read each distinct source once (ValueError for an unknown window or scenario)."""
    sources: dict[tuple[str, str, str, float, int, int], Source] = {}
    for spec in runs:
        key = (spec.source, spec.name, spec.symbols, spec.drop, spec.minutes, spec.step_ms)
        if key in sources:
            continue
        if spec.source == "window":
            symbols = tuple(spec.symbols.split(","))
            sources[key] = window(grid.data, spec.name, symbols, spec.minutes, spec.step_ms)
        else:
            sources[key] = scenario(spec.name, spec.drop, spec.minutes, seed=7)
    return sources


def keep(source: Source) -> Source:
    """Return ``source``: a task that holds it on a worker for the runs that read it."""
    return source


@contextmanager
def dask_client(address: str | None, workers: int | None) -> Iterator[Client]:
    """Connect to ``address``, or start a local cluster of ``workers`` processes (all cores)."""
    if address is not None:
        with Client(address, timeout="10s") as client:
            yield client
        return
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with (
        dask.config.set(QUIET_WORKERS),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def sweep(
    grid: Grid,
    out: Path,
    client: Client,
    task: Task = execute,
    progress: Callable[[RunOutcome], None] | None = None,
    sources: dict[tuple[str, str, str, float, int, int], Source] | None = None,
) -> SweepResult:
    """Run what is left of ``grid`` on ``client``; write each run's files as it finishes."""
    todo, rows = pending(grid, out)
    skipped = len(rows)
    if not todo:
        return SweepResult(0, skipped, rows)
    sources = sources if sources is not None else load_sources(grid, todo)
    # a task (not scattered data): recomputed from its spec if the worker holding it dies
    shared = {
        key: client.submit(keep, source, key=f"source-{index}-{source.name}", pure=False)
        for index, (key, source) in enumerate(sources.items())
    }
    futures = [
        client.submit(
            task,
            spec,
            shared[(spec.source, spec.name, spec.symbols, spec.drop, spec.minutes, spec.step_ms)],
            key=f"run-{spec.run_id}",
            retries=RETRIES,
            pure=False,
        )
        for spec in todo
    ]
    written = time.monotonic()
    for count, future in enumerate(as_completed(futures), start=1):
        outcome: RunOutcome = future.result()
        write_events(out / "events" / f"{outcome.run_id}.parquet", outcome.events)
        rows.append(outcome.row)
        # runs.parquet is rewritten whole: at most every few seconds, and at the end (a run
        # finished since the last write is run again by a resumed sweep, nothing is lost)
        if count == len(futures) or time.monotonic() - written >= ROWS_EVERY_S:
            write_runs(out / "runs.parquet", rows)
            written = time.monotonic()
        if progress is not None:
            progress(outcome)
    return SweepResult(len(todo), skipped, rows)
