"""Pre-trade checks: margin for a new opening order (fee and open loss included), notional caps.

BTCUSDT, index (so mark) 60000, 20x leverage unless set. An opening order needs
``notional / leverage + open loss + taker fee`` of available balance, where the open loss of a
buy is ``qty * max(0, price - mark)`` and the taker fee ``notional * 0.0005``.
"""

from __future__ import annotations

from liquidator.core.exchange.commands import Deposit, SetLeverage
from liquidator.core.exchange.events import RejectReason
from liquidator.core.exchange.orders import OrderType, Side
from tests.scenarios.venue import BTC, exchange, order, raw, usdt

BUY, SELL, LIMIT, MARKET = Side.BUY, Side.SELL, OrderType.LIMIT, OrderType.MARKET


def test_order_the_balance_cannot_carry_is_rejected_and_passes_after_a_deposit() -> None:
    venue = exchange("trader", deposit="100")
    # 0.040 * 60000 = 2400: margin 2400 / 20 = 120, fee 2400 * 0.0005 = 1.2, needs 121.2
    buy = order("trader", BUY, LIMIT, "0.040", "60000")
    venue.reject(buy, RejectReason.INSUFFICIENT_MARGIN)

    venue.accept(Deposit("trader", usdt("21.2")))

    venue.accept(buy)
    assert venue.available("trader") == raw("1.2")  # 121.2 - 120 held by the order


def test_margin_check_includes_the_taker_fee() -> None:
    venue = exchange("trader", deposit="121.19999999")  # covers the 120 of margin, not the fee

    venue.reject(order("trader", BUY, LIMIT, "0.040", "60000"), RejectReason.INSUFFICIENT_MARGIN)

    venue.accept(Deposit("trader", usdt("0.00000001")))
    venue.accept(order("trader", BUY, LIMIT, "0.040", "60000"))


def test_margin_check_includes_the_open_loss_of_a_buy_above_the_mark() -> None:
    # 0.040 * 61000 = 2440: margin 122, open loss 0.040 * 1000 = 40, fee 1.22 -> 163.22
    venue = exchange("trader", deposit="163.21999999")

    venue.reject(order("trader", BUY, LIMIT, "0.040", "61000"), RejectReason.INSUFFICIENT_MARGIN)

    venue.accept(Deposit("trader", usdt("0.00000001")))
    venue.accept(order("trader", BUY, LIMIT, "0.040", "61000"))


def test_resting_orders_hold_margin_that_a_new_order_cannot_use() -> None:
    venue = exchange("trader", deposit="200")
    venue.accept(order("trader", BUY, LIMIT, "0.040", "60000"))  # holds 120, leaves 80

    venue.reject(order("trader", BUY, LIMIT, "0.040", "60000"), RejectReason.INSUFFICIENT_MARGIN)


def test_one_way_buy_and_sell_orders_hold_margin_for_the_larger_side_only() -> None:
    venue = exchange("trader", deposit="200")
    venue.accept(order("trader", BUY, LIMIT, "0.040", "60000"))  # holds 2400 / 20 = 120

    # the sell side would hold 2404 / 20 = 120.2: only 0.2 more, plus its fee 1.202
    venue.accept(order("trader", SELL, LIMIT, "0.040", "60100"))

    assert venue.available("trader") == raw("79.8")


def test_market_order_margin_is_taken_from_the_book_walk() -> None:
    venue = exchange("maker")
    venue.open("trader", deposit="121.19")
    venue.limit("maker", SELL, "0.040", "60000")

    # walks 0.040 at 60000: 120 margin + 1.2 fee > 121.19
    venue.reject(order("trader", BUY, MARKET, "0.040"), RejectReason.INSUFFICIENT_MARGIN)

    venue.accept(Deposit("trader", usdt("0.01")))
    bought = venue.market_order("trader", BUY, "0.040")
    assert bought.accepted
    assert venue.position("trader") == (raw("0.040"), raw("60000"))
    assert venue.wallet("trader") == raw("120")  # 121.2 - the 1.2 fee


def test_closing_order_needs_no_new_margin() -> None:
    venue = exchange("maker")
    venue.open("trader", deposit="130")
    venue.trade("trader", "maker", "0.040", "60000")  # wallet 128.8, margin 120: 8.8 free

    venue.limit("trader", SELL, "0.040", "60100", reduce_only=True)
    venue.limit("trader", SELL, "0.040", "60200")  # one-way: closes the long, opens nothing

    assert venue.available("trader") == raw("8.8")


def test_125x_allows_only_the_first_brackets_50000_usdt() -> None:
    venue = exchange("trader")
    venue.accept(SetLeverage("trader", BTC, 125))

    # 0.834 * 60000 = 50040 > 50000
    venue.reject(order("trader", BUY, LIMIT, "0.834", "60000"), RejectReason.MAX_NOTIONAL_EXCEEDED)

    venue.accept(order("trader", BUY, LIMIT, "0.833", "60000"))  # 49980


def test_notional_cap_counts_the_position_and_the_open_orders() -> None:
    venue = exchange("trader", "maker", deposit="100000")
    venue.accept(SetLeverage("trader", BTC, 125))
    venue.trade("trader", "maker", "0.500", "60000")  # 30000 held

    # 30000 + 0.4 * 60000 = 54000 > 50000
    venue.reject(order("trader", BUY, LIMIT, "0.400", "60000"), RejectReason.MAX_NOTIONAL_EXCEEDED)
    venue.accept(order("trader", BUY, LIMIT, "0.333", "60000"))  # 30000 + 19980 = 49980


def test_100x_allows_the_second_brackets_600000_usdt() -> None:
    venue = exchange("trader", deposit="1000")
    venue.accept(SetLeverage("trader", BTC, 100))

    # 0.834 * 60000 = 50040: margin 500.4, fee 25.02
    venue.accept(order("trader", BUY, LIMIT, "0.834", "60000"))
