"""Real crash windows through the living population: cascades shaped by the crash.

Issue 18's checks on two windows (1,000 traders, seed 7, Binance's rules, a 1M-USDT fund, the
path walked a second at a time): the minute with the most liquidations lies within 15 minutes of
the window's steepest 15-minute fall; liquidations go on after the low, shorts among them (the
rebound squeezes them); ADL is the exception (under 10% of the liquidations); on 2021-05-19
whales meet the crash and partial liquidations occur. docs/validation.md has all six windows.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from liquidator.adapters.marketdata.klines import read_klines
from liquidator.bootstrap import bundled_market
from liquidator.simulation.replay import Replay, ReplayResult
from liquidator.simulation.sweep.grid import RunSpec
from liquidator.simulation.sweep.run import replay_config
from liquidator.simulation.sweep.sources import window, windows
from tests.conftest import SHARED

DATA = SHARED / "data" / "binance-crash"


def steepest_fall_minute(day: str) -> int:
    """Return the open time of the minute ending the largest 15-minute fall of the close."""
    bars = list(read_klines(windows(DATA)[day]))
    falls = [
        (1 - bars[i].close / bars[i - 15].close, bars[i].open_ms) for i in range(15, len(bars))
    ]
    return max(falls)[1]


def low_minute(day: str) -> int:
    return min(read_klines(windows(DATA)[day]), key=lambda bar: bar.low).open_ms


@cache
def replayed(day: str) -> ReplayResult:
    spec = RunSpec(
        "window",
        day,
        "BTCUSDT",
        0.0,
        0,
        "binance",
        1_000_000,
        7,
        1_000,
        100,
        0.6,
        0.5,
        0.2,
        0,
        5_000,
        5_000_000,
    )
    source = window(DATA, day)
    replay = Replay(bundled_market(), replay_config(spec))
    return replay.run(iter(source.ticks), list(source.symbols), source.funding)


@pytest.fixture(scope="module", params=["2021-05-19", "2022-11-08"])
def crash(request: pytest.FixtureRequest) -> tuple[str, ReplayResult]:
    return request.param, replayed(request.param)


def test_the_cascade_peaks_within_15_minutes_of_the_steepest_fall(
    crash: tuple[str, ReplayResult],
) -> None:
    day, result = crash
    per_minute = Counter(item.ts_ms // 60_000 * 60_000 for item in result.liquidations)
    peak = max(sorted(per_minute), key=per_minute.__getitem__)

    assert abs(peak - steepest_fall_minute(day)) <= 15 * 60_000


def test_shorts_are_liquidated_in_the_rebound_after_the_low(
    crash: tuple[str, ReplayResult],
) -> None:
    day, result = crash
    after = [item for item in result.liquidations if item.ts_ms >= low_minute(day) + 60_000]

    assert sum(1 for item in after if item.side == "SHORT") >= 20


def test_adl_is_the_exception_with_a_fund(crash: tuple[str, ReplayResult]) -> None:
    _, result = crash
    deleveraged = [item for item in result.liquidations if item.deleveraged]

    assert len(result.liquidations) > 500
    assert len(deleveraged) < len(result.liquidations) // 10


def test_partial_liquidations_occur_when_whales_meet_the_crash() -> None:
    result = replayed("2021-05-19")  # on 2022-11-08 no whale is liquidated with this seed

    assert any(item.partial for item in result.liquidations)
