"""The built-in market maker quotes around the index, so a fall leaves no bid above it.

Binance's mark is a median (index x (1 + funding basis), index + the basis average, the last
trade) that lags the index in a fast fall: the last trade stays where the market was. A maker
quoting around the mark would keep bids above the index, and a liquidation would sell into
them at prices the market had left (issue: "its liquidation is sometimes filled at prices the
market had left"). Quoted around the index, the book follows the fall as arbitrage would.
"""

from __future__ import annotations

from decimal import Decimal

from liquidator.core.exchange.commands import SetIndexPrice
from liquidator.core.exchange.events import OrderTraded
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.exchange.venue import MARKET_MAKER, VenueConfig
from liquidator.core.money.fixed import Price
from tests.scenarios.venue import BTC, START_MS, Exchange, of_type, order, raw


def crash_steps(start: str, fall: str, steps: int) -> list[Price]:
    """The index after each of ``steps`` equal steps down by ``fall`` in all (on the tick)."""
    top, drop = Decimal(start), Decimal(start) * Decimal(fall)
    return [
        Price.of(str((top - drop * i / steps).quantize(Decimal("0.1"))))
        for i in range(1, steps + 1)
    ]


def test_in_a_six_percent_fall_no_bid_stays_above_the_index() -> None:
    venue = Exchange(VenueConfig(market_maker=MarketMakerConfig()))
    venue.accept(SetIndexPrice(BTC, Price.of("60000")))
    venue.open("taker", "100000")
    venue.accept(order("taker", Side.BUY, OrderType.MARKET, "0.010"))  # a last trade up here
    state = venue.engine.venue.symbols[BTC]

    now = START_MS + 10_000
    for index in crash_steps("60000", "0.06", 5):
        venue.accept(SetIndexPrice(BTC, index))
        now += 1_000  # a second: the mark's samples are taken
        venue.advance_to(now)

        assert state.mark_price > index.raw  # the mark lags the fall ...
        best_bid, best_ask = state.book.best_bid(), state.book.best_ask()
        assert best_bid is not None
        assert best_ask is not None
        assert best_bid < index.raw < best_ask  # ... the maker's book does not


def test_a_sell_into_the_fall_fills_at_or_below_the_index() -> None:
    venue = Exchange(VenueConfig(market_maker=MarketMakerConfig()))
    venue.accept(SetIndexPrice(BTC, Price.of("60000")))
    venue.open("seller", "100000")
    venue.accept(order("seller", Side.BUY, OrderType.MARKET, "0.010"))
    now = START_MS + 10_000
    for index in crash_steps("60000", "0.06", 5):
        venue.accept(SetIndexPrice(BTC, index))
        now += 1_000
        venue.advance_to(now)

    sold = venue.accept(order("seller", Side.SELL, OrderType.MARKET, "0.010"))

    prices = [t.price for t in of_type(sold, OrderTraded) if t.account == MARKET_MAKER]
    assert prices
    assert max(prices) <= raw("56400")  # the index after the fall
