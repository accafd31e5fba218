"""Conditional orders: STOP / TAKE_PROFIT (limit and market), closePosition, trigger cascades.

BTCUSDT, index 60000. ``trader`` holds a position against ``maker`` (``with_long``,
``with_short``); ``a`` and ``b`` print small trades (0.002 BTC) to move the last price, the
CONTRACT_PRICE a conditional order watches by default. With every print at or below the index
the mark stays 60000 (the median of the index, the index carried to funding, which is slightly
above it, and the last price).
"""

from __future__ import annotations

import pytest

from liquidator.core.exchange.events import OrderTriggered, RejectReason
from liquidator.core.exchange.orders import OrderStatus, OrderType, Side, TimeInForce, WorkingType
from tests.scenarios.venue import (
    Fill,
    closed,
    exchange,
    fills,
    of_type,
    order,
    order_id,
    raw,
    with_long,
    with_short,
)

SELL, BUY = Side.SELL, Side.BUY


def triggered(outcome_events: list[OrderTriggered]) -> list[tuple[int, int]]:
    return [(t.order_id, t.trigger_price) for t in outcome_events]


# -- triggered by the last price (CONTRACT_PRICE) -------------------------------------------


def test_stop_market_sell_fires_when_a_trade_prints_at_its_stop_price() -> None:
    venue = with_long()
    stop = order_id(
        venue.accept(order("trader", SELL, OrderType.STOP_MARKET, "0.010", stop="59500"))
    )
    venue.limit("maker", BUY, "0.010", "59400")
    venue.trade("b", "a", "0.002", "59600")  # above the stop: nothing happens
    assert venue.order("trader", stop) is not None

    printed = venue.trade("b", "a", "0.002", "59500")

    assert triggered(of_type(printed, OrderTriggered)) == [(stop, raw("59500"))]
    # sold at the bid 59400: fee 594 * 0.0005 = 0.297, PnL 0.010 * (59400 - 60000) = -6
    assert fills(printed, "trader") == [
        Fill(stop, raw("59400"), raw("0.010"), raw("0.297"), -raw("6"), False)
    ]
    assert venue.position("trader") == (0, 0)
    assert venue.order("trader", stop) is None


def test_take_profit_limit_fires_on_a_print_and_works_as_a_limit_at_its_price() -> None:
    venue = with_long()
    take = order_id(
        venue.accept(order("trader", SELL, OrderType.TAKE_PROFIT, "0.010", "60400", stop="60500"))
    )
    venue.limit("maker", BUY, "0.004", "60450")

    printed = venue.trade("b", "a", "0.002", "60500")

    assert triggered(of_type(printed, OrderTriggered)) == [(take, raw("60500"))]
    # 0.004 sold to the bid at 60450: fee 241.8 * 0.0005 = 0.1209, PnL 0.004 * 450 = 1.8
    assert fills(printed, "trader") == [
        Fill(take, raw("60450"), raw("0.004"), raw("0.1209"), raw("1.8"), False)
    ]
    working = venue.order("trader", take)
    assert working is not None
    assert (working.type, working.orig_type) == (OrderType.LIMIT, OrderType.TAKE_PROFIT)
    assert working.status is OrderStatus.PARTIALLY_FILLED
    assert venue.book(SELL) == [(raw("60400"), raw("0.006"))]


def test_contract_price_stop_ignores_a_mark_move() -> None:
    venue = with_long()
    stop = order_id(
        venue.accept(order("trader", SELL, OrderType.STOP_MARKET, "0.010", stop="59500"))
    )

    moved = venue.set_index("59000")  # the mark falls below 59500, the last price stays 60000

    assert venue.mark() < raw("59500")
    assert of_type(moved, OrderTriggered) == []
    assert venue.order("trader", stop) is not None


# -- triggered by the mark price (MARK_PRICE) -----------------------------------------------


def test_stop_limit_buy_on_mark_price_fires_when_the_index_lifts_the_mark() -> None:
    venue = with_short()
    stop = order_id(
        venue.accept(
            order(
                "trader",
                BUY,
                OrderType.STOP,
                "0.010",
                "61100",
                stop="61000",
                working_type=WorkingType.MARK_PRICE,
            )
        )
    )
    venue.limit("maker", SELL, "0.010", "61050")

    moved = venue.set_index("61000")  # last 60000 below the index: mark = index = 61000

    assert triggered(of_type(moved, OrderTriggered)) == [(stop, raw("61000"))]
    # bought at the ask 61050: fee 610.5 * 0.0005 = 0.30525, PnL 0.010 * (60000 - 61050) = -10.5
    assert fills(moved, "trader") == [
        Fill(stop, raw("61050"), raw("0.010"), raw("0.30525"), -raw("10.5"), False)
    ]
    assert venue.position("trader") == (0, 0)


def test_take_profit_market_on_mark_price_fires_when_the_mark_reaches_it() -> None:
    venue = with_long()
    take = order_id(
        venue.accept(
            order(
                "trader",
                SELL,
                OrderType.TAKE_PROFIT_MARKET,
                "0.010",
                stop="61000",
                working_type=WorkingType.MARK_PRICE,
            )
        )
    )
    venue.limit("maker", BUY, "0.010", "60990")
    venue.set_index("60999.9")
    assert venue.order("trader", take) is not None

    moved = venue.set_index("61000")

    assert triggered(of_type(moved, OrderTriggered)) == [(take, raw("61000"))]
    # fee 609.9 * 0.0005 = 0.30495, PnL 0.010 * 990 = 9.9
    assert fills(moved, "trader") == [
        Fill(take, raw("60990"), raw("0.010"), raw("0.30495"), raw("9.9"), False)
    ]


def test_mark_price_stop_ignores_a_print_and_fires_on_the_mark() -> None:
    venue = with_long()
    stop = order_id(
        venue.accept(
            order(
                "trader",
                SELL,
                OrderType.STOP_MARKET,
                "0.010",
                stop="59500",
                working_type=WorkingType.MARK_PRICE,
            )
        )
    )
    venue.limit("maker", BUY, "0.010", "59400")
    printed = venue.trade("b", "a", "0.002", "59500")
    assert of_type(printed, OrderTriggered) == []
    assert venue.mark() == raw("60000")

    moved = venue.set_index("59500")  # last 59500 = index: mark 59500

    assert triggered(of_type(moved, OrderTriggered)) == [(stop, raw("59500"))]
    assert [(f.price, f.quantity) for f in fills(moved, "trader")] == [(raw("59400"), raw("0.010"))]


# -- refused at placement --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "side", "price", "stop"),
    [
        (OrderType.STOP_MARKET, SELL, None, "60000"),  # a sell stop fires at or below
        (OrderType.STOP_MARKET, BUY, None, "60000"),  # a buy stop fires at or above
        (OrderType.TAKE_PROFIT_MARKET, SELL, None, "59900"),  # a sell TP fires at or above
        (OrderType.TAKE_PROFIT_MARKET, BUY, None, "60100"),  # a buy TP fires at or below
        (OrderType.STOP, SELL, "59900", "60100"),
        (OrderType.TAKE_PROFIT, BUY, "60100", "60100"),
    ],
)
def test_conditional_order_that_would_trigger_immediately_is_rejected(
    kind: OrderType, side: Side, price: str | None, stop: str
) -> None:
    venue = exchange("trader")

    venue.reject(
        order("trader", side, kind, "0.010", price, stop=stop),
        RejectReason.WOULD_TRIGGER_IMMEDIATELY,
    )


def test_would_trigger_check_uses_the_price_the_order_watches() -> None:
    venue = with_long()
    venue.trade("b", "a", "0.002", "59000")  # last 59000, mark still 60000

    venue.reject(
        order("trader", SELL, OrderType.STOP_MARKET, "0.010", stop="59500"),
        RejectReason.WOULD_TRIGGER_IMMEDIATELY,
    )
    venue.accept(
        order(
            "trader",
            SELL,
            OrderType.STOP_MARKET,
            "0.010",
            stop="59500",
            working_type=WorkingType.MARK_PRICE,
        )
    )


# -- closePosition ---------------------------------------------------------------------------


def test_close_position_stop_sells_the_whole_position_held_when_it_fires() -> None:
    venue = with_long("0.010")
    stop = order_id(
        venue.accept(
            order("trader", SELL, OrderType.STOP_MARKET, stop="59500", close_position=True)
        )
    )
    venue.trade("trader", "maker", "0.010", "60000")  # the long grows to 0.020 afterwards
    venue.limit("maker", BUY, "0.030", "59400")

    printed = venue.trade("b", "a", "0.002", "59500")

    # 0.020 at 59400: fee 1188 * 0.0005 = 0.594, PnL 0.020 * -600 = -12
    assert fills(printed, "trader") == [
        Fill(stop, raw("59400"), raw("0.020"), raw("0.594"), -raw("12"), False)
    ]
    assert venue.position("trader") == (0, 0)
    assert venue.book(BUY) == [(raw("59400"), raw("0.010"))]


def test_close_position_stop_with_no_position_left_expires_with_reason_4() -> None:
    venue = with_long("0.010")
    stop = order_id(
        venue.accept(
            order("trader", SELL, OrderType.STOP_MARKET, stop="59500", close_position=True)
        )
    )
    venue.limit("maker", BUY, "0.010", "60000")
    venue.limit("trader", SELL, "0.010", "60000")  # closed by hand
    venue.limit("maker", BUY, "0.010", "59400")

    printed = venue.trade("b", "a", "0.002", "59500")

    assert closed(printed) == [(stop, "EXPIRED", 4)]
    assert fills(printed, "trader") == []
    assert venue.book(BUY) == [(raw("59400"), raw("0.010"))]


# -- cascades and trigger-time checks --------------------------------------------------------


def test_a_fired_stops_fill_can_fire_the_next_stop() -> None:
    venue = with_long()
    venue.open("second")
    venue.trade("second", "maker", "0.010", "60000")
    first = order_id(
        venue.accept(order("trader", SELL, OrderType.STOP_MARKET, "0.010", stop="59500"))
    )
    second = order_id(
        venue.accept(order("second", SELL, OrderType.STOP_MARKET, "0.010", stop="59400"))
    )
    venue.limit("maker", BUY, "0.010", "59400")
    venue.limit("maker", BUY, "0.010", "59300")

    printed = venue.trade("b", "a", "0.002", "59500")

    # the first stop sells at 59400, which prints 59400 and fires the second at 59300
    assert triggered(of_type(printed, OrderTriggered)) == [
        (first, raw("59500")),
        (second, raw("59400")),
    ]
    assert [f.price for f in fills(printed, "trader")] == [raw("59400")]
    assert [f.price for f in fills(printed, "second")] == [raw("59300")]


def test_triggered_order_the_margin_cannot_carry_expires() -> None:
    venue = exchange("maker", "a", "b")
    venue.open("poor", deposit="100")
    stop = order_id(venue.accept(order("poor", BUY, OrderType.STOP_MARKET, "0.040", stop="60500")))
    venue.limit("maker", SELL, "0.040", "60600")

    printed = venue.trade("b", "a", "0.002", "60500")

    # 0.040 * 60600 = 2424 needs 121.2 of margin and 1.212 of fee: more than 100
    assert triggered(of_type(printed, OrderTriggered)) == [(stop, raw("60500"))]
    assert closed(printed) == [(stop, "EXPIRED", 0)]
    assert venue.position("poor") == (0, 0)


def test_triggered_fok_stop_that_cannot_fill_completely_does_not_trade() -> None:
    venue = with_long()
    stop = order_id(
        venue.accept(
            order(
                "trader",
                SELL,
                OrderType.STOP,
                "0.010",
                "59400",
                stop="59500",
                tif=TimeInForce.FOK,
            )
        )
    )
    venue.limit("maker", BUY, "0.004", "59450")  # only 0.004 of the 0.010 at or above 59400

    printed = venue.trade("b", "a", "0.002", "59500")

    assert triggered(of_type(printed, OrderTriggered)) == [(stop, raw("59500"))]
    assert fills(printed, "trader") == []
    assert venue.position("trader") == (raw("0.010"), raw("60000"))
