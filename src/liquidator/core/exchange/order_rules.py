"""The rules a new order must pass before anything changes: parameters, filters, position side.

Every check raises :class:`Rejected` with a stable reason; none of them mutates state. The margin
check lives in ``order_entry`` because it needs the order's exposure.
"""

from __future__ import annotations

import re
from typing import Final

from liquidator.core.exchange.account_state import AccountState, AccountSymbol
from liquidator.core.exchange.commands import PlaceOrder
from liquidator.core.exchange.events import Rejected, RejectReason
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce, WorkingType, is_venue_only
from liquidator.core.exchange.venue import SymbolState
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.scaled import (
    SCALE,
    ceil_scaled_product,
    floor_scaled_product,
    trim_raw,
)

CLIENT_ORDER_ID: Final = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
MIN_CALLBACK: Final = 10_000_000  # 0.1 (%)
MAX_CALLBACK: Final = 1_000_000_000  # 10 (%)
RESERVED_PREFIXES: Final = ("autoclose-", "adl_autoclose", "settlement_autoclose-")

_NEEDS_PRICE: Final = (OrderType.LIMIT, OrderType.STOP, OrderType.TAKE_PROFIT)
_NEEDS_STOP: Final = (
    OrderType.STOP,
    OrderType.TAKE_PROFIT,
    OrderType.STOP_MARKET,
    OrderType.TAKE_PROFIT_MARKET,
)
_MARKET_TYPES: Final = (
    OrderType.MARKET,
    OrderType.STOP_MARKET,
    OrderType.TAKE_PROFIT_MARKET,
    OrderType.TRAILING_STOP_MARKET,
)


def reject(reason: RejectReason, message: str) -> Rejected:
    return Rejected(reason, message)


def check_parameters(command: PlaceOrder) -> TimeInForce:
    """Check which parameters the order type needs and refuses; return its time in force."""
    kind = command.order_type
    if is_venue_only(kind):
        raise reject(RejectReason.INVALID_ORDER_TYPE, f"{kind.value} orders are the venue's own")
    if kind in _NEEDS_PRICE and command.price is None:
        raise reject(RejectReason.MISSING_PARAMETER, f"price is mandatory for {kind.value}")
    if kind in _MARKET_TYPES and command.price is not None:
        raise reject(RejectReason.UNNEEDED_PARAMETER, f"price is not accepted for {kind.value}")
    if kind in _NEEDS_STOP and command.stop_price is None:
        raise reject(RejectReason.MISSING_PARAMETER, f"stopPrice is mandatory for {kind.value}")
    if kind is OrderType.TRAILING_STOP_MARKET and command.callback_rate is None:
        raise reject(RejectReason.MISSING_PARAMETER, "callbackRate is mandatory for trailing stops")
    _check_close_position(command)
    if kind is OrderType.LIMIT:
        if command.time_in_force is None:
            raise reject(RejectReason.MISSING_PARAMETER, "timeInForce is mandatory for LIMIT")
        return command.time_in_force
    if kind in _MARKET_TYPES:
        return TimeInForce.GTC
    tif = command.time_in_force or TimeInForce.GTC
    if tif is TimeInForce.GTX:
        raise reject(RejectReason.INVALID_TIME_IN_FORCE, f"GTX is not accepted for {kind.value}")
    return tif


def _check_close_position(command: PlaceOrder) -> None:
    kind = command.order_type
    if command.close_position:
        if kind not in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET):
            raise reject(
                RejectReason.UNNEEDED_PARAMETER,
                "closePosition is only for STOP_MARKET and TAKE_PROFIT_MARKET",
            )
        if command.quantity is not None or command.reduce_only:
            raise reject(
                RejectReason.UNNEEDED_PARAMETER,
                "closePosition cannot be sent with quantity or reduceOnly",
            )
    elif command.quantity is None:
        raise reject(RejectReason.MISSING_PARAMETER, f"quantity is mandatory for {kind.value}")


def check_position_side(account: AccountState, command: PlaceOrder) -> None:
    """One-way mode trades BOTH; hedge mode names LONG or SHORT and has no reduceOnly."""
    if account.hedge:
        if command.position_side is PositionSide.BOTH:
            raise reject(
                RejectReason.POSITION_SIDE_MISMATCH, "hedge mode needs positionSide LONG or SHORT"
            )
        if command.reduce_only:
            raise reject(
                RejectReason.UNNEEDED_PARAMETER, "reduceOnly is not accepted in hedge mode"
            )
        if command.close_position:
            closing = Side.SELL if command.position_side is PositionSide.LONG else Side.BUY
            if command.side is not closing:
                raise reject(
                    RejectReason.POSITION_SIDE_MISMATCH,
                    f"closePosition on {command.position_side.value} must be {closing.value}",
                )
    elif command.position_side is not PositionSide.BOTH:
        raise reject(RejectReason.POSITION_SIDE_MISMATCH, "one-way mode trades positionSide BOTH")


def check_quantity(state: SymbolState, kind: OrderType, quantity: int) -> None:
    """Check LOT_SIZE (MARKET_LOT_SIZE for market orders): positive, on step, within limits."""
    filters = state.instrument.filters
    if quantity <= 0:
        raise reject(RejectReason.QUANTITY_OUT_OF_RANGE, "quantity must be positive")
    if quantity % state.step:
        raise reject(
            RejectReason.QUANTITY_OFF_STEP,
            f"quantity is not a multiple of the step size {state.instrument.step_size}",
        )
    is_market = kind in _MARKET_TYPES
    minimum = max(state.min_qty, filters.market_min_qty if is_market else 0)
    maximum = filters.market_max_qty if is_market else filters.max_qty
    if quantity < minimum or (maximum and quantity > maximum):
        raise reject(
            RejectReason.QUANTITY_OUT_OF_RANGE,
            f"quantity must be within [{_txt(minimum)}, {_txt(maximum) or 'no limit'}]",
        )


def check_price(state: SymbolState, price: int, name: str) -> None:
    """Check PRICE_FILTER: positive, on tick, within min and max price."""
    filters = state.instrument.filters
    if price <= 0:
        raise reject(RejectReason.INVALID_PRICE, f"{name} must be positive")
    if price % state.tick:
        raise reject(
            RejectReason.PRICE_OFF_TICK,
            f"{name} is not a multiple of the tick size {state.instrument.tick_size}",
        )
    if price < filters.min_price or (filters.max_price and price > filters.max_price):
        raise reject(
            RejectReason.INVALID_PRICE,
            f"{name} must be within [{_txt(filters.min_price)}, {_txt(filters.max_price)}]",
        )


def check_percent_price(state: SymbolState, side: Side, price: int) -> None:
    """Check PERCENT_PRICE: a buy at most mark * multiplierUp, a sell at least mark * down.

    ``price * SCALE > mark * up`` is ``price > floor(mark * up / SCALE)`` for integers (and a
    sell's ``<`` is ``price < ceil(mark * down / SCALE)``): the two limit prices are worked out
    once per mark (``SymbolState.bounds_mark``), not two big products per order.
    """
    filters = state.instrument.filters
    price_limits(state)
    if side is Side.BUY and filters.percent_up and price > state.max_buy:
        raise reject(
            RejectReason.PRICE_ABOVE_LIMIT,
            f"Limit price can't be higher than {_txt(state.max_buy)}",
        )
    if side is Side.SELL and filters.percent_down and price < state.min_sell:
        raise reject(
            RejectReason.PRICE_BELOW_LIMIT,
            f"Limit price can't be lower than {_txt(state.min_sell)}",
        )


def check_callback(rate: int) -> None:
    if not MIN_CALLBACK <= rate <= MAX_CALLBACK:
        raise reject(RejectReason.INVALID_CALLBACK_RATE, "callbackRate must be within [0.1, 10]")


def check_client_order_id(orders: AccountSymbol | None, client_order_id: str) -> None:
    """Check the format, the reserved prefixes and uniqueness among the open ``orders``."""
    if not CLIENT_ORDER_ID.match(client_order_id) or client_order_id.startswith(RESERVED_PREFIXES):
        raise reject(RejectReason.INVALID_CLIENT_ORDER_ID, "newClientOrderId is not valid")
    if orders and orders.by_client_id(client_order_id) is not None:
        raise reject(RejectReason.DUPLICATE_CLIENT_ORDER_ID, "ClientOrderId is duplicated")


def check_order_count(orders: AccountSymbol | None, state: SymbolState, conditional: bool) -> None:
    """Check MAX_NUM_ORDERS and MAX_NUM_ALGO_ORDERS for the symbol's open ``orders``."""
    if orders is None:
        return
    filters = state.instrument.filters
    if len(orders.orders) >= filters.max_open_orders:
        raise reject(
            RejectReason.TOO_MANY_OPEN_ORDERS,
            f"Reach max open order limit ({filters.max_open_orders})",
        )
    if conditional and orders.algo >= filters.max_algo_orders:
        raise reject(
            RejectReason.TOO_MANY_ALGO_ORDERS,
            f"Reach max stop order limit ({filters.max_algo_orders})",
        )


def price_limits(state: SymbolState) -> None:
    """Work out the limit prices relative to the mark again, if it moved since the last time.

    PERCENT_PRICE's ``max_buy``/``min_sell`` and the market take bound's ``market_buy``/
    ``market_sell`` (``mark * (1 +/- bound)``, rounded toward the mark): four products of the
    mark by a rate, per mark rather than per order.
    """
    mark = state.mark_price
    if state.bounds_mark == mark:
        return
    filters = state.instrument.filters
    state.max_buy = floor_scaled_product(mark, filters.percent_up)
    state.min_sell = ceil_scaled_product(mark, filters.percent_down)
    bound = filters.market_take_bound
    state.market_buy = floor_scaled_product(mark, SCALE + bound)
    state.market_sell = ceil_scaled_product(mark, SCALE - bound)
    state.bounds_mark = mark


def watched_price(state: SymbolState, working_type: WorkingType) -> int:
    """Return the price a conditional order watches (the mark until the first trade)."""
    if working_type is WorkingType.MARK_PRICE or state.last_price == 0:
        return state.mark_price
    return state.last_price


def is_triggered(kind: OrderType, side: Side, stop_price: int, price: int) -> bool:
    """Tell whether a STOP/TAKE_PROFIT(_MARKET) order fires at ``price``.

    A stop buys when the price rises to it and sells when it falls to it; a take-profit the
    other way round.
    """
    rises = (kind in (OrderType.STOP, OrderType.STOP_MARKET)) == (side is Side.BUY)
    return price >= stop_price if rises else price <= stop_price


def _txt(raw: int) -> str:
    return trim_raw(raw)
