"""The histories beside the journal: written after it, caught up on start, bounded in memory."""

from __future__ import annotations

import sqlite3
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import cast

import pytest

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.clock import SimulatedClock
from liquidator.app.exchange import Exchange
from liquidator.app.journal import Journal, JournalError, JournalRecord, MemoryJournal
from liquidator.app.live_exchange import LiveExchange
from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.commands import (
    CancelOrder,
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
    SetMarkPrice,
)
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.money.fixed import Amount, Price, Qty
from liquidator.read.history import HistoryBatch, HistoryWriteError
from liquidator.read.history_filter import Window
from liquidator.read.market_history import MINUTE_MS

BTC = "BTCUSDT"
START_MS = 1_704_067_200_000 + 1_000
CONFIG = VenueConfig(market_maker=MarketMakerConfig(), mark_source=PriceSource.FEED)


def usdt(value: int) -> Amount:
    return Amount.of(str(value), "USDT")


def limit(account: str, side: Side, price: str, client: str) -> PlaceOrder:
    return PlaceOrder(
        account,
        BTC,
        side,
        OrderType.LIMIT,
        quantity=Qty.of("0.01"),
        price=Price.of(price),
        time_in_force=TimeInForce.GTC,
        client_order_id=client,
    )


def market_order(account: str, side: Side, quantity: str = "0.01") -> PlaceOrder:
    return PlaceOrder(account, BTC, side, OrderType.MARKET, quantity=Qty.of(quantity))


def setup() -> list[Command]:
    return [
        SetIndexPrice(BTC, Price.of("60000")),
        SetMarkPrice(BTC, Price.of("60000")),
        OpenAccount("alice"),
        Deposit("alice", usdt(100_000)),
        OpenAccount("bob"),
        Deposit("bob", usdt(100_000)),
    ]


def round_trip(number: int) -> list[Command]:
    """Alice rests a bid, bob sells into it, alice closes with the market maker; a cancel."""
    return [
        limit("alice", Side.BUY, "59990", f"bid-{number}"),
        market_order("bob", Side.SELL),
        market_order("alice", Side.SELL),
        market_order("bob", Side.BUY),
        limit("alice", Side.BUY, "59000", f"gone-{number}"),
        CancelOrder("alice", BTC, client_order_id=f"gone-{number}"),
    ]


class Venue:
    """A live exchange on a journal, its clock moving 1 s per command."""

    def __init__(
        self, journal: Journal, store: SqliteHistory, *, write_every: int = 256, batch: int = 1
    ) -> None:
        exchange = Exchange.open(bundled_market(), CONFIG, journal, batch=batch)
        self.clock = SimulatedClock(max(START_MS, exchange.engine.venue.now_ms))
        self.live = LiveExchange(exchange, self.clock, store, write_every=write_every)

    @classmethod
    def on_file(cls, path: Path, *, write_every: int = 256, background: bool = True) -> Venue:
        """A venue on one file, its histories written in the background as a server's are."""
        journal = SqliteJournal(path, synchronous="OFF")
        store = SqliteHistory.open(path, synchronous="OFF", background=background)
        return cls(journal, store, write_every=write_every)

    def run(self, commands: Sequence[Command]) -> None:
        for command in commands:
            self.live.submit(command)
            self.clock.advance(1_000)

    def answers(self) -> dict[str, object]:
        """Every history answer for alice and bob, and the public ones."""
        live, window = self.live, Window(None, None, 1000)
        found: dict[str, object] = {}
        for account in ("alice", "bob"):
            found[f"{account} orders"] = [
                o.to_state() for o in live.orders.history(account, BTC, window)
            ]
            found[f"{account} fills"] = live.orders.fills(account, BTC, window)
            found[f"{account} income"] = live.income.query(account, limit=1000)
            found[f"{account} forced"] = live.force_orders.query(account)
        found["klines"] = live.market.klines(BTC, MINUTE_MS, limit=1000)
        found["mark klines"] = live.market.klines(BTC, MINUTE_MS, mark=True, limit=1000)
        found["trades"] = [t.row() for t in live.market.recent_trades(BTC, 1000)]
        found["day"] = live.market.day(BTC, live.now_ms())
        return found

    def crash(self) -> None:
        """Stop as a SIGKILL would: the journal is written, the histories are not."""
        self.live.exchange.journal.close()
        self.live.histories.store.close()


def memory() -> SqliteHistory:
    return SqliteHistory.memory()


def stored(path: Path, sql: str) -> int:
    with closing(sqlite3.connect(path)) as connection:
        value: int = connection.execute(sql).fetchone()[0]
        return value


class WatchedStore(SqliteHistory):
    """An in-memory store that notes how far the journal was at each of its writes."""

    journal: Journal

    def write(self, batch: HistoryBatch) -> None:
        assert self.journal.last_seq() >= batch.applied_seq, "history written before its journal"
        self.writes.append(batch.applied_seq)
        super().write(batch)

    @classmethod
    def watching(cls, journal: Journal) -> WatchedStore:
        store = cls.memory()
        store.journal, store.writes = journal, []
        return store

    writes: list[int]


def test_a_history_row_is_written_only_after_its_journal_record() -> None:
    journal = MemoryJournal()
    store = WatchedStore.watching(journal)
    venue = Venue(journal, store, write_every=3, batch=10)  # the journal appends in tens

    venue.run(setup())
    venue.run(round_trip(1))
    fills = venue.live.orders.fills("alice", BTC, Window())  # a read writes what is pending

    assert fills
    assert store.writes  # every one checked against the journal (WatchedStore.write)
    assert store.writes[-1] == journal.last_seq() == venue.live.exchange.seq


class RefusingJournal(MemoryJournal):
    """A memory journal whose appends fail while ``refusing`` is set."""

    refusing = False

    def append(self, records: Sequence[JournalRecord]) -> None:
        if self.refusing:
            raise sqlite3.OperationalError("database or disk is full")
        super().append(records)


def test_a_command_the_journal_refused_leaves_no_history_row() -> None:
    journal = RefusingJournal()
    venue = Venue(journal, SqliteHistory.memory())
    venue.run(setup())
    before = venue.answers()

    journal.refusing = True
    with pytest.raises(Exception):  # noqa: B017, PT011 - the journal's error, whichever it is
        venue.live.submit(market_order("alice", Side.BUY))
    journal.refusing = False

    assert venue.answers() == before
    assert venue.live.histories.applied_seq == journal.last_seq() == len(setup())


def test_a_clean_restart_reads_no_journal_record_again(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue = Venue.on_file(path)
    venue.run(setup())
    for number in range(20):
        venue.run(round_trip(number))
    before = venue.answers()
    venue.live.close()

    again = Venue.on_file(path)

    assert again.live.caught_up == 0
    assert stored(path, "SELECT applied_seq FROM history_checkpoint") == len(setup()) + 120
    assert again.answers() == before


def test_a_restart_after_a_crash_catches_up_only_the_records_after_the_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "venue.sqlite"
    venue, reference = Venue.on_file(path, write_every=50), Venue(MemoryJournal(), memory())
    for each in (venue, reference):
        each.run(setup())
        for number in range(20):
            each.run(round_trip(number))  # 126 commands: written at 50 and 100
    venue.crash()

    again = Venue.on_file(path)

    assert again.live.caught_up == 26
    assert again.answers() == reference.answers()


def test_new_history_tables_on_an_old_journal_are_built_from_its_first_record(
    tmp_path: Path,
) -> None:
    path = tmp_path / "venue.sqlite"
    venue = Venue.on_file(path)
    venue.run(setup())
    venue.run(round_trip(1))
    before = venue.answers()
    venue.live.close()
    with closing(sqlite3.connect(path)) as connection:
        tables = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'history_%'"
        )
        for (table,) in tables.fetchall():
            connection.execute(f"DROP TABLE {table}")

    again = Venue.on_file(path)

    assert again.live.caught_up == len(setup()) + 6
    assert again.answers() == before


def test_a_minute_being_built_carries_on_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue = Venue.on_file(path)
    venue.run(setup())
    venue.run([market_order("alice", Side.BUY)])
    (first,) = venue.live.market.klines(BTC, MINUTE_MS)
    venue.crash()

    again = Venue.on_file(path)
    again.run([market_order("bob", Side.SELL)])

    (bar,) = again.live.market.klines(BTC, MINUTE_MS)
    assert (bar.open_ms, bar.open, bar.trades) == (first.open_ms, first.open, 2)
    assert again.live.market.day(BTC, again.live.now_ms()) == bar


def test_history_tables_ahead_of_their_journal_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue = Venue.on_file(path)
    venue.run(setup())
    venue.live.close()
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE history_checkpoint SET applied_seq = 99")

    with pytest.raises(JournalError, match="ahead"):
        Venue.on_file(path)


def test_a_dropped_history_table_is_damage_not_a_fresh_start(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    Venue.on_file(path).live.close()
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP TABLE history_fills")

    with pytest.raises(JournalError, match="history_fills"):
        SqliteHistory.open(path)


def test_system_accounts_keep_no_order_history(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue = Venue.on_file(path)
    venue.run(setup())
    venue.run(round_trip(1))
    venue.live.close()

    orders = stored(path, "SELECT COUNT(*) FROM history_orders WHERE account LIKE '@%'")
    fills = stored(path, "SELECT COUNT(*) FROM history_fills WHERE account LIKE '@%'")
    assert stored(path, "SELECT COUNT(DISTINCT account) FROM history_orders") == 2
    assert (orders, fills) == (0, 0)  # the market maker traded with both, its orders not kept


MEASURED = 500  # round trips measured: the engine's heaps, bounded, weigh less per command


def cycles(venue: Venue, first: int, count: int) -> Iterator[None]:
    for number in range(first, first + count):
        venue.run(round_trip(number))
        yield


def test_memory_stays_bounded_by_the_live_state_while_the_history_grows(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue = Venue.on_file(path, write_every=64)
    venue.run(setup())
    for _ in cycles(venue, 0, 300):  # the engine's own state settles
        pass
    histories = venue.live.histories
    rows_before = stored(path, "SELECT COUNT(*) FROM history_fills")
    store = cast(SqliteHistory, histories.store)
    store.settle()  # the writes handed to the writer's thread are written: not counted
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        largest = 0
        for _ in cycles(venue, 300, MEASURED):
            held = (
                len(histories.orders.live)
                + len(histories.orders.new_fills)
                + len(histories.income.new_rows)
                + len(histories.market.new_trades)
                + len(histories.market.changed)
                + len(histories.funds.movements)
            )
            largest = max(largest, held)
        store.settle()  # a busy machine's writer may be behind: what it holds is not kept
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    venue.live.close()
    rows_after = stored(path, "SELECT COUNT(*) FROM history_fills")

    commands = MEASURED * len(round_trip(0))
    assert rows_after - rows_before >= MEASURED * 4  # the history grew with every command
    assert largest < 64 * 6  # what is held is at most one write's worth
    assert grown / commands < 64, f"{grown / commands:.0f} bytes left behind per command"


class FailingStore(SqliteHistory):
    """An in-memory store whose writes fail while ``failing`` is set."""

    failing = False

    def write(self, batch: HistoryBatch) -> None:
        if self.failing:
            raise HistoryWriteError("database or disk is full")
        super().write(batch)


def test_a_history_write_that_fails_is_retried_and_the_command_stands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FailingStore.memory()
    venue, reference = (
        Venue(MemoryJournal(), store, write_every=4),
        Venue(MemoryJournal(), memory()),
    )
    venue.run(setup())
    reference.run(setup())

    store.failing = True
    venue.run(round_trip(1))  # two writes fall due and fail: no command is refused
    store.failing = False
    venue.run(round_trip(2))
    reference.run([*round_trip(1), *round_trip(2)])

    assert "could not be written" in caplog.text
    assert venue.answers() == reference.answers()
    assert store.applied_seq() == venue.live.exchange.seq
