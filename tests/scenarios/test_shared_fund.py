"""A fund shared by contracts of two margin assets is seeded in each (USDT and BTC), so a
venue whose every symbol shares one fund (Hyperliquid's and dYdX's profiles) has a USDT fund
beside the COIN-M contract's BTC one."""

from __future__ import annotations

from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.scaled import SCALE
from liquidator.core.risk.insurance_groups import InsuranceConfig
from tests.scenarios.venue import Exchange


def test_one_shared_fund_is_seeded_in_every_margin_asset_of_its_symbols() -> None:
    insurance = InsuranceConfig(own_funds=(), seed=50 * SCALE)
    venue = Exchange(VenueConfig(insurance=insurance, market_maker=MarketMakerConfig()))

    ledger = venue.engine.venue.ledger
    assert ledger.balance("@insurance:shared", "USDT") == 50 * SCALE
    assert ledger.balance("@insurance:shared", "BTC") == 50 * SCALE
