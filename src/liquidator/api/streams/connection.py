"""One WebSocket connection: its streams from the URL, its frames, its limits (``streams``: what
the streams carry).

Binance's per-connection limits for USDⓈ-M streams ("WebSocket Market Streams"): at most 1024
streams, and 10 incoming messages a second; "a connection that goes beyond the limit will be
disconnected". So a SUBSCRIBE past the stream cap gets an error frame and changes nothing; a
URL asking for more is refused at the handshake (HTTP 403); the eleventh frame within a second
closes the connection (1008). Messages for a reader too slow to take them queue up to a byte
budget, past which the connection is dropped, as Binance drops slow consumers. However the
connection ends, its subscriptions leave the hub and its queue is freed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from liquidator.api.limits import ServerLimits
from liquidator.api.params import load_json
from liquidator.api.streams.hub import Hub, StreamLimitError, Subscriber

if TYPE_CHECKING:
    from liquidator.api.server import Server

POLICY_VIOLATION = 1008
MAX_FRAME_CONTAINERS = 2  # {"method": ..., "params": [...], "id": ...}


def websocket_endpoint(
    holder: dict[str, Server], limits: ServerLimits
) -> Callable[[WebSocket], Awaitable[None]]:
    """Return the endpoint serving every WebSocket path (``app.WS_PATHS``)."""

    async def serve(websocket: WebSocket) -> None:
        hub = holder["server"].hub
        subscriber = Subscriber(
            "/stream" in websocket.url.path,
            coin_margined=websocket.url.path.startswith(DSTREAM_PREFIX + "/"),
            max_streams=limits.ws_max_streams,
            buffer_bytes=limits.ws_send_buffer_bytes,
        )
        hub.add(subscriber)
        try:
            try:
                hub.subscribe(subscriber, url_streams(websocket))
            except StreamLimitError:
                await websocket.close(POLICY_VIOLATION)  # before accept: the handshake is refused
                return
            await websocket.accept()
            hub.start_clock()
            await _converse(websocket, hub, subscriber, limits.ws_messages_per_s)
        finally:
            hub.remove(subscriber)  # whatever ended it, a client gone during the handshake too
            with contextlib.suppress(Exception):
                await websocket.close(POLICY_VIOLATION if subscriber.dropped.is_set() else 1000)

    return serve


DSTREAM_PREFIX = "/dapi"  # COIN-M's streams (Binance's dstream host) under this server
DSTREAM_PATHS = tuple(
    f"{DSTREAM_PREFIX}/{kind}{tail}" for kind in ("ws", "stream") for tail in ("", "/{rest:path}")
)


def url_streams(websocket: WebSocket) -> list[str]:
    """The streams a URL names: ``?streams=a/b``, ``?listenKey=``, ``/ws/<name>`` (the same
    under ``/dapi``, the COIN-M streams' base)."""
    path = websocket.url.path.removeprefix(DSTREAM_PREFIX)
    names = [n for n in websocket.query_params.get("streams", "").split("/") if n]
    listen_key = websocket.query_params.get("listenKey")
    if listen_key:
        names.append(listen_key)
    if path.startswith("/ws/") and path.count("/") == 2 and not path.endswith("/ws/"):
        tail = path.rsplit("/", 1)[-1]
        if not tail.isdigit():
            names.append(tail)
    return names


async def _converse(
    websocket: WebSocket, hub: Hub, subscriber: Subscriber, messages_per_s: int
) -> None:
    """Send and receive until the client leaves, breaks a limit or is dropped as too slow."""
    tasks = {
        asyncio.create_task(_send(websocket, subscriber, hub.server)),
        asyncio.create_task(_receive(websocket, hub, subscriber, messages_per_s)),
        asyncio.create_task(subscriber.dropped.wait()),
    }
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _send(websocket: WebSocket, subscriber: Subscriber, server: Server) -> None:
    """Send the queued messages, each once the commands it tells of are journaled."""
    with contextlib.suppress(Exception):
        while (message := await subscriber.next_message()) is not None:
            await server.durable()  # raises if they were undone: the connection ends
            await websocket.send_text(message)


async def _receive(
    websocket: WebSocket, hub: Hub, subscriber: Subscriber, messages_per_s: int
) -> None:
    """Answer frames; return when the client leaves or sends over ``messages_per_s``."""
    recent: deque[float] = deque(maxlen=messages_per_s + 1)
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            now = time.monotonic()
            recent.append(now)
            if messages_per_s > 0 and len(recent) > messages_per_s and now - recent[0] < 1.0:
                subscriber.drop()
                return
            text = message.get("text")
            reply = frame_reply(hub, subscriber, text if isinstance(text, str) else "")
            if reply is not None:
                await websocket.send_text(reply)


def frame_reply(hub: Hub, subscriber: Subscriber, text: str) -> str | None:
    """Answer a SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS frame."""
    try:
        frame = load_json(text, MAX_FRAME_CONTAINERS)
        method, ident = frame.get("method"), frame.get("id")
        params = frame.get("params") or []
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            raise ValueError
    except (ValueError, AttributeError):
        return _error(2, "Invalid request", None)
    if method == "SUBSCRIBE":
        try:
            hub.subscribe(subscriber, params)
        except StreamLimitError as error:
            return _error(2, str(error), ident)
        return json.dumps({"result": None, "id": ident})
    if method == "UNSUBSCRIBE":
        hub.unsubscribe(subscriber, params)
        return json.dumps({"result": None, "id": ident})
    if method == "LIST_SUBSCRIPTIONS":
        streams = sorted(subscriber.names.values()) + sorted(subscriber.accounts.values())
        return json.dumps({"result": streams, "id": ident})
    return _error(1, f"Unknown method {method!r}", ident)


def _error(code: int, msg: str, ident: Any) -> str:
    return json.dumps({"error": {"code": code, "msg": msg}, "id": ident})
