"""The account figures an API shows are the engine's: its risk units, and where it liquidates.

``read/account_figures.py`` is the one place positionRisk, account, balance and the user stream
take their figures from; these tests hold it to the engine itself on both families: the served
liquidation price is the last mark at which the engine liquidates (one raw unit above it, for a
long, it does not), and an asset's cross figures are the engine's risk unit's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from liquidator.core.risk.venue_units import unit, unit_figures
from liquidator.read.account_figures import account_figures
from tests.api.conftest import ADMIN, Account

RAW = Decimal("0.00000001")
CASES = [  # symbol, family path, margin asset, deposit, contracts or coins, leverage
    ("BTCUSD_PERP", "/dapi/v1", "BTC", "1", "100", "20"),
    ("BTCUSDT", "/fapi/v1", "USDT", "10000", "0.1", "20"),
]


def funded(client: TestClient, name: str, asset: str, deposit: str) -> Account:
    key = client.post("/admin/keys", params={"account": name}, headers=ADMIN).json()
    params = {"account": name, "amount": deposit, "asset": asset}
    client.post("/admin/deposit", params=params, headers=ADMIN)
    return Account(client, key["apiKey"], key["secretKey"])


def open_long(client: TestClient, case: tuple[str, ...], *, isolated: bool) -> tuple[Account, str]:
    """A taker long ``quantity`` bought from a maker's resting sell at 60,000."""
    symbol, path, asset, deposit, quantity, leverage = case
    maker = funded(client, "maker", asset, str(10 * Decimal(deposit)))
    taker = funded(client, "taker", asset, deposit)
    if isolated:
        taker.signed("POST", f"{path}/marginType", symbol=symbol, marginType="ISOLATED")
    taker.signed("POST", f"{path}/leverage", symbol=symbol, leverage=leverage)
    maker.signed(
        "POST",
        f"{path}/order",
        symbol=symbol,
        side="SELL",
        type="LIMIT",
        timeInForce="GTC",
        quantity=quantity,
        price="60000",
    )
    taker.signed(
        "POST", f"{path}/order", symbol=symbol, side="BUY", type="MARKET", quantity=quantity
    )
    return taker, path


def position_row(taker: Account, path: str, symbol: str) -> dict[str, str]:
    version = "v1" if path.startswith("/dapi") else "v2"  # v2 lists a flat position too
    prefix = path.rsplit("/", 1)[0]
    (row,) = taker.signed("GET", f"{prefix}/{version}/positionRisk", symbol=symbol).json()
    return dict(row)


def set_mark(client: TestClient, symbol: str, price: Decimal) -> None:
    params = {"symbol": symbol, "index": str(price), "mark": str(price)}
    assert client.post("/admin/price", params=params, headers=ADMIN).status_code == 200


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_served_liquidation_price_is_the_last_mark_the_engine_liquidates_at(
    client: TestClient, case: tuple[str, ...]
) -> None:
    symbol = case[0]
    taker, path = open_long(client, case, isolated=True)
    liquidation = Decimal(position_row(taker, path, symbol)["liquidationPrice"])
    assert 50_000 < liquidation < 60_000

    set_mark(client, symbol, liquidation + RAW)
    still_open = position_row(taker, path, symbol)["positionAmt"]
    set_mark(client, symbol, liquidation)
    after = position_row(taker, path, symbol)["positionAmt"]

    assert Decimal(still_open) == Decimal(case[4])
    assert Decimal(after) == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_an_assets_cross_figures_are_the_engines_risk_unit(
    client: TestClient, case: tuple[str, ...]
) -> None:
    symbol, asset = case[0], case[2]
    open_long(client, case, isolated=False)
    set_mark(client, symbol, Decimal("58123.4"))
    venue = client.app.state.server.live.venue  # type: ignore[attr-defined]
    account = venue.accounts["taker"]

    figures = account_figures(venue, account)
    target = unit(venue, ("taker", asset))
    assert target is not None
    engine = unit_figures(venue, target)

    mine = figures.asset(asset)
    assert (mine.cross_wallet, mine.cross_unrealized, mine.cross_maintenance) == (
        engine.wallet,
        engine.unrealized,
        engine.maintenance,
    )
    (position,) = figures.positions
    assert (position.unrealized, position.maintenance) == (engine.unrealized, engine.maintenance)
    assert mine.unrealized < 0  # the mark fell below the entry
