"""The journal port: the engine's commands in seq order, and snapshots of its whole state.

Every command the engine handles gets the next sequence number (1, 2, 3, ...) and is appended
with its timestamp and the events it produced, both as JSON text. Every N commands the engine
saves its state as JSON text, tagged with the seq it includes and the state's hash. A restart
loads the latest snapshot and replays ``records_after(snapshot_seq)``.

A durable journal chains its records (:func:`chain_link`): each record's chain value commits to
the one before, so an edited, inserted or deleted record breaks every value after it, and a
snapshot stores the chain value at its seq as an anchor.

``MemoryJournal`` is the in-memory implementation: the fake for tests and the default for
library users who need no durability. ``adapters/sqlite`` holds the durable one.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from hashlib import sha256
from itertools import islice
from operator import itemgetter
from typing import NamedTuple, Protocol, cast

#: The chain value before record 1.
GENESIS_CHAIN = bytes(32)
_LINK_HEADER = struct.Struct(">qqII")
_SEQ = itemgetter(0)  # a JournalRecord's seq
# ``_NO_BYTES + value`` is ``bytearray(value)`` without the constructor's argument parsing
# (700 against 1,200 instructions); never changed in place.
_NO_BYTES = bytearray()


class JournalError(Exception):
    """A broken journal invariant (seq gap, broken chain, snapshot ahead of the journal, foreign
    or corrupt file, a second writer).

    Nobody recovers from it: the caller stops, since replaying a journal with a hole in it or
    appending past one would give a state that no sequence of commands produced. The CLI prints
    it as one line and exits with 2.
    """


class JournalWriteError(JournalError):
    """The storage refused a write (disk full, I/O error, database locked); none of it is kept.

    Raised by an adapter's ``append`` or ``save_snapshot``. :class:`~liquidator.app.exchange.
    Exchange` handles it: a refused command is undone (:class:`JournalUnavailable`), a refused
    snapshot is skipped.
    """


class JournalUnavailable(JournalError):  # noqa: N818 - a refusal, named as the API reports it
    """A command was refused because the journal could not be written; nothing changed.

    Raised by ``Exchange.submit`` once the live state has been restored from the journal (so
    it equals what is on disk). The API answers it with a Binance error and the client may
    retry after ``retry_after_s`` seconds (until then the exchange refuses at once); the
    exchange itself keeps running.
    """

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class JournalRecord(NamedTuple):
    """One handled command: its seq, its time in ms since the epoch, command and events JSON.

    A named tuple: made once per command (a frozen dataclass costs four times as much), and
    handed to SQLite as the row it is.
    """

    seq: int
    ts_ms: int
    command: str
    events: str


#: ``new_record((seq, ts_ms, command, events))`` is ``JournalRecord(seq, ts_ms, command, events)``
#: without the Python-level ``__new__`` a named tuple runs when called (a record is made per
#: command: 120 against 220 ns).
new_record = cast(
    Callable[[tuple[int, int, str, str]], JournalRecord], partial(tuple.__new__, JournalRecord)
)


class Snapshot(NamedTuple):
    """The engine's whole state after record ``seq``, as JSON text, and that state's hash."""

    seq: int
    state: str
    state_hash: str  # Engine.state_hash() of the state: checked when the snapshot is restored


def chain_link(previous: bytes, seq: int, ts_ms: int, command: str, events: str) -> bytes:
    """Return the 32-byte chain value of the record ``(seq, ts_ms, command, events)``.

    SHA-256 of ``previous`` (the chain value of record ``seq - 1``, 32 bytes), then ``seq`` and
    ``ts_ms`` (8-byte big-endian signed integers), the byte lengths of ``command`` and
    ``events`` (4-byte big-endian unsigned), then ``command`` and ``events`` in UTF-8. The
    lengths make the encoding unambiguous; the value before record 1 is :data:`GENESIS_CHAIN`,
    32 zero bytes. ``chain_link(previous, *record)`` chains a :class:`JournalRecord`.
    """
    return chain_link_utf8(previous, seq, ts_ms, command.encode(), events.encode())


def chain_link_utf8(previous: bytes, seq: int, ts_ms: int, command: bytes, events: bytes) -> bytes:
    """Return :func:`chain_link` of a record whose texts are given already encoded in UTF-8."""
    try:
        header = _LINK_HEADER.pack(seq, ts_ms, len(command), len(events))
    except struct.error as error:
        raise JournalError(f"record {seq} cannot be chained: {error}") from None
    return sha256(previous + header + command + events).digest()


def chained_rows(
    previous: bytes, records: Sequence[JournalRecord]
) -> tuple[list[tuple[int, int, str, str, bytearray]], bytes]:
    """Return each record as a row ``(seq, ts_ms, command, events, chain)``, and the last chain.

    The chain values are :func:`chain_link`'s, from ``previous`` on; one loop with no call per
    record but the encoding and the hash (a third of the cost of calling ``chain_link``). A
    row's chain is a ``bytearray`` (equal to the ``bytes`` value, stored as the same blob):
    Python's ``sqlite3`` binds it as it is, where ``bytes`` first goes through its adaptation
    protocol, a failed attribute lookup that raises and clears an exception, a fifth of an
    insert's instructions (``tests/integration/test_sqlite_journal.py`` checks the blob).
    """
    rows: list[tuple[int, int, str, str, bytearray]] = []
    add, pack, digest = rows.append, _LINK_HEADER.pack, sha256
    try:
        for seq, ts_ms, command, events in records:
            command_utf8, events_utf8 = command.encode(), events.encode()
            header = pack(seq, ts_ms, len(command_utf8), len(events_utf8))
            previous = digest(previous + header + command_utf8 + events_utf8).digest()
            add((seq, ts_ms, command, events, _NO_BYTES + previous))
    except struct.error as error:
        failed = records[len(rows)].seq
        raise JournalError(f"record {failed} cannot be chained: {error}") from None
    return rows, previous


class Journal(Protocol):
    """Where the engine's commands and snapshots are kept."""

    def append(self, records: Sequence[JournalRecord]) -> None:
        """Append all ``records`` or none; their seqs must continue ``last_seq()`` by +1."""

    def last_seq(self) -> int:
        """Return the seq of the last appended record, 0 when the journal is empty."""

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]:
        """Yield the records with a seq above ``seq`` in seq order, ``batch`` at a time."""

    def save_snapshot(self, seq: int, state: str, state_hash: str) -> None:
        """Keep ``state`` (hashing to ``state_hash``) as the state after record ``seq``."""

    def latest_snapshot(self) -> Snapshot | None:
        """Return the snapshot with the highest seq, None if there is none."""

    @property
    def readonly(self) -> bool:
        """Tell whether this journal was opened for reading only."""

    def venue_config(self) -> str | None:
        """Return the venue configuration the journal was written with (JSON), if it records one."""

    def record_venue_config(self, text: str) -> None:
        """Record the venue configuration (JSON) the journal is written with, once."""

    def close(self) -> None:
        """Release the journal; any later call raises ``JournalError``."""


def check_continuation(last_seq: int, records: Sequence[JournalRecord]) -> None:
    """Raise ``JournalError`` unless the records' seqs are ``last_seq + 1``, ``+ 2``, ... ."""
    expected_seqs = range(last_seq + 1, last_seq + 1 + len(records))
    if list(map(_SEQ, records)) == list(expected_seqs):  # no Python bytecode per record
        return
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
        self._snapshots: dict[int, Snapshot] = {}
        self._venue: str | None = None
        self._closed = False

    @property
    def readonly(self) -> bool:
        """A memory journal is always writable."""
        return False

    def venue_config(self) -> str | None:
        """Return the venue configuration recorded, if any."""
        self._check_open()
        return self._venue

    def record_venue_config(self, text: str) -> None:
        """Record the venue configuration, once."""
        self._check_open()
        if self._venue is not None and self._venue != text:
            raise JournalError("the memory journal records another venue configuration")
        self._venue = text

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

    def save_snapshot(self, seq: int, state: str, state_hash: str) -> None:
        """Keep ``state`` at ``seq``, dropping all but the latest ``keep_snapshots``."""
        check_snapshot_seq(seq, self.last_seq())
        self._snapshots[seq] = Snapshot(seq, state, state_hash)
        for old in self.snapshot_seqs()[: -self._keep_snapshots]:
            del self._snapshots[old]

    def latest_snapshot(self) -> Snapshot | None:
        """Return the snapshot with the highest seq, None if there is none."""
        seqs = self.snapshot_seqs()
        return self._snapshots[seqs[-1]] if seqs else None

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
