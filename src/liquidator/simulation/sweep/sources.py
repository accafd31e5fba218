"""Price sources a sweep replays: the real crash windows and the synthetic scenarios.

A window is named by its day (``2021-05-19``) and found in the crash data directory as
``<SYMBOL>-1m-<YYYY-MM>_cut_<YYYYMMDD>T...csv`` with ``<SYMBOL>-fundingRate-<YYYY-MM>.csv``
beside it. A source is read where the sweep starts (its ticks travel with the task), so the
workers of a remote cluster need no access to the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from liquidator.adapters.marketdata.funding_file import read_funding
from liquidator.adapters.marketdata.klines import read_klines
from liquidator.simulation import scenarios
from liquidator.simulation.feeds import STEP_MS, Tick, kline_ticks

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Source:
    """Ticks and funding rates of one window or scenario, ready to replay."""

    name: str
    symbols: tuple[str, ...]
    ticks: tuple[Tick, ...]
    funding: tuple[tuple[int, str, int], ...]


def windows(data: Path, symbol: str = "BTCUSDT") -> dict[str, Path]:
    """Return the crash windows of ``symbol`` in ``data``, by day."""
    found: dict[str, Path] = {}
    for path in sorted(data.glob(f"{symbol}-1m-*_cut_*.csv")):
        stamp = path.name.split("_cut_")[1][:8]
        found[f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"] = path
    return found


def window(
    data: Path,
    day: str,
    symbols: tuple[str, ...] = ("BTCUSDT",),
    minutes: int = 0,
    step_ms: int = STEP_MS,
) -> Source:
    """Read the window of ``day`` for ``symbols`` together (its first ``minutes``; 0: all),
    walking each minute's path in steps of ``step_ms`` (``feeds.kline_ticks``).

    The symbols' ticks are merged in time order (ties by symbol); ValueError if one is missing.
    """
    ticks: list[Tick] = []
    funding: list[tuple[int, str, int]] = []
    for symbol in symbols:
        known = windows(data, symbol)
        if day not in known:
            listed = ", ".join(known) or "none"
            raise ValueError(f"no {symbol} window {day!r} in {data} (windows: {listed})")
        bars = list(read_klines(known[day]))
        ticks += kline_ticks(bars[:minutes] if minutes else bars, symbol, step_ms)
        funding_file = data / f"{symbol}-fundingRate-{day[:7]}.csv"
        if funding_file.exists():
            funding += ((ms, symbol, rate) for ms, rate in read_funding(funding_file))
    ticks.sort(key=lambda tick: (tick[0], tick[1]))
    return Source(day, tuple(symbols), tuple(ticks), tuple(sorted(funding)))


def scenario(name: str, drop: float, minutes: int, seed: int) -> Source:
    """Build a synthetic scenario (``liquidator scenarios``); ValueError if unknown."""
    if name not in scenarios.names():
        raise ValueError(f"unknown scenario {name!r} (known: {', '.join(scenarios.names())})")
    config = scenarios.ScenarioConfig(drop=drop, minutes=minutes, seed=seed)
    ticks = tuple(scenarios.ticks(name, config))
    return Source(f"{name}-{drop:g}-{minutes}m", tuple(scenarios.symbols_of(name)), ticks, ())
