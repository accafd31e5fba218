"""Place and cancel orders: validate everything, then accept, match, rest or expire.

Validation (``order_rules`` and the margin check here) raises before any mutation, so a refused
order leaves no trace. Pre-trade margin: an opening order's exposure (at its limit price, or a
market order's walk through the book) is added to the account's open-order margin, plus the
open loss against the mark and the taker fee; the order is refused if that leaves the available
balance negative (and lower than before), or if the position could outgrow the notional cap of
the account's leverage bracket.
"""

from __future__ import annotations

from liquidator.core.exchange.account_state import GENERATED_PREFIX, AccountState, AccountSymbol
from liquidator.core.exchange.commands import CancelAllOrders, CancelOrder, PlaceOrder
from liquidator.core.exchange.events import Event, OrderAccepted, OrderClosed, RejectReason
from liquidator.core.exchange.matching import (
    close_resting,
    close_resting_in,
    fillable,
    match,
    walk_cost,
)
from liquidator.core.exchange.order_rules import (
    check_callback,
    check_client_order_id,
    check_order_count,
    check_parameters,
    check_percent_price,
    check_position_side,
    check_price,
    check_quantity,
    is_triggered,
    price_limits,
    reject,
    watched_price,
)
from liquidator.core.exchange.orders import (
    ExpiryReason,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    is_conditional,
)
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.pretrade import (
    cross_figures,
    exposure,
    open_order_margin,
)
from liquidator.core.money.scaled import SCALE, ceil_div, ceil_scaled_div


def require_account(venue: Venue, name: str) -> AccountState:
    account = venue.accounts.get(name)
    if account is None:
        raise reject(RejectReason.UNKNOWN_ACCOUNT, f"unknown account {name!r}")
    return account


def require_symbol(venue: Venue, symbol: str) -> SymbolState:
    state = venue.symbols.get(symbol)
    if state is None:
        raise reject(RejectReason.UNKNOWN_SYMBOL, f"Invalid symbol {symbol!r}")
    return state


def place_order(
    venue: Venue, command: PlaceOrder, out: list[Event], state: SymbolState | None = None
) -> Order:
    """Validate ``command``, then accept the order and work it; return it.

    ``state``: the command's symbol's state, when the caller has looked it up already.
    """
    account = require_account(venue, command.account)
    if state is None:
        state = require_symbol(venue, command.symbol)
    order = _validated(venue, account, state, command)
    order.order_id = venue.next_order_id()
    seat = account.symbols.get(order.symbol)  # looked up once (never removed once there)
    generated = False  # the plain liq-<orderId>: open orders find it without a map
    if not order.client_order_id:
        order.client_order_id, generated = _generated_id(order, seat)
    out.append(
        OrderAccepted(account.account, order.symbol, order.order_id, order.fields(), venue.now_ms)
    )
    if is_conditional(order.type):
        orders = account.symbol(order.symbol)
        orders.put(order, generated=generated)
        orders.algo += 1
        state.triggers[order.order_id] = order
        state.trigger_index.add(order)
        if order.type is OrderType.TRAILING_STOP_MARKET and not order.activation_price:
            order.activated = True
            order.trail_extreme = watched_price(state, order.working_type)
    else:
        work(venue, state, account, order, out, generated=generated, seat=seat)
    return order


def _generated_id(order: Order, orders: AccountSymbol | None) -> tuple[str, bool]:
    """Return ``liq-<orderId>``, suffixed if an open order already uses it.

    ``orders``: the account's ``AccountSymbol`` of the order's symbol, None if it has none.
    Only an id a client chose can be taken (``by_client``): another generated one names
    another order id. Also return whether it is the plain ``liq-<orderId>`` (no suffix).
    """
    name, suffix = f"{GENERATED_PREFIX}{order.order_id}", 0
    if orders is None or not orders.by_client:
        return name, True
    taken = orders.by_client
    while name in taken:
        suffix += 1
        name = f"{GENERATED_PREFIX}{order.order_id}-{suffix}"
    return name, suffix == 0


def _validated(
    venue: Venue, account: AccountState, state: SymbolState, command: PlaceOrder
) -> Order:
    instrument = state.instrument
    if state.mark_price == 0:
        raise reject(RejectReason.NO_MARK_PRICE, f"{instrument.symbol} has no mark price yet")
    tif = check_parameters(command)
    check_position_side(account, command)
    kind = command.order_type
    quantity = command.quantity.raw if command.quantity is not None else 0
    if not command.close_position:
        check_quantity(state, kind, quantity)
    price = command.price.raw if command.price is not None else 0
    if command.price is not None:
        check_price(state, price, "price")
        check_percent_price(state, command.side, price)
    stop = command.stop_price.raw if command.stop_price is not None else 0
    if command.stop_price is not None:
        check_price(state, stop, "stopPrice")
    activation = command.activation_price.raw if command.activation_price is not None else 0
    if command.activation_price is not None:
        check_price(state, activation, "activationPrice")
    callback = command.callback_rate.raw if command.callback_rate is not None else 0
    if kind is OrderType.TRAILING_STOP_MARKET:
        check_callback(callback)
    orders = account.symbols.get(instrument.symbol)
    if command.client_order_id is not None:
        check_client_order_id(orders, command.client_order_id)
    check_order_count(orders, state, is_conditional(kind))
    order = Order(
        order_id=0,
        account=account.account,
        symbol=instrument.symbol,
        client_order_id=command.client_order_id or "",
        side=command.side,
        position_side=command.position_side,
        order_type=kind,
        time_in_force=tif,
        quantity=quantity,
        price=price,
        stop_price=stop,
        working_type=command.working_type,
        reduce_only=command.reduce_only,
        close_position=command.close_position,
        activation_price=activation,
        callback_rate=callback,
        stp=command.self_trade_prevention,
        price_protect=command.price_protect,
        created_ms=venue.now_ms,
    )
    _check_closing(account, order)
    if is_conditional(kind):
        _check_trigger(state, order)
    _check_min_notional(state, order)
    if not is_conditional(kind):
        _check_liquidity(venue, state, order)
        check_margin(venue, account, state, order, orders)
    return order


def _check_closing(account: AccountState, order: Order) -> None:
    """A reduce-only order must face the position; a hedge close may not exceed it."""
    if order.close_position or order.is_opening:
        return
    position = account.find_position(order.symbol, order.position_side)
    quantity = position.quantity if position is not None else 0
    room = max(0, -quantity) if order.side is Side.BUY else max(0, quantity)
    if room == 0 or (not order.reduce_only and order.quantity > room):
        raise reject(RejectReason.REDUCE_ONLY_REJECTED, "ReduceOnly Order is rejected")


def _check_trigger(state: SymbolState, order: Order) -> None:
    price = watched_price(state, order.working_type)
    if order.type is OrderType.TRAILING_STOP_MARKET:
        if order.activation_price and (
            order.activation_price >= price
            if order.side is Side.BUY
            else order.activation_price <= price
        ):
            raise reject(RejectReason.WOULD_TRIGGER_IMMEDIATELY, "Order would immediately trigger.")
        return
    if is_triggered(order.type, order.side, order.stop_price, price):
        raise reject(RejectReason.WOULD_TRIGGER_IMMEDIATELY, "Order would immediately trigger.")


def _check_min_notional(state: SymbolState, order: Order) -> None:
    minimum16 = state.min_notional16  # 0: the symbol has none
    if not minimum16 or order.reduce_only or order.close_position:
        return
    price = order.price or order.stop_price or order.activation_price or state.mark_price
    # ``quantity * price < minimum``, as ``quantity < ceil(minimum / price)``: the same for
    # positive integers, and no product past a machine word
    if price <= 0 or order.quantity < (minimum16 + (price - 1)) // price:
        raise reject(
            RejectReason.NOTIONAL_TOO_SMALL,
            f"Order's notional must be no smaller than {state.instrument.min_notional} "
            "(unless you choose reduce only)",
        )


def _check_liquidity(venue: Venue, state: SymbolState, order: Order) -> None:
    if order.type is not OrderType.LIMIT:
        return
    if order.time_in_force is TimeInForce.GTX and state.book.crosses(order.side, order.price):
        raise reject(
            RejectReason.POST_ONLY_WOULD_TAKE,
            "Due to the order could not be executed as maker, the Post Only order will "
            "be rejected.",
        )
    if order.time_in_force is TimeInForce.FOK and (
        fillable(venue, state, order, order.price) < order.quantity
    ):
        raise reject(
            RejectReason.FOK_NOT_FILLED,
            "Due to the order could not be filled immediately, the FOK order has been rejected.",
        )


def market_limit(state: SymbolState, side: Side) -> int | None:
    """Return the worst price a market order may trade at: mark * (1 +/- marketTakeBound)."""
    if not state.instrument.filters.market_take_bound:
        return None
    price_limits(state)
    return state.market_buy if side is Side.BUY else state.market_sell


def check_margin(
    venue: Venue,
    account: AccountState,
    state: SymbolState,
    order: Order,
    seat: AccountSymbol | None = None,
) -> None:
    """Refuse an opening order the available balance cannot carry (see the module docstring).

    ``seat``: the account's ``AccountSymbol`` of the order's symbol, when the caller has it.
    """
    if account.is_system or not order.is_opening:
        return
    symbol, mark = order.symbol, state.mark_price
    tiers = state.tiers
    if order.type is OrderType.LIMIT:
        quantity = order.remaining
        price = order.price  # linear inline (``IntTiers.order_value16``): the hot path
        cost = tiers.order_value16(quantity, price) if tiers.coin16 else quantity * price
    else:
        quantity, cost = walk_cost(
            state, order.side, order.remaining, market_limit(state, order.side)
        )
        if quantity == 0:
            return
    orders = seat if seat is not None else account.symbol(symbol)
    leverage = orders.leverage_or_default()
    others = cross_figures(venue, account, state.instrument.margin_asset, orders_except=symbol)
    held = open_order_margin(account, orders) if orders.buy_qty or orders.sell_qty else 0
    available = others.available - held
    order_cost, projected = exposure(account, orders, mark, tiers, order.side, quantity, cost)
    extra = (ceil_scaled_div(order_cost, leverage) if order_cost else 0) - held
    if tiers.coin16:
        open_loss = tiers.loss16(quantity, cost, mark, order.side is Side.BUY)
    elif order.type is OrderType.LIMIT:  # ``cost`` is ``quantity * price``: one small product
        gap = order.price - mark if order.side is Side.BUY else mark - order.price
        open_loss = quantity * gap
    else:  # ``IntTiers.loss16``, linear, inline
        open_loss = cost - quantity * mark if order.side is Side.BUY else quantity * mark - cost
    charge = extra + max(0, ceil_div(open_loss, SCALE)) + venue.taker_fee.of(cost)  # ``fee``
    if charge > 0 and available - charge < 0:
        raise reject(RejectReason.INSUFFICIENT_MARGIN, "Margin is insufficient.")
    cap16 = state.max_notional16_at(leverage)
    if cap16 is not None and projected > cap16:
        raise reject(
            RejectReason.MAX_NOTIONAL_EXCEEDED,
            "Exceeded the maximum allowable position at current leverage.",
        )


def work(
    venue: Venue,
    state: SymbolState,
    account: AccountState,
    order: Order,
    out: list[Event],
    *,
    generated: bool = False,
    seat: AccountSymbol | None = None,
) -> None:
    """Match an accepted LIMIT or MARKET order, then rest what is left or expire it.

    ``generated``: its client order id is the plain ``liq-<orderId>`` (``AccountSymbol.put``).
    ``seat``: the account's ``AccountSymbol`` of the order's symbol, when the caller has it.
    """
    is_market = order.type is OrderType.MARKET
    limit = market_limit(state, order.side) if is_market else order.price
    stopped = match(venue, state, order, limit, out)
    if order.remaining == 0:
        return
    if stopped is ExpiryReason.SELF_TRADE and order.time_in_force is TimeInForce.IOC:
        stopped = ExpiryReason.IOC_SELF_TRADE
    if stopped is ExpiryReason.NONE:
        if is_market:
            stopped = ExpiryReason.MARKET_UNFILLED
        elif order.time_in_force is TimeInForce.IOC:
            stopped = ExpiryReason.IOC_UNFILLED
        elif order.time_in_force is TimeInForce.FOK:
            stopped = ExpiryReason.FOK_UNFILLED
        else:
            rest(state, account, order, generated=generated, seat=seat)
            return
    order.status = OrderStatus.EXPIRED
    order.expiry_reason = stopped
    out.append(
        OrderClosed(account.account, order.symbol, order.order_id, "EXPIRED", stopped, venue.now_ms)
    )


def rest(
    state: SymbolState,
    account: AccountState,
    order: Order,
    *,
    generated: bool = False,
    seat: AccountSymbol | None = None,
) -> None:
    """Rest ``order`` in the book (``seat``: as in :func:`work`)."""
    orders = seat if seat is not None else account.symbol(order.symbol)
    orders.put(order, generated=generated)
    if order.is_opening:
        tiers, remaining = state.tiers, order.remaining
        cost = (
            tiers.order_value16(remaining, order.price) if tiers.coin16 else remaining * order.price
        )
        orders.add_exposure(order, remaining, cost)
    else:
        orders.closing += 1
    state.book.side_of(order.side).add(order)


def cancel_order(venue: Venue, command: CancelOrder, out: list[Event]) -> Order:
    """Cancel one open order found by id or client id."""
    account = require_account(venue, command.account)
    state = require_symbol(venue, command.symbol)
    if command.order_id is None and command.client_order_id is None:
        raise reject(
            RejectReason.MISSING_PARAMETER, "Either orderId or origClientOrderId must be sent."
        )
    orders = account.symbols.get(command.symbol)
    found = _find_in(orders, command.order_id, command.client_order_id)
    if orders is None or found is None:
        raise reject(RejectReason.UNKNOWN_ORDER, "Unknown order sent.")
    close_resting_in(
        venue, state, orders, account, found, OrderStatus.CANCELED, ExpiryReason.NONE, out
    )
    return found


def find_open_order(
    account: AccountState, symbol: str, order_id: int | None, client_order_id: str | None
) -> Order | None:
    """Return the account's open order in ``symbol`` by id (first) or client id, or None."""
    return _find_in(account.symbols.get(symbol), order_id, client_order_id)


def _find_in(
    orders: AccountSymbol | None, order_id: int | None, client_order_id: str | None
) -> Order | None:
    """``find_open_order``, given the account's open orders of the symbol (None: it has none)."""
    if orders is None:
        return None
    if order_id is not None:
        return orders.orders.get(order_id)
    if client_order_id is not None:
        return orders.by_client_id(client_order_id)
    return None


def cancel_all(venue: Venue, command: CancelAllOrders, out: list[Event]) -> int:
    """Cancel every open order of the account in the symbol; return how many."""
    account = require_account(venue, command.account)
    require_symbol(venue, command.symbol)
    return cancel_all_of(venue, account, command.symbol, ExpiryReason.NONE, out)


def cancel_all_of(
    venue: Venue, account: AccountState, symbol: str, reason: ExpiryReason, out: list[Event]
) -> int:
    orders = account.symbols.get(symbol)
    if orders is None:
        return 0
    status = OrderStatus.CANCELED if reason is ExpiryReason.NONE else OrderStatus.EXPIRED
    victims = sorted(orders.orders.values(), key=lambda o: o.order_id)
    for order in victims:
        close_resting(venue, account, order, status, reason, out)
    return len(victims)
