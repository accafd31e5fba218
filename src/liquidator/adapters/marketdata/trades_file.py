"""Binance public-data trade files: ``trades`` and ``aggTrades`` CSVs, plain or zipped.

``BTCUSDT-trades-2024-08-05.csv``: ``id, price, qty, quote_qty, time, is_buyer_maker``;
``BTCUSDT-aggTrades-2024-08-05.csv``: ``agg_trade_id, price, quantity, first_trade_id,
last_trade_id, transact_time, is_buyer_maker``. Either with or without the header row. Rows
become :class:`capture.Trade` records (kind MARKET), streamed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from liquidator.adapters.marketdata.capture import Trade
from liquidator.adapters.marketdata.klines import KlineFileError, open_text
from liquidator.core.fixed import parse_raw


def read_trades(path: Path, symbol: str) -> Iterator[Trade]:
    """Yield the trades of a ``trades`` or ``aggTrades`` file (the layout is told by width)."""
    with open_text(path) as stream:
        for number, row in enumerate(csv.reader(stream), start=1):
            if not row or not row[0].strip().isdigit():
                continue  # an empty line, or the header row
            try:
                if len(row) == 6:  # trades
                    trade_id, price, quantity, time_ms, maker = (
                        row[0],
                        row[1],
                        row[2],
                        row[4],
                        row[5],
                    )
                elif len(row) == 7:  # aggTrades
                    trade_id, price, quantity, time_ms, maker = (
                        row[0],
                        row[1],
                        row[2],
                        row[5],
                        row[6],
                    )
                else:
                    raise ValueError(f"{len(row)} fields, expected 6 (trades) or 7 (aggTrades)")
                yield Trade(
                    int(time_ms),
                    symbol,
                    int(trade_id),
                    parse_raw(price),
                    parse_raw(quantity),
                    "MARKET",
                    maker.strip().lower() == "true",
                )
            except (ValueError, TypeError) as error:
                raise KlineFileError(f"{path}: row {number}: {error}") from None
