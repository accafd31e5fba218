"""Request weight per client per minute, as Binance counts it (``X-MBX-USED-WEIGHT-1M``)."""

from __future__ import annotations

from liquidator.api.errors import TOO_MANY_REQUESTS, BinanceError

MINUTE_MS = 60_000


class WeightLimiter:
    """A fixed one-minute window per client (Binance's): over ``limit`` is HTTP 429, -1003."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.windows: dict[str, tuple[int, int]] = {}  # client -> (minute, weight used)

    def spend(self, client: str, weight: int, now_ms: int) -> int:
        """Count ``weight`` for ``client``; return the minute's total, or raise when over."""
        minute = now_ms // MINUTE_MS
        start, used = self.windows.get(client, (minute, 0))
        if start != minute:
            used = 0
        used += weight
        self.windows[client] = (minute, used)
        if self.limit and used > self.limit:
            raise BinanceError(
                TOO_MANY_REQUESTS,
                f"Too many requests; current limit is {self.limit} request weight per 1 MINUTE."
                " Please use the websocket for live updates to avoid polling the API.",
                429,
            )
        return used
