"""The history tables' named migrations, kept apart from the journal's in ``history_migrations``.

The histories are a projection of the journal (it is the source of truth), stored in the same
SQLite file so that a history row is never on disk without the journal record that produced it
(one write-ahead log, written in order). Their schema is this module's: migrations applied in
order, once, each recorded by name. A file with no ``history_migrations`` table has new
histories, built from the journal's first record; one that records them but lacks a table is
damaged (``JournalError``).

Money (sums and products: commissions, PnL, income, quote volumes, fund balances) is kept as
decimal text of the raw integer, which has no size limit; prices, quantities, ids and times are
SQLite integers. Each index serves one of the API's queries: ``allOrders`` (account, symbol,
order id), ``origClientOrderId`` (account, client id), ``userTrades`` (account, symbol, trade
id), ``income`` (account, time), ``forceOrders`` (account, time), ``trades``/``aggTrades``
(symbol, kind: book prints in rowid order), klines (symbol, price, minute: the key itself),
``fundingRate`` (symbol, funding time), the funds' history (fund, asset) and
``positionMargin/history`` (account, symbol, time). A table added by a later migration to a
file whose histories already stand at a checkpoint is filled from the journal's records up to
that checkpoint on the next start (``history_0002``'s margin changes: the checkpoint row
``margin_changes_before``, removed with the rows' write).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from liquidator.app.journal import JournalError

HISTORY_MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "history_0001_tables",
        (
            "CREATE TABLE history_checkpoint (name TEXT PRIMARY KEY, applied_seq INTEGER NOT NULL)",
            "INSERT INTO history_checkpoint (name, applied_seq) VALUES ('histories', 0)",
            "CREATE TABLE history_orders (order_id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
            " symbol TEXT NOT NULL, client_order_id TEXT NOT NULL, created_ms INTEGER NOT NULL,"
            " state TEXT NOT NULL)",
            "CREATE INDEX history_orders_by_account ON history_orders (account, symbol, order_id)",
            "CREATE INDEX history_orders_by_client ON history_orders"
            " (account, client_order_id, order_id)",
            "CREATE TABLE history_fills (id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
            " symbol TEXT NOT NULL, trade_id INTEGER NOT NULL, order_id INTEGER NOT NULL,"
            " side TEXT NOT NULL, position_side TEXT NOT NULL, price INTEGER NOT NULL,"
            " quantity INTEGER NOT NULL, commission TEXT NOT NULL, commission_asset TEXT NOT NULL,"
            " realized_pnl TEXT NOT NULL, maker INTEGER NOT NULL, ts_ms INTEGER NOT NULL)",
            "CREATE INDEX history_fills_by_account ON history_fills (account, symbol, trade_id)",
            "CREATE TABLE history_income (id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
            " symbol TEXT NOT NULL, income_type TEXT NOT NULL, income TEXT NOT NULL,"
            " asset TEXT NOT NULL, time_ms INTEGER NOT NULL, tran_id INTEGER NOT NULL,"
            " trade_id INTEGER NOT NULL)",
            "CREATE INDEX history_income_by_account ON history_income (account, time_ms)",
            *(
                f"CREATE TABLE {table} ({key}, account TEXT NOT NULL,"
                " symbol TEXT NOT NULL, order_id INTEGER NOT NULL, client_order_id TEXT NOT NULL,"
                " side TEXT NOT NULL, position_side TEXT NOT NULL, price INTEGER NOT NULL,"
                " quantity INTEGER NOT NULL, executed INTEGER NOT NULL, cum_quote TEXT NOT NULL,"
                " status TEXT NOT NULL, auto_close_type TEXT NOT NULL, time_ms INTEGER NOT NULL,"
                " update_ms INTEGER NOT NULL)"
                for table, key in (
                    ("history_force_orders", "id INTEGER PRIMARY KEY"),
                    ("history_force_in_progress", "id INTEGER PRIMARY KEY"),
                )
            ),
            "CREATE INDEX history_force_orders_by_account ON history_force_orders"
            " (account, time_ms)",
            "CREATE TABLE history_trades (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL,"
            " trade_id INTEGER NOT NULL, price INTEGER NOT NULL, quantity INTEGER NOT NULL,"
            " buyer_is_maker INTEGER NOT NULL, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL)",
            "CREATE INDEX history_trades_by_symbol ON history_trades (symbol, kind)",
            "CREATE TABLE history_bars (symbol TEXT NOT NULL, mark INTEGER NOT NULL,"
            " open_ms INTEGER NOT NULL, open INTEGER NOT NULL, high INTEGER NOT NULL,"
            " low INTEGER NOT NULL, close INTEGER NOT NULL, volume TEXT NOT NULL,"
            " quote TEXT NOT NULL, trades INTEGER NOT NULL, taker_buy_volume TEXT NOT NULL,"
            " taker_buy_quote TEXT NOT NULL, PRIMARY KEY (symbol, mark, open_ms)) WITHOUT ROWID",
            "CREATE TABLE history_funding (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL,"
            " funding_rate INTEGER NOT NULL, mark_price INTEGER NOT NULL,"
            " funding_ms INTEGER NOT NULL, positions INTEGER NOT NULL, ts_ms INTEGER NOT NULL)",
            "CREATE INDEX history_funding_by_symbol ON history_funding (symbol, funding_ms)",
            "CREATE TABLE history_fund_movements (id INTEGER PRIMARY KEY, fund TEXT NOT NULL,"
            " asset TEXT NOT NULL, kind TEXT NOT NULL, change TEXT NOT NULL,"
            " balance TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL,"
            " ts_ms INTEGER NOT NULL)",
            "CREATE INDEX history_fund_movements_by_fund ON history_fund_movements"
            " (fund, asset, ts_ms)",
            "CREATE TABLE history_fund_levels (fund TEXT NOT NULL, asset TEXT NOT NULL,"
            " balance TEXT NOT NULL, low TEXT NOT NULL, PRIMARY KEY (fund, asset)) WITHOUT ROWID",
        ),
    ),
    (
        "history_0002_margin_changes",
        (
            "CREATE TABLE history_margin_changes (id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
            " symbol TEXT NOT NULL, change_type INTEGER NOT NULL, amount TEXT NOT NULL,"
            " asset TEXT NOT NULL, position_side TEXT NOT NULL, time_ms INTEGER NOT NULL,"
            " delta_type TEXT NOT NULL)",
            "CREATE INDEX history_margin_changes_by_account ON history_margin_changes"
            " (account, symbol, time_ms)",
            # the journal records whose margin changes the table must still take (0: none)
            "INSERT INTO history_checkpoint (name, applied_seq) SELECT 'margin_changes_before',"
            " applied_seq FROM history_checkpoint WHERE name = 'histories'",
        ),
    ),
)
HISTORY_TABLES = (
    "history_checkpoint",
    "history_orders",
    "history_fills",
    "history_income",
    "history_force_orders",
    "history_force_in_progress",
    "history_trades",
    "history_bars",
    "history_funding",
    "history_fund_movements",
    "history_fund_levels",
    "history_margin_changes",
)


def migrate(connection: sqlite3.Connection, where: str | Path) -> None:
    """Apply the history migrations not yet recorded (inside the caller's write transaction)."""
    tables = _tables(connection)
    if "history_migrations" not in tables:
        connection.execute("CREATE TABLE history_migrations (name TEXT PRIMARY KEY)")
        applied: set[str] = set()
    else:
        applied = {row[0] for row in connection.execute("SELECT name FROM history_migrations")}
    unknown = sorted(applied - {name for name, _ in HISTORY_MIGRATIONS})
    if unknown:
        raise JournalError(f"{where} has history migrations {unknown} unknown to this liquidator")
    for name, statements in HISTORY_MIGRATIONS:
        if name not in applied:
            for statement in statements:
                connection.execute(statement)
            connection.execute("INSERT INTO history_migrations (name) VALUES (?)", (name,))
    missing = [table for table in HISTORY_TABLES if table not in _tables(connection)]
    if missing:
        raise JournalError(
            f"{where}: the history tables {missing} are missing although migrated (damaged file);"
            " drop every history_* table to rebuild them from the journal"
        )


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in rows}
