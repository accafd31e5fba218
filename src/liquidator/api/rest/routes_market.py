"""Public market data: ping, time, exchangeInfo, depth, trades, klines, tickers, funding."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from liquidator.api import precision, views
from liquidator.api.errors import BAD_SYMBOL, BinanceError, invalid
from liquidator.api.rest.routing import Call, Family, Param, Route, Security
from liquidator.api.views import d16
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.exchange.venue import SymbolState
from liquidator.read.adl_risk import symbol_adl_risk
from liquidator.read.insurance_funds import insurance_balance as insurance_fund_balance
from liquidator.read.market_history import INTERVALS_MS, LAST, MARK, Bar, weighted_average

SYMBOL = Param("symbol", required=True)
OPTIONAL_SYMBOL = Param("symbol")
LIMIT = Param("limit", "integer")
INTERVAL = Param("interval", required=True, enum=tuple(INTERVALS_MS))
RANGE = (Param("startTime", "integer"), Param("endTime", "integer"))


def symbol_state(call: Call, name: str = "symbol") -> SymbolState:
    """The symbol the request names, one of its family's (``/fapi``: linear, ``/dapi``:
    inverse); any other is an invalid symbol, as on Binance's other host."""
    symbol = call.params.need(name).upper()
    venue = call.server.live.venue
    state = venue.symbols.get(symbol)
    if state is None and name == "pair" and call.family is Family.COINM:
        state = venue.symbols.get(f"{symbol}_PERP")  # a COIN-M pair's perpetual: BTCUSD_PERP
    if state is None or not call.family.lists(state.instrument):
        raise BinanceError(BAD_SYMBOL, "Invalid symbol.")
    return state


def family_states(call: Call) -> list[SymbolState]:
    """Every symbol of the request's family, sorted."""
    return [
        state
        for _, state in sorted(call.server.live.venue.symbols.items())
        if call.family.lists(state.instrument)
    ]


def optional_states(call: Call) -> list[SymbolState] | None:
    """The symbol asked for, or None for all of them."""
    if "symbol" in call.params:
        return [symbol_state(call)]
    return None


def limit(call: Call, default: int, maximum: int) -> int:
    value = call.params.integer("limit", default=default)
    assert value is not None
    if not 1 <= value <= maximum:
        raise invalid("limit")
    return value


def ping(call: Call) -> dict[str, Any]:  # noqa: ARG001
    return {}


def server_time(call: Call) -> dict[str, Any]:
    return {"serverTime": call.now_ms}


def exchange_info(call: Call) -> dict[str, Any]:
    return views.exchange_info(family_states(call), call.now_ms, call.server.limiter.limit)


def depth(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    size = limit(call, 500, 1000)
    book = state.book
    symbol = state.instrument.symbol
    return {
        "lastUpdateId": call.server.live.exchange.seq,
        "E": call.now_ms,
        "T": call.now_ms,
        "bids": [level(symbol, p, q) for p, q in book.bids.depth(size)],
        "asks": [level(symbol, p, q) for p, q in book.asks.depth(size)],
    }


def level(symbol: str, price: int, quantity: int) -> list[str]:
    """A book level ``[price, quantity]`` with the symbol's precisions."""
    return [precision.price(symbol, price), precision.quantity(symbol, quantity)]


def trades(call: Call) -> list[dict[str, Any]]:
    state = symbol_state(call)
    size = limit(call, 500, 1000)
    symbol = state.instrument.symbol
    return [
        {
            "id": t.trade_id,
            "price": precision.price(symbol, t.price),
            "qty": precision.quantity(symbol, t.quantity),
            "quoteQty": d16(t.price * t.quantity),
            "time": t.ts_ms,
            "isBuyerMaker": t.buyer_is_maker,
        }
        for t in call.server.live.market.recent_trades(state.instrument.symbol, size)
    ]


def agg_trades(call: Call) -> list[dict[str, Any]]:
    state = symbol_state(call)
    size = limit(call, 500, 1000)
    symbol = state.instrument.symbol
    return [
        {
            "a": t.trade_id,
            "p": precision.price(symbol, t.price),
            "q": precision.quantity(symbol, t.quantity),
            "f": t.trade_id,
            "l": t.trade_id,
            "T": t.ts_ms,
            "m": t.buyer_is_maker,
        }
        for t in call.server.live.market.recent_trades(state.instrument.symbol, size)
    ]


#: Closed candles as Binance writes them, per server: a closed candle never changes, and
#: writing 1,500 of them (``limit=1500``, what bots ask at start) was most of the request.
_FORMATTED: WeakKeyDictionary[LiveExchange, dict[tuple[str, int, int, int], list[Any]]] = (
    WeakKeyDictionary()
)
MAX_FORMATTED = 50_000  # rows kept per server (about 1 KB each); all dropped when passed


def kline_bars(
    call: Call, symbol_param: str = "symbol", *, kind: int
) -> tuple[str, int, list[Bar]]:
    """The symbol, interval and bars a klines request asks for, bounded as Binance bounds them:
    only candles opening at or after ``startTime`` and at or before ``endTime`` (a
    ``startTime`` inside a candle starts at the next one)."""
    state = symbol_state(call, symbol_param)
    interval = INTERVALS_MS.get(call.params.need("interval"))
    if interval is None:
        raise BinanceError(-1120, "Invalid interval.")
    size = limit(call, 500, 1500)
    start = call.params.integer("startTime")
    if start is not None and start % interval:
        start += interval - start % interval  # the first candle opening at or after it
    end = call.params.integer("endTime")
    symbol = state.instrument.symbol
    if start is not None and end is not None and end < start:
        return symbol, interval, []
    market = call.server.live.market
    bars = market.klines(symbol, interval, mark=kind, start_ms=start, end_ms=end, limit=size)
    return symbol, interval, bars


def kline_rows(call: Call, symbol_param: str = "symbol", *, kind: int) -> list[list[Any]]:
    """Klines (``kline_bars``) as Binance writes them; a closed candle's row is kept."""
    symbol, interval, bars = kline_bars(call, symbol_param, kind=kind)
    live = call.server.live
    rows = _FORMATTED.setdefault(live, {})
    if len(rows) > MAX_FORMATTED:
        rows.clear()
    now = live.now_ms()
    found = []
    for bar in bars:
        key = (symbol, interval, kind, bar.open_ms)
        row = rows.get(key)
        if row is None:
            row = views.kline_row(bar, interval, symbol, mark=kind != LAST)
            if bar.open_ms + interval <= now:  # closed: it never changes again
                rows[key] = row
        found.append(row)
    return found


def klines(call: Call) -> list[list[Any]]:
    return kline_rows(call, kind=LAST)


def mark_price_klines(call: Call) -> list[list[Any]]:
    return kline_rows(call, kind=MARK)


def ticker_24hr(call: Call) -> Any:
    states = optional_states(call)
    rows = [_ticker(call, s) for s in states or family_states(call)]
    return rows[0] if states else rows


def _ticker(call: Call, state: SymbolState) -> dict[str, Any]:
    symbol = state.instrument.symbol
    market = call.server.live.market
    day = market.day(symbol, call.now_ms)
    last = state.last_price or state.mark_price
    latest = market.recent_trades(symbol, 1)
    open_price = day.open if day else last
    change = last - open_price
    percent = f"{change * 100 / open_price:.3f}" if open_price else "0.000"
    price = precision.price
    return {
        "symbol": symbol,
        "priceChange": price(symbol, change),
        "priceChangePercent": percent,
        "weightedAvgPrice": price(symbol, weighted_average(day) if day else last),
        "lastPrice": price(symbol, last),
        "lastQty": precision.quantity(symbol, latest[-1].quantity if latest else 0),
        "openPrice": price(symbol, open_price),
        "highPrice": price(symbol, day.high if day else last),
        "lowPrice": price(symbol, day.low if day else last),
        "volume": precision.quantity(symbol, day.volume if day else 0),
        "quoteVolume": d16(day.quote if day else 0),
        "openTime": day.open_ms if day else call.now_ms,
        "closeTime": call.now_ms,
        "firstId": 0,
        "lastId": state.trade_id,
        "count": day.trades if day else 0,
    }


def ticker_price(call: Call) -> Any:
    states = optional_states(call)
    rows = [
        {
            "symbol": s.instrument.symbol,
            "price": precision.price(s.instrument.symbol, s.last_price or s.mark_price),
            "time": call.now_ms,
        }
        for s in states or family_states(call)
    ]
    return rows[0] if states else rows


def premium_index(call: Call) -> Any:
    states = optional_states(call)
    rows = [views.premium_index(call.server.live, s) for s in states or family_states(call)]
    return rows[0] if states else rows


def funding_rate(call: Call) -> list[dict[str, Any]]:
    states = optional_states(call) or family_states(call)
    size = limit(call, 100, 1000)
    start, end = call.params.integer("startTime"), call.params.integer("endTime")
    rows: list[dict[str, Any]] = [
        {
            "symbol": item.symbol,
            "fundingRate": precision.mark(item.funding_rate),
            "fundingTime": item.funding_ms,
            "markPrice": precision.mark(item.mark_price),
        }
        for state in states
        for item in call.server.live.market.funding(state.instrument.symbol, start, end)
    ]
    rows.sort(key=lambda row: int(row["fundingTime"]))
    return rows[:size] if start is not None else rows[-size:]


def leverage_bracket(call: Call) -> Any:
    states = optional_states(call)
    rows = [_brackets(s) for s in states or family_states(call)]
    return rows[0] if states else rows


def _brackets(state: SymbolState) -> dict[str, Any]:
    return {
        "symbol": state.instrument.symbol,
        "notionalCoef": 1.0,
        "brackets": [
            {
                "bracket": b.number,
                "initialLeverage": b.initial_leverage,
                "notionalCap": int(b.cap.raw // 10**8),
                "notionalFloor": int(b.floor.raw // 10**8),
                "maintMarginRatio": float(b.maintenance_margin_rate.to_decimal()),
                "cum": float(b.maintenance_amount.to_decimal()),
            }
            for b in state.table.brackets
        ],
    }


def insurance_balance(call: Call) -> Any:
    groups = insurance_fund_balance(call.server.live.venue, call.now_ms)
    states = optional_states(call)
    if states:
        symbol = states[0].instrument.symbol
        return next(g for g in groups if symbol in g["symbols"])  # type: ignore[operator]
    return groups


def adl_risk(call: Call) -> Any:
    """``symbolAdlRisk``: one symbol's rating, or every symbol's (``read/adl_risk.py``)."""
    states = optional_states(call)
    venue = call.server.live.venue
    rows = [symbol_adl_risk(venue, s, call.now_ms) for s in states or family_states(call)]
    return rows[0] if states else rows


ROUTES = (
    Route("GET", "/fapi/v1/ping", ping),
    Route("GET", "/fapi/v1/time", server_time),
    Route("GET", "/api/v3/ping", ping),
    Route("GET", "/api/v3/time", server_time),
    Route("GET", "/fapi/v1/exchangeInfo", exchange_info),
    Route("GET", "/fapi/v1/depth", depth, weight=5, params=(SYMBOL, LIMIT)),
    Route("GET", "/fapi/v1/trades", trades, weight=5, params=(SYMBOL, LIMIT)),
    Route("GET", "/fapi/v1/aggTrades", agg_trades, weight=20, params=(SYMBOL, LIMIT, *RANGE)),
    Route("GET", "/fapi/v1/klines", klines, weight=2, params=(SYMBOL, INTERVAL, LIMIT, *RANGE)),
    Route(
        "GET",
        "/fapi/v1/markPriceKlines",
        mark_price_klines,
        weight=2,
        params=(SYMBOL, INTERVAL, LIMIT, *RANGE),
    ),
    Route("GET", "/fapi/v1/ticker/24hr", ticker_24hr, weight=1, params=(OPTIONAL_SYMBOL,)),
    Route("GET", "/fapi/v1/ticker/price", ticker_price, weight=1, params=(OPTIONAL_SYMBOL,)),
    Route("GET", "/fapi/v2/ticker/price", ticker_price, weight=1, params=(OPTIONAL_SYMBOL,)),
    Route("GET", "/fapi/v1/premiumIndex", premium_index, weight=1, params=(OPTIONAL_SYMBOL,)),
    Route(
        "GET",
        "/fapi/v1/fundingRate",
        funding_rate,
        weight=1,
        params=(OPTIONAL_SYMBOL, LIMIT, *RANGE),
    ),
    Route(
        "GET",
        "/fapi/v1/leverageBracket",
        leverage_bracket,
        security=Security.SIGNED,
        params=(OPTIONAL_SYMBOL,),
    ),
    Route("GET", "/fapi/v1/insuranceBalance", insurance_balance, params=(OPTIONAL_SYMBOL,)),
    Route("GET", "/fapi/v1/symbolAdlRisk", adl_risk, params=(OPTIONAL_SYMBOL,)),
)
