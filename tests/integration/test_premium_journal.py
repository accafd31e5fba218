"""Premium samples in the journal: a new journal's records carry them and replay verified; a
journal written before samples were events (its venue configuration without
``publish_premium_samples``) goes on without them, so it still replays as written."""

from __future__ import annotations

import json
from dataclasses import replace

from liquidator.app.exchange import Exchange
from liquidator.app.journal import MemoryJournal
from liquidator.app.venue_config import decode_venue_config, encode_venue_config
from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.commands import AdvanceTime, SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.money.fixed import Price

BTC = "BTCUSDT"
START_MS = 1_704_067_200_000
SERVE = VenueConfig(market_maker=MarketMakerConfig(), mark_source=PriceSource.FEED)
BEFORE = replace(SERVE, publish_premium_samples=False)
FIELD = ',"publish_premium_samples":true'


def run_a_minute(exchange: Exchange, first_ms: int) -> None:
    """Prices off each other (a premium), then a second at a time for a minute."""
    exchange.submit(SetIndexPrice(BTC, Price.of("59000")), first_ms)
    exchange.submit(SetMarkPrice(BTC, Price.of("60000")), first_ms)
    for second in range(1, 61):
        exchange.submit(AdvanceTime(), first_ms + second * 1_000)
    exchange.flush()


def sampled_records(journal: MemoryJournal) -> int:
    return sum(
        any(row[0] == "PremiumSampled" for row in json.loads(record.events))
        for record in journal.records_after(0)
    )


def test_a_new_journal_records_each_sample_and_replays_verified() -> None:
    journal = MemoryJournal()
    exchange = Exchange.open(bundled_market(), SERVE, journal)
    run_a_minute(exchange, START_MS + 1_000)

    reopened = Exchange.open(bundled_market(), SERVE, journal)  # replays every record, verified

    assert sampled_records(journal) == 12  # one every 5 s
    assert reopened.engine.state_hash() == exchange.engine.state_hash()


def test_a_configuration_text_without_the_field_reads_as_no_sample_events() -> None:
    text = encode_venue_config(SERVE)

    older = decode_venue_config(text.replace(FIELD, ""))

    assert FIELD in text
    assert older.publish_premium_samples is False
    assert older == BEFORE


def test_an_older_journal_goes_on_without_samples_and_still_replays_as_written() -> None:
    journal = MemoryJournal()
    journal.record_venue_config(encode_venue_config(SERVE).replace(FIELD, ""))
    written = Exchange.open(bundled_market(), SERVE, journal)  # today's options, as serve gives
    run_a_minute(written, START_MS + 1_000)

    reopened = Exchange.open(bundled_market(), SERVE, journal)
    run_a_minute(reopened, START_MS + 62_000)
    again = Exchange.open(bundled_market(), None, journal)  # journal verify's way

    assert sampled_records(journal) == 0
    assert reopened.engine.venue.symbols[BTC].premium.count > 0  # sampled all the same
    assert again.engine.state_hash() == reopened.engine.state_hash()
