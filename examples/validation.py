"""The validation table of docs/validation.md: every crash window through the living population.

    LIQUIDATOR_PURE_PYTHON=1 .venv/bin/python examples/validation.py [--traders 1000]

For each window of ../shared/data/binance-crash (BTCUSDT): the minute of the low, the end of the
steepest 15-minute fall of the close, and three runs (Binance's rules, seed 7, the path walked a
second at a time): a 1M-USDT fund; a fund of 2% of the population's open interest at the start
(Binance's fund, about $1.23B on 2025-10-10, against that day's $67B of BTC open interest
market-wide is 1.8%); the same without whales (their OI is most of it). Prints one Markdown row
per run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from liquidator.adapters.marketdata.klines import read_klines
from liquidator.app.collector import tune_collector
from liquidator.bootstrap import bundled_market
from liquidator.simulation.crowd import Crowd, CrowdConfig
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayResult
from liquidator.simulation.sweep.grid import RunSpec
from liquidator.simulation.sweep.run import replay_config
from liquidator.simulation.sweep.sources import window, windows

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "binance-crash"
FUND_SHARE_OF_OPEN_INTEREST = 0.02


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%m-%d %H:%M")


def landmarks(day: str) -> tuple[int, int, float]:
    """Return (low minute, steepest 15-minute fall's last minute, its size)."""
    bars = list(read_klines(windows(DATA)[day]))
    low = min(bars, key=lambda bar: bar.low).open_ms
    fall, end = max(
        (1 - bars[i].close / bars[i - 15].close, bars[i].open_ms) for i in range(15, len(bars))
    )
    return low, end, fall


def open_interest(traders: int, whales: float) -> int:
    """Return the population's notional at the start (USDT), as the crowd draws it."""
    crowd = Crowd(
        PopulationConfig(count=traders, seed=7),
        CrowdConfig(whale_share=whales),
        ["BTCUSDT"],
        bundled_market(),
    )
    return sum(trader.notional for trader in crowd.first())


def row(day: str, result: ReplayResult, fund: int, whales: float, seconds: float) -> str:
    low, fall_end, fall = landmarks(day)
    items = result.liquidations
    per_minute = Counter(item.ts_ms // 60_000 * 60_000 for item in items)
    peak = max(sorted(per_minute), key=per_minute.__getitem__) if per_minute else 0
    longs = sum(1 for item in items if item.side == "LONG")
    after = [item for item in items if item.ts_ms >= low + 60_000]
    squeezed = sum(1 for item in after if item.side == "SHORT")
    deleveraged = sum(1 for item in items if item.deleveraged)
    share = deleveraged / max(1, len(items))
    partial = sum(1 for item in items if item.partial)
    fund_text = f"{fund / 1e6:.2f}M{'' if whales else ', no whales'}"
    cells = [
        day,
        when(low),
        f"{when(fall_end)} ({fall:.1%})",
        fund_text,
        str(len(result.traders)),
        f"{longs} / {len(items) - longs}",
        when(peak),
        f"{(peak - fall_end) // 60_000:+d}",
        f"{len(after)} ({squeezed} short)",
        str(partial),
        f"{deleveraged} / {len(items)} ({share:.0%})",
        f"{seconds:.0f} s",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--traders", type=int, default=1_000)
    parser.add_argument("--windows", nargs="*", help="days (default: every window)")
    args = parser.parse_args()
    tune_collector()
    for day in args.windows or sorted(windows(DATA)):
        source = window(DATA, day)
        for fund_rule, whales in (("1M", 0.005), ("2%", 0.005), ("2%", 0.0)):
            share = FUND_SHARE_OF_OPEN_INTEREST * open_interest(args.traders, whales)
            fund = 1_000_000 if fund_rule == "1M" else int(share)
            spec = RunSpec(
                "window", day, "BTCUSDT", 0.0, 0, "binance", fund, 7, args.traders, 100, 0.6,
                0.5, 0.2, 0, 5_000, 5_000_000, whale_share=whales,
            )  # fmt: skip
            started = time.perf_counter()
            replay = Replay(bundled_market(), replay_config(spec))
            result = replay.run(iter(source.ticks), list(source.symbols), source.funding)
            line = row(day, result, fund, whales, time.perf_counter() - started)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
