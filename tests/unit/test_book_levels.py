"""A price level's orders stay in arrival order while orders leave its front and it is rebuilt."""

from __future__ import annotations

from liquidator.core.exchange.book import GAP_SLACK, BookSide
from liquidator.core.exchange.orders import Order, OrderType, Side, TimeInForce
from liquidator.core.margin.position import PositionSide

PRICE = 100


def _order(order_id: int) -> Order:
    return Order(
        order_id=order_id,
        account="a",
        symbol="BTCUSDT",
        client_order_id=f"c{order_id}",
        side=Side.SELL,
        position_side=PositionSide.BOTH,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=1,
        price=PRICE,
    )


def test_a_level_fed_at_the_back_and_eaten_at_the_front_keeps_arrival_order() -> None:
    side = BookSide(is_bid=False)
    resting = [_order(i) for i in range(1, 21)]
    for order in resting:
        side.add(order)
    next_id = 21
    for _ in range(500):  # a level that never empties: one leaves the front, one arrives
        level = side.levels[PRICE]
        oldest = next(iter(level.orders.values()))
        assert oldest is resting[0]
        side.remove(resting.pop(0))
        resting.append(_order(next_id))
        side.add(resting[-1])
        next_id += 1
        assert list(side.levels[PRICE].orders.values()) == resting
        # the removed slots are bounded: rebuilt once they outnumber half the orders
        assert side.levels[PRICE].gaps <= GAP_SLACK + len(resting) // 2
    assert [o.order_id for o in side.orders()] == [o.order_id for o in resting]


def test_removals_from_the_middle_and_the_last_one_drop_the_level() -> None:
    side = BookSide(is_bid=True)
    orders = [_order(i) for i in range(1, 41)]
    for order in orders:
        side.add(order)
    for order in orders[1::2]:
        side.remove(order)
    assert list(side.levels[PRICE].orders.values()) == orders[0::2]
    assert side.depth() == [(PRICE, 20)]
    for order in orders[0::2]:
        side.remove(order)
    assert side.levels == {}
    assert side.prices == []
    assert side.best() is None
