"""Public market history from the engine's events: trades, klines, mark klines, funding, 24h.

``trades``/``aggTrades`` come from ``TradeExecuted`` (book trades only; insurance-fund and ADL
transfers are kept apart, as Binance keeps them out of klines); 1-minute klines of the last
price and of the mark (``PricesUpdated``) are kept and aggregated on request; funding
settlements (``FundingSettled``) give ``/fapi/v1/fundingRate``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from liquidator.core.events import Event, FundingSettled, PricesUpdated, TradeExecuted
from liquidator.core.fixed import SCALE

MINUTE_MS = 60_000
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
KEEP_TRADES = 10_000
KEEP_MINUTES = 60 * 24 * 30


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


class MarketHistory:
    """Per symbol: recent trades, 1-minute bars of last and mark price, funding settlements."""

    def __init__(self) -> None:
        self.trades: dict[str, deque[TradeExecuted]] = {}
        self.bars: dict[str, dict[int, Bar]] = {}
        self.mark_bars: dict[str, dict[int, Bar]] = {}
        self.funding: dict[str, list[FundingSettled]] = {}
        self.special: dict[str, deque[TradeExecuted]] = {}  # INSURANCE_FUND and ADL prints

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if isinstance(event, TradeExecuted):
                self._trade(event)
            elif isinstance(event, PricesUpdated) and event.mark_price:
                self._bar(self.mark_bars, event.symbol, event.ts_ms, event.mark_price, 0, False)
            elif isinstance(event, FundingSettled):
                self.funding.setdefault(event.symbol, []).append(event)

    def _trade(self, event: TradeExecuted) -> None:
        if event.kind != "MARKET":
            self.special.setdefault(event.symbol, deque(maxlen=KEEP_TRADES)).append(event)
            return
        self.trades.setdefault(event.symbol, deque(maxlen=KEEP_TRADES)).append(event)
        taker_buys = not event.buyer_is_maker
        self._bar(self.bars, event.symbol, event.ts_ms, event.price, event.quantity, taker_buys)

    @staticmethod
    def _bar(
        store: dict[str, dict[int, Bar]],
        symbol: str,
        ts_ms: int,
        price: int,
        quantity: int,
        taker_buys: bool,
    ) -> None:
        bars = store.setdefault(symbol, {})
        start = ts_ms - ts_ms % MINUTE_MS
        bar = bars.get(start)
        if bar is None:
            bar = bars[start] = Bar(start, price, price, price, price)
            if len(bars) > KEEP_MINUTES:
                del bars[next(iter(bars))]
        if quantity:
            bar.add(price, quantity, taker_buys)
        else:
            bar.high, bar.low, bar.close = max(bar.high, price), min(bar.low, price), price

    def klines(
        self,
        symbol: str,
        interval_ms: int,
        *,
        mark: bool = False,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[Bar]:
        """Return bars of ``interval_ms`` built from the 1-minute ones, oldest first."""
        source = (self.mark_bars if mark else self.bars).get(symbol, {})
        merged: dict[int, Bar] = {}
        for start, bar in source.items():
            key = start - start % interval_ms
            if (start_ms is not None and key + interval_ms <= start_ms) or (
                end_ms is not None and key > end_ms
            ):
                continue
            if key in merged:
                merged[key].merge(bar)
            else:
                merged[key] = Bar(
                    key,
                    bar.open,
                    bar.high,
                    bar.low,
                    bar.close,
                    bar.volume,
                    bar.quote,
                    bar.trades,
                    bar.taker_buy_volume,
                    bar.taker_buy_quote,
                )
        rows = [merged[key] for key in sorted(merged)]
        return rows[-limit:] if start_ms is None else rows[:limit]

    def day(self, symbol: str, now_ms: int) -> Bar | None:
        """Return the rolling 24 hours as one bar (None without trades)."""
        bars = [
            bar
            for start, bar in self.bars.get(symbol, {}).items()
            if start > now_ms - 1440 * MINUTE_MS
        ]
        if not bars:
            return None
        total = Bar(bars[0].open_ms, bars[0].open, bars[0].high, bars[0].low, bars[0].close)
        for bar in bars:
            total.merge(bar)
        total.open = bars[0].open
        return total

    def recent_trades(self, symbol: str, limit: int) -> list[TradeExecuted]:
        trades = self.trades.get(symbol, deque())
        return list(trades)[-limit:]


def weighted_average(bar: Bar) -> int:
    return bar.quote // bar.volume if bar.volume else 0


QUOTE_SCALE = SCALE  # quote values (10**-16) / QUOTE_SCALE = raw amount
