"""An account's history from Binance's USDⓈ-M API, through binance-futures-connector.

Signed reads only (a read-only key is enough): ``forceOrders``, ``income``, ``userTrades`` per
symbol, ``leverageBracket``, ``positionRisk`` (v2: the leverage and margin type settings) and
``balance`` (the wallet now); ``markPriceKlines`` (1m) per symbol. Binance answers a time range
of at most 7 days per ``userTrades``/``forceOrders`` query and caps each page (1000 trades or
income rows, 100 forced orders, 1500 klines): :mod:`paging` walks the windows and halves a
window whose page came back full. The time is the server's (``/fapi/v1/time``), so a local
``liquidator serve`` on simulated time is read as it is.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

import requests
from binance.error import ClientError, Error, ServerError
from binance.um_futures import UMFutures

from liquidator.adapters.binance.fields import InputError
from liquidator.adapters.binance.leverage_brackets import parse_leverage_brackets
from liquidator.core.contracts.market import Market
from liquidator.postmortem.credentials import credentials
from liquidator.postmortem.paging import RETENTION_MS, klines, rows_in_windows
from liquidator.postmortem.public_marks import bar
from liquidator.postmortem.records import History, PostmortemError, kline_points
from liquidator.postmortem.rows import decimal_text, fill_of, forced_of, income_of, raw_of

BINANCE_USDM = "https://fapi.binance.com"


def api_history(args: argparse.Namespace, market: Market) -> tuple[History, Market]:
    """Return the account's history and the market with Binance's brackets for it."""
    base_url = (args.base_url or BINANCE_USDM).rstrip("/")
    key, secret = credentials(args.key_file)
    client = UMFutures(key=key, secret=secret, base_url=base_url, timeout=30)
    call = _caller(base_url)
    now = int(call(client.time)["serverTime"])
    end = args.end_ms if args.end_ms is not None else now
    start = min(args.start_ms, end - RETENTION_MS) if args.start_ms else end - RETENTION_MS
    history = History(f"Binance API {base_url}")
    forced = rows_in_windows(lambda **w: call(client.force_orders, **w), start, end, 100)
    history.forced = [forced_of(row) for row in forced]
    income = rows_in_windows(lambda **w: call(client.get_income_history, **w), start, now, 1000)
    history.income = [income_of(row) for row in income]
    symbols = _symbols(history, args.symbol)
    for symbol in symbols:

        def trades_page(symbol: str = symbol, **window: int) -> Any:
            return call(client.get_account_trades, symbol=symbol, **window)

        trades = rows_in_windows(trades_page, start, end, 1000)
        history.fills += [fill_of(row) for row in trades]
    _marks(history, call, client, symbols, now)
    _settings(history, call, client)
    history.end_ms = now
    brackets = call(client.leverage_brackets)
    return history, _with_brackets(market, brackets)


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
    history: History, call: Callable[..., Any], client: UMFutures, symbols: list[str], now: int
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


def _settings(history: History, call: Callable[..., Any], client: UMFutures) -> None:
    for row in call(client.sign_request, http_method="GET", url_path="/fapi/v2/positionRisk"):
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
