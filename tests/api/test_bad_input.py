"""Malformed, unsigned, stale, replayed and cross-account requests: Binance's codes, no change."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.parse

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN, Account, limit_order


def ledger(client: TestClient) -> object:
    """What a refused request must not change: balances, positions and open orders.

    (A refused command is journaled, and the clock moves: the state hash may change.)
    """
    body = client.get("/admin/ledger", headers=ADMIN).json()
    venue = client.app.state.server.live.venue  # type: ignore[attr-defined]
    orders = sorted(
        o for a in venue.accounts.values() for s in a.symbols.values() for o in s.orders
    )
    positions = sorted(
        (a.account, p.symbol, p.quantity)
        for a in venue.accounts.values()
        for p in a.open_positions()
    )
    return body["systemAccounts"], sorted(venue.ledger.items()), orders, positions


def test_a_valid_signed_order_is_accepted_in_query_or_body(alice: Account) -> None:
    in_query = alice.signed(
        "POST",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.01",
        price="59000",
    )
    in_body = alice.signed(
        "POST",
        "/fapi/v1/order",
        body=True,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.01",
        price="59000",
    )

    assert in_query.status_code == 200, in_query.json()
    assert in_body.status_code == 200, in_body.json()
    assert in_query.headers["X-MBX-USED-WEIGHT-1M"].isdigit()


def test_missing_or_unknown_key_is_refused(client: TestClient, alice: Account) -> None:
    before = ledger(client)
    no_key = client.post("/fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=00")
    unknown = client.post(
        "/fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=00",
        headers={"X-MBX-APIKEY": "A" * 64},
    )

    assert (no_key.status_code, no_key.json()["code"]) == (401, -2014)
    assert (unknown.status_code, unknown.json()["code"]) == (401, -2015)
    assert ledger(client) == before


def test_bad_signature_missing_timestamp_and_stale_timestamp(
    client: TestClient, alice: Account
) -> None:
    before = ledger(client)
    text = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&timestamp=" + str(
        int(time.time() * 1000)
    )
    forged = client.post(
        f"/fapi/v1/order?{text}&signature={'0' * 64}", headers={"X-MBX-APIKEY": alice.key}
    )
    unsigned = client.post(f"/fapi/v1/order?{text}", headers={"X-MBX-APIKEY": alice.key})
    stale = alice.signed(
        "POST",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        side="BUY",
        type="MARKET",
        quantity="0.01",
        timestamp=int(time.time() * 1000) - 60_000,
    )
    future = alice.signed(
        "POST",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        side="BUY",
        type="MARKET",
        quantity="0.01",
        timestamp=int(time.time() * 1000) + 5_000,
    )
    no_timestamp = client.post(
        "/fapi/v1/order?symbol=BTCUSDT&signature=00", headers={"X-MBX-APIKEY": alice.key}
    )

    assert forged.json() == {"code": -1022, "msg": "Signature for this request is not valid."}
    assert unsigned.json()["code"] == -1102
    assert stale.json()["code"] == -1021
    assert future.json()["code"] == -1021
    assert no_timestamp.json()["code"] == -1102
    assert ledger(client) == before


def test_a_replayed_request_changes_nothing(client: TestClient, alice: Account) -> None:
    params = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.01",
        "price": "59000",
        "timestamp": int(time.time() * 1000),
    }
    text = urllib.parse.urlencode(params)
    signature = hmac.new(alice.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    url = f"/fapi/v1/order?{text}&signature={signature}"
    first = client.post(url, headers={"X-MBX-APIKEY": alice.key})
    state = ledger(client)

    again = client.post(url, headers={"X-MBX-APIKEY": alice.key})

    assert first.status_code == 200
    assert again.json()["code"] == -1022
    assert ledger(client) == state
    open_orders = alice.signed("GET", "/fapi/v1/openOrders", symbol="BTCUSDT").json()
    assert len(open_orders) == 1


def test_one_account_cannot_see_or_cancel_anothers_order(alice: Account, bob: Account) -> None:
    placed = limit_order(alice).json()

    seen = bob.signed("GET", "/fapi/v1/order", symbol="BTCUSDT", orderId=placed["orderId"])
    cancelled = bob.signed("DELETE", "/fapi/v1/order", symbol="BTCUSDT", orderId=placed["orderId"])

    assert seen.json()["code"] == -2013
    assert cancelled.json()["code"] == -2011
    assert bob.signed("GET", "/fapi/v1/openOrders").json() == []
    mine = alice.signed("GET", "/fapi/v1/openOrders").json()
    assert [o["orderId"] for o in mine] == [placed["orderId"]]


def test_malformed_parameters_get_binance_codes(client: TestClient, alice: Account) -> None:
    before = ledger(client)
    cases = {
        "quantity=abc": (limit_order(alice, quantity="abc"), -1100),
        "9 decimals": (limit_order(alice, quantity="0.000000001"), -1111),
        "unknown symbol": (limit_order(alice, symbol="NOPEUSDT"), -1121),
        "bad side": (limit_order(alice, side="UP"), -1117),
        "bad type": (limit_order(alice, type="LIQUIDATION"), -1116),
        "off tick": (limit_order(alice, price="59000.05"), -4014),
        "too small": (limit_order(alice, quantity="0.001", price="59000"), -4164),
        "no price": (limit_order(alice, price=""), -1102),
    }
    for name, (response, code) in cases.items():
        body = response.json()
        assert body["code"] == code, (name, body)
        assert response.status_code == 400, name
    assert ledger(client) == before


def test_unknown_path_and_method(client: TestClient) -> None:
    missing = client.get("/fapi/v1/nothing")
    wrong = client.patch("/fapi/v1/order")

    assert missing.status_code == 404
    assert missing.json()["code"] == -5000
    assert wrong.status_code == 405


def test_admin_api_needs_its_key(client: TestClient) -> None:
    response = client.post("/admin/deposit", params={"account": "x", "amount": "1"})

    assert (response.status_code, response.json()["code"]) == (401, -2015)


def test_weight_limit_answers_429(client: TestClient) -> None:
    client.app.state.server.limiter.limit = 10  # type: ignore[attr-defined]
    answers = [
        client.get("/fapi/v1/depth", params={"symbol": "BTCUSDT"}).status_code for _ in range(3)
    ]

    assert answers == [200, 200, 429]


def test_algo_order_query_and_cancel_all(alice: Account) -> None:
    placed = alice.signed(
        "POST",
        "/fapi/v1/algoOrder",
        algoType="CONDITIONAL",
        symbol="BTCUSDT",
        side="BUY",
        type="STOP_MARKET",
        triggerPrice="65000",
        quantity="0.01",
    ).json()

    queried = alice.signed("GET", "/fapi/v1/algoOrder", algoId=placed["algoId"]).json()
    cancelled = alice.signed("DELETE", "/fapi/v1/algoOpenOrders", symbol="BTCUSDT").json()
    after = alice.signed("GET", "/fapi/v1/algoOrder", algoId=placed["algoId"]).json()

    assert (queried["algoStatus"], queried["triggerPrice"]) == ("NEW", "65000.00")
    assert cancelled["code"] == 200
    assert after["algoStatus"] == "CANCELED"
    assert alice.signed("GET", "/fapi/v1/openAlgoOrders").json() == []


HOSTILE_INTEGERS = [
    "¹",  # superscript one: str.isdigit() says yes, int() raises
    "٢٠",  # Arabic-Indic twenty: int() reads 20
    "２０",  # fullwidth
    "1e3",
    "1_0",
    " 20",
    "20 ",
    "20\n",
    "+20",
    "0x14",
    "20.0",
    "9" * 21,
    "9" * 5000,  # past Python's int() digit limit
]
HOSTILE_DECIMALS = ["0.00_2", "٠.٠١", " 0.01", "0.01 ", "1e-2", ".01", "1.", "NaN", "Infinity"]
INTEGER_RANGE = "'^-?[0-9]{1,20}$'"
DECIMAL_RANGE = "'^-?([0-9]{1,20})(\\.[0-9]{1,20})?$'"


@pytest.mark.parametrize("value", HOSTILE_INTEGERS)
def test_an_integer_parameter_is_ascii_digits_only(client: TestClient, value: str) -> None:
    response = client.get("/fapi/v1/depth", params={"symbol": "BTCUSDT", "limit": value})

    assert response.status_code == 400
    assert response.json() == {
        "code": -1100,
        "msg": f"Illegal characters found in parameter 'limit'; legal range is {INTEGER_RANGE}.",
    }


@pytest.mark.parametrize("value", [*HOSTILE_DECIMALS, "9" * 5000, "1." + "0" * 21])
def test_a_decimal_parameter_is_ascii_digits_only_and_changes_nothing(
    client: TestClient, alice: Account, value: str
) -> None:
    before = ledger(client)

    response = limit_order(alice, quantity=value)

    assert response.status_code == 400
    assert response.json() == {
        "code": -1100,
        "msg": f"Illegal characters found in parameter 'quantity'; legal range is {DECIMAL_RANGE}.",
    }
    assert ledger(client) == before


def test_leverage_in_another_scripts_digits_is_refused(alice: Account) -> None:
    response = alice.signed("POST", "/fapi/v1/leverage", symbol="BTCUSDT", leverage="٥")

    assert response.status_code == 400
    assert response.json()["code"] == -1100
    risk = alice.signed("GET", "/fapi/v2/positionRisk", symbol="BTCUSDT").json()
    assert risk[0]["leverage"] != "5"


@pytest.mark.parametrize(
    "body",
    [
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        '{"a": ' + "[" * 10_000 + "]" * 10_000 + "}",
        '{"account": "x", "amount": [1]}',
        '{"account": "x", "amount": "1", "asset": null}',
        '{"account": "x", "amount": "1"',
        '{"account": "x", "amount": 0.00_2}',
    ],
    ids=["deep object", "deep array", "list", "null", "truncated", "underscore"],
)
@pytest.mark.parametrize("path", ["/admin/deposit", "/fapi/v1/order", "/fapi/v1/listenKey"])
def test_unreadable_json_bodies_are_refused_before_auth_and_change_nothing(
    client: TestClient, alice: Account, body: str, path: str
) -> None:
    before = ledger(client)

    response = client.post(path, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"code": -1100, "msg": "Illegal characters found in a parameter."}
    assert ledger(client) == before


@pytest.mark.parametrize("amount", ["9" * 5000, "1e999999", "-1e-999999", "NaN", "Infinity", "1E3"])
def test_hostile_json_numbers_are_refused_by_the_same_pattern(
    client: TestClient, alice: Account, amount: str
) -> None:
    before = ledger(client)
    body = '{"account": "alice", "amount": ' + amount + "}"
    headers = {"Content-Type": "application/json"}

    unkeyed = client.post("/admin/deposit", content=body, headers=headers)
    keyed = client.post("/admin/deposit", content=body, headers={**ADMIN, **headers})

    assert (unkeyed.status_code, unkeyed.json()["code"]) == (401, -2015)
    assert (keyed.status_code, keyed.json()["code"]) == (400, -1100)
    assert ledger(client) == before


def test_hostile_numbers_reach_admin_handlers_as_refusals(client: TestClient) -> None:
    answers = [
        client.post("/admin/deposit", params={"account": "x", "amount": value}, headers=ADMIN)
        for value in ("٢٠", "1e3", "9" * 5000)
    ] + [
        client.post(
            "/admin/crash",
            params={"symbol": "BTCUSDT", "percent": "-10", "steps": "¹"},
            headers=ADMIN,
        )
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(400, -1100)] * 4


def test_a_flat_json_body_is_read_with_its_numbers_exact(client: TestClient) -> None:
    client.post("/admin/accounts", params={"account": "carol"}, headers=ADMIN)

    response = client.post(
        "/admin/deposit",
        content='{"account": "carol", "amount": 12.3456789}',
        headers={**ADMIN, "Content-Type": "application/json"},
    )

    assert response.status_code == 200
    assert response.json()["balance"] == "12.3456789"


def test_more_parameters_than_allowed_is_1101(client: TestClient) -> None:
    query = "&".join(f"p{n}=1" for n in range(100))

    response = client.get(f"/fapi/v1/ping?{query}")

    assert (response.status_code, response.json()["code"]) == (400, -1101)
