"""Run a seeded trading session through the journaled exchange, or inspect a journal.

``simulate`` opens (or resumes) a SQLite journal, feeds the workload's next commands through the
engine with the built-in market maker quoting, and reports what happened and whether the books
balance. A killed run resumes where its journal ends: the workload is deterministic, so the
commands already journaled are skipped, and the last one is checked to be the same command.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from liquidator.app.exchange import Exchange
from liquidator.app.journal import Journal, JournalError
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine, Outcome
from liquidator.core.exchange.codec import encode
from liquidator.core.exchange.commands import Command
from liquidator.core.exchange.events import LiquidationTriggered, TradeExecuted
from liquidator.core.exchange.ledger import EXTERNAL
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.fixed import SCALE
from liquidator.simulation.workload import Workload, WorkloadConfig

SESSION_CONFIG = VenueConfig(market_maker=MarketMakerConfig())


@dataclass
class SessionSummary:
    """What a session did and the state it left."""

    journal: str
    first_seq: int
    last_seq: int
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    trades: int = 0
    volume: dict[str, int] = field(default_factory=dict)  # symbol -> quote notional, raw
    seconds: float = 0.0
    accounts: int = 0
    open_orders: int = 0
    open_positions: int = 0
    system_balances: dict[str, int] = field(default_factory=dict)
    ledger_balanced: bool = True
    state_hash: str = ""
    liquidated: list[str] = field(default_factory=list)  # "trader-0043 (isolated BTCUSDT LONG)"

    @property
    def commands(self) -> int:
        return self.last_seq - self.first_seq


def simulate(
    market: Market,
    journal: Journal,
    *,
    commands: int,
    workload: WorkloadConfig,
    snapshot_every: int = 1_000,
    batch: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SessionSummary:
    """Run ``commands`` more commands of the seeded workload against ``journal``."""
    exchange = Exchange.open(
        market, SESSION_CONFIG, journal, snapshot_every=snapshot_every, batch=batch
    )
    summary = SessionSummary(str(journal), exchange.seq, exchange.seq)
    stream = iter(Workload(market, workload))
    _skip(stream, journal, exchange.seq)
    started = time.perf_counter()
    for done in range(commands):
        now_ms, command = next(stream)
        _tally(summary, exchange.submit(command, now_ms))
        if progress is not None:
            progress(done + 1)
    exchange.flush()
    summary.seconds = time.perf_counter() - started
    summary.last_seq = exchange.seq
    _describe(summary, exchange.engine)
    return summary


def _skip(stream: Iterator[tuple[int, Command]], journal: Journal, seq: int) -> None:
    """Advance the workload past the ``seq`` commands already journaled; check the last one."""
    last = None
    for _ in range(seq):
        last = next(stream)
    if last is None:
        return
    (record,) = list(journal.records_after(seq - 1, batch=1))
    if json.dumps(encode(last[1]), separators=(",", ":")) != record.command:
        raise JournalError(
            "this journal was written by a different workload (another --seed or --accounts)"
        )


def inspect(market: Market, journal: Journal, config: VenueConfig | None = None) -> SessionSummary:
    """Restore ``journal`` (verifying the replay) and describe its state.

    ``config`` None: the venue configuration the journal records.
    """
    exchange = Exchange.open(market, config, journal)
    summary = SessionSummary(str(journal), 0, exchange.seq)
    _describe(summary, exchange.engine)
    return summary


def _tally(summary: SessionSummary, outcome: Outcome) -> None:
    if outcome.rejection is not None:
        summary.rejected[outcome.rejection.reason.value] += 1
        return
    summary.accepted += 1
    for event in outcome.events:
        if isinstance(event, LiquidationTriggered):
            summary.liquidated.append(liquidated_unit(event))
        elif isinstance(event, TradeExecuted):
            summary.trades += 1
            notional = event.quantity * event.price // SCALE
            summary.volume[event.symbol] = summary.volume.get(event.symbol, 0) + notional


def liquidated_unit(event: LiquidationTriggered) -> str:
    """Return who was liquidated: the account and its margin unit."""
    if "/" in event.wallet:
        _, symbol, side = event.wallet.split("/")
        return f"{event.account} (isolated {symbol} {side})"
    return f"{event.account} (cross {event.asset})"


def _describe(summary: SessionSummary, engine: Engine) -> None:
    venue = engine.venue
    summary.accounts = len(venue.accounts)
    summary.open_orders = sum(
        len(orders.orders) for a in venue.accounts.values() for orders in a.symbols.values()
    )
    summary.open_positions = sum(len(a.open_positions()) for a in venue.accounts.values())
    summary.system_balances = {
        f"{name} {asset}": amount
        for (name, asset), amount in sorted(venue.ledger.items())
        if name.startswith("@") and name != EXTERNAL
    }
    summary.ledger_balanced = all(total == 0 for total in venue.ledger.totals().values())
    summary.state_hash = engine.state_hash()
