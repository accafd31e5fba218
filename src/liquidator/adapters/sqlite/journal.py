"""The journal port on a SQLite file: WAL mode, one transaction per append, named migrations.

With ``synchronous="FULL"`` a returned ``append`` is on disk: it survives a SIGKILL of the
process and a power cut. ``"NORMAL"`` still survives a SIGKILL (the OS holds the WAL) but may
lose the last commits on a power cut. Migrations are applied in order, once, and recorded in
``schema_migrations`` with the journal's last seq at the time.

Each row carries its chain value (:func:`liquidator.app.journal.chain_link`), each snapshot the
state hash of what it holds and the chain value at its seq. Opening a journal, for writing or
reading, checks the file (``journal_file``), its tables, that its rows run 1..last_seq, every
kept snapshot's anchor, and the chain over the rows after the latest snapshot (all of them if
there is none); :meth:`SqliteJournal.verify_chain` checks the whole chain. A new journal is made
only where no file exists. One process writes a journal at a time (``WriterLock``); readers may
open it meanwhile. Every SQLite error becomes a ``JournalError`` of one line. A writer copies
its log into the file on a thread of its own (``checkpointer``), not inside its commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Self

from liquidator.adapters.sqlite.checkpointer import BACKSTOP_PAGES, Checkpointer
from liquidator.adapters.sqlite.journal_file import WriterLock, check_file, create_if_absent
from liquidator.adapters.sqlite.journal_integrity import (
    chain_at,
    check_rows,
    check_snapshots,
    check_tables,
    verify_chain,
)
from liquidator.adapters.sqlite.journal_migrations import (
    MIGRATIONS,
    apply_migrations,
    check_migrated,
)
from liquidator.app.journal import (
    GENESIS_CHAIN,
    JournalError,
    JournalRecord,
    JournalWriteError,
    Snapshot,
    chained_rows,
    check_continuation,
    check_snapshot_seq,
)

__all__ = ["MIGRATIONS", "PAGE_SIZE", "SYNCHRONOUS_LEVELS", "SqliteJournal"]

SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
PAGE_SIZE = 16_384
_RECORDS_AFTER = (
    "SELECT seq, ts_ms, command, events FROM journal WHERE seq > ? ORDER BY seq LIMIT ?"
)
_INSERT = "INSERT INTO journal (seq, ts_ms, command, events, chain) VALUES (?, ?, ?, ?, ?)"


class SqliteJournal:
    """A journal in one SQLite file, for one writing process at a time."""

    def __init__(
        self, path: str | Path, *, synchronous: str = "FULL", keep_snapshots: int = 3
    ) -> None:
        level = synchronous.upper()
        if level not in SYNCHRONOUS_LEVELS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS_LEVELS}, got {synchronous}")
        if keep_snapshots < 1:
            raise ValueError(f"keep_snapshots must be at least 1, got {keep_snapshots}")
        self._path = Path(path)
        self._keep_snapshots = keep_snapshots
        self._readonly = False
        self._head: bytes | None = None
        self._connection: sqlite3.Connection | None = None
        self._lock: WriterLock | None = None
        self._staged: list[tuple[str, tuple[object, ...]]] = []
        self._checkpointer: Checkpointer | None = None
        create_if_absent(self._path, _build)
        check_file(self._path)
        self._lock = WriterLock(self._path)
        try:
            self._connection = _open(
                self._path, lambda connection: _prepare(connection, self._path, level)
            )
            self._head = self._verify_on_open()
            # Checkpoints run on their own thread; the writer's own only if that one lags.
            self._connection.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
            self._checkpointer = Checkpointer(self._path)
        except BaseException:
            self.close()
            raise

    def __str__(self) -> str:
        return str(self._path)

    @classmethod
    def open_readonly(cls, path: str | Path) -> Self:
        """Open an existing journal for reading; writes raise ``JournalError``."""
        journal = cls.__new__(cls)
        journal._path = Path(path)
        journal._keep_snapshots = 1
        journal._readonly = True
        journal._lock = None
        journal._connection = None
        journal._staged = []
        journal._checkpointer = None
        if not _exists(journal._path):
            raise JournalError(f"no journal at {journal._path}: the file does not exist")
        check_file(journal._path)
        journal._connection = _open(
            journal._path,
            lambda connection: _check_readable(connection, journal._path),
            readonly=True,
        )
        try:
            journal._head = journal._verify_on_open()
        except BaseException:
            journal.close()
            raise
        return journal

    def append(self, records: Sequence[JournalRecord]) -> None:
        """Append all ``records`` in one transaction; their seqs must continue ``last_seq()``."""
        connection = self._writable()
        with self._writing("append to"):
            head = self._head if self._head is not None else self._read_head()
            self._head = None  # unknown until the transaction's fate is
            rows, head = chained_rows(head, records)
            staged, self._staged = self._staged, []
            with _transaction(connection):
                check_continuation(_last_seq(connection), records)
                for statement, parameters in staged:
                    connection.execute(statement, parameters)
                connection.executemany(_INSERT, rows)
            self._head = head
        if self._checkpointer is not None:
            self._checkpointer.appended(len(rows))

    def stage(self, statement: str, parameters: tuple[object, ...]) -> None:
        """Run ``statement`` in the next append's transaction, before its records.

        For rows that must be exactly as durable as the next command's record and no more (a
        spent signature: ``adapters/sqlite/keys``): one commit for both, not two. A staged row
        whose append fails goes with it; the command it guarded was undone.
        """
        self._writable()
        self._staged.append((statement, parameters))

    @property
    def readonly(self) -> bool:
        """Tell whether this journal was opened with :meth:`open_readonly`."""
        return self._readonly

    def venue_config(self) -> str | None:
        """Return the venue configuration recorded (JSON), None if the journal records none."""
        with self._reading():
            row = self._live().execute("SELECT config FROM venue_config").fetchone()
        return None if row is None else str(row[0])

    def record_venue_config(self, text: str) -> None:
        """Record the venue configuration (JSON) the journal is written with, once."""
        connection = self._writable()
        with self._writing("record the venue configuration of"), _transaction(connection):
            connection.execute("INSERT INTO venue_config (id, config) VALUES (1, ?)", (text,))

    def last_seq(self) -> int:
        """Return the seq of the last appended record, 0 when the journal is empty."""
        with self._reading():
            return _last_seq(self._live())

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]:
        """Yield the records with a seq above ``seq`` in seq order, reading ``batch`` per query."""
        self._live()
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        return self._stream(seq, batch)

    def save_snapshot(self, seq: int, state: str, state_hash: str) -> None:
        """Keep ``state`` at ``seq`` with its hash and chain anchor; keep the latest few only."""
        connection = self._writable()
        with self._writing("save a snapshot in"), _transaction(connection):
            check_snapshot_seq(seq, _last_seq(connection))
            connection.execute(
                "INSERT OR REPLACE INTO snapshots (seq, state, state_hash, chain)"
                " VALUES (?, ?, ?, ?)",
                (seq, state, state_hash, chain_at(connection, seq)),
            )
            connection.execute(
                "DELETE FROM snapshots WHERE seq NOT IN"
                " (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)",
                (self._keep_snapshots,),
            )
        if self._checkpointer is not None:
            self._checkpointer.nudge()  # a snapshot is megabytes of log

    def latest_snapshot(self) -> Snapshot | None:
        """Return the snapshot with the highest seq, None if there is none."""
        return self._snapshot("ORDER BY seq DESC LIMIT 1")

    def snapshot_at(self, seq: int) -> Snapshot | None:
        """Return the snapshot kept at ``seq``, None if there is none."""
        return self._snapshot("WHERE seq = ?", (seq,))

    def snapshot_seqs(self) -> list[int]:
        """Return the seqs of the snapshots kept, oldest first."""
        with self._reading():
            rows = self._live().execute("SELECT seq FROM snapshots ORDER BY seq").fetchall()
        return [row[0] for row in rows]

    def chain_head(self) -> bytes:
        """Return the chain value of the last record (:data:`GENESIS_CHAIN` when empty)."""
        with self._reading():
            return self._read_head()

    def check_integrity(self) -> None:
        """Run SQLite's own consistency check of the file; raise ``JournalError`` if it fails.

        Run it after :meth:`verify_chain`: the rows are then known to be good.
        """
        with self._reading():
            found = self._live().execute("PRAGMA quick_check").fetchall()
        if found != [("ok",)]:
            raise JournalError(
                f"{self._path} fails SQLite's integrity check ({found[0][0]}) though its rows"
                f" read and chain; last good seq {self.last_seq()}"
            )

    def verify_chain(self) -> bytes:
        """Recompute the whole chain from record 1; return its head or raise ``JournalError``."""
        with self._reading():
            return verify_chain(self._live(), self._path, 0, GENESIS_CHAIN)

    @contextmanager
    def frozen(self) -> Iterator[Self]:
        """Read the journal as of now for the whole block, whatever a writer appends meanwhile.

        One read transaction: SQLite's write-ahead log keeps its view (rows, snapshots) fixed.
        """
        connection = self._live()
        with self._reading():
            connection.execute("BEGIN")
        try:
            yield self
        finally:
            if connection.in_transaction:
                with suppress(sqlite3.Error):
                    connection.execute("COMMIT")

    def close(self) -> None:
        """Close the database and release the writer lock; any later call raises."""
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _verify_on_open(self) -> bytes:
        """Check tables, rows, snapshots and the chain after the latest snapshot; return the head.

        The rows up to the latest snapshot are trusted through its anchor (checked to be the
        row's chain value); ``verify_chain`` (``liquidator journal verify``) checks them all.
        """
        connection = self._live()
        with self.frozen(), self._reading():
            check_tables(connection, self._path)
            last = check_rows(connection, self._path)
            check_snapshots(connection, self._path, last)
            row = connection.execute("SELECT MAX(seq) FROM snapshots").fetchone()
            anchor = 0 if row[0] is None else int(row[0])
            start = chain_at(connection, anchor)
            assert start is not None  # check_snapshots found the anchor's row
            return verify_chain(connection, self._path, anchor, start)

    def _read_head(self) -> bytes:
        row = self._live().execute("SELECT chain FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return GENESIS_CHAIN if row is None else bytes(row[0])

    def _snapshot(self, where: str, parameters: tuple[int, ...] = ()) -> Snapshot | None:
        with self._reading():
            row = (
                self._live()
                .execute(f"SELECT seq, state, state_hash FROM snapshots {where}", parameters)
                .fetchone()
            )
        return None if row is None else Snapshot(*row)

    def _stream(self, seq: int, batch: int) -> Iterator[JournalRecord]:
        while True:
            with self._reading():
                rows = self._live().execute(_RECORDS_AFTER, (seq, batch)).fetchall()
            yield from (JournalRecord(*row) for row in rows)
            if len(rows) < batch:
                return
            seq = rows[-1][0]

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn a SQLite error while reading into a one-line ``JournalError``."""
        try:
            yield
        except sqlite3.Error as error:
            raise JournalError(f"{self._path} cannot be read: {error}") from error

    @contextmanager
    def _writing(self, action: str) -> Iterator[None]:
        """Turn a SQLite or OS error while writing into a ``JournalWriteError``."""
        try:
            yield
        except (sqlite3.Error, OSError) as error:
            raise JournalWriteError(f"cannot {action} the journal {self._path}: {error}") from error

    def _live(self) -> sqlite3.Connection:
        if self._connection is None:
            raise JournalError(f"the journal {self._path} is closed")
        return self._connection

    def _writable(self) -> sqlite3.Connection:
        if self._readonly:
            raise JournalError(f"the journal {self._path} was opened read-only")
        return self._live()


def _exists(path: Path) -> bool:
    """Return whether ``path`` names something; ``JournalError`` if the name itself is bad."""
    try:
        return path.exists()
    except OSError as error:
        raise JournalError(f"cannot open the journal {path}: {error.strerror}") from error


def _build(path: Path) -> None:
    """Write a new, fully migrated journal at ``path`` and close it."""
    connection = _open(path, lambda opened: _prepare(opened, path, "FULL", new=True))
    connection.close()


def _open(
    path: Path, setup: Callable[[sqlite3.Connection], None], *, readonly: bool = False
) -> sqlite3.Connection:
    """Connect to ``path`` and run ``setup`` on the connection, closing it if that fails."""
    target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    try:
        # Autocommit mode: the only transactions are the explicit ones of _transaction.
        connection = sqlite3.connect(target, uri=readonly, isolation_level=None)
    except sqlite3.Error as exc:
        raise JournalError(f"cannot open the journal {path}: {exc}") from exc
    try:
        setup(connection)
    except sqlite3.Error as exc:
        connection.close()
        raise JournalError(f"{path} is not a usable liquidator journal: {exc}") from exc
    except BaseException:
        connection.close()
        raise
    return connection


def _check_readable(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a database that is not a fully migrated journal (a reader cannot migrate)."""
    check_migrated(connection, path)


def _prepare(
    connection: sqlite3.Connection, path: Path, synchronous: str, *, new: bool = False
) -> None:
    """Switch to WAL (16 KiB pages if ``new``) and apply the missing migrations in order."""
    check_migrated(connection, path, partial=True, new=new)
    # A new file only (an existing one keeps its pages): 16 KiB pages append the journal's
    # ~500-byte records a quarter faster than the default 4 KiB.
    connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode != "wal":
        raise JournalError(f"{path} cannot use WAL journal mode (got {mode})")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    with _transaction(connection):
        apply_migrations(connection, path)


def _last_seq(connection: sqlite3.Connection) -> int:
    seq: int = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM journal").fetchone()[0]
    return seq


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one write transaction: committed if it returns, rolled back if not."""
    # IMMEDIATE takes the write lock first, so the seq read inside cannot go stale.
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            with suppress(sqlite3.Error):  # SQLite may have rolled back already (I/O error)
                connection.execute("ROLLBACK")
        raise
