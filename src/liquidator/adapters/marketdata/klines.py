"""Binance public-data kline CSV files (``BTCUSDT-1m-2021-05.csv``), streamed row by row.

Plain or zipped (the first member), with or without Binance's header row; columns in Binance's
kline order: open time (ms), open, high, low, close, volume, close time, quote volume, trades,
taker buy volume, taker buy quote volume, ignore. Prices become raw fixed-point integers (exact;
a value with more than 8 decimals is an error, as it is everywhere in liquidator). Every row is
checked: times in epoch milliseconds and in order, prices positive with the low below the high.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from liquidator.adapters.input_files import (
    InputFileError,
    NumberError,
    csv_rows,
    fixed_column,
    shortened,
    whole_number,
)

#: The last millisecond of year 9999: later "times" are microseconds or garbage.
MAX_TIME_MS = 253_402_300_799_999
PRICE_COLUMNS = ("open", "high", "low", "close")


class KlineFileError(InputFileError):
    """A kline file that cannot be read: its path, row and what is wrong."""


@dataclass(frozen=True, slots=True)
class Kline:
    open_ms: int
    open: int
    high: int
    low: int
    close: int
    volume: int
    close_ms: int


def read_klines(path: Path) -> Iterator[Kline]:
    """Yield the klines of ``path`` in file order (never loading the whole file).

    Raise :class:`KlineFileError` on the first bad row, or when the file holds no kline at all.
    """
    previous: Kline | None = None
    for number, row in csv_rows(path):
        if not row or (number == 1 and not row[0].strip().isdigit()):
            continue  # an empty line, or the header row
        bar = _kline(path, number, row)
        if previous is not None and bar.open_ms < previous.open_ms:
            raise KlineFileError(path, f"row {number}: open time {bar.open_ms} goes back in time")
        previous = bar
        yield bar
    if previous is None:
        raise KlineFileError(path, "holds no klines (expected Binance 1m kline CSV rows)")


def _kline(path: Path, number: int, row: list[str]) -> Kline:
    if len(row) < 7:
        raise KlineFileError(path, f"row {number}: {len(row)} fields, expected 12 (a kline row)")
    try:
        open_ms, close_ms = time_ms(row[0], "open time"), time_ms(row[6], "close time")
        prices = [fixed_column(row[i + 1], name) for i, name in enumerate(PRICE_COLUMNS)]
        volume = fixed_column(row[5], "volume")
    except NumberError as error:
        raise KlineFileError(path, f"row {number}: {error}") from None
    open_, high, low, close = prices
    if min(prices) <= 0 or volume < 0:
        raise KlineFileError(path, f"row {number}: prices must be positive, volume not negative")
    if not low <= min(open_, close) <= max(open_, close) <= high or close_ms < open_ms:
        raise KlineFileError(
            path, f"row {number}: not a kline (low <= open, close <= high; close time >= open)"
        )
    return Kline(open_ms, open_, high, low, close, volume, close_ms)


def time_ms(text: str, name: str) -> int:
    """Return an epoch-millisecond time column (ASCII digits, year 1970 to 9999)."""
    try:
        value = whole_number(text)
    except NumberError as error:
        raise NumberError(f"{name} {shortened(text.strip())!r} {error}") from None
    if value > MAX_TIME_MS:
        raise NumberError(f"{name} {value} is not epoch milliseconds (after the year 9999)")
    return value


def check_klines(path: Path) -> int:
    """Read every row of ``path`` now, raising on the first bad one (a ValueError naming the
    file and row); return how many klines it holds."""
    return sum(1 for _ in read_klines(path))
