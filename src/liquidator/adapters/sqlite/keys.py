"""API keys in a SQLite file (the server's database beside its journal)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from liquidator.app.keys import ApiKey, new_key

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS api_keys (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " account TEXT NOT NULL)"
)


class SqliteKeyStore:
    """``api_keys(key, secret, account)``; safe to share the journal's file."""

    def __init__(self, path: str | Path) -> None:
        self._connection = sqlite3.connect(str(path), isolation_level=None, timeout=10)
        self._connection.execute(_SCHEMA)

    def create(self, account: str) -> ApiKey:
        key = new_key(account)
        self._connection.execute(
            "INSERT INTO api_keys (key, secret, account) VALUES (?, ?, ?)",
            (key.key, key.secret, key.account),
        )
        return key

    def find(self, key: str) -> ApiKey | None:
        row = self._connection.execute(
            "SELECT key, secret, account FROM api_keys WHERE key = ?", (key,)
        ).fetchone()
        return ApiKey(*row) if row else None

    def close(self) -> None:
        self._connection.close()
