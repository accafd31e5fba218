"""Price feeds a replay runs on, from Binance's files and websocket captures.

* klines (1 minute): each bar along its no-look-ahead path (``core/pricing/kline_path``), four
  points a minute;
* ``trades`` / ``aggTrades`` files and the trades of a capture: one-second bars of the market
  trades (Binance's ``X`` = INSURANCE_FUND and ADL prints are not market prices and are left
  out), each second along the same path over 1,000 ms, repeated prices dropped: second
  resolution;
* a capture's ``markPriceUpdate`` (every second): the mark and the index, and the funding rate
  it announces (set when it changes);
* ``markPriceKlines`` / ``indexPriceKlines`` files: a mark or index path (kline layout);
* a capture's ``depthUpdate`` diffs: its book, one frame a second (``simulation/captured_book``),
  the liquidity of a replay with ``--liquidity book``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from liquidator.adapters.input_files import printable
from liquidator.adapters.marketdata.capture import (
    DepthSnapshot,
    DepthUpdate,
    MarkPrice,
    Trade,
    read_capture,
)
from liquidator.adapters.marketdata.klines import Kline, read_klines
from liquidator.adapters.marketdata.trades_file import read_trades
from liquidator.core.pricing.kline_path import kline_path
from liquidator.simulation.captured_book import MAX_LEVELS, BookFrame, FrameRecorder

Tick = tuple[int, str, int]  # (ms, symbol, price raw)
#: A replay's default walk along a kline's path: one mark a second (15,000: the path's 4 points).
STEP_MS = 1_000


@dataclass(slots=True)
class Feed:
    """Everything a replay takes from its files: last-price paths, mark and index paths,
    funding rates, captured books, each in time order."""

    symbols: list[str] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    marks: list[Tick] = field(default_factory=list)
    indexes: list[Tick] = field(default_factory=list)
    funding: list[tuple[int, str, int]] = field(default_factory=list)
    # (symbol, ((ms, open interest raw), ...)): open-interest paths the population follows
    open_interest: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()
    books: list[BookFrame] = field(default_factory=list)  # a capture's book, second by second
    book_gaps: int = 0  # depth diffs that did not follow the one before (``pu`` != ``u``)

    def add(self, other: Feed) -> None:
        """Take ``other``'s prices too (several symbols replayed together)."""
        self.symbols = sorted({*self.symbols, *other.symbols})
        for mine, theirs in (
            (self.ticks, other.ticks),
            (self.marks, other.marks),
            (self.indexes, other.indexes),
        ):
            mine.extend(theirs)
            mine.sort(key=lambda tick: (tick[0], tick[1]))
        self.funding = sorted([*self.funding, *other.funding])
        self.books.extend(other.books)
        self.book_gaps += other.book_gaps
        self.books.sort(key=lambda frame: (frame.ms, frame.symbol))


def kline_ticks(bars: Iterable[Kline], symbol: str, step_ms: int = 15_000) -> list[Tick]:
    """Return the ticks of 1-minute klines along each bar's path.

    ``step_ms`` under 15,000 walks each of the path's three legs (open to high or low, to the
    other, to the close) in straight steps of ``step_ms``, prices floored to the raw unit: the
    mark then crosses a liquidation price on its way instead of jumping 15 s at once. The walk
    stays inside the bar (from the close it holds until the next bar): no look-ahead.
    """
    ticks: list[Tick] = []
    for bar in bars:
        prices = (bar.open, bar.high, bar.low, bar.close)
        path = kline_path(bar.open_ms, 60_000, prices)
        for (start, low), (end, high) in itertools.pairwise(path):
            ticks += ((ms, symbol, price) for ms, price in _walk(start, low, end, high, step_ms))
        ticks.append((path[-1][0], symbol, path[-1][1]))
    return ticks


def _walk(start: int, first: int, end: int, last: int, step_ms: int) -> Iterable[tuple[int, int]]:
    """Yield ``(ms, price)`` from ``start`` (inclusive) toward ``end`` (exclusive), straight."""
    span = end - start
    for ms in range(start, end, max(1, min(step_ms, span))):
        yield ms, first + (last - first) * (ms - start) // span


def trade_ticks(trades: Iterable[Trade]) -> list[Tick]:
    """Return one-second bars of the market trades, each along its path (second resolution).

    A trade older than its symbol's current second (captures arrive a little out of order) is
    folded into the current second: the feed never goes back in time.
    """
    bars: dict[str, list[int]] = {}  # symbol -> [second ms, open, high, low, close]
    ticks: list[Tick] = []
    for trade in trades:
        if trade.kind != "MARKET":
            continue
        second, price = trade.ts_ms - trade.ts_ms % 1_000, trade.price
        bar = bars.get(trade.symbol)
        if bar is None or second > bar[0]:
            if bar is not None:
                ticks += _second_ticks(trade.symbol, bar)
            bars[trade.symbol] = [second, price, price, price, price]
            continue
        bar[2], bar[3], bar[4] = max(bar[2], price), min(bar[3], price), price
    for symbol, bar in bars.items():
        ticks += _second_ticks(symbol, bar)
    ticks.sort(key=lambda tick: (tick[0], tick[1]))
    return ticks


def _second_ticks(symbol: str, bar: list[int]) -> list[Tick]:
    second, open_, high, low, close = bar
    ticks: list[Tick] = []
    for ms, price in kline_path(second, 1_000, (open_, high, low, close)):
        if not ticks or ticks[-1][2] != price:
            ticks.append((ms, symbol, price))
    return ticks


def kline_feed(path: Path, symbol: str, step_ms: int = STEP_MS) -> Feed:
    return Feed([symbol], kline_ticks(read_klines(path), symbol, step_ms))


def trades_feed(path: Path, symbol: str) -> Feed:
    return Feed([symbol], trade_ticks(read_trades(path, symbol)))


def capture_feed(path: Path, book_levels: int = MAX_LEVELS, warmups: Sequence[Path] = ()) -> Feed:
    """Return a capture's trades (one-second bars), marks, indexes, funding rates and book
    (its ``book_levels`` best levels a side each second, warmed by the depth of the earlier
    captures ``warmups``; 0: the book is not read)."""
    trades: list[Trade] = []
    feed = Feed()
    rates: dict[str, int] = {}
    recorder = FrameRecorder(book_levels) if book_levels else None
    if recorder is not None:
        for warmup in warmups:
            recorder.warm(read_capture(warmup), printable(warmup.name), printable(path.name))
    for message in read_capture(path):
        if isinstance(message, DepthUpdate | DepthSnapshot):
            if recorder is not None:
                recorder.add(message)
        elif isinstance(message, Trade):
            trades.append(message)
        elif isinstance(message, MarkPrice):
            _take_mark(feed, rates, message)
    feed.ticks = trade_ticks(trades)
    if recorder is not None:
        feed.books, feed.book_gaps = recorder.finish(), recorder.gaps
    feed.symbols = sorted({s for _, s, _ in feed.ticks} | {s for _, s, _ in feed.marks})
    for series in (feed.marks, feed.indexes, feed.funding):
        series.sort(key=lambda item: (item[0], item[1]))
    return feed


def _take_mark(feed: Feed, rates: dict[str, int], message: MarkPrice) -> None:
    """Add a ``markPriceUpdate``'s mark, index, and funding rate when it changed."""
    symbol = message.symbol
    feed.marks.append((message.ts_ms, symbol, message.mark))
    if message.index > 0:
        feed.indexes.append((message.ts_ms, symbol, message.index))
    if rates.get(symbol) != message.funding_rate:
        rates[symbol] = message.funding_rate
        feed.funding.append((message.ts_ms, symbol, message.funding_rate))


def path_of(path: Path, symbol: str, step_ms: int = STEP_MS) -> list[Tick]:
    """Return a ``markPriceKlines`` or ``indexPriceKlines`` file's path for ``symbol``."""
    return kline_ticks(read_klines(path), symbol, step_ms)
