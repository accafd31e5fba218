"""The account figures an API shows are the engine's: its risk units, and where it liquidates.

``read/account_figures.py`` is the one place positionRisk, account, balance and the user stream
take their figures from; these tests hold it to the engine itself on both families: the served
liquidation price is the last mark at which the engine liquidates (one raw unit above it, for a
long, it does not), and an asset's cross figures are the engine's risk unit's.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liquidator.core.exchange.commands import (
    CancelAllOrders,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetMarkPrice,
    SetPositionMode,
)
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.margin.unit import figures as unit_check
from liquidator.core.money.fixed import Amount, Price, Qty
from liquidator.core.risk.venue_units import unit, unit_figures, unit_key
from liquidator.read.account_figures import account_figures, position_figures
from tests.api.conftest import ADMIN, Account
from tests.scenarios.venue import Exchange

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


# --- a property over random accounts, on the engine itself ------------------------------------

CONTRACTS = {  # symbol: (margin asset, deposit, sizes the trader trades)
    "BTCUSD_PERP": ("BTC", "1", ("50", "100", "300")),
    "BTCUSDT": ("USDT", "10000", ("0.05", "0.1", "0.3")),
}
Leg = tuple[Side, int, int]  # side, size index, price offset in ticks of 10 USD


def engine_with(symbol: str, hedge: bool, isolated: bool, leverage: int, legs: list[Leg]) -> Any:
    """An engine where ``trader`` traded ``legs`` of ``symbol`` against a resting maker."""
    asset, deposit, sizes = CONTRACTS[symbol]
    venue = Exchange(VenueConfig(mark_source=PriceSource.FEED))
    for name in ("trader", "maker"):
        venue.accept(OpenAccount(name))
        venue.accept(Deposit(name, Amount.of(deposit if name == "trader" else "1000000", asset)))
    venue.accept(SetIndexPrice(symbol, Price.of("60000")))
    venue.accept(SetMarkPrice(symbol, Price.of("60000")))
    if hedge:
        venue.accept(SetPositionMode("trader", hedge))
    if isolated:
        venue.accept(SetMarginType("trader", symbol, MarginType.ISOLATED))
    venue.accept(SetLeverage("trader", symbol, leverage))
    for side, size, offset in legs:
        price = Price.of(str(60_000 + 10 * offset))
        quantity = Qty.of(sizes[size])
        other = Side.SELL if side is Side.BUY else Side.BUY
        resting = PlaceOrder("maker", symbol, other, OrderType.LIMIT, quantity, price)
        venue.accept(replace(resting, time_in_force=TimeInForce.GTC))
        taking = PlaceOrder("trader", symbol, side, OrderType.MARKET, quantity)
        if hedge:
            leg = PositionSide.LONG if side is Side.BUY else PositionSide.SHORT
            taking = replace(taking, position_side=leg)
        venue.handle(taking)  # may be refused (margin): the account is whatever it became
        venue.accept(CancelAllOrders("maker", symbol))
    return venue


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    symbol=st.sampled_from(sorted(CONTRACTS)),
    hedge=st.booleans(),
    isolated=st.booleans(),
    leverage=st.integers(1, 20),
    legs=st.lists(
        st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(0, 2), st.integers(-50, 50)),
        min_size=1,
        max_size=3,
    ),
    move=st.integers(-40, 40),
)
def test_the_read_models_figures_are_the_engines_on_random_accounts(
    symbol: str, hedge: bool, isolated: bool, leverage: int, legs: list[Leg], move: int
) -> None:
    venue = engine_with(symbol, hedge, isolated, leverage, legs)
    venue.accept(SetMarkPrice(symbol, Price.of(str(60_000 + 100 * move))))
    state = venue.engine.venue
    account = state.accounts["trader"]

    figures = account_figures(state, account)

    asset = CONTRACTS[symbol][0]
    for f in figures.positions:
        target = unit(state, unit_key(state, account, f.position))
        assert target is not None
        if target.isolated:
            engine = unit_figures(state, target)
            assert (f.unrealized, f.maintenance) == (engine.unrealized, engine.maintenance)
        assert_boundary(state, target, symbol, position_figures(state, account, f.position))
    cross = unit(state, ("trader", asset))
    assert cross is not None
    engine = unit_figures(state, cross)
    mine = figures.asset(asset)
    assert (mine.cross_unrealized, mine.cross_maintenance) == (
        engine.unrealized,
        engine.maintenance,
    )


def assert_boundary(state: Any, target: Any, symbol: str, f: Any) -> None:
    """The liquidation price is the boundary of the engine's own check: breached at it, not one
    raw unit toward the mark (the symbol's positions in the unit all at the trial mark); and
    no mark between it and the mark breaches (sampled: the nearest boundary is the one shown)."""
    price = f.liquidation_price
    net = sum(p.quantity for p in target.positions if p.symbol == symbol)
    if price == 0 or net == 0:
        return
    wallet = state.ledger.balance(target.wallet_key, target.asset)
    tiers = {p.symbol: state.symbols[p.symbol].tiers for p in target.positions}

    def breached(mark: int) -> bool:
        return unit_check(wallet, target.positions, {symbol: mark}, tiers).is_breached

    mark = state.symbols[symbol].mark_price
    if price == mark:  # breached at the mark already
        assert breached(price)
        return
    safer = price + 1 if price < mark else price - 1
    assert breached(price)
    assert not breached(safer)
    assert not any(breached(price + (mark - price) * k // 16) for k in range(1, 16))
