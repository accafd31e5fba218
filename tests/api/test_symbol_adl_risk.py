"""``GET /fapi/v1/symbolAdlRisk``: the fund's coverage of open interest, rated by docs/api.md."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from liquidator.api.settings import Settings
from liquidator.bootstrap import bundled_market
from liquidator.bootstrap.server import create_app
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.money.fixed import SCALE
from liquidator.core.risk.insurance_groups import InsuranceConfig
from tests.api.conftest import ADMIN, open_account

PERIOD_MS = 30 * 60_000


@contextmanager
def venue_with_fund(seed_usdt: str) -> Iterator[TestClient]:
    """A venue whose every fund starts with ``seed_usdt`` (decimal text)."""
    whole, _, fraction = seed_usdt.partition(".")
    seed = int(whole) * SCALE + int((fraction or "0").ljust(8, "0"))
    settings = Settings(
        market=bundled_market(),
        venue=VenueConfig(mark_source=PriceSource.FEED, insurance=InsuranceConfig(seed=seed)),
        admin_key=ADMIN["X-ADMIN-KEY"],
        price_walk=False,
        heartbeat_ms=0,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _hold_600_usdt_of_open_interest(client: TestClient) -> None:
    """Alice long 0.01 BTCUSDT from bob at 60,000: open interest 600 USDT at the mark."""
    client.post("/admin/price", params={"symbol": "BTCUSDT", "mark": "60000"}, headers=ADMIN)
    for name, side in (("bob", "SELL"), ("alice", "BUY")):
        placed = open_account(client, name).signed(
            "POST",
            "/fapi/v1/order",
            symbol="BTCUSDT",
            side=side,
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="60000",
        )
        assert placed.status_code == 200, placed.json()


@pytest.mark.parametrize(
    ("fund", "rating"),
    [
        ("0", "high"),  # an empty fund: the next bankruptcy is deleveraged
        ("0.59999999", "high"),  # coverage just under 0.1%
        ("0.6", "medium"),  # exactly 0.1%
        ("5.99999999", "medium"),  # just under 1%
        ("6", "low"),  # exactly 1%
        ("1000000", "low"),
    ],
)
def test_a_symbols_adl_risk_follows_its_funds_coverage_of_open_interest(
    fund: str, rating: str
) -> None:
    with venue_with_fund(fund) as client:
        before = client.get("/fapi/v1/symbolAdlRisk", params={"symbol": "BTCUSDT"}).json()
        _hold_600_usdt_of_open_interest(client)
        row = client.get("/fapi/v1/symbolAdlRisk", params={"symbol": "BTCUSDT"}).json()
        every = client.get("/fapi/v1/symbolAdlRisk").json()
        now = client.get("/fapi/v1/time").json()["serverTime"]

    assert before["adlRisk"] == "low"  # no open interest: nothing to deleverage
    assert row == {"symbol": "BTCUSDT", "adlRisk": rating, "updateTime": row["updateTime"]}
    assert row["updateTime"] % PERIOD_MS == 0
    assert now - PERIOD_MS < row["updateTime"] <= now
    assert row in every
    assert all(r["symbol"] != "BTCUSD_PERP" for r in every)  # COIN-M's are on /dapi


def test_symbol_adl_risk_refuses_an_unknown_symbol(client: TestClient) -> None:
    unknown = client.get("/fapi/v1/symbolAdlRisk", params={"symbol": "NOPEUSDT"})
    coinm = client.get("/fapi/v1/symbolAdlRisk", params={"symbol": "BTCUSD_PERP"})

    assert unknown.status_code == coinm.status_code == 400
    assert unknown.json() == {"code": -1121, "msg": "Invalid symbol."}
    assert coinm.json()["code"] == -1121
