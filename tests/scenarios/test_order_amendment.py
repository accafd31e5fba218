"""Amending a resting LIMIT order (Binance's ``PUT /fapi/v1/order``): same id, new price and
quantity, the back of the queue; refused without a trace when a filter or the margin says no.

Binance: "currently only LIMIT order modification is supported, modified orders will be
reordered in the match queue"; a new quantity at or below the executed one cancels the order;
a GTX order whose new price would execute at once is cancelled.
"""

from __future__ import annotations

from liquidator.core.exchange.codec import decode_command, encode
from liquidator.core.exchange.commands import AmendOrder
from liquidator.core.exchange.events import (
    OrderAccepted,
    OrderAmended,
    OrderClosed,
    OrderTraded,
    RejectReason,
)
from liquidator.core.exchange.orders import OrderStatus, OrderType, Side, TimeInForce
from liquidator.core.money.fixed import Price, Qty
from tests.scenarios.venue import BTC, Exchange, exchange, fills, of_type, order, raw


def placed_id(venue: Exchange, account: str, side: Side, quantity: str, price: str) -> int:
    (accepted,) = of_type(venue.limit(account, side, quantity, price), OrderAccepted)
    return accepted.order_id


def amend(account: str, order_id: int, price: str, quantity: str) -> AmendOrder:
    return AmendOrder(account, BTC, Price.of(price), Qty.of(quantity), order_id=order_id)


def test_an_amended_order_keeps_its_id_and_goes_behind_the_queue_at_its_price() -> None:
    venue = exchange("first", "second", "taker")
    first = placed_id(venue, "first", Side.SELL, "0.010", "60100")
    placed_id(venue, "second", Side.SELL, "0.010", "60100")

    amended = venue.accept(amend("first", first, "60100", "0.008"))  # less: still requeued

    (event,) = of_type(amended, OrderAmended)
    assert (event.order_id, event.previous_price) == (first, raw("60100"))
    order_now = venue.order("first", first)
    assert order_now is not None
    assert (order_now.price, order_now.quantity) == (raw("60100"), raw("0.008"))
    bought = venue.accept(order("taker", Side.BUY, OrderType.MARKET, "0.010"))
    assert fills(bought, "second") != []  # the unamended order is now first in the queue
    assert fills(bought, "first") == []


def test_an_amendment_that_crosses_trades_at_once_and_rests_the_rest_under_the_same_id() -> None:
    venue = exchange("buyer", "seller")
    placed_id(venue, "seller", Side.SELL, "0.004", "60100")
    bid = placed_id(venue, "buyer", Side.BUY, "0.010", "60000")

    amended = venue.accept(amend("buyer", bid, "60100", "0.010"))

    assert [(f.price, f.quantity) for f in fills(amended, "buyer")] == [
        (raw("60100"), raw("0.004"))
    ]
    resting = venue.order("buyer", bid)
    assert resting is not None
    assert (resting.executed, resting.remaining, resting.price) == (
        raw("0.004"),
        raw("0.006"),
        raw("60100"),
    )
    assert venue.book(Side.BUY)[0] == (raw("60100"), raw("0.006"))


def test_a_quantity_at_or_below_the_executed_cancels_the_order() -> None:
    venue = exchange("buyer", "seller")
    placed_id(venue, "seller", Side.SELL, "0.004", "60100")
    bid = placed_id(venue, "buyer", Side.BUY, "0.010", "60100")  # 0.004 executed

    cancelled = venue.accept(amend("buyer", bid, "60000", "0.004"))

    assert [(c.order_id, c.status) for c in of_type(cancelled, OrderClosed)] == [
        (bid, OrderStatus.CANCELED.value)
    ]
    assert venue.order("buyer", bid) is None


def test_a_gtx_amended_across_the_book_is_cancelled() -> None:
    venue = exchange("buyer", "seller")
    placed_id(venue, "seller", Side.SELL, "0.004", "60100")
    (accepted,) = of_type(
        venue.limit("buyer", Side.BUY, "0.010", "60000", TimeInForce.GTX), OrderAccepted
    )

    cancelled = venue.accept(amend("buyer", accepted.order_id, "60100", "0.010"))

    assert [c.status for c in of_type(cancelled, OrderClosed)] == ["CANCELED"]
    assert of_type(cancelled, OrderTraded) == []


def test_refused_amendments_change_nothing_not_even_the_queue() -> None:
    venue = exchange("first", "second")
    venue.open("poor", "100")
    first = placed_id(venue, "first", Side.SELL, "0.010", "60100")
    placed_id(venue, "second", Side.SELL, "0.010", "60100")
    small = placed_id(venue, "poor", Side.BUY, "0.002", "59000")

    venue.reject(amend("first", first, "60100.05", "0.010"), RejectReason.PRICE_OFF_TICK)
    venue.reject(amend("first", first, "60100", "0.0105"), RejectReason.QUANTITY_OFF_STEP)
    venue.reject(amend("first", 999_999, "60100", "0.010"), RejectReason.UNKNOWN_ORDER)
    venue.reject(amend("poor", small, "59000", "1"), RejectReason.INSUFFICIENT_MARGIN)
    venue.reject(
        AmendOrder("first", BTC, Price.of("60100"), Qty.of("0.010")),
        RejectReason.MISSING_PARAMETER,
    )


def test_only_a_limit_order_can_be_amended() -> None:
    venue = exchange("trader")
    (stop,) = of_type(
        venue.accept(order("trader", Side.SELL, OrderType.STOP_MARKET, "0.010", stop="50000")),
        OrderAccepted,
    )

    venue.reject(amend("trader", stop.order_id, "50000", "0.010"), RejectReason.UNKNOWN_ORDER)


def test_the_journal_reads_an_amendment_back() -> None:
    command = AmendOrder("a", BTC, Price.of("60000"), Qty.of("0.01"), client_order_id="x")

    assert decode_command(encode(command)) == command
