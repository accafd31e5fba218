"""Past candles at start: written once before the venue's own bars, continuous with its price."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from liquidator.adapters.marketdata.klines import read_klines
from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.clock import SimulatedClock
from liquidator.app.exchange import Exchange
from liquidator.app.live_exchange import LiveExchange
from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.commands import SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.money.fixed import SCALE, Price
from liquidator.read.market_history import INDEX, LAST, MARK, MINUTE_MS
from liquidator.read.seeded_history import DAY_MS, HistorySeed, seed_history

BTC, ETH = "BTCUSDT", "ETHUSDT"
START_MS = 1_704_067_200_000 + 12_345
LIQUIDATOR = Path(sys.executable).parent / "liquidator"
CONFIG = VenueConfig(market_maker=MarketMakerConfig(), mark_source=PriceSource.FEED)


def open_live(path: Path, now_ms: int = START_MS) -> LiveExchange:
    exchange = Exchange.open(bundled_market(), CONFIG, SqliteJournal(path))
    live = LiveExchange(exchange, SimulatedClock(now_ms), SqliteHistory.open(path))
    for symbol, price in ((BTC, "60000"), (ETH, "3000")):
        if live.venue.symbols[symbol].index_price == 0:
            live.submit(SetIndexPrice(symbol, Price.of(price)))
            live.submit(SetMarkPrice(symbol, Price.of(price)))
    return live


def seed(live: LiveExchange, plan: HistorySeed) -> int:
    return seed_history(live.venue, live.market, live.histories.store, live.now_ms(), plan)


def test_a_fresh_venue_answers_two_days_of_minutes_ending_at_its_price(tmp_path: Path) -> None:
    live = open_live(tmp_path / "venue.sqlite")
    written = seed(live, HistorySeed(days=2, seed=3))
    minute = START_MS - START_MS % MINUTE_MS

    assert written == 2 * 3 * 2 * 1440  # two symbols, three kinds, two days of minutes
    for kind in (LAST, MARK, INDEX):
        bars = live.market.klines(BTC, MINUTE_MS, mark=kind, end_ms=minute - 1, limit=1500)
        assert len(bars) == 1500
        assert [b.open_ms for b in bars] == list(
            range(minute - 1500 * MINUTE_MS, minute, MINUTE_MS)
        )
        assert bars[-1].close == 60_000 * SCALE  # the live price goes on from the last close
        assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)
        assert all(b.open_ms % MINUTE_MS == 0 for b in bars)
    trades = live.market.klines(BTC, MINUTE_MS, mark=LAST, end_ms=minute - 1, limit=10)
    assert all(b.volume > 0 and 0 < b.taker_buy_volume < b.volume for b in trades)
    day = live.market.day(BTC, live.now_ms())
    assert day is not None
    assert day.volume > 0
    assert day.open_ms == minute - DAY_MS + MINUTE_MS
    live.close()


def test_a_restart_writes_nothing_and_keeps_the_same_bars(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    live = open_live(path)
    seed(live, HistorySeed(days=1, seed=3))
    before = live.market.klines(ETH, 15 * MINUTE_MS, mark=MARK, limit=200)
    live.close()

    again = open_live(path, START_MS + 3 * 3_600_000)
    written = seed(again, HistorySeed(days=1, seed=3))

    assert written == 0
    assert (
        again.market.klines(ETH, 15 * MINUTE_MS, mark=MARK, start_ms=0, limit=200)[
            : len(before) - 1
        ]
        == before[:-1]
    )
    again.close()


def test_the_same_seed_and_clock_give_the_same_past(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b", "c"):
        live = open_live(tmp_path / f"{name}.sqlite")
        seed(live, HistorySeed(days=0.5, seed=11 if name != "c" else 12))
        runs.append(live.market.klines(BTC, 5 * MINUTE_MS, limit=100))
        live.close()

    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_the_past_moves_as_the_walk_does(tmp_path: Path) -> None:
    live = open_live(tmp_path / "venue.sqlite")
    seed(live, HistorySeed(days=2, seed=5, step_bps=20))
    bars = live.market.klines(BTC, MINUTE_MS, limit=1500, end_ms=START_MS - MINUTE_MS)
    closes = [b.close for b in bars]
    moves = [abs(b - a) * 10_000 / a for a, b in itertools.pairwise(closes)]
    mean_move = sum(moves) / len(moves)

    assert 10 < mean_move < 22  # E|N(0, 20 bps)| = 16 bps
    live.close()


@pytest.mark.parametrize("days", [-1, 31])
def test_a_plan_out_of_bounds_is_refused(days: float) -> None:
    with pytest.raises(ValueError, match="days"):
        HistorySeed(days=days)


CRASH_FILE = "binance-crash/BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"


def test_a_recorded_file_gives_its_shape_scaled_to_the_venue_s_price(
    tmp_path: Path, shared: Path
) -> None:
    recorded = list(read_klines(shared / "data" / CRASH_FILE))
    shape = tuple((k.open, k.high, k.low, k.close, k.volume) for k in recorded)
    live = open_live(tmp_path / "venue.sqlite")
    minute = START_MS - START_MS % MINUTE_MS

    written = seed(live, HistorySeed(days=2, seed=3, shape=shape))

    assert written == 2 * 3 * len(shape)  # the whole file fits in two days: every minute
    bars = live.market.klines(BTC, MINUTE_MS, end_ms=minute - 1, limit=1500)
    assert len(bars) == len(shape)
    assert bars[-1].close == 60_000 * SCALE
    last_close = shape[-1][3]
    for bar, row in zip(bars, shape, strict=True):  # the same moves, at the venue's price
        expected = row[1] * 60_000 * SCALE // last_close
        assert bar is bars[-1] or 0 <= expected - bar.high < 10**7  # down to the 0.1 tick
    quote = sum(bar.quote for bar in bars) / SCALE / SCALE
    file_quote = sum(k.volume * k.close for k in recorded) / SCALE / SCALE
    assert abs(quote - file_quote) / file_quote < 0.05  # the same notional traded
    live.close()


def test_serve_refuses_a_history_file_that_is_not_klines_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("open,high\n1,2\n")

    result = subprocess.run(
        [
            *(str(LIQUIDATOR), "serve", "--db", str(tmp_path / "x.sqlite"), "--port", "0"),
            *("--history-file", str(tmp_path / "notes.csv")),
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.count(b"\n") == 1, result.stderr
    assert result.stderr.startswith(b"liquidator: error: --history-file: ")
