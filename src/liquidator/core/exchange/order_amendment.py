"""Amend a resting LIMIT order: a new price and quantity, the same order id (Binance's modify).

As Binance's ``PUT /fapi/v1/order``: only a LIMIT order resting in the book; the new price and
quantity pass PRICE_FILTER, PERCENT_PRICE and LOT_SIZE or the amendment is refused and the order
stays as it is (its place in the queue too); a quantity at or below what the order executed
cancels it, and so does a new price at which a GTX order would take liquidity. Otherwise it
leaves its place, takes the new price and quantity, and is worked as a new order would be: what
crosses the book trades at once, the rest joins the back of the queue at its price ("reordered
in the match queue"). An increase of what it commits passes the margin check first, with the
order's own exposure released.
"""

from __future__ import annotations

from liquidator.core.exchange.account_state import GENERATED_PREFIX, AccountState
from liquidator.core.exchange.commands import AmendOrder
from liquidator.core.exchange.events import Event, OrderAmended, RejectReason
from liquidator.core.exchange.matching import close_resting
from liquidator.core.exchange.order_entry import (
    check_margin,
    find_open_order,
    require_account,
    require_symbol,
    work,
)
from liquidator.core.exchange.order_rules import (
    check_percent_price,
    check_price,
    check_quantity,
    reject,
)
from liquidator.core.exchange.orders import (
    ExpiryReason,
    Order,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from liquidator.core.exchange.venue import SymbolState, Venue


def amend_order(venue: Venue, command: AmendOrder, out: list[Event]) -> Order:
    """Validate ``command``, then move the order to its new price and quantity; return it."""
    account = require_account(venue, command.account)
    state = require_symbol(venue, command.symbol)
    order = _amendable(account, state, command)
    price, quantity = command.price.raw, command.quantity.raw
    check_price(state, price, "price")
    check_percent_price(state, order.side, price)
    check_quantity(state, OrderType.LIMIT, quantity)
    if quantity <= order.executed or (  # Binance: the amendment cancels it
        order.time_in_force is TimeInForce.GTX and state.book.crosses(order.side, price)
    ):
        close_resting(venue, account, order, OrderStatus.CANCELED, ExpiryReason.NONE, out)
        return order
    _check_margin(venue, account, state, order, price, quantity)
    previous = order.price
    _take_out(account, state, order)
    order.price, order.quantity, order.updated_ms = price, quantity, venue.now_ms
    out.append(
        OrderAmended(
            account.account, order.symbol, order.order_id, previous, order.fields(), venue.now_ms
        )
    )
    generated = order.client_order_id == f"{GENERATED_PREFIX}{order.order_id}"
    work(venue, state, account, order, out, generated=generated)
    return order


def _amendable(account: AccountState, state: SymbolState, command: AmendOrder) -> Order:
    if command.order_id is None and command.client_order_id is None:
        raise reject(
            RejectReason.MISSING_PARAMETER, "Either orderId or origClientOrderId must be sent."
        )
    order = find_open_order(account, command.symbol, command.order_id, command.client_order_id)
    if order is None or order.order_id in state.triggers:
        raise reject(RejectReason.UNKNOWN_ORDER, "Order does not exist.")
    if order.orig_type is not OrderType.LIMIT:
        raise reject(RejectReason.INVALID_ORDER_TYPE, "Only LIMIT orders can be modified.")
    return order


def _check_margin(
    venue: Venue,
    account: AccountState,
    state: SymbolState,
    order: Order,
    price: int,
    quantity: int,
) -> None:
    """Check the amended order as a new one, its present exposure released meanwhile."""
    if not order.is_opening:
        return
    orders = account.symbol(order.symbol)
    released = state.tiers.order_value16(-order.remaining, order.price)  # as a cancel releases
    orders.add_exposure(order, -order.remaining, released)
    candidate = Order.from_state(order.to_state())
    candidate.price, candidate.quantity = price, quantity
    try:
        check_margin(venue, account, state, candidate)
    finally:  # the order is still where it was: its exposure back exactly as it was
        orders.add_exposure(order, order.remaining, -released)


def _take_out(account: AccountState, state: SymbolState, order: Order) -> None:
    """Take the order out of the book and the open orders, its exposure released."""
    orders = account.symbol(order.symbol)
    if order.is_opening:
        released = state.tiers.order_value16(-order.remaining, order.price)
        orders.add_exposure(order, -order.remaining, released)
    else:
        orders.closing -= 1
    state.book.side_of(order.side).remove(order)
    orders.take(order)
