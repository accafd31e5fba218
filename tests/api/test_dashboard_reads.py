"""The dashboard's venue reads (``/liquidator/v1``) give an inverse position the figures
``/dapi/v1/positionRisk`` gives it: the entry as the contracts' price (not cost / quantity) and
the notional in the coin."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.api.test_dapi import SYMBOL, trade_ten_contracts


def test_an_inverse_position_on_the_heatmap_has_its_entry_price_and_coin_notional(
    client: TestClient,
) -> None:
    maker, taker = trade_ten_contracts(client)
    risk = {
        row["positionAmt"]: row
        for account in (maker, taker)
        for row in account.signed("GET", "/dapi/v1/positionRisk", symbol=SYMBOL).json()
    }

    rows = client.get("/liquidator/v1/positions", params={"symbol": SYMBOL}).json()["positions"]

    assert sorted((r["positionAmt"], r["entryPrice"], r["notional"]) for r in rows) == sorted(
        (amount, row["entryPrice"], row["notionalValue"].lstrip("-"))
        for amount, row in risk.items()
    )
    assert {r["entryPrice"] for r in rows} == {"60000"}


def test_the_callers_chart_levels_of_an_inverse_position(client: TestClient) -> None:
    _, taker = trade_ten_contracts(client)
    (risk,) = taker.signed("GET", "/dapi/v1/positionRisk", symbol=SYMBOL).json()

    (level,) = taker.signed("GET", "/liquidator/v1/levels").json()["positions"]

    assert (level["entryPrice"], level["liquidationPrice"]) == (
        risk["entryPrice"],
        risk["liquidationPrice"],
    )
    # the long's margin unit is empty at its bankruptcy price: below the liquidation price
    assert 0 < Decimal(level["bankruptcyPrice"]) < Decimal(level["liquidationPrice"])


def test_inverse_open_interest_counts_contracts_valued_in_the_coin(client: TestClient) -> None:
    trade_ten_contracts(client)

    rows = client.get("/liquidator/v1/openInterest").json()["symbols"]

    (perp,) = [row for row in rows if row["symbol"] == SYMBOL]
    (linear,) = [row for row in rows if row["symbol"] == "BTCUSDT"]
    assert (perp["openInterest"], perp["unit"], perp["notionalAsset"]) == ("10", "Cont", "BTC")
    assert perp["notional"] == "0.01666666"  # 10 x 100 / 60,000 BTC
    assert (linear["unit"], linear["notionalAsset"]) == ("BTC", "USDT")
