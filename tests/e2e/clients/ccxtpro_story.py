"""ccxt.pro (binanceusdm) keeps a book from the diff depth stream while orders flow.

``watch_order_book`` for 1,000 updates (``@depth@0ms``: one per command that changed the book,
and ``@depth@100ms``), two accounts placing, cancelling and crossing orders through ccxt's own
REST calls meanwhile; then, orders stopped, the watched book must equal the REST book.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
from typing import Any

import ccxt.pro as ccxtpro
from story import BASE, WS, new_account, report

MARKET = "BTC/USDT:USDT"
UPDATES = 1000


def exchange(key: str, secret: str, rate: str) -> Any:
    client = ccxtpro.binanceusdm(
        {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": False,
            "options": {"fetchCurrencies": False, "watchOrderBookRate": rate},
        }
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


async def flow(traders: list[Any], mark: float, stop: asyncio.Event) -> int:
    """Place, cancel and cross orders until ``stop``; return how many were sent."""
    rng, sent = random.Random(15), 0
    resting: list[Any] = []
    while not stop.is_set():
        trader = rng.choice(traders)
        roll = rng.random()
        try:
            if roll < 0.25 and resting:
                order_id, owner = resting.pop(rng.randrange(len(resting)))
                await owner.cancel_order(order_id, MARKET)
            elif roll < 0.35:
                await trader.create_order(MARKET, "market", rng.choice(("buy", "sell")), 0.005)
            else:
                price = round(mark + rng.randint(-40, 40) * 0.1, 1)
                side = rng.choice(("buy", "sell"))
                order = await trader.create_order(MARKET, "limit", side, 0.003, price)
                if order["status"] == "open":
                    resting.append((order["id"], trader))
        except ccxtpro.RateLimitExceeded:
            await asyncio.sleep(1)  # the venue's weight limit, as Binance's
        except ccxtpro.BaseError:
            pass  # a cancel of an order already filled: the flow goes on
        sent += 1
        await asyncio.sleep(0.001)
    return sent


async def keep_book(watcher: Any, updates: int) -> tuple[int, list[str]]:
    seen, errors = 0, []
    while seen < updates:
        try:
            await watcher.watch_order_book(MARKET)
            seen += 1
        except Exception as error:  # a checksum or sequence error: the test fails on it
            errors.append(f"{type(error).__name__}: {error}")
            if len(errors) > 5:
                break
    return seen, errors


async def settled_equal(watcher: Any, rest: Any) -> bool:
    """Once the flow has stopped and the last interval is sent, compare every level."""
    for _ in range(5):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watcher.watch_order_book(MARKET), 0.6)
        snapshot = await rest.fetch_order_book(MARKET, 1000)
        book = watcher.orderbooks[MARKET]
        if book["bids"][:] == snapshot["bids"] and book["asks"][:] == snapshot["asks"]:
            return True
    return False


async def run(rate: str, updates: int, name: str) -> dict[str, Any]:
    keys = [new_account(f"{name}{n}", "10000000") for n in range(2)]
    traders = [exchange(key, secret, rate) for key, secret in keys]
    watcher = exchange("", "", rate)
    try:
        await watcher.load_markets()
        for trader in traders:
            await trader.load_markets()
        mark = (await traders[0].fetch_mark_price(MARKET))["markPrice"]
        stop = asyncio.Event()
        await watcher.watch_order_book(MARKET)
        orders = asyncio.create_task(flow(traders, mark, stop))
        seen, errors = await keep_book(watcher, updates)
        stop.set()
        sent = await orders
        await asyncio.sleep(0.3)
        equal = await settled_equal(watcher, traders[0])
        book = watcher.orderbooks[MARKET]
        return {
            "updates": seen,
            "errors": errors,
            "orders": sent,
            "equal": equal,
            "levels": [len(book["bids"]), len(book["asks"])],
        }
    finally:
        for client in [watcher, *traders]:
            await client.close()


async def watch_ticker_and_trades() -> dict[str, Any]:
    """``watch_ticker`` (``@ticker``) and ``watch_trades`` (``@aggTrade``) as a trade happens."""
    watcher = exchange("", "", "100")
    key, secret = new_account("pro-ticker", "1000000")
    trader = exchange(key, secret, "100")
    try:
        await watcher.load_markets()
        await trader.load_markets()
        ticker = await asyncio.wait_for(watcher.watch_ticker(MARKET), 10)
        trades = asyncio.create_task(watcher.watch_trades(MARKET))
        await asyncio.sleep(0.3)
        await trader.create_order(MARKET, "market", "buy", 0.01)
        (trade, *_) = await asyncio.wait_for(trades, 10)
        return {
            "ticker": {k: ticker[k] for k in ("symbol", "last", "bid", "ask")},
            "trade": {k: trade[k] for k in ("symbol", "side", "amount", "price")},
        }
    finally:
        await watcher.close()
        await trader.close()


async def main() -> None:
    result = {
        "watch": await watch_ticker_and_trades(),
        "0ms": await run("0", UPDATES, "pro"),
        "100ms": await run("100", 30, "pro100ms"),
    }
    report(result)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
