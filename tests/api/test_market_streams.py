"""The market streams a client subscribes are all sent, named as subscribed, on their clocks.

Tickers, continuous klines and the kline closing each interval (``"x": true``) arrive; the
mark price is pushed every second without a change; numbers carry the symbol's precision; a
stream the venue does not serve is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liquidator.bootstrap.server import create_app
from tests.api.conftest import ADMIN, Account, limit_order, open_account, quiet_settings

STREAMS = [
    "BTCUSDT@ticker",
    "btcusdt@miniTicker",
    "!ticker@arr",
    "!miniTicker@arr",
    "btcusdt_perpetual@continuousKline_1m",
    "btcusdt@kline_1m",
    "btcusdt@trade",
]


def trade_once(alice: Account, bob: Account) -> None:
    limit_order(alice, side="SELL", price="60000", quantity="0.02")
    bob.signed(
        "POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.02"
    )


def collect(
    socket: Any, wanted: set[str], closed_kline: bool, limit: int = 60
) -> dict[str, list[Any]]:
    """Read combined messages until every ``wanted`` stream (and a closed kline) arrived."""
    seen: dict[str, list[Any]] = {}
    for _ in range(limit):
        message = json.loads(socket.receive_text())
        seen.setdefault(message["stream"], []).append(message["data"])
        klines = seen.get("btcusdt@kline_1m", [])
        if wanted <= seen.keys() and (not closed_kline or any(k["k"]["x"] for k in klines)):
            break
    return seen


@pytest.fixture
def simulated() -> Iterator[TestClient]:
    """A venue on simulated time, one second into a minute (``/admin/time`` moves it)."""
    settings = quiet_settings(simulated_start_ms=1_767_225_601_000)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_tickers_klines_and_their_closing_message_arrive_named_as_subscribed(
    simulated: TestClient,
) -> None:
    alice, bob = open_account(simulated, "alice"), open_account(simulated, "bob")
    with simulated.websocket_connect("/stream?streams=" + "/".join(STREAMS)) as socket:
        trade_once(alice, bob)
        socket.receive_text()  # the clock has seen the minute the trade is in
        simulated.post("/admin/time", params={"ms": 60_000}, headers=ADMIN)
        seen = collect(socket, set(STREAMS), closed_kline=True)

    assert set(seen) == set(STREAMS)  # names echoed exactly, none silent
    ticker = seen["BTCUSDT@ticker"][-1]
    assert (ticker["e"], ticker["s"], ticker["c"], ticker["v"]) == (
        "24hrTicker",
        "BTCUSDT",
        "60000.00",
        "0.020",
    )
    assert seen["btcusdt@miniTicker"][-1]["e"] == "24hrMiniTicker"
    assert {row["s"] for row in seen["!ticker@arr"][-1]} >= {"BTCUSDT", "ETHUSDT"}
    assert seen["!miniTicker@arr"][-1][0]["e"] == "24hrMiniTicker"
    continuous = seen["btcusdt_perpetual@continuousKline_1m"][0]
    assert (continuous["e"], continuous["ps"], continuous["ct"]) == (
        "continuous_kline",
        "BTCUSDT",
        "PERPETUAL",
    )
    (closed,) = [k["k"] for k in seen["btcusdt@kline_1m"] if k["k"]["x"]]
    assert (closed["o"], closed["c"], closed["v"], closed["n"]) == (
        "60000.00",
        "60000.00",
        "0.020",
        1,
    )
    assert closed["T"] == closed["t"] + 59_999
    (trade,) = seen["btcusdt@trade"]
    assert (trade["p"], trade["q"]) == ("60000.00", "0.020")


def test_mark_price_at_1s_is_pushed_every_second_without_a_change(client: TestClient) -> None:
    with client.websocket_connect("/stream?streams=btcusdt@markPrice@1s") as socket:
        first, second = (json.loads(socket.receive_text()) for _ in range(2))

    assert first["stream"] == second["stream"] == "btcusdt@markPrice@1s"
    assert first["data"]["p"] == second["data"]["p"]
    assert first["data"]["p"].split(".")[1] == "00000000"  # 8 decimals, as Binance


def test_a_stream_the_venue_does_not_serve_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/ws") as socket:
        socket.send_text(
            json.dumps(
                {"method": "SUBSCRIBE", "params": ["btcusdt@bogus", "btcusdt@trade"], "id": 4}
            )
        )
        refused = json.loads(socket.receive_text())
        socket.send_text(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 5}))
        listed = json.loads(socket.receive_text())

    assert refused["id"] == 4
    assert refused["error"]["code"] == 2
    assert "btcusdt@bogus" in refused["error"]["msg"]
    assert listed == {"result": [], "id": 5}
