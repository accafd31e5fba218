"""``GET /fapi/v1/positionMargin/history``: a user's isolated margin adjustments, and bad input."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from liquidator.app.journal import MemoryJournal
from liquidator.core.exchange.commands import Command, ModifyIsolatedMargin, SetMarginType
from liquidator.core.exchange.orders import Side
from liquidator.core.margin.position import MarginType, PositionSide
from tests.api.conftest import Account
from tests.api.test_dapi import SYMBOL as COINM
from tests.api.test_dapi import trade_ten_contracts
from tests.api.test_position_margin import _open_isolated_long
from tests.integration.test_histories import (
    BTC,
    Venue,
    limit,
    market_order,
    memory,
    setup,
    usdt,
)

DAY_MS = 86_400_000


def _history(alice: Account, **params: Any) -> Any:
    return alice.signed("GET", "/fapi/v1/positionMargin/history", **params)


def test_margin_history_lists_each_adjustment_with_binances_fields(
    client: TestClient, alice: Account, bob: Account
) -> None:
    _open_isolated_long(client, alice, bob)
    alice.signed("POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount="12.34567891", type=1)
    alice.signed("POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount="2", type=2)
    for trader, side in ((bob, "BUY"), (alice, "SELL")):  # alice closes at her entry price
        trader.signed(
            "POST",
            "/fapi/v1/order",
            symbol="BTCUSDT",
            side=side,
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="60000",
        )

    rows = _history(alice, symbol="BTCUSDT").json()
    reduced = _history(alice, symbol="BTCUSDT", type=2).json()
    others = _history(bob, symbol="BTCUSDT").json()

    # the opening fill funds 600 USDT at 20x: 30 USDT; the close releases the whole wallet
    assert [{k: v for k, v in row.items() if k != "time"} for row in rows] == [
        {
            "symbol": "BTCUSDT",
            "type": 1,
            "deltaType": "TRADE",
            "amount": "30",
            "asset": "USDT",
            "positionSide": "BOTH",
        },
        {
            "symbol": "BTCUSDT",
            "type": 1,
            "deltaType": "USER_ADJUST",
            "amount": "12.34567891",
            "asset": "USDT",
            "positionSide": "BOTH",
        },
        {
            "symbol": "BTCUSDT",
            "type": 2,
            "deltaType": "USER_ADJUST",
            "amount": "2",
            "asset": "USDT",
            "positionSide": "BOTH",
        },
        {
            "symbol": "BTCUSDT",
            "type": 2,
            "deltaType": "TRADE",
            "amount": "40.34567891",
            "asset": "USDT",
            "positionSide": "BOTH",
        },
    ]
    assert [row["time"] for row in rows] == sorted(row["time"] for row in rows)
    assert reduced == rows[2:]
    assert others == []


def test_margin_history_window_and_limit_as_binance_bounds_them(
    client: TestClient, alice: Account, bob: Account
) -> None:
    _open_isolated_long(client, alice, bob)
    for amount in ("1", "2", "3"):
        alice.signed("POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount=amount, type=1)
    rows = _history(alice, symbol="BTCUSDT").json()
    last = rows[-1]["time"]

    first_two = _history(alice, symbol="BTCUSDT", limit=2).json()
    before = _history(
        alice, symbol="BTCUSDT", startTime=last - 29 * DAY_MS, endTime=rows[0]["time"]
    ).json()
    future = _history(alice, symbol="BTCUSDT", startTime=last + 1, endTime=last + DAY_MS).json()

    assert [r["amount"] for r in rows] == ["30", "1", "2", "3"]
    assert first_two == rows[:2]
    assert [r["time"] for r in before] == [r["time"] for r in rows if r["time"] <= rows[0]["time"]]
    assert future == []


def test_bad_margin_history_requests_get_binances_codes(alice: Account) -> None:
    cases: dict[str, tuple[dict[str, Any], int]] = {
        "no symbol": ({}, -1102),
        "unknown symbol": ({"symbol": "NOPEUSDT"}, -1121),
        "COIN-M symbol on /fapi": ({"symbol": "BTCUSD_PERP"}, -1121),
        "type 3": ({"symbol": "BTCUSDT", "type": 3}, -1130),
        "limit 0": ({"symbol": "BTCUSDT", "limit": 0}, -1130),
        "limit 1001": ({"symbol": "BTCUSDT", "limit": 1001}, -1130),
        "start after end": ({"symbol": "BTCUSDT", "startTime": 2000, "endTime": 1000}, -1130),
        "31 days": ({"symbol": "BTCUSDT", "startTime": 0, "endTime": 31 * DAY_MS}, -1127),
    }

    answers = {name: _history(alice, **params) for name, (params, _) in cases.items()}

    for name, (_, code) in cases.items():
        assert answers[name].status_code == 400, name
        assert answers[name].json()["code"] == code, name
    assert answers["31 days"].json()["msg"] == (
        "More than 720 hours between startTime and endTime."
    )


def _isolated_adjustments() -> list[Command]:
    return [
        SetMarginType("alice", BTC, MarginType.ISOLATED),
        limit("bob", Side.SELL, "60000", "ask"),
        market_order("alice", Side.BUY),
        ModifyIsolatedMargin("alice", BTC, PositionSide.BOTH, usdt(25), add=True),
        ModifyIsolatedMargin("alice", BTC, PositionSide.BOTH, usdt(5), add=False),
    ]


def test_margin_history_survives_a_crash_and_a_clean_restart(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue, reference = Venue.on_file(path, write_every=1000), Venue(MemoryJournal(), memory())
    for each in (venue, reference):
        each.run(setup())
        each.run(_isolated_adjustments())
    expected = reference.live.histories.margin_changes.query("alice", BTC)
    venue.crash()  # nothing of the histories written: caught up from the journal

    again = Venue.on_file(path)
    caught_up = again.live.histories.margin_changes.query("alice", BTC)
    again.live.close()
    last = Venue.on_file(path)
    reopened = last.live.histories.margin_changes.query("alice", BTC)
    last.live.close()  # its threads too: a later test measuring memory must not see them

    adjustments = [(r.change_type, r.amount) for r in expected if r.delta_type == "USER_ADJUST"]
    assert adjustments == [(1, 25 * 10**8), (2, 5 * 10**8)]
    assert (expected[0].change_type, expected[0].delta_type) == (1, "TRADE")
    assert caught_up == expected == reopened


def test_coinm_margin_history_has_coinm_rows(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client, isolated=True)
    taker.signed("POST", "/dapi/v1/positionMargin", symbol=COINM, amount="0.0001", type="1")

    rows = taker.signed("GET", "/dapi/v1/positionMargin/history", symbol=COINM).json()
    linear = taker.signed("GET", "/dapi/v1/positionMargin/history", symbol="BTCUSDT").json()

    assert [(r["type"], r["asset"], r["symbol"]) for r in rows] == [(1, "BTC", COINM)] * 2
    assert rows[-1]["amount"] == "0.0001"
    assert all("deltaType" not in row for row in rows)  # COIN-M's rows name no deltaType
    assert linear["code"] == -1121


def test_margin_history_added_to_older_histories_is_filled_from_the_journal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "venue.sqlite"
    venue, reference = Venue.on_file(path), Venue(MemoryJournal(), memory())
    for each in (venue, reference):
        each.run(setup())
        each.run(_isolated_adjustments())
    venue.live.close()
    with closing(sqlite3.connect(path)) as connection, connection:  # as a file made before it
        connection.execute("DROP TABLE history_margin_changes")
        connection.execute("DELETE FROM history_migrations WHERE name LIKE '%margin_changes'")
        connection.execute("DELETE FROM history_checkpoint WHERE name = 'margin_changes_before'")

    upgraded = Venue.on_file(path)
    filled = upgraded.live.histories.margin_changes.query("alice", BTC)
    upgraded.live.close()
    again = Venue.on_file(path).live.histories.margin_changes.query("alice", BTC)

    assert upgraded.live.caught_up == 0  # the other histories read no record again
    assert len(filled) == 3  # the opening fill's margin and the two adjustments
    assert filled == reference.live.histories.margin_changes.query("alice", BTC) == again
