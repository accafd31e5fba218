"""Binance public-data funding-rate CSV files (``BTCUSDT-fundingRate-2021-05.csv``).

Columns (with a header): ``calc_time`` (settlement time, ms), ``funding_interval_hours``,
``last_funding_rate``. Rates become raw fixed-point integers (10**-8).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from liquidator.core.fixed import parse_raw


class FundingFileError(ValueError):
    """A funding file that cannot be read."""


def read_funding(path: Path) -> Iterator[tuple[int, int]]:
    """Yield ``(settlement ms, rate raw)`` in file order."""
    if not path.is_file():
        raise FundingFileError(f"{path}: no such file")
    with open(path, encoding="utf-8", newline="") as stream:
        for number, row in enumerate(csv.reader(stream), start=1):
            if not row or not row[0].strip().isdigit():
                continue
            try:
                yield int(row[0]), parse_raw(row[-1].strip())
            except (ValueError, TypeError) as error:
                raise FundingFileError(f"{path}: row {number}: {error}") from None
