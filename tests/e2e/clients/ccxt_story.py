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
default = ccxt.binanceusdm({"apiKey": key, "secret": secret})  # default options: currencies too
default.urls["api"] = dict(exchange.urls["api"], sapi=BASE + "/sapi/v1")
result["currencies"] = sorted(default.load_markets() and default.currencies)
result["leverage"] = exchange.set_leverage(20, MARKET)
result["margin_mode"] = exchange.set_margin_mode("isolated", MARKET)
result["fetched_leverage"] = exchange.fetch_leverage(MARKET)["longLeverage"]
result["fetched_margin_mode"] = exchange.fetch_margin_mode(MARKET)["marginMode"]
fee = exchange.fetch_trading_fee(MARKET)
result["fee"] = {"maker": fee["maker"], "taker": fee["taker"]}
book = exchange.fetch_bids_asks([MARKET])[MARKET]
result["bids_asks"] = {"bid": book["bid"], "ask": book["ask"]}
below = round(book["bid"] * 0.97, 1)
batch = exchange.create_orders(
    [
        {"symbol": MARKET, "type": "limit", "side": "buy", "amount": 0.01, "price": below},
        {"symbol": MARKET, "type": "limit", "side": "buy", "amount": 0.01, "price": below - 10},
    ]
)
result["batch"] = [{"status": o["status"], "price": o["price"]} for o in batch]
edited = exchange.edit_order(batch[0]["id"], MARKET, "limit", "buy", 0.02, below - 5)
result["edited"] = {"price": edited["price"], "amount": edited["amount"], "id": edited["id"]}
cancelled_all = exchange.cancel_orders([edited["id"], batch[1]["id"]], MARKET)
result["batch_cancelled"] = [o["status"] for o in cancelled_all]
opened = exchange.create_order(MARKET, "market", "buy", 0.05)
result["opened"] = {"status": opened["status"], "filled": opened["filled"]}
mark = exchange.fetch_mark_price(MARKET)["markPrice"]
result["open_interest"] = exchange.fetch_open_interest(MARKET)["openInterestAmount"]
history = exchange.fetch_open_interest_history(MARKET, "5m")
result["open_interest_history"] = [row["openInterestAmount"] for row in history]
ratios = exchange.fetch_long_short_ratio_history(MARKET, "5m")
result["long_short"] = [row["longShortRatio"] for row in ratios]
result["funding_interval"] = exchange.fetch_funding_intervals([MARKET])[MARKET]["interval"]
index = exchange.fetch_ohlcv(MARKET, "1m", params={"price": "index"})
result["index_candles"] = len(index)
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
# isolated margin in, part of it out, then its history and the symbol's ADL risk
exchange.add_margin(MARKET, 5)
exchange.reduce_margin(MARKET, 1.5)
adjustments = exchange.fetch_margin_adjustment_history(MARKET)
user_adjustments = [a for a in adjustments if a["info"]["deltaType"] == "USER_ADJUST"]
assert [(a["type"], a["amount"]) for a in user_adjustments] == [("add", 5.0), ("reduce", 1.5)], [
    a["info"] for a in adjustments
]
result["margin_history"] = [a["info"] for a in adjustments]
adl = exchange.fetch_adl_rank(MARKET)
assert adl["info"]["adlRisk"] == "low", adl  # a 1,000,000 USDT fund, little open interest
result["adl_rank"] = adl["info"]
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
