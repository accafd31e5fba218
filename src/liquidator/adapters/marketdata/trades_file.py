"""Binance public-data trade files: ``trades`` and ``aggTrades`` CSVs, plain or zipped.

``BTCUSDT-trades-2024-08-05.csv``: ``id, price, qty, quote_qty, time, is_buyer_maker``;
``BTCUSDT-aggTrades-2024-08-05.csv``: ``agg_trade_id, price, quantity, first_trade_id,
last_trade_id, transact_time, is_buyer_maker``. Either with or without the header row. Rows
become :class:`capture.Trade` records (kind MARKET), streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from liquidator.adapters.input_files import NumberError, csv_rows, fixed_column, whole_number
from liquidator.adapters.marketdata.capture import Trade
from liquidator.adapters.marketdata.klines import KlineFileError, time_ms

#: The columns of (trade id, price, quantity, time, is buyer maker), by the row's width.
LAYOUTS = {6: (0, 1, 2, 4, 5), 7: (0, 1, 2, 5, 6)}


def read_trades(path: Path, symbol: str) -> Iterator[Trade]:
    """Yield the trades of a ``trades`` or ``aggTrades`` file (the layout is told by width)."""
    for number, row in csv_rows(path):
        if not row or not row[0].strip().isdigit():
            continue  # an empty line, or the header row
        layout = LAYOUTS.get(len(row))
        if layout is None:
            raise KlineFileError(
                path, f"row {number}: {len(row)} fields, expected 6 (trades) or 7 (aggTrades)"
            )
        trade_id, price, quantity, moment, maker = (row[i] for i in layout)
        try:
            yield Trade(
                time_ms(moment, "time"),
                symbol,
                whole_number(trade_id),
                _positive(price, "price"),
                _positive(quantity, "quantity"),
                "MARKET",
                maker.strip().lower() == "true",
            )
        except NumberError as error:
            raise KlineFileError(path, f"row {number}: {error}") from None


def _positive(text: str, name: str) -> int:
    value = fixed_column(text, name)
    if value <= 0:
        raise NumberError(f"{name} {text.strip()[:40]!r} must be positive")
    return value
