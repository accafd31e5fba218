"""A sweep of 8 small runs on a 2-worker local Dask cluster: Parquet as documented, resumable.

Two real windows (their first 60 minutes) × two venue profiles × two fund sizes, 100 traders:
all finish, runs.parquet and events/ have the documented schema, a second sweep skips them all,
runs whose worker is killed are retried, and a run gives the same state hash on a worker as in
this process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from distributed import Client

from liquidator.simulation.sweep import comparison, dask_runner, grid
from liquidator.simulation.sweep.parquet import EVENTS, RUNS, read_runs
from liquidator.simulation.sweep.run import execute
from tests.conftest import REPO, SHARED
from tests.simulation.faults import MARKERS, killing_first_attempt

GRID = {
    "windows": ["2021-05-19", "2022-11-08"],
    "minutes": 60,
    "profiles": ["binance", "hyperliquid"],
    "funds": [1_000_000, 50_000_000],
    "population": {"traders": 100},
}


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kill-markers")


@pytest.fixture(scope="module")
def client(markers: Path) -> Iterator[Client]:
    os.environ[MARKERS] = str(markers)  # the workers inherit it when they start
    with dask_runner.dask_client(None, 2) as connected:
        yield connected


@pytest.fixture(scope="module")
def plan() -> grid.Grid:
    return grid.parse({"data": str(SHARED / "data" / "binance-crash"), **GRID}, Path("."))


def test_a_sweep_of_8_runs_writes_the_documented_parquet_and_a_rerun_skips_them_all(
    client: Client, plan: grid.Grid, tmp_path: Path
) -> None:
    first = dask_runner.sweep(plan, tmp_path, client)
    again = dask_runner.sweep(plan, tmp_path, client)

    assert (first.ran, first.skipped) == (8, 0)
    assert (again.ran, again.skipped) == (0, 8)
    table = pq.read_table(tmp_path / "runs.parquet")
    assert table.schema.equals(RUNS)
    assert table.num_rows == 8
    assert sorted(table.column("run_id").to_pylist()) == sorted(s.run_id for s in plan.runs)
    assert len(set(table.column("pid").to_pylist())) == 2  # both workers ran some
    for spec in plan.runs:
        events = pq.read_table(tmp_path / "events" / f"{spec.run_id}.parquet")
        assert events.schema.equals(EVENTS)
    rows = read_runs(tmp_path / "runs.parquet")
    assert all(row["liquidations_long"] or row["liquidations_short"] for row in rows)


def test_runs_whose_worker_is_killed_are_retried_on_a_new_worker(
    client: Client, plan: grid.Grid, markers: Path, tmp_path: Path
) -> None:
    two = grid.Grid(plan.data, plan.runs[:2])

    result = dask_runner.sweep(two, tmp_path, client, task=killing_first_attempt)

    assert result.ran == 2
    assert sorted(p.name for p in markers.iterdir()) == sorted(s.run_id for s in two.runs)
    assert all(row["state_hash"] for row in result.rows)


def test_a_run_gives_the_same_state_hash_on_a_dask_worker_as_in_this_process(
    client: Client, plan: grid.Grid
) -> None:
    spec = plan.runs[5]
    (source,) = dask_runner.load_sources(plan, [spec]).values()

    remote = client.submit(execute, spec, source, pure=False).result()
    local = execute(spec, source)

    assert remote.row["pid"] != os.getpid()
    assert remote.row["state_hash"] == local.row["state_hash"]
    assert remote.events == local.events


def test_the_comparison_page_has_a_line_per_source_profile_and_fund_and_a_chart_per_source(
    client: Client, plan: grid.Grid, tmp_path: Path
) -> None:
    rows = dask_runner.sweep(plan, tmp_path, client).rows

    page = comparison.render(rows, "Sweep test")

    assert page.count("<tr><td>") == 8
    assert page.count("<svg ") == 2
    assert "<script" not in page
    assert "2021-05-19" in page
    assert "hyperliquid" in page


def test_the_shipped_small_grid_is_8_runs_of_two_windows_profiles_and_funds() -> None:
    shipped = grid.load(REPO / "examples" / "sweep-small.toml")

    assert len(shipped.runs) == 8
    assert {(s.name, s.profile, s.fund_usdt) for s in shipped.runs} == {
        (day, name, fund)
        for day in ("2021-05-19", "2022-11-08")
        for name in ("binance", "hyperliquid")
        for fund in (1_000_000, 50_000_000)
    }
    assert shipped.data.resolve() == (SHARED / "data" / "binance-crash").resolve()


def test_the_shipped_validation_grid_is_every_window_twice_over_two_funds() -> None:
    shipped = grid.load(REPO / "examples" / "validation.toml")

    assert len(shipped.runs) == 24
    assert len({s.name for s in shipped.runs}) == 6
    assert dask_runner.load_sources(shipped, list(shipped.runs))  # every window is in the data
