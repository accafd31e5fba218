"""Limits at the connection, below the application: what uvicorn's HTTP/1.1 protocol leaves open.

uvicorn's httptools protocol arms no timer on a new connection (one that sends nothing, or
dribbles its headers a byte at a time, holds its descriptor forever), keeps a request line and
headers in memory however long they grow, and caps connections only in total. So ``serve``
runs :func:`guarded_http_protocol`, a subclass of it that adds, per connection:

* **an address cap**: at most ``max_connections_per_address`` open at once from one peer
  address, HTTP and WebSocket alike (a trusted proxy is not capped); one over it is closed as
  soon as it is accepted, so one address cannot take every descriptor from the others;
* **a request timeout**: a whole request (line, headers and body) within
  ``request_timeout_s`` of connecting, or of its first byte on a kept-alive connection; else
  the connection is closed (with a 408 when no answer is under way). Between requests uvicorn's
  ``timeout_keep_alive`` closes an idle connection;
* **a header cap**: at most ``max_header_bytes`` before the end of the headers; over it, a 431
  and the connection is closed.

A WebSocket upgrade hands the socket to uvicorn's WebSocket protocol: the request timer stops
there, and the address slot is freed when that protocol loses the connection (its
``connection_lost`` is wrapped, whichever WebSocket implementation runs). A WebSocket that stops
answering pings is closed by uvicorn (``ws_ping_interval``/``ws_ping_timeout``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from liquidator.api.limits import ServerLimits

Transport = asyncio.BaseTransport
DEFAULT_WS_MAX_SIZE = 16 * 1024 * 1024  # uvicorn's, when the body limit is off


class ConnectionTable:
    """The open connections of each peer address, and the cap on them."""

    def __init__(self, limit: int, exempt: frozenset[str] = frozenset()) -> None:
        self.limit = limit
        self.exempt = exempt
        self.by_address: dict[str, set[Transport]] = {}

    def admit(self, transport: Transport) -> bool:
        """Count ``transport`` against its address; False if that address is at the cap."""
        address = peer_address(transport)
        if self.limit <= 0 or address in self.exempt:
            return True
        held = self.by_address.setdefault(address, set())
        if transport in held:
            return True
        if len(held) >= self.limit:
            if not held:
                del self.by_address[address]
            return False
        held.add(transport)
        return True

    def release(self, transport: Transport) -> None:
        """Forget ``transport`` (any number of times)."""
        address = peer_address(transport)
        held = self.by_address.get(address)
        if held is None:
            return
        held.discard(transport)
        if not held:
            del self.by_address[address]

    def open_from(self, address: str) -> int:
        return len(self.by_address.get(address, ()))


def peer_address(transport: Transport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple | list) and peer:
        return str(peer[0])
    return str(peer or "unknown")


class CoalescingTransport:
    """A transport whose writes in one turn of the event loop leave in one ``send``.

    uvicorn writes an HTTP answer's head and body, and every WebSocket frame, with a
    ``transport.write`` each, and each is a system call on a socket that has room. Here a
    write is appended to a buffer and the buffer goes out, joined, at the end of the loop's
    current turn (``call_soon``): the answers to requests that arrived together, and the
    frames of one connection, share one system call. Order is kept; ``close`` sends what
    is buffered first; everything else is the wrapped transport's.
    """

    __slots__ = ("_buffer", "_loop", "raw")

    def __init__(self, raw: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.raw = raw
        self._loop = loop
        self._buffer: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._buffer:
            self._loop.call_soon(self.flush)
        self._buffer.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        """Hand what is buffered to the wrapped transport now."""
        if not self._buffer:
            return
        data = self._buffer[0] if len(self._buffer) == 1 else b"".join(self._buffer)
        self._buffer.clear()
        if not self.raw.is_closing():
            self.raw.write(data)

    def close(self) -> None:
        self.flush()
        self.raw.close()

    def abort(self) -> None:
        self._buffer.clear()
        self.raw.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above (``limits`` and ``table`` are set on
    the subclass :func:`guarded_http_protocol` makes for a server)."""

    limits: ClassVar[ServerLimits]
    table: ClassVar[ConnectionTable]
    deadline: asyncio.TimerHandle | None = None
    header_bytes = 0
    reading_body = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.raw_transport = transport
        if not self.table.admit(transport):
            transport.close()
            return
        # answers (and, after an upgrade, WebSocket frames) leave once per loop turn
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
        self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        self.table.release(self.raw_transport)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self.reading_body:
            self.header_bytes += len(data)
        super().data_received(data)
        if 0 < self.limits.max_header_bytes < self.header_bytes and not self.reading_body:
            self.refuse(431, "Request header fields too large.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.deadline is None:
            self.arm()

    def on_headers_complete(self) -> None:
        self.reading_body, self.header_bytes = True, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.reading_body = False
        self.disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self.disarm()
        transport = self.raw_transport
        super().handle_websocket_upgrade()
        _release_on_loss(transport, self.table)
        # This protocol is done (the WebSocket protocol has the socket) and never hears of
        # the loss: drop the parser, which refers back to it, so refcounting frees both.
        self.parser = None  # type: ignore[assignment]

    def arm(self) -> None:
        self.disarm()
        if self.limits.request_timeout_s > 0:
            self.deadline = self.loop.call_later(self.limits.request_timeout_s, self.expire)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def expire(self) -> None:
        self.deadline = None
        self.refuse(408, "Request timeout: the request was not received in time.")

    def refuse(self, status: int, message: str) -> None:
        """Answer ``status`` if no answer is under way, and close the connection."""
        self.disarm()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_raw_response(status, message))
        self.transport.close()


def guarded_http_protocol(limits: ServerLimits, table: ConnectionTable) -> type[asyncio.Protocol]:
    """Return :class:`GuardedHttpProtocol` bound to a server's ``limits`` and ``table``."""
    return type("GuardedHttpProtocol", (GuardedHttpProtocol,), {"limits": limits, "table": table})


def _release_on_loss(transport: asyncio.Transport, table: ConnectionTable) -> None:
    """Free the address slot when the protocol now holding ``transport`` loses it."""
    protocol = transport.get_protocol()
    lost: Callable[[Exception | None], None] = protocol.connection_lost

    def release_then_lose(exc: Exception | None) -> None:
        table.release(transport)
        try:
            lost(exc)
        finally:  # no cycle (protocol -> hook -> protocol) left for a collector that runs rarely
            vars(protocol).pop("connection_lost", None)

    setattr(protocol, "connection_lost", release_then_lose)  # noqa: B010 (an instance hook)


def _raw_response(status: int, message: str) -> bytes:
    reasons = {408: "Request Timeout", 431: "Request Header Fields Too Large"}
    body = json.dumps({"code": -1000 if status == 408 else -1101, "msg": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reasons[status]}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


def uvicorn_options(limits: ServerLimits) -> dict[str, Any]:
    """The ``uvicorn.run`` options that apply ``limits``.

    ``X-Forwarded-For`` is read by the routes, and only from trusted proxies: uvicorn's own proxy
    header handling is off. WebSockets run on uvicorn's sans-I/O ``websockets`` protocol without
    per-message compression: the legacy protocol's objects form reference cycles, and so does a
    compressor's state, that only a full collection frees, which ``serve`` makes rare
    (``app.collector``): with them every closed connection left ~200 KB behind.
    """
    table = ConnectionTable(limits.max_connections_per_address, limits.trusted_proxies)
    return {
        "http": guarded_http_protocol(limits, table),
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
        "proxy_headers": False,
        "timeout_keep_alive": max(1, limits.keep_alive_timeout_s),
        "ws_max_size": limits.max_body_bytes or DEFAULT_WS_MAX_SIZE,
        "h11_max_incomplete_event_size": limits.max_header_bytes or None,
    }
