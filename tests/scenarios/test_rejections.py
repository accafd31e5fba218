"""Orders refused at the door: symbol filters, parameters, and the things that must exist first.

BTCUSDT's filters (Binance's, 2024-03): tick 0.10, step 0.001, LOT_SIZE 0.001-1000,
MARKET_LOT_SIZE 0.001-120, price 556.80-4529764, min notional 100 USDT, PERCENT_PRICE
0.95-1.05 of the mark, at most 10 conditional orders. Index (so mark) 60000. Every refusal
leaves the state hash unchanged (``Exchange.reject`` checks it).
"""

from __future__ import annotations

import pytest

from liquidator.core.exchange.commands import Deposit, OpenAccount, PlaceOrder
from liquidator.core.exchange.events import RejectReason
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import Amount
from tests.scenarios.venue import exchange, order, order_id, usdt

BUY, SELL, LIMIT, MARKET = Side.BUY, Side.SELL, OrderType.LIMIT, OrderType.MARKET
Reason = RejectReason


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (order("t", BUY, LIMIT, "0.010", "60000.05"), Reason.PRICE_OFF_TICK),
        (
            order("t", SELL, OrderType.STOP_MARKET, "0.010", stop="59000.01"),
            Reason.PRICE_OFF_TICK,
        ),
        (order("t", BUY, LIMIT, "0.0105", "60000"), Reason.QUANTITY_OFF_STEP),
        (order("t", BUY, LIMIT, "0", "60000"), Reason.QUANTITY_OUT_OF_RANGE),
        (order("t", BUY, LIMIT, "-0.010", "60000"), Reason.QUANTITY_OUT_OF_RANGE),
        (order("t", SELL, LIMIT, "1000.001", "60000"), Reason.QUANTITY_OUT_OF_RANGE),
        (order("t", BUY, MARKET, "120.001"), Reason.QUANTITY_OUT_OF_RANGE),
        (order("t", BUY, LIMIT, "1", "556.7"), Reason.INVALID_PRICE),  # below minPrice
        (order("t", BUY, LIMIT, "0.010", "0"), Reason.INVALID_PRICE),
        (order("t", BUY, LIMIT, "0.001", "60000"), Reason.NOTIONAL_TOO_SMALL),  # 60 USDT
        (order("t", BUY, MARKET, "0.001"), Reason.NOTIONAL_TOO_SMALL),  # 60 at the mark
        (order("t", BUY, LIMIT, "0.010", "63000.1"), Reason.PRICE_ABOVE_LIMIT),  # > 63000
        (order("t", SELL, LIMIT, "0.010", "56999.9"), Reason.PRICE_BELOW_LIMIT),  # < 57000
    ],
    ids=[
        "price-off-tick",
        "stop-price-off-tick",
        "quantity-off-step",
        "zero-quantity",
        "negative-quantity",
        "above-lot-size-max",
        "above-market-lot-size-max",
        "below-min-price",
        "zero-price",
        "limit-under-min-notional",
        "market-under-min-notional",
        "buy-above-percent-price",
        "sell-below-percent-price",
    ],
)
def test_order_outside_the_symbol_filters_is_rejected(command: PlaceOrder, reason: Reason) -> None:
    venue = exchange("t")

    venue.reject(command, reason)


@pytest.mark.parametrize(
    "command",
    [
        order("t", BUY, LIMIT, "0.010", "63000"),  # exactly mark * 1.05
        order("t", SELL, LIMIT, "0.010", "57000"),  # exactly mark * 0.95
        order("t", BUY, LIMIT, "0.002", "50000"),  # exactly 100 USDT
    ],
    ids=["percent-price-up-edge", "percent-price-down-edge", "min-notional-edge"],
)
def test_order_exactly_at_a_filter_edge_is_accepted(command: PlaceOrder) -> None:
    venue = exchange("t")

    venue.accept(command)


def test_limit_order_may_exceed_the_market_lot_size_maximum() -> None:
    venue = exchange("t")

    # 120.001 BTC passes LOT_SIZE for a LIMIT order; what stops it is the margin (7.2M USDT)
    venue.reject(order("t", BUY, LIMIT, "120.001", "60000"), Reason.INSUFFICIENT_MARGIN)


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (order("t", BUY, MARKET, "0.010", "60000"), Reason.UNNEEDED_PARAMETER),
        (order("t", SELL, OrderType.STOP_MARKET, "0.010"), Reason.MISSING_PARAMETER),
        (order("t", SELL, OrderType.STOP, "0.010", stop="59000"), Reason.MISSING_PARAMETER),
        (
            order("t", SELL, OrderType.TRAILING_STOP_MARKET, "0.010"),
            Reason.MISSING_PARAMETER,
        ),
        (
            order("t", SELL, OrderType.TRAILING_STOP_MARKET, "0.010", callback="0.09"),
            Reason.INVALID_CALLBACK_RATE,
        ),
        (
            order("t", SELL, OrderType.TRAILING_STOP_MARKET, "0.010", callback="10.1"),
            Reason.INVALID_CALLBACK_RATE,
        ),
        (order("t", SELL, LIMIT, None, "60000"), Reason.MISSING_PARAMETER),
        (order("t", SELL, OrderType.LIQUIDATION, "0.010"), Reason.INVALID_ORDER_TYPE),
        (
            order("t", SELL, OrderType.STOP, "0.010", "59000", stop="59000", tif=TimeInForce.GTX),
            Reason.INVALID_TIME_IN_FORCE,
        ),
        (
            order("t", SELL, OrderType.STOP_MARKET, "0.010", stop="59000", close_position=True),
            Reason.UNNEEDED_PARAMETER,
        ),
        (order("t", SELL, LIMIT, "0.010", "60000", close_position=True), Reason.UNNEEDED_PARAMETER),
        (
            order("t", SELL, LIMIT, "0.010", "60000", position_side=PositionSide.LONG),
            Reason.POSITION_SIDE_MISMATCH,
        ),
    ],
    ids=[
        "market-with-price",
        "stop-market-without-stop-price",
        "stop-without-price",
        "trailing-without-callback",
        "callback-below-0.1",
        "callback-above-10",
        "no-quantity",
        "liquidation-type",
        "gtx-stop",
        "close-position-with-quantity",
        "close-position-on-a-limit",
        "long-side-in-one-way-mode",
    ],
)
def test_order_with_wrong_parameters_is_rejected(command: PlaceOrder, reason: Reason) -> None:
    venue = exchange("t")

    venue.reject(command, reason)


@pytest.mark.parametrize("callback", ["0.1", "10"])
def test_trailing_stop_callback_at_the_range_edges_is_accepted(callback: str) -> None:
    venue = exchange("t")

    venue.accept(order("t", SELL, OrderType.TRAILING_STOP_MARKET, "0.010", callback=callback))


def test_eleventh_conditional_order_is_rejected() -> None:
    venue = exchange("t")
    for step in range(10):
        stop = str(59000 - 100 * step)
        venue.accept(order("t", SELL, OrderType.STOP_MARKET, "0.010", stop=stop))

    venue.reject(
        order("t", SELL, OrderType.STOP_MARKET, "0.010", stop="57000"),
        Reason.TOO_MANY_ALGO_ORDERS,
    )
    venue.accept(order("t", BUY, LIMIT, "0.010", "59000"))  # plain orders still go in


def test_order_for_a_symbol_without_a_mark_price_is_rejected() -> None:
    venue = exchange("t")  # only BTCUSDT has an index

    venue.reject(order("t", BUY, LIMIT, "1", "3000", symbol="ETHUSDT"), Reason.NO_MARK_PRICE)


def test_order_for_an_unlisted_symbol_is_rejected() -> None:
    venue = exchange("t")

    venue.reject(order("t", BUY, LIMIT, "1", "3000", symbol="XRPUSDT"), Reason.UNKNOWN_SYMBOL)
    # BTCUSD_PERP (inverse) is listed, but has no index yet
    venue.reject(order("t", BUY, LIMIT, "1", "60000", symbol="BTCUSD_PERP"), Reason.NO_MARK_PRICE)


def test_order_from_an_unknown_account_is_rejected() -> None:
    venue = exchange("t")

    venue.reject(order("nobody", BUY, LIMIT, "0.010", "60000"), Reason.UNKNOWN_ACCOUNT)


def test_account_names_are_checked_and_unique() -> None:
    venue = exchange("t")

    venue.reject(OpenAccount("has space"), Reason.INVALID_ACCOUNT)
    venue.reject(OpenAccount("@fees"), Reason.INVALID_ACCOUNT)  # the venue's own ledger names
    venue.reject(OpenAccount("t"), Reason.ACCOUNT_EXISTS)


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (Deposit("t", usdt("0")), Reason.INVALID_AMOUNT),
        (Deposit("t", usdt("-1")), Reason.INVALID_AMOUNT),
        (Deposit("nobody", usdt("1")), Reason.UNKNOWN_ACCOUNT),
    ],
    ids=["zero", "negative", "unknown-account"],
)
def test_bad_deposit_is_rejected(command: Deposit, reason: Reason) -> None:
    venue = exchange("t")

    venue.reject(command, reason)


def test_deposit_in_an_asset_no_symbol_is_margined_in_is_rejected() -> None:
    venue = exchange("t")

    venue.reject(Deposit("t", Amount.of("1", "ETH")), Reason.UNKNOWN_ASSET)


def test_accepted_orders_get_increasing_ids() -> None:
    venue = exchange("t")

    first = order_id(venue.accept(order("t", BUY, LIMIT, "0.010", "59000")))
    second = order_id(venue.accept(order("t", BUY, LIMIT, "0.010", "59000")))

    assert second == first + 1
