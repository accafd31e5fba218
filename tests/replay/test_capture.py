"""The real 2023-04-04/05 BTCUSDT capture: the book rebuilt from diffs, funding at 00:00 UTC.

The 04-04 file holds one REST depth snapshot among the diffs; from there the book is rebuilt,
and at every book ticker whose update id is the last id of a diff (1,565 of them), the rebuilt
best bid and ask (price and quantity) after that diff equal the ticker's. Then the engine
replays the mark of both files with a seeded population: the funding settles at 00:00 with the
capture's rate, and the ledger balances at the end.
"""

from __future__ import annotations

from itertools import chain

from liquidator.adapters.marketdata.capture import (
    BookTicker,
    DepthBook,
    DepthSnapshot,
    DepthUpdate,
    MarkPrice,
    Trade,
    read_capture,
)
from liquidator.core.contracts.market import Market
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig
from tests.conftest import SHARED

DATA = SHARED / "data" / "binance-usdm"
FILES = ("hftbacktest_usdm_btcusdt_20230404.dat.gz", "hftbacktest_usdm_btcusdt_20230405.dat.gz")
MIDNIGHT = 1_680_652_800_000


def messages() -> chain[object]:
    return chain.from_iterable(read_capture(DATA / name) for name in FILES)


def test_rebuilt_book_matches_every_book_ticker_at_a_diffs_update_id() -> None:
    book = DepthBook()
    tops: dict[int, object] = {}  # a diff's last update id -> the best bid and ask after it
    tickers: list[BookTicker] = []
    for message in messages():
        if isinstance(message, DepthSnapshot):
            book.reset(message)
        elif isinstance(message, DepthUpdate) and book.last_id:
            book.apply(message)
            tops[message.last_id] = (book.best_bid(), book.best_ask())
        elif isinstance(message, BookTicker):
            tickers.append(message)  # it may arrive before or after its diff

    matching = [t for t in tickers if t.update_id in tops]
    mismatched = [
        t for t in matching if tops[t.update_id] != ((t.bid, t.bid_qty), (t.ask, t.ask_qty))
    ]
    assert len(matching) > 1_000
    assert mismatched == []


def test_capture_holds_the_insurance_fund_print() -> None:
    prints = [m for m in messages() if isinstance(m, Trade) and m.kind != "MARKET"]

    assert [(t.trade_id, t.kind) for t in prints] == [(3535191080, "INSURANCE_FUND")]


def test_engine_replay_settles_funding_at_midnight_with_the_captures_rate(market: Market) -> None:
    marks = [m for m in messages() if isinstance(m, MarkPrice)]
    rate_before = [m.funding_rate for m in marks if m.ts_ms < MIDNIGHT][-1]
    replay = Replay(market, ReplayConfig(population=PopulationConfig(count=100, seed=5)))
    funding = [(m.ts_ms, m.symbol, m.funding_rate) for m in marks]
    ticks = [(m.ts_ms, m.symbol, m.mark) for m in marks]
    result = replay.run(ticks, ["BTCUSDT"], funding)

    assert result.opened == 100
    (at_midnight,) = [
        s for s in result.funding if s.symbol == "BTCUSDT" and s.funding_ms == MIDNIGHT
    ]
    assert at_midnight.funding_rate == rate_before == 2_754  # 0.00002754
    assert at_midnight.positions > 0
    totals = replay.engine.venue.ledger.totals()
    assert all(total == 0 for total in totals.values())
