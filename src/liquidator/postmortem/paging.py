"""Paging through Binance's history endpoints: 7-day windows, full pages halved, klines walked.

``userTrades`` and ``forceOrders`` answer at most 7 days per query (``income`` is queried the
same way); each answer is capped at ``limit`` rows, in an order the endpoints do not agree on.
So a window whose page comes back full is split in two and each half asked again, down to a
single millisecond; rows are kept once each (by their whole content). Mark-price klines are
walked forward from the first open time, 1500 bars a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WEEK_MS = 7 * 86_400_000
RETENTION_MS = 90 * 86_400_000  # forceOrders keeps 90 days: the default range
MINUTE_MS = 60_000

Page = Callable[..., Any]


def rows_in_windows(page: Page, start_ms: int, end_ms: int, limit: int) -> list[Any]:
    """Return every row from ``start_ms`` to ``end_ms`` (inclusive), oldest window first."""
    rows: list[Any] = []
    seen: set[str] = set()
    window = max(start_ms, 0)
    while window <= end_ms:
        last = min(end_ms, window + WEEK_MS - 1)
        for row in _window(page, window, last, limit):
            key = repr(sorted(row.items())) if isinstance(row, dict) else repr(row)
            if key not in seen:
                seen.add(key)
                rows.append(row)
        window = last + 1
    return rows


def _window(page: Page, start_ms: int, end_ms: int, limit: int) -> list[Any]:
    rows = page(startTime=start_ms, endTime=end_ms, limit=limit)
    if not isinstance(rows, list):
        return []
    if len(rows) < limit or start_ms >= end_ms:
        return rows
    middle = (start_ms + end_ms) // 2
    return _window(page, start_ms, middle, limit) + _window(page, middle + 1, end_ms, limit)


def klines(page: Callable[[int], list[Any]], start_ms: int, end_ms: int) -> list[Any]:
    """Return the 1-minute bars from ``start_ms`` to ``end_ms``, walking forward by pages."""
    bars: list[Any] = []
    cursor = start_ms - start_ms % MINUTE_MS
    while cursor <= end_ms:
        rows = page(cursor)
        fresh = [r for r in rows if isinstance(r, list) and r and int(r[0]) >= cursor]
        fresh = [r for r in fresh if int(r[0]) <= end_ms]
        if not fresh:
            break
        bars += fresh
        cursor = int(fresh[-1][0]) + MINUTE_MS
    return bars
