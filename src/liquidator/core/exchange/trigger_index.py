"""Waiting conditional orders by their trigger price, so a price move finds them in O(log n + k).

STOP and TAKE_PROFIT orders (and their MARKET forms) fire when the watched price (mark or last,
by ``workingType``) rises to or falls to their stop price: they sit in one heap per working
type and direction. Trailing stops move with the price, so they are kept apart and looked at on
every move. Entries are never removed: an order no longer waiting (fired, cancelled, expired)
is dropped when its entry comes up. Derived state: rebuilt from the orders on restore.
"""

from __future__ import annotations

import heapq

from liquidator.core.exchange.orders import Order, OrderType, Side, WorkingType

Entry = tuple[int, int]  # (heap price, order id)


def rises(order: Order) -> bool:
    """A stop buys when the price rises to it; a take-profit sells when it does."""
    stop = order.orig_type in (OrderType.STOP, OrderType.STOP_MARKET)
    return stop == (order.side is Side.BUY)


class TriggerIndex:
    __slots__ = ("falling", "rising", "trailing")

    def __init__(self) -> None:
        self.rising: dict[WorkingType, list[Entry]] = {w: [] for w in WorkingType}
        self.falling: dict[WorkingType, list[Entry]] = {w: [] for w in WorkingType}
        self.trailing: dict[int, Order] = {}

    def add(self, order: Order) -> None:
        if order.orig_type is OrderType.TRAILING_STOP_MARKET:
            self.trailing[order.order_id] = order
        elif rises(order):
            heapq.heappush(self.rising[order.working_type], (order.stop_price, order.order_id))
        else:
            heapq.heappush(self.falling[order.working_type], (-order.stop_price, order.order_id))

    def pop_reached(self, working: WorkingType, price: int) -> list[int]:
        """Pop the ids of orders of ``working`` whose stop ``price`` has reached."""
        ids = []
        heap = self.rising[working]
        while heap and heap[0][0] <= price:
            ids.append(heapq.heappop(heap)[1])
        heap = self.falling[working]
        while heap and -heap[0][0] >= price:
            ids.append(heapq.heappop(heap)[1])
        return ids
