"""An account's history from Binance's USDⓈ-M or COIN-M API, through binance-futures-connector
(``UMFutures``, or ``CMFutures`` with ``--market coinm``: the same calls at ``/dapi``).

Signed reads only (a read-only key is enough): ``forceOrders``, ``income``, ``userTrades`` per
symbol, ``leverageBracket``, ``positionRisk`` (v2: the leverage and margin type settings) and
``balance`` (the wallet now); ``markPriceKlines`` (1m) per symbol. Binance answers a time range
of at most 7 days per ``userTrades``/``forceOrders`` query and caps each page (1000 trades or
income rows, 100 forced orders, 1500 klines): :mod:`paging` walks the windows and halves a
window whose page came back full. The time is the server's (``/fapi/v1/time``), so a local
``liquidator serve`` on simulated time is read as it is. COIN-M's positionRisk is
``/dapi/v1/positionRisk``, its per-symbol brackets ``/dapi/v2/leverageBracket``; its amounts
are in the coin, its quantities in contracts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

import requests
from binance.api import API
from binance.error import ClientError, Error, ServerError

from liquidator.adapters.binance.client import BINANCE_COINM, BINANCE_USDM, library_client
from liquidator.adapters.binance.fields import InputError
from liquidator.adapters.binance.leverage_brackets import parse_leverage_brackets
from liquidator.core.contracts.market import Market
from liquidator.postmortem.credentials import credentials
from liquidator.postmortem.paging import RETENTION_MS, klines, rows_in_windows
from liquidator.postmortem.public_marks import bar
from liquidator.postmortem.records import History, PostmortemError, kline_points
from liquidator.postmortem.rows import decimal_text, fill_of, forced_of, income_of, raw_of

PATHS = {  # (positionRisk, leverageBracket) of each family
    "usdm": ("/fapi/v2/positionRisk", "/fapi/v1/leverageBracket"),
    "coinm": ("/dapi/v1/positionRisk", "/dapi/v2/leverageBracket"),
}


def api_history(args: argparse.Namespace, market: Market) -> tuple[History, Market]:
    """Return the account's history and the market with Binance's brackets for it."""
    family = getattr(args, "market", "usdm")
    default = BINANCE_COINM if family == "coinm" else BINANCE_USDM
    base_url = (args.base_url or default).rstrip("/")
    key, secret = credentials(args.key_file)
    client = library_client(family, base_url, key, secret, 30)
    position_risk, brackets_path = PATHS[family]
    call = _caller(base_url)
    now = int(call(client.time)["serverTime"])
    end = args.end_ms if args.end_ms is not None else now
    start = min(args.start_ms, end - RETENTION_MS) if args.start_ms else end - RETENTION_MS
    history = History(f"Binance API {base_url}")
    forced = rows_in_windows(lambda **w: call(client.force_orders, **w), start, end, 100)
    mine = _family_filter(market, family)
    history.forced = [order for order in map(forced_of, forced) if mine(order.symbol)]
    income = rows_in_windows(lambda **w: call(client.get_income_history, **w), start, now, 1000)
    history.income = [row for row in map(income_of, income) if mine(row.symbol)]
    symbols = _symbols(history, args.symbol)
    for symbol in symbols:

        def trades_page(symbol: str = symbol, **window: int) -> Any:
            return call(client.get_account_trades, symbol=symbol, **window)

        trades = rows_in_windows(trades_page, start, end, 1000)
        history.fills += [fill_of(row) for row in trades]
    _marks(history, call, client, symbols, now)
    history.asset = _margin_asset(history, market, family)
    _settings(history, call, client, position_risk)
    history.end_ms = now
    brackets = call(client.sign_request, http_method="GET", url_path=brackets_path)
    return history, _with_brackets(market, brackets)


def _family_filter(market: Market, family: str) -> Callable[[str], bool]:
    """Return a test that keeps the rows of this family's symbols: Binance's ``/fapi`` and
    ``/dapi`` each answer their own, and a row of a contract the market knows as the other
    family's (an inverse one on ``/fapi``) is not this account's story here."""
    inverse = family == "coinm"

    def mine(symbol: str) -> bool:
        instrument = market.instrument(symbol) if symbol else None
        return instrument is None or instrument.is_inverse == inverse

    return mine


def _margin_asset(history: History, market: Market, family: str) -> str:
    """Return the margin asset of the forced orders' symbols (USDT when the market cannot say
    or they differ; COIN-M's is the coin of its contracts)."""
    assets = set()
    for order in history.forced:
        instrument = market.instrument(order.symbol)
        if instrument is not None:
            assets.add(instrument.margin_asset)
    if len(assets) == 1:
        return assets.pop()
    return "BTC" if family == "coinm" and not assets else history.asset


def _caller(base_url: str) -> Callable[..., Any]:
    """Return a function that calls the client and turns its failures into one line."""

    def call(method: Callable[..., Any], **params: Any) -> Any:
        try:
            return method(**params)
        except ClientError as error:
            raise PostmortemError(
                f"{base_url}: {error.error_message} (code {error.error_code}, "
                f"HTTP {error.status_code})"
            ) from None
        except ServerError as error:
            raise PostmortemError(f"{base_url}: server error HTTP {error.status_code}") from None
        except (Error, requests.RequestException, ValueError) as error:
            raise PostmortemError(f"{base_url}: {type(error).__name__}: {error}") from None

    return call


def _symbols(history: History, only: str | None) -> list[str]:
    names = {o.symbol for o in history.forced} | {i.symbol for i in history.income if i.symbol}
    if only is not None:
        names.add(only)
    return sorted(names)


def _marks(
    history: History, call: Callable[..., Any], client: API, symbols: list[str], now: int
) -> None:
    for symbol in symbols:
        times = [f.time_ms for f in history.fills if f.symbol == symbol]
        if not times:
            continue
        first = min(times) - 60_000

        def page(start: int, symbol: str = symbol) -> list[Any]:
            rows = call(
                client.mark_price_klines, symbol=symbol, interval="1m", startTime=start, limit=1500
            )
            return list(rows)

        bars = klines(page, first, now)
        history.marks[symbol] = kline_points([bar(row, symbol) for row in bars])


def _settings(history: History, call: Callable[..., Any], client: API, path: str) -> None:
    for row in call(client.sign_request, http_method="GET", url_path=path):
        if isinstance(row, Mapping) and "symbol" in row:
            symbol = str(row["symbol"])
            if str(row.get("leverage", "")).isdigit():
                history.leverage[symbol] = int(row["leverage"])
            if row.get("marginType") in ("isolated", "cross"):
                history.margin_types[symbol] = str(row["marginType"])
    for row in call(client.balance):
        if isinstance(row, Mapping) and row.get("asset") == history.asset:
            history.wallet_now = raw_of(row.get("balance"), "balance.balance")


def _with_brackets(market: Market, document: Any) -> Market:
    def margin_asset_of(symbol: str) -> str | None:
        instrument = market.instrument(symbol)
        return instrument.margin_asset if instrument else None

    try:
        return market.with_brackets(
            parse_leverage_brackets(decimal_text(document), margin_asset_of, "leverageBracket")
        )
    except (InputError, ValueError) as error:
        raise PostmortemError(f"leverageBracket: {error}") from None
