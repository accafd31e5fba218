"""The story through ccxt 4.5.90 (binanceusdm, its API table replaced by the local server's)."""

from __future__ import annotations

from typing import Any

import ccxt
from story import BASE, admin, new_account, report

MARKET = "BTC/USDT:USDT"
key, secret = new_account("ccxt")
exchange = ccxt.binanceusdm(
    {
        "apiKey": key,
        "secret": secret,
        "options": {
            "fetchCurrencies": False,  # else sapi/v1/capital/config/getall
            "adjustForTimeDifference": True,
            "fetchOpenOrders": {"warnWithoutSymbol": False},
        },
    }
)
exchange.urls["api"] = {  # clients.md A.1: replace the table wholesale, fapi keys only
    "fapiPublic": BASE + "/fapi/v1",
    "fapiPublicV2": BASE + "/fapi/v2",
    "fapiPublicV3": BASE + "/fapi/v3",
    "fapiPrivate": BASE + "/fapi/v1",
    "fapiPrivateV2": BASE + "/fapi/v2",
    "fapiPrivateV3": BASE + "/fapi/v3",
    "fapiData": BASE + "/futures/data",
}
result: dict[str, Any] = {}
markets = exchange.load_markets()
result["symbols"] = sorted(markets)
result["leverage"] = exchange.set_leverage(20, MARKET)
result["margin_mode"] = exchange.set_margin_mode("isolated", MARKET)
opened = exchange.create_order(MARKET, "market", "buy", 0.05)
result["opened"] = {"status": opened["status"], "filled": opened["filled"]}
mark = exchange.fetch_mark_price(MARKET)["markPrice"]
algo = exchange.create_order(
    MARKET,
    "STOP_MARKET",
    "sell",
    0.05,
    None,
    {"stopPrice": round(mark * 0.98, 1), "reduceOnly": True},
)
result["algo"] = {"id": algo["id"], "type": algo["type"], "status": algo["status"]}
result["open_algo"] = [
    o["id"] for o in exchange.fetch_open_orders(MARKET, params={"trigger": True})
]
cancelled = exchange.cancel_order(algo["id"], MARKET, {"trigger": True})
result["algo_cancelled"] = cancelled["info"]
stop = exchange.fapiPrivatePostOrder(
    {
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "STOP_MARKET",
        "stopPrice": str(round(mark * 0.97, 1)),
        "closePosition": "true",
    }
)
result["stop"] = stop
result["stop_cancelled"] = exchange.cancel_order(str(stop["orderId"]), MARKET)["status"]
before = exchange.fetch_positions([MARKET])
result["position_before"] = [
    {"contracts": p["contracts"], "side": p["side"], "liquidationPrice": p["liquidationPrice"]}
    for p in before
]
result["crash"] = admin("/admin/crash", symbol="BTCUSDT", percent="-20")
liquidations = exchange.fetch_my_liquidations(MARKET)
result["liquidations"] = [
    {"contracts": x["contracts"], "price": x["price"], "side": x["side"]} for x in liquidations
]
result["positions"] = [p["contracts"] for p in exchange.fetch_positions([MARKET])]
balance = exchange.fetch_balance()
result["usdt"] = {"total": balance["USDT"]["total"], "free": balance["USDT"]["free"]}
result["ledger"] = sorted({entry["info"]["incomeType"] for entry in exchange.fetch_ledger()})
report(result)
