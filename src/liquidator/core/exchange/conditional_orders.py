"""Conditional orders: fire STOP, TAKE_PROFIT and trailing stops when their price is reached.

A fired order becomes a LIMIT (STOP, TAKE_PROFIT) or MARKET order, passes the margin check again
(Binance checks at trigger time) and is worked like a new one. ``closePosition`` orders take the
position's size at that moment. A trailing stop activates at its activation price (at once
without one), then follows the best price and fires when the price comes back by the callback
rate: a sell at ``extreme * (1 - rate)``, a buy at ``extreme * (1 + rate)``.
"""

from __future__ import annotations

from typing import Final

from liquidator.core.exchange.events import Event, OrderClosed, OrderTriggered, Rejected
from liquidator.core.exchange.matching import closable, fillable
from liquidator.core.exchange.order_entry import check_margin, work
from liquidator.core.exchange.order_rules import is_triggered, watched_price
from liquidator.core.exchange.orders import (
    ExpiryReason,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    WorkingType,
)
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.money.scaled import SCALE

PERCENT: Final = 100 * SCALE


def run(venue: Venue, state: SymbolState, out: list[Event]) -> bool:
    """Fire every waiting order the current prices reach; return whether any fired."""
    fired_any = False
    while state.triggers:
        fired = _due(state)
        if not fired:
            break
        fired_any = True
        for order in sorted(fired, key=lambda o: o.order_id):
            if order.order_id in state.triggers:
                _fire(venue, state, order, out)
    return fired_any


def _due(state: SymbolState) -> list[Order]:
    """Return the waiting orders the prices reach (the index's candidates, checked one by one).

    A candidate held back by ``priceProtect`` goes back in the index; trailing stops are looked
    at on every move (they follow the price).
    """
    index = state.trigger_index
    due: list[Order] = []
    for working in WorkingType:
        price = watched_price(state, working)
        if price == 0:
            continue
        for order_id in index.pop_reached(working, price):
            order = state.triggers.get(order_id)
            if order is None:
                continue  # no longer waiting
            if _reached(state, order):
                due.append(order)
            else:
                index.add(order)  # held by priceProtect: wait for the next move
    for order_id, order in list(index.trailing.items()):
        if order_id not in state.triggers:
            del index.trailing[order_id]
        elif _reached(state, order):
            due.append(order)
    return due


def _reached(state: SymbolState, order: Order) -> bool:
    price = watched_price(state, order.working_type)
    if price == 0 or _protected(state, order):
        return False
    if order.type is OrderType.TRAILING_STOP_MARKET:
        return _trail(order, price)
    return is_triggered(order.type, order.side, order.stop_price, price)


def _protected(state: SymbolState, order: Order) -> bool:
    """``priceProtect``: hold the trigger while mark and last price are too far apart."""
    bound = state.instrument.filters.trigger_protect
    if not order.price_protect or not bound or not state.last_price or not state.mark_price:
        return False
    return abs(state.mark_price - state.last_price) * SCALE > bound * state.mark_price


def _trail(order: Order, price: int) -> bool:
    is_buy = order.side is Side.BUY
    if not order.activated:
        activation = order.activation_price
        if activation and (price > activation if is_buy else price < activation):
            return False
        order.activated = True
        order.trail_extreme = price
    if is_buy:
        order.trail_extreme = min(order.trail_extreme, price)
        return price * PERCENT >= order.trail_extreme * (PERCENT + order.callback_rate)
    order.trail_extreme = max(order.trail_extreme, price)
    return price * PERCENT <= order.trail_extreme * (PERCENT - order.callback_rate)


def _fire(venue: Venue, state: SymbolState, order: Order, out: list[Event]) -> None:
    account = venue.accounts[order.account]
    orders = account.symbols[order.symbol]
    del state.triggers[order.order_id]
    orders.take(order)
    orders.algo -= 1
    now = venue.now_ms
    order.updated_ms = now
    if order.close_position:
        order.quantity = closable(account, order) or 0
    room = closable(account, order)
    if order.quantity == 0 or room == 0:
        _expire(order, ExpiryReason.REDUCE_ONLY, out, now)
        return
    trigger_price = watched_price(state, order.working_type)
    order.type = order.orig_type.becomes
    out.append(OrderTriggered(order.account, order.symbol, order.order_id, trigger_price, now))
    try:
        check_margin(venue, account, state, order)
    except Rejected:
        _expire(order, ExpiryReason.NONE, out, now)
        return
    if order.time_in_force is TimeInForce.FOK and (
        fillable(venue, state, order, order.price) < order.remaining
    ):
        _expire(order, ExpiryReason.FOK_UNFILLED, out, now)
        return
    work(venue, state, account, order, out)


def _expire(order: Order, reason: ExpiryReason, out: list[Event], now: int) -> None:
    order.status = OrderStatus.EXPIRED
    order.expiry_reason = reason
    out.append(OrderClosed(order.account, order.symbol, order.order_id, "EXPIRED", reason, now))
