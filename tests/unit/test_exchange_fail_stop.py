"""Write-ahead, fail-stop: a command whose record cannot be written leaves no trace.

``FailingJournal`` is a hand-written fake: a memory journal whose writes can be made to fail
the way a full disk or an I/O error fails them (before, or after the record reached the disk).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import pytest

from liquidator.app.exchange import REFUSAL_WINDOW_S, Exchange
from liquidator.app.journal import (
    JournalError,
    JournalRecord,
    JournalUnavailable,
    JournalWriteError,
    MemoryJournal,
    Snapshot,
)
from liquidator.bootstrap import bundled_market
from liquidator.core.engine import Engine
from liquidator.core.exchange.commands import (
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
)
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.fixed import Amount, Price, Qty

START_MS = 1_704_067_200_000
BTC = "BTCUSDT"
CONFIG = VenueConfig()


class StoppedClock:
    """A monotonic clock that moves only when told (the refusal window's)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FailingJournal(MemoryJournal):
    """A memory journal whose appends, snapshots or reads fail on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_appends = False
        self.fail_after_write = False  # the record reaches the journal, then the call fails
        self.fail_snapshots = False
        self.fail_reads = False
        self.appends = 0

    def append(self, records: Sequence[JournalRecord]) -> None:
        self.appends += 1
        if self.fail_after_write:
            super().append(records)
        if self.fail_appends or self.fail_after_write:
            raise OSError(28, "No space left on device")
        super().append(records)

    def save_snapshot(self, seq: int, state: str, state_hash: str) -> None:
        if self.fail_snapshots:
            raise JournalWriteError("cannot save a snapshot: disk I/O error")
        super().save_snapshot(seq, state, state_hash)

    def latest_snapshot(self) -> Snapshot | None:
        if self.fail_reads:
            raise JournalError("the journal cannot be read: disk I/O error")
        return super().latest_snapshot()

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]:
        if self.fail_reads:
            raise JournalError("the journal cannot be read: disk I/O error")
        return super().records_after(seq, batch=batch)


def bid(price: str, account: str = "alice") -> PlaceOrder:
    return PlaceOrder(
        account, BTC, Side.BUY, OrderType.LIMIT, Qty.of("0.01"), Price.of(price), TimeInForce.GTC
    )


def setup() -> list[Command]:
    return [
        SetIndexPrice(BTC, Price.of("60000")),
        OpenAccount("alice"),
        Deposit("alice", Amount.of("10000", "USDT")),
        bid("59000"),
    ]


def open_exchange(
    journal: FailingJournal,
    *,
    batch: int = 1,
    snapshot_every: int = 3,
    clock: StoppedClock | None = None,
) -> Exchange:
    exchange = Exchange(
        Engine(bundled_market(), CONFIG),
        journal,
        batch=batch,
        snapshot_every=snapshot_every,
        clock=clock or StoppedClock(),
    )
    for number, command in enumerate(setup()):
        exchange.submit(command, START_MS + number)
    exchange.flush()
    return exchange


def open_orders(exchange: Exchange) -> list[int]:
    account = exchange.engine.venue.accounts["alice"]
    return sorted(order for orders in account.symbols.values() for order in orders.orders)


def test_a_command_whose_record_cannot_be_written_is_refused_and_leaves_no_trace() -> None:
    journal = FailingJournal()
    exchange = open_exchange(journal)
    before_hash, before_orders = exchange.engine.state_hash(), open_orders(exchange)
    journal.fail_appends = True

    with pytest.raises(JournalUnavailable, match="command 5 was refused") as raised:
        exchange.submit(bid("58000"), START_MS + 100)

    assert exchange.engine.state_hash() == before_hash
    assert open_orders(exchange) == before_orders
    assert exchange.seq == journal.last_seq() == 4
    assert raised.value.retry_after_s == REFUSAL_WINDOW_S


def test_after_a_refusal_commands_are_refused_untouched_for_a_while() -> None:
    journal, clock = FailingJournal(), StoppedClock()
    exchange = open_exchange(journal, clock=clock)
    journal.fail_appends = True
    with pytest.raises(JournalUnavailable):
        exchange.submit(bid("58000"), START_MS + 100)
    tried, before_hash = journal.appends, exchange.engine.state_hash()
    journal.fail_appends = False
    clock.now += REFUSAL_WINDOW_S / 2

    with pytest.raises(JournalUnavailable, match="refused until it can be") as raised:
        exchange.submit(bid("57000"), START_MS + 200)

    assert raised.value.retry_after_s == REFUSAL_WINDOW_S / 2
    assert journal.appends == tried
    assert exchange.engine.state_hash() == before_hash


def test_the_exchange_goes_on_once_the_journal_can_be_written_again() -> None:
    journal, clock = FailingJournal(), StoppedClock()
    exchange = open_exchange(journal, clock=clock)
    journal.fail_appends = True
    with pytest.raises(JournalUnavailable):
        exchange.submit(bid("58000"), START_MS + 100)
    journal.fail_appends = False
    clock.now += REFUSAL_WINDOW_S

    outcome = exchange.submit(bid("57000"), START_MS + 200)

    assert outcome.accepted
    assert len(open_orders(exchange)) == 2
    reopened = Exchange.open(bundled_market(), CONFIG, journal)
    assert reopened.engine.state_hash() == exchange.engine.state_hash()
    assert reopened.seq == exchange.seq == 5


def test_a_record_that_reached_the_journal_before_the_error_stands() -> None:
    journal = FailingJournal()
    exchange = open_exchange(journal)
    journal.fail_after_write = True

    outcome = exchange.submit(bid("58000"), START_MS + 100)

    assert outcome.accepted
    assert len(open_orders(exchange)) == 2
    assert exchange.seq == journal.last_seq() == 5
    reopened = Exchange.open(bundled_market(), CONFIG, journal)
    assert reopened.engine.state_hash() == exchange.engine.state_hash()


def test_a_journal_that_cannot_be_read_back_either_stops_the_exchange() -> None:
    journal = FailingJournal()
    exchange = open_exchange(journal)
    journal.fail_appends = journal.fail_reads = True

    with pytest.raises(JournalError, match="exchange stopped") as raised:
        exchange.submit(bid("58000"), START_MS + 100)
    journal.fail_appends = journal.fail_reads = False

    assert not isinstance(raised.value, JournalUnavailable)
    with pytest.raises(JournalError, match="exchange stopped"):
        exchange.submit(bid("57000"), START_MS + 200)
    assert journal.last_seq() == 4


def test_a_failed_batch_of_several_records_stops_the_exchange() -> None:
    journal = FailingJournal()
    exchange = open_exchange(journal, batch=10, snapshot_every=1000)
    exchange.submit(bid("58000"), START_MS + 100)
    exchange.submit(bid("57000"), START_MS + 200)
    journal.fail_appends = True

    with pytest.raises(JournalError, match="2 records of a batch could not be journaled") as raised:
        exchange.flush()

    assert not isinstance(raised.value, JournalUnavailable)
    with pytest.raises(JournalError, match="exchange stopped"):
        exchange.submit(bid("56000"), START_MS + 300)


def test_a_failed_batch_of_one_record_stops_an_exchange_that_batches() -> None:
    journal = FailingJournal()
    exchange = open_exchange(journal, batch=10, snapshot_every=1000)
    exchange.submit(bid("58000"), START_MS + 100)
    journal.fail_appends = True

    with pytest.raises(JournalError, match="a record of a batch could not be journaled") as raised:
        exchange.close()

    assert not isinstance(raised.value, JournalUnavailable)


def test_a_snapshot_that_cannot_be_saved_is_skipped_and_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal = FailingJournal()
    exchange = open_exchange(journal, snapshot_every=1000)
    journal.fail_snapshots = True

    with caplog.at_level(logging.WARNING, logger="liquidator.journal"):
        exchange.snapshot()

    assert "snapshot at seq 4 skipped" in caplog.text
    assert journal.latest_snapshot() is None
    assert exchange.submit(bid("58000"), START_MS + 100).accepted
    assert Exchange.open(bundled_market(), CONFIG, journal).engine.state_hash() == (
        exchange.engine.state_hash()
    )


def test_a_snapshot_whose_state_was_edited_is_refused_on_open() -> None:
    journal = FailingJournal()
    exchange = open_exchange(journal, snapshot_every=1000)
    exchange.snapshot()
    seq, state, state_hash = journal.latest_snapshot() or Snapshot(0, "", "")
    edited = state.replace('"alice","USDT",', '"alice","USDT",1', 1)
    assert edited != state
    journal.save_snapshot(seq, edited, state_hash)

    with pytest.raises(JournalError, match="snapshot at seq 4 does not match its state hash"):
        Exchange.open(bundled_market(), CONFIG, journal)
