"""Benchmark: a 24-hour replay, one mark a second, 100,000 positions, a 15% crash.

Targets on this 2-core machine: issue 6's 60 s (static population, a billion-USDT fund), issue
18's 30 s with the living population and a 1M-USDT fund (``--population living --fund
1000000``, the defaults). The day is the ``correlated`` scenario: BTCUSDT and
ETHUSDT each priced every second for 24 hours (86,401 ticks each), flat but for seeded noise
until 11:30, a 15% fall (ETHUSDT 19.5%) over 15 minutes with an 80% rebound (the wick), then
flat. 100,000 seeded traders (one position each, both symbols, isolated and cross, 2-100x, 20%
with a stop-loss): with ``--population static`` all open at the start against the house; with
``living`` (simulation/crowd.py) 100,000 are open at the start and others arrive, leave, buy the
dip and come back through the day, trading with each other. The market maker quotes around the
mark and refreshes its ladder when the mark is 5 bps off its middle. The insurance funds are
seeded with ``--fund`` USDT each; everything else runs as in any replay, with the garbage
collector tuned as ``liquidator replay`` tunes it (``app.collector``). Baseline in the same run:
the same day with no traders (the engine, the market maker and the price feed alone).
Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

from rich.console import Console
from rich.table import Table

from liquidator.app.collector import tune_collector
from liquidator.bootstrap import bundled_market
from liquidator.core.money.fixed import SCALE
from liquidator.core.risk.insurance_groups import InsuranceConfig
from liquidator.simulation.crowd import CrowdConfig
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig, ReplayResult
from liquidator.simulation.scenarios import ScenarioConfig, ticks

TARGETS_S = {"static": 60.0, "living": 30.0}


def day(seed: int, hours: float = 24) -> ScenarioConfig:
    """The day: flat until 48% of it, the hour of the crash and its rebound, flat again."""
    total = int(hours * 60)
    lead = max(1, total * 48 // 100)
    return ScenarioConfig(
        drop=0.15,
        minutes=min(60, max(2, total // 4)),
        lead_minutes=lead,
        tail_minutes=max(1, total - lead - min(60, max(2, total // 4))),
        step_ms=1_000,
        seed=seed,
    )


def run(args: argparse.Namespace, traders: int) -> tuple[float, ReplayResult]:
    seed, hours = args.seed, args.hours
    config = ReplayConfig(
        population=PopulationConfig(count=traders, seed=seed),
        insurance=InsuranceConfig(seed=args.fund * SCALE),
        sample_every_ms=60 * 60_000,  # an hourly sample (and ADL quantiles) over the day
        crowd=CrowdConfig() if args.population == "living" else None,
    )
    replay = Replay(bundled_market(), config)
    start = time.perf_counter()
    result = replay.run(ticks("correlated", day(seed, hours)), ["BTCUSDT", "ETHUSDT"])
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--traders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hours", type=float, default=24.0, help="the day's length (smoke runs)")
    parser.add_argument("--population", choices=("living", "static"), default="living")
    parser.add_argument("--fund", type=int, default=1_000_000, help="USDT seeded in each fund")
    args = parser.parse_args()
    console = Console(width=110)
    target = TARGETS_S[args.population]
    tune_collector()  # the collector's policy of ``liquidator replay`` and ``sweep``
    baseline_seconds, baseline = run(args, 0)
    seconds, result = run(args, args.traders)
    summary = result.summary()
    table = Table(title=f"24-hour replay, {result.ticks:,} ticks, {args.traders:,} traders")
    for name in ("what", "seconds", "ticks/s", "target"):
        table.add_column(name, justify="left" if name == "what" else "right")
    table.add_row(
        f"with {args.traders:,} positions",
        f"{seconds:.1f}",
        f"{result.ticks / seconds:,.0f}",
        f"{target:.0f}",
    )
    table.add_row(
        "baseline: no traders",
        f"{baseline_seconds:.1f}",
        f"{baseline.ticks / baseline_seconds:,.0f}",
        "",
    )
    console.print(table)
    liquidations = summary["liquidations"]
    console.print(
        f"opened {summary['opened']:,}; liquidations {liquidations}; ADL events "
        f"{summary['adl_events']}; funds low-water {summary['fund_low_water']}; "
        f"{result.commands:,} commands"
    )
    print(
        json.dumps(
            {
                "benchmark": "replay_day",
                "ticks": result.ticks,
                "traders": args.traders,
                "opened": summary["opened"],
                "seconds": round(seconds, 2),
                "baseline_seconds": round(baseline_seconds, 2),
                "liquidations": liquidations,
                "adl_events": summary["adl_events"],
                "commands": result.commands,
                "target_seconds": target,
                "population": args.population,
                "fund_usdt": args.fund,
                "traders_over_the_day": len(result.traders),
            }
        )
    )


if __name__ == "__main__":
    main()
