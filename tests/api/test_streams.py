"""WebSocket paths and frames the three clients use, and what the streams carry."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from liquidator.api.errors import REASON_CODES
from liquidator.core.exchange.events import RejectReason
from tests.api.conftest import ADMIN, Account, limit_order


def test_every_engine_refusal_has_a_binance_code() -> None:
    assert set(REASON_CODES) == set(RejectReason)
    assert all(code < 0 for code in REASON_CODES.values())


@pytest.mark.parametrize(
    "path",
    [
        "/ws/btcusdt@markPrice",
        "/stream?streams=btcusdt@markPrice@1s",
        "/market/stream?streams=btcusdt@markPrice",
        "/market/ws/1",
        "/public/ws",
    ],
)
def test_mark_price_stream_on_every_path(client: TestClient, path: str) -> None:
    with client.websocket_connect(path) as socket:
        if "streams=" not in path and "@" not in path:
            socket.send_text(
                json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@markPrice"], "id": 7})
            )
            assert json.loads(socket.receive_text()) == {"result": None, "id": 7}
        client.post("/admin/price", params={"symbol": "BTCUSDT", "mark": "61000"}, headers=ADMIN)
        for _ in range(3):  # pushed on its clock (1 s or 3 s), the new mark at the latest next
            message = json.loads(socket.receive_text())
            payload = message["data"] if "/stream" in path else message
            if payload["p"] == "61000.00000000":
                break

    assert payload["e"] == "markPriceUpdate"
    assert (payload["s"], payload["p"]) == ("BTCUSDT", "61000.00000000")
    if "/stream" in path:
        assert message["stream"] in ("btcusdt@markPrice", "btcusdt@markPrice@1s")


def test_user_stream_by_listen_key_query_carries_orders_and_account(
    client: TestClient, alice: Account
) -> None:
    listen_key = client.post("/fapi/v1/listenKey", headers={"X-MBX-APIKEY": alice.key}).json()[
        "listenKey"
    ]

    with client.websocket_connect(f"/private/ws?listenKey={listen_key}") as socket:
        limit_order(alice)
        update = json.loads(socket.receive_text())
        client.post("/admin/deposit", params={"account": "alice", "amount": "5"}, headers=ADMIN)
        account = json.loads(socket.receive_text())

    assert update["e"] == "ORDER_TRADE_UPDATE"
    assert (update["o"]["x"], update["o"]["X"], update["o"]["o"]) == ("NEW", "NEW", "LIMIT")
    assert account["e"] == "ACCOUNT_UPDATE"
    assert account["a"]["m"] == "DEPOSIT"
    assert account["a"]["B"][0]["a"] == "USDT"
    assert account["a"]["B"][0]["bc"] == "5"  # the deposit: balance change but PnL and fees


def test_another_accounts_listen_key_sees_nothing_of_mine(
    client: TestClient, alice: Account, bob: Account
) -> None:
    bobs = client.post("/fapi/v1/listenKey", headers={"X-MBX-APIKEY": bob.key}).json()["listenKey"]

    with client.websocket_connect(f"/ws/{bobs}") as socket:
        limit_order(alice)
        client.post("/admin/deposit", params={"account": "bob", "amount": "5"}, headers=ADMIN)
        first = json.loads(socket.receive_text())

    assert first["e"] == "ACCOUNT_UPDATE"  # bob's deposit, not alice's order
    assert first["a"]["m"] == "DEPOSIT"


def test_list_subscriptions_and_bad_frames(client: TestClient) -> None:
    with client.websocket_connect("/ws") as socket:
        socket.send_text(
            json.dumps({"method": "SUBSCRIBE", "params": ["BTCUSDT@aggTrade"], "id": 1})
        )
        socket.receive_text()
        socket.send_text(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        listed = json.loads(socket.receive_text())
        socket.send_text("not json")
        bad = json.loads(socket.receive_text())

    assert listed == {"result": ["BTCUSDT@aggTrade"], "id": 2}
    assert bad["error"]["code"] == 2
