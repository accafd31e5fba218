"""The market streams sent after each command: trades, klines, the book ticker, forced orders.

What each message holds is written in ``market_streams``; this decides when it is sent and to
which stream keys (a message no one listens to is not built).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liquidator.api.streams import market_messages as payloads
from liquidator.core.exchange.events import Event, PositionLiquidated, TradeExecuted
from liquidator.core.money.fixed import parse_raw
from liquidator.read.force_orders import force_order_event
from liquidator.read.market_history import INTERVALS_MS, Bar

if TYPE_CHECKING:
    from liquidator.api.streams.hub import Hub


class MarketPublisher:
    """One hub's market messages (the hub knows who listens)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.tops: dict[str, tuple[int, ...]] = {}  # the last top of book sent per symbol

    def on_event(self, event: Event) -> None:
        if isinstance(event, TradeExecuted):
            self._trade(event)
        elif isinstance(event, PositionLiquidated):
            order = self.hub.server.live.orders.order(event.account, event.order_id)
            executed, cum = (
                (order.executed, order.cum_quote) if order else (event.filled, event.cum_quote)
            )
            message = force_order_event(event, executed, cum)
            self._with_precision(event.symbol, message["o"])  # type: ignore[arg-type]
            self.hub.emit(f"{event.symbol.lower()}@forceorder", message)
            self.hub.emit("!forceorder@arr", message)

    def _with_precision(self, symbol: str, order: dict[str, Any]) -> None:
        """Rewrite a forceOrder's prices and quantities with the symbol's decimals."""
        decimals = self.hub.decimals(symbol)
        for name in ("p", "ap"):
            order[name] = decimals.price(parse_raw(order[name]))
        for name in ("q", "l", "z"):
            order[name] = decimals.quantity(parse_raw(order[name]))

    def _trade(self, event: TradeExecuted) -> None:
        lower = event.symbol.lower()
        decimals = self.hub.decimals(event.symbol)
        if self.hub.listened(f"{lower}@trade"):
            self.hub.emit(f"{lower}@trade", payloads.trade(event, decimals))
        if event.kind == "MARKET" and self.hub.listened(f"{lower}@aggtrade"):
            self.hub.emit(f"{lower}@aggtrade", payloads.agg_trade(event, decimals))
        for interval, ms in INTERVALS_MS.items():
            self.send_kline(event.symbol, interval, ms, closed_open_ms=None)

    def send_kline(
        self, symbol: str, interval: str, ms: int, *, closed_open_ms: int | None
    ) -> None:
        """Send the open candle of ``interval`` (or, given its open time, the one that closed)."""
        lower = symbol.lower()
        plain, continuous = (
            f"{lower}@kline_{interval}",
            f"{lower}_perpetual@continuouskline_{interval}",
        )
        if not (self.hub.listened(plain) or self.hub.listened(continuous)):
            return
        live = self.hub.server.live
        now = live.now_ms()
        if closed_open_ms is None:
            bars = live.market.klines(symbol, ms, limit=1)
        else:
            bars = live.market.klines(symbol, ms, start_ms=closed_open_ms, end_ms=closed_open_ms)
        state = live.venue.symbols[symbol]
        if bars and (closed_open_ms is None or bars[-1].open_ms == closed_open_ms):
            bar = bars[-1]
        elif closed_open_ms is not None:
            last = state.last_price or state.mark_price
            bar = Bar(closed_open_ms, last, last, last, last)
        else:
            return
        body = payloads.kline_body(
            bar,
            interval,
            ms,
            self.hub.decimals(symbol),
            closed=closed_open_ms is not None,
            last_id=state.trade_id,
        )
        self.hub.emit(plain, payloads.kline(symbol, body, now))
        self.hub.emit(continuous, payloads.continuous_kline(symbol, body, now))

    def book_ticker(self, symbol: str, seq: int, now: int) -> None:
        lower = symbol.lower()
        if not (self.hub.listened(f"{lower}@bookticker") or self.hub.listened("!bookticker")):
            return
        book = self.hub.server.live.venue.symbols[symbol].book
        top = (*book.bids.depth(1), *book.asks.depth(1))
        flat = tuple(v for level in top for v in level)
        if self.tops.get(symbol) == flat:
            return
        self.tops[symbol] = flat
        state = self.hub.server.live.venue.symbols[symbol]
        ticker = payloads.book_ticker(state, self.hub.decimals(symbol), seq, now)
        self.hub.emit(f"{lower}@bookticker", ticker)
        self.hub.emit("!bookticker", ticker)
