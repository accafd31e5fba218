"""The history store on SQLite: the journal's file for a durable server, memory for the rest.

:class:`SqliteHistory` opens its own connection to the journal's file (WAL mode, as the journal
left it) and keeps its tables by its own migrations (``history_schema``). Writes are one
transaction per batch, checkpoint included; reads are single statements read to the end, so
the connection never holds a read transaction open while the journal writes.
:meth:`SqliteHistory.memory` is the same store in an in-memory database (tests, a server
without ``--db``): one implementation of every query, whatever the durability. A server's
store writes in the background (``open(..., background=True)``, ``history_writer``): each
write's rows are built at once and run on a thread and a connection of their own, and every
read waits for what was handed over before it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from liquidator.adapters.sqlite import history_rows as rows
from liquidator.adapters.sqlite.history_schema import migrate
from liquidator.adapters.sqlite.history_writer import HistoryWriter, PreparedWrite
from liquidator.app.journal import JournalError
from liquidator.core.exchange.events import FundingSettled, TradeExecuted
from liquidator.core.exchange.orders import Order
from liquidator.read.force_orders import ForceOrder
from liquidator.read.history import HistoryBatch, HistoryWriteError
from liquidator.read.history_filter import Window
from liquidator.read.income import IncomeRow
from liquidator.read.insurance_funds import FundLevel
from liquidator.read.margin_changes import MarginChange
from liquidator.read.market_history import BOOK, Bar
from liquidator.read.order_history import Fill

SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


class SqliteHistory:
    """The histories' tables in one SQLite database."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        where: str | Path,
        connect: Callable[[], sqlite3.Connection] | None = None,
    ) -> None:
        """Use the tables over ``connection``; with ``connect`` (how to open another
        connection to the same file), write on a thread of their own."""
        self._connection: sqlite3.Connection | None = connection
        self._where = where
        self._writer: HistoryWriter | None = None
        try:
            with _transaction(connection):
                migrate(connection, where)
        except sqlite3.Error as error:
            connection.close()
            raise JournalError(f"{where}: the history tables cannot be used: {error}") from error
        self._in_progress = bool(self.force_orders_in_progress())  # rows a write must replace
        if connect is not None:
            self._writer = HistoryWriter(connect, self._run, str(where))

    @classmethod
    def open(
        cls, path: str | Path, *, synchronous: str = "NORMAL", background: bool = False
    ) -> Self:
        """Open the history tables in the journal's file at ``path`` (made if absent); with
        ``background``, write them on a thread of their own (``history_writer``).

        ``NORMAL`` is enough: a write lost on a power cut comes back from the journal.
        """
        level = synchronous.upper()
        if level not in SYNCHRONOUS_LEVELS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS_LEVELS}, got {synchronous}")

        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(str(path), isolation_level=None)
            try:
                connection.execute("PRAGMA busy_timeout = 5000")
                connection.execute(f"PRAGMA synchronous = {level}")
            except sqlite3.Error:
                connection.close()
                raise
            return connection

        try:
            connection = connect()
        except sqlite3.Error as error:
            raise JournalError(f"cannot open the history tables in {path}: {error}") from error
        return cls(connection, path, connect if background else None)

    @classmethod
    def memory(cls) -> Self:
        """Return a store in an in-memory database (lost with the process)."""
        return cls(sqlite3.connect(":memory:", isolation_level=None), ":memory:")

    def __str__(self) -> str:
        return str(self._where)

    def applied_seq(self) -> int:
        row = (
            self._live()
            .execute("SELECT applied_seq FROM history_checkpoint WHERE name = 'histories'")
            .fetchone()
        )
        if row is None:
            raise JournalError(f"{self._where}: the history checkpoint row is missing")
        seq: int = row[0]
        return seq

    def write(self, batch: HistoryBatch) -> None:
        """Add ``batch`` and move the checkpoint to ``batch.applied_seq``, in one transaction
        (in the background: handed over, its rows built from ``batch`` as it is now)."""
        replaced = rows.in_progress(batch) if batch.force_in_progress or self._in_progress else ()
        statements = tuple((sql, values) for sql, values in (*rows.statements(batch), *replaced))
        prepared = PreparedWrite(batch.applied_seq, statements)
        if self._writer is not None:
            self._writer.submit(prepared)  # retried until written: the next one may count on it
        else:
            try:
                self._run(self._live(), prepared)
            except sqlite3.Error as error:
                raise HistoryWriteError(f"{self._where}: {error}") from error
        self._in_progress = bool(batch.force_in_progress)

    def _run(self, connection: sqlite3.Connection, write: PreparedWrite) -> None:
        plan = [  # made before the write lock is taken (rows.grouped)
            part for sql, values in write.statements if values for part in rows.grouped(sql, values)
        ]
        with _transaction(connection):
            applied = connection.execute(
                "UPDATE history_checkpoint SET applied_seq = ? WHERE name = 'histories'"
                " AND applied_seq <= ? RETURNING applied_seq",
                (write.applied_seq, write.applied_seq),
            ).fetchall()
            if not applied:
                raise JournalError(f"{self._where}: the history checkpoint would go back")
            for sql, values, many in plan:
                if many:
                    connection.executemany(sql, values)
                else:
                    connection.execute(sql, values[0])

    def discard_pending(self) -> None:
        """Drop the writes handed over and not yet written (the store stays at its checkpoint)."""
        if self._writer is not None:
            self._writer.discard()
            self._in_progress = bool(self.force_orders_in_progress())

    def settle(self) -> None:
        """Wait for the writes handed over to be written (raise what stops one)."""
        if self._writer is not None:
            self._writer.settle()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- orders and fills -------------------------------------------------------------------

    def order(self, order_id: int) -> Order | None:
        row = self._one("SELECT state FROM history_orders WHERE order_id = ?", (order_id,))
        return None if row is None else rows.order(row[0])

    def orders(
        self, account: str, symbol: str, window: Window, *, from_id: int | None
    ) -> list[Order]:
        where, values = _window("created_ms", window, ("order_id", from_id))
        found = self._all(
            f"SELECT state FROM history_orders WHERE account = ? AND symbol = ?{where}"
            " ORDER BY order_id DESC LIMIT ?",
            (account, symbol, *values, window.limit),
        )
        return [rows.order(row[0]) for row in reversed(found)]

    def orders_by_client(self, account: str, client_order_id: str) -> list[Order]:
        found = self._all(
            "SELECT state FROM history_orders WHERE account = ? AND client_order_id = ?"
            " ORDER BY order_id DESC",
            (account, client_order_id),
        )
        return [rows.order(row[0]) for row in found]

    def fills(
        self, account: str, symbol: str, window: Window, *, from_id: int | None
    ) -> list[Fill]:
        # Trade ids grow with time in each symbol: their order is the order fills happened in.
        where, values = _window("ts_ms", window, ("trade_id", from_id))
        found = self._all(
            f"SELECT {rows.FILL_COLUMNS} FROM history_fills WHERE account = ? AND symbol = ?"
            f"{where} ORDER BY trade_id DESC, id DESC LIMIT ?",
            (account, symbol, *values, window.limit),
        )
        return [rows.fill(row) for row in reversed(found)]

    # --- income, forced orders, funds --------------------------------------------------------

    def income(
        self, account: str, window: Window, *, symbol: str | None, income_type: str | None
    ) -> list[IncomeRow]:
        where, values = _window("time_ms", window, ("", None), symbol, ("income_type", income_type))
        found = self._all(
            f"SELECT {rows.INCOME_COLUMNS} FROM history_income WHERE account = ?{where}"
            " ORDER BY time_ms, id LIMIT ?",
            (account, *values, window.limit),
        )
        return [rows.income(row) for row in found]

    def force_orders(
        self, account: str, window: Window, *, symbol: str | None, auto_close_type: str | None
    ) -> list[ForceOrder]:
        kind = ("auto_close_type", auto_close_type)
        where, values = _window("time_ms", window, ("", None), symbol, kind)
        found = self._all(
            f"SELECT {rows.FORCE_COLUMNS} FROM history_force_orders WHERE account = ?{where}"
            " ORDER BY id DESC LIMIT ?",
            (account, *values, window.limit),
        )
        return [rows.force_order(row) for row in found]

    def margin_changes(
        self, account: str, symbol: str, window: Window, *, change_type: int | None
    ) -> list[MarginChange]:
        kind = ("change_type", None if change_type is None else str(change_type))
        where, values = _window("time_ms", window, ("", None), symbol, kind)
        found = self._all(
            f"SELECT {rows.MARGIN_CHANGE_COLUMNS} FROM history_margin_changes WHERE account = ?"
            f"{where} ORDER BY time_ms, id LIMIT ?",
            (account, *values, window.limit),
        )
        return [rows.margin_change(row) for row in found]

    def margin_backfill_seq(self) -> int:
        row = self._one(
            "SELECT applied_seq FROM history_checkpoint WHERE name = 'margin_changes_before'", ()
        )
        return 0 if row is None else int(row[0])

    def backfill_margin_changes(self, changes: list[MarginChange]) -> None:
        try:
            with _transaction(self._live()) as connection:
                connection.executemany(
                    rows.MARGIN_CHANGE_INSERT, [rows.margin_change_row(c) for c in changes]
                )
                connection.execute(
                    "DELETE FROM history_checkpoint WHERE name = 'margin_changes_before'"
                )
        except sqlite3.Error as error:
            raise HistoryWriteError(f"{self._where}: {error}") from error

    def force_orders_in_progress(self) -> list[ForceOrder]:
        found = self._all(f"SELECT {rows.FORCE_COLUMNS} FROM history_force_in_progress", ())
        return [rows.force_order(row) for row in found]

    def fund_levels(self) -> list[FundLevel]:
        found = self._all("SELECT fund, asset, balance, low FROM history_fund_levels", ())
        return [
            FundLevel(fund, asset, int(balance), int(low)) for fund, asset, balance, low in found
        ]

    def fund_balances(self, limit: int) -> list[tuple[str, str, int, int]]:
        """Return the last ``limit`` fund movements as (fund, asset, ts_ms, balance after, raw),
        oldest first: the funds over time (the dashboard's chart)."""
        found = self._all(
            "SELECT fund, asset, ts_ms, balance FROM (SELECT id, fund, asset, ts_ms, balance"
            " FROM history_fund_movements ORDER BY id DESC LIMIT ?) ORDER BY id",
            (_bounded(limit),),
        )
        return [(fund, asset, int(ts), int(balance)) for fund, asset, ts, balance in found]

    # --- market data -------------------------------------------------------------------------

    def trades(self, symbol: str, limit: int) -> list[TradeExecuted]:
        found = self._all(
            f"SELECT {rows.TRADE_COLUMNS} FROM history_trades WHERE symbol = ? AND kind = ?"
            " ORDER BY id DESC LIMIT ?",
            (symbol, BOOK, limit),
        )
        return [rows.trade(row) for row in reversed(found)]

    def minute_bars(
        self,
        symbol: str,
        mark: int,
        lo: int | None,
        hi: int | None,
        *,
        descending: bool,
        page: int,
    ) -> Iterator[Bar]:
        """Yield the bars with ``lo <= open_ms < hi``, ``page`` per query."""
        low = -(2**63) if lo is None else max(lo, -(2**63))
        high = 2**63 - 1 if hi is None else min(hi, 2**63 - 1)
        order = "DESC" if descending else "ASC"
        sql = (
            f"SELECT {rows.BAR_COLUMNS} FROM history_bars WHERE symbol = ? AND mark = ?"
            f" AND open_ms >= ? AND open_ms < ? ORDER BY open_ms {order} LIMIT ?"
        )
        while low < high:
            found = self._all(sql, (symbol, int(mark), low, high, page))
            yield from (rows.bar(row) for row in found)
            if len(found) < page:
                return
            if descending:
                high = found[-1][0]
            else:
                low = found[-1][0] + 1

    def funding(
        self, symbol: str, start_ms: int | None, end_ms: int | None
    ) -> list[FundingSettled]:
        where, values = _window("funding_ms", Window(start_ms, end_ms), ("", None))
        found = self._all(
            f"SELECT {rows.FUNDING_COLUMNS} FROM history_funding WHERE symbol = ?{where}"
            " ORDER BY funding_ms, id",
            (symbol, *values),
        )
        return [rows.funding(row) for row in found]

    # --- plumbing -----------------------------------------------------------------------------

    def _one(self, sql: str, values: tuple[object, ...]) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._live().execute(sql, values).fetchone()
        return row

    def _all(self, sql: str, values: tuple[object, ...]) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = self._live().execute(sql, values).fetchall()
        return found

    def _live(self) -> sqlite3.Connection:
        """The reading connection, once every write handed over is written."""
        if self._connection is None:
            raise JournalError(f"the history store {self._where} is closed")
        if self._writer is not None:
            self._writer.settle()
        return self._connection


def _window(
    time_column: str,
    window: Window,
    from_id: tuple[str, int | None],
    symbol: str | None = None,
    kind: tuple[str, str | None] = ("", None),
) -> tuple[str, list[object]]:
    """Return the ``AND ...`` conditions of a history query and their values."""
    conditions: list[str] = []
    values: list[object] = []
    for column, value in (
        ("symbol = ?", symbol),
        (f"{kind[0]} = ?", kind[1]),
        (f"{from_id[0]} >= ?", from_id[1]),
        (f"{time_column} >= ?", window.start_ms),
        (f"{time_column} <= ?", window.end_ms),
    ):
        if value is not None:
            conditions.append(column)
            values.append(_bounded(value) if isinstance(value, int) else value)
    return "".join(f" AND {c}" for c in conditions), values


def _bounded(value: int) -> int:
    """Clamp a bound from a request into SQLite's integers (a bound past them is the same)."""
    return max(-(2**63), min(value, 2**63 - 1))


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one write transaction: committed if it returns, rolled back if not."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
