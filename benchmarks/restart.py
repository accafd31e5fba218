"""Benchmark: a server's restart to serving, and its memory after many commands.

Issue 13's targets: a journal of 1,000,000 commands restarts to serving in at most 5 s, and a
server's memory after 1,000,000 commands is bounded by its live state (open orders, accounts),
not by its history. Runs on an installed checkout (``python benchmarks/restart.py``).

The journal is built the way ``liquidator serve`` writes it: every command through the server's
``LiveExchange`` (the engine with the built-in market maker, a SQLite journal, the histories in
the same file), ``--commands`` of a stationary trading workload: ``--accounts`` funded accounts
place passive GTC limit orders near the index (each cancelled once ``--open-orders`` newer ones
rest), trade small market orders against the book, cancel recent orders, while the index walks
around a fixed level; the clock moves ``--step-ms`` per command. The live state stops growing
early, the history grows with every command.

Measured:

* the build's rate (every command journaled and projected into the histories);
* the builder's RSS and Python heap (``tracemalloc`` off; ``sys.getallocatedblocks``) after a
  tenth of the commands and after all of them: the difference over the commands in between is
  the memory a command leaves behind;
* a restart of the journal as it stood after a tenth of the commands and after all of them,
  each shut down as the server shuts down (a final snapshot, the histories written): a fresh
  process opens it as ``liquidator serve`` does (journal checked, engine restored from its
  snapshot, histories caught up from their checkpoint, keys opened), timed from the call to
  serving, with its RSS once serving;
* the same restart after a crash: the file copied while running (no final snapshot, histories
  behind their journal by up to one write);
* the live state's cost: ``tracemalloc`` around opening accounts and around resting orders.

Prints a table and, last, one JSON line with the headline figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.clock import SimulatedClock
from liquidator.app.collector import tune_collector
from liquidator.app.exchange import Exchange
from liquidator.app.live_exchange import LiveExchange
from liquidator.bootstrap import bundled_market
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine
from liquidator.core.exchange.commands import (
    CancelOrder,
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
)
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty

TARGET_RESTART_S = 5.0
START_MS = 1_709_279_400_000 + 600_000
LEVELS = {"BTCUSDT": 62_000 * SCALE, "ETHUSDT": 3_400 * SCALE}
CONFIG = VenueConfig(market_maker=MarketMakerConfig())  # what ``liquidator serve`` runs


@dataclass
class Workload:
    """A stationary stream of commands: the live state stops growing, the history does not."""

    market: Market
    accounts: int
    open_orders: int
    rng: random.Random
    index: dict[str, int] = field(default_factory=lambda: dict(LEVELS))
    resting: deque[tuple[str, str, str]] = field(default_factory=deque)
    sent: int = 0

    def __iter__(self) -> Iterator[Command]:
        for symbol, price in self.index.items():
            yield SetIndexPrice(symbol, Price(price))
        for number in range(self.accounts):
            yield OpenAccount(self.name(number))
            yield Deposit(self.name(number), Amount(50_000 * SCALE, "USDT"))
        while True:
            if len(self.resting) > self.open_orders:
                account, symbol, client = self.resting.popleft()
                yield CancelOrder(account, symbol, client_order_id=client)
            else:
                yield self.next()

    @staticmethod
    def name(number: int) -> str:
        return f"acct-{number:05d}"

    def next(self) -> Command:
        roll = self.rng.random()
        symbol = self.rng.choice(tuple(self.index))
        if roll < 0.10:
            return self.move(symbol)
        if roll < 0.60:
            return self.limit(symbol)
        if roll < 0.80 or not self.resting:
            return self.take(symbol)
        account, at, client = self.resting[-1 - self.rng.randrange(min(20, len(self.resting)))]
        return CancelOrder(account, at, client_order_id=client)

    def move(self, symbol: str) -> Command:
        """A step of the index, pulled back toward its level (it never wanders off)."""
        level, now = LEVELS[symbol], self.index[symbol]
        drift = (level - now) // 50
        step = now * round(self.rng.gauss(0, 4)) // 10_000
        self.index[symbol] = self.tick(symbol, now + drift + step)
        return SetIndexPrice(symbol, Price(self.index[symbol]))

    def tick(self, symbol: str, price: int) -> int:
        tick = self.market.instruments[symbol].tick_size.raw
        return max(tick, price - price % tick)

    def quantity(self, symbol: str) -> Qty:
        step = self.market.instruments[symbol].step_size.raw
        raw = self.rng.choice((150, 400, 1_000)) * SCALE * SCALE // self.index[symbol]
        return Qty(max(step, raw - raw % step))

    def limit(self, symbol: str) -> Command:
        account = self.name(self.rng.randrange(self.accounts))
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        offset = self.rng.randint(5, 60) * (-1 if side is Side.BUY else 1)
        price = self.tick(symbol, self.index[symbol] * (10_000 + offset) // 10_000)
        self.sent += 1
        client = f"r{self.sent}"
        self.resting.append((account, symbol, client))
        return PlaceOrder(
            account,
            symbol,
            side,
            OrderType.LIMIT,
            quantity=self.quantity(symbol),
            price=Price(price),
            time_in_force=TimeInForce.GTC,
            client_order_id=client,
        )

    def take(self, symbol: str) -> Command:
        self.sent += 1
        return PlaceOrder(
            self.name(self.rng.randrange(self.accounts)),
            symbol,
            Side.BUY if self.rng.random() < 0.5 else Side.SELL,
            OrderType.MARKET,
            quantity=self.quantity(symbol),
            client_order_id=f"m{self.sent}",
        )


@dataclass
class Checkpoint:
    """The builder after ``commands`` commands."""

    commands: int
    seconds: float
    rss_mb: float
    heap_blocks: int
    open_orders: int
    accounts: int
    history_rows: int


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_orders(live: LiveExchange) -> int:
    return sum(
        len(orders.orders)
        for account in live.venue.accounts.values()
        for orders in account.symbols.values()
    )


def history_rows(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return sum(
            connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("history_orders", "history_fills", "history_income", "history_trades")
        )


def copy(live: LiveExchange, path: Path, target: Path, *, clean: bool) -> None:
    """Copy the journal's file as a clean shutdown leaves it, or as a crash would."""
    if clean:
        live.exchange.snapshot()
        live.histories.write()
    live.exchange.flush()
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as copied:
        source.backup(copied)


def build(args: argparse.Namespace, folder: Path) -> tuple[list[Checkpoint], float]:
    """Build the journal; copy it at a tenth (clean) and at the end (crash, then clean)."""
    market = bundled_market()
    path = folder / "venue.sqlite"
    journal = SqliteJournal(path, synchronous="OFF")
    exchange = Exchange.open(market, CONFIG, journal, snapshot_every=args.snapshot_every)
    clock = SimulatedClock(START_MS)
    live = LiveExchange(exchange, clock, SqliteHistory.open(path, synchronous="OFF"))
    stream = iter(Workload(market, args.accounts, args.open_orders, random.Random(args.seed)))
    marks, points = (args.commands // 10, args.commands), []
    started = time.perf_counter()
    done = 0
    for mark in marks:
        while done < mark:
            live.submit(next(stream))
            clock.advance(args.step_ms)
            done += 1
        elapsed = time.perf_counter() - started
        gc.collect()
        points.append(
            Checkpoint(
                done,
                elapsed,
                rss_mb(),
                sys.getallocatedblocks(),
                open_orders(live),
                len(live.venue.accounts),
                0,
            )
        )
        if mark != marks[-1]:
            copy(live, path, folder / f"clean-{done}.sqlite", clean=True)
    rate = done / (time.perf_counter() - started)
    copy(live, path, folder / f"crash-{done}.sqlite", clean=False)
    copy(live, path, folder / f"clean-{done}.sqlite", clean=True)
    live.close()
    for point in points:
        point.history_rows = history_rows(folder / f"clean-{point.commands}.sqlite")
    return points, rate


def restart(path: Path) -> dict[str, float]:
    """Open ``path`` as the server does, in a fresh process; its seconds and RSS."""
    answer = subprocess.run(
        [sys.executable, __file__, "--open", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1200,
    )
    result: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def open_as_server(path: Path) -> None:
    """(In the child) open the journal as ``liquidator serve`` does; print seconds and RSS."""
    from liquidator.api.settings import Settings  # noqa: PLC0415 (the child's own import)
    from liquidator.bootstrap.server import open_server  # noqa: PLC0415

    tune_collector(freeze=False)
    settings = Settings(market=bundled_market(), database=path, price_walk=False, heartbeat_ms=0)
    with closing(sqlite3.connect(path)) as connection:
        snapshot = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM snapshots").fetchone()[0]
    before = rss_mb()
    started = time.perf_counter()
    server = open_server(settings)  # the lifespan's first step: all a request waits for
    seconds = time.perf_counter() - started
    gc.collect()
    live = server.live
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": rss_mb(),
                "rss_before_mb": before,
                "caught_up": live.caught_up,
                "replayed": live.exchange.seq - snapshot,
                "seq": live.exchange.seq,
            }
        )
    )


def live_state_cost(market: Market, count: int) -> tuple[float, float]:
    """Return the bytes one account and one resting order hold in the engine (tracemalloc)."""
    engine = Engine(market, CONFIG)
    for symbol, price in LEVELS.items():
        engine.handle(SetIndexPrice(symbol, Price(price)), START_MS)
    workload = Workload(market, count, count, random.Random(1))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for number in range(count):
        engine.handle(OpenAccount(workload.name(number)), START_MS)
        engine.handle(Deposit(workload.name(number), Amount(50_000 * SCALE, "USDT")), START_MS)
    accounts = tracemalloc.get_traced_memory()[0]
    placed = 0
    for number in range(count):
        command = workload.limit("BTCUSDT" if number % 2 else "ETHUSDT")
        if engine.handle(command, START_MS).rejection is None:
            placed += 1
    orders = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (accounts - base) / count, (orders - accounts) / max(placed, 1)


def report(
    console: Console, points: list[Checkpoint], opens: dict[str, dict[str, float]], rate: float
) -> None:
    table = Table(title="Builder (every command journaled and projected, as the server runs)")
    for name in ("commands", "build s", "RSS MB", "heap blocks", "open orders", "accounts"):
        table.add_column(name, justify="right")
    table.add_column("history rows", justify="right")
    for p in points:
        table.add_row(
            f"{p.commands:,}",
            f"{p.seconds:,.1f}",
            f"{p.rss_mb:,.1f}",
            f"{p.heap_blocks:,}",
            f"{p.open_orders:,}",
            f"{p.accounts:,}",
            f"{p.history_rows:,}",
        )
    console.print(table)
    console.print(f"build rate: {rate:,.0f} commands/s (journal + histories, synchronous OFF)")
    table = Table(title=f"Restart to serving (a fresh process; target {TARGET_RESTART_S} s)")
    for name in ("journal", "seconds", "RSS MB serving", "engine replayed", "histories caught up"):
        table.add_column(name, justify="left" if name == "journal" else "right")
    for name, result in opens.items():
        table.add_row(
            name,
            f"{result['seconds']:.2f}",
            f"{result['rss_mb']:,.1f}",
            f"{result['replayed']:,}",
            f"{result['caught_up']:,}",
        )
    console.print(table)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commands", type=int, default=1_000_000, help="journal size")
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--open-orders", type=int, default=2_000, help="users' resting orders")
    parser.add_argument("--step-ms", type=int, default=50, help="clock step per command")
    parser.add_argument("--snapshot-every", type=int, default=200_000, help="as serve's default")
    parser.add_argument("--seed", type=int, default=20250113)
    parser.add_argument("--open", type=Path, help=argparse.SUPPRESS)  # the child's journal
    args = parser.parse_args()
    if args.commands < 10 or args.accounts < 1 or args.open_orders < 1:
        parser.error("--commands at least 10; --accounts and --open-orders at least 1")
    return args


def main() -> None:
    args = parse_args()
    if args.open is not None:
        open_as_server(args.open)
        return
    tune_collector(freeze=False)
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        points, rate = build(args, folder)
        first, last = points
        opens = {
            f"{first.commands:,} commands, clean": restart(
                folder / f"clean-{first.commands}.sqlite"
            ),
            f"{last.commands:,} commands, clean": restart(folder / f"clean-{last.commands}.sqlite"),
            f"{last.commands:,} commands, crash": restart(folder / f"crash-{last.commands}.sqlite"),
        }
    per_account, per_order = live_state_cost(bundled_market(), 2_000)
    report(console, points, opens, rate)
    grown = last.commands - first.commands
    console.print(
        f"live state: {per_account / 1024:,.2f} KB per account, {per_order / 1024:,.2f} KB per "
        f"resting order (engine, tracemalloc); between {first.commands:,} and "
        f"{last.commands:,} commands the builder's RSS moved "
        f"{(last.rss_mb - first.rss_mb) * 1024 * 1024 / grown:,.1f} bytes per command"
    )
    clean_first, clean_last, crash = opens.values()
    print(
        json.dumps(
            {
                "benchmark": "restart",
                "commands": last.commands,
                "accounts": args.accounts,
                "open_orders": last.open_orders,
                "build_commands_per_s": round(rate),
                "restart_s": round(clean_last["seconds"], 2),
                "restart_tenth_s": round(clean_first["seconds"], 2),
                "restart_after_crash_s": round(crash["seconds"], 2),
                "caught_up_after_crash": crash["caught_up"],
                "replayed_after_crash": crash["replayed"],
                "rss_serving_mb": round(clean_last["rss_mb"], 1),
                "rss_serving_tenth_mb": round(clean_first["rss_mb"], 1),
                "rss_builder_mb": round(last.rss_mb, 1),
                "rss_builder_tenth_mb": round(first.rss_mb, 1),
                "builder_bytes_per_command": round((last.rss_mb - first.rss_mb) * 2**20 / grown, 1),
                "heap_blocks_per_command": round((last.heap_blocks - first.heap_blocks) / grown, 3),
                "history_rows": last.history_rows,
                "kb_per_account": round(per_account / 1024, 2),
                "kb_per_open_order": round(per_order / 1024, 2),
                "target_restart_s": TARGET_RESTART_S,
            }
        )
    )


if __name__ == "__main__":
    main()
