"""Public market history from the engine's events: trades, klines, mark klines, funding, 24h.

``trades``/``aggTrades`` come from ``TradeExecuted`` (book trades only; insurance-fund and ADL
transfers are kept apart, as Binance keeps them out of klines); 1-minute klines of the last
price, of the mark and of the index (``PricesUpdated``) are kept and aggregated on request
(``mark``: ``LAST``, ``MARK`` or ``INDEX``; a journal's index bars begin with the first history
write after this was added), and of the premium index (``PREMIUM``: one ``PremiumSampled`` per
sample, a raw 1e-8 rate, signed; a bar's ``trades`` counts its samples, as Binance's premium
index klines do); funding
settlements (``FundingSettled``) give ``/fapi/v1/fundingRate``.

Everything lives in a store beside the journal (:class:`MarketStore`). Memory holds the minute
being built per symbol and price, the bars changed since the last write, and the last 24 hours
of trade bars per symbol (the ticker's window, read from the store on first use).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from liquidator.core.exchange.events import (
    Event,
    FundingSettled,
    PremiumSampled,
    PricesUpdated,
    TradeExecuted,
)
from liquidator.core.money.fixed import SCALE

MINUTE_MS = 60_000
DAY_MS = 1440 * MINUTE_MS
INTERVALS_MS = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "2h": 120 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "6h": 360 * MINUTE_MS,
    "8h": 480 * MINUTE_MS,
    "12h": 720 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
    "3d": 3 * 1440 * MINUTE_MS,
    "1w": 7 * 1440 * MINUTE_MS,
}
BOOK = "MARKET"  # the kind of a book trade (TradeExecuted.kind)
# the price a bar follows (``mark`` in the store; a bool before)
LAST, MARK, INDEX, PREMIUM = 0, 1, 2, 3
PAGE = 1440  # 1-minute bars read from the store per query


@dataclass(slots=True)
class Bar:
    """One kline (raw prices; ``volume`` raw qty; ``quote`` 10**-16)."""

    open_ms: int
    open: int
    high: int
    low: int
    close: int
    volume: int = 0
    quote: int = 0
    trades: int = 0
    taker_buy_volume: int = 0
    taker_buy_quote: int = 0

    def add(self, price: int, quantity: int, taker_buys: bool) -> None:
        self.high, self.low, self.close = max(self.high, price), min(self.low, price), price
        self.volume += quantity
        self.quote += quantity * price
        self.trades += 1
        if taker_buys:
            self.taker_buy_volume += quantity
            self.taker_buy_quote += quantity * price

    def copy(self, open_ms: int) -> Bar:
        """Return a copy opening at ``open_ms`` (a bucket's first minute; never the original,
        which may be the minute being built)."""
        return Bar(
            open_ms,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.quote,
            self.trades,
            self.taker_buy_volume,
            self.taker_buy_quote,
        )

    def merge(self, other: Bar) -> None:
        self.high, self.low, self.close = (
            max(self.high, other.high),
            min(self.low, other.low),
            other.close,
        )
        self.volume += other.volume
        self.quote += other.quote
        self.trades += other.trades
        self.taker_buy_volume += other.taker_buy_volume
        self.taker_buy_quote += other.taker_buy_quote


class MarketStore(Protocol):
    """Where public trades, 1-minute bars and funding settlements are kept."""

    def trades(self, symbol: str, limit: int) -> list[TradeExecuted]:
        """Return the last ``limit`` book trades of ``symbol``, oldest first."""

    def minute_bars(
        self,
        symbol: str,
        mark: int,
        lo: int | None,
        hi: int | None,
        *,
        descending: bool,
        page: int,
    ) -> Iterator[Bar]:
        """Yield the written bars with ``lo <= open_ms < hi`` (either open), in time order."""

    def funding(
        self, symbol: str, start_ms: int | None, end_ms: int | None
    ) -> list[FundingSettled]:
        """Return ``symbol``'s settlements with a funding time in the range, oldest first."""


class MarketHistory:
    """Per symbol: trades, 1-minute bars of last, mark, index and premium, funding settlements."""

    def __init__(self, store: MarketStore, sync: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.sync = sync  # writes what is pending, so that the store answers for everything
        self.current: dict[tuple[str, int], Bar] = {}  # (symbol, kind) -> the minute being built
        self.changed: dict[tuple[str, int, int], Bar] = {}  # bars to write
        self.new_trades: list[TradeExecuted] = []  # every kind, to write
        self.new_funding: list[FundingSettled] = []  # to write
        self.windows: dict[str, deque[Bar]] = {}  # symbol -> trade bars of the last 24 hours

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if isinstance(event, TradeExecuted):
                self.new_trades.append(event)
                if event.kind == BOOK:
                    taker_buys = not event.buyer_is_maker
                    self._bar(
                        event.symbol, False, event.ts_ms, event.price, event.quantity, taker_buys
                    )
            elif isinstance(event, PricesUpdated):
                if event.mark_price:
                    self._bar(event.symbol, MARK, event.ts_ms, event.mark_price, 0, False)
                if event.index_price:
                    self._bar(event.symbol, INDEX, event.ts_ms, event.index_price, 0, False)
            elif isinstance(event, PremiumSampled):
                sampled = self._bar(
                    event.symbol, PREMIUM, event.ts_ms, event.premium_index, 0, False
                )
                sampled.trades += 1  # a premium bar counts its samples
            elif isinstance(event, FundingSettled):
                self.new_funding.append(event)

    def written(self) -> None:
        self.changed = {}
        self.new_trades = []
        self.new_funding = []

    def _bar(
        self, symbol: str, mark: int, ts_ms: int, price: int, quantity: int, taker_buys: bool
    ) -> Bar:
        """Add ``price`` (and a trade of ``quantity``) to its minute; return that minute."""
        start = ts_ms - ts_ms % MINUTE_MS
        bar = self._building(symbol, mark)
        if bar is None or bar.open_ms != start:  # times never go back: a new minute
            bar = self.current[(symbol, mark)] = Bar(start, price, price, price, price)
            if not mark and symbol in self.windows:
                _slide(self.windows[symbol], bar)
        if quantity:
            bar.add(price, quantity, taker_buys)
        else:
            bar.high, bar.low, bar.close = max(bar.high, price), min(bar.low, price), price
        self.changed[(symbol, mark, start)] = bar
        return bar

    def _building(self, symbol: str, mark: int) -> Bar | None:
        """Return the minute being built, read from the store the first time after a start."""
        bar = self.current.get((symbol, mark))
        if bar is None:
            bar = next(
                self.store.minute_bars(symbol, mark, None, None, descending=True, page=1), None
            )
            if bar is not None:
                self.current[(symbol, mark)] = bar
        return bar

    def klines(
        self,
        symbol: str,
        interval_ms: int,
        *,
        mark: int = False,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[Bar]:
        """Return bars of ``interval_ms`` built from the 1-minute ones, oldest first.

        Without ``start_ms`` the last ``limit`` bars up to ``end_ms``; with it, the first.
        """
        lo = None if start_ms is None else start_ms - start_ms % interval_ms
        hi = None if end_ms is None else end_ms - end_ms % interval_ms + interval_ms
        page = min(PAGE, limit * (interval_ms // MINUTE_MS) + 1)
        minutes = self._minutes(symbol, mark, lo, hi, descending=start_ms is None, page=page)
        if start_ms is None:
            return _latest_buckets(minutes, interval_ms, limit)
        return _first_buckets(minutes, interval_ms, limit)

    def _minutes(
        self,
        symbol: str,
        mark: int,
        lo: int | None,
        hi: int | None,
        *,
        descending: bool,
        page: int,
    ) -> Iterator[Bar]:
        """Yield the 1-minute bars in ``[lo, hi)``: written ones, then (or first) changed ones;
        each is the caller's own to change (a bar being built is copied, a stored one read anew)."""
        changed = sorted(
            (bar for (s, m, _), bar in self.changed.items() if s == symbol and m == mark),
            key=lambda bar: bar.open_ms,
        )
        # Bars change only while they are the newest: every written bar from the oldest
        # changed one on is an older copy of a changed one.
        top = (
            hi if not changed else changed[0].open_ms if hi is None else min(hi, changed[0].open_ms)
        )
        fresh = [
            b.copy(b.open_ms)
            for b in changed
            if (lo is None or b.open_ms >= lo) and (hi is None or b.open_ms < hi)
        ]
        stored = self.store.minute_bars(symbol, mark, lo, top, descending=descending, page=page)
        if descending:
            yield from reversed(fresh)
            yield from stored
        else:
            yield from stored
            yield from fresh

    def day(self, symbol: str, now_ms: int) -> Bar | None:
        """Return the rolling 24 hours as one bar (None without trades)."""
        bars = [bar for bar in self._window(symbol) if bar.open_ms > now_ms - DAY_MS]
        if not bars:
            return None
        total = Bar(bars[0].open_ms, bars[0].open, bars[0].high, bars[0].low, bars[0].close)
        for bar in bars:
            total.merge(bar)
        total.open = bars[0].open
        return total

    def _window(self, symbol: str) -> deque[Bar]:
        """Return the trade bars of the last 24 hours, read from the store on first use."""
        window = self.windows.get(symbol)
        if window is None:
            newest = self._building(symbol, False)
            lo = None if newest is None else newest.open_ms - DAY_MS + MINUTE_MS
            window = self.windows[symbol] = deque(
                bar if newest is None or bar.open_ms != newest.open_ms else newest
                for bar in self._minutes(symbol, False, lo, None, descending=False, page=PAGE)
            )
        return window

    def recent_trades(self, symbol: str, limit: int) -> list[TradeExecuted]:
        self.sync()
        return self.store.trades(symbol, limit)

    def funding(
        self, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[FundingSettled]:
        """Return ``symbol``'s funding settlements with a funding time in the range."""
        self.sync()
        return self.store.funding(symbol, start_ms, end_ms)


def _slide(window: deque[Bar], bar: Bar) -> None:
    """Append a new minute to a 24-hour window and drop the minutes it pushes out."""
    window.append(bar)
    while window[0].open_ms <= bar.open_ms - DAY_MS:
        window.popleft()


def _first_buckets(minutes: Iterable[Bar], interval_ms: int, limit: int) -> list[Bar]:
    """Merge ascending minutes into the first ``limit`` bars of ``interval_ms``."""
    rows: list[Bar] = []
    for minute in minutes:
        key = minute.open_ms - minute.open_ms % interval_ms
        if rows and rows[-1].open_ms == key:
            rows[-1].merge(minute)
        elif len(rows) == limit:
            break
        else:
            minute.open_ms = key  # the caller's own (``_minutes``): it becomes the bucket
            rows.append(minute)
    return rows


def _latest_buckets(minutes: Iterable[Bar], interval_ms: int, limit: int) -> list[Bar]:
    """Merge descending minutes into the last ``limit`` bars of ``interval_ms``, oldest first."""
    groups: list[list[Bar]] = []
    for minute in minutes:
        key = minute.open_ms - minute.open_ms % interval_ms
        if groups and groups[-1][0].open_ms - groups[-1][0].open_ms % interval_ms == key:
            groups[-1].append(minute)
        elif len(groups) == limit:
            break
        else:
            groups.append([minute])
        if len(groups) == limit and minute.open_ms == key:
            break  # the bucket's first minute: nothing older belongs to it
    return [_merged(group, interval_ms) for group in reversed(groups)]


def _merged(descending: list[Bar], interval_ms: int) -> Bar:
    """Merge one bucket's minutes (newest first, the caller's own: ``_minutes``) into the
    oldest, which becomes the bucket's bar."""
    bar = descending[-1]
    bar.open_ms -= bar.open_ms % interval_ms
    for minute in reversed(descending[:-1]):
        bar.merge(minute)
    return bar


def weighted_average(bar: Bar) -> int:
    return bar.quote // bar.volume if bar.volume else 0


QUOTE_SCALE = SCALE  # quote values (10**-16) / QUOTE_SCALE = raw amount
