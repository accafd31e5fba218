"""The path a price takes inside one kline, derived from open, high, low and close alone.

A kline tells where the price went, not in which order. The rule, applied without looking at
later klines: a rising bar (close >= open) went down first, then up (open, low, high, close);
a falling bar went up first (open, high, low, close). So a crash bar reaches its high, then its
low, then closes: the low is never visited before the high it followed. The four points are
spread evenly over the bar (at 0, 1/4, 1/2, 3/4 of it).
"""

from __future__ import annotations


def kline_path(
    open_ms: int, duration_ms: int, prices: tuple[int, int, int, int]
) -> list[tuple[int, int]]:
    """Return ``(time ms, price)`` points of a bar ``(open, high, low, close)``."""
    open_, high, low, close = prices
    middle = (low, high) if close >= open_ else (high, low)
    points = (open_, *middle, close)
    step = duration_ms // 4
    return [(open_ms + index * step, price) for index, price in enumerate(points)]
