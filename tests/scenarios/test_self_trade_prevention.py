"""Self-trade prevention: what happens when a taker meets its own account's resting order.

BTCUSDT, index 60000. ``self`` rests a sell of 0.010 at 60000 and then buys into it; the expiry
reason of an order expired this way is 1 (3 for an IOC taker).
"""

from __future__ import annotations

from liquidator.core.exchange.orders import SelfTradePrevention, Side, TimeInForce
from tests.scenarios.venue import Fill, closed, exchange, fills, order_id, raw

STP = SelfTradePrevention


def test_expire_taker_keeps_the_resting_order_and_expires_the_incoming_one() -> None:
    venue = exchange("self")
    ask = order_id(venue.limit("self", Side.SELL, "0.010", "60000"))

    taken = venue.limit("self", Side.BUY, "0.010", "60000", stp=STP.EXPIRE_TAKER)

    assert fills(taken, "self") == []
    assert closed(taken) == [(order_id(taken), "EXPIRED", 1)]
    assert venue.open_order_ids("self") == [ask]
    assert venue.book(Side.BUY) == []


def test_expire_taker_on_an_ioc_order_expires_with_reason_3() -> None:
    venue = exchange("self")
    venue.limit("self", Side.SELL, "0.010", "60000")

    taken = venue.limit("self", Side.BUY, "0.010", "60000", TimeInForce.IOC, stp=STP.EXPIRE_TAKER)

    assert closed(taken) == [(order_id(taken), "EXPIRED", 3)]


def test_expire_taker_keeps_the_fills_made_before_meeting_its_own_order() -> None:
    venue = exchange("self", "other")
    first = order_id(venue.limit("other", Side.SELL, "0.004", "60000"))
    venue.limit("self", Side.SELL, "0.010", "60000")

    taken = venue.limit("self", Side.BUY, "0.010", "60000", stp=STP.EXPIRE_TAKER)

    assert fills(taken, "other") == [Fill(first, raw("60000"), raw("0.004"), raw("0.048"), 0, True)]
    assert closed(taken) == [(order_id(taken), "EXPIRED", 1)]
    assert venue.position("self") == (raw("0.004"), raw("60000"))


def test_expire_maker_cancels_its_own_resting_order_and_trades_on() -> None:
    venue = exchange("self", "other")
    mine = order_id(venue.limit("self", Side.SELL, "0.010", "60000"))
    theirs = order_id(venue.limit("other", Side.SELL, "0.010", "60000"))

    taken = venue.limit("self", Side.BUY, "0.010", "60000", stp=STP.EXPIRE_MAKER)

    assert closed(taken) == [(mine, "EXPIRED", 1)]
    assert fills(taken, "other") == [Fill(theirs, raw("60000"), raw("0.010"), raw("0.12"), 0, True)]
    assert venue.position("self") == (raw("0.010"), raw("60000"))
    assert venue.open_order_ids("self") == []


def test_expire_maker_rests_the_taker_when_only_its_own_orders_crossed() -> None:
    venue = exchange("self")
    mine = order_id(venue.limit("self", Side.SELL, "0.010", "60000"))

    taken = venue.limit("self", Side.BUY, "0.010", "60000", stp=STP.EXPIRE_MAKER)

    assert closed(taken) == [(mine, "EXPIRED", 1)]
    assert venue.book(Side.BUY) == [(raw("60000"), raw("0.010"))]
    assert venue.book(Side.SELL) == []


def test_expire_both_expires_the_resting_and_the_incoming_order() -> None:
    venue = exchange("self", "other")
    mine = order_id(venue.limit("self", Side.SELL, "0.010", "60000"))
    venue.limit("other", Side.SELL, "0.010", "60000")

    taken = venue.limit("self", Side.BUY, "0.010", "60000", stp=STP.EXPIRE_BOTH)

    assert closed(taken) == [(mine, "EXPIRED", 1), (order_id(taken), "EXPIRED", 1)]
    assert fills(taken, "self") == []
    assert venue.book(Side.SELL) == [(raw("60000"), raw("0.010"))]  # other's order only


def test_none_lets_an_account_trade_with_itself_and_pay_both_fees() -> None:
    venue = exchange("self")
    ask = order_id(venue.limit("self", Side.SELL, "0.010", "60000"))

    taken = venue.limit("self", Side.BUY, "0.010", "60000", stp=STP.NONE)

    # one trade, both sides ours: maker 600 * 0.0002 = 0.12 plus taker 600 * 0.0005 = 0.3
    assert fills(taken, "self") == [
        Fill(ask, raw("60000"), raw("0.010"), raw("0.12"), 0, True),
        Fill(order_id(taken), raw("60000"), raw("0.010"), raw("0.3"), 0, False),
    ]
    assert venue.position("self") == (0, 0)
    assert venue.wallet("self") == raw("9999.58")
