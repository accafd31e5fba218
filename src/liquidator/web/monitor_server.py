"""``liquidator monitor --web``: the dashboard's page for the monitored account, served locally.

A small threaded HTTP server (the standard library's; the monitor has no event loop) on the
address given, 127.0.0.1 by default: the page reads what the monitor knows and nothing else,
and the key never reaches it. Paths:

* ``/``: the page (``static/monitor.html``), ``/static/...``: its script, the dashboard's styles
  and the vendored chart library, with the dashboard's Content-Security-Policy (own origin only);
* ``GET /monitor/v1/state``: the positions (the ``--json`` lines), the cross accounts, the
  marks, the last 200 alerts and the last status;
* ``GET /monitor/v1/events``: the same as server-sent events (``state`` every tick that changed
  something, ``alert``, ``status``), a comment every 15 s to keep the link open;
* ``GET /monitor/v1/klines?symbol=S``: the symbol's 1-minute mark-price klines from the
  exchange (``markPriceKlines``, the last 500), for a held symbol only.

Anything else is a 404 with Binance's error shape; a method other than GET a 405.
"""

from __future__ import annotations

import json
import mimetypes
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from liquidator.web.monitor_feed import MonitorFeed
from liquidator.web.pages import HEADERS, STATIC

KEEP_ALIVE_S = 15.0
Klines = Callable[[str], list[Any]]


class MonitorWeb:
    """The page's server: started in a daemon thread, stopped with ``close``."""

    def __init__(self, feed: MonitorFeed, klines: Klines, host: str, port: int) -> None:
        self.feed = feed
        self.stopping = threading.Event()
        handler = _handler(feed, klines, self.stopping)
        self.server = ThreadingHTTPServer((host, port), handler)  # OSError: address in use
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}/"

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stopping.set()
        self.feed.close()
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class PageSources:
    """What one server's pages read: the feed, the mark klines, and when to stop."""

    feed: MonitorFeed
    klines: Klines
    stopping: threading.Event


class _Handler(BaseHTTPRequestHandler):
    """The page, its files and its feed (``sources``, set on the subclass :func:`_handler`
    makes for a server)."""

    sources: ClassVar[PageSources]
    server_version = "liquidator-monitor"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a read or a write may block: a page that stopped reading goes

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: the terminal belongs to the monitor's view."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/static/"):
            self._file(path.removeprefix("/static/"))
            return
        serve = _PAGES.get(path)
        if serve is None:
            self._json(404, {"code": -1, "msg": "Not found."})
            return
        serve(self, parts.query)

    def _page(self, _query: str) -> None:
        self._file("monitor.html")

    def _state(self, _query: str) -> None:
        self._json(200, self.sources.feed.current())

    def _symbol_klines(self, query: str) -> None:
        self._klines(parse_qs(query).get("symbol", [""])[0].upper())

    def _stream(self, _query: str) -> None:
        self._events()

    def do_POST(self) -> None:
        self._json(405, {"code": -1, "msg": "Only GET is served."})

    do_PUT = do_DELETE = do_POST  # noqa: N815

    def _file(self, name: str) -> None:
        root = STATIC.resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            self._json(404, {"code": -1, "msg": "Not found."})
            return
        body = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(200, body, f"{kind}; charset=utf-8" if kind.startswith("text") else kind)

    def _klines(self, symbol: str) -> None:
        if symbol not in self.sources.feed.held():
            self._json(400, {"code": -1121, "msg": "Invalid symbol."})
            return
        try:
            rows = self.sources.klines(symbol)
        except Exception as error:
            self._json(200, {"symbol": symbol, "klines": [], "msg": str(error)[:200]})
            return
        self._json(200, {"symbol": symbol, "klines": rows})

    def _events(self) -> None:
        listener = self.sources.feed.listen()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self._event("hello", json.dumps(self.sources.feed.current()), retry=True)
            while not self.sources.stopping.is_set():
                try:
                    message = listener.get(timeout=KEEP_ALIVE_S)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                if message is None:
                    break
                self._event(*message)
        except OSError:
            pass  # the page went away, or stopped reading for ``timeout`` seconds
        finally:
            self.sources.feed.leave(listener)
            self.close_connection = True

    def _event(self, name: str, data: str, *, retry: bool = False) -> None:
        head = "retry: 1000\n" if retry else ""
        self.wfile.write(f"{head}event: {name}\ndata: {data}\n\n".encode())
        self.wfile.flush()

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


_PAGES: dict[str, Callable[[_Handler, str], None]] = {
    "/": _Handler._page,
    "/monitor/v1/state": _Handler._state,
    "/monitor/v1/klines": _Handler._symbol_klines,
    "/monitor/v1/events": _Handler._stream,
}


def _handler(
    feed: MonitorFeed, klines: Klines, stopping: threading.Event
) -> type[BaseHTTPRequestHandler]:
    """Return :class:`_Handler` bound to one server's feed, klines and stop flag."""
    return type("Handler", (_Handler,), {"sources": PageSources(feed, klines, stopping)})
