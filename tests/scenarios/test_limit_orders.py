"""LIMIT orders: resting, price-time priority, partial fills, IOC, FOK and post-only (GTX).

BTCUSDT, index (so mark) 60000, maker fee 0.02%, taker fee 0.05% of the notional, rounded up.
"""

from __future__ import annotations

from liquidator.core.exchange.events import OrderClosed, RejectReason, TradeExecuted
from liquidator.core.exchange.orders import OrderStatus, OrderType, Side, TimeInForce
from tests.scenarios.venue import Fill, closed, exchange, fills, of_type, order, order_id, raw


def test_gtc_limit_that_crosses_nothing_rests_in_the_book() -> None:
    venue = exchange("maker")

    placed = venue.limit("maker", Side.SELL, "0.010", "60100")

    resting = venue.order("maker", order_id(placed))
    assert resting is not None
    assert resting.status is OrderStatus.NEW
    assert venue.book(Side.SELL) == [(raw("60100"), raw("0.010"))]
    assert of_type(placed, TradeExecuted) == []
    assert venue.wallet("maker") == raw("10000")


def test_crossing_buy_fills_at_the_resting_makers_price_and_each_side_pays_its_fee() -> None:
    venue = exchange("maker", "taker")
    ask = order_id(venue.limit("maker", Side.SELL, "0.010", "60000"))

    taken = venue.limit("taker", Side.BUY, "0.010", "60050")

    # notional 0.010 * 60000 = 600; maker fee 600 * 0.0002 = 0.12, taker fee 600 * 0.0005 = 0.3
    bid = order_id(taken)
    assert fills(taken, "maker") == [Fill(ask, raw("60000"), raw("0.010"), raw("0.12"), 0, True)]
    assert fills(taken, "taker") == [Fill(bid, raw("60000"), raw("0.010"), raw("0.3"), 0, False)]
    assert venue.position("taker") == (raw("0.010"), raw("60000"))
    assert venue.position("maker") == (-raw("0.010"), raw("60000"))
    assert venue.wallet("taker") == raw("9999.7")
    assert venue.wallet("maker") == raw("9999.88")
    assert venue.fees_collected() == raw("0.42")
    assert venue.book(Side.SELL) == []
    assert venue.book(Side.BUY) == []
    assert venue.last() == raw("60000")


def test_two_makers_at_one_price_fill_oldest_first() -> None:
    venue = exchange("first", "second", "taker")
    older = order_id(venue.limit("first", Side.SELL, "0.010", "60000"))
    newer = order_id(venue.limit("second", Side.SELL, "0.010", "60000"))

    taken = venue.limit("taker", Side.BUY, "0.015", "60000")

    # 0.010 from the older order, then 0.005 from the newer; 0.005 * 60000 * 0.0002 = 0.06
    assert fills(taken, "first") == [Fill(older, raw("60000"), raw("0.010"), raw("0.12"), 0, True)]
    assert fills(taken, "second") == [Fill(newer, raw("60000"), raw("0.005"), raw("0.06"), 0, True)]
    assert venue.order("first", older) is None
    left = venue.order("second", newer)
    assert left is not None
    assert left.status is OrderStatus.PARTIALLY_FILLED
    assert left.remaining == raw("0.005")
    assert venue.book(Side.SELL) == [(raw("60000"), raw("0.005"))]


def test_better_price_fills_before_an_older_order_at_a_worse_price() -> None:
    venue = exchange("older", "better", "taker")
    worse = order_id(venue.limit("older", Side.SELL, "0.010", "60010"))
    best = order_id(venue.limit("better", Side.SELL, "0.010", "60000"))

    taken = venue.limit("taker", Side.BUY, "0.010", "60010")

    assert [f.order_id for f in fills(taken, "older") + fills(taken, "better")] == [best]
    assert venue.order("older", worse) is not None
    assert venue.book(Side.SELL) == [(raw("60010"), raw("0.010"))]


def test_sell_taker_walks_the_bids_from_the_highest_down_to_its_limit() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.BUY, "0.010", "59990")
    venue.limit("maker", Side.BUY, "0.010", "60000")
    venue.limit("maker", Side.BUY, "0.010", "59980")

    taken = venue.limit("taker", Side.SELL, "0.030", "59990")

    # 60000 then 59990; 59980 is below the limit, so 0.010 rests as an ask at 59990
    assert [(f.price, f.quantity) for f in fills(taken, "taker")] == [
        (raw("60000"), raw("0.010")),
        (raw("59990"), raw("0.010")),
    ]
    assert venue.book(Side.BUY) == [(raw("59980"), raw("0.010"))]
    assert venue.book(Side.SELL) == [(raw("59990"), raw("0.010"))]
    # short 0.020 at (600 + 599.9) / 0.020 = 59995
    assert venue.position("taker") == (-raw("0.020"), raw("59995"))


def test_partly_filled_gtc_order_rests_its_remainder() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.004", "60000")

    taken = venue.limit("taker", Side.BUY, "0.010", "60000")

    bid = venue.order("taker", order_id(taken))
    assert bid is not None
    assert bid.status is OrderStatus.PARTIALLY_FILLED
    assert (bid.executed, bid.remaining) == (raw("0.004"), raw("0.006"))
    assert venue.book(Side.BUY) == [(raw("60000"), raw("0.006"))]
    # the taker paid 0.004 * 60000 * 0.0005 = 0.12 on the filled part only
    assert venue.wallet("taker") == raw("9999.88")


def test_resting_remainder_later_fills_as_maker() -> None:
    venue = exchange("maker", "taker", "seller")
    venue.limit("maker", Side.SELL, "0.004", "60000")
    bid = order_id(venue.limit("taker", Side.BUY, "0.010", "60000"))

    sold = venue.limit("seller", Side.SELL, "0.006", "59990")

    # the resting bid's price, 60000, and the maker rate: 0.006 * 60000 * 0.0002 = 0.072
    assert fills(sold, "taker") == [Fill(bid, raw("60000"), raw("0.006"), raw("0.072"), 0, True)]
    assert venue.order("taker", bid) is None
    assert venue.position("taker") == (raw("0.010"), raw("60000"))


def test_ioc_remainder_expires_with_reason_2() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.004", "60000")

    taken = venue.limit("taker", Side.BUY, "0.010", "60000", TimeInForce.IOC)

    ioc = order_id(taken)
    assert [f.quantity for f in fills(taken, "taker")] == [raw("0.004")]
    assert closed(taken) == [(ioc, "EXPIRED", 2)]
    assert venue.order("taker", ioc) is None
    assert venue.book(Side.BUY) == []


def test_ioc_that_crosses_nothing_expires_without_trading() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.010", "60100")

    taken = venue.limit("taker", Side.BUY, "0.010", "60000", TimeInForce.IOC)

    assert fills(taken, "taker") == []
    assert closed(taken) == [(order_id(taken), "EXPIRED", 2)]
    assert venue.position("taker") == (0, 0)


def test_fok_that_cannot_fill_completely_is_rejected_and_changes_nothing() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.004", "60000")
    venue.limit("maker", Side.SELL, "0.010", "60100")  # beyond the FOK's limit

    venue.reject(
        order("taker", Side.BUY, OrderType.LIMIT, "0.010", "60000", tif=TimeInForce.FOK),
        RejectReason.FOK_NOT_FILLED,
    )

    assert venue.book(Side.SELL) == [(raw("60000"), raw("0.004")), (raw("60100"), raw("0.010"))]


def test_fok_that_the_book_can_fill_fills_across_levels() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.004", "60000")
    venue.limit("maker", Side.SELL, "0.010", "60010")

    taken = venue.limit("taker", Side.BUY, "0.010", "60010", TimeInForce.FOK)

    assert [(f.price, f.quantity) for f in fills(taken, "taker")] == [
        (raw("60000"), raw("0.004")),
        (raw("60010"), raw("0.006")),
    ]
    assert of_type(taken, OrderClosed) == []
    assert venue.book(Side.SELL) == [(raw("60010"), raw("0.004"))]


def test_post_only_order_that_would_cross_is_rejected() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.010", "60000")

    venue.reject(
        order("taker", Side.BUY, OrderType.LIMIT, "0.010", "60000", tif=TimeInForce.GTX),
        RejectReason.POST_ONLY_WOULD_TAKE,
    )


def test_post_only_order_below_the_best_ask_rests_as_maker() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.010", "60000")

    placed = venue.limit("taker", Side.BUY, "0.010", "59999.9", TimeInForce.GTX)

    assert venue.order("taker", order_id(placed)) is not None
    assert venue.book(Side.BUY) == [(raw("59999.9"), raw("0.010"))]


def test_fok_does_not_fill_in_part_against_a_reduce_only_order_larger_than_its_position() -> None:
    venue = exchange("trader", "maker", "taker")
    venue.trade("trader", "maker", "0.005", "60000")
    venue.limit("trader", Side.SELL, "0.010", "60000", reduce_only=True)  # can sell 0.005 only

    taken = venue.place(
        order("taker", Side.BUY, OrderType.LIMIT, "0.010", "60000", tif=TimeInForce.FOK)
    )

    assert fills(taken, "taker") == []
    assert venue.position("taker") == (0, 0)
