"""A price-time-priority order book for one symbol.

Each side maps a price to the resting orders at that price in arrival order (a dict keeps
insertion order, and removes an order in O(1)); the prices of a side are kept sorted for the
best-price lookups. The book holds only resting limit orders; conditional orders wait elsewhere.

A dict keeps the slot of a removed order until it next grows, and finding a level's oldest order
steps over the slots of the orders that left its front (filled, mostly): a level that never
empties would make each lookup of its oldest order longer. A level counts its removals since its
dict was built, and rebuilds the dict (the same orders, in the same order) once they outnumber
half its orders: ``O(1)`` amortized per removal.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import Final

from liquidator.core.exchange.orders import Order, Side

GAP_SLACK: Final = 8  # removals a level takes before a rebuild, past half its orders


class Level:
    """The resting orders at one price, oldest first (``orders``: order id -> order)."""

    __slots__ = ("gaps", "orders")

    def __init__(self) -> None:
        self.orders: dict[int, Order] = {}
        self.gaps = 0  # orders removed since ``orders`` was built (the slots it still keeps)

    def remove(self, order_id: int) -> None:
        """Remove an order; rebuild ``orders`` when its removed slots outnumber half of it."""
        orders = self.orders
        del orders[order_id]
        self.gaps += 1
        if self.gaps > GAP_SLACK + (len(orders) >> 1):
            self.orders = dict(orders)  # the same orders in the same order, no removed slots
            self.gaps = 0


class BookSide:
    """The bids or the asks: price levels, best first for the matching walk."""

    __slots__ = ("is_bid", "levels", "prices")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[int, Level] = {}
        self.prices: list[int] = []  # ascending

    def add(self, order: Order) -> None:
        level = self.levels.get(order.price)
        if level is None:
            level = self.levels[order.price] = Level()
            insort(self.prices, order.price)
        level.orders[order.order_id] = order

    def remove(self, order: Order) -> None:
        level = self.levels[order.price]
        level.remove(order.order_id)
        if not level.orders:
            self.drop_level(order.price)

    def drop_level(self, price: int) -> None:
        del self.levels[price]
        del self.prices[bisect_left(self.prices, price)]

    def best(self) -> int | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.is_bid else self.prices[0]

    def prices_best_first(self) -> Iterator[int]:
        return reversed(self.prices) if self.is_bid else iter(self.prices)

    def depth(self, limit: int | None = None) -> list[tuple[int, int]]:
        """Return ``(price, total remaining quantity)`` per level, best first."""
        result: list[tuple[int, int]] = []
        for price in self.prices_best_first():
            if limit is not None and len(result) >= limit:
                break
            result.append((price, sum(o.remaining for o in self.levels[price].orders.values())))
        return result

    def levels_best_first(self) -> Iterator[tuple[int, int]]:
        """Yield ``(price, total remaining quantity)`` per level, best first, lazily."""
        for price in self.prices_best_first():
            yield price, sum(o.remaining for o in self.levels[price].orders.values())

    def orders(self) -> Iterator[Order]:
        for price in self.prices_best_first():
            yield from self.levels[price].orders.values()


class Book:
    """The two sides of one symbol's book."""

    __slots__ = ("asks", "bids", "symbol")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)

    def side_of(self, side: Side) -> BookSide:
        """Return the side where an order of ``side`` rests."""
        return self.bids if side is Side.BUY else self.asks

    def opposite_of(self, side: Side) -> BookSide:
        """Return the side an order of ``side`` trades against."""
        return self.asks if side is Side.BUY else self.bids

    def best_bid(self) -> int | None:
        return self.bids.best()

    def best_ask(self) -> int | None:
        return self.asks.best()

    def crosses(self, side: Side, price: int) -> bool:
        """Tell whether a limit order at ``price`` would trade on arrival."""
        best = self.opposite_of(side).best()
        if best is None:
            return False
        return price >= best if side is Side.BUY else price <= best
