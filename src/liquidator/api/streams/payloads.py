"""The user and market stream payloads Binance sends, built from orders and events."""

from __future__ import annotations

from typing import Any

from liquidator.api.views import d, d16
from liquidator.core.exchange.events import (
    Event,
    OrderAccepted,
    OrderAmended,
    OrderClosed,
    OrderTraded,
    TradeExecuted,
)
from liquidator.core.exchange.orders import Order, OrderType


def kline(event: TradeExecuted, bar: Any, interval: str, ms: int) -> dict[str, Any]:
    return {
        "e": "kline",
        "E": event.ts_ms,
        "s": event.symbol,
        "k": {
            "t": bar.open_ms,
            "T": bar.open_ms + ms - 1,
            "s": event.symbol,
            "i": interval,
            "f": event.trade_id,
            "L": event.trade_id,
            "o": d(bar.open),
            "c": d(bar.close),
            "h": d(bar.high),
            "l": d(bar.low),
            "v": d(bar.volume),
            "n": bar.trades,
            "x": False,
            "q": d16(bar.quote),
            "V": d(bar.taker_buy_volume),
            "Q": d16(bar.taker_buy_quote),
            "B": "0",
        },
    }


def order_update(
    order: Order, event: Event, now: int, margin_asset: str, *, coin_margined: bool = False
) -> dict[str, Any]:
    """An ``ORDER_TRADE_UPDATE``; a COIN-M one (``coin_margined``) also names its margin asset
    (``ma``), as Binance's dstream does. The commission asset is the margin asset."""
    liquidation = order.orig_type is OrderType.LIQUIDATION
    adl = order.orig_type is OrderType.ADL
    kind = (
        "LIQUIDATION"
        if liquidation
        else ("LIMIT" if order.type.is_venue_only else order.type.value)
    )
    last_qty = last_price = commission = realized = trade_id = 0
    maker = False
    executed, cum = order.executed, order.cum_quote
    if isinstance(event, OrderAccepted):
        execution, status = "NEW", "NEW"
        executed = cum = 0
    elif isinstance(event, OrderTraded):
        execution = "CALCULATED" if liquidation or adl else "TRADE"
        executed, cum = event.executed, event.cum_quote
        status = "FILLED" if executed >= order.quantity else "PARTIALLY_FILLED"
        last_qty, last_price, commission = event.quantity, event.price, event.commission
        realized, trade_id, maker = event.realized_pnl, event.trade_id, event.maker
    elif isinstance(event, OrderAmended):  # Binance: x AMENDMENT, X the order's status
        execution = "AMENDMENT"
        status = "PARTIALLY_FILLED" if executed else "NEW"
    else:
        assert isinstance(event, OrderClosed)
        status = event.status
        execution = "CANCELED" if status == "CANCELED" else "EXPIRED"
    average = cum // executed if executed else 0
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": now,
        "T": now,
        "o": {
            "s": order.symbol,
            "c": order.client_order_id,
            "S": order.side.value,
            "o": kind,
            "f": order.time_in_force.value,
            "q": d(order.quantity),
            "p": d(order.price),
            "ap": d(average),
            "sp": d(order.stop_price),
            "x": execution,
            "X": status,
            "i": order.order_id,
            "l": d(last_qty),
            "z": d(executed),
            "L": d(last_price),
            "N": margin_asset,
            "n": d(commission),
            "T": now,
            "t": trade_id,
            "b": "0",
            "a": "0",
            "m": maker,
            "R": order.reduce_only,
            "wt": order.working_type.value,
            "ot": "LIQUIDATION" if liquidation else order.orig_type.value if not adl else "LIMIT",
            "ps": order.position_side.value,
            "cp": order.close_position,
            "pP": order.price_protect,
            "si": 0,
            "ss": 0,
            "rp": d(realized),
            "V": order.stp.value,
            "pm": "NONE",
            "gtd": 0,
            "er": str(int(order.expiry_reason)),
        }
        | ({"ma": margin_asset} if coin_margined else {}),
    }


def algo_update(order: Order, status: str, now: int) -> dict[str, Any]:
    return {
        "e": "ALGO_UPDATE",
        "T": now,
        "E": now,
        "o": {
            "caid": order.client_order_id,
            "aid": order.order_id,
            "at": "CONDITIONAL",
            "o": order.orig_type.value,
            "s": order.symbol,
            "S": order.side.value,
            "ps": order.position_side.value,
            "f": order.time_in_force.value,
            "q": d(order.quantity),
            "X": status,
            "tp": d(order.stop_price),
            "p": d(order.price),
            "V": order.stp.value,
            "wt": order.working_type.value,
            "pm": "NONE",
            "cp": order.close_position,
            "pP": order.price_protect,
            "R": order.reduce_only,
            "tt": now if status == "TRIGGERED" else 0,
            "gtd": 0,
        },
    }
