"""Amending a resting order and batches of orders: per-order results, in order."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from liquidator.api.limits import ServerLimits
from tests.api.conftest import Account, limit_order, open_account
from tests.api.test_limits import make_client


def open_orders(account: Account) -> list[dict[str, Any]]:
    return list(account.signed("GET", "/fapi/v1/openOrders", symbol="BTCUSDT").json())


def test_an_amended_order_rests_at_its_new_price_and_quantity(alice: Account) -> None:
    placed = limit_order(alice, newClientOrderId="mine-1").json()

    amended = alice.signed(
        "PUT",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        orderId=placed["orderId"],
        side="BUY",
        quantity="0.02",
        price="58500",
    )

    body = amended.json()
    assert amended.status_code == 200, body
    assert (body["price"], body["origQty"], body["status"]) == ("58500.00", "0.020", "NEW")
    assert (body["orderId"], body["clientOrderId"]) == (placed["orderId"], "mine-1")  # kept
    (resting,) = open_orders(alice)
    assert (resting["orderId"], resting["price"]) == (placed["orderId"], "58500.00")


def test_an_amendment_changing_nothing_or_of_another_type_is_refused(alice: Account) -> None:
    placed = limit_order(alice).json()
    stop = alice.signed(
        "POST",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        side="BUY",
        type="STOP_MARKET",
        quantity="0.01",
        stopPrice="65000",
    ).json()
    common: dict[str, Any] = {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.01"}

    same = alice.signed("PUT", "/fapi/v1/order", orderId=placed["orderId"], price="59000", **common)
    conditional = alice.signed(
        "PUT", "/fapi/v1/order", orderId=stop["orderId"], price="1", **common
    )
    missing = alice.signed("PUT", "/fapi/v1/order", orderId=999999, price="59000", **common)
    zero = alice.signed(
        "PUT",
        "/fapi/v1/order",
        **(common | {"orderId": placed["orderId"], "quantity": "0"}),
        price="59000",
    )

    assert same.json()["code"] == -5027
    assert conditional.json()["code"] == -2013
    assert missing.json()["code"] == -2013
    assert zero.json()["code"] == -4003
    assert [o["orderId"] for o in open_orders(alice)] == [placed["orderId"]]


def test_a_batch_answers_each_order_or_its_error_in_order(alice: Account) -> None:
    orders = [
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "58000"},
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "58000.001"},
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": 0.02, "price": 57000},
    ]  # fmt: skip

    answer = alice.signed("POST", "/fapi/v1/batchOrders", batchOrders=json.dumps(orders))

    first, refused, third = answer.json()
    assert (first["price"], first["status"]) == ("58000.00", "NEW")
    assert refused == {
        "code": -1111,
        "msg": "Precision is over the maximum defined for this asset.",
    }
    assert third["origQty"] == "0.020"
    assert len(open_orders(alice)) == 2


def test_a_batch_of_more_than_five_is_refused_whole(alice: Account) -> None:
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}

    answer = alice.signed("POST", "/fapi/v1/batchOrders", batchOrders=json.dumps([order] * 6))

    assert answer.json()["code"] == -1130
    assert open_orders(alice) == []


def test_batch_amend_and_batch_cancel(alice: Account) -> None:
    one, two = limit_order(alice).json(), limit_order(alice, price="58000").json()
    amend = [{"symbol": "BTCUSDT", "orderId": one["orderId"], "side": "BUY",
              "quantity": "0.03", "price": "57500"}]  # fmt: skip

    (amended,) = alice.signed("PUT", "/fapi/v1/batchOrders", batchOrders=json.dumps(amend)).json()
    ids = [amended["orderId"], two["orderId"], 424242]
    cancelled = alice.signed(
        "DELETE", "/fapi/v1/batchOrders", symbol="BTCUSDT", orderIdList=json.dumps(ids)
    ).json()

    assert (amended["price"], amended["origQty"]) == ("57500.00", "0.030")
    assert [c.get("status") for c in cancelled[:2]] == ["CANCELED", "CANCELED"]
    assert cancelled[2]["code"] == -2011
    assert open_orders(alice) == []


def test_amendments_and_batches_count_toward_the_order_limit() -> None:
    with make_client(ServerLimits(orders_per_10s=2)) as client:
        alice = open_account(client, "alice")
        placed = limit_order(alice).json()
        amend = alice.signed(
            "PUT",
            "/fapi/v1/order",
            symbol="BTCUSDT",
            orderId=placed["orderId"],
            side="BUY",
            quantity="0.01",
            price="58000",
        )
        batch = alice.signed(
            "POST",
            "/fapi/v1/batchOrders",
            batchOrders=json.dumps([{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"}]),
        )

    assert amend.headers["X-MBX-ORDER-COUNT-10S"] == "2"
    assert batch.json()["code"] == -1015


def test_an_amended_order_goes_behind_the_orders_resting_at_its_price(
    client: TestClient, alice: Account, bob: Account
) -> None:
    first = limit_order(alice, quantity="0.02").json()
    limit_order(bob, quantity="0.01")
    alice.signed(
        "PUT",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        orderId=first["orderId"],
        side="BUY",
        quantity="0.01",
        price="59000",
    )
    carol = open_account(client, "carol")

    carol.signed(
        "POST", "/fapi/v1/order", symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.01"
    )

    (bob_fill,) = bob.signed("GET", "/fapi/v1/userTrades", symbol="BTCUSDT").json()
    assert bob_fill["qty"] == "0.010"  # Binance: amended orders are reordered in the queue
    assert alice.signed("GET", "/fapi/v1/userTrades", symbol="BTCUSDT").json() == []


def test_an_amendment_reaches_the_user_stream_as_amendment_of_the_same_order(
    client: TestClient, alice: Account
) -> None:
    placed = limit_order(alice).json()
    listen_key = client.post("/fapi/v1/listenKey", headers={"X-MBX-APIKEY": alice.key}).json()[
        "listenKey"
    ]

    with client.websocket_connect(f"/private/ws?listenKey={listen_key}") as socket:
        alice.signed(
            "PUT",
            "/fapi/v1/order",
            symbol="BTCUSDT",
            orderId=placed["orderId"],
            side="BUY",
            quantity="0.02",
            price="58500",
        )
        update = json.loads(socket.receive_text())

    order = update["o"]
    assert (update["e"], order["x"], order["X"]) == ("ORDER_TRADE_UPDATE", "AMENDMENT", "NEW")
    assert (order["i"], order["p"], order["q"]) == (placed["orderId"], "58500", "0.02")
