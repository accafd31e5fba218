"""Leverage, margin type, position mode, and withdrawals limited to maxWithdrawAmount.

BTCUSDT, index (so mark) 60000, 20x by default. BTCUSDT's brackets: 125x up to 50,000 USDT,
100x up to 600,000 ... 1x up to 1,800,000,000.
"""

from __future__ import annotations

import pytest

from liquidator.core.exchange.commands import (
    PlaceOrder,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetPositionMode,
    Withdraw,
)
from liquidator.core.exchange.events import (
    LeverageChanged,
    MarginTypeChanged,
    PositionModeChanged,
    RejectReason,
)
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.margin.position import MarginType
from liquidator.core.money.fixed import Amount, Price
from tests.scenarios.venue import BTC, exchange, of_type, order, raw, usdt

# -- leverage --------------------------------------------------------------------------------


def test_leverage_change_reports_the_new_notional_cap() -> None:
    venue = exchange("trader")

    changed = venue.accept(SetLeverage("trader", BTC, 100))

    assert [(e.leverage, e.max_notional) for e in of_type(changed, LeverageChanged)] == [
        (100, raw("600000"))
    ]


@pytest.mark.parametrize("leverage", [0, 126])
def test_leverage_outside_the_bracket_table_is_rejected(leverage: int) -> None:
    venue = exchange("trader")

    venue.reject(SetLeverage("trader", BTC, leverage), RejectReason.INVALID_LEVERAGE)


def test_leverage_whose_cap_is_below_the_positions_notional_is_rejected() -> None:
    venue = exchange("trader", "maker")
    venue.trade("trader", "maker", "1", "60000")  # 60,000 USDT long

    venue.reject(SetLeverage("trader", BTC, 125), RejectReason.MAX_NOTIONAL_EXCEEDED)  # cap 50,000
    venue.accept(SetLeverage("trader", BTC, 100))  # cap 600,000


def test_leverage_whose_cap_is_below_the_open_orders_notional_is_rejected() -> None:
    venue = exchange("trader")
    venue.accept(order("trader", Side.BUY, OrderType.LIMIT, "0.900", "60000"))  # 54,000

    venue.reject(SetLeverage("trader", BTC, 125), RejectReason.MAX_NOTIONAL_EXCEEDED)


def test_lowering_leverage_the_balance_cannot_carry_is_rejected() -> None:
    venue = exchange("maker")
    venue.open("trader", deposit="130")
    venue.accept(SetLeverage("trader", BTC, 20))  # set, not the default: see the xfail below
    venue.trade("trader", "maker", "0.040", "60000")  # wallet 128.8, margin 2400 / 20 = 120

    # at 10x the margin would be 240 > 128.8
    venue.reject(SetLeverage("trader", BTC, 10), RejectReason.INSUFFICIENT_MARGIN)
    venue.accept(SetLeverage("trader", BTC, 19))  # 2400 / 19 = 126.32 fits


def test_refused_leverage_change_leaves_a_default_leverage_untouched() -> None:
    venue = exchange("maker")
    venue.open("trader", deposit="130")
    venue.trade("trader", "maker", "0.040", "60000")  # 20x by default, never set

    venue.reject(SetLeverage("trader", BTC, 10), RejectReason.INSUFFICIENT_MARGIN)


# -- margin type -----------------------------------------------------------------------------


def test_margin_type_change_is_reported() -> None:
    venue = exchange("trader")

    changed = venue.accept(SetMarginType("trader", BTC, MarginType.ISOLATED))

    assert [e.margin_type for e in of_type(changed, MarginTypeChanged)] == [MarginType.ISOLATED]


def test_margin_type_change_to_the_current_type_is_rejected() -> None:
    venue = exchange("trader")

    venue.reject(
        SetMarginType("trader", BTC, MarginType.CROSS), RejectReason.NO_NEED_TO_CHANGE_MARGIN_TYPE
    )


@pytest.mark.parametrize(
    "open_order",
    [
        order("trader", Side.BUY, OrderType.LIMIT, "0.010", "59000"),
        order("trader", Side.SELL, OrderType.STOP_MARKET, "0.010", stop="59000"),
    ],
    ids=["resting", "conditional"],
)
def test_margin_type_change_with_open_orders_is_rejected(open_order: PlaceOrder) -> None:
    venue = exchange("trader")
    venue.accept(open_order)

    venue.reject(
        SetMarginType("trader", BTC, MarginType.ISOLATED), RejectReason.MARGIN_TYPE_OPEN_ORDERS
    )


def test_margin_type_change_with_a_position_is_rejected() -> None:
    venue = exchange("trader", "maker")
    venue.trade("trader", "maker", "0.010", "60000")

    venue.reject(
        SetMarginType("trader", BTC, MarginType.ISOLATED), RejectReason.MARGIN_TYPE_OPEN_POSITION
    )


def test_margin_type_of_another_symbol_may_change_with_a_btc_position() -> None:
    venue = exchange("trader", "maker")
    venue.trade("trader", "maker", "0.010", "60000")

    venue.accept(SetMarginType("trader", "ETHUSDT", MarginType.ISOLATED))


# -- position mode ---------------------------------------------------------------------------


def test_position_mode_change_is_reported() -> None:
    venue = exchange("trader")

    changed = venue.accept(SetPositionMode("trader", hedge=True))

    assert [e.hedge for e in of_type(changed, PositionModeChanged)] == [True]


def test_position_mode_change_to_the_current_mode_is_rejected() -> None:
    venue = exchange("trader")

    venue.reject(
        SetPositionMode("trader", hedge=False), RejectReason.NO_NEED_TO_CHANGE_POSITION_MODE
    )


def test_position_mode_change_with_an_open_order_in_any_symbol_is_rejected() -> None:
    venue = exchange("trader")
    venue.accept(SetIndexPrice("ETHUSDT", Price.of("3000")))
    venue.accept(order("trader", Side.BUY, OrderType.LIMIT, "0.100", "2900", symbol="ETHUSDT"))

    venue.reject(SetPositionMode("trader", hedge=True), RejectReason.POSITION_MODE_OPEN_ORDERS)


def test_position_mode_change_with_a_position_is_rejected() -> None:
    venue = exchange("trader", "maker")
    venue.trade("trader", "maker", "0.010", "60000")

    venue.reject(SetPositionMode("trader", hedge=True), RejectReason.POSITION_MODE_OPEN_POSITION)


# -- withdrawals -----------------------------------------------------------------------------


def test_withdrawal_is_limited_to_the_wallet_less_position_margin() -> None:
    venue = exchange("maker")
    venue.open("trader", deposit="1000")
    venue.trade("trader", "maker", "0.010", "60000")  # fee 0.3: wallet 999.7, margin 30

    # max withdraw 999.7 - 30 = 969.7
    assert venue.max_withdraw("trader") == raw("969.7")
    venue.reject(Withdraw("trader", usdt("969.70000001")), RejectReason.INSUFFICIENT_BALANCE)
    venue.accept(Withdraw("trader", usdt("969.7")))

    assert venue.wallet("trader") == raw("30")


def test_unrealized_profit_is_not_withdrawable() -> None:
    venue = exchange("maker")
    venue.open("trader", deposit="1000")
    venue.trade("trader", "maker", "0.010", "60000")

    venue.set_index("61000")  # mark 61000: +10 unrealized, margin 610 / 20 = 30.5

    # 999.7 - 30.5 = 969.2: the profit does not count, the margin grows with the mark
    assert venue.mark() == raw("61000")
    assert venue.available("trader") == raw("979.2")
    assert venue.max_withdraw("trader") == raw("969.2")
    venue.reject(Withdraw("trader", usdt("969.20000001")), RejectReason.INSUFFICIENT_BALANCE)


def test_unrealized_loss_reduces_the_withdrawable_amount() -> None:
    venue = exchange("maker")
    venue.open("trader", deposit="1000")
    venue.trade("maker", "trader", "0.010", "60000")  # trader's short rested: fee 0.12

    venue.set_index("61000")  # -10 unrealized, margin 30.5

    # 999.88 - 10 - 30.5 = 959.38
    assert venue.max_withdraw("trader") == raw("959.38")
    venue.reject(Withdraw("trader", usdt("959.38000001")), RejectReason.INSUFFICIENT_BALANCE)
    venue.accept(Withdraw("trader", usdt("959.38")))


def test_open_orders_reduce_the_withdrawable_amount() -> None:
    venue = exchange("trader", deposit="1000")
    venue.accept(order("trader", Side.BUY, OrderType.LIMIT, "0.010", "60000"))  # holds 30

    assert venue.max_withdraw("trader") == raw("970")


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (usdt("0"), RejectReason.INVALID_AMOUNT),
        (Amount.of("1", "ETH"), RejectReason.UNKNOWN_ASSET),
        (usdt("10000.00000001"), RejectReason.INSUFFICIENT_BALANCE),
    ],
    ids=["zero", "unknown-asset", "more-than-the-wallet"],
)
def test_bad_withdrawal_is_rejected(amount: Amount, reason: RejectReason) -> None:
    venue = exchange("trader")

    venue.reject(Withdraw("trader", amount), reason)
