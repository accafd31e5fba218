"""The histories written on a thread of their own (``adapters.sqlite.history_writer``): off the
caller's thread, in order, read after write, a refused write kept and retried, a broken
invariant fatal, and the same answers as a store written in line."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.history_writer import PreparedWrite
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.journal import JournalError, MemoryJournal
from liquidator.core.exchange.orders import Side
from liquidator.read.history import HistoryBatch, HistoryWriteError
from liquidator.read.history_filter import Window
from tests.integration.test_histories import Venue, market_order, memory, round_trip, setup


class RefusingStore(SqliteHistory):
    """A background store whose writes SQLite refuses while ``refusing`` is set, and that notes
    the thread each write ran on."""

    refusing = False
    threads: list[int]  # set by refusing_venue

    def _run(self, connection: sqlite3.Connection, write: PreparedWrite) -> None:
        self.threads.append(threading.get_ident())
        if self.refusing:
            raise sqlite3.OperationalError("database or disk is full")
        super()._run(connection, write)


def refusing_venue(path: Path, *, write_every: int = 4) -> tuple[Venue, RefusingStore]:
    journal = SqliteJournal(path, synchronous="OFF")
    store = RefusingStore.open(path, synchronous="OFF", background=True)
    store.threads = []
    return Venue(journal, store, write_every=write_every), store


def test_a_background_store_answers_as_one_written_in_line(tmp_path: Path) -> None:
    background = Venue.on_file(tmp_path / "background.sqlite", write_every=7)
    in_line = Venue.on_file(tmp_path / "in-line.sqlite", write_every=7, background=False)
    reference = Venue(MemoryJournal(), memory())
    for venue in (background, in_line, reference):
        venue.run(setup())
        for number in range(15):
            venue.run(round_trip(number))

    assert background.answers() == in_line.answers() == reference.answers()
    store = background.live.histories.store
    assert store.applied_seq() == background.live.exchange.seq  # a read waited for every write


def test_writes_run_off_the_callers_thread_in_order(tmp_path: Path) -> None:
    venue, store = refusing_venue(tmp_path / "venue.sqlite")
    venue.run(setup())
    for number in range(5):
        venue.run(round_trip(number))
    venue.live.orders.fills("alice", "BTCUSDT", Window())

    assert store.threads
    assert threading.get_ident() not in store.threads
    assert store.applied_seq() == venue.live.exchange.seq


def test_a_refused_write_is_kept_retried_and_the_commands_stand(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    venue, store = refusing_venue(tmp_path / "venue.sqlite")
    reference = Venue(MemoryJournal(), memory(), write_every=4)
    venue.run(setup())
    reference.run(setup())
    store.applied_seq()
    written = store.applied_seq()

    store.refusing = True
    venue.run(round_trip(1))  # writes fall due and are refused: no command is refused
    with pytest.raises(HistoryWriteError, match="disk is full"):
        store.applied_seq()  # a read that needs them says so
    store.refusing = False
    venue.run(round_trip(2))
    reference.run([*round_trip(1), *round_trip(2)])

    assert "could not be written" in caplog.text
    assert venue.answers() == reference.answers()
    assert store.applied_seq() == venue.live.exchange.seq > written


def test_a_checkpoint_going_back_stops_the_writer_for_good(tmp_path: Path) -> None:
    venue = Venue.on_file(tmp_path / "venue.sqlite", write_every=3)
    venue.run(setup())
    store = venue.live.histories.store
    store.applied_seq()
    assert isinstance(store, SqliteHistory)

    store.write(HistoryBatch(1))  # behind the checkpoint: an invariant broken, not a full disk

    with pytest.raises(JournalError, match="would go back"):
        store.applied_seq()
    with pytest.raises(JournalError, match="cannot be written"):
        venue.run([market_order("alice", Side.BUY)] * 3)


def test_writes_not_yet_written_can_be_dropped_and_caught_up_from_the_journal(
    tmp_path: Path,
) -> None:
    venue, store = refusing_venue(tmp_path / "venue.sqlite")
    venue.run(setup())
    committed = store.applied_seq()
    store.refusing = True
    venue.run(round_trip(1))

    store.discard_pending()
    store.refusing = False

    assert store.applied_seq() == committed  # nothing of the dropped writes reached the file
