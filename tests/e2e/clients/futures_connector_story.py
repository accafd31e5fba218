"""The story through binance-futures-connector 4.2.0 (UMFutures and its websocket client)."""

from __future__ import annotations

import json
from typing import Any

from binance.um_futures import UMFutures
from binance.websocket.um_futures.websocket_client import UMFuturesWebsocketClient
from story import BASE, SYMBOL, WS, admin, new_account, report, wait_for

key, secret = new_account("connector")
client = UMFutures(key, secret, base_url=BASE)
result: dict[str, Any] = {}
info = client.exchange_info()
result["symbols"] = [s["symbol"] for s in info["symbols"]]
result["leverage"] = client.change_leverage(symbol=SYMBOL, leverage=20)
result["margin_type"] = client.change_margin_type(symbol=SYMBOL, marginType="ISOLATED")
result["commission"] = client.commission_rate(symbol=SYMBOL)
result["symbol_config"] = client.symbol_configuration(symbol=SYMBOL)
result["account_config"] = client.futures_account_configuration()
result["multi_assets"] = client.get_multi_asset_mode()
result["trading_status"] = client.api_trading_status()
result["rate_limits"] = client.query_user_rate_limit()
result["book_ticker"] = client.book_ticker(symbol=SYMBOL)
below = float(result["book_ticker"]["bidPrice"]) * 0.97
limits = [
    {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
     "price": f"{below - step:.1f}"}
    for step in (0, 10)
]  # fmt: skip
result["batch"] = client.new_batch_order(batchOrders=limits)
result["modified"] = client.modify_order(
    symbol=SYMBOL,
    side="BUY",
    quantity=0.02,
    price=f"{below - 5:.1f}",
    orderId=result["batch"][0]["orderId"],
)
result["batch_cancelled"] = client.cancel_batch_order(
    symbol=SYMBOL,
    orderIdList=[result["modified"]["orderId"], result["batch"][1]["orderId"]],
    origClientOrderIdList=None,
)
messages: list[Any] = []
listen_key = client.new_listen_key()["listenKey"]
stream = UMFuturesWebsocketClient(
    stream_url=WS, on_message=lambda _, text: messages.append(json.loads(text))
)
stream.user_data(listen_key=listen_key, id=1)
stream.liquidation_order(symbol=SYMBOL.lower(), id=2)
opened = client.new_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.05")
result["opened"] = opened
mark = float(client.mark_price(symbol=SYMBOL)["markPrice"])
stop = client.new_order(
    symbol=SYMBOL,
    side="SELL",
    type="STOP_MARKET",
    stopPrice=f"{mark * 0.98:.1f}",
    closePosition="true",
    workingType="MARK_PRICE",
)
result["stop"] = stop
result["stop_cancelled"] = client.cancel_order(symbol=SYMBOL, orderId=stop["orderId"])
algo = client.sign_request(
    "POST",
    "/fapi/v1/algoOrder",
    {
        "algoType": "CONDITIONAL",
        "symbol": SYMBOL,
        "side": "SELL",
        "type": "STOP_MARKET",
        "triggerPrice": f"{mark * 0.97:.1f}",
        "quantity": "0.05",
        "reduceOnly": "true",
    },
)
result["algo"] = algo
result["open_algo"] = client.sign_request("GET", "/fapi/v1/openAlgoOrders", {"symbol": SYMBOL})
result["algo_cancelled"] = client.sign_request(
    "DELETE", "/fapi/v1/algoOrder", {"algoId": algo["algoId"]}
)
# isolated margin in, part of it out (the opening fill left no more to take), then its history
client.modify_isolated_position_margin(symbol=SYMBOL, amount="5", type=1)
client.modify_isolated_position_margin(symbol=SYMBOL, amount="2", type=2)
margin_history = client.get_position_margin_history(symbol=SYMBOL, type=2)
assert [(r["type"], r["amount"], r["positionSide"], r["deltaType"]) for r in margin_history] == [
    (2, "2", "BOTH", "USER_ADJUST")
], margin_history
result["margin_history"] = margin_history
result["position_before"] = client.get_position_risk(symbol=SYMBOL)
result["open_interest"] = client.open_interest(symbol=SYMBOL)
result["stats"] = {
    "open_interest_hist": client.open_interest_hist(symbol=SYMBOL, period="5m"),
    "global_ratio": client.long_short_account_ratio(symbol=SYMBOL, period="5m"),
    "top_accounts": client.top_long_short_account_ratio(symbol=SYMBOL, period="5m"),
    "top_positions": client.top_long_short_position_ratio(symbol=SYMBOL, period="5m"),
    "taker": client.taker_long_short_ratio(symbol=SYMBOL, period="5m"),
}
result["historical_trades"] = client.historical_trades(symbol=SYMBOL, limit=5)
result["continuous_klines"] = client.continuous_klines(SYMBOL, "PERPETUAL", "1m", limit=5)
result["crash"] = admin("/admin/crash", symbol=SYMBOL, percent="-20")
result["ws_seen"] = wait_for(
    lambda: (
        any(m.get("e") == "forceOrder" for m in messages)
        and any(
            m.get("e") == "ORDER_TRADE_UPDATE" and m["o"]["o"] == "LIQUIDATION" for m in messages
        )
    )
)
result["force_orders"] = client.force_orders(symbol=SYMBOL, autoCloseType="LIQUIDATION")
result["positions"] = client.get_position_risk(symbol=SYMBOL)
result["balance"] = client.balance()
result["income"] = client.get_income_history(symbol=SYMBOL)
result["messages"] = messages
stream.stop()
report(result)
