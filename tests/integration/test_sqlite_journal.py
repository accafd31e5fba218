"""The journal port's contract on both implementations; the SQLite file reopened and SIGKILLed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Protocol

import pytest

from liquidator.adapters.sqlite.journal import MIGRATIONS, SqliteJournal
from liquidator.app.journal import (
    GENESIS_CHAIN,
    Journal,
    JournalError,
    JournalRecord,
    JournalWriteError,
    MemoryJournal,
    chain_link,
)


class KeepingJournal(Journal, Protocol):
    """The port plus the listing of kept snapshots that both implementations offer."""

    def snapshot_seqs(self) -> list[int]: ...


HASH = "ab" * 32  # a well-formed state hash (the adapter keeps it; the exchange checks it)


def record(seq: int) -> JournalRecord:
    """Return the record a PlaceOrder command handled as number ``seq`` would leave."""
    return JournalRecord(
        seq=seq,
        ts_ms=1_700_000_000_000 + seq,
        command=json.dumps({"type": "PlaceOrder", "n": seq}),
        events=json.dumps([{"type": "OrderPlaced", "n": seq}]),
    )


def records(first: int, last: int) -> list[JournalRecord]:
    return [record(seq) for seq in range(first, last + 1)]


def raw_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read ``path`` with a plain sqlite3 connection, bypassing the adapter."""
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(params=["memory", "sqlite"])
def journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeepingJournal]:
    opened: KeepingJournal = (
        MemoryJournal() if request.param == "memory" else SqliteJournal(tmp_path / "j.db")
    )
    yield opened
    opened.close()


def test_an_empty_journal_has_last_seq_zero_no_records_and_no_snapshot(
    journal: KeepingJournal,
) -> None:
    assert journal.last_seq() == 0
    assert list(journal.records_after(0)) == []
    assert journal.latest_snapshot() is None


def test_appended_records_read_back_in_seq_order_after_any_seq(journal: KeepingJournal) -> None:
    journal.append(records(1, 3))
    journal.append(records(4, 5))

    assert journal.last_seq() == 5
    assert list(journal.records_after(0)) == records(1, 5)
    assert list(journal.records_after(3)) == records(4, 5)
    assert list(journal.records_after(5)) == []
    assert list(journal.records_after(-1)) == records(1, 5)


@pytest.mark.parametrize(
    "batch",
    [
        pytest.param([record(2)], id="first-seq-not-1"),
        pytest.param([record(1), record(2), record(4)], id="gap-inside-batch"),
        pytest.param([record(1), record(1)], id="duplicate-inside-batch"),
        pytest.param([record(2), record(1)], id="out-of-order"),
    ],
)
def test_a_batch_with_a_seq_gap_is_refused_and_nothing_is_written(
    journal: KeepingJournal, batch: list[JournalRecord]
) -> None:
    with pytest.raises(JournalError, match="breaks the journal"):
        journal.append(batch)

    assert journal.last_seq() == 0
    assert list(journal.records_after(0)) == []


def test_a_batch_that_does_not_continue_the_journal_leaves_it_as_it_was(
    journal: KeepingJournal,
) -> None:
    journal.append(records(1, 3))

    with pytest.raises(JournalError, match="expected 4"):
        journal.append(records(3, 6))
    with pytest.raises(JournalError, match="expected 4"):
        journal.append(records(5, 6))

    assert journal.last_seq() == 3
    assert list(journal.records_after(0)) == records(1, 3)


def test_an_empty_batch_changes_nothing(journal: KeepingJournal) -> None:
    journal.append(records(1, 2))

    journal.append([])

    assert list(journal.records_after(0)) == records(1, 2)


@pytest.mark.parametrize("batch", [1, 7, 500, 1000, 2500, 5000])
def test_records_stream_in_order_across_batch_boundaries(
    journal: KeepingJournal, batch: int
) -> None:
    journal.append(records(1, 2500))

    streamed = journal.records_after(0, batch=batch)

    assert not isinstance(streamed, list)
    assert [r.seq for r in streamed] == list(range(1, 2501))
    assert list(journal.records_after(1999, batch=batch)) == records(2000, 2500)


def test_a_batch_size_below_one_is_refused(journal: KeepingJournal) -> None:
    with pytest.raises(ValueError, match="batch"):
        journal.records_after(0, batch=0)


def test_the_latest_snapshot_is_the_one_with_the_highest_seq(journal: KeepingJournal) -> None:
    journal.append(records(1, 20))
    journal.save_snapshot(10, '{"at": 10}', HASH)
    journal.save_snapshot(20, '{"at": 20}', HASH)
    journal.save_snapshot(0, '{"at": 0}', HASH)

    assert journal.latest_snapshot() == (20, '{"at": 20}', HASH)


def test_only_the_latest_three_snapshots_are_kept(journal: KeepingJournal) -> None:
    journal.append(records(1, 40))

    for seq in (0, 10, 20, 30, 40):
        journal.save_snapshot(seq, f'{{"at": {seq}}}', HASH)

    assert journal.snapshot_seqs() == [20, 30, 40]


def test_a_snapshot_saved_again_at_its_seq_replaces_the_first(journal: KeepingJournal) -> None:
    journal.append(records(1, 5))
    journal.save_snapshot(5, '{"v": 1}', HASH)

    journal.save_snapshot(5, '{"v": 2}', HASH)

    assert journal.latest_snapshot() == (5, '{"v": 2}', HASH)
    assert journal.snapshot_seqs() == [5]


@pytest.mark.parametrize("seq", [6, 100, -1])
def test_a_snapshot_outside_the_journal_is_refused(journal: KeepingJournal, seq: int) -> None:
    journal.append(records(1, 5))

    with pytest.raises(JournalError, match=f"snapshot seq {seq}"):
        journal.save_snapshot(seq, "{}", HASH)

    assert journal.latest_snapshot() is None


def test_a_closed_journal_refuses_every_call(journal: KeepingJournal) -> None:
    journal.append(records(1, 2))

    journal.close()
    journal.close()

    with pytest.raises(JournalError, match="closed"):
        journal.last_seq()
    with pytest.raises(JournalError, match="closed"):
        journal.append(records(3, 3))
    with pytest.raises(JournalError, match="closed"):
        journal.records_after(0)
    with pytest.raises(JournalError, match="closed"):
        journal.latest_snapshot()


def test_a_batch_failing_inside_sqlite_is_rolled_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    SqliteJournal(path).close()
    with closing(sqlite3.connect(path)) as connection, connection:  # fault injection
        connection.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON journal WHEN NEW.seq = 3"
            " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    with SqliteJournal(path) as journal:
        with pytest.raises(JournalWriteError, match="injected failure"):
            journal.append(records(1, 4))

        assert journal.last_seq() == 0
        journal.append(records(1, 2))
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DROP TRIGGER fail")
    with SqliteJournal(path) as journal:
        journal.append(records(3, 4))
        assert journal.last_seq() == 4
        assert journal.verify_chain() == journal.chain_head()


def test_each_row_stores_its_chain_value_as_a_32_byte_blob(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with SqliteJournal(path) as journal:
        journal.append(records(1, 3))
        head = journal.chain_head()

    stored = raw_rows(path, "SELECT seq, typeof(chain), chain FROM journal ORDER BY seq")
    chain = GENESIS_CHAIN
    for seq, kind, value in stored:
        assert isinstance(seq, int)
        chain = chain_link(chain, *record(seq))
        assert (kind, value) == ("blob", chain)
    assert type(head) is bytes
    assert head == chain


def test_a_reopened_file_reads_every_record_and_snapshot_back(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with SqliteJournal(path, synchronous="normal") as journal:
        journal.append(records(1, 1200))
        journal.save_snapshot(1000, '{"at": 1000}', HASH)

    with SqliteJournal(path) as reopened:
        assert reopened.last_seq() == 1200
        assert list(reopened.records_after(0, batch=100)) == records(1, 1200)
        assert reopened.latest_snapshot() == (1000, '{"at": 1000}', HASH)
        reopened.append(records(1201, 1201))


def test_migrations_are_applied_once_and_recorded_across_reopens(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with SqliteJournal(path) as journal:
        journal.append(records(1, 3))

    SqliteJournal(path).close()
    SqliteJournal(path).close()

    migrations = raw_rows(path, "SELECT name, applied_at_seq FROM schema_migrations ORDER BY 1")
    assert migrations == [(name, 0) for name, _ in MIGRATIONS]
    assert [name for name, _ in MIGRATIONS] == sorted(name for name, _ in MIGRATIONS)
    assert raw_rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_a_journal_written_by_a_newer_liquidator_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    SqliteJournal(path).close()
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("INSERT INTO schema_migrations VALUES ('0099_future', 0)")

    with pytest.raises(JournalError, match="0099_future"):
        SqliteJournal(path)


def test_open_readonly_reads_a_journal_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with SqliteJournal(path) as journal:
        journal.append(records(1, 3))
        journal.save_snapshot(2, "{}", HASH)

    with SqliteJournal.open_readonly(path) as reader:
        assert list(reader.records_after(0)) == records(1, 3)
        assert reader.latest_snapshot() == (2, "{}", HASH)
        with pytest.raises(JournalError, match="read-only"):
            reader.append(records(4, 4))
        with pytest.raises(JournalError, match="read-only"):
            reader.save_snapshot(3, "{}", HASH)


def test_open_readonly_names_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"

    with pytest.raises(JournalError, match="does not exist") as raised:
        SqliteJournal.open_readonly(path)

    assert str(path) in str(raised.value)
    assert not path.exists()


@pytest.mark.parametrize("opener", [SqliteJournal, SqliteJournal.open_readonly])
def test_a_sqlite_file_of_another_program_is_not_a_journal_and_is_left_untouched(
    tmp_path: Path, opener: Callable[[Path], SqliteJournal]
) -> None:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE users (name TEXT)")

    with pytest.raises(JournalError, match="not a liquidator journal") as raised:
        opener(path)

    assert str(path) in str(raised.value)
    assert raw_rows(path, "SELECT name FROM sqlite_master") == [("users",)]


@pytest.mark.parametrize("opener", [SqliteJournal, SqliteJournal.open_readonly])
def test_a_text_file_is_not_a_journal(
    tmp_path: Path, opener: Callable[[Path], SqliteJournal]
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 100, encoding="utf-8")

    with pytest.raises(JournalError, match="is not a SQLite database") as raised:
        opener(path)

    assert str(path) in str(raised.value)


@pytest.mark.parametrize("opener", [SqliteJournal, SqliteJournal.open_readonly])
def test_an_empty_file_is_refused_not_started_afresh(
    tmp_path: Path, opener: Callable[[Path], SqliteJournal]
) -> None:
    path = tmp_path / "empty.db"
    path.touch()

    with pytest.raises(JournalError, match=r"is empty \(0 bytes\)"):
        opener(path)

    assert path.stat().st_size == 0


@pytest.mark.parametrize("opener", [SqliteJournal, SqliteJournal.open_readonly])
def test_a_sqlite_database_without_tables_is_refused_not_started_afresh(
    tmp_path: Path, opener: Callable[[Path], SqliteJournal]
) -> None:
    path = tmp_path / "blank.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE scratch (x)")  # the file now exists, then has no table
        connection.execute("DROP TABLE scratch")

    with pytest.raises(JournalError, match="empty SQLite database"):
        opener(path)


def test_an_unknown_synchronous_level_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SqliteJournal(tmp_path / "j.db", synchronous="FULL; DROP TABLE journal")


WRITER = textwrap.dedent(
    """
    import json, sys
    from liquidator.adapters.sqlite.journal import MIGRATIONS, SqliteJournal
    from liquidator.app.journal import JournalRecord

    journal = SqliteJournal(sys.argv[1])
    seq = journal.last_seq()
    while True:
        seq += 1
        command = json.dumps({"type": "PlaceOrder", "n": seq})
        events = json.dumps([{"type": "OrderPlaced", "n": seq}])
        journal.append([JournalRecord(seq, 1_700_000_000_000 + seq, command, events)])
        print(seq, flush=True)
    """
)


def test_every_append_acknowledged_before_a_sigkill_survives_it(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    argv = [sys.executable, "-c", WRITER, str(path)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        printed = [proc.stdout.readline() for _ in range(300)]
        proc.send_signal(signal.SIGKILL)
        printed += proc.stdout.readlines()
        assert proc.wait() == -signal.SIGKILL, proc.stderr.read()

    acknowledged = [int(line) for line in printed if line.endswith("\n")]
    assert acknowledged == list(range(1, len(acknowledged) + 1))
    assert len(acknowledged) >= 300
    with SqliteJournal(path) as reopened:
        assert reopened.last_seq() >= acknowledged[-1]
        assert list(reopened.records_after(0)) == records(1, reopened.last_seq())
    assert raw_rows(path, "PRAGMA integrity_check") == [("ok",)]


def legacy_journal(path: Path, rows: list[JournalRecord]) -> None:
    """Write a journal as liquidator wrote them before the hash chain: 4 KiB pages, a snapshot."""
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("PRAGMA page_size = 4096")
        for _name, sql in MIGRATIONS[:2]:
            assert isinstance(sql, str)
            connection.execute(sql)
        connection.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at_seq)")
        connection.executemany(
            "INSERT INTO schema_migrations VALUES (?, 0)", [(name,) for name, _ in MIGRATIONS[:2]]
        )
        connection.executemany("INSERT INTO journal VALUES (?, ?, ?, ?)", rows)
        connection.execute("INSERT INTO snapshots VALUES (2, '{}')")


def test_an_older_journal_is_migrated_its_rows_chained_and_its_unhashed_snapshots_dropped(
    tmp_path: Path,
) -> None:
    older, new = tmp_path / "older.db", tmp_path / "new.db"
    legacy_journal(older, records(1, 5000))
    with SqliteJournal(new) as journal:
        journal.append(records(1, 5000))
        expected_head = journal.chain_head()

    with SqliteJournal(older) as journal:
        assert journal.verify_chain() == journal.chain_head() == expected_head
        assert journal.latest_snapshot() is None
        journal.append(records(5001, 5001))

    assert raw_rows(older, "SELECT name FROM schema_migrations ORDER BY 1") == [
        (name,) for name, _ in MIGRATIONS
    ]
    chained = "SELECT applied_at_seq FROM schema_migrations WHERE name = '0003_journal_chain'"
    assert raw_rows(older, chained) == [(5000,)]
    assert raw_rows(older, "SELECT COUNT(*) FROM api_keys") == [(0,)]


def test_a_new_journal_has_16_kib_pages_and_an_older_one_keeps_its_own(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "new.db") as journal:
        journal.append(records(1, 3))
    older = tmp_path / "older.db"
    legacy_journal(older, records(1, 3))
    with SqliteJournal(older) as journal:
        journal.append(records(4, 4))
        assert [r.seq for r in journal.records_after(0)] == [1, 2, 3, 4]

    sizes = {}
    for path in (tmp_path / "new.db", older):
        with closing(sqlite3.connect(path)) as connection:
            sizes[path.name] = connection.execute("PRAGMA page_size").fetchone()[0]
    assert sizes == {"new.db": 16_384, "older.db": 4096}


def test_one_journal_has_one_writer_whatever_name_opens_it(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    alias = tmp_path / "alias.db"
    with SqliteJournal(path) as writer:
        alias.symlink_to(path)
        writer.append(records(1, 2))

        for name in (path, alias):
            with pytest.raises(JournalError, match=r"in use by another liquidator process \(pid"):
                SqliteJournal(name)
        with SqliteJournal.open_readonly(alias) as reader:
            assert reader.last_seq() == 2

    with SqliteJournal(alias) as reopened:
        assert reopened.last_seq() == 2
