"""ccxt.pro trades over Binance's WebSocket API (``/ws-fapi/v1``) and reads the result back."""

from __future__ import annotations

import asyncio
from typing import Any

from ccxtpro_story import exchange
from story import WS, new_account, report

MARKET = "BTC/USDT:USDT"


async def main() -> None:
    trader = exchange(*new_account("pro-ws-api"), "100")
    trader.urls["api"]["ws"]["ws-api"] = {"linear": WS + "/ws-fapi/v1"}
    result: dict[str, Any] = {}
    try:
        await trader.load_markets()
        limit = await trader.create_order_ws(MARKET, "limit", "buy", 0.01, 50000)
        result["limit"] = {k: limit[k] for k in ("id", "status", "price", "amount", "type")}
        edited = await trader.edit_order_ws(limit["id"], MARKET, "limit", "buy", 0.01, 50100)
        result["edited"] = {k: edited[k] for k in ("id", "price", "status")}
        fetched = await trader.fetch_order_ws(edited["id"], MARKET)
        result["fetched"] = {k: fetched[k] for k in ("id", "price", "status")}
        cancelled = await trader.cancel_order_ws(edited["id"], MARKET)
        result["cancelled"] = cancelled["status"]
        market = await trader.create_order_ws(MARKET, "market", "buy", 0.01)
        result["market"] = {k: market[k] for k in ("status", "filled")}
        positions = await trader.fetch_positions_ws([MARKET])
        result["positions"] = [p["contracts"] for p in positions]
        balance = await trader.fetch_balance_ws()
        result["balance"] = balance["USDT"]["total"]
        result["rest"] = (await trader.fetch_order(edited["id"], MARKET))["status"]
    finally:
        await trader.close()
    report(result)


if __name__ == "__main__":
    asyncio.run(main())
