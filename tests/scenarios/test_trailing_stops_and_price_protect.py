"""Trailing stops (callback 1%) and priceProtect.

BTCUSDT, index 60000. ``trader`` holds a position against ``maker``; ``a`` and ``b`` print
small trades to move the last price, which a trailing stop follows by default. A trailing sell
fires when the price falls ``callback`` below the highest price since activation, a trailing
buy when it rises ``callback`` above the lowest. priceProtect holds a trigger while the mark
and the last price are more than 5% (BTCUSDT's triggerProtect) apart.
"""

from __future__ import annotations

from liquidator.core.exchange.events import OrderTriggered, RejectReason
from liquidator.core.exchange.orders import OrderType, Side, WorkingType
from tests.scenarios.venue import (
    Exchange,
    Fill,
    fills,
    of_type,
    order,
    order_id,
    raw,
    with_long,
    with_short,
)

SELL, BUY = Side.SELL, Side.BUY


def triggered(events: list[OrderTriggered]) -> list[tuple[int, int]]:
    return [(t.order_id, t.trigger_price) for t in events]


# -- trailing stops (callback 1%) ------------------------------------------------------------


def test_trailing_stop_without_activation_price_fires_one_percent_below_the_start() -> None:
    venue = with_long()
    trail = order_id(
        venue.accept(order("trader", SELL, OrderType.TRAILING_STOP_MARKET, "0.010", callback="1"))
    )
    venue.limit("maker", BUY, "0.010", "59000")
    venue.trade("b", "a", "0.002", "59400.1")  # 60000 * 0.99 = 59400: not yet
    assert venue.order("trader", trail) is not None

    printed = venue.trade("b", "a", "0.002", "59400")

    assert triggered(of_type(printed, OrderTriggered)) == [(trail, raw("59400"))]
    assert [(f.price, f.quantity) for f in fills(printed, "trader")] == [
        (raw("59000"), raw("0.010"))
    ]


def test_trailing_stop_follows_the_highest_price_before_firing() -> None:
    venue = with_long()
    trail = order_id(
        venue.accept(order("trader", SELL, OrderType.TRAILING_STOP_MARKET, "0.010", callback="1"))
    )
    venue.limit("maker", BUY, "0.010", "60000")
    venue.trade("b", "a", "0.002", "61000")  # new high: fires at 61000 * 0.99 = 60390
    venue.trade("b", "a", "0.002", "60400")
    assert venue.order("trader", trail) is not None

    printed = venue.trade("b", "a", "0.002", "60390")

    assert triggered(of_type(printed, OrderTriggered)) == [(trail, raw("60390"))]
    assert fills(printed, "trader") == [
        Fill(trail, raw("60000"), raw("0.010"), raw("0.3"), 0, False)
    ]


def test_trailing_stop_with_activation_price_waits_for_it_then_trails() -> None:
    venue = with_long()
    trail = order_id(
        venue.accept(
            order(
                "trader",
                SELL,
                OrderType.TRAILING_STOP_MARKET,
                "0.010",
                activation="61000",
                callback="1",
            )
        )
    )
    venue.limit("maker", BUY, "0.010", "59000")
    venue.trade("b", "a", "0.002", "59400")  # 1% down, but not active yet
    venue.trade("b", "a", "0.002", "61000")  # activates, high 61000
    assert venue.order("trader", trail) is not None
    assert of_type(venue.trade("b", "a", "0.002", "60390.1"), OrderTriggered) == []

    printed = venue.trade("b", "a", "0.002", "60390")

    # PnL 0.010 * (59000 - 60000) = -10; fee 590 * 0.0005 = 0.295
    assert fills(printed, "trader") == [
        Fill(trail, raw("59000"), raw("0.010"), raw("0.295"), -raw("10"), False)
    ]


def test_trailing_buy_stop_fires_one_percent_above_the_lowest_price() -> None:
    venue = with_short()
    trail = order_id(
        venue.accept(order("trader", BUY, OrderType.TRAILING_STOP_MARKET, "0.010", callback="1"))
    )
    venue.limit("maker", SELL, "0.010", "59700")
    venue.trade("b", "a", "0.002", "59000")  # new low: fires at 59000 * 1.01 = 59590
    assert of_type(venue.trade("b", "a", "0.002", "59589.9"), OrderTriggered) == []

    printed = venue.trade("b", "a", "0.002", "59590")

    assert triggered(of_type(printed, OrderTriggered)) == [(trail, raw("59590"))]
    # bought back at 59700: PnL 0.010 * (60000 - 59700) = 3
    assert [(f.price, f.realized_pnl) for f in fills(printed, "trader")] == [
        (raw("59700"), raw("3"))
    ]


def test_trailing_sell_with_activation_price_at_the_market_is_rejected() -> None:
    venue = with_long()

    venue.reject(
        order(
            "trader",
            SELL,
            OrderType.TRAILING_STOP_MARKET,
            "0.010",
            activation="60000",
            callback="1",
        ),
        RejectReason.WOULD_TRIGGER_IMMEDIATELY,
    )


# -- priceProtect ----------------------------------------------------------------------------


def protected_stop(venue: Exchange, *, protect: bool) -> int:
    """Place the short's MARK_PRICE stop-market buy at 63000; rest an ask at 63600 for it."""
    stop = order_id(
        venue.accept(
            order(
                "trader",
                BUY,
                OrderType.STOP_MARKET,
                "0.010",
                stop="63000",
                working_type=WorkingType.MARK_PRICE,
                price_protect=protect,
            )
        )
    )
    venue.limit("maker", SELL, "0.010", "63600")
    return stop


def test_price_protect_holds_the_trigger_while_mark_and_last_are_over_5_percent_apart() -> None:
    venue = with_short()
    stop = protected_stop(venue, protect=True)

    moved = venue.set_index("63500")  # mark 63500, last 60000: 3500 / 63500 = 5.5% apart

    assert venue.mark() == raw("63500")
    assert of_type(moved, OrderTriggered) == []
    assert venue.order("trader", stop) is not None


def test_price_protected_stop_fires_once_the_last_price_comes_near_the_mark() -> None:
    venue = with_short()
    stop = protected_stop(venue, protect=True)
    venue.set_index("63500")

    printed = venue.trade("b", "a", "0.002", "63500")

    assert triggered(of_type(printed, OrderTriggered)) == [(stop, raw("63500"))]
    # fee 636 * 0.0005 = 0.318, PnL 0.010 * (60000 - 63600) = -36
    assert fills(printed, "trader") == [
        Fill(stop, raw("63600"), raw("0.010"), raw("0.318"), -raw("36"), False)
    ]


def test_unprotected_stop_fires_on_the_same_mark_move() -> None:
    venue = with_short()
    stop = protected_stop(venue, protect=False)

    moved = venue.set_index("63500")

    assert triggered(of_type(moved, OrderTriggered)) == [(stop, raw("63500"))]
    assert venue.position("trader") == (0, 0)
