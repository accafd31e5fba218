"""The COIN-M story through python-binance 1.0.37: ``futures_coin_*`` calls on a Client whose
COIN-M URL is the local server's ``/dapi``, and the coin-futures user socket at the dstream base."""

from __future__ import annotations

import asyncio
from typing import Any

from binance import AsyncClient, BinanceSocketManager
from binance.client import Client
from story import BASE, COIN_SYMBOL, DSTREAM, admin, is_liquidation, new_coin_account, report

SYMBOL = COIN_SYMBOL


class LocalClient(Client):  # type: ignore[misc]  # clients.md A.1: the URLs are class attributes
    API_URL = BASE + "/api"
    FUTURES_COIN_URL = BASE + "/dapi"
    FUTURES_COIN_DATA_URL = BASE + "/futures/data"


class LocalAsync(AsyncClient):  # type: ignore[misc]
    API_URL = BASE + "/api"
    FUTURES_COIN_URL = BASE + "/dapi"


class LocalSockets(BinanceSocketManager):  # type: ignore[misc]
    DSTREAM_URL = DSTREAM + "/"


key, secret = new_coin_account("pybinancecoin")
client = LocalClient(key, secret)  # pings /api/v3/ping on the way in
result: dict[str, Any] = {}
info = client.futures_coin_exchange_info()
result["symbols"] = {s["symbol"]: s["contractSize"] for s in info["symbols"]}
result["time"] = client.futures_coin_time()["serverTime"]
result["book"] = client.futures_coin_order_book(symbol=SYMBOL, limit=5)
result["recent_trades"] = client.futures_coin_recent_trades(symbol=SYMBOL, limit=5)
result["klines"] = client.futures_coin_klines(symbol=SYMBOL, interval="1m", limit=5)
result["mark"] = client.futures_coin_mark_price(symbol=SYMBOL)
result["ticker"] = client.futures_coin_ticker(symbol=SYMBOL)
result["symbol_ticker"] = client.futures_coin_symbol_ticker(symbol=SYMBOL)
result["book_ticker"] = client.futures_coin_orderbook_ticker(symbol=SYMBOL)
result["funding"] = client.futures_coin_funding_rate(symbol=SYMBOL)
result["brackets"] = client.futures_coin_leverage_bracket(symbol=SYMBOL)
result["leverage"] = client.futures_coin_change_leverage(symbol=SYMBOL, leverage=20)
result["margin_type"] = client.futures_coin_change_margin_type(symbol=SYMBOL, marginType="ISOLATED")
bid = float(result["book"]["bids"][0][0])
resting = client.futures_coin_create_order(
    symbol=SYMBOL,
    side="BUY",
    type="LIMIT",
    timeInForce="GTC",
    quantity=5,
    price=f"{bid * 0.97:.1f}",
)
result["resting"] = resting
result["queried"] = client.futures_coin_get_order(symbol=SYMBOL, orderId=resting["orderId"])
result["open_orders"] = client.futures_coin_get_open_orders(symbol=SYMBOL)
result["cancelled"] = client.futures_coin_cancel_order(symbol=SYMBOL, orderId=resting["orderId"])
result["opened"] = client.futures_coin_create_order(
    symbol=SYMBOL, side="BUY", type="MARKET", quantity=100, newOrderRespType="RESULT"
)
result["all_orders"] = client.futures_coin_get_all_orders(symbol=SYMBOL)
result["trades"] = client.futures_coin_account_trades(symbol=SYMBOL)
result["open_interest"] = client.futures_coin_open_interest(symbol=SYMBOL)
result["position_before"] = client.futures_coin_position_information(symbol=SYMBOL)
result["account_before"] = client.futures_coin_account()


async def watch_liquidation() -> list[dict[str, Any]]:
    """The coin-futures user socket (``/dapi/ws/<listenKey>``) while the price crashes."""
    async_client = LocalAsync(key, secret)
    messages: list[dict[str, Any]] = []
    try:
        async with LocalSockets(async_client).coin_futures_user_socket() as stream:
            loop = asyncio.get_running_loop()
            crash = loop.run_in_executor(
                None, lambda: admin("/admin/crash", symbol=SYMBOL, percent="-20")
            )
            while not any(is_liquidation(m) for m in messages):
                messages.append(await asyncio.wait_for(stream.recv(), 10))
            await crash
    finally:
        await async_client.close_connection()
    return messages


result["messages"] = asyncio.run(watch_liquidation())
result["force_orders"] = client.futures_coin_liquidation_orders(
    symbol=SYMBOL, autoCloseType="LIQUIDATION"
)
result["positions"] = client.futures_coin_position_information(symbol=SYMBOL)
result["balance"] = client.futures_coin_account_balance()
result["income"] = client.futures_coin_income_history(symbol=SYMBOL)
report(result)
