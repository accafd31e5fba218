"""Parquet files of a sweep: ``runs.parquet`` (one row per run) and ``events/<run_id>.parquet``.

Amounts are exact: ``decimal128(38, 8)`` (the engine's 10^-8 fixed point), which pandas, polars
and DuckDB read as decimals; times are ``timestamp[ms, UTC]``. Files are written to a temporary
name and renamed, so a killed sweep leaves no half-written file behind (a resumed sweep trusts
what it finds).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from liquidator.simulation.sweep.run import EventRow

AMOUNT = pa.decimal128(38, 8)
TIME = pa.timestamp("ms", tz="UTC")
EVENTS = pa.schema(
    [
        ("time", TIME),
        ("kind", pa.string()),  # LIQUIDATION or ADL
        ("account", pa.string()),
        ("symbol", pa.string()),
        ("side", pa.string()),  # of the position closed: LONG or SHORT
        ("quantity", AMOUNT),
        ("price", AMOUNT),  # bankruptcy price (a liquidation) or the ADL price
        ("notional", AMOUNT),
        ("fee", AMOUNT),  # clearance fee to the fund
        ("taken_over", AMOUNT),  # quantity the fund took over
        ("deleveraged", AMOUNT),  # quantity auto-deleveraged
        ("partial", pa.bool_()),
    ]
)
RUNS = pa.schema(
    [
        ("run_id", pa.string()),
        ("source", pa.string()),
        ("name", pa.string()),
        ("symbols", pa.string()),
        ("drop", pa.float64()),
        ("minutes", pa.int64()),
        ("step_ms", pa.int64()),
        ("profile", pa.string()),
        ("fund_usdt", pa.int64()),
        ("seed", pa.int64()),
        ("traders", pa.int64()),
        ("max_leverage", pa.int64()),
        ("long_share", pa.float64()),
        ("isolated_share", pa.float64()),
        ("stop_share", pa.float64()),
        ("entry_minutes", pa.int64()),
        ("median_notional", pa.int64()),
        ("max_notional", pa.int64()),
        ("model", pa.string()),
        ("exit_per_hour", pa.float64()),
        ("reentry_share", pa.float64()),
        ("dip_per_hour", pa.float64()),
        ("whale_share", pa.float64()),
        ("maker_depth", pa.string()),
        ("state_hash", pa.string()),
        ("ticks", pa.int64()),
        ("start_ms", TIME),
        ("end_ms", TIME),
        ("opened", pa.int64()),
        ("liquidations_long", pa.int64()),
        ("liquidations_short", pa.int64()),
        ("liquidated_notional_long", AMOUNT),
        ("liquidated_notional_short", AMOUNT),
        ("partial", pa.int64()),
        ("taken_over", pa.int64()),
        ("clearance_fees", AMOUNT),
        ("bankruptcies", pa.int64()),
        ("adl_events", pa.int64()),
        ("adl_notional", AMOUNT),
        ("fund_low_water", AMOUNT),
        ("fund_end", AMOUNT),
        ("fund_seeded", AMOUNT),  # the seed of every fund of the venue (a profile may share one)
        ("wiped_out", pa.int64()),
        ("peak_minute_ms", TIME),
        ("peak_liquidations", pa.int64()),
        ("seconds", pa.float64()),
        ("pid", pa.int64()),
    ]
)
RAW_AMOUNTS = {f.name for f in RUNS if f.type == AMOUNT}


def amount(raw: int) -> Decimal:
    """Return a raw 10^-8 amount as an exact decimal."""
    return Decimal(raw).scaleb(-8)


def write_events(path: Path, rows: Sequence[EventRow]) -> None:
    """Write one run's events (``run.event_rows``) to ``path``."""
    columns: list[list[Any]] = [list(column) for column in zip(*rows, strict=True)] or [
        [] for _ in EVENTS
    ]
    for index in range(5, 11):
        columns[index] = [amount(raw) for raw in columns[index]]
    _write(pa.Table.from_arrays(columns, schema=EVENTS), path)


def write_runs(path: Path, rows: Iterable[dict[str, object]]) -> None:
    """Write the runs' rows (``run.summary_row``), sorted by run id, to ``path``."""
    ordered = sorted(rows, key=lambda row: str(row["run_id"]))
    columns = {f.name: [_cell(f.name, row[f.name]) for row in ordered] for f in RUNS}
    _write(pa.Table.from_pydict(columns, schema=RUNS), path)


def read_runs(path: Path) -> list[dict[str, object]]:
    """Read runs.parquet back into rows of raw values (what ``write_runs`` was given)."""
    if not path.exists():
        return []
    rows: list[dict[str, object]] = pq.read_table(path, schema=RUNS).to_pylist()
    for row in rows:
        for name, value in row.items():
            if name in RAW_AMOUNTS:
                row[name] = int(Decimal(str(value)).scaleb(8))
            elif name.endswith("_ms") and isinstance(value, datetime):
                row[name] = round(value.timestamp() * 1000)
    return rows


def _cell(name: str, value: object) -> object:
    if name in RAW_AMOUNTS:
        assert isinstance(value, int)
        return amount(value)
    return value


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, partial, compression="zstd")
    partial.replace(path)
