"""Rate limits as Binance counts them: request weight per IP address, new orders per account.

* Request weight (``X-MBX-USED-WEIGHT-1M``): "the limits on the API are based on the IPs, not
  the API keys"; 2400 a minute on USDⓈ-M (``exchangeInfo.rateLimits``). Over it: HTTP 429, -1003.
* Orders (``X-MBX-ORDER-COUNT-10S``, ``-1M``): "the order rate limit is counted against each
  account"; 300 per 10 seconds and 1200 a minute. Over it: HTTP 429, -1015.
* Every window is fixed and aligned (a minute starts at :00, ten seconds at :00, :10...); a 429
  carries ``Retry-After``, the whole seconds until the window that was exceeded ends.
* The address is the socket's peer, unless the peer is a trusted proxy: only then is
  ``X-Forwarded-For`` read, right to left, and its last hop that is not a trusted proxy counted.
  Any client can write the header; only a proxy the operator names can vouch for it.

A limit of 0 turns that limiter off. Counters of past windows are dropped when a window ends, so
memory holds only the clients of the current one.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from liquidator.api.errors import TOO_MANY_REQUESTS, BinanceError

MINUTE_MS = 60_000
TEN_SECONDS_MS = 10_000
TOO_MANY_ORDERS = -1015
DEFAULT_ORDERS_PER_10S = 300
DEFAULT_ORDERS_PER_MINUTE = 1200
MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerLimits:
    """Every limit the server applies before doing work for a client (0: that limit is off).

    Binance's own numbers where it documents one: orders per account (USDⓈ-M
    ``exchangeInfo.rateLimits``), and per WebSocket connection at most 1024 streams and 10
    incoming messages a second, over which the connection is dropped ("WebSocket Market
    Streams"). The others are this server's: Binance's edge (a WAF) publishes no numbers.
    """

    max_body_bytes: int = MIB  # a request body; over it: HTTP 413 before it is read
    max_header_bytes: int = 64 * 1024  # request line and headers; over it: HTTP 431, closed
    request_timeout_s: float = 10.0  # to send a whole request, from connecting or its 1st byte
    keep_alive_timeout_s: int = 5  # idle between requests on a kept-alive connection
    max_connections_per_address: int = 64  # open at once (HTTP and WebSocket); over: closed
    trusted_proxies: frozenset[str] = field(default_factory=frozenset)  # may set the address
    orders_per_10s: int = DEFAULT_ORDERS_PER_10S  # per account (X-MBX-ORDER-COUNT-10S)
    orders_per_minute: int = DEFAULT_ORDERS_PER_MINUTE  # per account (X-MBX-ORDER-COUNT-1M)
    ws_max_streams: int = 1024  # streams (and listen keys) one connection listens to
    ws_messages_per_s: int = 10  # incoming frames a second; over it the connection is dropped
    ws_send_buffer_bytes: int = 4 * MIB  # queued for a slow reader; over it: dropped


class RateLimitError(BinanceError):
    """HTTP 429 in Binance's shape, with the seconds to wait (``Retry-After``)."""

    def __init__(
        self, code: int, msg: str, retry_after_s: int, counts: dict[str, str] | None = None
    ) -> None:
        headers = {"Retry-After": str(retry_after_s), **(counts or {})}
        super().__init__(code, msg, 429, headers=headers)
        self.retry_after_s = retry_after_s


class Window:
    """Counts per key in fixed windows of ``length_ms``; a key over ``limit`` is refused."""

    def __init__(self, limit: int, length_ms: int) -> None:
        self.limit = limit
        self.length_ms = length_ms
        self.start_ms = 0
        self.used: dict[str, int] = {}

    def add(self, key: str, amount: int, now_ms: int) -> int:
        """Count ``amount`` for ``key``; return its total in the current window."""
        start = now_ms - now_ms % self.length_ms
        if start != self.start_ms:
            self.start_ms, self.used = start, {}
        total = self.used.get(key, 0) + amount
        self.used[key] = total
        return total

    def is_over(self, total: int) -> bool:
        return 0 < self.limit < total

    def retry_after_s(self, now_ms: int) -> int:
        """Whole seconds until the current window ends (at least 1)."""
        return max(1, -(-(self.start_ms + self.length_ms - now_ms) // 1000))


class WeightLimiter:
    """Request weight per address a minute (Binance's IP limit): over ``limit`` is -1003."""

    def __init__(self, limit: int) -> None:
        self.window = Window(limit, MINUTE_MS)

    @property
    def limit(self) -> int:
        return self.window.limit

    @limit.setter
    def limit(self, value: int) -> None:
        self.window.limit = value

    def spend(self, address: str, weight: int, now_ms: int) -> int:
        """Count ``weight`` for ``address``; return the minute's total, or raise when over."""
        used = self.window.add(address, weight, now_ms)
        if self.window.is_over(used):
            raise RateLimitError(
                TOO_MANY_REQUESTS,
                f"Too much request weight used; current limit is {self.limit} request weight"
                " per 1 MINUTE. Please use the websocket for live updates to avoid polling the"
                " API.",
                self.window.retry_after_s(now_ms),
                {"X-MBX-USED-WEIGHT-1M": str(used)},
            )
        return used


class OrderLimiter:
    """New orders per account in 10 seconds and in a minute: over either is -1015."""

    def __init__(
        self, per_10s: int = DEFAULT_ORDERS_PER_10S, per_minute: int = DEFAULT_ORDERS_PER_MINUTE
    ) -> None:
        self.windows = (
            ("10S", Window(per_10s, TEN_SECONDS_MS)),
            ("1M", Window(per_minute, MINUTE_MS)),
        )

    def spend(self, account: str, now_ms: int) -> dict[str, str]:
        """Count one order; return the ``X-MBX-ORDER-COUNT-*`` headers, or raise when over."""
        headers = {}
        for name, window in self.windows:
            used = window.add(account, 1, now_ms)
            headers[f"X-MBX-ORDER-COUNT-{name}"] = str(used)
            if window.is_over(used):
                interval = "10 SECOND" if name == "10S" else "1 MINUTE"
                raise RateLimitError(
                    TOO_MANY_ORDERS,
                    f"Too many new orders; current limit is {window.limit} orders per {interval}.",
                    window.retry_after_s(now_ms),
                )
        return headers


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The address a request is counted against: the peer, or behind trusted proxies the last
    ``X-Forwarded-For`` hop that is not one of them."""
    if peer is None:
        return "unknown"
    if peer not in trusted or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        if hop and hop not in trusted:
            return hop[:64]  # an address, not a place to store text
    return peer


@dataclass
class RequestLimits:
    """The limiters every route shares besides the weight (which the server holds)."""

    orders: OrderLimiter
    trusted_proxies: frozenset[str]

    @classmethod
    def of(cls, limits: ServerLimits) -> RequestLimits:
        return cls(
            OrderLimiter(limits.orders_per_10s, limits.orders_per_minute), limits.trusted_proxies
        )


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """``liquidator serve``'s options for :class:`ServerLimits` (defaults: the class's)."""
    default = ServerLimits()
    group = parser.add_argument_group("limits (0 turns one off)")
    for flag, kind, value, text in (
        ("--max-body-bytes", int, default.max_body_bytes, "request body size (HTTP 413)"),
        ("--max-header-bytes", int, default.max_header_bytes, "request line and headers (431)"),
        ("--request-timeout", float, default.request_timeout_s, "seconds to send a request"),
        ("--keep-alive-timeout", int, default.keep_alive_timeout_s, "idle seconds, kept alive"),
        (
            "--max-connections-per-address",
            int,
            default.max_connections_per_address,
            "open connections from one address",
        ),
        ("--order-limit-10s", int, default.orders_per_10s, "new orders per account in 10 s"),
        ("--order-limit-1m", int, default.orders_per_minute, "new orders per account a minute"),
        ("--ws-max-streams", int, default.ws_max_streams, "streams per WebSocket connection"),
        ("--ws-messages-per-second", int, default.ws_messages_per_s, "incoming, per connection"),
    ):
        group.add_argument(flag, type=kind, default=value, help=f"{text} (default {value})")
    group.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a proxy whose X-Forwarded-For names the client (repeatable)",
    )


def limits_from(args: argparse.Namespace) -> ServerLimits:
    """The :class:`ServerLimits` of parsed ``serve`` options (negative values count as 0)."""
    return ServerLimits(
        max_body_bytes=max(0, args.max_body_bytes),
        max_header_bytes=max(0, args.max_header_bytes),
        request_timeout_s=max(0.0, args.request_timeout),
        keep_alive_timeout_s=max(0, args.keep_alive_timeout),
        max_connections_per_address=max(0, args.max_connections_per_address),
        trusted_proxies=frozenset(args.trusted_proxy),
        orders_per_10s=max(0, args.order_limit_10s),
        orders_per_minute=max(0, args.order_limit_1m),
        ws_max_streams=max(0, args.ws_max_streams),
        ws_messages_per_s=max(0, args.ws_messages_per_second),
    )
