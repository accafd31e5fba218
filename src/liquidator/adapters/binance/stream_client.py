"""Binance's WebSocket streams through binance-futures-connector's ``UMFuturesWebsocketClient``
(USDⓈ-M, ``wss://fstream.binance.com``) or ``CMFuturesWebsocketClient`` (COIN-M,
``wss://dstream.binance.com``; its user stream carries the inverse contracts' events).

One connection to ``<ws base>/ws`` carries the user data stream (the listen key subscribed as a
stream name) and the ``<symbol>@markPrice@1s`` streams, subscribed in one ``SUBSCRIBE`` frame.
The library reads in a thread of its own; each message is parsed there and handed to the
monitor's ``deliver`` (a queue), and the end of the connection, however it ends, is delivered
as :class:`StreamDown` with the connection's generation. The library's logger is silenced: the
monitor says what happened, in one line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from binance.websocket.cm_futures.websocket_client import CMFuturesWebsocketClient
from binance.websocket.um_futures.websocket_client import UMFuturesWebsocketClient
from websocket import WebSocketException

from liquidator.adapters.binance.user_stream import parse_message
from liquidator.app.monitor.events import StreamDown
from liquidator.app.monitor.ports import Deliver, UnreachableError

logging.getLogger("binance").addHandler(logging.NullHandler())
logging.getLogger("binance").propagate = False


class _DaemonClient(UMFuturesWebsocketClient):  # type: ignore[misc]
    """The library's client, its reading thread a daemon (a dead link never holds the exit)."""

    def _initialize_socket(self, *args: Any) -> Any:
        manager = super()._initialize_socket(*args)
        manager.daemon = True
        return manager


class _DaemonCoinClient(CMFuturesWebsocketClient):  # type: ignore[misc]
    """COIN-M's client, its reading thread a daemon."""

    def _initialize_socket(self, *args: Any) -> Any:
        manager = super()._initialize_socket(*args)
        manager.daemon = True
        return manager


class StreamConnection:
    """One open connection (a :class:`~liquidator.app.monitor.ports.StreamHandle`)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def subscribe(self, names: Sequence[str]) -> None:
        if names:
            self._send(lambda: self._client.subscribe(list(names)))

    def probe(self) -> None:
        self._send(self._client.list_subscribe)

    def close(self) -> None:
        """Close without waiting for the reading thread (it ends on the aborted socket)."""
        socket = self._client.socket_manager.ws
        try:
            socket.abort()
            socket.shutdown()
        except (OSError, WebSocketException):
            pass

    def _send(self, action: Any) -> None:
        try:
            action()
        except (OSError, WebSocketException):
            self.close()  # the reading thread then reports the connection down


class BinanceStreams:
    """Opens stream connections to ``ws_url`` (``wss://fstream.binance.com`` on Binance)."""

    def __init__(self, ws_url: str, market: str = "usdm") -> None:
        self.ws_url = ws_url.rstrip("/")
        self._client: type[Any] = _DaemonCoinClient if market == "coinm" else _DaemonClient

    def open(self, names: Sequence[str], deliver: Deliver, generation: int) -> StreamConnection:
        def on_message(_: Any, text: str) -> None:
            for event in parse_message(text):
                deliver(event)

        def on_error(_: Any, error: Exception) -> None:
            deliver(StreamDown(_reason(error), generation))

        def on_close(_: Any) -> None:
            deliver(StreamDown("closed by the exchange", generation))

        try:
            client = self._client(
                stream_url=self.ws_url,
                on_message=on_message,
                on_error=on_error,
                on_close=on_close,
            )
        except (OSError, WebSocketException) as error:
            raise UnreachableError(f"{self.ws_url}: {_reason(error)}") from None
        connection = StreamConnection(client)
        connection.subscribe(names)
        return connection


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
