"""Binance open-interest paths: daily ``metrics`` CSVs and ``openInterestHist`` answers.

* ``BTCUSDT-metrics-2024-08-05.csv`` (data.binance.vision, ``futures/um/daily/metrics``):
  ``create_time`` (``YYYY-MM-DD HH:MM:SS`` UTC), ``symbol``, ``sum_open_interest`` (contracts),
  ``sum_open_interest_value`` (USDT), then long/short ratios; one row every 5 minutes.
* ``GET /futures/data/openInterestHist`` saved as JSON: ``[{"symbol", "sumOpenInterest",
  "sumOpenInterestValue", "timestamp"}, ...]``.

Both become ``(ms, open interest raw)`` in time order (contracts, 10^-8), for one symbol.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from liquidator.adapters.input_files import (
    InputFileError,
    NumberError,
    csv_rows,
    fixed_column,
    read_json,
)
from liquidator.adapters.marketdata.file_kind import sniff


def read_open_interest(path: Path, symbol: str) -> list[tuple[int, int]]:
    """Return ``symbol``'s open interest over time; InputFileError (one line) on a bad file."""
    kind = sniff(path).kind
    if kind == "metrics":
        points = _metrics(path, symbol)
    elif kind == "openInterestHist":
        points = _history(path, symbol)
    else:
        raise InputFileError(path, f"is a {kind} file, not metrics or openInterestHist")
    if not points:
        raise InputFileError(path, f"holds no open interest of {symbol}")
    return sorted(points)


def _metrics(path: Path, symbol: str) -> list[tuple[int, int]]:
    points = []
    for number, row in csv_rows(path):
        if not row or row[0].strip() == "create_time":
            continue
        if len(row) < 4:
            raise InputFileError(path, f"row {number}: {len(row)} fields, expected 8 (metrics)")
        if row[1].strip() != symbol:
            continue
        try:
            moment = datetime.strptime(row[0].strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            points.append((int(moment.timestamp()) * 1_000, _positive(row[2])))
        except (ValueError, NumberError) as error:
            raise InputFileError(path, f"row {number}: {error}") from None
    return points


def _history(path: Path, symbol: str) -> list[tuple[int, int]]:
    document = read_json(path)
    if not isinstance(document, list):
        raise InputFileError(path, "is not a list of openInterestHist entries")
    points = []
    for number, entry in enumerate(document, start=1):
        if not isinstance(entry, dict) or entry.get("symbol") != symbol:
            continue
        moment = entry.get("timestamp")
        if isinstance(moment, bool) or not isinstance(moment, int) or moment < 0:
            raise InputFileError(path, f"entry {number}: timestamp is not epoch milliseconds")
        try:
            points.append((moment, _positive(str(entry.get("sumOpenInterest")))))
        except NumberError as error:
            raise InputFileError(path, f"entry {number}: {error}") from None
    return points


def _positive(text: str) -> int:
    value = fixed_column(text, "open interest")
    if value <= 0:
        raise NumberError(f"open interest {text.strip()!r} is not positive")
    return value
