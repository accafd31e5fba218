"""The streams Binance sends on a clock, not on a change.

Every ``TICK_S`` the clock sends what is due: each depth speed's diff (100, 250, 500 ms),
``@markPrice`` every 3 s and ``@markPrice@1s`` every second (also with no price change),
``@ticker``/``@miniTicker`` every 500 ms, ``!ticker@arr``/``!miniTicker@arr`` every second, and
each kline's closing message (``"x": true``) once the venue's clock passes its interval. It runs
while anyone is connected and stops with the last connection.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from liquidator.api.streams import market_messages as payloads
from liquidator.core.pricing.updates import funding_rate
from liquidator.read.market_history import INTERVALS_MS

if TYPE_CHECKING:
    from liquidator.api.streams.hub import Hub

TICK_S = 0.025
DEPTH_SPEEDS_MS = (100, 250, 500)
MARK_PERIODS_MS = {1000: "@1s", 3000: ""}
TICKER_MS, ARRAY_TICKER_MS = 500, 1000


class StreamSchedule:
    """What each periodic stream sent last, and the loop that sends the next."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.last: dict[int | str, float] = {}
        self.kline_opens: dict[tuple[str, str], int] = {}

    async def run(self) -> None:
        while self.hub.subscribers:
            self.tick(time.monotonic() * 1000)
            await asyncio.sleep(TICK_S)

    def due(self, name: int | str, period_ms: int, now: float) -> bool:
        """Tell whether ``name``'s period has passed since it last sent (and restart it).

        The next due time is the last one plus the period, so the cadence does not drift by
        the tick's granularity; a clock more than a period late starts again from now.
        """
        last = self.last.get(name, 0.0)
        if now - last < period_ms:
            return False
        self.last[name] = last + period_ms if now - last < 2 * period_ms else now
        return True

    def tick(self, now: float) -> None:
        hub, live = self.hub, self.hub.server.live
        seq, now_ms = live.exchange.seq, live.now_ms()
        for speed in DEPTH_SPEEDS_MS:
            if self.due(speed, speed, now):
                hub.depth.tick(speed, seq, now_ms, hub.emit)
        for period, suffix in MARK_PERIODS_MS.items():
            if self.due(f"mark{suffix}", period, now):
                self.mark_prices(suffix, now_ms)
        if self.due("ticker", TICKER_MS, now):
            self.tickers(now_ms, array=False)
        if self.due("ticker@arr", ARRAY_TICKER_MS, now):
            self.tickers(now_ms, array=True)
        self.klines(now_ms)

    def mark_prices(self, suffix: str, now_ms: int) -> None:
        hub, venue = self.hub, self.hub.server.live.venue
        everyone = hub.listened(f"!markprice@arr{suffix}")
        rows = []
        for symbol, state in venue.symbols.items():
            key = f"{symbol.lower()}@markprice{suffix}"
            if everyone or hub.listened(key):
                row = payloads.mark_price(state, funding_rate(venue, state), now_ms)
                hub.emit(key, row)
                rows.append(row)
        if everyone:
            hub.emit(f"!markprice@arr{suffix}", rows)

    def tickers(self, now_ms: int, *, array: bool) -> None:
        hub, live = self.hub, self.hub.server.live
        for kind, build in (("ticker", payloads.ticker), ("miniticker", payloads.mini_ticker)):
            everyone = array and hub.listened(f"!{kind}@arr")
            rows = []
            for symbol, state in live.venue.symbols.items():
                key = f"{symbol.lower()}@{kind}"
                if everyone or (not array and hub.listened(key)):
                    day = live.market.day(symbol, now_ms)
                    row = build(state, day, hub.decimals(symbol), now_ms)
                    if array:
                        rows.append(row)
                    else:
                        hub.emit(key, row)
            if everyone:
                hub.emit(f"!{kind}@arr", rows)

    def klines(self, now_ms: int) -> None:
        """Close every listened kline whose interval the venue's clock has left."""
        hub = self.hub
        for symbol in hub.server.live.venue.symbols:
            lower = symbol.lower()
            for interval, ms in INTERVALS_MS.items():
                if not (
                    hub.listened(f"{lower}@kline_{interval}")
                    or hub.listened(f"{lower}_perpetual@continuouskline_{interval}")
                ):
                    self.kline_opens.pop((symbol, interval), None)
                    continue
                current = now_ms - now_ms % ms
                previous = self.kline_opens.get((symbol, interval))
                self.kline_opens[(symbol, interval)] = current
                if previous is not None and previous < current:
                    hub.market.send_kline(symbol, interval, ms, closed_open_ms=previous)
