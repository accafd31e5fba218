"""A market that trades by itself: journaled takers, bounded, deterministic, funds conserved."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.clock import SimulatedClock
from liquidator.app.exchange import Exchange
from liquidator.app.flow import FLOW_ACCOUNT, Flow, FlowConfig, FlowError, parse_flow
from liquidator.app.live_exchange import LiveExchange
from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.commands import SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.ledger import EXTERNAL
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import SCALE, Price
from liquidator.read.market_history import MINUTE_MS

START_MS = 1_704_067_200_000
CONFIG = VenueConfig(market_maker=MarketMakerConfig(), mark_source=PriceSource.FEED)
PRICES = {"BTCUSDT": "60000", "ETHUSDT": "3000"}
LIQUIDATOR = Path(sys.executable).parent / "liquidator"


def open_live(path: Path, clock: SimulatedClock) -> LiveExchange:
    exchange = Exchange.open(bundled_market(), CONFIG, SqliteJournal(path))
    live = LiveExchange(exchange, clock, SqliteHistory.open(path))
    for symbol, price in PRICES.items():
        if live.venue.symbols[symbol].index_price == 0:
            live.submit(SetIndexPrice(symbol, Price.of(price)))
            live.submit(SetMarkPrice(symbol, Price.of(price)))
    return live


def run(
    live: LiveExchange, clock: SimulatedClock, flow: Flow, seconds: int, move_bps: int = 0
) -> int:
    """Drive the flow a second at a time as its task does (the marks moving ``move_bps`` up
    and down in turn); return the orders it sent."""
    sent = 0
    for command in flow.setup(live.venue):
        live.submit(command)
    for second in range(seconds):
        clock.advance(1_000)
        if move_bps:
            for symbol, price in PRICES.items():
                moved = Price.of(price).raw * (10_000 + move_bps * (second % 2)) // 10_000
                live.submit(SetIndexPrice(symbol, Price(moved - moved % 10**7)))
                live.submit(SetMarkPrice(symbol, Price(moved - moved % 10**7)))
        for order in flow.orders(live.venue, live.now_ms()):
            assert live.submit(order).rejection is None, order
            sent += 1
    return sent


def test_an_idle_venue_trades_every_minute_and_its_candles_have_volume(tmp_path: Path) -> None:
    clock = SimulatedClock(START_MS)
    live = open_live(tmp_path / "venue.sqlite", clock)
    outside = live.venue.ledger.balance(EXTERNAL, "USDT")

    sent = run(live, clock, Flow(FlowConfig(trades_per_minute=6, seed=1)), 600)

    # still marks: half the asked rate (3 a minute for 10 minutes, two symbols), and never a
    # minute without a trade
    assert 2 * 20 <= sent <= 2 * 50
    for symbol in PRICES:
        bars = live.market.klines(symbol, MINUTE_MS, start_ms=START_MS, limit=20)
        assert len(bars) == 10
        assert all(bar.trades >= 1 and bar.volume > 0 for bar in bars)
        day = live.market.day(symbol, live.now_ms())
        assert day is not None
        assert day.trades >= 10
        assert live.market.recent_trades(symbol, 5)
    ledger = live.venue.ledger
    totals: dict[str, int] = {}
    for (_, asset), balance in ledger.items():
        totals[asset] = totals.get(asset, 0) + balance
    assert all(total == 0 for total in totals.values())  # the deposit came from @external
    assert outside - ledger.balance(EXTERNAL, "USDT") == 1_000_000 * SCALE
    live.close()


def test_a_moving_market_trades_more_and_bigger_than_a_still_one(tmp_path: Path) -> None:
    counts, volumes = [], []
    for name, move in (("still", 0), ("moving", 10)):
        clock = SimulatedClock(START_MS)
        live = open_live(tmp_path / f"{name}.sqlite", clock)
        counts.append(run(live, clock, Flow(FlowConfig(trades_per_minute=12, seed=3)), 300, move))
        day = live.market.day("BTCUSDT", live.now_ms())
        assert day is not None
        volumes.append(day.volume / day.trades)
        live.close()

    assert counts[1] > 2 * counts[0]  # 10 bps moves: 2.5 times the reference's 4 bps
    assert volumes[1] > 2 * volumes[0]


def test_the_flow_never_holds_more_than_its_cap(tmp_path: Path) -> None:
    clock = SimulatedClock(START_MS)
    live = open_live(tmp_path / "venue.sqlite", clock)
    config = FlowConfig(trades_per_minute=120, seed=4, notional=5_000, max_notional=20_000)

    run(live, clock, Flow(config), 900)

    account = live.venue.accounts[FLOW_ACCOUNT]
    for symbol in PRICES:
        state = live.venue.symbols[symbol]
        position = account.find_position(symbol, PositionSide.BOTH)
        held = abs(position.quantity) if position else 0
        assert held * state.mark_price // SCALE <= 20_000 * SCALE + state.mark_price
    live.close()


def test_the_same_seed_and_clock_give_the_same_market_and_a_restart_replays_it(
    tmp_path: Path,
) -> None:
    hashes = []
    for name in ("a", "b"):
        clock = SimulatedClock(START_MS)
        live = open_live(tmp_path / f"{name}.sqlite", clock)
        run(live, clock, Flow(FlowConfig(trades_per_minute=30, seed=9)), 300)
        hashes.append(live.exchange.engine.state_hash())
        live.close()
    reopened = Exchange.open(bundled_market(), CONFIG, SqliteJournal(tmp_path / "a.sqlite"))

    assert hashes[0] == hashes[1]
    assert reopened.engine.state_hash() == hashes[0]
    reopened.close()


def test_a_clock_that_stands_still_trades_once_per_slot(tmp_path: Path) -> None:
    clock = SimulatedClock(START_MS)
    live = open_live(tmp_path / "venue.sqlite", clock)
    flow = Flow(FlowConfig(trades_per_minute=600, seed=2))
    for command in flow.setup(live.venue):
        live.submit(command)

    first = flow.orders(live.venue, live.now_ms())
    again = flow.orders(live.venue, live.now_ms())

    assert first
    assert not again
    live.close()


@pytest.mark.parametrize(("text", "rate"), [("none", 0), ("calm", 6), ("BUSY", 60), ("12.5", 12.5)])
def test_flow_values_are_presets_or_rates(text: str, rate: float) -> None:
    assert parse_flow(text) == rate


@pytest.mark.parametrize("text", ["fast", "-1", "nan", "inf", "1e3", "", "7000"])
def test_a_bad_flow_value_is_refused(text: str) -> None:
    with pytest.raises(FlowError, match="expected none, calm, busy"):
        parse_flow(text)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--flow", "fast"], b"argument --flow: 'fast': expected none, calm, busy"),
        (["--flow", "-3"], b"argument --flow: '-3': expected none, calm, busy"),
        (["--history", "-1"], b"argument --history: -1 is not within [0, 30]"),
        (["--history", "nan"], b"argument --history: 'nan'"),
    ],
)
def test_serve_refuses_a_bad_flow_or_history_in_one_line(
    tmp_path: Path, flags: list[str], message: bytes
) -> None:
    result = subprocess.run(
        [str(LIQUIDATOR), "serve", "--db", str(tmp_path / "x.sqlite"), "--port", "0", *flags],
        capture_output=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.count(b"\n") == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "x.sqlite").exists()
