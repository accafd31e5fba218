"""What ``monitor --web``'s page is fed: the positions, the cross account, alerts, and listeners."""

from __future__ import annotations

import json
from functools import partial

import pytest

from liquidator.app.monitor.alerts import Alert, AlertKind
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.figures import position_lines
from liquidator.cli.monitor_view import line_json
from liquidator.web import monitor_feed
from liquidator.web.monitor_feed import MonitorFeed
from tests.monitor_builders import risk_row, snapshot


def fed_book() -> tuple[MonitorFeed, AccountBook]:
    rows = [
        risk_row("BTCUSDT", "0.5", "60000", "59000", "cross", leverage="10"),
        risk_row("ETHUSDT", "-4", "3000", "3100", "cross", leverage="10"),
    ]
    return MonitorFeed(partial(line_json, window="24h")), AccountBook(
        snapshot(rows, cross_wallet="2000")
    )


def test_the_cross_account_is_its_wallet_plus_the_cross_positions_pnl() -> None:
    feed, book = fed_book()
    lines = position_lines(book, {}, {})

    feed.lines(lines, book)

    state = feed.current()
    (usdt,) = state["accounts"]
    # PnL: 0.5 × (59000 − 60000) = −500 and −4 × (3100 − 3000) = −400, on a 2,000 wallet
    assert usdt["crossWalletBalance"] == "2000.00000000"
    assert usdt["marginBalance"] == "1100.00000000"
    ratio = lines[0].margin_ratio
    assert ratio is not None
    assert usdt["marginRatio"] == ratio.fixed()
    assert usdt["crossPositions"] == 2
    assert [p["symbol"] for p in state["positions"]] == ["BTCUSDT", "ETHUSDT"]
    assert state["positions"][0] == line_json(lines[0], "24h")
    assert state["marks"] == {"BTCUSDT": "59000.00000000", "ETHUSDT": "3100.00000000"}


def test_listeners_get_every_message_in_order_and_alerts_are_kept_newest_first() -> None:
    feed, book = fed_book()
    listener = feed.listen()
    first = Alert(AlertKind.MARGIN_RATIO, "first", 1)
    second = Alert(AlertKind.LIQUIDATION, "second", 2)

    feed.lines(position_lines(book, {}, {}), book)
    feed.alert(first)
    feed.status("reconnecting in 1 s")
    feed.alert(second)

    got = [listener.get_nowait() for _ in range(4)]
    assert [message[0] if message else None for message in got] == [
        "state", "alert", "status", "alert",
    ]  # fmt: skip
    last = got[3]
    assert last is not None
    assert json.loads(last[1])["message"] == "second"
    current = feed.current()
    assert [a["message"] for a in current["alerts"]] == ["second", "first"]
    assert current["status"] == {"message": "reconnecting in 1 s"}


def test_a_listener_that_falls_behind_is_dropped_and_told_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed, _ = fed_book()
    slow, fast = feed.listen(), feed.listen()
    monkeypatch.setattr(monitor_feed, "QUEUE_LIMIT", 3)

    for n in range(5):
        feed.status(f"message {n}")
        fast.get_nowait()

    backlog = [slow.get_nowait() for _ in range(slow.qsize())]
    assert backlog[-1] is None  # the end of its stream: the page reconnects
    assert len(backlog) == 4  # three messages, then the end
    assert feed.listeners == {fast}
