"""``premiumIndexKlines`` (USDⓈ-M and COIN-M): candles of the engine's own premium samples.

The venue samples the premium index every 5 s (``FundingConfig.sample_interval_ms``) from the
impact bid and ask (the price a 25,000 USDT market order would average: 200 USDT of impact
margin at BTCUSDT's 125x) against the index. Here the book is one bid at 60,100 and one ask at
60,200, each far deeper than the impact notional, so the impact prices are those two levels:

* index 60,000: premium = (60,100 - 60,000) / 60,000 = 0.0016666... -> ``0.00166667``
* index 60,300: premium = -(60,300 - 60,200) / 60,300 = -0.0016583... -> ``-0.00165837``

(half-even at 10**-8, ``premium_index_raw``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liquidator.bootstrap.server import create_app
from tests.api.conftest import ADMIN, Account, limit_order, open_account, quiet_settings

MINUTE_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC; the server starts one second later
ABOVE, BELOW = "0.00166667", "-0.00165837"
ILLEGAL = "Illegal characters found in parameter '{}'; legal range is '^-?[0-9]{{1,20}}$'."


@pytest.fixture
def simulated() -> Iterator[TestClient]:
    settings = quiet_settings(simulated_start_ms=START_MS + 1_000)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def set_prices(client: TestClient, symbol: str, index: str, mark: str | None = None) -> None:
    params = {"symbol": symbol, "index": index} | ({"mark": mark} if mark else {})
    answer = client.post("/admin/price", params=params, headers=ADMIN)
    assert answer.status_code == 200, answer.json()


def advance(client: TestClient, ms: int) -> None:
    answer = client.post("/admin/time", params={"ms": ms}, headers=ADMIN)
    assert answer.status_code == 200, answer.json()


def rest_book(client: TestClient) -> None:
    """A bid of 1 BTC at 60,100 and an ask of 1 BTC at 60,200 on BTCUSDT."""
    set_prices(client, "BTCUSDT", "60000", "60000")
    bidder = open_account(client, "bidder", "100000")
    asker = open_account(client, "asker", "100000")
    for account, side, price in ((bidder, "BUY", "60100"), (asker, "SELL", "60200")):
        placed = limit_order(account, side=side, price=price, quantity="1")
        assert placed.status_code == 200, placed.json()


def sampled_two_minutes(client: TestClient) -> None:
    """Samples at 00:00:05 (above), 00:00:10 (below) and 00:01:10 (below)."""
    rest_book(client)
    advance(client, 4_000)  # 00:00:05: the first sample, index 60,000
    set_prices(client, "BTCUSDT", "60300")
    advance(client, 5_000)  # 00:00:10
    advance(client, 60_000)  # 00:01:10: the next minute


def klines(client: TestClient, path: str = "/fapi/v1/premiumIndexKlines", **params: Any) -> Any:
    query = {"symbol": "BTCUSDT", "interval": "1m"} | params
    return client.get(path, params=query)


def test_premium_index_klines_are_the_samples_of_each_minute(simulated: TestClient) -> None:
    sampled_two_minutes(simulated)

    rows = klines(simulated).json()

    assert rows == [
        [START_MS, ABOVE, ABOVE, BELOW, BELOW, "0", START_MS + 59_999, "0", 2, "0", "0", "0"],
        [
            START_MS + MINUTE_MS,
            BELOW,
            BELOW,
            BELOW,
            BELOW,
            "0",
            START_MS + 2 * MINUTE_MS - 1,
            "0",
            1,
            "0",
            "0",
            "0",
        ],
    ]


def test_a_longer_interval_merges_the_minutes(simulated: TestClient) -> None:
    sampled_two_minutes(simulated)

    (row,) = klines(simulated, interval="5m").json()

    assert row[:5] == [START_MS, ABOVE, ABOVE, BELOW, BELOW]
    assert (row[6], row[8]) == (START_MS + 5 * MINUTE_MS - 1, 3)


def test_limit_and_time_range_choose_the_candles(simulated: TestClient) -> None:
    sampled_two_minutes(simulated)
    second = START_MS + MINUTE_MS

    last = klines(simulated, limit=1).json()
    first = klines(simulated, limit=1, startTime=START_MS).json()
    from_inside = klines(simulated, startTime=START_MS + 1).json()  # the next candle on
    until_first = klines(simulated, endTime=START_MS + 30_000).json()
    backwards = klines(simulated, startTime=second, endTime=START_MS).json()

    assert [r[0] for r in last] == [second]
    assert [r[0] for r in first] == [START_MS]
    assert [r[0] for r in from_inside] == [second]
    assert [r[0] for r in until_first] == [START_MS]
    assert backwards == []


def test_no_sample_without_a_two_sided_book(simulated: TestClient) -> None:
    set_prices(simulated, "BTCUSDT", "60000", "60000")
    bidder = open_account(simulated, "bidder", "100000")
    assert limit_order(bidder, price="60100", quantity="1").status_code == 200
    advance(simulated, 60_000)

    assert klines(simulated).json() == []


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"interval": "2m"}, {"code": -1120, "msg": "Invalid interval."}),
        ({"symbol": "NOPEUSDT"}, {"code": -1121, "msg": "Invalid symbol."}),
        ({"symbol": "BTCUSD_PERP"}, {"code": -1121, "msg": "Invalid symbol."}),  # COIN-M's
        ({"limit": 0}, {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}),
        ({"limit": 1501}, {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}),
        ({"limit": "ten"}, {"code": -1100, "msg": ILLEGAL.format("limit")}),
        ({"startTime": "soon"}, {"code": -1100, "msg": ILLEGAL.format("startTime")}),
    ],
)
def test_bad_parameters_get_binances_errors(
    client: TestClient, params: dict[str, Any], error: dict[str, Any]
) -> None:
    answer = klines(client, **params)

    assert answer.status_code == 400
    assert answer.json() == error


def test_missing_symbol_or_interval_is_a_missing_parameter(client: TestClient) -> None:
    no_symbol = client.get("/fapi/v1/premiumIndexKlines", params={"interval": "1m"})
    no_interval = client.get("/fapi/v1/premiumIndexKlines", params={"symbol": "BTCUSDT"})

    assert no_symbol.json()["code"] == no_interval.json()["code"] == -1102


def test_the_weight_is_spent_as_for_klines(client: TestClient) -> None:
    first = klines(client)
    second = klines(client)

    used = [int(r.headers["X-MBX-USED-WEIGHT-1M"]) for r in (first, second)]
    assert used[1] - used[0] == 2


def test_coinm_premium_index_klines_follow_the_inverse_book(simulated: TestClient) -> None:
    set_prices(simulated, "BTCUSD_PERP", "60000", "60000")
    traders = [open_account(simulated, name, "0") for name in ("coin-bidder", "coin-asker")]
    for name in ("coin-bidder", "coin-asker"):
        simulated.post(
            "/admin/deposit", params={"account": name, "amount": "5", "asset": "BTC"}, headers=ADMIN
        )
    for account, side, price in zip(traders, ("BUY", "SELL"), ("60100", "60200"), strict=True):
        placed = coin_limit(account, side, price)
        assert placed.status_code == 200, placed.json()
    advance(simulated, 4_000)

    rows = klines(simulated, "/dapi/v1/premiumIndexKlines", symbol="BTCUSD_PERP").json()
    linear = klines(simulated, "/dapi/v1/premiumIndexKlines").json()

    # 1,000 contracts of 100 USD a side: far deeper than the impact notional
    assert [[*row[1:5], row[8]] for row in rows] == [[ABOVE, ABOVE, ABOVE, ABOVE, 1]]
    assert linear == {"code": -1121, "msg": "Invalid symbol."}


def coin_limit(account: Account, side: str, price: str) -> Any:
    return account.signed(
        "POST",
        "/dapi/v1/order",
        symbol="BTCUSD_PERP",
        side=side,
        type="LIMIT",
        timeInForce="GTC",
        quantity="1000",
        price=price,
    )
