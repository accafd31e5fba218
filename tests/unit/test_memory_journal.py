"""MemoryJournal as the in-memory default: a restart from it, and its own settings.

The port's full contract runs on both implementations in tests/integration/test_sqlite_journal.py.
"""

from __future__ import annotations

import json

import pytest

from liquidator.app.journal import (
    Journal,
    JournalError,
    JournalRecord,
    MemoryJournal,
    check_continuation,
)


def deposit(seq: int, amount: int) -> JournalRecord:
    """Return the record of a Deposit command handled as number ``seq``."""
    command = json.dumps({"type": "Deposit", "amount": amount})
    return JournalRecord(seq, 1_700_000_000_000 + seq, command, '[{"type": "Deposited"}]')


def restore_balance(journal: Journal) -> int:
    """Rebuild a toy engine's state the way a restart does: latest snapshot + journal tail."""
    snapshot = journal.latest_snapshot()
    seq, balance = (0, 0) if snapshot is None else (snapshot.seq, json.loads(snapshot.state))
    for record in journal.records_after(seq, batch=2):
        balance += json.loads(record.command)["amount"]
    return balance


def test_a_restart_from_the_latest_snapshot_and_the_tail_gives_the_same_state() -> None:
    journal = MemoryJournal()
    journal.append([deposit(1, 100), deposit(2, 50)])
    journal.save_snapshot(2, "150", "")
    journal.append([deposit(3, 7), deposit(4, 3), deposit(5, 40)])

    assert restore_balance(journal) == 200
    assert restore_balance(journal) == sum(
        json.loads(r.command)["amount"] for r in journal.records_after(0)
    )


def test_a_restart_from_a_journal_without_snapshot_replays_everything() -> None:
    journal = MemoryJournal()
    journal.append([deposit(1, 100), deposit(2, -30)])

    assert restore_balance(journal) == 70


def test_keeping_one_snapshot_drops_each_older_one() -> None:
    journal = MemoryJournal(keep_snapshots=1)
    journal.append([deposit(1, 1), deposit(2, 1)])

    journal.save_snapshot(1, "1", "")
    journal.save_snapshot(2, "2", "")

    assert journal.snapshot_seqs() == [2]
    assert journal.latest_snapshot() == (2, "2", "")


def test_keeping_no_snapshot_is_refused() -> None:
    with pytest.raises(ValueError, match="keep_snapshots"):
        MemoryJournal(keep_snapshots=0)


def test_a_stream_started_before_an_append_reads_the_appended_records() -> None:
    journal = MemoryJournal()
    journal.append([deposit(1, 1)])
    stream = journal.records_after(0)

    journal.append([deposit(2, 1)])

    assert [r.seq for r in stream] == [1, 2]


def test_a_refused_batch_leaves_the_earlier_records_as_they_were() -> None:
    journal = MemoryJournal()
    journal.append([deposit(1, 10)])

    with pytest.raises(JournalError):
        journal.append([deposit(2, 20), deposit(4, 40)])

    assert list(journal.records_after(0)) == [deposit(1, 10)]


def test_a_continuity_error_names_the_seq_found_and_the_seq_expected() -> None:
    with pytest.raises(JournalError, match="record seq 9 breaks the journal: expected 8"):
        check_continuation(7, [deposit(9, 1)])


def test_a_journal_record_is_immutable() -> None:
    record = deposit(1, 10)

    with pytest.raises(AttributeError):
        record.seq = 2  # type: ignore[misc]
