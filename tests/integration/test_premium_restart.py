"""Premium index klines survive a restart: the bars are in the history tables beside the journal.

A clean restart reads no journal record again (the bars come from the store); after a crash
the records past the history checkpoint are caught up from their journaled ``PremiumSampled``
events; either way the candles equal those of a venue that never stopped.
"""

from __future__ import annotations

from pathlib import Path

from liquidator.app.journal import MemoryJournal
from liquidator.core.exchange.commands import Command, SetIndexPrice
from liquidator.core.money.fixed import Price
from liquidator.read.market_history import MINUTE_MS, PREMIUM, Bar
from tests.integration.test_histories import BTC, Venue, memory, round_trip, setup


def index_moves(number: int) -> list[Command]:
    """Trade, then move the index off the market maker's quotes (around the 60,000 mark)."""
    index = ("59000", "60000", "61000", "59500")[number % 4]
    return [*round_trip(number), SetIndexPrice(BTC, Price.of(index))]


def premium_bars(venue: Venue) -> list[Bar]:
    return venue.live.market.klines(BTC, MINUTE_MS, mark=PREMIUM, limit=1500)


def run(venue: Venue, first: int, last: int) -> None:
    for number in range(first, last):
        venue.run(index_moves(number))


def test_premium_klines_are_the_same_after_a_clean_restart(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue = Venue.on_file(path)
    venue.run(setup())
    run(venue, 0, 30)  # 210 commands, a second each: four minutes of samples
    before = premium_bars(venue)
    venue.live.close()

    again = Venue.on_file(path)

    assert again.live.caught_up == 0  # from the store, not rebuilt from the journal
    assert premium_bars(again) == before
    assert len(before) >= 3
    assert {bar.high for bar in before} != {0}  # the index moved off the quotes: a premium
    assert sum(bar.trades for bar in before) >= 30  # a sample every 5 s


def test_premium_klines_after_a_crash_equal_a_venue_that_never_stopped(tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    venue, reference = Venue.on_file(path, write_every=50), Venue(MemoryJournal(), memory())
    for each in (venue, reference):
        each.run(setup())
        run(each, 0, 20)
    venue.crash()  # the histories were written at record 50, 100: the rest is in the journal

    again = Venue.on_file(path)
    run(again, 20, 30)
    run(reference, 20, 30)

    assert 0 < again.live.caught_up < 50
    assert premium_bars(again) == premium_bars(reference)
