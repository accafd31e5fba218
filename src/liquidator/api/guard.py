"""A request body is capped before it is read in full, before routing and before auth.

:class:`BodyLimit` wraps the application (ASGI): a declared ``Content-Length`` over the cap is
refused before a byte of the body is read; a body without one (chunked) is counted as it
arrives and refused as soon as it passes the cap. The refusal is HTTP 413 in Binance's shape
with ``Connection: close``, so the server stops reading the rest. A body within the cap is read
here, once, and handed to the application as one message: no route reads more than the cap, and
a slow body is bounded by the transport's request timeout (``api.transport``).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAYLOAD_TOO_LARGE = 413
TOO_MANY_PARAMETERS = -1101


class BodyLimit:
    """ASGI middleware: HTTP request bodies of at most ``max_bytes`` (0: no limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        if declared_length(scope) > self.max_bytes:
            await too_large(send, self.max_bytes)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await too_large(send, self.max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def declared_length(scope: Scope) -> int:
    """The ``Content-Length`` a request declares (0 if none or unreadable: then counted)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.strip()
            return int(text) if text.isdigit() and len(text) <= 20 else 0
    return 0


async def too_large(send: Send, max_bytes: int) -> None:
    body = json.dumps(
        {
            "code": TOO_MANY_PARAMETERS,
            "msg": f"Request body too large; the limit is {max_bytes} bytes.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": PAYLOAD_TOO_LARGE,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the whole body once, then waits as the original does."""
    pending = [body]

    async def replay() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replay
