"""Benchmark: matching and pre-trade checks on a mixed order workload, in memory and journaled.

Issue 3's targets: 150,000 commands/s in memory on one core; 50,000 commands/s journaled to SQLite
in batches. Runs on an installed checkout (``python benchmarks/matching.py``).

The workload follows exchange-core's mix: 10,000 funded accounts, BTCUSDT and ETHUSDT books
pre-filled with resting GTC orders, then ``--commands`` commands: ~50% GTC limit orders a few
ticks from a fixed mid that never cross (bids below it, asks above), ~35% cancels of a random
order still open, ~15% small market orders. The baseline is a plain price-time matcher written
here (sorted price lists, FIFO lists per level; no accounts, margin, fees, positions or events)
over the same commands: the least work any matcher must do. Prints the rates, the latency table
in exchange-core's layout and, last, one JSON line with the headline figures.

What is timed is the engine alone: every command is built, and every cancel given the id of an
order open at that moment, by an untimed first pass over its own engine (``Resolver``); each
measured run then feeds the same commands to a fresh engine, with the same setup and the same
timestamps, and must end in the same state hash.

The clock runs at the rate being claimed: ``--per-ms`` commands share each millisecond (150 by
default: 150,000 commands/s), so what falls due on the clock (mark and premium samples every
5 s, ADL quantiles over every position every 30 s, funding) comes as often per command as it
would on a venue running at that rate. A second run puts each command 1 ms after the last (the
clock of a venue doing 1,000 commands/s, the time-driven work 150 times as often per command)
and is reported beside it. The garbage
collector runs with the engine's policy (``liquidator.app.collector``: rare collections, as
``serve``, ``simulate`` and ``replay`` run it) and is kept off the pre-built commands
(``collector_frozen``). The core runs compiled (mypyc, setup.py) when the checkout was built so;
the JSON line says which. Throughput is
``time.perf_counter`` around the loop, the best of ``--repeat`` rounds (3) of every timed run,
interleaved so that a slow spell of the machine falls on all of them alike; latency is
``time.perf_counter_ns`` around each command, in a separate run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import tempfile
import time
from bisect import insort
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.collector import tune_collector
from liquidator.app.exchange import journal_record
from liquidator.app.journal import GENESIS_CHAIN, JournalRecord, chained_rows
from liquidator.app.json_text import HAS_ORJSON
from liquidator.bootstrap import bundled_market
from liquidator.core import engine as engine_module
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine, Outcome
from liquidator.core.exchange.commands import (
    CancelOrder,
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
)
from liquidator.core.exchange.events import OrderAccepted, TradeExecuted
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.fixed import Amount, Price, Qty

TARGET_PER_S = 150_000
TARGET_JOURNALED_PER_S = 50_000
# A minute after the 2023-11-15 00:00 UTC funding time: the next settlement is 8 h of commands
# (1 ms each) away, so no run pays funding; mark and premium samples still fall every 5 s.
START_MS = 1_700_006_400_000 + 60_000
PER_MS = TARGET_PER_S // 1000  # commands per millisecond of the clock: the target rate
LIMIT_SHARE, CANCEL_SHARE = 0.50, 0.35  # the rest (0.15) are market orders
MEAN_OFFSET_TICKS, MAX_OFFSET_TICKS = 10, 200  # limit prices: mid -/+ 1 + exponential(mean 10)
DEPOSIT = Amount.of("100000", "USDT")
PERCENTILES = (
    ("50.0%", 0.5),
    ("90.0%", 0.9),
    ("95.0%", 0.95),
    ("99.0%", 0.99),
    ("99.9%", 0.999),
    ("99.99%", 0.9999),
)


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One book of the workload: its mid (the index price) and order sizes in step sizes."""

    symbol: str
    mid: str
    limit_steps: tuple[int, int]  # 0.004-0.040 BTC, 0.012-0.120 ETH: above min notional
    market_steps: tuple[int, int]  # about half a limit order: the books slowly deepen


SPECS = (
    SymbolSpec("BTCUSDT", "30000", (4, 40), (4, 20)),
    SymbolSpec("ETHUSDT", "2000", (12, 120), (12, 60)),
)


class OrderMaker:
    """Seeded limit and market orders for the workload's books."""

    def __init__(self, market: Market, accounts: Sequence[str], rng: random.Random) -> None:
        self.accounts, self.rng = accounts, rng
        self.mids = {s.symbol: Price.of(s.mid).raw for s in SPECS}
        self.ticks = {s.symbol: market.instruments[s.symbol].tick_size.raw for s in SPECS}
        self.steps = {s.symbol: market.instruments[s.symbol].step_size.raw for s in SPECS}

    def limit(self, spec: SymbolSpec) -> PlaceOrder:
        """A GTC limit order 1..200 ticks off the mid on its own side: it never crosses."""
        rng, symbol = self.rng, spec.symbol
        side = rng.choice((Side.BUY, Side.SELL))
        ticks = 1 + min(int(rng.expovariate(1 / MEAN_OFFSET_TICKS)), MAX_OFFSET_TICKS - 1)
        price = self.mids[symbol] - side.sign * ticks * self.ticks[symbol]
        return PlaceOrder(
            rng.choice(self.accounts),
            symbol,
            side,
            OrderType.LIMIT,
            Qty(rng.randint(*spec.limit_steps) * self.steps[symbol]),
            Price(price),
            TimeInForce.GTC,
        )

    def market(self, spec: SymbolSpec) -> PlaceOrder:
        quantity = Qty(self.rng.randint(*spec.market_steps) * self.steps[spec.symbol])
        side = self.rng.choice((Side.BUY, Side.SELL))
        return PlaceOrder(
            self.rng.choice(self.accounts), spec.symbol, side, OrderType.MARKET, quantity
        )


def setup_commands(maker: OrderMaker, prefill: int) -> list[Command]:
    """Index prices, accounts and deposits, then ``prefill`` resting orders per book."""
    commands: list[Command] = [SetIndexPrice(s.symbol, Price.of(s.mid)) for s in SPECS]
    commands += [OpenAccount(name) for name in maker.accounts]
    commands += [Deposit(name, DEPOSIT) for name in maker.accounts]
    commands += [maker.limit(spec) for spec in SPECS for _ in range(prefill)]
    return commands


def build_engine(market: Market, setup: Sequence[Command]) -> Engine:
    """Return a fresh engine (market maker off) after ``setup``, all handled at ``START_MS``."""
    engine = Engine(market, VenueConfig(market_maker=None))
    for command in setup:
        outcome = engine.handle(command, START_MS)
        if outcome.rejection is not None:
            raise RuntimeError(f"setup command {command} was refused: {outcome.rejection}")
    return engine


@dataclass(slots=True)
class Resolved:
    """The workload as concrete commands, and what the resolving engine made of it."""

    commands: list[Command]
    stamps: list[int]  # the clock (ms) each command is handled at
    kinds: list[str]
    outcomes: list[Outcome]
    rejections: Counter[str]
    trades: int
    events: int
    state_hash: str


class Resolver:
    """Turns seeded intents into concrete commands by running them through an engine.

    Cancels need the ids of orders open at that moment, so the workload is resolved before
    anything is timed: this pass handles each command as it makes it and picks every cancel
    among the orders still open. The engine is deterministic, so fresh engines given the same
    setup and timestamps replay exactly these commands (their state hashes are checked): the
    timed loops do nothing but ``handle``.
    """

    def __init__(self, engine: Engine, maker: OrderMaker) -> None:
        self.engine, self.maker, self.rng = engine, maker, maker.rng
        self.open: list[tuple[str, str, int]] = [
            (order.account, order.symbol, order.order_id)
            for state in engine.venue.symbols.values()
            for side in (state.book.bids, state.book.asks)
            for order in side.orders()
        ]

    def resolve(self, count: int, per_ms: int = PER_MS) -> Resolved:
        """Make ``count`` commands, ``per_ms`` of them in each millisecond of the clock."""
        result = Resolved([], [], [], [], Counter(), 0, 0, "")
        for index in range(count):
            now_ms = START_MS + 1 + index // per_ms
            kind, command = self._next()
            outcome = self.engine.handle(command, now_ms)
            self._record(command, outcome, result)
            result.commands.append(command)
            result.stamps.append(now_ms)
            result.kinds.append(kind)
            result.outcomes.append(outcome)
        result.state_hash = self.engine.state_hash()
        return result

    def _next(self) -> tuple[str, Command]:
        draw, spec = self.rng.random(), self.rng.choice(SPECS)
        if draw >= LIMIT_SHARE + CANCEL_SHARE:
            return "MARKET", self.maker.market(spec)
        cancel = self._cancel() if draw >= LIMIT_SHARE else None
        return ("CANCEL", cancel) if cancel else ("LIMIT GTC", self.maker.limit(spec))

    def _cancel(self) -> CancelOrder | None:
        """Cancel a random open order by its owner; forget the filled ones met on the way."""
        venue = self.engine.venue
        while self.open:
            index = self.rng.randrange(len(self.open))
            account, symbol, order_id = self.open[index]
            self.open[index] = self.open[-1]
            self.open.pop()
            if venue.order(venue.accounts[account], symbol, order_id) is not None:
                return CancelOrder(account, symbol, order_id)
        return None

    def _record(self, command: Command, outcome: Outcome, result: Resolved) -> None:
        if outcome.rejection is not None:
            result.rejections[outcome.rejection.reason.value] += 1
        result.events += len(outcome.events)
        for event in outcome.events:
            if isinstance(event, TradeExecuted):
                result.trades += 1
            elif isinstance(event, OrderAccepted) and is_limit(command):
                self.open.append((event.account, event.symbol, event.order_id))


def is_limit(command: Command) -> bool:
    return isinstance(command, PlaceOrder) and command.order_type is OrderType.LIMIT


@contextmanager
def collector_frozen() -> Iterator[None]:
    """Keep the cyclic garbage collector off every object alive now, for the block.

    The pre-generated commands and outcomes are harness data, hundreds of thousands of tracked
    objects that a full collection would rescan (0.45 s once in a 100,000-command run); the
    engine's setup state is frozen with them, as a server can after loading a snapshot.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def timed_run(engine: Engine, workload: Resolved) -> float:
    """Return the seconds ``engine`` takes to handle the workload's commands at their stamps."""
    handle = engine.handle
    start = time.perf_counter()
    for now_ms, command in zip(workload.stamps, workload.commands, strict=True):
        handle(command, now_ms)
    return time.perf_counter() - start


def latency_run(engine: Engine, workload: Resolved) -> list[int]:
    """Return each command's handling time in ns (a separate run: timing each one costs)."""
    handle, clock = engine.handle, time.perf_counter_ns
    samples = [0] * len(workload.commands)
    for index, (now_ms, command) in enumerate(zip(workload.stamps, workload.commands, strict=True)):
        begin = clock()
        handle(command, now_ms)
        samples[index] = clock() - begin
    return samples


def clock_overhead_ns(count: int = 100_000) -> int:
    """Return the median cost of one ``begin = clock(); clock() - begin`` pair."""
    clock = time.perf_counter_ns
    samples = []
    for _ in range(count):
        begin = clock()
        samples.append(clock() - begin)
    return sorted(samples)[count // 2]


def journaled_run(
    engine: Engine,
    journal: SqliteJournal,
    commands: Sequence[Command],
    stamps: Sequence[int],
    *,
    first_seq: int,
    batch: int,
) -> float:
    """Handle, encode and journal ``commands`` in appends of ``batch``; return the seconds.

    Each record is made as ``Exchange.submit`` makes it (``journal_record``).
    """
    handle, append = engine.handle, journal.append
    records: list[JournalRecord] = []
    start = time.perf_counter()
    for offset, (now_ms, command) in enumerate(zip(stamps, commands, strict=True)):
        records.append(journal_record(first_seq + offset, now_ms, command, handle(command, now_ms)))
        if len(records) == batch:
            append(records)
            records = []
    if records:
        append(records)
    return time.perf_counter() - start


def journaled_engine_run(
    market: Market, setup: Sequence[Command], workload: Resolved, synchronous: str, batch: int
) -> tuple[float, str]:
    """Return (seconds, state hash) of the workload journaled at ``synchronous``.

    The setup is journaled too (untimed) so the file is a whole, replayable journal. It lives
    in the system's temporary directory.
    """
    engine = Engine(market, VenueConfig(market_maker=None))
    total = len(setup) + len(workload.commands)
    with (
        tempfile.TemporaryDirectory() as folder,
        SqliteJournal(Path(folder) / "journal.sqlite", synchronous=synchronous) as journal,
    ):
        journaled_run(engine, journal, setup, [START_MS] * len(setup), first_seq=1, batch=batch)
        with collector_frozen():
            seconds = journaled_run(
                engine,
                journal,
                workload.commands,
                workload.stamps,
                first_seq=len(setup) + 1,
                batch=batch,
            )
        if journal.last_seq() != total:
            raise RuntimeError(f"the journal holds {journal.last_seq()} of {total} records")
    return seconds, engine.state_hash()


def journal_parts(workload: Resolved, batch: int) -> tuple[float, float, float, int]:
    """Return the seconds of the journaled run's extra parts apart (encode, chain, append), and
    bytes.

    Encodes the resolving run's outcomes (the same events every run produces), chains the
    records (the SHA-256 hash chain each append computes, here alone, a batch at a time), then
    appends the records to a fresh journal (NORMAL) in batches of ``batch`` (the chain included;
    the journal's checkpoint thread running beside). Encode + append is the journal's whole cost
    a record. The bytes are the JSON text of all the workload's records (commands and events).
    """
    items = zip(workload.stamps, workload.commands, workload.outcomes, strict=True)
    with collector_frozen():
        start = time.perf_counter()
        records = [
            journal_record(seq, now_ms, command, outcome)
            for seq, (now_ms, command, outcome) in enumerate(items, start=1)
        ]
        encode_seconds = time.perf_counter() - start
        start, head = time.perf_counter(), GENESIS_CHAIN
        for first in range(0, len(records), batch):
            _, head = chained_rows(head, records[first : first + batch])
        chain_seconds = time.perf_counter() - start
    with (
        tempfile.TemporaryDirectory() as folder,
        SqliteJournal(Path(folder) / "journal.sqlite", synchronous="NORMAL") as journal,
    ):
        start = time.perf_counter()
        for first in range(0, len(records), batch):
            journal.append(records[first : first + batch])
        append_seconds = time.perf_counter() - start
    size = sum(len(record.command) + len(record.events) for record in records)
    return encode_seconds, chain_seconds, append_seconds, size


class NaiveSide:
    """One side of a naive book: ascending prices, a FIFO list of [order id, quantity] per level."""

    __slots__ = ("levels", "prices")

    def __init__(self) -> None:
        self.prices: list[int] = []
        self.levels: dict[int, list[list[int]]] = {}


class NaiveMatcher:
    """The baseline: price-time matching and nothing else (no accounts, checks or events).

    Numbers every order 1, 2, 3... like the engine, so the same cancels find the same orders
    as long as the engine refuses none of the workload.
    """

    def __init__(self) -> None:
        self.sides = {(s.symbol, side): NaiveSide() for s in SPECS for side in Side}
        self.orders: dict[int, tuple[NaiveSide, int, list[int]]] = {}
        self.order_id = 0
        self.trades = 0

    def handle(self, command: Command) -> None:
        if isinstance(command, CancelOrder):
            self.cancel(command)
        elif isinstance(command, PlaceOrder) and command.quantity is not None:
            self.order_id += 1
            if command.price is None:
                self.take(command.symbol, command.side, command.quantity.raw)
            else:
                self.rest(command.symbol, command.side, command.price.raw, command.quantity.raw)

    def rest(self, symbol: str, side: Side, price: int, quantity: int) -> None:
        book = self.sides[symbol, side]
        level = book.levels.get(price)
        if level is None:
            level = book.levels[price] = []
            insort(book.prices, price)
        entry = [self.order_id, quantity]
        level.append(entry)
        self.orders[self.order_id] = (book, price, entry)

    def cancel(self, command: CancelOrder) -> None:
        found = self.orders.pop(command.order_id or 0, None)
        if found is not None:
            book, price, entry = found
            level = book.levels[price]
            level.remove(entry)
            if not level:
                del book.levels[price]
                book.prices.remove(price)

    def take(self, symbol: str, side: Side, quantity: int) -> None:
        book = self.sides[symbol, side.opposite]
        prices, best = book.prices, -1 if side is Side.SELL else 0
        while quantity and prices:
            price = prices[best]
            level = book.levels[price]
            while quantity and level:
                entry = level[0]
                traded = min(quantity, entry[1])
                entry[1] -= traded
                quantity -= traded
                self.trades += 1
                if entry[1] == 0:
                    del self.orders[level.pop(0)[0]]
            if not level:
                del book.levels[price]
                del prices[best]


def naive_run(setup: Sequence[Command], commands: Sequence[Command]) -> tuple[float, int]:
    """Return (seconds, trades) of the baseline over the workload, after the same prefill."""
    matcher = NaiveMatcher()
    for command in setup:
        matcher.handle(command)
    handle = matcher.handle
    with collector_frozen():
        start = time.perf_counter()
        for command in commands:
            handle(command)
        seconds = time.perf_counter() - start
    return seconds, matcher.trades


def percentiles_us(samples_ns: Sequence[int]) -> dict[str, float]:
    """Return the nearest-rank percentiles and the worst of ``samples_ns``, in microseconds."""
    ordered = sorted(samples_ns)
    count = len(ordered)
    result = {
        name: ordered[min(count, max(1, math.ceil(count * share))) - 1] / 1000
        for name, share in PERCENTILES
    }
    result["worst"] = ordered[-1] / 1000
    return result


@dataclass(slots=True)
class Results:
    """Every figure the report prints."""

    commands: int
    seconds: float
    slow_clock_seconds: float  # the same workload with each command 1 ms after the last
    latency_seconds: float
    samples_ns: list[int]
    naive_seconds: float
    naive_trades: int
    journaled: dict[str, float]  # synchronous level -> seconds
    encode_seconds: float
    chain_seconds: float
    append_seconds: float
    journal_bytes: int

    def rate(self, seconds: float) -> float:
        return self.commands / seconds


def measure(
    market: Market,
    setup: list[Command],
    workload: Resolved,
    slow_clock: Resolved,
    batch: int,
    repeat: int,
) -> Results:
    """Run the workload through fresh engines (timed, journaled) and the baseline ``repeat``
    times, interleaved, keeping each one's best; ``slow_clock`` (the same workload resolved at
    1 ms per command) likewise; then one latency run."""
    seconds = slow_clock_seconds = naive_seconds = math.inf
    journaled = dict.fromkeys(("NORMAL", "FULL"), math.inf)
    naive_trades = 0
    for _ in range(repeat):
        seconds = min(seconds, engine_run(market, setup, workload, "timed"))
        slow_clock_seconds = min(
            slow_clock_seconds, engine_run(market, setup, slow_clock, "1 ms clock")
        )
        naive, naive_trades = naive_run(setup, workload.commands)
        naive_seconds = min(naive_seconds, naive)
        for level in journaled:
            taken, state_hash = journaled_engine_run(market, setup, workload, level, batch)
            if state_hash != workload.state_hash:
                raise RuntimeError(f"the journaled ({level}) run ended in another state")
            journaled[level] = min(journaled[level], taken)
    latency_seconds, samples = latency_samples(market, setup, workload)
    encode_seconds, chain_seconds, append_seconds, journal_bytes = journal_parts(workload, batch)
    return Results(
        len(workload.commands),
        seconds,
        slow_clock_seconds,
        latency_seconds,
        samples,
        naive_seconds,
        naive_trades,
        journaled,
        encode_seconds,
        chain_seconds,
        append_seconds,
        journal_bytes,
    )


def engine_run(market: Market, setup: list[Command], workload: Resolved, name: str) -> float:
    """Return the seconds a fresh engine takes over ``workload`` (checked to end in its state)."""
    engine = build_engine(market, setup)
    with collector_frozen():
        seconds = timed_run(engine, workload)
    check_same_state(name, engine, workload)
    return seconds


def latency_samples(
    market: Market, setup: list[Command], workload: Resolved
) -> tuple[float, list[int]]:
    """Return the latency run's seconds and its samples (ns)."""
    engine = build_engine(market, setup)
    with collector_frozen():
        start = time.perf_counter()
        samples = latency_run(engine, workload)
        latency_seconds = time.perf_counter() - start
    check_same_state("latency", engine, workload)
    return latency_seconds, samples


def check_same_state(name: str, engine: Engine, workload: Resolved) -> None:
    if engine.state_hash() != workload.state_hash:
        raise RuntimeError(f"the {name} run ended in another state than the resolving run")


def rate_table(results: Results, batch: int) -> Table:
    table = Table(
        title="Throughput (one core, time.perf_counter around the loop; best of the rounds)"
    )
    for name in ("what", "commands/s", "µs/command", "target", "of target"):
        table.add_column(name, justify="left" if name == "what" else "right")
    rows = [
        ("engine, in memory", results.seconds, TARGET_PER_S),
        ("  the same, clock at 1 ms per command", results.slow_clock_seconds, None),
        ("baseline: naive list matcher, no checks", results.naive_seconds, None),
    ]
    for level, seconds in results.journaled.items():
        label = f"engine + JSON + SQLite ({level}, batches of {batch:,})"
        rows.append((label, seconds, TARGET_JOURNALED_PER_S))
    encoder = "orjson" if HAS_ORJSON else "json"
    rows.append((f"  part: JSON encoding alone (codec + {encoder})", results.encode_seconds, None))
    rows.append(("  part: hash chain alone (SHA-256 per record)", results.chain_seconds, None))
    rows.append(("  part: SQLite appends, chain included (NORMAL)", results.append_seconds, None))
    journal_seconds = results.encode_seconds + results.append_seconds
    rows.append(("  parts: the journal's cost a record (encode + append)", journal_seconds, None))
    for label, seconds, target in rows:
        rate = results.rate(seconds)
        table.add_row(
            label,
            f"{rate:,.0f}",
            f"{seconds / results.commands * 1e6:.2f}",
            f"{target:,}" if target else "",
            f"{rate / target:.0%}" if target else "",
        )
    return table


def latency_table(results: Results, kinds: Sequence[str]) -> Table:
    """exchange-core's layout: one row per rate, latency percentiles in microseconds."""
    table = Table(title="Latency per command, µs (separate run, time.perf_counter_ns per command)")
    table.add_column("Operations per second", justify="left")
    for name in [*(name for name, _ in PERCENTILES), "worst"]:
        table.add_column(name, justify="right")
    rate = results.rate(results.latency_seconds)
    rows = [(f"{rate:,.0f} (unthrottled, all)", results.samples_ns)]
    for kind in sorted(set(kinds)):
        picked = [ns for ns, k in zip(results.samples_ns, kinds, strict=True) if k == kind]
        rows.append((f"  {kind} ({len(picked) / len(kinds):.0%})", picked))
    for label, samples in rows:
        figures = percentiles_us(samples)
        table.add_row(label, *(f"{value:,.1f}" for value in figures.values()))
    return table


def headline(results: Results, workload: Resolved, args: argparse.Namespace) -> str:
    figures = percentiles_us(results.samples_ns)
    return json.dumps(
        {
            "benchmark": "matching",
            "commands": results.commands,
            "accounts": args.accounts,
            "compiled_core": Path(engine_module.__file__ or "").suffix != ".py",
            "commands_per_s": round(results.rate(results.seconds)),
            "commands_per_ms_of_clock": args.per_ms,
            "repeats": args.repeat,
            "commands_per_s_at_1ms_clock": round(results.rate(results.slow_clock_seconds)),
            "baseline_commands_per_s": round(results.rate(results.naive_seconds)),
            "slowdown_vs_baseline": round(results.seconds / results.naive_seconds, 1),
            "journaled_commands_per_s": round(results.rate(results.journaled["NORMAL"])),
            "journaled_full_sync_commands_per_s": round(results.rate(results.journaled["FULL"])),
            "journal_json_bytes_per_command": round(results.journal_bytes / results.commands),
            "journal_chain_us_per_command": round(
                results.chain_seconds / results.commands * 1e6, 2
            ),
            "journal_encode_us_per_command": round(
                results.encode_seconds / results.commands * 1e6, 2
            ),
            "journal_append_us_per_command": round(
                results.append_seconds / results.commands * 1e6, 2
            ),
            "journal_json_encoder": "orjson" if HAS_ORJSON else "json",
            "p50_us": round(figures["50.0%"], 1),
            "p90_us": round(figures["90.0%"], 1),
            "p99_us": round(figures["99.0%"], 1),
            "p999_us": round(figures["99.9%"], 1),
            "p9999_us": round(figures["99.99%"], 1),
            "max_us": round(figures["worst"], 1),
            "trades": workload.trades,
            "rejections": sum(workload.rejections.values()),
            "target_commands_per_s": TARGET_PER_S,
            "target_journaled_per_s": TARGET_JOURNALED_PER_S,
        }
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commands", type=int, default=200_000, help="workload size")
    parser.add_argument("--seed", type=int, default=20241103)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--prefill", type=int, default=5_000, help="resting orders per book")
    parser.add_argument("--batch", type=int, default=1_000, help="records per journal append")
    parser.add_argument(
        "--per-ms", type=int, default=PER_MS, help="commands per millisecond of the clock"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed rounds, interleaved; the best of each kept"
    )
    args = parser.parse_args()
    if args.per_ms < 1:
        parser.error("--per-ms must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def resolve(
    market: Market, args: argparse.Namespace, per_ms: int
) -> tuple[list[Command], Resolved]:
    """Return the setup and the workload of ``args``, resolved at ``per_ms`` commands per ms."""
    maker = OrderMaker(
        market, [f"acct-{i:05d}" for i in range(args.accounts)], random.Random(args.seed)
    )
    setup = setup_commands(maker, args.prefill)
    return setup, Resolver(build_engine(market, setup), maker).resolve(args.commands, per_ms)


def main() -> None:
    args = parse_args()
    tune_collector(freeze=False)
    console = Console(width=120)
    market = bundled_market()
    started = time.perf_counter()
    setup, workload = resolve(market, args, args.per_ms)
    _, slow_clock = resolve(market, args, 1)
    console.print(
        f"resolved {args.commands:,} commands twice (at {args.per_ms} and at 1 per ms) in "
        f"{time.perf_counter() - started:.1f} s; the same commands both times: "
        f"{slow_clock.commands == workload.commands}"
    )
    results = measure(market, setup, workload, slow_clock, args.batch, args.repeat)
    if results.naive_trades != workload.trades:
        console.print(
            f"[yellow]baseline made {results.naive_trades:,} trades, engine {workload.trades:,}"
        )
    mix = Counter(workload.kinds)
    console.print(
        f"{args.accounts:,} accounts, {args.prefill:,} resting orders per book before the run; "
        + ", ".join(f"{kind} {count:,}" for kind, count in sorted(mix.items()))
        + f"; {workload.trades:,} trades, {workload.events:,} events; "
        + f"rejections: {dict(workload.rejections) or 'none'}; same state hash in every run"
    )
    console.print(rate_table(results, args.batch))
    console.print(
        f"journal: {results.journal_bytes / results.commands:,.0f} bytes of JSON per command; "
        "SQLite file in the system's temporary directory, WAL mode"
    )
    console.print(latency_table(results, workload.kinds))
    console.print(f"timer overhead per sample: {clock_overhead_ns()} ns (median, not subtracted)")
    print(headline(results, workload, args))


if __name__ == "__main__":
    main()
