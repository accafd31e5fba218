"""Klines of any interval are the 1-minute bars merged by bucket, whatever the minutes are."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.read.history import HistoryBatch
from liquidator.read.market_history import INTERVALS_MS, LAST, MINUTE_MS, Bar, MarketHistory

SYMBOL = "BTCUSDT"


def minute(open_ms: int, prices: tuple[int, int], volume: int) -> Bar:
    low, high = sorted(prices)
    return Bar(open_ms, low, high, low, high, volume, volume * low, 1, volume // 2, 0)


def naive(minutes: list[Bar], interval_ms: int) -> list[tuple[int, ...]]:
    """Merge ascending minutes by bucket, one field at a time."""
    buckets: dict[int, list[Bar]] = {}
    for bar in minutes:
        buckets.setdefault(bar.open_ms - bar.open_ms % interval_ms, []).append(bar)
    return [
        (
            key,
            group[0].open,
            max(b.high for b in group),
            min(b.low for b in group),
            group[-1].close,
            sum(b.volume for b in group),
            sum(b.quote for b in group),
            sum(b.trades for b in group),
            sum(b.taker_buy_volume for b in group),
        )
        for key, group in sorted(buckets.items())
    ]


def fields(bar: Bar) -> tuple[int, ...]:
    return (
        bar.open_ms,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        bar.quote,
        bar.trades,
        bar.taker_buy_volume,
    )


@given(
    offsets=st.sets(st.integers(0, 3 * 1440), min_size=1, max_size=60),
    prices=st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)), min_size=60),
    interval=st.sampled_from(sorted(INTERVALS_MS.values())),
    limit=st.integers(1, 30),
)
def test_klines_merge_the_minutes_of_each_bucket(
    offsets: set[int], prices: list[tuple[int, int]], interval: int, limit: int
) -> None:
    start = 1_796_000_000_000 - 1_796_000_000_000 % (7 * 1440 * MINUTE_MS)
    minutes = [
        minute(start + offset * MINUTE_MS, prices[i], i + 1)
        for i, offset in enumerate(sorted(offsets))
    ]
    store = SqliteHistory.memory()
    store.write(HistoryBatch(0, bars=[(SYMBOL, LAST, bar) for bar in minutes]))
    history = MarketHistory(store)
    expected = naive(minutes, interval)

    latest = history.klines(SYMBOL, interval, limit=limit)
    first = history.klines(SYMBOL, interval, start_ms=start, limit=limit)

    assert [fields(bar) for bar in latest] == expected[-limit:]
    assert [fields(bar) for bar in first] == expected[:limit]
    again = history.klines(SYMBOL, interval, limit=limit)
    assert [fields(bar) for bar in again] == expected[-limit:]  # the store's bars untouched
    store.close()
