"""The COIN-M story through ccxt 4.5.90 (binancecoinm, its API table the local server's;
ccxt.pro for the user stream at the dstream base)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import ccxt
import ccxt.pro
from story import BASE, COIN_SYMBOL, DSTREAM, admin, new_coin_account, report

MARKET = "BTC/USD:BTC"
URLS = {  # clients.md A.1: the table replaced wholesale, dapi keys only (and sapi: currencies)
    "dapiPublic": BASE + "/dapi/v1",
    "dapiPrivate": BASE + "/dapi/v1",
    "dapiPrivateV2": BASE + "/dapi/v2",
    "dapiData": BASE + "/futures/data",
    "sapi": BASE + "/sapi/v1",
}
key, secret = new_coin_account("ccxtcoin")
exchange = ccxt.binancecoinm({"apiKey": key, "secret": secret})
exchange.urls["api"] = dict(URLS)
result: dict[str, Any] = {}
markets = exchange.load_markets()  # default options: currencies (sapi) too
result["symbols"] = sorted(markets)
market = markets[MARKET]
result["market"] = {
    "inverse": market["inverse"],
    "contractSize": market["contractSize"],
    "settle": market["settle"],
    "precision": market["precision"],
    "limits_amount_min": market["limits"]["amount"]["min"],
}
result["time"] = exchange.fetch_time()
result["ticker"] = exchange.fetch_ticker(MARKET)["last"]
book = exchange.fetch_order_book(MARKET, 5)
result["book"] = {"bid": book["bids"][0][0], "ask": book["asks"][0][0]}
result["mark"] = exchange.fetch_mark_price(MARKET)["markPrice"]
result["funding"] = exchange.fetch_funding_rate(MARKET)["fundingRate"]
result["ohlcv"] = len(exchange.fetch_ohlcv(MARKET, "1m", limit=5))
result["tiers"] = [
    (t["minNotional"], t["maxNotional"], t["maintenanceMarginRate"])
    for t in exchange.fetch_leverage_tiers([MARKET])[MARKET][:2]
]
result["leverage"] = exchange.set_leverage(20, MARKET)
result["margin_mode"] = exchange.set_margin_mode("isolated", MARKET)
below = round(book["bids"][0][0] * 0.97, 1)
resting = exchange.create_order(MARKET, "limit", "buy", 5, below)
result["resting"] = {"status": resting["status"], "amount": resting["amount"]}
result["open_orders"] = [o["id"] for o in exchange.fetch_open_orders(MARKET)]
result["resting_id"] = resting["id"]
result["cancelled"] = exchange.cancel_order(resting["id"], MARKET)["status"]
opened = exchange.create_order(MARKET, "market", "buy", 100)
result["opened"] = {"status": opened["status"], "filled": opened["filled"]}
result["trades"] = [
    {"amount": t["amount"], "price": t["price"], "fee": t["fee"]["currency"]}
    for t in exchange.fetch_my_trades(MARKET)
]
result["position_before"] = [
    {k: p[k] for k in ("contracts", "side", "liquidationPrice", "entryPrice", "notional")}
    | {"info": p["info"]}
    for p in exchange.fetch_positions([MARKET])
]
result["balance_before"] = exchange.fetch_balance()["BTC"]
result["open_interest_history"] = [
    (x["openInterestAmount"], x["openInterestValue"])
    for x in exchange.fetch_open_interest_history(MARKET, "5m")
]


async def watch_liquidation() -> list[dict[str, Any]]:
    """Watch the user stream (ccxt.pro, the dstream base) while the price crashes."""
    pro = ccxt.pro.binancecoinm({"apiKey": key, "secret": secret})
    pro.urls["api"] = dict(URLS, ws={"inverse": DSTREAM + "/ws"})
    await pro.load_markets()
    with contextlib.suppress(TimeoutError):  # the first call opens the stream, then waits
        await asyncio.wait_for(asyncio.shield(pro.watch_orders(MARKET)), 2)
    crash = asyncio.get_running_loop().run_in_executor(
        None, lambda: admin("/admin/crash", symbol=COIN_SYMBOL, percent="-20")
    )
    seen: list[dict[str, Any]] = []
    try:
        for _ in range(10):
            orders = await asyncio.wait_for(pro.watch_orders(MARKET), 10)
            seen += [o["info"] for o in orders]
            if any(o.get("o") == "LIQUIDATION" for o in seen):
                break
    finally:
        await crash
        await pro.close()
    return seen


result["ws_orders"] = asyncio.run(watch_liquidation())
result["liquidations"] = [
    {"contracts": x["contracts"], "price": x["price"], "side": x["side"]}
    for x in exchange.fetch_my_liquidations(MARKET)
]
result["positions"] = [p["contracts"] for p in exchange.fetch_positions([MARKET])]
result["btc"] = exchange.fetch_balance()["BTC"]
result["ledger"] = sorted({e["info"]["incomeType"] for e in exchange.fetch_ledger("BTC")})
report(result)
