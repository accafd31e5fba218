"""The journal file's named migrations, applied in order, once, inside one transaction.

A step is SQL text (one statement) or a function of the connection. ``MIGRATIONS`` stays sorted
by name; a journal recording a migration this list lacks was written by a newer liquidator and
is refused.

* ``0003_journal_chain`` adds ``journal.chain`` and computes it for the rows already there.
* ``0004_snapshot_integrity`` adds ``snapshots.state_hash`` and ``snapshots.chain``, and drops
  the snapshots taken before (they carry no state hash; every row is still in the journal, so
  the next start replays from seq 0 and snapshots again as usual).
* ``0005_api_keys`` is the key table ``liquidator serve`` used to make on its own.
* ``0006_api_key_kinds`` adds ``api_keys.kind``: ``HMAC`` (``secret`` is the shared secret, the
  default for the keys already there) or ``ED25519`` (``secret`` is the public key, PEM).
* ``0007_seen_signatures`` keeps the signatures spent by state-changing requests in the last
  61 s, so that a replay is refused after a restart too (``adapters/sqlite/keys``).
* ``0008_venue_config`` keeps the venue configuration the journal is written with (one row,
  recorded on the first open for writing): readers replay with it, unasked (``app/venue_config``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from liquidator.app.journal import GENESIS_CHAIN, JournalError, chain_link

Step = str | Callable[[sqlite3.Connection], None]
_BATCH = 4096


def _add_journal_chain(connection: sqlite3.Connection) -> None:
    """Add the chain column and chain the existing rows from record 1."""
    connection.execute("ALTER TABLE journal ADD COLUMN chain BLOB")
    previous, seq = GENESIS_CHAIN, 0
    while True:
        rows = connection.execute(
            "SELECT seq, ts_ms, command, events FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, _BATCH),
        ).fetchall()
        updates = []
        for row in rows:
            previous = chain_link(previous, *row)
            updates.append((previous, row[0]))
        connection.executemany("UPDATE journal SET chain = ? WHERE seq = ?", updates)
        if len(rows) < _BATCH:
            return
        seq = rows[-1][0]


def _add_snapshot_integrity(connection: sqlite3.Connection) -> None:
    """Add each snapshot's state hash and chain anchor; drop the snapshots that have neither."""
    connection.execute("ALTER TABLE snapshots ADD COLUMN state_hash TEXT")
    connection.execute("ALTER TABLE snapshots ADD COLUMN chain BLOB")
    connection.execute("DELETE FROM snapshots")


MIGRATIONS: tuple[tuple[str, Step], ...] = (
    (
        "0001_journal",
        "CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
        " command TEXT NOT NULL, events TEXT NOT NULL)",
    ),
    ("0002_snapshots", "CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, state TEXT NOT NULL)"),
    ("0003_journal_chain", _add_journal_chain),
    ("0004_snapshot_integrity", _add_snapshot_integrity),
    (
        "0005_api_keys",
        "CREATE TABLE IF NOT EXISTS api_keys (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
        " account TEXT NOT NULL)",
    ),
    (
        "0006_api_key_kinds",
        "ALTER TABLE api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'HMAC'"
        " CHECK (kind IN ('HMAC', 'ED25519'))",
    ),
    (
        "0007_seen_signatures",
        "CREATE TABLE seen_signatures (expires_ms INTEGER NOT NULL, signature TEXT NOT NULL,"
        " PRIMARY KEY (expires_ms, signature)) WITHOUT ROWID",
    ),
    (
        "0008_venue_config",
        "CREATE TABLE venue_config (id INTEGER PRIMARY KEY CHECK (id = 1), config TEXT NOT NULL)",
    ),
)


def apply_migrations(connection: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations not yet recorded, in order (call inside a write transaction)."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (name TEXT PRIMARY KEY, applied_at_seq INTEGER)"
    )
    # Read again under the write lock: another process may have migrated meanwhile.
    applied = check_migrated(connection, path, partial=True, new=True)
    for name, step in MIGRATIONS:
        if name in applied:
            continue
        if isinstance(step, str):
            connection.execute(step)
        else:
            step(connection)
        connection.execute(
            "INSERT INTO schema_migrations (name, applied_at_seq) VALUES (?, ?)",
            (name, _last_seq(connection)),
        )


def check_migrated(
    connection: sqlite3.Connection, path: Path, *, partial: bool = False, new: bool = False
) -> set[str]:
    """Return the migrations applied; refuse a foreign, empty or newer database.

    ``partial`` accepts a journal that lacks some migrations (the writer applies them); ``new``
    accepts a database with no table at all (a journal being created).
    """
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    tables = {row[0] for row in rows}
    if not tables and new:
        return set()
    if not tables:
        raise JournalError(f"{path} is an empty SQLite database, not a liquidator journal")
    if "schema_migrations" not in tables:
        raise JournalError(f"{path} is a SQLite database but not a liquidator journal")
    applied = {row[0] for row in connection.execute("SELECT name FROM schema_migrations")}
    unknown = sorted(applied - {name for name, _ in MIGRATIONS})
    if unknown:
        raise JournalError(f"{path} has migrations {unknown} unknown to this liquidator")
    missing = [name for name, _ in MIGRATIONS if name not in applied]
    if missing and not partial:
        raise JournalError(
            f"{path} lacks migrations {missing}: open it for writing once"
            " (liquidator simulate or serve) to migrate it"
        )
    return applied


def _last_seq(connection: sqlite3.Connection) -> int:
    seq: int = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM journal").fetchone()[0]
    return seq
