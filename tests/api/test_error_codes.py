"""Binance's own codes for malformed orders; conditional orders listed where Binance lists them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Account, limit_order


def code(answer: Any) -> int:
    assert answer.status_code == 400, answer.json()
    return int(answer.json()["code"])


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"price": "59000.123"}, -1111),  # 3 decimals, pricePrecision 2
        ({"quantity": "0.0101"}, -1111),  # 4 decimals, quantityPrecision 3
        ({"price": "59000.05"}, -4014),  # within the precision, off the 0.10 tick
        ({"side": "SIDEWAYS"}, -1117),
        ({"type": "LIMIT_MAKER"}, -1116),
        ({"timeInForce": "GTD_FOREVER"}, -1115),
    ],
)
def test_a_malformed_order_gets_binances_code(
    alice: Account, extra: dict[str, str], expected: int
) -> None:
    assert code(limit_order(alice, **extra)) == expected


def test_a_trigger_price_with_too_many_decimals_is_1111(alice: Account) -> None:
    answer = alice.signed(
        "POST",
        "/fapi/v1/algoOrder",
        symbol="BTCUSDT",
        side="SELL",
        algoType="CONDITIONAL",
        type="STOP_MARKET",
        quantity="0.01",
        triggerPrice="50000.001",
    )

    assert code(answer) == -1111


def test_a_recv_window_over_60000_is_1131(alice: Account) -> None:
    answer = alice.signed("GET", "/fapi/v1/openOrders", recvWindow=60_001)

    assert code(answer) == -1131


def test_a_waiting_conditional_order_is_listed_only_in_open_algo_orders(alice: Account) -> None:
    resting = limit_order(alice).json()
    stop = alice.signed(
        "POST",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        side="BUY",
        type="STOP_MARKET",
        quantity="0.01",
        stopPrice="65000",
    ).json()

    regular = alice.signed("GET", "/fapi/v1/openOrders").json()
    algo = alice.signed("GET", "/fapi/v1/openAlgoOrders").json()

    assert [o["orderId"] for o in regular] == [resting["orderId"]]
    assert [o["algoId"] for o in algo] == [stop["orderId"]]
