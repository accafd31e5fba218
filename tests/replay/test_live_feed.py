"""The live-feed adapter, pointed at a local websocket server replaying a capture, yields the
same records as reading the capture file."""

from __future__ import annotations

import asyncio
import gzip
import json

import websockets

from liquidator.adapters.marketdata.capture import DepthSnapshot, Message, read_capture
from liquidator.adapters.marketdata.live import live_feed, stream_names
from tests.conftest import SHARED

CAPTURE = SHARED / "data/binance-usdm/hftbacktest_usdm_btcusdt_20230404.dat.gz"


def stream_lines() -> list[str]:
    """The capture's stream messages as Binance sent them (REST snapshot lines left out)."""
    with gzip.open(CAPTURE, "rt", encoding="utf-8") as source:
        texts = [line.partition(" ")[2].strip() for line in source if line.strip()]
    return [text for text in texts if text.startswith('{"stream"')]


async def replay_through_a_local_server(lines: list[str]) -> tuple[list[Message], str]:
    paths: list[str] = []

    async def serve(connection: websockets.ServerConnection) -> None:
        paths.append(connection.request.path if connection.request else "")
        for text in lines:
            await connection.send(text)
        await connection.close()

    async with websockets.serve(serve, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        received = [
            message
            async for message in live_feed(stream_names("BTCUSDT"), f"ws://127.0.0.1:{port}")
        ]
    return received, paths[0]


def test_live_feed_yields_what_the_file_holds() -> None:
    lines = stream_lines()
    received, path = asyncio.run(replay_through_a_local_server(lines))
    from_file = [m for m in read_capture(CAPTURE) if not isinstance(m, DepthSnapshot)]

    assert len(lines) > 10_000
    assert received == from_file
    assert (
        path
        == "/stream?streams=btcusdt@depth@0ms/btcusdt@trade/btcusdt@bookTicker/btcusdt@markPrice@1s"
    )
    streams = {json.loads(line)["stream"] for line in lines}
    assert streams == {
        "btcusdt@depth@0ms",
        "btcusdt@trade",
        "btcusdt@bookTicker",
        "btcusdt@markPrice@1s",
    }
