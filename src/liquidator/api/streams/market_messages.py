"""The market streams' messages as Binance writes them, built from events and live state.

Prices and quantities carry the symbol's precision (``decimals``), mark, index and funding
figures 8 decimals (``"28155.10000000"``), as in Binance's captures (``../shared/data``).
"""

from __future__ import annotations

from typing import Any

from liquidator.api.precision import fixed, mark
from liquidator.api.streams.decimals import SymbolDecimals
from liquidator.api.views import d16
from liquidator.core.exchange.events import TradeExecuted
from liquidator.core.exchange.venue import SymbolState
from liquidator.read.market_history import Bar


def trade(event: TradeExecuted, decimals: SymbolDecimals) -> dict[str, Any]:
    return {
        "e": "trade",
        "E": event.ts_ms,
        "T": event.ts_ms,
        "s": event.symbol,
        "t": event.trade_id,
        "p": decimals.price(event.price),
        "q": decimals.quantity(event.quantity),
        "X": event.kind,
        "m": event.buyer_is_maker,
    }


def agg_trade(event: TradeExecuted, decimals: SymbolDecimals) -> dict[str, Any]:
    return {
        "e": "aggTrade",
        "E": event.ts_ms,
        "s": event.symbol,
        "a": event.trade_id,
        "p": decimals.price(event.price),
        "q": decimals.quantity(event.quantity),
        "f": event.trade_id,
        "l": event.trade_id,
        "T": event.ts_ms,
        "m": event.buyer_is_maker,
    }


def book_ticker(state: SymbolState, decimals: SymbolDecimals, u: int, now: int) -> dict[str, Any]:
    bids, asks = state.book.bids.depth(1), state.book.asks.depth(1)
    bid, bid_qty = bids[0] if bids else (0, 0)
    ask, ask_qty = asks[0] if asks else (0, 0)
    return {
        "e": "bookTicker",
        "u": u,
        "s": state.instrument.symbol,
        "b": decimals.price(bid),
        "B": decimals.quantity(bid_qty),
        "a": decimals.price(ask),
        "A": decimals.quantity(ask_qty),
        "T": now,
        "E": now,
    }


def mark_price(state: SymbolState, funding_rate: int, now: int) -> dict[str, Any]:
    return {
        "e": "markPriceUpdate",
        "E": now,
        "s": state.instrument.symbol,
        "p": mark(state.mark_price),
        "P": mark(state.mark_price),
        "i": mark(state.index_price),
        "r": mark(funding_rate),
        "T": state.next_funding_ms,
    }


def mini_ticker(
    state: SymbolState, day: Bar | None, decimals: SymbolDecimals, now: int
) -> dict[str, Any]:
    """``24hrMiniTicker``: the rolling 24 hours (the last price alone without trades)."""
    last = state.last_price or state.mark_price
    bar = day or Bar(now, last, last, last, last)
    return {
        "e": "24hrMiniTicker",
        "E": now,
        "s": state.instrument.symbol,
        "c": decimals.price(last),
        "o": decimals.price(bar.open),
        "h": decimals.price(bar.high),
        "l": decimals.price(bar.low),
        "v": decimals.quantity(bar.volume),
        "q": fixed(bar.quote // 10**8, 2),
    }


def ticker(
    state: SymbolState, day: Bar | None, decimals: SymbolDecimals, now: int
) -> dict[str, Any]:
    """``24hrTicker``: the mini ticker's figures with the change, average and window."""
    mini = mini_ticker(state, day, decimals, now)
    last = state.last_price or state.mark_price
    bar = day or Bar(now, last, last, last, last)
    change = last - bar.open
    average = bar.quote // bar.volume if bar.volume else last
    return {
        "e": "24hrTicker",
        "E": now,
        "s": mini["s"],
        "p": decimals.price(change),
        "P": f"{change * 100 / bar.open:.3f}" if bar.open else "0.000",
        "w": decimals.price(average),
        "c": mini["c"],
        "Q": decimals.quantity(0),
        "o": mini["o"],
        "h": mini["h"],
        "l": mini["l"],
        "v": mini["v"],
        "q": mini["q"],
        "O": bar.open_ms if day else now - 86_400_000,
        "C": now,
        "F": max(state.trade_id - bar.trades + 1, 0) if day else 0,
        "L": state.trade_id if day else 0,
        "n": bar.trades,
    }


def kline_body(
    bar: Bar, interval: str, ms: int, decimals: SymbolDecimals, *, closed: bool, last_id: int
) -> dict[str, Any]:
    """The ``k`` object of a kline (``x`` true on the message closing its interval)."""
    return {
        "t": bar.open_ms,
        "T": bar.open_ms + ms - 1,
        "i": interval,
        "f": last_id - bar.trades + 1 if bar.trades else -1,
        "L": last_id if bar.trades else -1,
        "o": decimals.price(bar.open),
        "c": decimals.price(bar.close),
        "h": decimals.price(bar.high),
        "l": decimals.price(bar.low),
        "v": decimals.quantity(bar.volume),
        "n": bar.trades,
        "x": closed,
        "q": d16(bar.quote),
        "V": decimals.quantity(bar.taker_buy_volume),
        "Q": d16(bar.taker_buy_quote),
        "B": "0",
    }


def kline(symbol: str, body: dict[str, Any], now: int) -> dict[str, Any]:
    return {
        "e": "kline",
        "E": now,
        "s": symbol,
        "k": {"t": body["t"], "T": body["T"], "s": symbol} | body,
    }


def continuous_kline(pair: str, body: dict[str, Any], now: int) -> dict[str, Any]:
    return {"e": "continuous_kline", "E": now, "ps": pair, "ct": "PERPETUAL", "k": body}
