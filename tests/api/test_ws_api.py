"""Binance's WebSocket API (``/ws-fapi/v1``): signed requests, an Ed25519 session, replays."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from liquidator.api.ws_api import payload_text
from tests.api.conftest import ADMIN, Account

ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.010",
    "price": "59000.00",
}


def signed(account: Account, **params: Any) -> dict[str, Any]:
    params = {"apiKey": account.key, "timestamp": int(time.time() * 1000), **params}
    text = payload_text(params)
    signature = hmac.new(account.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return params | {"signature": signature}


def ask(socket: Any, ident: str, method: str, params: dict[str, Any]) -> Any:
    socket.send_text(json.dumps({"id": ident, "method": method, "params": params}))
    return json.loads(socket.receive_text())


def test_an_order_placed_queried_and_cancelled_over_the_websocket_api(
    client: TestClient, alice: Account
) -> None:
    with client.websocket_connect("/ws-fapi/v1") as socket:
        request = signed(alice, **ORDER)
        placed = ask(socket, "a", "order.place", request)
        replayed = ask(socket, "b", "order.place", request)
        order_id = placed["result"]["orderId"]
        status = ask(socket, "c", "order.status", signed(alice, symbol="BTCUSDT", orderId=order_id))
        cancelled = ask(
            socket, "d", "order.cancel", signed(alice, symbol="BTCUSDT", orderId=order_id)
        )
        unknown = ask(socket, "e", "order.teleport", {})

    assert (placed["id"], placed["status"], placed["result"]["status"]) == ("a", 200, "NEW")
    (weight,) = placed["rateLimits"]
    assert (weight["rateLimitType"], weight["interval"], weight["intervalNum"]) == (
        "REQUEST_WEIGHT",
        "MINUTE",
        1,
    )
    assert weight["count"] >= 1
    assert (replayed["status"], replayed["error"]["code"]) == (400, -1022)  # not placed twice
    assert status["result"]["orderId"] == order_id
    assert cancelled["result"]["status"] == "CANCELED"
    assert unknown["error"]["code"] == -1000
    rest = alice.signed("GET", "/fapi/v1/allOrders", symbol="BTCUSDT").json()
    assert [o["orderId"] for o in rest] == [order_id]


def test_an_ed25519_session_logs_on_once_and_trades_without_signatures(
    client: TestClient,
) -> None:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = client.post(
        "/admin/keys", params={"account": "carol", "publicKey": public.decode()}, headers=ADMIN
    ).json()["apiKey"]
    client.post("/admin/deposit", params={"account": "carol", "amount": "10000"}, headers=ADMIN)
    logon = {"apiKey": key, "timestamp": int(time.time() * 1000)}
    logon["signature"] = base64.b64encode(private.sign(payload_text(logon).encode())).decode()

    with client.websocket_connect("/ws-fapi/v1") as socket:
        session = ask(socket, "1", "session.logon", logon)
        now = int(time.time() * 1000)
        placed = ask(socket, "2", "order.place", {**ORDER, "timestamp": now})
        balance = ask(socket, "3", "account.balance", {"timestamp": now})
        account = ask(socket, "4", "v2/account.status", {"timestamp": now})
        positions = ask(
            socket, "5", "account.position", {"timestamp": now, "returnRateLimits": False}
        )

    assert session["result"]["apiKey"] == key
    assert session["result"]["authorizedSince"] > 0
    assert placed["result"]["status"] == "NEW"
    (usdt,) = [row for row in balance["result"] if row["asset"] == "USDT"]
    assert float(usdt["balance"]) == 10000
    assert "totalWalletBalance" in account["result"]
    assert isinstance(positions["result"], list)
    assert "rateLimits" not in positions


def test_a_lone_surrogate_in_a_parameter_is_a_bad_signature_not_a_dropped_connection(
    client: TestClient, alice: Account
) -> None:
    with client.websocket_connect("/ws-fapi/v1") as socket:
        request = {"apiKey": alice.key, "timestamp": int(time.time() * 1000), **ORDER}
        request |= {"newClientOrderId": "\ud800", "signature": "0" * 64}
        socket.send_text(json.dumps({"id": "s", "method": "order.place", "params": request}))
        refused = json.loads(socket.receive_text())
        still = ask(socket, "t", "order.place", signed(alice, **ORDER))

    assert (refused["id"], refused["status"], refused["error"]["code"]) == ("s", 400, -1022)
    assert still["status"] == 200
