"""The mark path of a history's symbols from a public ``markPriceKlines`` (no key needed)."""

from __future__ import annotations

from typing import Any

import requests
from binance.error import Error

from liquidator.adapters.binance.client import library_client
from liquidator.postmortem.paging import klines
from liquidator.postmortem.records import History, PostmortemError, kline_points
from liquidator.postmortem.rows import int_of, raw_of


def public_marks(history: History, base_url: str, market: str = "usdm") -> None:
    """Fill ``history.marks`` for every symbol it has fills in, 1-minute bars to its end
    (``market``: ``usdm``, or ``coinm`` for ``/dapi/v1/markPriceKlines``)."""
    client: Any = library_client(market, base_url, None, None, 30)
    for symbol in sorted({f.symbol for f in history.fills}):
        first = min(f.time_ms for f in history.fills if f.symbol == symbol) - 60_000
        end = max(history.end_ms, first)

        def page(start: int, symbol: str = symbol) -> list[Any]:
            try:
                rows = client.mark_price_klines(symbol, "1m", startTime=start, limit=1500)
            except (Error, requests.RequestException, ValueError) as error:
                raise PostmortemError(f"{base_url}: markPriceKlines: {error}") from None
            return list(rows) if isinstance(rows, list) else []

        bars = klines(page, first, end + 60_000)
        history.marks[symbol] = kline_points([bar(row, symbol) for row in bars])


def bar(row: Any, symbol: str) -> tuple[int, int, int, int, int]:
    """Return ``(open time, open, high, low, close)`` of a kline row."""
    where = f"{symbol} markPriceKlines"
    if not isinstance(row, list) or len(row) < 5:
        raise PostmortemError(f"{where}: a row is not a kline: {str(row)[:60]}")
    prices = [raw_of(row[n], where) for n in (1, 2, 3, 4)]
    return int_of(row[0], where), prices[0], prices[1], prices[2], prices[3]
