"""Positions in one-way mode: average entry, realized PnL (rounded down), flips, fee rounding.

BTCUSDT, index 60000. A position keeps its exact cost; closing ``c`` of ``|Q|`` removes
``ceil(cost * c / |Q|)`` and realizes ``floor(sign * c * price - removed)`` (against the account).
"""

from __future__ import annotations

from liquidator.core.exchange.orders import OrderType, Side
from tests.scenarios.venue import Fill, exchange, fills, order, order_id, raw


def test_two_buys_average_the_entry_price() -> None:
    venue = exchange("trader", "maker")
    venue.trade("trader", "maker", "0.010", "60000")

    venue.trade("trader", "maker", "0.030", "60400")

    # (0.010 * 60000 + 0.030 * 60400) / 0.040 = (600 + 1812) / 0.040 = 60300
    assert venue.position("trader") == (raw("0.040"), raw("60300"))


def test_partial_close_keeps_the_entry_price_and_realizes_the_closed_part() -> None:
    venue = exchange("trader", "maker")
    venue.trade("trader", "maker", "0.010", "60000")
    venue.trade("trader", "maker", "0.030", "60400")
    venue.limit("maker", Side.BUY, "0.020", "60500")

    sold = venue.limit("trader", Side.SELL, "0.020", "60500")

    # 0.020 * (60500 - 60300) = 4
    assert [f.realized_pnl for f in fills(sold, "trader")] == [raw("4")]
    assert venue.position("trader") == (raw("0.020"), raw("60300"))


def test_selling_three_against_a_long_of_one_flips_to_a_short_of_two() -> None:
    venue = exchange("trader", "maker", deposit="1000000")
    venue.trade("trader", "maker", "1", "60000")
    venue.set_index("61000")
    venue.limit("maker", Side.BUY, "3", "61000")

    sold = venue.limit("trader", Side.SELL, "3", "61000")

    # one fill of 3: realizes 1 * (61000 - 60000) = 1000 on the closed 1; fee 183000 * 0.0005
    assert fills(sold, "trader") == [
        Fill(order_id(sold), raw("61000"), raw("3"), raw("91.5"), raw("1000"), False)
    ]
    assert venue.position("trader") == (-raw("2"), raw("61000"))
    # 1000000 - 30 (opening fee) + 1000 - 91.5
    assert venue.wallet("trader") == raw("1000878.5")


def test_realized_pnl_is_rounded_down() -> None:
    venue = exchange("trader", "maker")
    venue.trade("trader", "maker", "0.003", "60000.1")
    venue.trade("trader", "maker", "0.004", "60000.2")
    venue.limit("maker", Side.BUY, "0.002", "60000")

    sold = venue.limit("trader", Side.SELL, "0.002", "60000")

    # cost 180.0003 + 240.0008 = 420.0011 for 0.007; closing 0.002 removes
    # ceil(420.0011 * 2 / 7) = 120.0003142857142858 (cost is kept at 10**-16);
    # PnL 120 - 120.0003142857142858 = -0.0003142857142858 -> floor -> -0.00031429
    assert [f.realized_pnl for f in fills(sold, "trader")] == [-raw("0.00031429")]


def test_realized_pnl_of_a_short_is_rounded_down_too() -> None:
    venue = exchange("trader", "maker")
    venue.trade("maker", "trader", "0.003", "60000.1")
    venue.trade("maker", "trader", "0.004", "60000.2")
    venue.limit("maker", Side.SELL, "0.002", "60000")

    bought = venue.limit("trader", Side.BUY, "0.002", "60000")

    # a short's cost is -420.0011; closing 0.002 removes ceil(-120.00031428571428571...) =
    # -120.0003142857142857; PnL -120 + 120.0003142857142857 = 0.0003142857142857 -> floor
    assert [f.realized_pnl for f in fills(bought, "trader")] == [raw("0.00031428")]


def test_fees_are_rounded_up_to_the_last_unit() -> None:
    venue = exchange("trader", "maker")
    venue.set_index("3000", symbol="ETHUSDT")
    venue.accept(order("maker", Side.SELL, OrderType.LIMIT, "0.011", "3000.01", symbol="ETHUSDT"))

    bought = venue.accept(
        order("trader", Side.BUY, OrderType.LIMIT, "0.011", "3000.01", symbol="ETHUSDT")
    )

    # notional 0.011 * 3000.01 = 33.00011: taker 0.016500055 -> 0.01650006,
    # maker 0.006600022 -> 0.00660003
    assert [f.commission for f in fills(bought, "trader")] == [raw("0.01650006")]
    assert [f.commission for f in fills(bought, "maker")] == [raw("0.00660003")]
    assert venue.fees_collected() == raw("0.02310009")
