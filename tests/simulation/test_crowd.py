"""The living population: arrivals, exits, re-entry, dip-buyers, whales, trader to trader.

A seeded crowd on the first three hours of a real window (2021-05-19) and on worked cases of its
minute decisions: the same seed gives the same state hash; traders arrive after the start and
leave before the end; the house holds only the imbalance of longs and shorts; the ledger
balances; a liquidated trader can come back; a dip brings longs; an open-interest path is
followed; whales stay within their bracket's leverage.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import pytest

from liquidator.adapters.input_files import InputFileError
from liquidator.adapters.marketdata.klines import read_klines
from liquidator.adapters.marketdata.open_interest import read_open_interest
from liquidator.bootstrap import bundled_market
from liquidator.core.money.fixed import SCALE
from liquidator.simulation.crowd import Crowd, CrowdConfig, Roster, _poisson
from liquidator.simulation.feeds import kline_ticks
from liquidator.simulation.population import HOUSE, PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig, ReplayResult
from tests.conftest import SHARED

CRASH = SHARED / "data" / "binance-crash"
KLINES = CRASH / "BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"
START = 1_621_418_580_000  # 2021-05-19 10:03 UTC


def living(count: int = 300, minutes: int = 180, **crowd: object) -> tuple[Replay, ReplayResult]:
    bars = list(read_klines(KLINES))[:minutes]
    config = ReplayConfig(
        population=PopulationConfig(count=count, seed=11),
        crowd=CrowdConfig(**crowd),  # type: ignore[arg-type]
    )
    replay = Replay(bundled_market(), config)
    return replay, replay.run(kline_ticks(bars, "BTCUSDT"), ["BTCUSDT"])


@pytest.fixture(scope="module")
def run() -> tuple[Replay, ReplayResult]:
    return living()


def test_the_same_seed_gives_the_same_state_hash(run: tuple[Replay, ReplayResult]) -> None:
    _, again = living()

    assert again.state_hash == run[1].state_hash
    assert len(again.traders) == len(run[1].traders)


def test_traders_arrive_after_the_start_and_leave_before_the_end(
    run: tuple[Replay, ReplayResult],
) -> None:
    replay, result = run
    venue = replay.engine.venue
    names = [t.name for t in result.traders]
    late = names[300:]
    gone = [
        name
        for name in names
        if not venue.accounts[name].open_positions()
        and name not in {item.account for item in result.liquidations}
    ]

    assert len(late) > 50  # ~0.2 an hour of 300, re-entries and dip-buyers, over 3 hours
    assert len(gone) > 50  # exits (and stops), not liquidations
    assert all(total == 0 for total in venue.ledger.totals().values())


def test_the_house_holds_only_the_imbalance() -> None:
    replay, result = living(minutes=1)  # the first batch: every trader opens
    venue = replay.engine.venue
    held = [
        p.quantity
        for t in result.traders
        for p in venue.accounts[t.name].open_positions()
        if p.symbol == "BTCUSDT"
    ]
    (house,) = (p.quantity for p in venue.accounts[HOUSE].open_positions())
    longs = sum(q for q in held if q > 0)
    shorts = -sum(q for q in held if q < 0)

    assert len(held) == len(result.traders) == 300
    assert shorts > longs // 3  # traders hold each other's other side
    assert house == shorts - longs  # the house took the imbalance, nothing more


def test_a_liquidated_trader_can_come_back(run: tuple[Replay, ReplayResult]) -> None:
    _, result = run
    back = [t for t in result.traders if "-r" in t.name]
    liquidated = {item.account for item in result.liquidations if not item.partial}

    assert back
    assert all(t.name.split("-r")[0] in liquidated or "-r" in t.name for t in back)


def test_a_dip_brings_longs_beyond_the_usual_mix() -> None:
    config = CrowdConfig(exit_per_hour=0, dip_per_hour=60, dip_drawdown=0.03)
    crowd = Crowd(
        PopulationConfig(count=600, long_share=0.0), config, ["BTCUSDT"], bundled_market()
    )
    crowd.minute(START, START, {"BTCUSDT": 40_000 * SCALE})

    calm = crowd.minute(START + 60_000, START, {"BTCUSDT": 39_500 * SCALE})
    dip = crowd.minute(START + 120_000, START, {"BTCUSDT": 38_000 * SCALE})

    assert calm.arrivals == []
    assert len(dip.arrivals) > 0
    assert all(t.long for t in dip.arrivals)  # long_share 0: only dip-buyers buy


def test_an_open_interest_path_is_followed() -> None:
    path = ((START, 100 * SCALE), (START + 300_000, 50 * SCALE), (START + 600_000, 80 * SCALE))
    config = CrowdConfig(exit_per_hour=0, dip_per_hour=0, open_interest=(("BTCUSDT", path),))
    crowd = Crowd(PopulationConfig(count=200), config, ["BTCUSDT"], bundled_market())
    for trader in crowd.first():
        crowd.opened(trader)
    prices = {"BTCUSDT": 40_000 * SCALE}

    halved = crowd.minute(START + 300_000, START, prices)
    for name in halved.exits:
        crowd.closed(name, liquidated=False, now=START + 300_000)
    regrown = crowd.minute(START + 600_000, START, prices)

    assert len(halved.exits) == 100
    assert halved.arrivals == []
    assert len(regrown.arrivals) == 60  # 80% of 200, from 100 open


def test_whales_reach_high_brackets_within_their_leverage() -> None:
    market = bundled_market()
    config = CrowdConfig(whale_share=1.0)
    crowd = Crowd(PopulationConfig(count=50), config, ["BTCUSDT"], market)
    table = market.bracket_table("BTCUSDT")
    assert table is not None

    whales = crowd.first()

    assert all(5_000_000 <= t.notional <= 40_000_000 for t in whales)
    assert all(t.leverage <= table.max_leverage_at(Fraction(t.notional)) for t in whales)


def test_open_interest_from_a_metrics_file_and_an_open_interest_history(tmp_path: Path) -> None:
    metrics = tmp_path / "BTCUSDT-metrics-2024-08-05.csv"
    metrics.write_text(
        "create_time,symbol,sum_open_interest,sum_open_interest_value,"
        "count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,"
        "count_long_short_ratio,sum_taker_long_short_vol_ratio\n"
        "2024-08-05 00:05:00,BTCUSDT,80000.123,4400000000.5,1.1,1.2,1.3,0.9\n"
        "2024-08-05 00:00:00,BTCUSDT,81000.5,4500000000.5,1.1,1.2,1.3,0.9\n",
        encoding="utf-8",
    )
    history = tmp_path / "oi.json"
    history.write_text(
        json.dumps(
            [
                {"symbol": "BTCUSDT", "sumOpenInterest": "81000.5", "timestamp": 1722816000000},
                {"symbol": "ETHUSDT", "sumOpenInterest": "9.0", "timestamp": 1722816000000},
            ]
        ),
        encoding="utf-8",
    )

    assert read_open_interest(metrics, "BTCUSDT") == [
        (1_722_816_000_000, 81_000_50_000_000),
        (1_722_816_300_000, 80_000_12_300_000),
    ]
    assert read_open_interest(history, "BTCUSDT") == [(1_722_816_000_000, 81_000_50_000_000)]
    with pytest.raises(InputFileError, match="is a klines file, not metrics"):
        read_open_interest(KLINES, "BTCUSDT")


def test_the_roster_finds_the_names_a_list_of_the_open_traders_would_give() -> None:
    roster, names = Roster(), []
    rng = random.Random(5)
    for number in range(20 * Roster.BLOCK):
        roster.add(f"t{number}")
        names.append(f"t{number}")
        if number % 3 == 0:  # removals in every block
            roster.remove(names.pop(rng.randrange(len(names))))
    for name in [name for name in names if roster.block_of[name] == 1]:  # a block emptied
        roster.remove(name)
        names.remove(name)

    assert roster.at(list(range(len(names)))) == names
    places = rng.sample(range(len(names)), 50)
    assert roster.at(places) == [names[place] for place in sorted(places)]


def test_exits_are_the_draw_from_the_list_of_open_traders() -> None:
    crowd = Crowd(
        PopulationConfig(count=6_000, seed=3), CrowdConfig(), ["BTCUSDT"], bundled_market()
    )
    for trader in crowd.first():
        crowd.opened(trader)
    for name in list(crowd.open)[::7]:
        crowd.closed(name, liquidated=False, now=0)
    twin = random.Random()
    twin.setstate(crowd.rng.getstate())
    names = list(crowd.open)
    count = _poisson(twin, len(names) * CrowdConfig().exit_per_hour / 60)

    exits = crowd.minute(60_000, 0, {"BTCUSDT": 60_000 * SCALE}).exits

    assert count > 0
    assert exits == sorted(twin.sample(names, count))


def test_the_leverage_cap_of_an_arrival_is_its_brackets() -> None:
    market = bundled_market()
    crowd = Crowd(PopulationConfig(count=1), CrowdConfig(), ["BTCUSDT", "ETHUSDT"], market)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        table = market.bracket_table(symbol)
        assert table is not None
        floors = [b.floor.raw // SCALE for b in table.brackets]
        for notional in {n + d for n in floors for d in (-1, 0, 1) if n + d >= 0} | {10**12}:
            expected = table.max_leverage_at(Fraction(notional))
            assert crowd._max_leverage(symbol, notional) == expected
