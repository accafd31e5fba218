"""reduceOnly (one-way mode): never opens or grows a position, never trades past it.

BTCUSDT, index 60000; ``trader`` is long 0.010 at 60000, bought from ``maker``.
"""

from __future__ import annotations

import pytest

from liquidator.core.exchange.events import RejectReason
from liquidator.core.exchange.orders import OrderType, Side
from tests.scenarios.venue import Exchange, Fill, closed, exchange, fills, order, order_id, raw


def with_long() -> Exchange:
    venue = exchange("trader", "maker", "buyer")
    venue.trade("trader", "maker", "0.010", "60000")
    return venue


def test_reduce_only_order_without_a_position_is_rejected() -> None:
    venue = exchange("trader")

    venue.reject(
        order("trader", Side.SELL, OrderType.LIMIT, "0.010", "60000", reduce_only=True),
        RejectReason.REDUCE_ONLY_REJECTED,
    )


@pytest.mark.parametrize("kind", [OrderType.LIMIT, OrderType.MARKET])
def test_reduce_only_order_that_would_grow_the_position_is_rejected(kind: OrderType) -> None:
    venue = with_long()
    price = "60000" if kind is OrderType.LIMIT else None

    venue.reject(
        order("trader", Side.BUY, kind, "0.010", price, reduce_only=True),
        RejectReason.REDUCE_ONLY_REJECTED,
    )


def test_reduce_only_taker_larger_than_the_position_trades_only_the_position() -> None:
    venue = with_long()
    venue.limit("maker", Side.BUY, "0.030", "60000")

    sold = venue.limit("trader", Side.SELL, "0.020", "60000", reduce_only=True)

    # 0.010 closed at 60000: fee 600 * 0.0005 = 0.3, no PnL; the other 0.010 expires (reason 4)
    reducing = order_id(sold)
    assert fills(sold, "trader") == [
        Fill(reducing, raw("60000"), raw("0.010"), raw("0.3"), 0, False)
    ]
    assert closed(sold) == [(reducing, "EXPIRED", 4)]
    assert venue.position("trader") == (0, 0)
    assert venue.book(Side.BUY) == [(raw("60000"), raw("0.020"))]


def test_resting_reduce_only_order_is_capped_at_the_position_when_it_is_hit() -> None:
    venue = with_long()
    resting = order_id(venue.limit("trader", Side.SELL, "0.020", "60100", reduce_only=True))

    bought = venue.limit("buyer", Side.BUY, "0.020", "60100")

    # the maker side closes 0.010: PnL 0.010 * 100 = 1, maker fee 601 * 0.0002 = 0.1202
    assert fills(bought, "trader") == [
        Fill(resting, raw("60100"), raw("0.010"), raw("0.1202"), raw("1"), True)
    ]
    assert closed(bought) == [(resting, "EXPIRED", 4)]
    assert venue.position("trader") == (0, 0)
    assert venue.position("buyer") == (raw("0.010"), raw("60100"))
    assert venue.book(Side.BUY) == [(raw("60100"), raw("0.010"))]


def test_reduce_only_order_is_exempt_from_min_notional() -> None:
    venue = with_long()

    # 0.001 * 60000 = 60 USDT, under the 100 USDT minimum
    venue.reject(
        order("trader", Side.SELL, OrderType.LIMIT, "0.001", "60000"),
        RejectReason.NOTIONAL_TOO_SMALL,
    )
    venue.limit("trader", Side.SELL, "0.001", "60000", reduce_only=True)


def test_resting_reduce_only_order_expires_when_the_position_is_closed_by_another_order() -> None:
    venue = with_long()
    resting = order_id(venue.limit("trader", Side.SELL, "0.010", "60500", reduce_only=True))
    venue.limit("maker", Side.BUY, "0.010", "60000")

    closing = venue.market_order("trader", Side.SELL, "0.010")

    assert venue.position("trader") == (0, 0)
    assert (resting, "EXPIRED", 4) in closed(closing)
    assert venue.order("trader", resting) is None
