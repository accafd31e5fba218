"""The COIN-M vector C1 (binance-mechanics §11.3) through the engine's integer model.

C1: BTCUSD_PERP cross long 100,000 contracts (100 USD each) at 45,000 with a 101 BTC wallet, in
bracket 7 at its liquidation price (MMR 12.5 %, cum 11.605 BTC). The calculator's liquidation
price is ``100000 x 100 x 1.125 / (101 + 11.605 + 10**7 / 45000) = 33599.41860562`` (docs/
formulas.md §3.5) and its bankruptcy price ``10**7 / (101 + 10**7 / 45000) = 30938.46682709``.
The engine's (the last mark its exact integer check breaches at, ``read.account_figures``) may
sit above the calculator's only by what one raw unit of margin (10**-8 BTC) is worth in price
there: ``10**-8 / (q x CS x (1 + mmr) / P**2)`` = about 100 raw price units.
"""

from __future__ import annotations

import json
from typing import Any

from liquidator.bootstrap import bundled_market
from liquidator.core.engine import Engine
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.margin.unit import IntTiers, bankruptcy_price, boundary_price
from liquidator.core.money.fixed import Price, Qty
from tests.conftest import GOLDEN

CALCULATOR_LIQUIDATION = Price.of("33599.41860562").raw
CALCULATOR_BANKRUPTCY = Price.of("30938.46682709").raw


def c1() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "coinm_c1_account.json").read_text())
    return data


def test_the_engine_liquidates_c1_within_one_unit_of_margin_of_the_calculator() -> None:
    account = c1()
    (row,) = account["positions"]
    tiers = engine_tiers()
    quantity = Qty.of(row["positionAmt"]).raw
    cost = tiers.value16(quantity, Price.of(row["entryPrice"]).raw)
    wallet = Price.of(account["crossWalletBalance"]).raw

    price = boundary_price(wallet, quantity, cost, tiers)

    # one raw unit of margin at P is worth 10**-8 / (10**7 x 1.125 / P**2) USD of price, i.e.
    # P_raw**2 / (1.125 x 10**23) raw price units (about 100 here)
    unit_in_price = price**2 * 1000 // (1125 * 10**23) + 1
    assert CALCULATOR_LIQUIDATION <= price <= CALCULATOR_LIQUIDATION + 2 * unit_in_price
    assert price == Price.of("33599.41860684").raw  # the engine's own answer, pinned


def test_the_engine_bankruptcy_price_of_c1_is_the_calculators() -> None:
    account = c1()
    (row,) = account["positions"]
    tiers = engine_tiers()
    quantity = Qty.of(row["positionAmt"]).raw
    cost = tiers.value16(quantity, Price.of(row["entryPrice"]).raw)
    wallet = Price.of(account["crossWalletBalance"]).raw

    assert bankruptcy_price(wallet, quantity, cost, tiers) == CALCULATOR_BANKRUPTCY


def engine_tiers() -> IntTiers:
    """Return BTCUSD_PERP's integer model as a venue on the bundled market holds it."""
    return Engine(bundled_market(), VenueConfig()).venue.symbols["BTCUSD_PERP"].tiers
