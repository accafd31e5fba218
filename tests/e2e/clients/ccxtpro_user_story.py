"""The user data stream of an isolated 20x long through its liquidation, read two ways.

ccxt.pro's ``watch_my_liquidations`` (it takes every ORDER_TRADE_UPDATE with ``o=LIQUIDATION``)
and the raw messages on ``/ws/<listenKey>``: the ACCOUNT_UPDATE after the opening fill, the
MARGIN_CALL as the mark falls, the liquidation's ORDER_TRADE_UPDATEs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import ccxt.pro as ccxtpro
from story import BASE, WS, admin, new_account, report

MARKET = "BTC/USDT:USDT"


def exchange(key: str, secret: str) -> Any:
    client = ccxtpro.binanceusdm(
        {"apiKey": key, "secret": secret, "options": {"fetchCurrencies": False}}
    )
    client.urls["api"] = {
        "fapiPublic": BASE + "/fapi/v1",
        "fapiPublicV2": BASE + "/fapi/v2",
        "fapiPublicV3": BASE + "/fapi/v3",
        "fapiPrivate": BASE + "/fapi/v1",
        "fapiPrivateV2": BASE + "/fapi/v2",
        "fapiPrivateV3": BASE + "/fapi/v3",
        "fapiData": BASE + "/futures/data",
        "ws": {"linear": WS + "/ws"},
    }
    return client


async def listen(url: str, messages: list[dict[str, Any]], stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        while not stop.is_set():
            try:
                frame = await socket.receive(timeout=0.2)
            except TimeoutError:
                continue
            if frame.type == aiohttp.WSMsgType.TEXT:
                messages.append(json.loads(frame.data))


async def main() -> None:
    trader = exchange(*new_account("pro-liq"))
    result: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    forced: list[dict[str, Any]] = []
    stop = asyncio.Event()
    balance: asyncio.Task[Any] | None = None
    try:
        await trader.load_markets()
        await trader.set_margin_mode("isolated", MARKET)
        await trader.set_leverage(20, MARKET)
        listen_key = (await trader.fapiPrivatePostListenKey())["listenKey"]
        raw = asyncio.create_task(listen(f"{WS}/ws/{listen_key}", messages, stop))
        public = asyncio.create_task(listen(f"{WS}/ws/btcusdt@forceOrder", forced, stop))
        balance = asyncio.create_task(trader.watch_balance())  # ccxt's balance cache, as a bot has
        liquidations = asyncio.create_task(trader.watch_my_liquidations(MARKET))
        await asyncio.sleep(0.5)
        await trader.create_order(MARKET, "market", "buy", 0.05)
        await asyncio.sleep(0.5)
        account = await trader.fapiPrivateV2GetAccount()
        (usdt,) = [a for a in account["assets"] if a["asset"] == "USDT"]
        result["account"] = {k: usdt[k] for k in ("walletBalance", "crossWalletBalance")}
        (position,) = await trader.fetch_positions([MARKET])
        liquidation_price = position["liquidationPrice"]
        entry = position["entryPrice"]
        for fraction in (0.5, 0.97, 0.99):  # towards the liquidation price: the margin call
            mark = entry - (entry - liquidation_price) * fraction
            admin("/admin/price", symbol="BTCUSDT", mark=f"{mark:.1f}")
            await asyncio.sleep(0.2)
        admin("/admin/crash", symbol="BTCUSDT", percent="-20")
        done, _ = await asyncio.wait({liquidations}, timeout=10)
        found = liquidations.result() if done else []
        result["watched"] = [
            {"price": x["price"], "contracts": x["contracts"], "side": x["side"]} for x in found
        ]
        await asyncio.sleep(0.5)
        result["forced"] = await trader.fapiPrivateGetForceOrders({"symbol": "BTCUSDT"})
    finally:
        stop.set()
        if balance is not None:
            balance.cancel()
        await trader.close()
    await raw
    await public
    result["messages"] = messages
    result["force_order_stream"] = forced
    report(result)


if __name__ == "__main__":
    asyncio.run(main())
