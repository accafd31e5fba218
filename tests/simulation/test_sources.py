"""A crash window replays several symbols together: BTCUSDT and ETHUSDT klines of one window."""

from __future__ import annotations

from pathlib import Path

import pytest

from liquidator.simulation.sweep import grid
from liquidator.simulation.sweep.run import execute
from liquidator.simulation.sweep.sources import window
from tests.conftest import SHARED

DATA = SHARED / "data" / "binance-crash"


def test_btc_and_eth_of_one_window_replay_together_in_time_order() -> None:
    source = window(DATA, "2022-11-08", ("BTCUSDT", "ETHUSDT"), minutes=90)
    plan = grid.parse(
        {
            "data": str(DATA),
            "symbols": ["BTCUSDT", "ETHUSDT"],
            "windows": ["2022-11-08"],
            "minutes": 90,
            "population": {"traders": 200},
        },
        Path("."),
    )

    outcome = execute(plan.runs[0], source)

    assert [t[:2] for t in source.ticks] == sorted(t[:2] for t in source.ticks)
    assert {t[1] for t in source.ticks} == {"BTCUSDT", "ETHUSDT"}
    assert {symbol for _, symbol, _ in source.funding} == {"BTCUSDT", "ETHUSDT"}
    assert {row[3] for row in outcome.events if row[1] == "LIQUIDATION"} == {"BTCUSDT", "ETHUSDT"}
    assert outcome.row["symbols"] == "BTCUSDT,ETHUSDT"
    assert execute(plan.runs[0], source).row["state_hash"] == outcome.row["state_hash"]


def test_a_window_missing_for_one_symbol_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="no ETHUSDT window '2025-10-10'"):
        window(DATA, "2025-10-10", ("BTCUSDT", "ETHUSDT"))
