"""The journal port on a SQLite file: WAL mode, one transaction per append, named migrations.

With ``synchronous="FULL"`` a returned ``append`` is on disk: it survives a SIGKILL of the
process and a power cut. ``"NORMAL"`` still survives a SIGKILL (the OS holds the WAL) but may
lose the last commits on a power cut. Migrations are applied in order, once, and recorded in
``schema_migrations`` with the journal's last seq at the time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from liquidator.app.journal import (
    JournalError,
    JournalRecord,
    check_continuation,
    check_snapshot_seq,
)

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_journal",
        "CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
        " command TEXT NOT NULL, events TEXT NOT NULL)",
    ),
    ("0002_snapshots", "CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, state TEXT NOT NULL)"),
)
SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
PAGE_SIZE = 16_384
_RECORDS_AFTER = (
    "SELECT seq, ts_ms, command, events FROM journal WHERE seq > ? ORDER BY seq LIMIT ?"
)


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
        self._connection: sqlite3.Connection | None = _open(
            self._path, lambda connection: _prepare(connection, self._path, level)
        )

    def __str__(self) -> str:
        return str(self._path)

    @classmethod
    def open_readonly(cls, path: str | Path) -> Self:
        """Open an existing journal for reading; writes raise ``JournalError``."""
        journal = cls.__new__(cls)
        journal._path = Path(path)
        journal._keep_snapshots = 1
        journal._readonly = True
        if not journal._path.is_file():
            raise JournalError(f"no journal at {journal._path}: the file does not exist")
        journal._connection = _open(
            journal._path,
            lambda connection: _check_schema(connection, journal._path),
            readonly=True,
        )
        return journal

    def append(self, records: Sequence[JournalRecord]) -> None:
        """Append all ``records`` in one transaction; their seqs must continue ``last_seq()``."""
        with _transaction(self._writable()) as connection:
            check_continuation(_last_seq(connection), records)
            connection.executemany(
                "INSERT INTO journal (seq, ts_ms, command, events) VALUES (?, ?, ?, ?)", records
            )  # a record is the row: (seq, ts_ms, command, events)

    def last_seq(self) -> int:
        """Return the seq of the last appended record, 0 when the journal is empty."""
        return _last_seq(self._live())

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]:
        """Yield the records with a seq above ``seq`` in seq order, reading ``batch`` per query."""
        self._live()
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        return self._stream(seq, batch)

    def save_snapshot(self, seq: int, state: str) -> None:
        """Keep ``state`` at ``seq``, dropping all but the latest ``keep_snapshots``."""
        with _transaction(self._writable()) as connection:
            check_snapshot_seq(seq, _last_seq(connection))
            connection.execute(
                "INSERT OR REPLACE INTO snapshots (seq, state) VALUES (?, ?)", (seq, state)
            )
            connection.execute(
                "DELETE FROM snapshots WHERE seq NOT IN"
                " (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)",
                (self._keep_snapshots,),
            )

    def latest_snapshot(self) -> tuple[int, str] | None:
        """Return the snapshot with the highest seq as ``(seq, state)``, None if there is none."""
        row = (
            self._live()
            .execute("SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1")
            .fetchone()
        )
        return None if row is None else (row[0], row[1])

    def snapshot_seqs(self) -> list[int]:
        """Return the seqs of the snapshots kept, oldest first."""
        rows = self._live().execute("SELECT seq FROM snapshots ORDER BY seq").fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        """Close the database; any later call raises ``JournalError``."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _stream(self, seq: int, batch: int) -> Iterator[JournalRecord]:
        while True:
            rows = self._live().execute(_RECORDS_AFTER, (seq, batch)).fetchall()
            yield from (JournalRecord(*row) for row in rows)
            if len(rows) < batch:
                return
            seq = rows[-1][0]

    def _live(self) -> sqlite3.Connection:
        if self._connection is None:
            raise JournalError(f"the journal {self._path} is closed")
        return self._connection

    def _writable(self) -> sqlite3.Connection:
        if self._readonly:
            raise JournalError(f"the journal {self._path} was opened read-only")
        return self._live()


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


def _prepare(connection: sqlite3.Connection, path: Path, synchronous: str) -> None:
    """Refuse a foreign database, switch to WAL and apply the missing migrations in order."""
    _applied_migrations(connection, path)
    # A new file only (an existing one keeps its pages): 16 KiB pages append the journal's
    # ~500-byte records a quarter faster than the default 4 KiB.
    connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode != "wal":
        raise JournalError(f"{path} cannot use WAL journal mode (got {mode})")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    with _transaction(connection):
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (name TEXT PRIMARY KEY, applied_at_seq INTEGER)"
        )
        # Read again under the write lock: another process may have migrated meanwhile.
        applied = _applied_migrations(connection, path)
        for name, sql in MIGRATIONS:
            if name not in applied:
                connection.execute(sql)
                connection.execute(
                    "INSERT INTO schema_migrations (name, applied_at_seq) VALUES (?, ?)",
                    (name, _last_seq(connection)),
                )


def _check_schema(connection: sqlite3.Connection, path: Path) -> None:
    """Raise ``JournalError`` unless the database holds a fully migrated journal."""
    applied = _applied_migrations(connection, path)
    missing = [name for name, _ in MIGRATIONS if name not in applied]
    if missing:
        raise JournalError(f"{path} is not a liquidator journal: it lacks migrations {missing}")


def _applied_migrations(connection: sqlite3.Connection, path: Path) -> set[str]:
    """Return the migrations applied, refusing a foreign database or a newer journal."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    tables = {row[0] for row in rows}
    if not tables:
        return set()
    if "schema_migrations" not in tables:
        raise JournalError(f"{path} is a SQLite database but not a liquidator journal")
    applied = {row[0] for row in connection.execute("SELECT name FROM schema_migrations")}
    unknown = sorted(applied - {name for name, _ in MIGRATIONS})
    if unknown:
        raise JournalError(f"{path} has migrations {unknown} unknown to this liquidator")
    return applied


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
            connection.execute("ROLLBACK")
        raise
