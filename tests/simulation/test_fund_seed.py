"""A replay's funds are seeded with ``--fund`` USDT each; ``fund_seeded`` (runs.parquet) is the
USDT the funds it measures (their USDT margin balances, ``fund_end``) started with, so a COIN-M
fund, seeded in BTC, is not counted as USDT."""

from __future__ import annotations

import pytest

from liquidator.bootstrap import bundled_market
from liquidator.core.money.fixed import SCALE
from liquidator.simulation.replay import Replay
from liquidator.simulation.sweep.grid import RunSpec
from liquidator.simulation.sweep.profiles import profile
from liquidator.simulation.sweep.run import replay_config, usdt_seeded


def _replay(name: str, fund_usdt: int) -> Replay:
    spec = RunSpec(
        "window", "2021-05-19", "BTCUSDT", 0.0, 5, name, fund_usdt, 7, 0, 100, 0.6, 0.5, 0.2, 0,
        5_000, 5_000_000,
    )  # fmt: skip
    return Replay(profile(name).market(bundled_market()), replay_config(spec))


@pytest.mark.parametrize(("name", "usdt_funds"), [("binance", 2), ("hyperliquid", 1)])
def test_the_seeded_figure_counts_the_usdt_funds_and_the_btc_fund_holds_its_worth(
    name: str, usdt_funds: int
) -> None:
    replay = _replay(name, 300_000)
    ledger = replay.engine.venue.ledger
    funds = replay.fund_names

    seeded = usdt_seeded(replay.market, replay.config.insurance)
    assert seeded == usdt_funds * 300_000 * SCALE
    assert seeded == sum(ledger.balance(fund, "USDT") for fund in funds)
    # 300,000 USDT at 60,000 USDT per BTC: 5 BTC in the fund backing BTCUSD_PERP
    assert sum(ledger.balance(fund, "BTC") for fund in funds) == 5 * SCALE
