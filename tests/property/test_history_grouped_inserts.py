"""A history write's rows inserted many to a statement leave the tables as one at a time does."""

from __future__ import annotations

import sqlite3
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from liquidator.adapters.sqlite import history_rows

ROWS = st.lists(
    st.tuples(
        st.integers(0, 40), st.text(max_size=5) | st.none(), st.integers(-(2**63), 2**63 - 1)
    ),
    max_size=700,
)


def _table(replace: bool) -> tuple[sqlite3.Connection, str]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, a TEXT, b INTEGER)")
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    return connection, f"{verb} INTO t (k, a, b) VALUES (?, ?, ?)"


def _contents(connection: sqlite3.Connection) -> list[Any]:
    return connection.execute("SELECT k, a, b FROM t ORDER BY rowid").fetchall()


@given(ROWS)
def test_grouped_replacing_inserts_equal_one_at_a_time(
    rows: list[tuple[int, str | None, int]],
) -> None:
    one, sql = _table(replace=True)
    many, _ = _table(replace=True)
    one.executemany(sql, rows)
    for statement, values, more in history_rows.grouped(sql, rows):
        if more:
            many.executemany(statement, values)
        else:
            many.execute(statement, values[0])
    assert _contents(many) == _contents(one)


@given(st.lists(st.integers(0, 10**6), unique=True, max_size=900))
def test_grouped_plain_inserts_keep_their_order(keys: list[int]) -> None:
    one, sql = _table(replace=False)
    many, _ = _table(replace=False)
    rows = [(key, str(key), -key) for key in keys]
    one.executemany(sql, rows)
    parts = list(history_rows.grouped(sql, rows))
    for statement, values, more in parts:
        if more:
            many.executemany(statement, values)
        else:
            many.execute(statement, values[0])
    assert _contents(many) == _contents(one)
    assert all(
        len(values[0]) <= history_rows.MAX_GROUP_VALUES for _, values, more in parts if not more
    )


def test_other_statements_run_as_before() -> None:
    assert list(history_rows.grouped("DELETE FROM t", [()])) == [("DELETE FROM t", [()], True)]
