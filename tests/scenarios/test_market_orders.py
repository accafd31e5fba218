"""MARKET orders: walking the book at each maker's price, bounded by marketTakeBound (5%).

BTCUSDT, index (so mark) 60000: a market buy may trade up to 60000 * 1.05 = 63000 and a market
sell down to 60000 * 0.95 = 57000. Taker fee 0.05% of each fill's notional, rounded up.
"""

from __future__ import annotations

from liquidator.core.exchange.orders import Side
from tests.scenarios.venue import closed, exchange, fills, order_id, raw


def test_market_buy_fills_across_levels_at_each_makers_price() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.010", "60000")
    venue.limit("maker", Side.SELL, "0.010", "60100")
    venue.limit("maker", Side.SELL, "0.010", "60200")

    bought = venue.market_order("taker", Side.BUY, "0.025")

    # fees: 600 * 0.0005 = 0.3, 601 * 0.0005 = 0.3005, 0.005 * 60200 = 301 -> 0.1505
    assert [(f.price, f.quantity, f.commission) for f in fills(bought, "taker")] == [
        (raw("60000"), raw("0.010"), raw("0.3")),
        (raw("60100"), raw("0.010"), raw("0.3005")),
        (raw("60200"), raw("0.005"), raw("0.1505")),
    ]
    # entry (600 + 601 + 301) / 0.025 = 1502 / 0.025 = 60080
    assert venue.position("taker") == (raw("0.025"), raw("60080"))
    assert venue.wallet("taker") == raw("10000") - raw("0.751")
    assert venue.book(Side.SELL) == [(raw("60200"), raw("0.005"))]
    assert closed(bought) == []
    assert venue.last() == raw("60200")


def test_market_buy_stops_at_the_take_bound_and_the_rest_expires_with_reason_9() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.SELL, "0.010", "62990")
    venue.limit("maker", Side.SELL, "0.010", "63000")  # exactly mark * 1.05: still allowed
    venue.limit("maker", Side.SELL, "0.010", "63000.1")  # one tick beyond the bound

    bought = venue.market_order("taker", Side.BUY, "0.030")

    assert [(f.price, f.quantity) for f in fills(bought, "taker")] == [
        (raw("62990"), raw("0.010")),
        (raw("63000"), raw("0.010")),
    ]
    market = order_id(bought)
    assert closed(bought) == [(market, "EXPIRED", 9)]
    assert venue.position("taker") == (raw("0.020"), raw("62995"))
    assert venue.book(Side.SELL) == [(raw("63000.1"), raw("0.010"))]


def test_market_sell_stops_at_the_lower_take_bound() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.BUY, "0.010", "57000")  # exactly mark * 0.95
    venue.limit("maker", Side.BUY, "0.010", "56999.9")

    sold = venue.market_order("taker", Side.SELL, "0.020")

    assert [(f.price, f.quantity) for f in fills(sold, "taker")] == [(raw("57000"), raw("0.010"))]
    assert closed(sold) == [(order_id(sold), "EXPIRED", 9)]
    assert venue.position("taker") == (-raw("0.010"), raw("57000"))


def test_market_order_into_an_empty_book_expires_with_reason_9() -> None:
    venue = exchange("taker")

    bought = venue.market_order("taker", Side.BUY, "0.010")

    assert fills(bought, "taker") == []
    assert closed(bought) == [(order_id(bought), "EXPIRED", 9)]
    assert venue.position("taker") == (0, 0)
    assert venue.wallet("taker") == raw("10000")


def test_filled_market_order_is_not_left_open() -> None:
    venue = exchange("maker", "taker")
    venue.limit("maker", Side.BUY, "0.010", "60000")

    sold = venue.market_order("taker", Side.SELL, "0.010")

    assert venue.order("taker", order_id(sold)) is None
    assert venue.open_order_ids("taker") == []
    assert venue.open_order_ids("maker") == []
    assert closed(sold) == []
    assert [(f.quantity, f.maker) for f in fills(sold, "maker")] == [(raw("0.010"), True)]
    assert [(f.quantity, f.maker) for f in fills(sold, "taker")] == [(raw("0.010"), False)]
