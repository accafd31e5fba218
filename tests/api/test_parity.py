"""Endpoints bots call at start and beside the book, answered from the engine's state."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN, Account, limit_order


def trade(seller: Account, buyer: Account, quantity: str = "0.01") -> None:
    """``seller`` rests a sell at 60,000; ``buyer`` takes it with a market buy."""
    sell = limit_order(seller, side="SELL", price="60000", quantity=quantity)
    assert sell.status_code == 200, sell.json()
    buy = buyer.signed(
        "POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity=quantity
    )
    assert buy.status_code == 200, buy.json()


def test_book_ticker_writes_the_best_levels_with_the_symbols_precision(
    client: TestClient, alice: Account
) -> None:
    limit_order(alice, price="59000", quantity="0.02")

    one = client.get("/fapi/v1/ticker/bookTicker", params={"symbol": "BTCUSDT"}).json()
    every = client.get("/fapi/v1/ticker/bookTicker").json()

    assert (one["bidPrice"], one["bidQty"]) == ("59000.00", "0.020")
    assert (one["askPrice"], one["askQty"]) == ("0.00", "0.000")
    assert {row["symbol"] for row in every} >= {"BTCUSDT", "ETHUSDT"}


def test_open_interest_is_the_sum_of_the_longs(
    client: TestClient, alice: Account, bob: Account
) -> None:
    before = client.get("/fapi/v1/openInterest", params={"symbol": "BTCUSDT"}).json()
    trade(bob, alice, "0.03")

    after = client.get("/fapi/v1/openInterest", params={"symbol": "BTCUSDT"}).json()

    assert before["openInterest"] == "0.000"
    assert (after["symbol"], after["openInterest"]) == ("BTCUSDT", "0.030")


def test_commission_rate_is_the_venues_schedule(alice: Account) -> None:
    body = alice.signed("GET", "/fapi/v1/commissionRate", symbol="BTCUSDT").json()

    assert body == {
        "symbol": "BTCUSDT",
        "makerCommissionRate": "0.0002",
        "takerCommissionRate": "0.0005",
    }


def test_symbol_config_follows_leverage_and_margin_type(alice: Account) -> None:
    alice.signed("POST", "/fapi/v1/leverage", symbol="BTCUSDT", leverage=20)
    alice.signed("POST", "/fapi/v1/marginType", symbol="BTCUSDT", marginType="ISOLATED")

    (row,) = alice.signed("GET", "/fapi/v1/symbolConfig", symbol="BTCUSDT").json()
    every = alice.signed("GET", "/fapi/v1/symbolConfig").json()

    assert (row["leverage"], row["marginType"], row["isAutoAddMargin"]) == (20, "ISOLATED", False)
    assert Decimal(row["maxNotionalValue"]) > 0
    assert "BTCUSD_PERP" not in {r["symbol"] for r in every}


def test_account_config_and_asset_mode(alice: Account) -> None:
    alice.signed("POST", "/fapi/v1/positionSide/dual", dualSidePosition="true")

    config = alice.signed("GET", "/fapi/v1/accountConfig").json()
    mode = alice.signed("GET", "/fapi/v1/multiAssetsMargin").json()

    assert (config["dualSidePosition"], config["multiAssetsMargin"]) == (True, False)
    assert config["canTrade"] is True
    assert mode == {"multiAssetsMargin": False}


def test_capital_config_lists_the_venues_assets_for_ccxt(alice: Account) -> None:
    coins = alice.signed("GET", "/sapi/v1/capital/config/getall").json()

    assert {"USDT", "BTC", "ETH"} <= {c["coin"] for c in coins}
    assert all(c["networkList"] == [] and c["trading"] for c in coins)


def test_trading_status_and_order_rate_limits(alice: Account) -> None:
    status = alice.signed("GET", "/fapi/v1/apiTradingStatus").json()
    limits = alice.signed("GET", "/fapi/v1/rateLimit/order").json()

    assert status["indicators"] == {}
    assert [(x["interval"], x["limit"]) for x in limits] == [("SECOND", 300), ("MINUTE", 1200)]


def test_klines_start_at_the_first_candle_opening_at_or_after_start_time(
    client: TestClient, alice: Account, bob: Account
) -> None:
    trade(bob, alice)
    (candle,) = client.get("/fapi/v1/klines", params={"symbol": "BTCUSDT", "interval": "1m"}).json()

    again = client.get(
        "/fapi/v1/klines",
        params={"symbol": "BTCUSDT", "interval": "1m", "startTime": candle[0] + 1},
    ).json()
    same = client.get(
        "/fapi/v1/klines",
        params={"symbol": "BTCUSDT", "interval": "1m", "startTime": candle[0]},
    ).json()
    continuous = client.get(
        "/fapi/v1/continuousKlines",
        params={"pair": "BTCUSDT", "contractType": "PERPETUAL", "interval": "1m"},
    ).json()

    assert again == []
    assert same == [candle] == continuous
    assert candle[1:6] == ["60000.00", "60000.00", "60000.00", "60000.00", "0.010"]


def test_historical_trades_page_from_an_id(
    client: TestClient, alice: Account, bob: Account
) -> None:
    trade(bob, alice)
    trade(bob, alice)
    headers = {"X-MBX-APIKEY": alice.key}

    every = client.get("/fapi/v1/historicalTrades", params={"symbol": "BTCUSDT"}, headers=headers)
    first = every.json()[0]["id"]
    later = client.get(
        "/fapi/v1/historicalTrades",
        params={"symbol": "BTCUSDT", "fromId": first + 1},
        headers=headers,
    ).json()

    assert len(every.json()) == 2
    assert [t["id"] for t in later] == [first + 1]
    assert later[0]["price"] == "60000.00"


def test_fills_and_positions_write_the_symbols_precision(alice: Account, bob: Account) -> None:
    trade(bob, alice, "0.02")

    (fill,) = alice.signed("GET", "/fapi/v1/userTrades", symbol="BTCUSDT").json()
    (position,) = alice.signed("GET", "/fapi/v3/positionRisk", symbol="BTCUSDT").json()

    assert (fill["price"], fill["qty"]) == ("60000.00", "0.020")
    assert position["positionAmt"] == "0.020"
    assert len(position["markPrice"].split(".")[1]) == 8


def test_exchange_info_writes_the_tick_with_the_price_precision(client: TestClient) -> None:
    symbols = client.get("/fapi/v1/exchangeInfo").json()["symbols"]
    (btc,) = [s for s in symbols if s["symbol"] == "BTCUSDT"]
    price_filter = next(f for f in btc["filters"] if f["filterType"] == "PRICE_FILTER")

    assert (btc["pricePrecision"], btc["quantityPrecision"]) == (2, 3)
    assert price_filter["tickSize"] == "0.10"


def test_index_price_klines_follow_every_index_move(client: TestClient) -> None:
    for index in ("61000", "59500.5", "60250"):
        client.post("/admin/price", params={"symbol": "BTCUSDT", "index": index}, headers=ADMIN)

    rows = client.get(
        "/fapi/v1/indexPriceKlines", params={"pair": "BTCUSDT", "interval": "1m"}
    ).json()

    assert [row[2:5] for row in rows][-1] == ["61000.00000000", "59500.50000000", "60250.00000000"]
    assert rows[-1][6] == rows[-1][0] + 59_999


def test_funding_info_gives_the_venues_cap_floor_and_interval(client: TestClient) -> None:
    rows = client.get("/fapi/v1/fundingInfo").json()

    (btc,) = [r for r in rows if r["symbol"] == "BTCUSDT"]
    assert btc["adjustedFundingRateCap"] == "0.00300000"
    assert btc["adjustedFundingRateFloor"] == "-0.00300000"
    assert btc["fundingIntervalHours"] == 8
    assert "BTCUSD_PERP" not in {r["symbol"] for r in rows}


def test_the_24hr_ticker_gives_the_last_trades_quantity(
    client: TestClient, alice: Account, bob: Account
) -> None:
    before = client.get("/fapi/v1/ticker/24hr", params={"symbol": "BTCUSDT"}).json()
    trade(bob, alice, "0.01")
    trade(bob, alice, "0.036")

    ticker = client.get("/fapi/v1/ticker/24hr", params={"symbol": "BTCUSDT"}).json()

    assert before["lastQty"] == "0.000"
    assert (ticker["lastPrice"], ticker["lastQty"]) == ("60000.00", "0.036")
