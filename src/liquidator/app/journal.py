"""The journal port: the engine's commands in seq order, and snapshots of its whole state.

Every command the engine handles gets the next sequence number (1, 2, 3, ...) and is appended
with its timestamp and the events it produced, both as JSON text. Every N commands the engine
saves its state as JSON text, tagged with the seq it includes. A restart loads the latest
snapshot and replays ``records_after(snapshot_seq)``.

``MemoryJournal`` is the in-memory implementation: the fake for tests and the default for
library users who need no durability. ``adapters/sqlite`` holds the durable one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import NamedTuple, Protocol


class JournalError(Exception):
    """A broken journal invariant (seq gap, snapshot ahead of the journal, foreign file).

    Nobody recovers from it: the caller stops, since replaying a journal with a hole in it or
    appending past one would give a state that no sequence of commands produced.
    """


class JournalRecord(NamedTuple):
    """One handled command: its seq, its time in ms since the epoch, command and events JSON.

    A named tuple: made once per command (a frozen dataclass costs four times as much), and
    handed to SQLite as the row it is.
    """

    seq: int
    ts_ms: int
    command: str
    events: str


class Journal(Protocol):
    """Where the engine's commands and snapshots are kept."""

    def append(self, records: Sequence[JournalRecord]) -> None:
        """Append all ``records`` or none; their seqs must continue ``last_seq()`` by +1."""

    def last_seq(self) -> int:
        """Return the seq of the last appended record, 0 when the journal is empty."""

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]:
        """Yield the records with a seq above ``seq`` in seq order, ``batch`` at a time."""

    def save_snapshot(self, seq: int, state: str) -> None:
        """Keep ``state`` as the engine's state after record ``seq`` (at most ``last_seq()``)."""

    def latest_snapshot(self) -> tuple[int, str] | None:
        """Return the snapshot with the highest seq as ``(seq, state)``, None if there is none."""

    def close(self) -> None:
        """Release the journal; any later call raises ``JournalError``."""


def check_continuation(last_seq: int, records: Sequence[JournalRecord]) -> None:
    """Raise ``JournalError`` unless the records' seqs are ``last_seq + 1``, ``+ 2``, ... ."""
    for expected, record in enumerate(records, start=last_seq + 1):
        if record.seq != expected:
            raise JournalError(
                f"record seq {record.seq} breaks the journal: expected {expected} "
                f"after last_seq {last_seq}; nothing was appended"
            )


def check_snapshot_seq(seq: int, last_seq: int) -> None:
    """Raise ``JournalError`` unless a snapshot at ``seq`` describes a journaled state."""
    if not 0 <= seq <= last_seq:
        raise JournalError(f"snapshot seq {seq} is outside the journal (last_seq {last_seq})")


class MemoryJournal:
    """A journal held in lists: lost when the process ends."""

    def __init__(self, *, keep_snapshots: int = 3) -> None:
        if keep_snapshots < 1:
            raise ValueError(f"keep_snapshots must be at least 1, got {keep_snapshots}")
        self._keep_snapshots = keep_snapshots
        self._records: list[JournalRecord] = []
        self._snapshots: dict[int, str] = {}
        self._closed = False

    def append(self, records: Sequence[JournalRecord]) -> None:
        """Append all ``records`` or none; their seqs must continue ``last_seq()`` by +1."""
        check_continuation(self.last_seq(), records)
        self._records.extend(records)

    def last_seq(self) -> int:
        """Return the seq of the last appended record, 0 when the journal is empty."""
        self._check_open()
        return self._records[-1].seq if self._records else 0

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]:
        """Yield the records with a seq above ``seq`` in seq order, without copying the list."""
        self._check_open()
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        # Seqs run 1, 2, 3, ... so the record with seq n sits at index n - 1.
        return islice(self._records, max(seq, 0), None)

    def save_snapshot(self, seq: int, state: str) -> None:
        """Keep ``state`` at ``seq``, dropping all but the latest ``keep_snapshots``."""
        check_snapshot_seq(seq, self.last_seq())
        self._snapshots[seq] = state
        for old in self.snapshot_seqs()[: -self._keep_snapshots]:
            del self._snapshots[old]

    def latest_snapshot(self) -> tuple[int, str] | None:
        """Return the snapshot with the highest seq as ``(seq, state)``, None if there is none."""
        seqs = self.snapshot_seqs()
        return (seqs[-1], self._snapshots[seqs[-1]]) if seqs else None

    def snapshot_seqs(self) -> list[int]:
        """Return the seqs of the snapshots kept, oldest first."""
        self._check_open()
        return sorted(self._snapshots)

    def close(self) -> None:
        """Release the journal; any later call raises ``JournalError``."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise JournalError("the memory journal is closed")
