"""API keys and spent signatures in the journal's SQLite file, in tables its migrations made.

``api_keys(key, secret, account, kind)`` (migrations ``0005_api_keys``, ``0006_api_key_kinds``)
and ``seen_signatures(expires_ms, signature)`` (``0007_seen_signatures``). This store never
creates them: a file whose tables are missing is a broken journal (``JournalError``), never an
empty key list or a blank replay memory.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from liquidator.adapters.sqlite.files import private_files
from liquidator.app.journal import JournalError
from liquidator.app.keys import (
    REPLAY_WINDOW_MS,
    ApiKey,
    KeyKind,
    KeyStoreError,
    SignatureLog,
    check_account_name,
    new_ed25519_key,
    new_key,
)

TABLES = {
    "api_keys": {"key", "secret", "account", "kind"},
    "seen_signatures": {"expires_ms", "signature"},
}
PRUNE_EVERY_MS = 10_000

#: Runs a statement on the journal's file: at once, or staged into the next journal append.
Stage = Callable[[str, tuple[object, ...]], None]


class SqliteKeyStore:
    """The keys of a server's journal file; safe beside the journal's own connection."""

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        self._path = Path(path)
        try:
            with private_files(self._path):
                self._connection = sqlite3.connect(str(path), isolation_level=None, timeout=10)
        except sqlite3.Error as error:
            raise JournalError(f"cannot open the keys in {path}: {error}") from error
        try:
            _check_tables(self._connection, self._path)
            self._connection.execute(f"PRAGMA synchronous = {_level(synchronous)}")
        except sqlite3.Error as error:
            self._connection.close()
            raise JournalError(f"{path} is not a usable liquidator journal: {error}") from error
        except BaseException:
            self._connection.close()
            raise
        self._signatures: SqliteSignatureLog | None = None
        # Keys found so far: a key is never changed nor removed once stored, so a hit needs no
        # query (one per signed request otherwise); a miss asks the table, where another process
        # (``keys create`` beside a running server) may have added it since.
        self._found: dict[str, ApiKey] = {}
        self._stage: Stage | None = None

    def create(self, account: str) -> ApiKey:
        return self._insert(new_key(check_account_name(account)))

    def register(self, account: str, public_key: str) -> ApiKey:
        return self._insert(new_ed25519_key(check_account_name(account), public_key))

    def find(self, key: str) -> ApiKey | None:
        found = self._found.get(key)
        if found is not None:
            return found
        with _store_errors():
            row = self._connection.execute(
                "SELECT key, secret, account, kind FROM api_keys WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        found = self._found[key] = ApiKey(row[0], row[1], row[2], KeyKind(row[3]))
        return found

    def signatures(self) -> SignatureLog:
        if self._signatures is None:
            self._signatures = SqliteSignatureLog(self._connection, self._stage)
        return self._signatures

    def stage_signatures_with(self, stage: Stage) -> None:
        """Write spent signatures through ``stage`` (the journal's): in the transaction of the
        command they guard, rather than in a commit of their own."""
        self._stage = stage

    def close(self) -> None:
        self._connection.close()

    def _insert(self, key: ApiKey) -> ApiKey:
        with _store_errors():
            self._connection.execute(
                "INSERT INTO api_keys (key, secret, account, kind) VALUES (?, ?, ?, ?)",
                (key.key, key.secret, key.account, key.kind.value),
            )
        return key


class SqliteSignatureLog:
    """Spent signatures in ``seen_signatures``, mirrored in memory for the lookups.

    In a server, ``spend`` stages the row into the journal's next append (the composition root
    wires ``SqliteKeyStore.stage_signatures_with``): the row commits in the same transaction as
    the record of the command it guards, so a command that is on disk has its signature on disk
    too, and a replay is refused after any restart within the window, SIGKILL included. A
    request refused before it reached the engine changed nothing, so its row may ride with the
    next command or be lost. Without a journal to ride with, each row commits at once (at the
    connection's ``synchronous`` level), before the command's record, in the same write-ahead
    log: SQLite recovers a write-ahead log as a prefix, so a command cannot survive a power cut
    that its signature does not. Rows are dropped ``REPLAY_WINDOW_MS`` after their use.
    """

    def __init__(self, connection: sqlite3.Connection, stage: Stage | None = None) -> None:
        self._connection = connection
        self._stage = stage or _execute_on(connection)
        self._expiry: OrderedDict[str, int] = OrderedDict()  # signature -> expiry (wall ms)
        rows = connection.execute(
            "SELECT signature, expires_ms FROM seen_signatures ORDER BY expires_ms"
        )
        self._expiry.update(rows)
        self._next_prune_ms = 0

    def spend(self, signature: str, wall_ms: int) -> bool:
        while self._expiry and next(iter(self._expiry.values())) <= wall_ms:
            self._expiry.popitem(last=False)
        if signature in self._expiry:
            return False
        expires = wall_ms + REPLAY_WINDOW_MS
        try:  # as _store_errors(), without a generator per signed request
            self._stage(
                "INSERT OR IGNORE INTO seen_signatures (expires_ms, signature) VALUES (?, ?)",
                (expires, signature),
            )
            self._expiry[signature] = expires
            if wall_ms >= self._next_prune_ms:
                self._stage("DELETE FROM seen_signatures WHERE expires_ms <= ?", (wall_ms,))
                self._next_prune_ms = wall_ms + PRUNE_EVERY_MS
        except sqlite3.Error as error:
            raise KeyStoreError(str(error)) from error
        return True


@contextmanager
def _store_errors() -> Iterator[None]:
    """Report a failed read or write as the port's :class:`KeyStoreError`."""
    try:
        yield
    except sqlite3.Error as error:
        raise KeyStoreError(str(error)) from error


def _execute_on(connection: sqlite3.Connection) -> Stage:
    """Return a stage that commits each statement at once (no journal to ride with)."""

    def execute(statement: str, parameters: tuple[object, ...]) -> None:
        connection.execute(statement, parameters)

    return execute


def _check_tables(connection: sqlite3.Connection, path: Path) -> None:
    """Raise ``JournalError`` unless the migrations made the key tables with their columns."""
    for table, columns in TABLES.items():
        found = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if not found:
            raise JournalError(
                f"{path} has no {table} table: not a migrated liquidator journal"
                " (open it with this liquidator first), or the table was dropped"
            )
        if not columns <= found:
            raise JournalError(f"{path}: table {table} lacks columns {sorted(columns - found)}")


def _level(synchronous: str) -> str:
    level = synchronous.upper()
    if level not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, got {synchronous}")
    return level
