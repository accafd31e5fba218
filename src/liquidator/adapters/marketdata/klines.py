"""Binance public-data kline CSV files (``BTCUSDT-1m-2021-05.csv``), streamed row by row.

Plain or zipped (the first member), with or without Binance's header row; columns in Binance's
kline order: open time (ms), open, high, low, close, volume, close time, quote volume, trades,
taker buy volume, taker buy quote volume, ignore. Prices become raw fixed-point integers (exact;
a value with more than 8 decimals is an error, as it is everywhere in liquidator).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from liquidator.core.fixed import parse_raw


class KlineFileError(ValueError):
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
    """Yield the klines of ``path`` in file order (never loading the whole file)."""
    with open_text(path) as stream:
        for number, row in enumerate(csv.reader(stream), start=1):
            if not row or (number == 1 and not row[0].strip().isdigit()):
                continue  # an empty line, or the header row
            if len(row) < 7:
                raise KlineFileError(f"{path}: row {number}: {len(row)} fields, expected 12")
            try:
                yield Kline(
                    int(row[0]),
                    parse_raw(row[1]),
                    parse_raw(row[2]),
                    parse_raw(row[3]),
                    parse_raw(row[4]),
                    parse_raw(row[5]),
                    int(row[6]),
                )
            except (ValueError, TypeError) as error:
                raise KlineFileError(f"{path}: row {number}: {error}") from None


def open_text(path: Path) -> io.TextIOBase:
    """Open a plain or zipped (first member) text file for reading."""
    if not path.is_file():
        raise KlineFileError(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        names = archive.namelist()
        if not names:
            raise KlineFileError(f"{path}: an empty zip archive")
        return io.TextIOWrapper(archive.open(names[0]), encoding="utf-8")
    return open(path, encoding="utf-8", newline="")
