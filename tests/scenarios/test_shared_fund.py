"""A fund shared by contracts of two margin assets is seeded in each (USDT and BTC), so a
venue whose every symbol shares one fund (Hyperliquid's and dYdX's profiles) has a USDT fund
beside the COIN-M contract's BTC one; each is worth the seed in USDT, the BTC one at its
reference price (``InsuranceConfig.seed_prices``), rounded down against the fund."""

from __future__ import annotations

import pytest

from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.scaled import SCALE
from liquidator.core.risk.insurance_groups import ANY_COIN, InsuranceConfig
from tests.scenarios.venue import Exchange


def test_one_shared_fund_is_seeded_in_every_margin_asset_of_its_symbols() -> None:
    insurance = InsuranceConfig(own_funds=(), seed=50 * SCALE)
    venue = Exchange(VenueConfig(insurance=insurance, market_maker=MarketMakerConfig()))

    ledger = venue.engine.venue.ledger
    assert ledger.balance("@insurance:shared", "USDT") == 50 * SCALE
    # 50 USDT at 60,000 USDT per BTC: 0.000833333... BTC, floored to 0.00083333
    assert ledger.balance("@insurance:shared", "BTC") == 83_333


def test_the_coinm_fund_holds_the_usdt_seed_s_worth_in_btc_at_the_reference_price() -> None:
    venue = Exchange(VenueConfig())  # 1,000,000 USDT a fund; BTC at 60,000 USDT

    ledger = venue.engine.venue.ledger
    assert ledger.balance("@insurance:BTCUSDT", "USDT") == 1_000_000 * SCALE
    assert ledger.balance("@insurance:ETHUSDT", "USDT") == 1_000_000 * SCALE
    # 1,000,000 / 60,000 = 16.6666666666... BTC, floored to 16.66666666 (the fund's worth at
    # the reference price never exceeds the seed: 16.66666666 x 60,000 = 999,999.9996 USDT)
    assert ledger.balance("@insurance:shared", "BTC") == 1_666_666_666


def test_the_seed_is_valued_at_the_price_stated_for_the_coin() -> None:
    insurance = InsuranceConfig(seed=2_000_000 * SCALE, seed_prices=(("BTC", 80_000 * SCALE),))

    assert insurance.seed_in("BTC", coin_margined=True) == 25 * SCALE
    assert insurance.seed_in("USDT", coin_margined=False) == 2_000_000 * SCALE
    assert insurance.seed_in("USDC", coin_margined=False) == 2_000_000 * SCALE  # at par


def test_a_coin_without_a_reference_price_is_refused_unless_any_coin_prices_it() -> None:
    insurance = InsuranceConfig(seed_prices=(("BTC", 60_000 * SCALE),))
    with pytest.raises(ValueError, match="no seed price for the XRP insurance fund"):
        insurance.seed_in("XRP", coin_margined=True)

    every = InsuranceConfig(seed=SCALE, seed_prices=((ANY_COIN, SCALE // 2),))
    assert every.seed_in("XRP", coin_margined=True) == 2 * SCALE


@pytest.mark.parametrize(
    "prices", [(("BTC", 0),), (("BTC", -1),), (("BTC", SCALE), ("BTC", 2 * SCALE))]
)
def test_a_seed_price_that_is_not_positive_or_given_twice_is_refused(
    prices: tuple[tuple[str, int], ...],
) -> None:
    with pytest.raises(ValueError, match="seed price"):
        InsuranceConfig(seed_prices=prices)
