"""Checks of a journal's SQLite file: its tables, its rows' contiguity, snapshots and hash chain.

Each failure is a ``JournalError`` of one line naming what is wrong and the last good seq: the
highest seq up to which the journal's rows are known to be intact.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from liquidator.app.journal import GENESIS_CHAIN, JournalError, chain_link_utf8

REQUIRED_TABLES = ("journal", "snapshots", "schema_migrations", "api_keys", "venue_config")
CHAIN_BATCH = 4096
_STATE_HASH = re.compile(r"[0-9a-f]{64}")
# The texts as their UTF-8 bytes (the database's encoding): hashed without a decode and encode.
_ROWS_WITH_CHAIN = (
    "SELECT seq, ts_ms, CAST(command AS BLOB), CAST(events AS BLOB), chain FROM journal"
    " WHERE seq > ? ORDER BY seq LIMIT ?"
)


def check_tables(connection: sqlite3.Connection, path: Path) -> None:
    """Raise ``JournalError`` if a table every journal has is missing (dropped or corrupt)."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    tables = {row[0] for row in rows}
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        good = last_seq(connection) if "journal" in tables else 0
        raise JournalError(
            f"{path} lacks the table {', '.join(missing)} (dropped or corrupt);"
            f" last good seq {good}"
        )


def last_seq(connection: sqlite3.Connection) -> int:
    """Return the highest seq in the journal table, 0 when it is empty."""
    seq: int = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM journal").fetchone()[0]
    return seq


def check_rows(connection: sqlite3.Connection, path: Path) -> int:
    """Return the last seq, or raise ``JournalError`` unless the rows' seqs run 1..last_seq.

    Compares the row count with the lowest and highest seq: any deleted row shows.
    """
    count, low, high = connection.execute(
        "SELECT COUNT(*), MIN(seq), MAX(seq) FROM journal"
    ).fetchone()
    if count == 0:
        return 0
    if low == 1 and high == count:
        return int(high)
    good = _last_contiguous(connection) if low == 1 else 0
    raise JournalError(
        f"{path}: journal rows are missing ({count} rows for seqs {low} to {high}, the first"
        f" gap after seq {good}); last good seq {good}"
    )


def _last_contiguous(connection: sqlite3.Connection) -> int:
    """Return the seq before the first gap (the journal starts at 1)."""
    row = connection.execute(
        "SELECT seq FROM journal AS row WHERE NOT EXISTS"
        " (SELECT 1 FROM journal WHERE seq = row.seq + 1) ORDER BY seq LIMIT 1"
    ).fetchone()
    return int(row[0])


def check_snapshots(connection: sqlite3.Connection, path: Path, last: int) -> None:
    """Raise ``JournalError`` unless every kept snapshot lies in the journal and anchors it.

    A snapshot's seq must be at most ``last`` (a journal that ends below its latest snapshot
    has lost rows), its state hash well formed, and its chain value that of the row at its seq.
    """
    rows = connection.execute("SELECT seq, state_hash, chain FROM snapshots ORDER BY seq")
    for seq, state_hash, chain in rows.fetchall():
        if not isinstance(seq, int) or seq > last or seq < 0:
            raise JournalError(
                f"{path}: the journal ends at seq {last}, below its snapshot at seq {seq}"
                f" (rows lost); last good seq {last}"
            )
        if not isinstance(state_hash, str) or not _STATE_HASH.fullmatch(state_hash):
            raise JournalError(
                f"{path}: the snapshot at seq {seq} has no valid state hash"
                f" (tampered or corrupt); last good seq {last}"
            )
        if chain != chain_at(connection, seq):
            raise JournalError(
                f"{path}: the snapshot at seq {seq} does not match row {seq}'s chain"
                f" (tampered or corrupt); last good seq {max(seq - 1, 0)}"
            )


def chain_at(connection: sqlite3.Connection, seq: int) -> bytes | None:
    """Return the stored chain value of row ``seq`` (:data:`GENESIS_CHAIN` at 0)."""
    if seq == 0:
        return GENESIS_CHAIN
    row = connection.execute("SELECT chain FROM journal WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else row[0]


def verify_chain(
    connection: sqlite3.Connection, path: Path, after_seq: int, previous: bytes
) -> bytes:
    """Recompute the chain over the rows after ``after_seq`` from ``previous``; return the head.

    Raises ``JournalError`` at the first row whose stored chain value differs from the one its
    content and the row before give (an edited, inserted or reordered row).
    """
    seq = after_seq
    while True:
        try:
            rows = connection.execute(_ROWS_WITH_CHAIN, (seq, CHAIN_BATCH)).fetchall()
        except sqlite3.Error as error:
            raise JournalError(
                f"{path}: the rows after seq {seq} cannot be read ({error}); last good seq {seq}"
            ) from error
        for row_seq, ts_ms, command, events, chain in rows:
            if type(ts_ms) is not int or command is None or events is None:
                previous = b""  # a value of the wrong type was written in: never a match
            else:
                previous = chain_link_utf8(previous, row_seq, ts_ms, command, events)
            if previous != chain:
                raise JournalError(
                    f"{path}: row {row_seq}'s chain does not match (tampered or corrupt);"
                    f" last good seq {row_seq - 1}"
                )
        if len(rows) < CHAIN_BATCH:
            return previous
        seq = rows[-1][0]
