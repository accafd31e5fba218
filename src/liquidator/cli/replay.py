"""``liquidator replay`` and ``liquidator scenarios``: crashes through a population of traders."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from liquidator.adapters.input_files import printable
from liquidator.app.collector import tune_collector
from liquidator.bootstrap import bundled_market
from liquidator.cli.args import real, whole
from liquidator.core.money.fixed import trim_raw
from liquidator.simulation import scenarios
from liquidator.simulation.book_liquidity import DEFAULT_LEVELS, BookLiquidity
from liquidator.simulation.captured_book import MAX_LEVELS
from liquidator.simulation.feeds import STEP_MS, Feed
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayResult
from liquidator.simulation.replay_sources import add_companions, open_interest_paths, read_feed
from liquidator.simulation.sweep.grid import MODELS, RunSpec, depth_text
from liquidator.simulation.sweep.profiles import PROFILES, profile
from liquidator.simulation.sweep.run import event_rows, replay_config, summary_row, usdt_seeded
from liquidator.web.replay_report import render

MAX_TRADERS = 1_000_000
MAX_MINUTES = 7 * 24 * 60  # a week of one-second ticks


def add_commands(commands: Any) -> None:
    replay = commands.add_parser("replay", help="replay a crash through a population of traders")
    replay.add_argument(
        "file",
        type=Path,
        nargs="*",
        help="price files, one per symbol, replayed together: Binance 1m klines, trades or "
        "aggTrades CSVs (plain or zip), or websocket captures (gzip)",
    )
    replay.add_argument(
        "--symbol", help="the symbol of a file whose name does not say it (default BTCUSDT)"
    )
    replay.add_argument(
        "--funding", type=Path, action="append", default=[], help="a Binance fundingRate CSV"
    )
    replay.add_argument(
        "--mark", type=Path, action="append", default=[], help="a markPriceKlines file (the mark)"
    )
    replay.add_argument(
        "--index",
        type=Path,
        action="append",
        default=[],
        help="an indexPriceKlines file (the index)",
    )
    replay.add_argument("--scenario", choices=scenarios.names(), help="a synthetic crash instead")
    replay.add_argument(
        "--drop",
        type=real(0, 0.95, above_low=True),
        default=0.15,
        help="scenario: the fall (0.15 = 15%%)",
    )
    replay.add_argument(
        "--minutes", type=whole(1, MAX_MINUTES), default=60, help="scenario: how long it lasts"
    )
    replay.add_argument(
        "--speed",
        type=real(0, 1e9, above_low=True),
        help="N times real time (default: as fast as it goes)",
    )
    replay.add_argument(
        "--traders", type=whole(1, MAX_TRADERS), default=1_000, help="population size"
    )
    replay.add_argument(
        "--seed", type=whole(0, 2**63 - 1), default=7, help="population (and scenario) seed"
    )
    replay.add_argument("--max-leverage", type=whole(2, 125), default=100)
    replay.add_argument("--isolated-share", type=real(0, 1), default=0.5)
    replay.add_argument("--long-share", type=real(0, 1), default=0.6)
    replay.add_argument("--stop-share", type=real(0, 1), default=0.2, help="share with a stop-loss")
    replay.add_argument("--report", type=Path, default=Path("replay-report.html"))
    replay.add_argument("--events", type=Path, help="write the liquidations and ADL as CSV")
    replay.add_argument("--json", action="store_true", help="print the summary as JSON")
    replay.add_argument(
        "--profile", choices=sorted(PROFILES), default="binance", help="venue profile (rules)"
    )
    replay.add_argument(
        "--fund", type=whole(0, 10**12), default=1_000_000, help="USDT seeded into each fund"
    )
    replay.add_argument(
        "--parquet", type=Path, help="write DIR/runs.parquet and DIR/events/ (as sweep does)"
    )
    _population_options(replay)
    listing = commands.add_parser("scenarios", help="list the synthetic crash scenarios")
    listing.add_argument("--json", action="store_true")


def _population_options(replay: Any) -> None:
    """The living population and the liquidity (docs/replay.md, "A population that lives")."""
    replay.add_argument(
        "--population",
        choices=MODELS,
        default="living",
        help="living: arrivals, exits, re-entry, dip-buyers, whales; static: all open at once",
    )
    replay.add_argument("--exit-per-hour", type=real(0, 100), default=0.2)
    replay.add_argument("--reentry-share", type=real(0, 1), default=0.3)
    replay.add_argument("--dip-per-hour", type=real(0, 100), default=0.1)
    replay.add_argument("--whale-share", type=real(0, 1), default=0.005)
    replay.add_argument(
        "--maker-depth",
        type=_depth,
        default="1",
        help="the market maker's quantity at its best level (base asset)",
    )
    replay.add_argument(
        "--liquidity",
        choices=("maker", "book"),
        help="maker: the built-in market maker; book: a capture's own book (the default when "
        "a price file carries one)",
    )
    replay.add_argument(
        "--book-levels",
        type=whole(1, MAX_LEVELS),
        help=f"--liquidity book: the best N captured levels a side (default {DEFAULT_LEVELS})",
    )
    replay.add_argument(
        "--book-scale",
        type=_scale,
        help="--liquidity book: each captured quantity times this share (default 1)",
    )
    replay.add_argument(
        "--book-warmup",
        type=Path,
        action="append",
        default=[],
        help="--liquidity book: an earlier capture of the same stream whose depth warms the book",
    )
    replay.add_argument(
        "--step-ms",
        type=whole(1, 15_000),
        default=STEP_MS,
        help="walk each kline's path in steps of N ms (15000: its 4 points)",
    )
    replay.add_argument(
        "--open-interest",
        type=Path,
        action="append",
        default=[],
        help="a Binance metrics CSV or openInterestHist JSON: the open-interest path to follow",
    )


def _scale(text: str) -> Decimal:
    """Parse ``--book-scale``: an exact decimal in (0, 1000] (no float on the way)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 < value <= 1_000:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a decimal share in (0, 1000]")
    return value


def _depth(text: str) -> str:
    try:
        return depth_text(text, "--maker-depth")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    if args.command == "scenarios":
        return _list(args)
    try:
        feed, title = _source(args)
        book = book_liquidity(args, feed)
        spec = _spec(args, feed, book)
        result, liquidity = _replay(feed, spec, args, book)
    except (ValueError, OSError) as error:
        print(f"liquidator: error: {error}", file=sys.stderr)
        return 2
    try:
        args.report.write_text(render(result, title), encoding="utf-8")
        if args.events is not None:
            _write_events(result, args.events)
        if args.parquet is not None:
            _write_parquet(spec, result, args.parquet)
    except (OSError, UnicodeError) as error:
        print(f"liquidator: error: cannot write the report: {error}", file=sys.stderr)
        return 2
    summary = result.summary()
    summary["liquidity"] = liquidity
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print(summary, title, args)
    return 0


def _spec(args: argparse.Namespace, feed: Feed, book: BookLiquidity | None) -> RunSpec:
    """Return the run the options describe, as a sweep would name it (a captured book's
    liquidity named after the files: runs.parquet has no column of its own for it)."""
    source = "scenario" if args.scenario else "window"
    name = args.scenario or ",".join(printable(path.name) for path in args.file)
    if book is not None:
        name += f" (book: {book.levels} levels x {args.book_scale or 1})"
    return RunSpec(
        source=source,
        name=name,
        symbols="" if args.scenario else ",".join(feed.symbols),
        drop=args.drop if args.scenario else 0.0,
        minutes=args.minutes if args.scenario else 0,
        profile=args.profile,
        fund_usdt=args.fund,
        seed=args.seed,
        traders=args.traders,
        max_leverage=args.max_leverage,
        long_share=args.long_share,
        isolated_share=args.isolated_share,
        stop_share=args.stop_share,
        entry_minutes=0,
        median_notional=PopulationConfig().median_notional,
        max_notional=PopulationConfig().max_notional,
        model=args.population,
        exit_per_hour=args.exit_per_hour,
        reentry_share=args.reentry_share,
        dip_per_hour=args.dip_per_hour,
        whale_share=args.whale_share,
        maker_depth=args.maker_depth,
        step_ms=args.step_ms if not args.scenario else STEP_MS,
    )


def _write_parquet(spec: RunSpec, result: ReplayResult, out: Path) -> None:
    from liquidator.simulation.sweep import parquet  # noqa: PLC0415 (pyarrow: only when asked)

    row = summary_row(spec, result)
    row["fund_seeded"] = _funds_seeded(spec)
    row["seconds"], row["pid"] = 0.0, os.getpid()
    parquet.write_events(out / "events" / f"{spec.run_id}.parquet", event_rows(result))
    parquet.write_runs(out / "runs.parquet", [row])


def _funds_seeded(spec: RunSpec) -> int:
    market = profile(spec.profile).market(bundled_market())
    return usdt_seeded(market, replay_config(spec).insurance)


def _source(args: argparse.Namespace) -> tuple[Feed, str]:
    if args.scenario and args.file:
        raise ValueError("give price files or --scenario, not both")
    if args.scenario:
        config = scenarios.ScenarioConfig(drop=args.drop, minutes=args.minutes, seed=args.seed)
        title = f"Scenario {args.scenario}: {args.drop:.0%} over {args.minutes} min"
        symbols = scenarios.symbols_of(args.scenario)
        return Feed(symbols, list(scenarios.ticks(args.scenario, config))), title
    if not args.file:
        raise ValueError("give a price file or --scenario NAME (see liquidator scenarios)")
    levels = args.book_levels or DEFAULT_LEVELS
    book_levels = 0 if args.liquidity == "maker" else levels
    feed = read_feed(args.file, args.symbol, args.step_ms, book_levels, args.book_warmup)
    add_companions(feed, args.mark, args.index, args.funding, args.step_ms)
    feed.open_interest = open_interest_paths(args.open_interest, feed.symbols)
    names = ", ".join(printable(path.name) for path in args.file)
    return feed, f"{', '.join(feed.symbols)} replay of {names}"


def book_liquidity(args: argparse.Namespace, feed: Feed) -> BookLiquidity | None:
    """Return the captured book's liquidity the options ask for (None: the market maker).

    The book is the default when a price file carries one; ``--liquidity book`` without one,
    or ``--book-levels``/``--book-scale`` with the market maker, is refused (ValueError)."""
    chosen = args.liquidity or ("book" if feed.books else "maker")
    if chosen == "maker":
        if args.book_levels is not None or args.book_scale is not None or args.book_warmup:
            raise ValueError(
                "--book-levels, --book-scale and --book-warmup apply to --liquidity book"
            )
        return None
    if not feed.books:
        source = (
            "the scenario" if args.scenario else ", ".join(printable(p.name) for p in args.file)
        )
        raise ValueError(
            f"--liquidity book needs a capture with depthUpdate messages; {source} "
            "carries no book (use --liquidity maker)"
        )
    return BookLiquidity(args.book_levels or DEFAULT_LEVELS, Fraction(args.book_scale or 1))


def _replay(
    feed: Feed, spec: RunSpec, args: argparse.Namespace, book: BookLiquidity | None
) -> tuple[ReplayResult, dict[str, Any]]:
    """Run the replay; return its result and what its liquidity was (the summary's)."""
    market = profile(spec.profile).market(bundled_market())
    config = replay_config(spec, feed.open_interest)
    if book is not None:
        config = replace(config, market_maker=None, book=book)
    replay = Replay(market, config)
    console = Console(stderr=True)
    pace = Pace(args.speed)
    tune_collector()
    with Progress(console=console, disable=args.json or not console.is_terminal) as bar:
        task = bar.add_task("replaying", total=None)

        def progress(now_ms: int) -> None:
            bar.advance(task)
            pace.wait(now_ms)

        result = replay.run(
            feed.ticks,
            feed.symbols,
            feed.funding,
            progress=progress,
            marks=feed.marks,
            indexes=feed.indexes,
            books=feed.books,
        )
    if replay.book is None:
        return result, {"model": "maker", "best_level": spec.maker_depth}
    return result, {
        "model": "book",
        "levels": replay.book.config.levels,
        "scale": str(args.book_scale or 1),
        "frames": replay.book.frames,
        "gaps": feed.book_gaps,
        "refused": replay.book.refused,
        "fills": len(replay.book.fills),
        "liquidation_fills": sum(fill.liquidation for fill in replay.book.fills),
    }


class Pace:
    """Hold each tick until its time, ``speed`` times faster than the data (None: no wait)."""

    def __init__(self, speed: float | None) -> None:
        self.speed = speed
        self.first_ms: int | None = None
        self.started = time.perf_counter()

    def wait(self, now_ms: int) -> None:
        if self.speed is None:
            return
        if self.first_ms is None:
            self.first_ms, self.started = now_ms, time.perf_counter()
        due = self.started + (now_ms - self.first_ms) / 1000 / self.speed
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


def _write_events(result: ReplayResult, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                "time_ms",
                "kind",
                "account",
                "symbol",
                "side",
                "quantity",
                "price",
                "notional",
                "fee",
                "taken_over",
                "deleveraged",
                "partial",
            ]
        )
        for item in result.liquidations:
            writer.writerow(
                [
                    item.ts_ms,
                    "LIQUIDATION",
                    item.account,
                    item.symbol,
                    item.side,
                    _d(item.quantity),
                    _d(item.bankruptcy_price),
                    _d(item.notional),
                    _d(item.fee),
                    _d(item.taken_over),
                    _d(item.deleveraged),
                    item.partial,
                ]
            )
        for adl in result.adl:
            writer.writerow(
                [
                    adl.ts_ms,
                    "ADL",
                    adl.account,
                    adl.symbol,
                    adl.position_side.value,
                    _d(adl.quantity),
                    _d(adl.price),
                    _d(adl.quantity * adl.price // 10**8),
                    "0",
                    "0",
                    _d(adl.quantity),
                    False,
                ]
            )


def _d(raw: int) -> str:
    return trim_raw(raw)


def _print(summary: dict[str, Any], title: str, args: argparse.Namespace) -> None:
    console = Console()
    table = Table(title=title)
    table.add_column("what", justify="left")
    table.add_column("value", justify="right")
    rows = [
        ("Traders (positions opened)", f"{summary['traders']} ({summary['opened']})"),
        ("Liquidations, long / short", "{LONG} / {SHORT}".format(**summary["liquidations"])),
        (
            "Liquidated notional, long / short",
            "{LONG} / {SHORT}".format(**summary["liquidated_notional"]),
        ),
        ("Partial / full", f"{summary['partial']} / {summary['full']}"),
        ("Clearance fees to the funds", summary["clearance_fees"]),
        *(
            (f"Insurance fund {fund}: low-water / end", f"{low} / {summary['fund_end'][fund]}")
            for fund, low in summary["fund_low_water"].items()
        ),
        ("Bankruptcies (past bankruptcy at trigger)", str(summary["bankruptcies"])),
        ("Taken over by a fund", str(summary["taken_over"])),
        ("ADL events / notional", f"{summary['adl_events']} / {summary['adl_notional']}"),
        ("Accounts wiped out (< 1% left)", str(summary["wiped_out"])),
    ]
    rows += [
        (f"P&L of {bucket} traders ({n})", loss)
        for bucket, (n, loss) in summary["loss_by_leverage"].items()
    ]
    rows.append(("Liquidity", _liquidity_text(summary["liquidity"])))
    rows.append(("State hash", str(summary["state_hash"])[:16]))
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)
    events = f"; events: {printable(args.events)}" if args.events else ""
    console.print(f"report: {printable(args.report)}{events}")


def _liquidity_text(liquidity: dict[str, Any]) -> str:
    if liquidity["model"] == "maker":
        return f"market maker (best level {liquidity['best_level']})"
    return (
        f"captured book: {liquidity['levels']} levels a side x {liquidity['scale']}, "
        f"{liquidity['frames']} frames ({liquidity['gaps']} gaps), {liquidity['fills']} fills "
        f"({liquidity['liquidation_fills']} of liquidations), {liquidity['refused']} refused"
    )


def _list(args: argparse.Namespace) -> int:
    items = {name: scenarios.describe(name) for name in scenarios.names()}
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    table = Table(title="Scenarios (liquidator replay --scenario NAME --drop 0.2 --minutes 60)")
    table.add_column("name")
    table.add_column("shape")
    for name, text in items.items():
        table.add_row(name, text)
    Console().print(table)
    return 0
