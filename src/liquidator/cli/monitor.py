"""``liquidator monitor``: watch a Binance USDⓈ-M or COIN-M account live, with exact figures
and alerts.

Wires the monitor's use case to Binance's client library, the notification channels and the
view. The key and secret come from ``BINANCE_API_KEY`` / ``BINANCE_API_SECRET`` or
``--key-file`` and are never printed. Bad input, a refused key or an unusable answer: one line
on stderr and exit status 2; a dropped connection: the monitor reconnects.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from liquidator.adapters.binance.client import (
    BINANCE_COINM,
    BINANCE_USDM,
    MARKETS,
    BinanceAccountClient,
    library_client,
)
from liquidator.adapters.binance.fields import InputError
from liquidator.adapters.binance.stream_client import BinanceStreams
from liquidator.adapters.notify.channels import (
    AppriseChannel,
    Channel,
    CommandChannel,
    Dispatcher,
    WebhookChannel,
)
from liquidator.app.monitor.alerts import Alert, Thresholds
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.figures import PositionLine
from liquidator.app.monitor.ports import AccessDeniedError, ExchangeDataError, UnreachableError
from liquidator.app.monitor.session import MonitorSession, Output, Settings
from liquidator.app.monitor.whatif import WhatIfError, parse_what_if
from liquidator.cli.monitor_view import JsonOutput, LineEncoder, TableOutput, status_line
from liquidator.cli.whatif_view import print_what_if
from liquidator.core.money.fixed import Rate
from liquidator.web.monitor_feed import MonitorFeed
from liquidator.web.monitor_server import MonitorWeb

EXIT_BAD_INPUT = 2
MAX_WINDOW_MINUTES = 1500  # one klines request


def add_commands(commands: Any) -> None:
    monitor = commands.add_parser(
        "monitor", help="watch a Binance account live: exact liquidation prices and alerts"
    )
    add = monitor.add_argument
    add("--market", type=_market, default="usdm", help="usdm (/fapi) or coinm (/dapi)")
    add("--base-url", type=_url("http", "https"), help="REST base URL (default: Binance's)")
    add("--ws-url", type=_url("ws", "wss"), help="WebSocket base (default: from --base-url)")
    add("--key-file", type=Path, help='{"apiKey", "secretKey"} JSON, or key and secret lines')
    add("--symbol", action="append", type=str.upper, default=[], help="only these symbols")
    add("--json", action="store_true", help="one JSON line per position update and per alert")
    add("--interval", type=_seconds(0.1, 3600), default=1.0, help="seconds between updates")
    add("--refresh", type=_seconds(5, 86400), default=60.0, help="seconds between REST reads")
    add("--keepalive", type=_seconds(1, 3000), default=1800.0, help="listen key keep-alive (s)")
    add("--volatility-window", type=_minutes, default=1440, help="e.g. 24h or 90m (max 25h)")
    add("--alert-margin-ratio", type=_percent(0, 100), help="alert at this margin ratio, %%")
    add("--alert-distance", type=_percent(0, 100), help="alert at this distance to liq., %%")
    add("--alert-adl", type=_quantile, help="alert at this ADL quantile (1-5)")
    add("--alert-command", help="run this shell command with each alert's JSON on stdin")
    add("--webhook", action="append", default=[], help="POST each alert's JSON to this URL")
    add("--notify", action="append", default=[], help="an apprise URL (tgram://, mailto://...)")
    add("--what-if", help='e.g. "add-margin=100,reduce=0.01,stop=58000": print and exit')
    add("--slippage", type=_percent(0, 50, closed=True), default=Rate.of("0.005"), help="%%")
    add("--web", action="store_true", help="also serve a live dashboard page (see --web-address)")
    add("--web-address", type=_address, default=("127.0.0.1", 8700), help="HOST:PORT for --web")


def run(args: argparse.Namespace) -> int:
    """Run ``liquidator monitor``; return the exit status."""
    try:
        key, secret = _credentials(args.key_file)
        if args.base_url is None:
            args.base_url = BINANCE_COINM if args.market == "coinm" else BINANCE_USDM
        source = BinanceAccountClient(args.base_url, key, secret, args.market)
        if args.what_if is not None:
            return _what_if(args, source)
        channels = _channels(args)
    except (InputError, WhatIfError, ValueError, AccessDeniedError, UnreachableError) as error:
        return _fail(str(error))
    window = _window_name(args.volatility_window)
    encode = LineEncoder(window)  # one encoding a tick for --json and --web
    try:
        web = _web(args, encode) if args.web else None
    except OSError as error:
        host, port = args.web_address
        return _fail(f"--web-address {host}:{port}: cannot listen ({error.strerror})")
    dispatcher = Dispatcher(channels, status_line)
    view: Output = JsonOutput(window, encode=encode) if args.json else TableOutput(window)
    session = MonitorSession(
        source,
        BinanceStreams(args.ws_url or ws_base(args.base_url, args.market), args.market),
        _Fanout(view, dispatcher, web.feed if web else None),
        Thresholds(args.alert_margin_ratio, args.alert_distance, args.alert_adl),
        Settings(
            interval_s=args.interval,
            refresh_s=args.refresh,
            keepalive_s=args.keepalive,
            volatility_minutes=args.volatility_window,
            symbols=frozenset(args.symbol),
        ),
    )
    try:
        session.run()
    except KeyboardInterrupt:
        session.stop.set()
    except (AccessDeniedError, ExchangeDataError, InputError) as error:
        return _fail(str(error))
    finally:
        _close(view, dispatcher, web)
    return 0


def _web(args: argparse.Namespace, encode: LineEncoder) -> MonitorWeb:
    """Start the ``--web`` page's server (``OSError``: the address cannot be listened on)."""
    web = MonitorWeb(
        MonitorFeed(encode), _mark_klines(args.market, args.base_url), *args.web_address
    )
    web.start()
    status_line(f"dashboard at {web.url}")
    if not _is_loopback(args.web_address[0]):
        status_line("the dashboard is open to other machines: it shows the account's positions")
    return web


def _close(view: Output, dispatcher: Dispatcher, web: MonitorWeb | None) -> None:
    if isinstance(view, TableOutput):
        view.close()
    dispatcher.close()
    if web is not None:
        web.close()


class _Fanout:
    """The view, the web page's feed (``--web``), then the channels."""

    def __init__(self, view: Output, dispatcher: Dispatcher, feed: Output | None) -> None:
        self.view, self.dispatcher, self.feed = view, dispatcher, feed

    def lines(self, lines: list[PositionLine], book: AccountBook) -> None:
        self.view.lines(lines, book)
        if self.feed is not None:
            self.feed.lines(lines, book)

    def alert(self, alert: Alert) -> None:
        self.view.alert(alert)
        if self.feed is not None:
            self.feed.alert(alert)
        self.dispatcher.send(alert.to_json())

    def status(self, message: str) -> None:
        self.view.status(message)
        if self.feed is not None:
            self.feed.status(message)


def _mark_klines(market: str, base_url: str) -> Callable[[str], list[Any]]:
    """Return a reader of a symbol's last 500 1-minute mark-price klines (public, no key)."""
    api: Any = library_client(market, base_url, None, None)

    def read(symbol: str) -> list[Any]:
        rows = api.mark_price_klines(symbol, "1m", limit=500)
        return list(rows) if isinstance(rows, list) else []

    return read


def _what_if(args: argparse.Namespace, source: BinanceAccountClient) -> int:
    change = parse_what_if(args.what_if)
    book = AccountBook(source.snapshot())
    slippage = Fraction(args.slippage.raw, 10**8)
    body = print_what_if(book, change, frozenset(args.symbol), slippage, as_json=args.json)
    if args.json:
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
    return 0


def _channels(args: argparse.Namespace) -> list[Channel]:
    channels: list[Channel] = []
    if args.alert_command:
        channels.append(CommandChannel(args.alert_command))
    channels += [WebhookChannel(url) for url in args.webhook]
    if args.notify:
        try:
            channels.append(AppriseChannel(args.notify))
        except ValueError as error:
            raise InputError("--notify", None, str(error)) from None
    return channels


def _credentials(key_file: Path | None) -> tuple[str, str]:
    """Return the key and secret from ``key_file`` or the environment (never shown)."""
    if key_file is None:
        key = os.environ.get("BINANCE_API_KEY", "").strip()
        secret = os.environ.get("BINANCE_API_SECRET", "").strip()
        if not key or not secret:
            raise InputError("", None, "set BINANCE_API_KEY and BINANCE_API_SECRET, or --key-file")
        return key, secret
    try:
        text = key_file.read_text(encoding="utf-8")[:10_000]
    except (OSError, UnicodeDecodeError) as error:
        raise InputError("--key-file", str(key_file), f"cannot be read ({error})") from None
    try:
        body = json.loads(text)
        pair = (str(body["apiKey"]), str(body["secretKey"]))
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: deep JSON
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        pair = (lines[0], lines[1]) if len(lines) >= 2 else ("", "")
    if not all(pair) or not all(part.isascii() and part.isprintable() for part in pair):
        raise InputError(
            "--key-file", str(key_file), 'holds no {"apiKey", "secretKey"} nor two lines'
        )
    return pair


def ws_base(base_url: str, market: str = "usdm") -> str:
    """Return the WebSocket base for a REST base: Binance's stream host, else the same host
    (for COIN-M, its ``/dapi`` stream paths, as ``liquidator serve`` serves them)."""
    parts = urlsplit(base_url)
    coin = market == "coinm"
    known = {
        "fapi.binance.com": "wss://fstream.binance.com",
        "dapi.binance.com": "wss://dstream.binance.com",
        "testnet.binancefuture.com": (
            "wss://dstream.binancefuture.com" if coin else "wss://fstream.binancefuture.com"
        ),
    }
    if parts.hostname in known:
        return known[parts.hostname]
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}" + ("/dapi" if coin else "")


def _url(*schemes: str) -> Any:
    def read(text: str) -> str:
        parts = urlsplit(text.strip())
        if parts.scheme not in schemes or not parts.netloc or not text.isprintable():
            shown = _shown(text)
            raise argparse.ArgumentTypeError(f"{shown!r} is not a {' or '.join(schemes)} URL")
        return text.strip().rstrip("/")

    return read


def _market(text: str) -> str:
    body = text.strip().lower()
    if body not in MARKETS:
        raise argparse.ArgumentTypeError(f"{_shown(text)!r} is not usdm or coinm")
    return body


def _address(text: str) -> tuple[str, int]:
    """Read ``HOST:PORT`` (or ``PORT`` alone, on 127.0.0.1) for ``--web``."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    fine = port.isascii() and port.isdigit() and len(port) <= 5 and 0 < int(port) < 65536
    if not fine or not host.isprintable() or " " in host:
        raise argparse.ArgumentTypeError(f"{_shown(text)!r} is not HOST:PORT")
    return host, int(port)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def _percent(low: int, high: int, *, closed: bool = False) -> Any:
    """Return a type reading ``80`` or ``80%`` as the rate 0.8, in (low, high]."""

    def read(text: str) -> Rate:
        value = _decimal(text.strip().removesuffix("%"))
        if not (low <= value if closed else low < value) or value > high:
            raise argparse.ArgumentTypeError(
                f"{text.strip()} is not a percentage in ({low}, {high}]"
            )
        return Rate.of(value / 100)

    return read


def _seconds(low: float, high: float) -> Any:
    def read(text: str) -> float:
        value = _decimal(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text.strip()} is not within {low}..{high} seconds")
        return float(value)

    return read


def _minutes(text: str) -> int:
    """Read ``24h`` or ``90m`` as minutes, from 3 to 1500 (one klines request)."""
    body = text.strip().lower()
    per = {"m": 1, "h": 60}.get(body[-1:], 0)
    digits = body[:-1]
    fine = per and digits.isascii() and digits.isdigit() and len(digits) <= 6
    minutes = int(digits) * per if fine else 0
    if not 3 <= minutes <= MAX_WINDOW_MINUTES:
        raise argparse.ArgumentTypeError(f"{_shown(text)!r} is not 3m to 25h")
    return minutes


def _quantile(text: str) -> int:
    body = text.strip()
    if not (body.isascii() and body.isdigit() and 1 <= int(body) <= 5):
        raise argparse.ArgumentTypeError(f"{_shown(text)!r} is not an ADL quantile from 1 to 5")
    return int(body)


def _decimal(text: str) -> Decimal:
    """Read a finite decimal written in ASCII digits (at most 32 characters)."""
    body = text.strip()
    try:
        value = Decimal(body) if body.isascii() and len(body) <= 32 and "_" not in body else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise argparse.ArgumentTypeError(f"{_shown(text)!r} is not a decimal number")
    return value


def _shown(text: str) -> str:
    """Return ``text`` safe to print on one line, cut short."""
    safe = "".join(c if c.isprintable() else "?" for c in text)
    return safe if len(safe) <= 40 else safe[:37] + "..."


def _window_name(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _fail(message: str) -> int:
    sys.stderr.write(f"liquidator: error: {message}\n")
    return EXIT_BAD_INPUT
