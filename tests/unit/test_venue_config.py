"""A journal records the venue configuration it is written with, and replays with it unasked."""

from __future__ import annotations

from dataclasses import replace

import pytest

from liquidator.app.exchange import Exchange
from liquidator.app.journal import JournalError, MemoryJournal
from liquidator.app.venue_config import (
    decode_venue_config,
    differences,
    encode_venue_config,
    venue_config_of,
)
from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.commands import OpenAccount, SetMarkPrice
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import FeeSchedule, PriceSource, VenueConfig
from liquidator.core.money.fixed import SCALE, Price
from liquidator.core.risk.adl_ranking import AdlPolicy
from liquidator.core.risk.insurance_groups import LEGACY_SEED_PRICES, InsuranceConfig

SERVE = VenueConfig(mark_source=PriceSource.FEED)
CUSTOM = VenueConfig(
    fees=FeeSchedule(maker_rate=10_000, taker_rate=40_000),
    market_maker=MarketMakerConfig(levels=3, spread_bps=5),
    insurance=InsuranceConfig(own_funds=("BTCUSDT",), seed=5 * SCALE),
    adl_policy=list(AdlPolicy)[-1],
    adl_interval_ms=0,
)


@pytest.mark.parametrize("config", [VenueConfig(), SERVE, CUSTOM])
def test_a_configuration_survives_its_text(config: VenueConfig) -> None:
    assert decode_venue_config(encode_venue_config(config)) == config


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"fees": 1}',
        encode_venue_config(SERVE).replace('"feed"', '"psychic"'),
        encode_venue_config(SERVE).replace('"adl_interval_ms":30000', '"adl_interval_ms":"30000"'),
        encode_venue_config(SERVE).replace('"maker_rate":20000', '"maker_rate":-1'),
        encode_venue_config(SERVE).replace(',"adl_interval_ms":30000', ""),
        encode_venue_config(SERVE).replace('[["BTC",', '[["BTC", "1",'),
        encode_venue_config(SERVE).replace('[["BTC",6000000000000]', '[["BTC",6e12]'),
        encode_venue_config(SERVE).replace('[["BTC",6000000000000]', '[["BTC",0]'),
    ],
)
def test_a_damaged_configuration_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):  # each names what is wrong
        decode_venue_config(text)


def test_differences_name_the_fields() -> None:
    assert differences(SERVE, VenueConfig()) == ["mark_source"]
    assert "market_maker" in differences(CUSTOM, VenueConfig())
    assert "fees.maker_rate" in differences(CUSTOM, VenueConfig())


def test_a_new_journal_records_its_configuration_and_readers_replay_with_it() -> None:
    journal = MemoryJournal()
    exchange = Exchange.open(bundled_market(), SERVE, journal)
    exchange.submit(SetMarkPrice("BTCUSDT", Price(60_000 * SCALE)), 1_700_000_000_000)
    exchange.submit(OpenAccount("alice"), 1_700_000_000_001)
    exchange.flush()

    reopened = Exchange.open(bundled_market(), None, journal)

    assert venue_config_of(journal, None) == SERVE
    assert reopened.engine.state_hash() == exchange.engine.state_hash()


def test_opening_a_journal_with_another_configuration_is_refused_in_one_line() -> None:
    journal = MemoryJournal()
    Exchange.open(bundled_market(), SERVE, journal).submit(OpenAccount("a"), 1)

    with pytest.raises(JournalError) as refused:
        Exchange.open(bundled_market(), VenueConfig(), journal)

    assert "mark_source differ" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_journal_without_a_configuration_needs_one_given() -> None:
    with pytest.raises(JournalError, match="does not record the venue configuration"):
        venue_config_of(MemoryJournal(), None)


def _older(config: VenueConfig) -> str:
    """``config``'s text as journals wrote it before the funds' seed prices were recorded."""
    text = encode_venue_config(config)
    older = text.replace(',"seed_prices":[["BTC",6000000000000],["ETH",300000000000]]', "")
    assert older != text
    return older


def test_an_older_journal_s_configuration_reads_as_the_legacy_seeding_it_ran_with() -> None:
    decoded = decode_venue_config(_older(SERVE))

    assert decoded.insurance.seed_prices == LEGACY_SEED_PRICES  # every coin seeded 1:1, raw
    assert decoded == VenueConfig(
        mark_source=PriceSource.FEED, insurance=InsuranceConfig(seed_prices=LEGACY_SEED_PRICES)
    )


def test_an_older_journal_opens_with_today_s_options_and_goes_on_as_it_was_written() -> None:
    journal = MemoryJournal()
    journal.record_venue_config(_older(SERVE))

    assert venue_config_of(journal, SERVE).insurance.seed_prices == LEGACY_SEED_PRICES
    with pytest.raises(JournalError, match="mark_source differ"):
        venue_config_of(journal, VenueConfig())  # what the older journal records, still checked


class Unrecorded(MemoryJournal):
    """A journal as they were before they recorded their venue configuration."""

    recorded: str | None = None

    def venue_config(self) -> str | None:
        return self.recorded

    def record_venue_config(self, text: str) -> None:
        self.recorded = text


def test_a_journal_of_before_configurations_were_recorded_goes_on_as_it_was_written() -> None:
    older = replace(
        SERVE,
        insurance=InsuranceConfig(seed_prices=LEGACY_SEED_PRICES),
        publish_premium_samples=False,
    )  # what it ran with: every field added since at its older value
    journal = Unrecorded()
    written = Exchange.open(bundled_market(), older, journal)
    written.submit(SetMarkPrice("BTCUSDT", Price(60_000 * SCALE)), 1_700_000_000_000)
    written.submit(OpenAccount("alice"), 1_700_000_000_001)
    written.flush()
    journal.recorded = None

    reopened = Exchange.open(bundled_market(), SERVE, journal)  # today's options

    assert reopened.engine.state_hash() == written.engine.state_hash()
    recorded = journal.venue_config()  # in the format of its time
    assert recorded is not None
    assert "seed_prices" not in recorded
    assert venue_config_of(journal, SERVE) == older  # and so on every later opening
