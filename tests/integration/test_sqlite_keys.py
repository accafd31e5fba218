"""API keys and spent signatures in the journal's SQLite file: kept across reopening, forgotten
after the replay window, and never silently recreated."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.adapters.sqlite.keys import SqliteKeyStore
from liquidator.app.journal import JournalError
from liquidator.app.keys import REPLAY_WINDOW_MS, AccountNameError, KeyKind

NOW_MS = 1_700_000_000_000


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "exchange.sqlite"
    SqliteJournal(path).close()
    return path


def test_keys_and_their_kinds_are_found_after_reopening(database: Path) -> None:
    store = SqliteKeyStore(database)
    hmac_key = store.create("alice")
    store.close()

    again = SqliteKeyStore(database)
    found = again.find(hmac_key.key)
    again.close()

    assert found == hmac_key
    assert found.kind is KeyKind.HMAC


def test_a_spent_signature_is_refused_after_reopening_until_the_window_ends(
    database: Path,
) -> None:
    store = SqliteKeyStore(database)
    assert store.signatures().spend("ab" * 32, NOW_MS)
    store.close()

    reopened = SqliteKeyStore(database)
    log = reopened.signatures()
    within = log.spend("ab" * 32, NOW_MS + REPLAY_WINDOW_MS - 1)
    after = log.spend("ab" * 32, NOW_MS + REPLAY_WINDOW_MS)
    reopened.close()

    assert within is False
    assert after is True


@pytest.mark.parametrize("table", ["api_keys", "seen_signatures"])
def test_a_dropped_key_table_is_an_error_not_an_empty_store(database: Path, table: str) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute(f"DROP TABLE {table}")
    connection.close()

    with pytest.raises(JournalError, match=f"no {table} table"):
        SqliteKeyStore(database)
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert table not in tables


@pytest.mark.parametrize("name", ["@market-maker", "@insurance:USDT", "a b", "x" * 65])
def test_no_key_is_made_for_a_system_or_malformed_account(database: Path, name: str) -> None:
    store = SqliteKeyStore(database)

    with pytest.raises(AccountNameError):
        store.create(name)
    store.close()


def test_the_store_makes_an_existing_database_private(database: Path) -> None:
    database.chmod(0o644)

    SqliteKeyStore(database).close()

    assert stat.S_IMODE(database.stat().st_mode) == 0o600
