"""The conditional orders' history, test orders, and the countdown that cancels all orders."""

from __future__ import annotations

import time

from liquidator.api.rest.countdown import due
from tests.api.conftest import Account, limit_order


def stop_order(account: Account, price: str) -> dict[str, object]:
    return dict(
        account.signed(
            "POST",
            "/fapi/v1/algoOrder",
            symbol="BTCUSDT",
            side="BUY",
            algoType="CONDITIONAL",
            type="STOP_MARKET",
            quantity="0.01",
            triggerPrice=price,
        ).json()
    )


def test_all_algo_orders_lists_the_conditional_orders_cancelled_ones_too(alice: Account) -> None:
    first, second = stop_order(alice, "65000"), stop_order(alice, "66000")
    limit_order(alice)
    alice.signed("DELETE", "/fapi/v1/algoOrder", algoId=first["algoId"])

    rows = alice.signed("GET", "/fapi/v1/allAlgoOrders", symbol="BTCUSDT").json()
    later = alice.signed(
        "GET", "/fapi/v1/allAlgoOrders", symbol="BTCUSDT", algoId=second["algoId"]
    ).json()

    assert [(r["algoId"], r["algoStatus"]) for r in rows] == [
        (first["algoId"], "CANCELED"),
        (second["algoId"], "NEW"),
    ]
    assert [r["triggerPrice"] for r in later] == ["66000.00"]


def test_a_test_order_is_checked_and_never_placed(alice: Account) -> None:
    good = alice.signed(
        "POST",
        "/fapi/v1/order/test",
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.01",
        price="59000",
    )
    bad = alice.signed(
        "POST", "/fapi/v1/order/test", symbol="BTCUSDT", side="UP", type="MARKET", quantity="1"
    )

    assert (good.status_code, good.json()) == (200, {})
    assert bad.json()["code"] == -1117
    assert alice.signed("GET", "/fapi/v1/openOrders").json() == []


def test_countdowns_fire_once_their_deadline_has_passed() -> None:
    table = {("alice", "BTCUSDT"): 1_000, ("bob", "BTCUSDT"): 2_000}

    assert due(table, 999) == []
    assert due(table, 1_500) == [("alice", "BTCUSDT")]
    assert table == {("bob", "BTCUSDT"): 2_000}


def test_a_countdown_cancels_the_symbols_orders_unless_renewed_or_stopped(
    alice: Account, bob: Account
) -> None:
    limit_order(alice)
    limit_order(bob)
    set_alice = alice.signed(
        "POST", "/fapi/v1/countdownCancelAll", symbol="BTCUSDT", countdownTime=200
    ).json()
    bob.signed("POST", "/fapi/v1/countdownCancelAll", symbol="BTCUSDT", countdownTime=200)
    bob.signed("POST", "/fapi/v1/countdownCancelAll", symbol="BTCUSDT", countdownTime=0)

    deadline = time.time() + 5
    while alice.signed("GET", "/fapi/v1/openOrders").json() and time.time() < deadline:
        time.sleep(0.05)

    assert set_alice == {"symbol": "BTCUSDT", "countdownTime": "200"}
    assert alice.signed("GET", "/fapi/v1/openOrders").json() == []
    assert len(bob.signed("GET", "/fapi/v1/openOrders").json()) == 1
