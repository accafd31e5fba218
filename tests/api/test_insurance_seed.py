"""The server's funds open worth the seed in USDT: the COIN-M fund in BTC at the reference price
(``InsuranceConfig.seed_prices``: 60,000 USDT per BTC, the price BTCUSD_PERP starts at)."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from liquidator.api.settings import START_PRICES, Settings
from liquidator.bootstrap import bundled_market
from liquidator.bootstrap.server import create_app
from liquidator.core.risk.insurance_groups import DEFAULT_SEED_PRICES
from tests.api.conftest import ADMIN


def test_the_dashboard_s_funds_show_the_coinm_fund_worth_the_usdt_seed_in_btc() -> None:
    settings = Settings(
        market=bundled_market(), admin_key=ADMIN["X-ADMIN-KEY"], price_walk=False, heartbeat_ms=0
    )
    with TestClient(create_app(settings)) as client:
        funds = client.get("/liquidator/v1/insurance").json()["funds"]

    balances = {(f["fund"], f["asset"]): Decimal(f["balance"]) for f in funds}
    assert balances == {
        ("@insurance:BTCUSDT", "USDT"): Decimal("1000000"),
        ("@insurance:ETHUSDT", "USDT"): Decimal("1000000"),
        # 1,000,000 USDT / 60,000 USDT per BTC = 16.666666666..., floored (against the fund)
        ("@insurance:shared", "BTC"): Decimal("16.66666666"),
    }
    assert Decimal("16.66666666") * 60_000 <= 1_000_000 < Decimal("16.66666667") * 60_000


def test_the_btc_reference_price_is_the_price_the_server_starts_btcusd_perp_at() -> None:
    assert dict(DEFAULT_SEED_PRICES)["BTC"] == START_PRICES["BTCUSD_PERP"]
