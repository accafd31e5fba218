"""USDⓈ-M's account histories hold USDⓈ-M rows only, as Binance keeps the families apart: an
account that trades COIN-M sees none of it on ``/fapi`` (income, forced orders)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN
from tests.api.test_dapi import SYMBOL, coin_account, order, trade_ten_contracts


def test_coinm_income_stays_off_the_usdm_income(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client)

    usdm = taker.signed("GET", "/fapi/v1/income").json()
    coinm = taker.signed("GET", "/dapi/v1/income").json()

    assert {row["asset"] for row in coinm} == {"BTC"}
    assert {row["incomeType"] for row in coinm} >= {"TRANSFER", "COMMISSION"}
    assert usdm == []


def test_a_coinm_liquidation_is_a_coinm_forced_order_only(client: TestClient) -> None:
    maker, taker = coin_account(client, "maker"), coin_account(client, "taker", "0.002")
    order(maker, side="SELL", type="LIMIT", timeInForce="GTC", quantity="10", price="60000")
    order(taker, side="BUY", type="MARKET", quantity="10")  # 0.0167 BTC on 0.002 BTC
    prices = {"symbol": SYMBOL, "index": "50000", "mark": "50000"}
    client.post("/admin/price", params=prices, headers=ADMIN)

    coinm = taker.signed("GET", "/dapi/v1/forceOrders").json()
    usdm = taker.signed("GET", "/fapi/v1/forceOrders").json()

    assert [row["symbol"] for row in coinm] != []
    assert {row["symbol"] for row in coinm} == {SYMBOL}
    assert usdm == []
