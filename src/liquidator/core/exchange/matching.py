"""Price-time-priority matching of a taker order against the opposite side of the book.

The taker trades at each maker's price, best price first, oldest order first, while its limit
(or, for a market order, the market take bound around the mark) allows. Self-trade prevention
follows the taker's mode. Reduce-only orders, and hedge-mode orders that close a side, never
trade more than the position they close; a resting one with nothing left to close expires.
"""

from __future__ import annotations

from liquidator.core.exchange.account_state import AccountState, AccountSymbol
from liquidator.core.exchange.events import Event, OrderClosed, TradeExecuted
from liquidator.core.exchange.orders import (
    ExpiryReason,
    Order,
    OrderStatus,
    SelfTradePrevention,
    Side,
    value,
)
from liquidator.core.exchange.settlement import settle_fill
from liquidator.core.exchange.venue import SymbolState, Venue


def closable(account: AccountState, order: Order) -> int | None:
    """Return how much ``order`` may still trade if it may only close; None if it may open."""
    if order.is_opening:
        return None
    position = account.find_position(order.symbol, order.position_side)
    quantity = position.quantity if position is not None else 0
    if order.side is Side.BUY:
        return max(0, -quantity)
    return max(0, quantity)


def match(
    venue: Venue, state: SymbolState, taker: Order, limit: int | None, out: list[Event]
) -> ExpiryReason:
    """Trade ``taker`` while it crosses ``limit`` (None: any price); return why it stopped early.

    Returns ``ExpiryReason.NONE`` when the taker filled or simply ran out of crossing liquidity,
    ``SELF_TRADE`` when self-trade prevention expired it, ``REDUCE_ONLY`` when it had nothing
    left to close.
    """
    accounts = venue.accounts
    taker_account = accounts[taker.account]
    opposite = state.book.opposite_of(taker.side)
    is_buy = taker.side is Side.BUY
    prices = opposite.prices
    while taker.remaining > 0 and prices:
        best = prices[0] if is_buy else prices[-1]
        if limit is not None and (best > limit if is_buy else best < limit):
            break
        level = opposite.levels[best]  # its ``orders`` read each time: a removal may rebuild it
        while level.orders and taker.remaining > 0:
            maker = _first(level.orders)
            maker_account = accounts[maker.account]
            if maker.account == taker.account and taker.stp is not SelfTradePrevention.NONE:
                if _prevent_self_trade(venue, maker_account, maker, taker, out):
                    return ExpiryReason.SELF_TRADE
                continue
            taker_room = closable(taker_account, taker)
            if taker_room == 0:
                return ExpiryReason.REDUCE_ONLY
            maker_room = closable(maker_account, maker)
            if maker_room == 0:
                close_resting(
                    venue, maker_account, maker, OrderStatus.EXPIRED, ExpiryReason.REDUCE_ONLY, out
                )
                continue
            quantity = min(taker.remaining, maker.remaining)
            if taker_room is not None:
                quantity = min(quantity, taker_room)
            if maker_room is not None:
                quantity = min(quantity, maker_room)
            _fill(venue, state, maker_account, maker, taker_account, taker, quantity, best, out)
    return ExpiryReason.NONE


def _prevent_self_trade(
    venue: Venue, maker_account: AccountState, maker: Order, taker: Order, out: list[Event]
) -> bool:
    """Apply the taker's self-trade prevention to ``maker``; return whether the taker stops.

    EXPIRE_TAKER stops the taker, EXPIRE_MAKER expires the maker, EXPIRE_BOTH does both.
    """
    if taker.stp is not SelfTradePrevention.EXPIRE_TAKER:
        close_resting(
            venue, maker_account, maker, OrderStatus.EXPIRED, ExpiryReason.SELF_TRADE, out
        )
    return taker.stp is not SelfTradePrevention.EXPIRE_MAKER


def _first(level: dict[int, Order]) -> Order:
    """Return the oldest order of a non-empty price level (a native loop, not ``next(iter())``)."""
    for order in level.values():
        return order
    raise KeyError("empty price level")


def _fill(
    venue: Venue,
    state: SymbolState,
    maker_account: AccountState,
    maker: Order,
    taker_account: AccountState,
    taker: Order,
    quantity: int,
    price: int,
    out: list[Event],
) -> None:
    state.trade_id += 1
    trade_id = state.trade_id
    maker_orders = maker_account.symbols[maker.symbol]  # the maker rests: its seat is there
    if maker.is_opening:
        tiers = state.tiers  # linear inline: the hot path (``IntTiers.order_value16``)
        released = (
            tiers.order_value16(-quantity, maker.price) if tiers.coin16 else -quantity * maker.price
        )
        maker_orders.add_exposure(maker, -quantity, released)
    settle_fill(
        venue, maker_account, maker, quantity, price, maker=True, trade_id=trade_id, out=out
    )
    settle_fill(
        venue, taker_account, taker, quantity, price, maker=False, trade_id=trade_id, out=out
    )
    if maker.remaining == 0:
        maker.status = OrderStatus.FILLED
        _unlink_from(state, maker_orders, maker)
    else:
        maker.status = OrderStatus.PARTIALLY_FILLED
    taker.status = OrderStatus.FILLED if taker.remaining == 0 else OrderStatus.PARTIALLY_FILLED
    expire_stranded(venue, maker_account, maker.symbol, out)
    expire_stranded(venue, taker_account, taker.symbol, out)
    state.last_price = price
    buyer_is_maker = maker.side is Side.BUY
    out.append(
        TradeExecuted(
            state.instrument.symbol, trade_id, price, quantity, buyer_is_maker, venue.now_ms
        )
    )


def expire_stranded(venue: Venue, account: AccountState, symbol: str, out: list[Event]) -> None:
    """Expire resting orders that may only close a position that is no longer there (er 4)."""
    orders = account.symbols.get(symbol)
    if orders is None or not orders.closing:
        return
    state = venue.symbols[symbol]
    stranded = [
        o
        for o in orders.orders.values()
        if o.order_id not in state.triggers and closable(account, o) == 0
    ]
    for order in stranded:
        close_resting(venue, account, order, OrderStatus.EXPIRED, ExpiryReason.REDUCE_ONLY, out)


def _unlink_from(state: SymbolState, orders: AccountSymbol, order: Order) -> None:
    """Take a resting order out of the book and the account's open orders of its symbol."""
    state.book.side_of(order.side).remove(order)
    orders.take(order)
    if not order.is_opening:
        orders.closing -= 1


def close_resting(
    venue: Venue,
    account: AccountState,
    order: Order,
    status: OrderStatus,
    reason: ExpiryReason,
    out: list[Event],
) -> None:
    """Cancel or expire an open order, resting in the book or waiting for its trigger."""
    state, orders = venue.symbols[order.symbol], account.symbols[order.symbol]
    close_resting_in(venue, state, orders, account, order, status, reason, out)


def close_resting_in(
    venue: Venue,
    state: SymbolState,
    orders: AccountSymbol,
    account: AccountState,
    order: Order,
    status: OrderStatus,
    reason: ExpiryReason,
    out: list[Event],
) -> None:
    """``close_resting``, given the order's symbol state and the account's open orders there."""
    if order.order_id in state.triggers:
        del state.triggers[order.order_id]
        orders.take(order)
        orders.algo -= 1
    else:
        if order.is_opening:
            tiers, left = state.tiers, -order.remaining
            released = (
                tiers.order_value16(left, order.price) if tiers.coin16 else left * order.price
            )
            orders.add_exposure(order, -order.remaining, released)
        _unlink_from(state, orders, order)
    order.status = status
    order.expiry_reason = reason
    order.updated_ms = venue.now_ms
    out.append(
        OrderClosed(
            account.account, order.symbol, order.order_id, value(status), reason, venue.now_ms
        )
    )


def fillable(venue: Venue, state: SymbolState, taker: Order, limit: int | None) -> int:
    """Return how much of ``taker`` the book could fill now (for fill-or-kill), without trading.

    Resting orders that may only close count for no more than their position allows, and a
    taker that may only close for no more than its own.
    """
    accounts = venue.accounts
    target = taker.remaining
    taker_room = closable(accounts[taker.account], taker)
    if taker_room is not None:
        target = min(target, taker_room)
    opposite = state.book.opposite_of(taker.side)
    is_buy = taker.side is Side.BUY
    rooms: dict[tuple[str, object], int] = {}
    total = 0
    for price in opposite.prices_best_first():
        if limit is not None and (price > limit if is_buy else price < limit):
            break
        for maker in opposite.levels[price].orders.values():
            if maker.account == taker.account and taker.stp is not SelfTradePrevention.NONE:
                if taker.stp is not SelfTradePrevention.EXPIRE_MAKER:
                    return total
                continue
            total += _maker_room(accounts[maker.account], maker, rooms)
            if total >= target:
                return total
    return total


def _maker_room(account: AccountState, maker: Order, rooms: dict[tuple[str, object], int]) -> int:
    """Return what ``maker`` can trade, sharing its position's room with its siblings."""
    room = closable(account, maker)
    if room is None:
        return maker.remaining
    key = (maker.account, maker.position_side)
    left = rooms.get(key, room)
    take = min(maker.remaining, left)
    rooms[key] = left - take
    return take


def walk_cost(state: SymbolState, side: Side, quantity: int, limit: int | None) -> tuple[int, int]:
    """Return (quantity, notional in 10**-16) a market order of ``quantity`` would take.

    The notional is ``IntTiers.order_value16`` of each fill: ``qty * price`` (linear), the
    coin value (inverse).
    """
    opposite = state.book.opposite_of(side)
    is_buy = side is Side.BUY
    tiers = state.tiers
    taken = cost = 0
    for price in opposite.prices_best_first():
        if taken >= quantity or (
            limit is not None and (price > limit if is_buy else price < limit)
        ):
            break
        for maker in opposite.levels[price].orders.values():
            take = min(maker.remaining, quantity - taken)
            taken += take
            cost += tiers.order_value16(take, price) if tiers.coin16 else take * price
            if taken >= quantity:
                break
    return taken, cost
