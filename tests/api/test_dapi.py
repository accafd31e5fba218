"""COIN-M at ``/dapi``: the inverse contract in COIN-M's shapes, each family's symbols apart.

BTCUSD_PERP is 100 USD a contract, margined in BTC, quoted at 60,000 by the start price. A trade
of 10 contracts at 60,000 is worth ``10 x 100 / 60,000 = 0.01666666`` BTC (floored to 10**-8).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from liquidator.bootstrap import bundled_market
from liquidator.core.margin.liquidation_price import SharedMargin, liquidation_price
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.money.fixed import Amount, Price, Qty
from tests.api.conftest import ADMIN, Account

SYMBOL = "BTCUSD_PERP"


def coin_account(client: TestClient, name: str, deposit: str = "1") -> Account:
    key = client.post("/admin/keys", params={"account": name}, headers=ADMIN).json()
    client.post(
        "/admin/deposit",
        params={"account": name, "amount": deposit, "asset": "BTC"},
        headers=ADMIN,
    )
    return Account(client, key["apiKey"], key["secretKey"])


def order(account: Account, **params: Any) -> Any:
    return account.signed("POST", "/dapi/v1/order", symbol=SYMBOL, **params).json()


def trade_ten_contracts(client: TestClient, *, isolated: bool = False) -> tuple[Account, Account]:
    """Maker sells 10 contracts at 60,000 (resting), taker buys them at market (``isolated``:
    in isolated margin)."""
    maker, taker = coin_account(client, "maker"), coin_account(client, "taker")
    if isolated:
        taker.signed("POST", "/dapi/v1/marginType", symbol=SYMBOL, marginType="ISOLATED")
    order(maker, side="SELL", type="LIMIT", timeInForce="GTC", quantity="10", price="60000")
    order(taker, side="BUY", type="MARKET", quantity="10")
    return maker, taker


def test_coinm_exchange_info_lists_the_inverse_contract_in_coinm_shape(
    client: TestClient,
) -> None:
    (symbol,) = client.get("/dapi/v1/exchangeInfo").json()["symbols"]

    assert (symbol["symbol"], symbol["pair"], symbol["contractType"]) == (
        SYMBOL,
        "BTCUSD",
        "PERPETUAL",
    )
    assert (symbol["contractSize"], symbol["contractStatus"], symbol["marginAsset"]) == (
        100,
        "TRADING",
        "BTC",
    )
    filters = {f["filterType"]: f for f in symbol["filters"]}
    assert filters["LOT_SIZE"]["stepSize"] == "1"
    assert filters["PRICE_FILTER"]["tickSize"] == "0.1"
    assert "MIN_NOTIONAL" not in filters
    linear = [s["symbol"] for s in client.get("/fapi/v1/exchangeInfo").json()["symbols"]]
    assert SYMBOL not in linear
    assert "BTCUSDT" in linear


def test_a_symbol_of_the_other_family_is_an_invalid_symbol(client: TestClient) -> None:
    alice = coin_account(client, "alice")

    on_dapi = client.get("/dapi/v1/depth", params={"symbol": "BTCUSDT"})
    on_fapi = client.get("/fapi/v1/depth", params={"symbol": SYMBOL})
    ordered = alice.signed(
        "POST", "/fapi/v1/order", symbol=SYMBOL, side="BUY", type="MARKET", quantity="1"
    )

    for answer in (on_dapi, on_fapi, ordered):
        assert answer.status_code == 400
        assert answer.json() == {"code": -1121, "msg": "Invalid symbol."}


def test_a_fraction_of_a_contract_is_refused_with_binance_code(client: TestClient) -> None:
    alice = coin_account(client, "alice")

    answer = alice.signed(
        "POST", "/dapi/v1/order", symbol=SYMBOL, side="BUY", type="MARKET", quantity="1.5"
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == -1111


def test_an_unknown_dapi_path_gets_binance_not_found(client: TestClient) -> None:
    answer = client.get("/dapi/v1/noSuchThing")

    assert answer.status_code == 404
    assert answer.json()["code"] == -5000


def test_a_coinm_trade_reads_back_in_the_coin(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client)

    (fill,) = taker.signed("GET", "/dapi/v1/userTrades", symbol=SYMBOL).json()
    (filled,) = taker.signed("GET", "/dapi/v1/allOrders", symbol=SYMBOL).json()
    (position,) = taker.signed("GET", "/dapi/v1/positionRisk", symbol=SYMBOL).json()
    (balance,) = taker.signed("GET", "/dapi/v1/balance").json()

    assert (fill["qty"], fill["price"], fill["baseQty"], fill["pair"]) == (
        "10",
        "60000.0",
        "0.01666666",
        "BTCUSD",
    )
    assert (fill["commissionAsset"], fill["marginAsset"]) == ("BTC", "BTC")
    assert "quoteQty" not in fill
    assert (filled["status"], filled["cumBase"], filled["pair"]) == (
        "FILLED",
        "0.01666666",
        "BTCUSD",
    )
    assert "cumQuote" not in filled
    assert (position["positionAmt"], position["entryPrice"]) == ("10", "60000")
    assert position["notionalValue"] == "0.01666666"
    assert "notional" not in position
    assert (position["leverage"], position["maxQty"], position["marginType"]) == (
        "20",
        "50",
        "cross",
    )
    assert balance["asset"] == "BTC"
    assert Decimal(balance["balance"]) == 1 - Decimal(fill["commission"])


def test_a_short_shows_a_negative_notional_value(client: TestClient) -> None:
    maker, _ = trade_ten_contracts(client)

    (position,) = maker.signed("GET", "/dapi/v1/positionRisk", symbol=SYMBOL).json()

    assert (position["positionAmt"], position["notionalValue"]) == ("-10", "-0.01666666")


def test_the_liquidation_price_served_is_the_calculators(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client, isolated=True)
    added = taker.signed(
        "POST", "/dapi/v1/positionMargin", symbol=SYMBOL, amount="0.0001", type="1"
    ).json()
    assert added["code"] == 200

    (row,) = taker.signed("GET", "/dapi/v1/positionRisk", symbol=SYMBOL).json()

    market = bundled_market()
    wallet = Amount.of(row["isolatedWallet"], "BTC")
    position = Position(
        instrument=market.instruments[SYMBOL],
        side=PositionSide.BOTH,
        quantity=Qty.of(row["positionAmt"]),
        entry_price=Price.of(row["entryPrice"]),
        mark_price=Price.of(row["markPrice"]),
        margin_type=MarginType.ISOLATED,
        leverage=20,
        isolated_wallet=wallet,
    )
    found = liquidation_price([position], [market.brackets[SYMBOL]], SharedMargin.isolated(wallet))
    assert found.trigger is not None
    calculated = found.trigger.price.to_decimal()
    served = Decimal(row["liquidationPrice"])
    # the engine checks in raw BTC (10**-8); near P one raw unit is worth P**2 / (q x 100) USD
    unit_worth = calculated**2 / 1000 * Decimal("0.00000001")
    assert calculated <= served <= calculated + 3 * unit_worth


def test_account_totals_are_the_positions_figures(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client)
    prices = {"symbol": SYMBOL, "index": "63000", "mark": "63000"}
    client.post("/admin/price", params=prices, headers=ADMIN)

    account = taker.signed("GET", "/dapi/v1/account").json()
    (position,) = taker.signed("GET", "/dapi/v1/positionRisk", symbol=SYMBOL).json()

    (asset,) = account["assets"]
    (held,) = account["positions"]
    # 10 contracts from 60,000 to 63,000: 10 x 100 x (1/60,000 - 1/63,000) BTC, floored
    assert position["unRealizedProfit"] == "0.00079365"
    assert asset["unrealizedProfit"] == held["unrealizedProfit"] == position["unRealizedProfit"]
    assert Decimal(asset["marginBalance"]) == Decimal(asset["walletBalance"]) + Decimal(
        asset["unrealizedProfit"]
    )
    assert asset["maintMargin"] == held["maintMargin"]
    assert Decimal(held["maintMargin"]) > 0


def test_brackets_per_symbol_v2_and_per_pair_v1_in_the_coin(client: TestClient) -> None:
    alice = coin_account(client, "alice")

    (by_symbol,) = alice.signed("GET", "/dapi/v2/leverageBracket").json()
    (by_pair,) = alice.signed("GET", "/dapi/v1/leverageBracket", pair="BTCUSD").json()

    assert by_symbol["symbol"] == SYMBOL
    assert by_pair["pair"] == "BTCUSD"
    assert by_symbol["brackets"] == by_pair["brackets"]
    assert by_symbol["brackets"][1] == {
        "bracket": 2,
        "initialLeverage": 100,
        "qtyCap": 10.0,
        "qtyFloor": 5.0,
        "maintMarginRatio": 0.005,
        "cum": 0.005,
    }


def test_coinm_listen_key_opens_renews_and_closes(client: TestClient) -> None:
    alice = coin_account(client, "alice")
    headers = {"X-MBX-APIKEY": alice.key}

    opened = client.post("/dapi/v1/listenKey", headers=headers).json()
    renewed = client.put("/dapi/v1/listenKey", headers=headers).json()
    closed = client.delete("/dapi/v1/listenKey", headers=headers)

    assert opened["listenKey"] == renewed["listenKey"]
    assert closed.status_code == 200


def test_coinm_tickers_are_lists_naming_the_pair(client: TestClient) -> None:
    (price,) = client.get("/dapi/v1/ticker/price", params={"symbol": SYMBOL}).json()
    (index,) = client.get("/dapi/v1/premiumIndex", params={"symbol": SYMBOL}).json()
    interest = client.get("/dapi/v1/openInterest", params={"symbol": SYMBOL}).json()

    assert (price["symbol"], price["ps"]) == (SYMBOL, "BTCUSD")
    assert (index["pair"], index["markPrice"]) == ("BTCUSD", "60000.00000000")
    assert (interest["pair"], interest["contractType"]) == ("BTCUSD", "PERPETUAL")


def test_each_familys_user_stream_carries_its_own_contracts(client: TestClient) -> None:
    maker, taker = coin_account(client, "maker"), coin_account(client, "taker")
    headers = {"X-MBX-APIKEY": taker.key}
    listen_key = client.post("/dapi/v1/listenKey", headers=headers).json()["listenKey"]
    deposit = {"account": "taker", "amount": "100", "asset": "USDT"}

    with (
        client.websocket_connect(f"/dapi/ws/{listen_key}") as dstream,
        client.websocket_connect(f"/ws/{listen_key}") as fstream,
    ):
        order(maker, side="SELL", type="LIMIT", timeInForce="GTC", quantity="10", price="60000")
        order(taker, side="BUY", type="MARKET", quantity="10")
        client.post("/admin/deposit", params=deposit, headers=ADMIN)
        coin = [dstream.receive_json() for _ in range(3)]
        linear = fstream.receive_json()

    placed, filled, account = coin
    assert (placed["o"]["x"], filled["o"]["x"]) == ("NEW", "TRADE")
    assert (filled["o"]["s"], filled["o"]["ma"], filled["o"]["N"]) == (SYMBOL, "BTC", "BTC")
    assert account["a"]["P"][0]["s"] == SYMBOL
    assert [b["a"] for b in account["a"]["B"]] == ["BTC"]
    # the USDⓈ-M stream saw nothing of the trade: its first message is the USDT deposit
    assert (linear["e"], linear["a"]["m"], linear["a"]["B"][0]["a"]) == (
        "ACCOUNT_UPDATE",
        "DEPOSIT",
        "USDT",
    )


def test_coinm_conditional_orders_by_order_and_by_algo_order(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client)

    stop = order(
        taker,
        side="SELL",
        type="STOP_MARKET",
        stopPrice="55000",
        closePosition="true",
        workingType="MARK_PRICE",
    )
    algo = taker.signed(
        "POST",
        "/dapi/v1/algoOrder",
        algoType="CONDITIONAL",
        symbol=SYMBOL,
        side="SELL",
        type="STOP_MARKET",
        triggerPrice="54000",
        quantity="10",
        reduceOnly="true",
    ).json()
    waiting = taker.signed("GET", "/dapi/v1/openAlgoOrders", symbol=SYMBOL).json()
    cancelled = taker.signed("DELETE", "/dapi/v1/order", symbol=SYMBOL, orderId=stop["orderId"])
    dropped = taker.signed("DELETE", "/dapi/v1/algoOrder", algoId=algo["algoId"]).json()

    assert (stop["type"], stop["status"], stop["pair"]) == ("STOP_MARKET", "NEW", "BTCUSD")
    assert (algo["algoStatus"], algo["quantity"]) == ("NEW", "10")
    assert {o["algoId"] for o in waiting} == {stop["orderId"], algo["algoId"]}
    assert cancelled.json()["status"] == "CANCELED"
    assert dropped["code"] == "200"
    assert taker.signed("GET", "/dapi/v1/openAlgoOrders").json() == []


def test_coinm_position_risk_by_pair_and_margin_asset(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client)

    by_pair = taker.signed("GET", "/dapi/v1/positionRisk", pair="BTCUSD").json()
    by_asset = taker.signed("GET", "/dapi/v1/positionRisk", marginAsset="BTC").json()
    other_pair = taker.signed("GET", "/dapi/v1/positionRisk", pair="ETHUSD").json()

    assert [r["positionAmt"] for r in by_pair] == [r["positionAmt"] for r in by_asset] == ["10"]
    assert other_pair == []


def test_coinm_klines_by_pair_are_the_perpetuals(client: TestClient) -> None:
    trade_ten_contracts(client)

    by_symbol = client.get("/dapi/v1/klines", params={"symbol": SYMBOL, "interval": "1m"})
    continuous = client.get(
        "/dapi/v1/continuousKlines",
        params={"pair": "BTCUSD", "contractType": "PERPETUAL", "interval": "1m"},
    )
    index = client.get("/dapi/v1/indexPriceKlines", params={"pair": "BTCUSD", "interval": "1m"})
    unknown = client.get("/dapi/v1/indexPriceKlines", params={"pair": "ETHUSD", "interval": "1m"})

    assert continuous.json() == by_symbol.json()
    assert by_symbol.json()[0][5] == "10"  # the 10 contracts traded
    assert index.json()[-1][4] == "60000.00000000"
    assert unknown.json() == {"code": -1121, "msg": "Invalid symbol."}


def test_coinm_funding_info_lists_the_perpetual(client: TestClient) -> None:
    (info,) = client.get("/dapi/v1/fundingInfo").json()

    assert (info["symbol"], info["fundingIntervalHours"]) == (SYMBOL, 8)


def test_coinm_futures_data_by_pair(client: TestClient) -> None:
    trade_ten_contracts(client)
    asked = {"pair": "BTCUSD", "period": "5m"}

    (interest,) = client.get(
        "/futures/data/openInterestHist", params=asked | {"contractType": "PERPETUAL"}
    ).json()
    (accounts,) = client.get("/futures/data/globalLongShortAccountRatio", params=asked).json()
    quarter = client.get(
        "/futures/data/openInterestHist", params=asked | {"contractType": "CURRENT_QUARTER"}
    ).json()
    linear = client.get("/futures/data/openInterestHist", params=asked | {"pair": "BTCUSDT"})

    assert (interest["pair"], interest["contractType"], interest["sumOpenInterest"]) == (
        "BTCUSD",
        "PERPETUAL",
        "10",
    )
    assert interest["sumOpenInterestValue"] == "0.01666666"  # 10 x 100 / 60,000 BTC
    assert (accounts["pair"], accounts["longAccount"], accounts["shortAccount"]) == (
        "BTCUSD",
        "0.5000",
        "0.5000",
    )
    assert "symbol" not in accounts
    assert quarter == []
    assert linear.json() == {"code": -1121, "msg": "Invalid symbol."}


def test_coinm_24hr_ticker_counts_contracts_and_has_no_quote_volume(client: TestClient) -> None:
    trade_ten_contracts(client)

    (ticker,) = client.get("/dapi/v1/ticker/24hr", params={"symbol": SYMBOL}).json()

    assert (ticker["symbol"], ticker["pair"], ticker["volume"]) == (SYMBOL, "BTCUSD", "10")
    assert "quoteVolume" not in ticker
