"""Public quotes beside the book: bookTicker, openInterest, historicalTrades, continuous, index
and premium index klines, fundingInfo.

Open interest is the venue's own: the sum of every long position (system accounts included),
read from the engine's position holders at request time, which equals the sum of the shorts.
``historicalTrades`` pages (``fromId``) within the trades the market history keeps in memory
(the last 1,000 of a symbol). ``premiumIndexKlines`` are the engine's own premium samples
(``PremiumSampled``, every ``sample_interval_ms`` with a book deep enough on both sides for the
impact notional): open, high, low and close of the rate with 8 decimals, and the number of
samples where Binance writes it (12 in a 1-minute candle sampled every 5 s); a minute without a
sample has no candle.
"""

from __future__ import annotations

from typing import Any

from liquidator.api import precision
from liquidator.api.errors import BinanceError, invalid
from liquidator.api.rest.routes_market import (
    INTERVAL,
    LIMIT,
    OPTIONAL_SYMBOL,
    RANGE,
    SYMBOL,
    family_states,
    kline_bars,
    kline_rows,
    limit,
    optional_states,
    symbol_state,
)
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.core.exchange.venue import SymbolState
from liquidator.read.market_history import INDEX, LAST, PREMIUM, Bar

RECENT = 1000
RATE_PLACES = 8  # a premium index rate, as Binance writes it


def book_ticker(call: Call) -> Any:
    states = optional_states(call)
    rows = [_best(call, s) for s in states or family_states(call)]
    return rows[0] if states else rows


def _best(call: Call, state: SymbolState) -> dict[str, Any]:
    symbol = state.instrument.symbol
    bid = next(iter(state.book.bids.depth(1)), (0, 0))
    ask = next(iter(state.book.asks.depth(1)), (0, 0))
    return {
        "symbol": symbol,
        "bidPrice": precision.price(symbol, bid[0]),
        "bidQty": precision.quantity(symbol, bid[1]),
        "askPrice": precision.price(symbol, ask[0]),
        "askQty": precision.quantity(symbol, ask[1]),
        "time": call.now_ms,
        "lastUpdateId": call.server.live.exchange.seq,
    }


def open_interest_of(state: SymbolState) -> int:
    """Every long position's quantity, summed (raw)."""
    return sum(quantity for quantity in state.holders.values() if quantity > 0)


def open_interest(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    symbol = state.instrument.symbol
    return {
        "openInterest": precision.quantity(symbol, open_interest_of(state)),
        "symbol": symbol,
        "time": call.now_ms,
    }


def historical_trades(call: Call) -> list[dict[str, Any]]:
    state = symbol_state(call)
    size = limit(call, 500, 500)
    symbol = state.instrument.symbol
    recent = call.server.live.market.recent_trades(symbol, RECENT)
    from_id = call.params.integer("fromId")
    chosen = (
        [t for t in recent if t.trade_id >= from_id][:size]
        if from_id is not None
        else recent[-size:]
    )
    return [
        {
            "id": t.trade_id,
            "price": precision.price(symbol, t.price),
            "qty": precision.quantity(symbol, t.quantity),
            "quoteQty": precision.fixed(
                t.price * t.quantity // 10**8, sum(precision.symbol_places(symbol))
            ),
            "time": t.ts_ms,
            "isBuyerMaker": t.buyer_is_maker,
        }
        for t in chosen
    ]


def continuous_klines(call: Call) -> list[list[Any]]:
    """The perpetual's klines (the only contract type this venue lists)."""
    kind = call.params.need("contractType")
    if kind not in ("PERPETUAL", "CURRENT_QUARTER", "NEXT_QUARTER"):
        raise invalid("contractType")
    if kind != "PERPETUAL":
        raise BinanceError(-1121, "Invalid symbol.")
    return kline_rows(call, "pair", kind=LAST)


def funding_info(call: Call) -> list[dict[str, Any]]:
    """Each perpetual's funding cap, floor and interval: the venue's funding configuration."""
    funding = call.server.live.venue.config.funding
    return [
        {
            "symbol": symbol,
            "adjustedFundingRateCap": precision.fixed(funding.cap_raw, 8),
            "adjustedFundingRateFloor": precision.fixed(funding.floor_raw, 8),
            "fundingIntervalHours": funding.interval_ms // 3_600_000,
            "disclaimer": False,
        }
        for state in family_states(call)
        for symbol in (state.instrument.symbol,)
    ]


def index_price_klines(call: Call) -> list[list[Any]]:
    """The index's klines, from the 1-minute bars the venue records of every index move."""
    return kline_rows(call, "pair", kind=INDEX)


def premium_index_klines(call: Call) -> list[list[Any]]:
    """The premium index's klines, bounded as ``klines`` are (``routes_market.kline_bars``)."""
    _, interval, bars = kline_bars(call, kind=PREMIUM)
    return [premium_row(bar, interval) for bar in bars]


def premium_row(bar: Bar, interval_ms: int) -> list[Any]:
    """A premium index kline as Binance writes it: rates with 8 decimals, the sample count."""
    rates = [precision.fixed(raw, RATE_PLACES) for raw in (bar.open, bar.high, bar.low, bar.close)]
    return [
        bar.open_ms,
        *rates,
        "0",
        bar.open_ms + interval_ms - 1,
        "0",
        bar.trades,
        "0",
        "0",
        "0",
    ]


PAIR = Param("pair", required=True)
CONTRACT = Param("contractType", required=True, enum=("PERPETUAL",))
ROUTES = (
    Route("GET", "/fapi/v1/ticker/bookTicker", book_ticker, weight=2, params=(OPTIONAL_SYMBOL,)),
    Route("GET", "/fapi/v1/openInterest", open_interest, weight=1, params=(SYMBOL,)),
    Route(
        "GET",
        "/fapi/v1/historicalTrades",
        historical_trades,
        Security.USER_STREAM,
        20,
        (SYMBOL, LIMIT, Param("fromId", "integer")),
    ),
    Route(
        "GET",
        "/fapi/v1/continuousKlines",
        continuous_klines,
        weight=2,
        params=(PAIR, CONTRACT, INTERVAL, LIMIT, *RANGE),
    ),
    Route("GET", "/fapi/v1/fundingInfo", funding_info),
    Route(
        "GET",
        "/fapi/v1/indexPriceKlines",
        index_price_klines,
        weight=2,
        params=(PAIR, INTERVAL, LIMIT, *RANGE),
    ),
    Route(
        "GET",
        "/fapi/v1/premiumIndexKlines",
        premium_index_klines,
        weight=2,
        params=(SYMBOL, INTERVAL, LIMIT, *RANGE),
    ),
)
