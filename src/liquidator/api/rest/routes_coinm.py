"""Binance COIN-M (``/dapi``): the USDⓈ-M routes served again for the inverse contracts.

Routes are data: each COIN-M route is a USDⓈ-M route (same handler, security, weight and
parameters) at its ``/dapi`` path and in the COIN-M family (``routing.Family``), so its symbols
are the inverse contracts only and a linear symbol is an invalid one (-1121), as on Binance's
other host. Where COIN-M's JSON differs the route names a reshaper (orders carry ``cumBase``
and ``pair``, trades ``baseQty``), and the few endpoints with a shape of their own
(exchangeInfo, positionRisk, account, balance, leverageBracket) have handlers here, reading the
account's figures from the one read model (``read.account_figures`` through ``coinm_views``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from liquidator.api import coinm_views
from liquidator.api.rest import routes_account, routes_market, routes_trade
from liquidator.api.rest.routes_market import OPTIONAL_SYMBOL, family_states, optional_states
from liquidator.api.rest.routing import Call, Handler, Param, Route, Security
from liquidator.core.exchange.account_state import AccountState

Reshape = Callable[[Call, Any], Any]
USDM_ROUTES = (*routes_market.ROUTES, *routes_trade.ROUTES, *routes_account.ROUTES)


def _instrument_of(call: Call, symbol: str) -> Any:
    return call.server.live.venue.symbols[symbol].instrument


def orders(call: Call, result: Any) -> Any:
    """Order bodies (one, a list, or a batch with errors among them) as COIN-M writes them."""
    if isinstance(result, list):
        return [orders(call, item) for item in result]
    if isinstance(result, dict) and "cumQuote" in result:
        return coinm_views.order_json(result, _instrument_of(call, result["symbol"]))
    return result


def trades(call: Call, result: Any) -> Any:
    return [coinm_views.user_trade(row, _instrument_of(call, row["symbol"])) for row in result]


def open_interest(call: Call, result: Any) -> Any:
    """``openInterest`` with COIN-M's ``pair`` and ``contractType``."""
    instrument = _instrument_of(call, result["symbol"])
    return result | {"pair": coinm_views.pair(instrument), "contractType": "PERPETUAL"}


def rows_with_pair(call: Call, result: Any, name: str = "pair") -> list[Any]:
    """Rows with COIN-M's ``pair``, always a list: COIN-M's tickers and premium index answer
    a list even for one symbol (they may be asked by pair)."""
    rows = result if isinstance(result, list) else [result]
    return [row | {name: coinm_views.pair(_instrument_of(call, row["symbol"]))} for row in rows]


def ticker_24hr(call: Call, result: Any) -> Any:
    """24-hour tickers in COIN-M's shape: ``volume`` in contracts, no ``quoteVolume`` (a sum of
    contracts x price means nothing for an inverse contract). COIN-M's ``baseVolume`` (the coin
    traded) is not sent: the bars keep ``qty x price``, not each trade's coin value."""
    return [
        {k: v for k, v in row.items() if k != "quoteVolume"} for row in rows_with_pair(call, result)
    ]


def ticker_price(call: Call, result: Any) -> Any:
    """``ticker/price`` rows: COIN-M names the pair ``ps``."""
    return rows_with_pair(call, result, "ps")


def leverage(call: Call, result: Any) -> Any:  # noqa: ARG001
    """``POST leverage``: COIN-M answers the largest quantity (coin) allowed, ``maxQty``."""
    body = {k: v for k, v in result.items() if k != "maxNotionalValue"}
    return body | {"maxQty": result["maxNotionalValue"]}


def family_rows(call: Call, result: Any) -> Any:
    """Rows of the family's symbols only (income without a symbol: by the family's assets)."""
    states = family_states(call)
    symbols = {s.instrument.symbol for s in states}
    assets = {s.instrument.margin_asset for s in states}
    return [
        row
        for row in result
        if row.get("symbol") in symbols or (not row.get("symbol") and row.get("asset") in assets)
    ]


def _forced(call: Call, result: Any) -> Any:
    return orders(call, family_rows(call, result))


SHARED: tuple[tuple[str, str, Reshape | None], ...] = (
    ("GET", "/fapi/v1/ping", None),
    ("GET", "/fapi/v1/time", None),
    ("GET", "/fapi/v1/depth", None),
    ("GET", "/fapi/v1/trades", None),
    ("GET", "/fapi/v1/historicalTrades", None),
    ("GET", "/fapi/v1/aggTrades", None),
    ("GET", "/fapi/v1/klines", None),
    ("GET", "/fapi/v1/markPriceKlines", None),
    ("GET", "/fapi/v1/indexPriceKlines", None),  # by pair: BTCUSD, its perpetual's index
    ("GET", "/fapi/v1/continuousKlines", None),
    ("GET", "/fapi/v1/premiumIndexKlines", None),  # by symbol: BTCUSD_PERP
    ("GET", "/fapi/v1/ticker/24hr", ticker_24hr),
    ("GET", "/fapi/v1/ticker/price", ticker_price),
    ("GET", "/fapi/v1/ticker/bookTicker", rows_with_pair),
    ("GET", "/fapi/v1/premiumIndex", rows_with_pair),
    ("GET", "/fapi/v1/fundingRate", None),
    ("GET", "/fapi/v1/fundingInfo", None),
    ("GET", "/fapi/v1/openInterest", open_interest),
    ("POST", "/fapi/v1/order", orders),
    ("PUT", "/fapi/v1/order", orders),
    ("GET", "/fapi/v1/order", orders),
    ("DELETE", "/fapi/v1/order", orders),
    ("POST", "/fapi/v1/batchOrders", orders),
    ("PUT", "/fapi/v1/batchOrders", orders),
    ("DELETE", "/fapi/v1/batchOrders", orders),
    ("POST", "/fapi/v1/algoOrder", None),
    ("GET", "/fapi/v1/algoOrder", None),
    ("DELETE", "/fapi/v1/algoOrder", None),
    ("GET", "/fapi/v1/openAlgoOrders", None),
    ("DELETE", "/fapi/v1/algoOpenOrders", None),
    ("DELETE", "/fapi/v1/allOpenOrders", None),
    ("POST", "/fapi/v1/countdownCancelAll", None),
    ("GET", "/fapi/v1/openOrders", orders),
    ("GET", "/fapi/v1/openOrder", orders),
    ("GET", "/fapi/v1/allOrders", orders),
    ("GET", "/fapi/v1/userTrades", trades),
    ("GET", "/fapi/v1/income", family_rows),
    ("GET", "/fapi/v1/forceOrders", _forced),
    ("GET", "/fapi/v1/adlQuantile", family_rows),
    ("GET", "/fapi/v1/commissionRate", None),
    ("POST", "/fapi/v1/leverage", leverage),
    ("POST", "/fapi/v1/marginType", None),
    ("POST", "/fapi/v1/positionSide/dual", None),
    ("GET", "/fapi/v1/positionSide/dual", None),
    ("POST", "/fapi/v1/positionMargin", None),
    ("GET", "/fapi/v1/positionMargin/history", None),  # no deltaType, limit 50 by default
    ("POST", "/fapi/v1/listenKey", None),
    ("PUT", "/fapi/v1/listenKey", None),
    ("DELETE", "/fapi/v1/listenKey", None),
)


def _reshaped(handler: Handler, reshape: Reshape) -> Handler:
    def serve(call: Call) -> Any:
        return reshape(call, handler(call))

    return serve


def coinm(route: Route, reshape: Reshape | None = None) -> Route:
    """``route`` at its ``/dapi`` path, for the inverse contracts, its answer reshaped."""
    handler = route.handler if reshape is None else _reshaped(route.handler, reshape)
    path = route.path.replace("/fapi/", "/dapi/", 1)
    return replace(route, path=path, handler=handler)


def shared_routes() -> tuple[Route, ...]:
    by_key = {(r.method, r.path): r for r in USDM_ROUTES}
    return tuple(coinm(by_key[(method, path)], reshape) for method, path, reshape in SHARED)


# --- COIN-M's own shapes ----------------------------------------------------------------------


def _account(call: Call) -> AccountState:
    return call.server.live.venue.accounts[call.account]


def exchange_info(call: Call) -> dict[str, Any]:
    limit = call.server.limiter.limit
    return coinm_views.exchange_info(family_states(call), call.now_ms, limit)


def _named_states(call: Call) -> list[Any]:
    return optional_states(call) or family_states(call)


def position_risk(call: Call) -> list[dict[str, Any]]:
    """Every contract's positions, or those of a ``symbol``, a ``pair`` or a ``marginAsset``."""
    pair, asset = call.params.text("pair"), call.params.text("marginAsset")
    states = [
        s
        for s in _named_states(call)
        if pair in (None, coinm_views.pair(s.instrument))
        and asset in (None, s.instrument.margin_asset)
    ]
    return coinm_views.position_rows(call.server.live, _account(call), states)


def account(call: Call) -> dict[str, Any]:
    return coinm_views.account_json(call.server.live, _account(call), family_states(call))


def balance(call: Call) -> list[dict[str, Any]]:
    return coinm_views.balances(call.server.live, _account(call), family_states(call))


def brackets_by_symbol(call: Call) -> list[dict[str, Any]]:
    """``/dapi/v2/leverageBracket``: per symbol, floors and caps in the coin."""
    return [coinm_views.brackets(s, "symbol") for s in _named_states(call)]


def brackets_by_pair(call: Call) -> list[dict[str, Any]]:
    """``/dapi/v1/leverageBracket``: per pair (``pair=BTCUSD``), floors and caps in the coin."""
    wanted = call.params.text("pair")
    states = [
        s
        for s in family_states(call)
        if wanted is None or coinm_views.pair(s.instrument) == wanted.upper()
    ]
    return [coinm_views.brackets(s, "pair") for s in states]


SIGNED = Security.SIGNED
OWN = (
    Route("GET", "/dapi/v1/exchangeInfo", exchange_info),
    Route(
        "GET",
        "/dapi/v1/positionRisk",
        position_risk,
        SIGNED,
        1,
        (OPTIONAL_SYMBOL, Param("pair"), Param("marginAsset")),
    ),
    Route("GET", "/dapi/v1/account", account, SIGNED, 5),
    Route("GET", "/dapi/v1/balance", balance, SIGNED, 1),
    Route(
        "GET",
        "/dapi/v2/leverageBracket",
        brackets_by_symbol,
        SIGNED,
        1,
        (OPTIONAL_SYMBOL,),
    ),
    Route(
        "GET",
        "/dapi/v1/leverageBracket",
        brackets_by_pair,
        SIGNED,
        1,
        (Param("pair"),),
    ),
)
ROUTES = (*shared_routes(), *OWN)
