"""A writer's log is copied into the journal's file by a thread of its own, never in a commit."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from liquidator.adapters.sqlite.checkpointer import CHECKPOINT_RECORDS, Checkpointer
from liquidator.adapters.sqlite.journal import PAGE_SIZE, SqliteJournal
from liquidator.app.journal import JournalRecord

T0_MS = 1_700_000_000_000


def records(first: int, count: int) -> list[JournalRecord]:
    """Records of ~1 KiB each, like a journal's busiest ones."""
    padding = "x" * 900
    return [
        JournalRecord(seq, T0_MS + seq, json.dumps({"n": seq, "pad": padding}), "[]")
        for seq in range(first, first + count)
    ]


def checkpoint_threads(path: Path) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == f"checkpoint {path.name}"]


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_log_reaches_the_file_while_the_writer_goes_on_appending(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    count = CHECKPOINT_RECORDS + 1_000  # ~9 MB: below every automatic checkpoint of the writer
    with SqliteJournal(path, synchronous="NORMAL") as journal:
        empty_file = path.stat().st_size
        for first in range(1, count + 1, 1_000):
            journal.append(records(first, min(1_000, count + 1 - first)))

        # Only the checkpoint thread copies pages into the file (SQLite's own checkpoint comes at
        # 1,000 pages of log by default, at BACKSTOP_PAGES here: 16 and 128 MiB).
        assert wait_until(lambda: path.stat().st_size > empty_file + 1_000 * PAGE_SIZE // 2)
        assert journal.last_seq() == count
    with SqliteJournal.open_readonly(path) as reader:
        assert reader.last_seq() == count
        assert reader.verify_chain() == reader.chain_head()


def test_closing_a_journal_stops_its_checkpoint_thread_and_a_reader_starts_none(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite"
    journal = SqliteJournal(path)
    journal.append(records(1, 10))
    assert len(checkpoint_threads(path)) == 1

    journal.close()

    assert checkpoint_threads(path) == []
    with SqliteJournal.open_readonly(path) as reader:
        assert reader.last_seq() == 10
        assert checkpoint_threads(path) == []


def test_a_checkpoint_that_fails_is_tried_again_at_the_next_nudge(tmp_path: Path) -> None:
    path = tmp_path / "later" / "journal.sqlite"  # no folder yet: every checkpoint fails
    checkpointer = Checkpointer(path, every=1)
    try:
        for _ in range(3):
            checkpointer.appended(1)
            time.sleep(0.05)
        assert checkpointer.checkpoints == 0
        assert checkpoint_threads(path)[0].is_alive()

        path.parent.mkdir()
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            checkpointer.nudge()
            assert wait_until(lambda: checkpointer.checkpoints >= 1)
    finally:
        checkpointer.close()
    assert checkpoint_threads(path) == []
