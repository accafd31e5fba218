"""``allAlgoOrders`` (the conditional orders' history) and ``order/test`` (checked, not placed).

``order/test`` runs every check this layer makes (symbol, side, type, precision, numbers, enum
values) and answers ``{}``; the engine's own checks (filters, margin) run only on a real order,
since the engine has no dry run, so a test order those would refuse is still answered ``{}``.
"""

from __future__ import annotations

from typing import Any

from liquidator.api import views
from liquidator.api.rest import routes_trade
from liquidator.api.rest.routes_market import LIMIT, RANGE, SYMBOL, limit, symbol_state
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.read.history_filter import Window

HISTORY_PAGE = 1000


def all_algo_orders(call: Call) -> list[dict[str, Any]]:
    """The symbol's conditional orders, oldest first: the last ``limit`` in the window, or
    from ``algoId`` on."""
    state = symbol_state(call)
    size = limit(call, 500, 1000)
    p = call.params
    window = Window(p.integer("startTime"), p.integer("endTime"), HISTORY_PAGE)
    history = call.server.live.orders
    orders = [
        order
        for order in history.history(
            call.account, state.instrument.symbol, window, from_id=p.integer("algoId")
        )
        if order.orig_type.is_conditional
    ]
    chosen = orders[:size] if p.integer("algoId") is not None else orders[-size:]
    return [views.algo_json(o, o.order_id in history.triggered) for o in chosen]


def check_order(call: Call) -> dict[str, Any]:
    routes_trade.order_command(call, algo=False)
    return {}


ROUTES = (
    Route(
        "GET",
        "/fapi/v1/allAlgoOrders",
        all_algo_orders,
        Security.SIGNED,
        5,
        (SYMBOL, Param("algoId", "integer"), LIMIT, *RANGE),
    ),
    Route(
        "POST", "/fapi/v1/order/test", check_order, Security.SIGNED, 1, routes_trade.ORDER_PARAMS
    ),
)
