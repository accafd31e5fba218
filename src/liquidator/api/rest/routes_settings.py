"""Account settings per symbol: leverage, margin type, position mode, isolated margin."""

from __future__ import annotations

from typing import Any

from liquidator.api import views
from liquidator.api.errors import invalid
from liquidator.api.rest.routes_market import SYMBOL, symbol_state
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.core.exchange.commands import (
    ModifyIsolatedMargin,
    SetLeverage,
    SetMarginType,
    SetPositionMode,
)
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import Amount

POSITION_SIDE = Param("positionSide", enum=("BOTH", "LONG", "SHORT"))


def leverage(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    value = call.params.integer("leverage", required=True)
    assert value is not None
    symbol = state.instrument.symbol
    call.server.submit(SetLeverage(call.account, symbol, value))
    cap = state.table.max_notional_at_leverage(value) or 0
    return {"leverage": value, "maxNotionalValue": views.d(cap), "symbol": symbol}


def margin_type(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    text = call.params.need("marginType").upper()
    kinds = {
        "ISOLATED": MarginType.ISOLATED,
        "CROSSED": MarginType.CROSS,
        "CROSS": MarginType.CROSS,
    }
    if text not in kinds:
        raise invalid("marginType")
    call.server.submit(SetMarginType(call.account, state.instrument.symbol, kinds[text]))
    return {"code": 200, "msg": "success"}


def position_mode(call: Call) -> dict[str, Any]:
    hedge = call.params.text("dualSidePosition", required=True)
    if hedge is None or hedge.lower() not in ("true", "false"):
        raise invalid("dualSidePosition")
    call.server.submit(SetPositionMode(call.account, hedge.lower() == "true"))
    return {"code": 200, "msg": "success"}


def get_position_mode(call: Call) -> dict[str, Any]:
    return {"dualSidePosition": call.server.live.venue.accounts[call.account].hedge}


def position_margin(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    p = call.params
    amount = p.fixed(
        "amount", lambda text: Amount.of(text, state.instrument.margin_asset), required=True
    )
    kind = p.integer("type", required=True)
    if kind not in (1, 2):
        raise invalid("type")
    side = p.choice("positionSide", PositionSide, default=PositionSide.BOTH) or PositionSide.BOTH
    assert amount is not None
    call.server.submit(
        ModifyIsolatedMargin(call.account, state.instrument.symbol, side, amount, kind == 1)
    )
    return {
        "amount": views.number(amount.raw),
        "code": 200,
        "msg": "Successfully modify position margin.",
        "type": kind,
    }


SIGNED = Security.SIGNED
ROUTES = (
    Route(
        "POST",
        "/fapi/v1/leverage",
        leverage,
        SIGNED,
        1,
        (SYMBOL, Param("leverage", "integer", True)),
    ),
    Route(
        "POST",
        "/fapi/v1/marginType",
        margin_type,
        SIGNED,
        1,
        (SYMBOL, Param("marginType", required=True, enum=("ISOLATED", "CROSSED"))),
    ),
    Route(
        "POST",
        "/fapi/v1/positionSide/dual",
        position_mode,
        SIGNED,
        1,
        (Param("dualSidePosition", required=True, enum=("true", "false")),),
    ),
    Route("GET", "/fapi/v1/positionSide/dual", get_position_mode, SIGNED, 30),
    Route(
        "POST",
        "/fapi/v1/positionMargin",
        position_margin,
        SIGNED,
        1,
        (
            SYMBOL,
            POSITION_SIDE,
            Param("amount", "number", True),
            Param("type", "integer", True, ("1", "2")),
        ),
    ),
)
