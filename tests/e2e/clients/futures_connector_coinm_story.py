"""The COIN-M story through binance-futures-connector 4.2.0 (CMFutures and its websocket
client at the dstream base)."""

from __future__ import annotations

import json
from typing import Any

from binance.cm_futures import CMFutures
from binance.websocket.cm_futures.websocket_client import CMFuturesWebsocketClient
from story import (
    BASE,
    COIN_SYMBOL,
    DSTREAM,
    admin,
    is_liquidation,
    new_coin_account,
    report,
    wait_for,
)

SYMBOL = COIN_SYMBOL
key, secret = new_coin_account("connectorcoin")
client = CMFutures(key, secret, base_url=BASE)
result: dict[str, Any] = {}
info = client.exchange_info()
result["symbols"] = {s["symbol"]: s["contractSize"] for s in info["symbols"]}
result["ping"] = client.ping()
result["depth"] = client.depth(symbol=SYMBOL, limit=5)
result["agg_trades"] = client.agg_trades(symbol=SYMBOL, limit=5)
result["mark_price_klines"] = client.mark_price_klines(symbol=SYMBOL, interval="1m", limit=5)
result["mark"] = client.mark_price(symbol=SYMBOL)
result["ticker"] = client.ticker_24hr_price_change(symbol=SYMBOL)
result["price"] = client.ticker_price(symbol=SYMBOL)
result["book_ticker"] = client.book_ticker(symbol=SYMBOL)
result["open_interest"] = client.open_interest(symbol=SYMBOL)
result["brackets"] = client.leverage_brackets()
result["commission"] = client.commission_rate(symbol=SYMBOL)
result["position_mode"] = client.get_position_mode()
result["leverage"] = client.change_leverage(symbol=SYMBOL, leverage=20)
result["margin_type"] = client.change_margin_type(symbol=SYMBOL, marginType="ISOLATED")
messages: list[Any] = []
listen_key = client.new_listen_key()["listenKey"]
result["renewed"] = client.renew_listen_key(listenKey=listen_key)
stream = CMFuturesWebsocketClient(
    stream_url=DSTREAM, on_message=lambda _, text: messages.append(json.loads(text))
)
stream.user_data(listen_key=listen_key, id=1)
stream.mark_price(symbol=SYMBOL.lower(), speed=1, id=2)
bid = float(result["depth"]["bids"][0][0])
resting = client.new_order(
    symbol=SYMBOL,
    side="BUY",
    type="LIMIT",
    timeInForce="GTC",
    quantity=5,
    price=f"{bid * 0.97:.1f}",
)
result["resting"] = resting
result["open_orders"] = client.get_orders(symbol=SYMBOL)
result["cancelled"] = client.cancel_order(symbol=SYMBOL, orderId=resting["orderId"])
result["opened"] = client.new_order(
    symbol=SYMBOL, side="BUY", type="MARKET", quantity=100, newOrderRespType="RESULT"
)
result["queried"] = client.query_order(symbol=SYMBOL, orderId=result["opened"]["orderId"])
result["trades"] = client.get_account_trades(symbol=SYMBOL)
result["position_before"] = client.get_position_risk(pair="BTCUSD")
result["balance_before"] = client.balance()
result["adl"] = client.adl_quantile(symbol=SYMBOL)
result["stats"] = {
    "open_interest_hist": client.open_interest_hist("BTCUSD", "PERPETUAL", "5m"),
    "global_ratio": client.long_short_account_ratio(pair="BTCUSD", period="5m"),
    "top_positions": client.top_long_short_position_ratio(pair="BTCUSD", period="5m"),
}
result["crash"] = admin("/admin/crash", symbol=SYMBOL, percent="-20")
result["ws_seen"] = wait_for(lambda: any(is_liquidation(m) for m in messages))
result["force_orders"] = client.force_orders(symbol=SYMBOL, autoCloseType="LIQUIDATION")
result["positions"] = client.get_position_risk()
result["balance"] = client.balance()
result["account"] = client.account()
result["income"] = client.get_income_history(symbol=SYMBOL)
wait_for(lambda: any(m.get("e") == "ACCOUNT_UPDATE" for m in messages), 5)
wait_for(lambda: any(m.get("e") == "markPriceUpdate" for m in messages), 5)  # every second
result["messages"] = messages
result["closed"] = client.close_listen_key(listenKey=listen_key)
stream.stop()
report(result)
