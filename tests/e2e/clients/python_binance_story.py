"""The story through python-binance 1.0.37 (a Client subclass pointed at the local server)."""

from __future__ import annotations

from typing import Any

from binance.client import Client
from story import BASE, SYMBOL, admin, new_account, report


class LocalClient(Client):  # type: ignore[misc]  # clients.md A.1: the URLs are class attributes
    API_URL = BASE + "/api"
    FUTURES_URL = BASE + "/fapi"
    FUTURES_DATA_URL = BASE + "/futures/data"


key, secret = new_account("pybinance")
client = LocalClient(key, secret)  # pings /api/v3/ping on the way in
result: dict[str, Any] = {}
result["symbols"] = [s["symbol"] for s in client.futures_exchange_info()["symbols"]]
result["leverage"] = client.futures_change_leverage(symbol=SYMBOL, leverage=20)
result["margin_type"] = client.futures_change_margin_type(symbol=SYMBOL, marginType="ISOLATED")
result["commission"] = client.futures_commission_rate(symbol=SYMBOL)
result["symbol_config"] = client.futures_symbol_config(symbol=SYMBOL)
result["account_config"] = client.futures_account_config()
result["multi_assets"] = client.futures_get_multi_assets_mode()
result["book_ticker"] = client.futures_orderbook_ticker(symbol=SYMBOL)
below = float(result["book_ticker"]["bidPrice"]) * 0.97
limits = [
    {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
     "price": f"{below - step:.1f}"}
    for step in (0, 10)
]  # fmt: skip
result["batch"] = client.futures_place_batch_order(batchOrders=limits)
result["modified"] = client.futures_modify_order(
    symbol=SYMBOL,
    side="BUY",
    quantity="0.02",
    price=f"{below - 5:.1f}",
    orderId=result["batch"][0]["orderId"],
)
result["batch_cancelled"] = client.futures_cancel_orders(
    symbol=SYMBOL, orderidlist=[result["modified"]["orderId"], result["batch"][1]["orderId"]]
)
result["opened"] = client.futures_create_order(
    symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.05"
)
mark = float(client.futures_mark_price(symbol=SYMBOL)["markPrice"])
# python-binance sends conditional types to /fapi/v1/algoOrder (stopPrice -> triggerPrice)
algo = client.futures_create_order(
    symbol=SYMBOL,
    side="SELL",
    type="STOP_MARKET",
    stopPrice=f"{mark * 0.98:.1f}",
    closePosition="true",
)
result["algo"] = algo
result["open_algo"] = client.futures_get_open_orders(symbol=SYMBOL, conditional=True)
result["algo_cancelled"] = client.futures_cancel_order(symbol=SYMBOL, algoId=algo["algoId"])
# and the classic path, /fapi/v1/order with stopPrice, through the client's own request method
stop = client._request_futures_api(
    "post",
    "order",
    True,
    data={
        "symbol": SYMBOL,
        "side": "SELL",
        "type": "STOP_MARKET",
        "stopPrice": f"{mark * 0.97:.1f}",
        "quantity": "0.05",
        "reduceOnly": "true",
    },
)
result["stop"] = stop
result["stop_cancelled"] = client.futures_cancel_order(symbol=SYMBOL, orderId=stop["orderId"])
result["position_before"] = client.futures_position_information(symbol=SYMBOL)
# isolated margin in, part of it out, then its history and the symbol's ADL risk
client.futures_change_position_margin(symbol=SYMBOL, amount="5", type=1)
client.futures_change_position_margin(symbol=SYMBOL, amount="1.5", type=2)
margin_history = client.futures_position_margin_history(symbol=SYMBOL)
assert [(r["type"], r["amount"], r["deltaType"]) for r in margin_history][-2:] == [
    (1, "5", "USER_ADJUST"),
    (2, "1.5", "USER_ADJUST"),
], margin_history
assert {r["deltaType"] for r in margin_history[:-2]} == {"TRADE"}, margin_history  # the fills
result["margin_history"] = margin_history
adl_risk = client.futures_symbol_adl_risk(symbol=SYMBOL)
# a 1,000,000 USDT fund against a few thousand USDT of open interest
assert (adl_risk["symbol"], adl_risk["adlRisk"]) == (SYMBOL, "low"), adl_risk
result["adl_risk"] = adl_risk
result["open_interest"] = client.futures_open_interest(symbol=SYMBOL)
result["stats"] = {
    "open_interest_hist": client.futures_open_interest_hist(symbol=SYMBOL, period="5m"),
    "global_ratio": client.futures_global_longshort_ratio(symbol=SYMBOL, period="5m"),
    "taker": client.futures_taker_longshort_ratio(symbol=SYMBOL, period="5m"),
}
result["historical_trades"] = client.futures_historical_trades(symbol=SYMBOL, limit=5)
result["crash"] = admin("/admin/crash", symbol=SYMBOL, percent="-20")
result["force_orders"] = client.futures_liquidation_orders(
    symbol=SYMBOL, autoCloseType="LIQUIDATION"
)
result["positions"] = client.futures_position_information(symbol=SYMBOL)
result["balance"] = client.futures_account_balance()
result["income"] = client.futures_income_history(symbol=SYMBOL)
result["account"] = client.futures_account()
report(result)
