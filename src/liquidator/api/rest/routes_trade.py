"""Trading: orders (``/fapi/v1/order`` and ``/fapi/v1/algoOrder``), leverage, margin settings."""

from __future__ import annotations

from typing import Any

from liquidator.api import precision, views
from liquidator.api.errors import (
    NO_SUCH_ORDER,
    UNKNOWN_ORDER_SENT,
    BinanceError,
    mandatory,
)
from liquidator.api.rest import order_checks
from liquidator.api.rest.routes_market import LIMIT, RANGE, SYMBOL, limit, symbol_state
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.core.exchange.commands import (
    CancelAllOrders,
    CancelOrder,
    PlaceOrder,
)
from liquidator.core.exchange.events import OrderAccepted
from liquidator.core.exchange.orders import (
    Order,
    OrderType,
    SelfTradePrevention,
    WorkingType,
)
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import Price, Qty, Rate
from liquidator.read.history_filter import Window

SIDE = Param("side", required=True, enum=("BUY", "SELL"))
POSITION_SIDE = Param("positionSide", enum=("BOTH", "LONG", "SHORT"))
ORDER_PARAMS = (
    SYMBOL,
    SIDE,
    POSITION_SIDE,
    Param("type", required=True, enum=tuple(t.value for t in OrderType if not t.is_venue_only)),
    Param("timeInForce", enum=("GTC", "IOC", "FOK", "GTX")),
    Param("quantity", "number"),
    Param("reduceOnly", "boolean"),
    Param("price", "number"),
    Param("newClientOrderId"),
    Param("stopPrice", "number"),
    Param("closePosition", "boolean"),
    Param("activationPrice", "number"),
    Param("callbackRate", "number"),
    Param("workingType", enum=("MARK_PRICE", "CONTRACT_PRICE")),
    Param("priceProtect", "boolean"),
    Param("newOrderRespType", enum=("ACK", "RESULT")),
    Param("selfTradePreventionMode", enum=tuple(m.value for m in SelfTradePrevention)),
)
ALGO_PARAMS = (
    SYMBOL,
    SIDE,
    POSITION_SIDE,
    Param("algoType", required=True, enum=("CONDITIONAL",)),
    Param("type", required=True, enum=tuple(t.value for t in OrderType if t.is_conditional)),
    Param("timeInForce", enum=("GTC", "IOC", "FOK", "GTX")),
    Param("quantity", "number"),
    Param("price", "number"),
    Param("triggerPrice", "number"),
    Param("workingType", enum=("MARK_PRICE", "CONTRACT_PRICE")),
    Param("priceProtect", "boolean"),
    Param("reduceOnly", "boolean"),
    Param("closePosition", "boolean"),
    Param("activatePrice", "number"),
    Param("callbackRate", "number"),
    Param("clientAlgoId"),
)
ORDER_ID = (SYMBOL, Param("orderId", "integer"), Param("origClientOrderId"))


def order_command(call: Call, *, algo: bool) -> PlaceOrder:
    """The order the request describes, checked as far as this layer checks."""
    p = call.params
    state = symbol_state(call)
    kind = order_checks.type_of(p)
    if kind.is_venue_only or (algo and not kind.is_conditional):
        raise BinanceError(-1116, "Invalid orderType.")
    if p.text("priceMatch") not in (None, "NONE") or p.text("goodTillDate"):
        raise BinanceError(-1130, "priceMatch and GTD orders are not supported by this venue.")
    side = order_checks.side_of(p)
    order_checks.check_precision(p, state.instrument)
    return PlaceOrder(
        account=call.account,
        symbol=state.instrument.symbol,
        side=side,
        order_type=kind,
        quantity=p.fixed("quantity", Qty.of),
        price=p.fixed("price", Price.of),
        time_in_force=order_checks.time_in_force_of(p),
        stop_price=p.fixed("triggerPrice" if algo else "stopPrice", Price.of),
        reduce_only=p.boolean("reduceOnly"),
        close_position=p.boolean("closePosition"),
        position_side=p.choice("positionSide", PositionSide, default=PositionSide.BOTH)
        or PositionSide.BOTH,
        client_order_id=p.text("clientAlgoId" if algo else "newClientOrderId"),
        working_type=p.choice("workingType", WorkingType, default=WorkingType.CONTRACT_PRICE)
        or WorkingType.CONTRACT_PRICE,
        activation_price=p.fixed("activatePrice" if algo else "activationPrice", Price.of),
        callback_rate=p.fixed("callbackRate", Rate.of),
        self_trade_prevention=p.choice(
            "selfTradePreventionMode", SelfTradePrevention, default=SelfTradePrevention.NONE
        )
        or SelfTradePrevention.NONE,
        price_protect=p.boolean("priceProtect"),
    )


def placed(call: Call, command: PlaceOrder) -> Order:
    """Submit ``command``; return the order it placed."""
    outcome = call.server.submit(command)
    accepted = next(
        e for e in outcome.events if isinstance(e, OrderAccepted) and e.account == command.account
    )
    order = call.server.live.orders.order(command.account, accepted.order_id)
    assert order is not None
    return order


def new_order(call: Call) -> dict[str, Any]:
    order = placed(call, order_command(call, algo=False))
    return views.order_json(order)


def new_algo_order(call: Call) -> dict[str, Any]:
    order = placed(call, order_command(call, algo=True))
    return views.algo_json(order, False)


def find_order(call: Call, *, algo: bool = False) -> Order:
    """The caller's order the request names (``algo``: by ``algoId``/``clientAlgoId``)."""
    p = call.params
    history = call.server.live.orders
    if algo:
        algo_id = p.integer("algoId")
        client = p.text("clientAlgoId")
        if algo_id is None and client is None:
            raise mandatory("algoId")
        found = (
            history.order(call.account, algo_id)
            if algo_id is not None
            else history.by_client_id(call.account, client or "", conditional=True)
        )
        if found is None or not found.orig_type.is_conditional:
            raise BinanceError(NO_SUCH_ORDER, "Order does not exist.")
        return found
    state = symbol_state(call)
    order_id, client = p.integer("orderId"), p.text("origClientOrderId")
    if order_id is None and client is None:
        raise mandatory("orderId")
    found = (
        history.order(call.account, order_id)
        if order_id is not None
        else history.by_client_id(call.account, client or "", symbol=state.instrument.symbol)
    )
    if found is None or found.symbol != state.instrument.symbol:
        raise BinanceError(NO_SUCH_ORDER, "Order does not exist.")
    return found


def query_order(call: Call) -> dict[str, Any]:
    return views.order_json(find_order(call))


def cancel_order(call: Call) -> dict[str, Any]:
    try:
        order = find_order(call)
    except BinanceError:
        raise BinanceError(UNKNOWN_ORDER_SENT, "Unknown order sent.") from None
    call.server.submit(CancelOrder(call.account, order.symbol, order_id=order.order_id))
    return views.order_json(order)


def cancel_algo_order(call: Call) -> dict[str, Any]:
    try:
        order = find_order(call, algo=True)
    except BinanceError:
        raise BinanceError(UNKNOWN_ORDER_SENT, "Unknown order sent.") from None
    call.server.submit(CancelOrder(call.account, order.symbol, order_id=order.order_id))
    return {
        "algoId": order.order_id,
        "clientAlgoId": order.client_order_id,
        "code": "200",
        "msg": "success",
    }


def query_algo_order(call: Call) -> dict[str, Any]:
    order = find_order(call, algo=True)
    return views.algo_json(order, order.order_id in call.server.live.orders.triggered)


def cancel_all_algo(call: Call) -> dict[str, Any]:
    """Cancel every conditional order of the symbol still waiting for its trigger."""
    state = symbol_state(call)
    waiting = [
        o.order_id
        for o in _open_orders(call)
        if o.symbol == state.instrument.symbol and o.order_id in state.triggers
    ]
    for order_id in waiting:
        call.server.submit(CancelOrder(call.account, state.instrument.symbol, order_id=order_id))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def cancel_all(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    call.server.submit(CancelAllOrders(call.account, state.instrument.symbol))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def _open_orders(call: Call) -> list[Order]:
    venue = call.server.live.venue
    account = venue.accounts[call.account]
    symbol = symbol_state(call).instrument.symbol if "symbol" in call.params else None
    return sorted(
        (
            order
            for s, orders in account.symbols.items()
            if symbol in (None, s) and call.family.lists(venue.symbols[s].instrument)
            for order in orders.orders.values()
        ),
        key=lambda o: o.order_id,
    )


def open_orders(call: Call) -> list[dict[str, Any]]:
    """Every open order but the conditional ones waiting for their trigger: since Binance moved
    conditional orders to the algo service, ``openAlgoOrders`` lists those (once triggered,
    the order they became is listed here)."""
    venue = call.server.live.venue
    return [
        views.order_json(o)
        for o in _open_orders(call)
        if o.order_id not in venue.symbols[o.symbol].triggers
    ]


def open_algo_orders(call: Call) -> list[dict[str, Any]]:
    venue = call.server.live.venue
    return [
        views.algo_json(o, False)
        for o in _open_orders(call)
        if o.order_id in venue.symbols[o.symbol].triggers
    ]


def open_order(call: Call) -> dict[str, Any]:
    order = find_order(call)
    if not order.status.is_open:
        raise BinanceError(NO_SUCH_ORDER, "Order does not exist.")
    return views.order_json(order)


def all_orders(call: Call) -> list[dict[str, Any]]:
    state = symbol_state(call)
    size = limit(call, 500, 1000)
    p = call.params
    window = Window(p.integer("startTime"), p.integer("endTime"), size)
    orders = call.server.live.orders.history(
        call.account, state.instrument.symbol, window, from_id=p.integer("orderId")
    )
    return [views.order_json(o) for o in orders]


def user_trades(call: Call) -> list[dict[str, Any]]:
    state = symbol_state(call)
    size = limit(call, 500, 1000)
    p = call.params
    window = Window(p.integer("startTime"), p.integer("endTime"), size)
    fills = call.server.live.orders.fills(
        call.account, state.instrument.symbol, window, from_id=p.integer("fromId")
    )
    return [
        {
            "buyer": f.side == "BUY",
            "commission": views.d(f.commission),
            "commissionAsset": f.commission_asset,
            "id": f.trade_id,
            "maker": f.maker,
            "orderId": f.order_id,
            "price": precision.price(f.symbol, f.price),
            "qty": precision.quantity(f.symbol, f.quantity),
            "quoteQty": views.d16(f.price * f.quantity),
            "realizedPnl": views.d(f.realized_pnl),
            "side": f.side,
            "positionSide": f.position_side,
            "symbol": f.symbol,
            "time": f.ts_ms,
        }
        for f in fills
    ]


SIGNED = Security.SIGNED
ROUTES = (
    Route("POST", "/fapi/v1/order", new_order, SIGNED, 1, ORDER_PARAMS),
    Route("GET", "/fapi/v1/order", query_order, SIGNED, 1, ORDER_ID),
    Route("DELETE", "/fapi/v1/order", cancel_order, SIGNED, 1, ORDER_ID),
    Route("POST", "/fapi/v1/algoOrder", new_algo_order, SIGNED, 1, ALGO_PARAMS),
    Route(
        "DELETE",
        "/fapi/v1/algoOrder",
        cancel_algo_order,
        SIGNED,
        1,
        (Param("algoId", "integer"), Param("clientAlgoId")),
    ),
    Route("GET", "/fapi/v1/openAlgoOrders", open_algo_orders, SIGNED, 1, (Param("symbol"),)),
    Route(
        "GET",
        "/fapi/v1/algoOrder",
        query_algo_order,
        SIGNED,
        1,
        (Param("algoId", "integer"), Param("clientAlgoId")),
    ),
    Route("DELETE", "/fapi/v1/algoOpenOrders", cancel_all_algo, SIGNED, 1, (SYMBOL,)),
    Route("DELETE", "/fapi/v1/allOpenOrders", cancel_all, SIGNED, 1, (SYMBOL,)),
    Route("GET", "/fapi/v1/openOrders", open_orders, SIGNED, 1, (Param("symbol"),)),
    Route("GET", "/fapi/v1/openOrder", open_order, SIGNED, 1, ORDER_ID),
    Route(
        "GET",
        "/fapi/v1/allOrders",
        all_orders,
        SIGNED,
        5,
        (SYMBOL, LIMIT, *RANGE, Param("orderId", "integer")),
    ),
    Route(
        "GET",
        "/fapi/v1/userTrades",
        user_trades,
        SIGNED,
        5,
        (SYMBOL, LIMIT, *RANGE, Param("fromId", "integer")),
    ),
)
