"""Order amendment (``PUT /fapi/v1/order``) and batches (``POST/PUT/DELETE batchOrders``).

An amendment changes a resting LIMIT order's price and quantity (both sent, as Binance's USDⓈ-M
asks) through the engine's ``AmendOrder``: the order keeps its ``orderId`` and
``clientOrderId`` and goes to the back of the queue at its price, as Binance's amended orders do
("reordered in the match queue"); the user stream says ``x: AMENDMENT``. A new quantity at or
below what was executed cancels the order, as on Binance, and so does a price at which a GTX
order would trade at once; an unchanged price and quantity is -5027.

A batch runs its orders one by one (at most 5, or 10 cancels) and answers a list in the same
order, each the order or ``{"code", "msg"}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from liquidator.api import views
from liquidator.api.errors import BinanceError, invalid, mandatory
from liquidator.api.params import Params, load_json
from liquidator.api.rest import order_checks, routes_trade
from liquidator.api.rest.routes_market import SYMBOL, symbol_state
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.core.exchange.commands import AmendOrder
from liquidator.core.exchange.orders import Order, OrderType
from liquidator.core.money.fixed import Price, Qty

MAX_BATCH = 5
MAX_CANCELS = 10
NO_CHANGE = -5027
# Binance reads these two names case-insensitively; ccxt sends ``orderidlist``
LIST_NAMES = ("orderIdList", "orderidlist", "origClientOrderIdList", "origclientorderidlist")


def amend_order(call: Call) -> dict[str, Any]:
    order = routes_trade.find_order(call)
    p = call.params
    if (
        not order.status.is_open
        or order.order_id in call.server.live.venue.symbols[order.symbol].triggers
    ):
        raise BinanceError(-2013, "Order does not exist.")
    if order.orig_type is not OrderType.LIMIT:
        raise BinanceError(-1116, "Invalid orderType.")
    if order_checks.side_of(p) is not order.side:
        raise invalid("side")
    order_checks.check_precision(p, symbol_state(call).instrument)
    price = p.fixed("price", Price.of, required=True)
    quantity = p.fixed("quantity", Qty.of, required=True)
    assert price is not None
    assert quantity is not None
    if quantity.raw <= 0:
        raise BinanceError(-4003, "Quantity less than or equal to zero.")
    if price.raw <= 0:
        raise BinanceError(-4001, "Price less than 0.")
    if price.raw == order.price and quantity.raw == order.quantity:
        raise BinanceError(NO_CHANGE, "No need to modify the order.")
    call.server.submit(
        AmendOrder(call.account, order.symbol, price, quantity, order_id=order.order_id)
    )
    return views.order_json(_latest(call, order.order_id))


def _latest(call: Call, order_id: int) -> Order:
    found = call.server.live.orders.order(call.account, order_id)
    assert found is not None
    return found


def _items(call: Call, name: str, limit: int) -> list[Any]:
    text = call.params.need(name)
    try:
        items = load_json(text, limit + 1, numbers_as_text=True)
    except ValueError:
        raise invalid(name) from None
    if not isinstance(items, list) or not 0 < len(items) <= limit:
        raise invalid(name)
    return items


def _sub_call(call: Call, item: Any) -> Call:
    if not isinstance(item, dict):
        raise invalid("batchOrders")
    values = {
        k: ("true" if v is True else "false" if v is False else str(v)) for k, v in item.items()
    }
    return Call(call.server, Params(urlencode(values), b""), call.now_ms, call.caller, call.family)


def _each(call: Call, name: str, limit: int, handler: Any) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for item in _items(call, name, limit):
        try:
            results.append(handler(_sub_call(call, item)))
        except BinanceError as error:
            results.append(error.body())
    return results


def place_batch(call: Call) -> list[dict[str, Any]]:
    return _each(call, "batchOrders", MAX_BATCH, routes_trade.new_order)


def amend_batch(call: Call) -> list[dict[str, Any]]:
    return _each(call, "batchOrders", MAX_BATCH, amend_order)


def cancel_batch(call: Call) -> list[dict[str, Any]]:
    symbol = symbol_state(call).instrument.symbol
    names = [name for name in LIST_NAMES if name in call.params]
    if not names:
        raise mandatory("orderIdList")
    name = names[0]
    key = "orderId" if name.lower() == "orderidlist" else "origClientOrderId"
    items = [{"symbol": symbol, key: value} for value in _items(call, name, MAX_CANCELS)]
    results: list[dict[str, Any]] = []
    for item in items:
        try:
            results.append(routes_trade.cancel_order(_sub_call(call, item)))
        except BinanceError as error:
            results.append(error.body())
    return results


SIGNED = Security.SIGNED
AMEND = (
    SYMBOL,
    Param("orderId", "integer"),
    Param("origClientOrderId"),
    Param("side", required=True, enum=("BUY", "SELL")),
    Param("quantity", "number", True),
    Param("price", "number", True),
)
BATCH = (Param("batchOrders", required=True),)
ROUTES = (
    Route("PUT", "/fapi/v1/order", amend_order, SIGNED, 1, AMEND),
    Route("POST", "/fapi/v1/batchOrders", place_batch, SIGNED, 5, BATCH),
    Route("PUT", "/fapi/v1/batchOrders", amend_batch, SIGNED, 5, BATCH),
    Route(
        "DELETE",
        "/fapi/v1/batchOrders",
        cancel_batch,
        SIGNED,
        1,
        (SYMBOL, Param("orderIdList"), Param("origClientOrderIdList")),
    ),
)
