"""Benchmark: the risk sweep on a million positions, against a naive full scan in the same run.

Issue 4's targets, on this 2-core machine: 1,000,000 positions over BTCUSDT and ETHUSDT (mixed
isolated, single-symbol cross and two-symbol cross accounts), a mark-price tick that liquidates
nobody in at most 5 ms (median), and a 10% crash in one tick that liquidates about 10,000
accounts through the whole waterfall in at most 2 s. Runs on an installed checkout
(``python benchmarks/risk_sweep.py``).

Quiet ticks walk each mark randomly (steps up to 0.1%, within 0.5% of the start): the bands of
the multi-position units are crossed and re-drawn, nobody is liquidated. The population is
written straight into a venue, as a snapshot restore would (accounts,
positions, wallets in the ledger, a house account on the other side of every position so they
net to zero), then indexed by the engine's own refresh (timed: that is a restart's cost). Marks
come from a feed; the book is empty, so every liquidation order goes unfilled and the insurance
fund (seeded large enough) takes it over at the bankruptcy price: the full waterfall runs (cancel,
partial check, IOC, fee, takeover, wallet settlement, events).

``--symbol BTCUSD_PERP`` runs the COIN-M variant: every position in BTCUSD_PERP (whole contracts
of 100 USD, 100 to 50,000 USD each, BTC wallets; no two-symbol units, the market lists one
inverse symbol), and the crash is BTC's 10% fall there.

Baseline: the naive engine, which checks every unit exactly at every tick (``units.unit`` and
``unit_figures`` over all of them). It is timed on a few ticks (it is slow) and on the crash
tick's detection alone. Prints tables and, last, one JSON line with the headline figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from liquidator.bootstrap import bundled_market
from liquidator.core.engine import Engine
from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.commands import SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.ledger import EXTERNAL, EntryKind
from liquidator.core.exchange.venue import PriceSource, Venue, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import SCALE, Price
from liquidator.core.risk.index import UnitKey
from liquidator.core.risk.insurance_groups import InsuranceConfig
from liquidator.core.risk.venue_units import refresh, unit, unit_figures, unit_key

START_MS = 1_704_067_201_000
USDM_MARKS = {"BTCUSDT": 60_000 * SCALE, "ETHUSDT": 3_000 * SCALE}
COINM_MARKS = {"BTCUSD_PERP": 60_000 * SCALE}
STEPS = {"BTCUSDT": 100_000, "ETHUSDT": 1_000_000, "BTCUSD_PERP": SCALE}  # 0.001 BTC, 0.01 ETH, 1
MARKS = dict(USDM_MARKS)  # the symbols of this run (``--symbol`` replaces them)
TARGET_TICK_MS = 5.0
TARGET_CRASH_S = 2.0


@dataclass(frozen=True, slots=True)
class Mix:
    """How the positions are spread (shares of positions; the rest single-symbol cross)."""

    isolated: float = 0.4
    two_symbol: float = 0.2  # positions held by accounts with one in each symbol
    hot: float = 0.026  # share of accounts leveraged 12-50x long in BTC: a 10% fall takes them


def build(count: int, mix: Mix, seed: int) -> tuple[Engine, int]:
    """Return an engine holding ``count`` positions, and the number of margin units.

    Over ``MARKS``'s symbols: USDⓈ-M (BTCUSDT and ETHUSDT, USDT wallets) by default, or COIN-M
    (BTCUSD_PERP alone, BTC wallets, contracts of 100 USD: no two-symbol units) with
    ``--symbol BTCUSD_PERP``.
    """
    config = VenueConfig(
        mark_source=PriceSource.FEED,
        insurance=InsuranceConfig(seed=10**12 * SCALE),
        adl_interval_ms=0,
    )
    engine = Engine(bundled_market(), config)
    for symbol, mark in MARKS.items():
        engine.handle(SetIndexPrice(symbol, Price(mark)), START_MS)
        engine.handle(SetMarkPrice(symbol, Price(mark)), START_MS)
    venue = engine.venue
    rng = random.Random(seed)
    house = venue.accounts["house"] = AccountState("house")
    asset = venue.assets[next(iter(MARKS))]
    _deposit(venue, "house", 10**13 * SCALE, asset)
    net = dict.fromkeys(MARKS, 0)
    cost = dict.fromkeys(MARKS, 0)
    made = number = 0
    while made < count:
        name = f"a{number:07d}"
        number += 1
        two = len(MARKS) > 1 and rng.random() < mix.two_symbol / (1 + mix.two_symbol)
        two = two and count - made >= 2
        symbols = list(MARKS) if two else [rng.choice(list(MARKS))]
        isolated = not two and rng.random() < mix.isolated / (1 - mix.two_symbol)
        hot = rng.random() < mix.hot
        account = venue.accounts[name] = AccountState(name)
        wallet = 0
        for symbol in symbols:
            quantity, leverage = _draw(rng, symbol, hot)
            price, tiers = MARKS[symbol], venue.symbols[symbol].tiers
            position = account.position(symbol, PositionSide.BOTH)
            position.quantity, position.cost = quantity, tiers.value16(quantity, price)
            venue.symbols[symbol].holders[(name, PositionSide.BOTH)] = quantity
            net[symbol] += quantity
            cost[symbol] += position.cost
            margin = tiers.notional16(abs(quantity), price) // SCALE // leverage
            if isolated:
                account.symbol(symbol).margin_type = MarginType.ISOLATED
                account.symbol(symbol).leverage = leverage
                _deposit(venue, position.ledger_key, margin, asset)
            wallet += margin
            made += 1
        _deposit(venue, name, wallet if not isolated else margin // 10, asset)
    for symbol in MARKS:  # the house holds the other side of everything
        position = house.position(symbol, PositionSide.BOTH)
        position.quantity, position.cost = -net[symbol], -cost[symbol]
        venue.symbols[symbol].holders[("house", PositionSide.BOTH)] = -net[symbol]
    units = {unit_key(venue, a, p) for a in venue.accounts.values() for p in a.open_positions()}
    venue.risk.dirty.update(units)
    return engine, len(units)


def _draw(rng: random.Random, symbol: str, hot: bool) -> tuple[int, int]:
    """Return (signed raw quantity, leverage) for one position: notional 100 to 50,000 USD
    (COIN-M: whole contracts of 100 USD)."""
    if hot:
        leverage, side = rng.randint(12, 50), 1
        if symbol not in ("BTCUSDT", "BTCUSD_PERP"):
            leverage = rng.randint(2, 5)
    else:
        leverage, side = rng.choice((1, 2, 3, 4, 5)), rng.choice((1, -1))
    notional = int(rng.lognormvariate(7.5, 1.2)) * SCALE
    notional = min(max(notional, 100 * SCALE), 50_000 * SCALE)
    step = STEPS[symbol]
    if symbol in COINM_MARKS:
        return side * max(step, notional // 100 // SCALE * SCALE), leverage
    quantity = notional * SCALE // MARKS[symbol]
    quantity = max(step, quantity - quantity % step)
    return side * quantity, leverage


def _deposit(venue: Venue, wallet: str, amount: int, asset: str = "USDT") -> None:
    if amount > 0:
        venue.ledger.transfer(EntryKind.DEPOSIT, asset, EXTERNAL, wallet, amount, account=wallet)


def naive_scan(venue: Venue, keys: list[UnitKey]) -> tuple[float, int]:
    """Check every unit exactly at the current marks; return (seconds, breached)."""
    start = time.perf_counter()
    breached = 0
    for key in keys:
        target = unit(venue, key)
        if target is not None and target.positions:
            breached += unit_figures(venue, target).is_breached
    return time.perf_counter() - start, breached


def tick(engine: Engine, symbol: str, price: int, now_ms: int) -> tuple[float, Counter[str]]:
    """Feed one mark; return (seconds, event counts)."""
    command = SetMarkPrice(symbol, Price(price))
    start = time.perf_counter()
    outcome = engine.handle(command, now_ms)
    seconds = time.perf_counter() - start
    if outcome.rejection is not None:
        raise RuntimeError(f"tick refused: {outcome.rejection}")
    counts: Counter[str] = Counter(type(e).__name__ for e in outcome.events)
    return seconds, counts


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--positions", type=int, default=1_000_000)
    parser.add_argument("--ticks", type=int, default=200, help="quiet ticks to time")
    parser.add_argument("--naive-ticks", type=int, default=3, help="full scans to time")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--symbol",
        choices=("USDM", "BTCUSD_PERP"),
        default="USDM",
        help="USDM: BTCUSDT and ETHUSDT (default); BTCUSD_PERP: the COIN-M variant",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.symbol == "BTCUSD_PERP":
        MARKS.clear()
        MARKS.update(COINM_MARKS)
    console = Console(width=110)
    started = time.perf_counter()
    engine, unit_count = build(args.positions, Mix(), args.seed)
    built = time.perf_counter() - started
    venue = engine.venue
    keys = sorted(venue.risk.dirty)
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    refresh(venue)
    index_seconds = time.perf_counter() - start
    multi = sum(1 for key in keys if len(getattr(unit(venue, key), "positions", ())) > 1)
    hot = len(venue.risk.hot_symbols)
    console.print(
        f"{args.positions:,} positions in {unit_count:,} margin units ({multi:,} multi-position:"
        f" banded, {hot} hot); built in {built:.1f} s, indexed in {index_seconds:.1f} s"
    )
    rng = random.Random(args.seed)
    now = START_MS + 1_000
    quiet: list[float] = []
    walk = dict.fromkeys(MARKS, 0)  # basis points from the start: a random walk within +/-0.5%
    for number in range(args.ticks):
        symbol = list(MARKS)[number % len(MARKS)]
        walk[symbol] = max(-50, min(50, walk[symbol] + rng.randint(-10, 10)))
        price = MARKS[symbol] * (10_000 + walk[symbol]) // 10_000
        seconds, counts = tick(engine, symbol, price - price % 10**6, now)
        now += 1_000
        if counts["LiquidationTriggered"]:
            raise RuntimeError("a quiet tick liquidated someone: recalibrate the population")
        quiet.append(seconds)
    naive = [naive_scan(venue, keys)[0] for _ in range(args.naive_ticks)]
    crashed = next(iter(MARKS))  # BTCUSDT (or BTCUSD_PERP)
    crash_price = MARKS[crashed] * 9 // 10
    for symbol, mark in MARKS.items():  # all back at the start, then BTC falls 10%
        tick(engine, symbol, mark, now)
        now += 1_000
    # what the naive engine would find before acting: the full scan at the crash mark
    venue.symbols[crashed].mark_price = crash_price
    naive_crash_seconds, expected = naive_scan(venue, keys)
    venue.symbols[crashed].mark_price = MARKS[crashed]
    crash_seconds, counts = tick(engine, crashed, crash_price, now)
    left = naive_scan(venue, keys)[1]
    report(console, args, quiet, naive, crash_seconds, naive_crash_seconds, counts, expected, left)


def report(
    console: Console,
    args: argparse.Namespace,
    quiet: list[float],
    naive: list[float],
    crash_seconds: float,
    naive_crash_seconds: float,
    counts: Counter[str],
    expected: int,
    left: int,
) -> None:
    median_ms = statistics.median(quiet) * 1000
    p99_ms = sorted(quiet)[int(len(quiet) * 0.99) - 1] * 1000
    naive_ms = statistics.median(naive) * 1000
    liquidated = counts["LiquidationTriggered"]
    table = Table(title=f"Risk sweep, {args.positions:,} positions (time.perf_counter per tick)")
    for name in ("what", "engine", "naive full scan", "target", "speed-up"):
        table.add_column(name, justify="left" if name == "what" else "right")
    table.add_row(
        "quiet tick, median",
        f"{median_ms * 1000:,.1f} µs",
        f"{naive_ms:,.0f} ms",
        f"{TARGET_TICK_MS:.0f} ms",
        f"{naive_ms / median_ms:,.0f}x",
    )
    table.add_row("quiet tick, p99", f"{p99_ms * 1000:,.1f} µs", "", "", "")
    table.add_row(
        f"10% crash: {liquidated:,} accounts liquidated",
        f"{crash_seconds:.2f} s",
        f"{naive_crash_seconds:.2f} s (detection only)",
        f"{TARGET_CRASH_S:.0f} s",
        "",
    )
    console.print(table)
    console.print(
        f"crash tick: {liquidated:,} liquidations (full scan found {expected:,} breached; "
        f"{left} left after), {counts['PositionLiquidated']:,} liquidation orders, "
        f"{counts['MarginCallIssued']:,} margin calls, {sum(counts.values()):,} events"
    )
    print(
        json.dumps(
            {
                "benchmark": "risk_sweep",
                "symbols": args.symbol,
                "positions": args.positions,
                "quiet_tick_median_ms": round(median_ms, 3),
                "quiet_tick_p99_ms": round(p99_ms, 3),
                "naive_scan_tick_ms": round(naive_ms, 1),
                "speedup_vs_naive": round(naive_ms / median_ms),
                "crash_liquidations": liquidated,
                "crash_breached_by_full_scan": expected,
                "crash_left_breached": left,
                "crash_seconds": round(crash_seconds, 3),
                "crash_margin_calls": counts["MarginCallIssued"],
                "target_tick_ms": TARGET_TICK_MS,
                "target_crash_s": TARGET_CRASH_S,
            }
        )
    )


if __name__ == "__main__":
    main()
