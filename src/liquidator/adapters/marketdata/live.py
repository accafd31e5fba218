"""A live feed from Binance's public USDⓈ-M websocket: mark price, depth diffs, trades.

Connects to a combined stream (``<url>/stream?streams=a/b/c``) and yields the same typed
records as :func:`capture.read_capture` does for a recorded file, so a replay can run on either.
The URL is a parameter: ``wss://fstream.binance.com`` live, a local server in tests.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

import websockets

from liquidator.adapters.marketdata.capture import Message, parse_message

BINANCE_FUTURES = "wss://fstream.binance.com"


def stream_names(symbol: str) -> list[str]:
    """The streams a replay needs of ``symbol``."""
    lower = symbol.lower()
    return [f"{lower}@depth@0ms", f"{lower}@trade", f"{lower}@bookTicker", f"{lower}@markPrice@1s"]


async def live_feed(
    streams: Sequence[str], url: str = BINANCE_FUTURES, limit: int | None = None
) -> AsyncIterator[Message]:
    """Yield the records of ``streams`` as they arrive (``limit`` of them, or until closed)."""
    address = f"{url}/stream?streams={'/'.join(streams)}"
    count = 0
    async with websockets.connect(address, max_size=2**24) as connection:
        async for text in connection:
            document = json.loads(text)
            message = parse_message(document.get("data", {}))
            if message is None:
                continue
            yield message
            count += 1
            if limit is not None and count >= limit:
                return
