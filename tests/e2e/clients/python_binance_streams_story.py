"""python-binance 1.0.37's futures multiplex socket: every stream comes back under its own name.

``BinanceSocketManager.futures_multiplex_socket`` opens ``/market/stream?streams=...`` and hands
back ``{"stream": name, "data": payload}``; a bot routes each message by ``stream``, so the
names must come back exactly as asked (camel case kept).
"""

from __future__ import annotations

import asyncio
from typing import Any

from binance import AsyncClient, BinanceSocketManager
from story import BASE, WS, report

STREAMS = [
    "btcusdt@markPrice@1s",
    "btcusdt@markPrice",
    "btcusdt@ticker",
    "btcusdt@miniTicker",
    "!miniTicker@arr",
    "btcusdt@depth5@100ms",
]


class LocalClient(AsyncClient):  # type: ignore[misc]  # clients.md A.1
    API_URL = BASE + "/api"
    FUTURES_URL = BASE + "/fapi"


class LocalSockets(BinanceSocketManager):  # type: ignore[misc]
    FSTREAM_URL = WS + "/"


async def main() -> None:
    client = await LocalClient.create()
    seen: dict[str, Any] = {}
    try:
        sockets = LocalSockets(client)
        async with sockets.futures_multiplex_socket(STREAMS) as stream:
            for _ in range(200):
                message = await asyncio.wait_for(stream.recv(), 10)
                seen.setdefault(message["stream"], message["data"])
                if set(STREAMS) - {"btcusdt@depth5@100ms"} <= seen.keys():
                    break
    finally:
        await client.close_connection()
    report({"streams": sorted(seen), "mark": seen.get("btcusdt@markPrice@1s")})


if __name__ == "__main__":
    asyncio.run(main())
