"""Funding settlements every 8 hours, and where the index, mark and last prices come from.

Funding pays ``quantity * mark * rate`` at each 00:00 / 08:00 / 16:00 UTC: longs pay shorts when
the rate is positive; the payer's amount is rounded up, the receiver's down (the unit of dust
stays in ``@funding``). The computed mark is ``median(index * (1 + rate * time to funding / 8h),
index + basis average, last price)``; with no basis samples and the interest rate 0.01% as the
funding rate, it is the index until a trade prints above it.
"""

from __future__ import annotations

from fractions import Fraction

from liquidator.core.engine import Outcome
from liquidator.core.exchange.commands import (
    SetFundingRate,
    SetIndexPrice,
    SetMarginType,
    SetMarkPrice,
)
from liquidator.core.exchange.events import (
    FundingSettled,
    OrderTriggered,
    PricesUpdated,
    RejectReason,
)
from liquidator.core.exchange.ledger import FUNDING
from liquidator.core.exchange.orders import OrderType, Side, WorkingType
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType
from liquidator.core.money.fixed import Price, Rate
from tests.scenarios.venue import (
    BTC,
    EIGHT_HOURS_MS,
    START_MS,
    Exchange,
    exchange,
    of_type,
    order,
    order_id,
    raw,
)

FED_FUNDING = VenueConfig(funding_source=PriceSource.FEED)
FED_MARK = VenueConfig(mark_source=PriceSource.FEED)


def settlements(outcome: Outcome) -> list[FundingSettled]:
    """Return BTCUSDT's funding settlements in ``outcome`` (ETHUSDT settles too, empty)."""
    return [e for e in of_type(outcome, FundingSettled) if e.symbol == BTC]


def funded_pair(rate: str, price: str = "60000.1", quantity: str = "0.013") -> Exchange:
    """Return a venue where ``long`` and ``short`` hold ``quantity`` at ``price`` = index = mark."""
    venue = exchange("long", "short", index=price, config=FED_FUNDING)
    venue.trade("long", "short", quantity, price)
    venue.accept(SetFundingRate(BTC, Rate.of(rate)))
    return venue


# -- funding ---------------------------------------------------------------------------------


def test_positive_rate_longs_pay_shorts_at_the_next_8h_boundary() -> None:
    venue = funded_pair("0.00012345")
    long_before, short_before = venue.wallet("long"), venue.wallet("short")
    boundary = START_MS + EIGHT_HOURS_MS
    assert venue.next_funding_ms() == boundary
    assert settlements(venue.advance_to(boundary - 1)) == []

    settled = venue.advance_to(boundary)

    assert [
        (e.funding_rate, e.mark_price, e.funding_ms, e.positions) for e in settlements(settled)
    ] == [(raw("0.00012345"), raw("60000.1"), boundary, 2)]
    # 0.013 * 60000.1 * 0.00012345 = 780.0013 * 0.00012345 = 0.096291160485
    assert venue.wallet("long") == long_before - raw("0.09629117")  # paid: rounded up
    assert venue.wallet("short") == short_before + raw("0.09629116")  # received: rounded down
    assert venue.wallet(FUNDING) == raw("0.00000001")
    assert venue.next_funding_ms() == boundary + EIGHT_HOURS_MS


def test_negative_rate_shorts_pay_longs() -> None:
    venue = funded_pair("-0.00012345")
    long_before, short_before = venue.wallet("long"), venue.wallet("short")

    venue.advance_to(venue.next_funding_ms())

    assert venue.wallet("long") == long_before + raw("0.09629116")
    assert venue.wallet("short") == short_before - raw("0.09629117")


def test_a_jump_over_two_boundaries_settles_twice() -> None:
    venue = funded_pair("0.0001", price="60000", quantity="0.010")
    long_before = venue.wallet("long")
    first = venue.next_funding_ms()

    settled = venue.advance_to(first + EIGHT_HOURS_MS)

    assert [e.funding_ms for e in settlements(settled)] == [
        first,
        first + EIGHT_HOURS_MS,
    ]
    assert venue.wallet("long") == long_before - 2 * raw("0.06")  # 600 * 0.0001 twice


def test_isolated_position_pays_funding_from_its_isolated_wallet() -> None:
    venue = exchange("short", index="60000", config=FED_FUNDING)
    venue.open("long")
    venue.accept(SetMarginType("long", BTC, MarginType.ISOLATED))
    venue.trade("long", "short", "0.010", "60000")  # isolated wallet 600 / 20 = 30
    venue.accept(SetFundingRate(BTC, Rate.of("0.0001")))
    cross_before = venue.wallet("long")

    settled = venue.advance_to(venue.next_funding_ms())

    # 0.010 * 60000 * 0.0001 = 0.06 out of the isolated wallet, none from the cross wallet
    assert venue.wallet("long/BTCUSDT/BOTH") == raw("29.94")
    assert venue.wallet("long") == cross_before
    assert [p.isolated_wallet for p in venue.positions_changed(settled, "long")] == [raw("29.94")]


def test_computed_rate_without_premium_is_the_interest_rate() -> None:
    venue = exchange("long", "short")
    venue.trade("long", "short", "0.010", "60000")
    long_before = venue.wallet("long")

    settled = venue.advance_to(venue.next_funding_ms())

    # no premium samples: F = 0 + clamp(0.0001 - 0, +-0.0005) = 0.0001; 600 * 0.0001 = 0.06
    assert [e.funding_rate for e in settlements(settled)] == [raw("0.0001")]
    assert venue.wallet("long") == long_before - raw("0.06")


def test_settlement_with_no_positions_pays_nobody() -> None:
    venue = exchange("idle", config=FED_FUNDING)

    settled = venue.advance_to(venue.next_funding_ms())

    assert [e.positions for e in settlements(settled)] == [0]
    assert venue.wallet("idle") == raw("10000")


def test_funding_rate_feed_is_refused_when_the_venue_computes_it() -> None:
    venue = exchange("trader")

    venue.reject(SetFundingRate(BTC, Rate.of("0.0001")), RejectReason.PRICE_SOURCE_IS_COMPUTED)


def test_funding_rate_of_100_percent_or_more_is_refused() -> None:
    venue = exchange("trader", config=FED_FUNDING)

    venue.reject(SetFundingRate(BTC, Rate.of("1")), RejectReason.INVALID_RATE)
    venue.reject(SetFundingRate(BTC, Rate.of("-1")), RejectReason.INVALID_RATE)


# -- mark price ------------------------------------------------------------------------------


def test_index_update_publishes_the_prices() -> None:
    venue = Exchange()

    moved = venue.set_index("60000")

    assert [(e.index_price, e.mark_price, e.last_price) for e in of_type(moved, PricesUpdated)] == [
        (raw("60000"), raw("60000"), 0)
    ]


def test_mark_stays_at_the_index_when_the_last_price_is_below_it() -> None:
    venue = exchange("a", "b")

    venue.trade("a", "b", "0.002", "59000")

    assert (venue.last(), venue.mark()) == (raw("59000"), raw("60000"))


def test_mark_follows_a_last_price_between_the_index_and_the_funding_carried_index() -> None:
    venue = exchange("a", "b")

    # early in the interval: index * (1 + 0.0001 * ~8h / 8h) is about 60006
    venue.trade("a", "b", "0.002", "60003")

    assert venue.mark() == raw("60003")


def test_mark_is_capped_by_the_funding_carried_index_when_the_last_price_runs_above() -> None:
    venue = exchange("a", "b")
    venue.limit("b", Side.SELL, "0.002", "60100")
    venue.set_clock(START_MS + EIGHT_HOURS_MS // 2)  # half the interval left

    venue.limit("a", Side.BUY, "0.002", "60100")

    # median(60000 * (1 + 0.0001 * 4h / 8h), 60000, 60100) = median(60003, 60000, 60100)
    assert venue.mark() == raw("60003")


def test_mark_carries_the_index_by_the_time_left_to_funding() -> None:
    venue = exchange("a", "b")

    venue.trade("a", "b", "0.002", "60100")

    now = venue.engine.venue.now_ms
    left = Fraction(venue.next_funding_ms() - now, EIGHT_HOURS_MS)
    expected = round(Fraction(raw("60000")) * (1 + Fraction(1, 10_000) * left))  # half-even
    assert venue.mark() == expected


def test_mark_price_feed_is_refused_when_the_venue_computes_it() -> None:
    venue = exchange("trader")

    venue.reject(SetMarkPrice(BTC, Price.of("61000")), RejectReason.PRICE_SOURCE_IS_COMPUTED)


def test_fed_mark_price_ignores_the_index_and_drives_mark_triggers() -> None:
    venue = Exchange(FED_MARK)
    venue.set_index("60000")
    assert venue.mark() == 0  # the index alone does not set a fed mark
    venue.accept(SetMarkPrice(BTC, Price.of("60000")))
    venue.open("trader")
    venue.open("maker")
    venue.limit("maker", Side.BUY, "0.010", "59400")
    stop = order_id(
        venue.accept(
            order(
                "trader",
                Side.SELL,
                OrderType.STOP_MARKET,
                "0.010",
                stop="59500",
                working_type=WorkingType.MARK_PRICE,
            )
        )
    )

    moved = venue.accept(SetMarkPrice(BTC, Price.of("59500")))

    assert venue.mark() == raw("59500")
    assert [t.order_id for t in of_type(moved, OrderTriggered)] == [stop]
    assert venue.position("trader") == (-raw("0.010"), raw("59400"))


def test_index_price_must_be_positive_and_the_symbol_listed() -> None:
    venue = exchange("trader")

    venue.reject(SetIndexPrice(BTC, Price.of("0")), RejectReason.INVALID_PRICE)
    venue.reject(SetIndexPrice("XRPUSDT", Price.of("1")), RejectReason.UNKNOWN_SYMBOL)
