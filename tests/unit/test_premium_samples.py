"""Each premium index sample is an event (``PremiumSampled``), and the premium klines its bars.

The engine samples the premium index every 5 s (binance-mechanics §9): the impact bid and ask
(what a 25,000 USDT order would average: 200 USDT of impact margin at 125x) against the index,
``[max(0, IB - PI) - max(0, PI - IA)] / PI`` at 10**-8, half-even. The sample goes into the
funding interval's average (the state) and, as an event, into the journal and the read models.
"""

from __future__ import annotations

import dataclasses

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.core.engine import Outcome
from liquidator.core.exchange.codec import decode_event, encode_event
from liquidator.core.exchange.events import PremiumSampled
from liquidator.core.exchange.orders import Side
from liquidator.read.history import HistoryBatch
from liquidator.read.market_history import INDEX, MINUTE_MS, PREMIUM, Bar, MarketHistory
from tests.scenarios.venue import BTC, START_MS, Exchange, exchange, of_type

ABOVE = 166_667  # (60,100 - 60,000) / 60,000 = 0.0016666.. -> 0.00166667
BELOW = -165_837  # -(60,300 - 60,200) / 60,300 = -0.0016583.. -> -0.00165837


def booked() -> Exchange:
    """BTCUSDT with the index at 60,000, a bid of 1 BTC at 60,100 and an ask of 1 at 60,200."""
    venue = exchange("bidder", "asker", deposit="100000")
    venue.limit("bidder", Side.BUY, "1", "60100")
    venue.limit("asker", Side.SELL, "1", "60200")
    return venue


def samples(outcome: Outcome) -> list[PremiumSampled]:
    return of_type(outcome, PremiumSampled)


def test_every_premium_sample_is_published_with_its_rate_and_time() -> None:
    venue = booked()

    first = venue.advance_to(START_MS + 5_000)
    venue.set_index("60300")
    second = venue.advance_to(START_MS + 10_000)
    between = venue.advance_to(START_MS + 14_999)  # not yet due

    assert samples(first) == [PremiumSampled(BTC, ABOVE, START_MS + 5_000)]
    assert samples(second) == [PremiumSampled(BTC, BELOW, START_MS + 10_000)]
    assert samples(between) == []


def test_the_published_samples_are_the_ones_the_funding_average_holds() -> None:
    venue = booked()
    published: list[PremiumSampled] = []

    for step in range(1, 7):
        published += samples(venue.advance_to(START_MS + step * 5_000))
        if step == 3:
            venue.set_index("60300")

    average = venue.engine.venue.symbols[BTC].premium
    assert [s.premium_index for s in published] == [ABOVE] * 3 + [BELOW] * 3
    assert average.count == len(published)
    assert average.to_state()[0] == sum(s.premium_index for s in published)


def test_a_clock_jump_takes_one_sample_not_one_per_missed_tick() -> None:
    venue = booked()

    jumped = venue.advance_to(START_MS + 60_000)

    assert samples(jumped) == [PremiumSampled(BTC, ABOVE, START_MS + 60_000)]


def test_no_sample_without_a_two_sided_book_or_an_index() -> None:
    one_sided = exchange("bidder", deposit="100000")
    one_sided.limit("bidder", Side.BUY, "1", "60100")

    assert samples(one_sided.advance_to(START_MS + 5_000)) == []


def test_a_sample_reads_back_from_its_journal_row() -> None:
    event = PremiumSampled(BTC, BELOW, START_MS)

    row = encode_event(event)

    assert row == ["PremiumSampled", BTC, BELOW, START_MS]
    assert decode_event(row) == event


# --- the read model -------------------------------------------------------------------------


def history(*events: PremiumSampled) -> MarketHistory:
    market = MarketHistory(SqliteHistory.memory())
    market.apply(list(events))
    return market


def sample(offset_ms: int, rate: int, symbol: str = BTC) -> PremiumSampled:
    return PremiumSampled(symbol, rate, START_MS + offset_ms)


def test_premium_bars_are_open_high_low_close_of_the_samples_and_count_them() -> None:
    market = history(
        sample(5_000, 10),
        sample(10_000, 40),
        sample(15_000, -20),
        sample(20_000, 5),
        sample(65_000, -7),
    )

    bars = market.klines(BTC, MINUTE_MS, mark=PREMIUM)

    assert bars == [
        Bar(START_MS, 10, 40, -20, 5, trades=4),
        Bar(START_MS + MINUTE_MS, -7, -7, -7, -7, trades=1),
    ]


def test_longer_premium_bars_merge_the_minutes() -> None:
    market = history(
        sample(5_000, 10), sample(65_000, -30), sample(125_000, 25), sample(185_000, 0)
    )

    (bar,) = market.klines(BTC, 5 * MINUTE_MS, mark=PREMIUM)

    assert bar == Bar(START_MS, 10, 25, -30, 0, trades=4)


def test_premium_bars_are_kept_apart_from_other_symbols_and_prices() -> None:
    market = history(sample(5_000, 10), sample(5_000, 99, "ETHUSDT"))

    assert market.klines(BTC, MINUTE_MS, mark=PREMIUM) == [Bar(START_MS, 10, 10, 10, 10, trades=1)]
    assert market.klines(BTC, MINUTE_MS, mark=INDEX) == []
    assert market.klines(BTC, MINUTE_MS) == []


def test_written_premium_bars_read_back_from_the_store_and_go_on() -> None:
    store = SqliteHistory.memory()
    market = MarketHistory(store)
    market.apply([sample(5_000, 10), sample(10_000, -3)])
    written = list(market.changed.items())
    store_bars = [(symbol, kind, bar) for (symbol, kind, _), bar in written]
    store.write(HistoryBatch(1, bars=store_bars))
    market.written()
    restarted = MarketHistory(store)  # a new process: nothing in memory
    restarted.apply([sample(15_000, 50)])

    assert restarted.klines(BTC, MINUTE_MS, mark=PREMIUM) == [
        Bar(START_MS, 10, 50, -3, 50, trades=3)
    ]


def test_reading_klines_leaves_the_minutes_being_built_as_they_are() -> None:
    market = history(sample(65_000, 10), sample(125_000, -30), sample(185_000, 25))
    building = {key: dataclasses.replace(bar) for key, bar in market.changed.items()}

    for interval in (MINUTE_MS, 5 * MINUTE_MS, 3 * MINUTE_MS, MINUTE_MS):
        market.klines(BTC, interval, mark=PREMIUM)
        market.klines(BTC, interval, mark=PREMIUM, start_ms=START_MS)

    assert market.changed == building  # a read merged copies, never the live bars
    assert market.klines(BTC, 5 * MINUTE_MS, mark=PREMIUM) == [
        Bar(START_MS, 10, 25, -30, 25, trades=3)
    ]
