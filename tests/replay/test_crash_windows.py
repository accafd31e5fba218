"""The five real crash windows replay through a seeded population, liquidations where expected.

Each window (BTCUSDT 1-minute klines and Binance's funding file, ../shared/data/binance-crash)
is replayed along each minute's open-high/low-close path (``core.price_path``: no look-ahead).
Every isolated long without a stop-loss whose liquidation price (at entry) lies above the
window's low is liquidated, and every one whose price lies below it is spared (0.5% of slack for
funding); every liquidation starts at 100% margin ratio; the ledger balances.
"""

from __future__ import annotations

import pytest

from liquidator.adapters.marketdata.funding_file import read_funding
from liquidator.adapters.marketdata.klines import read_klines
from liquidator.core.contracts.market import Market
from liquidator.core.margin.unit import IntTiers, boundary_price
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig, ReplayResult, kline_ticks
from tests.conftest import SHARED

CRASH = SHARED / "data" / "binance-crash"
WINDOWS = [
    ("BTCUSDT-1m-2020-03_cut_20200312T0858Z-20200313T0418Z.csv", "2020-03"),
    ("BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv", "2021-05"),
    ("BTCUSDT-1m-2022-11_cut_20221108T1554Z-20221108T2235Z.csv", "2022-11"),
    ("BTCUSDT-1m-2024-08_cut_20240805T0055Z-20240805T0740Z.csv", "2024-08"),
    ("BTCUSDT-1m-2025-10_cut_20251010T1938Z-20251011T0213Z.csv", "2025-10"),
]


def market_tiers(market: Market) -> IntTiers:
    table = market.bracket_table("BTCUSDT")
    assert table is not None
    return IntTiers(table)


def replay(market: Market, name: str, month: str, count: int = 300) -> ReplayResult:
    funding = [
        (ms, "BTCUSDT", rate)
        for ms, rate in read_funding(CRASH / f"BTCUSDT-fundingRate-{month}.csv")
    ]
    run = Replay(market, ReplayConfig(population=PopulationConfig(count=count, seed=11)))
    result = run.run(kline_ticks(read_klines(CRASH / name), "BTCUSDT"), ["BTCUSDT"], funding)
    totals = run.engine.venue.ledger.totals()
    assert all(total == 0 for total in totals.values()), totals
    return result


@pytest.mark.parametrize(("name", "month"), WINDOWS, ids=[m for _, m in WINDOWS])
def test_crash_window_liquidates_longs_below_their_prices(
    market: Market, name: str, month: str
) -> None:
    result = replay(market, name, month)
    bars = list(read_klines(CRASH / name))
    low = min(bar.low for bar in bars)

    assert result.opened == 300
    liquidated = {item.account for item in result.liquidations}
    tiers = market_tiers(market)
    expected, spared = 0, 0
    for trader in result.traders:
        entry = result.entries.get(trader.name)
        if entry is None or not trader.long or trader.stop_distance is not None:
            continue
        _, quantity, cost, wallet = entry
        price = boundary_price(wallet, quantity, cost, tiers)
        if price > low * 1005 // 1000:  # the lows went through it: liquidated
            assert trader.name in liquidated, (trader.name, price, low)
            expected += 1
        elif price < low * 995 // 1000:  # never reached: spared
            assert trader.name not in liquidated, (trader.name, price, low)
            spared += 1
    assert expected > 0
    triggered = {t.account for t in result.triggered}
    assert {item.account for item in result.liquidations} <= triggered
    assert all(t.margin_balance <= t.maintenance_margin for t in result.triggered)


def test_the_same_replay_twice_gives_the_same_state_and_numbers(market: Market) -> None:
    name, month = WINDOWS[1]
    first = replay(market, name, month, count=200)
    second = replay(market, name, month, count=200)

    assert first.state_hash == second.state_hash
    assert first.summary() == second.summary()
