"""Binance public-data funding-rate CSV files (``BTCUSDT-fundingRate-2021-05.csv``).

Columns (with a header): ``calc_time`` (settlement time, ms), ``funding_interval_hours``,
``last_funding_rate``. Rates become raw fixed-point integers (10**-8). Every row after the
header must be a rate, and a file without one is an error: a funding file that is not one is
never silently ignored.
"""

from __future__ import annotations

from pathlib import Path

from liquidator.adapters.input_files import (
    InputFileError,
    NumberError,
    csv_rows,
    fixed_column,
    shortened,
)
from liquidator.adapters.marketdata.klines import time_ms
from liquidator.core.money.fixed import SCALE

HEADER = ("calc_time", "funding_interval_hours", "last_funding_rate")


class FundingFileError(InputFileError):
    """A funding file that cannot be read: its path, row and what is wrong."""


def read_funding(path: Path) -> list[tuple[int, int]]:
    """Return ``(settlement ms, rate raw)`` in file order; raise on any row that is not one."""
    rates: list[tuple[int, int]] = []
    for number, row in csv_rows(path):
        if not row or (number == 1 and not row[0].strip().isdigit()):
            continue  # an empty line, or the header row
        rates.append(_rate_row(path, number, row))
    if not rates:
        raise FundingFileError(
            path, f"holds no funding rates (expected Binance rows {', '.join(HEADER)})"
        )
    return rates


def _rate_row(path: Path, number: int, row: list[str]) -> tuple[int, int]:
    if len(row) != len(HEADER):
        raise FundingFileError(
            path, f"row {number}: {len(row)} fields, expected {len(HEADER)} ({', '.join(HEADER)})"
        )
    try:
        moment = time_ms(row[0], "calc_time")
        rate = fixed_column(row[-1], "last_funding_rate")
    except NumberError as error:
        raise FundingFileError(path, f"row {number}: {error}") from None
    if abs(rate) >= SCALE:
        shown = shortened(row[-1].strip())
        raise FundingFileError(path, f"row {number}: rate {shown!r} is not a funding rate (< 1)")
    return moment, rate
