"""Premium klines of any interval are the samples in each bucket: the first, the largest, the
smallest, the last, and how many, whatever the samples are and whenever a write falls."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.core.exchange.events import PremiumSampled
from liquidator.read.history import HistoryBatch
from liquidator.read.market_history import INTERVALS_MS, PREMIUM, Bar, MarketHistory

SYMBOL = "BTCUSDT"
START_MS = 1_796_000_000_000 - 1_796_000_000_000 % (7 * 86_400_000)  # a week's first minute
RATE = st.integers(-(10**6), 10**6)  # +-1%: the premium index, raw 1e-8


def naive(samples: list[PremiumSampled], interval_ms: int) -> list[tuple[int, ...]]:
    buckets: dict[int, list[int]] = {}
    for sample in samples:
        buckets.setdefault(sample.ts_ms - sample.ts_ms % interval_ms, []).append(
            sample.premium_index
        )
    return [
        (key, rates[0], max(rates), min(rates), rates[-1], len(rates))
        for key, rates in sorted(buckets.items())
    ]


def fields(bar: Bar) -> tuple[int, ...]:
    return bar.open_ms, bar.open, bar.high, bar.low, bar.close, bar.trades


def write(store: SqliteHistory, market: MarketHistory, seq: int) -> None:
    """What ``Histories.write`` does for the market model: its changed bars, then forget them."""
    bars = [(symbol, kind, bar) for (symbol, kind, _), bar in market.changed.items()]
    store.write(HistoryBatch(seq, bars=bars))
    market.written()


@given(
    steps=st.lists(st.tuples(st.integers(1, 600), RATE), min_size=1, max_size=80),
    writes=st.sets(st.integers(0, 79)),
    interval=st.sampled_from(sorted(INTERVALS_MS.values())),
    limit=st.integers(1, 20),
)
def test_premium_klines_are_the_samples_of_each_bucket(
    steps: list[tuple[int, int]], writes: set[int], interval: int, limit: int
) -> None:
    samples, now = [], START_MS
    for gap_s, rate in steps:
        now += gap_s * 5_000  # samples fall on the 5 s ticks
        samples.append(PremiumSampled(SYMBOL, rate, now))
    store = SqliteHistory.memory()
    market = MarketHistory(store)
    for number, sample in enumerate(samples):
        market.apply([sample])
        if number in writes:
            write(store, market, number + 1)
    expected = naive(samples, interval)

    latest = market.klines(SYMBOL, interval, mark=PREMIUM, limit=limit)
    first = market.klines(SYMBOL, interval, mark=PREMIUM, start_ms=START_MS, limit=limit)

    assert [fields(bar) for bar in latest] == expected[-limit:]
    assert [fields(bar) for bar in first] == expected[:limit]
