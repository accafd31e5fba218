"""Binance's stream messages as the monitor's events.

Market: ``markPriceUpdate`` (``<symbol>@markPrice@1s``). User data: ``ACCOUNT_UPDATE`` (``B[]``
cross wallets, ``P[]`` positions), ``ORDER_TRADE_UPDATE`` of the exchange's own closes (a
liquidation: order type ``LIQUIDATION`` or client id ``autoclose-...``; ADL: ``adl_autoclose``),
``MARGIN_CALL``, ``listenKeyExpired``. Raw (``/ws``) and combined (``/stream``:
``{"stream", "data"}``) forms both. Any other message, a subscription's answer included, only
shows that the link is alive; a message that cannot be read is dropped the same way, so one
odd frame never breaks the stream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from liquidator.adapters.binance import fields
from liquidator.app.monitor.events import (
    ForcedKind,
    ForcedOrder,
    Funding,
    ListenKeyExpired,
    MarginCalled,
    MarkMoved,
    PositionChanged,
    StreamAlive,
    StreamEvent,
    WalletChanged,
)
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import Price, Qty, Rate

_MARGIN_TYPES = {"cross": MarginType.CROSS, "crossed": MarginType.CROSS}


def parse_message(text: str | bytes) -> list[StreamEvent]:
    """Return the events one stream message carries ([StreamAlive()] when none)."""
    try:
        body = json.loads(text, parse_float=Decimal)
        if isinstance(body, Mapping) and "stream" in body and "data" in body:
            body = body["data"]
        events = _events(body)
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):  # InputError too
        events = []
    return events or [StreamAlive()]


def _events(body: Any) -> list[StreamEvent]:
    if isinstance(body, list):  # !markPrice@arr
        return [event for item in body for event in _events(item)]
    if not isinstance(body, Mapping):
        return []
    kind = body.get("e")
    if kind == "markPriceUpdate":
        return [_mark(body)]
    if kind == "ACCOUNT_UPDATE":
        return _account_update(body)
    if kind == "ORDER_TRADE_UPDATE":
        forced = _forced(fields.mapping(body["o"], "o"), int(body.get("E", 0)))
        return [forced] if forced else []
    if kind == "MARGIN_CALL":
        return [_margin_call(body)]
    if kind == "listenKeyExpired":
        return [ListenKeyExpired(int(body.get("E", 0)))]
    return []


def _mark(body: Mapping[str, Any]) -> MarkMoved:
    rate = body.get("r")
    funding = Funding(
        Rate(fields.decimal_raw(rate, "r")) if rate not in (None, "") else None,
        int(body.get("T", 0)),
    )
    return MarkMoved(body["s"], fields.price(body, "p", "markPriceUpdate"), funding, int(body["E"]))


def _account_update(body: Mapping[str, Any]) -> list[StreamEvent]:
    ts_ms = int(body["E"])
    update = fields.mapping(body["a"], "a")
    events: list[StreamEvent] = []
    for balance in update.get("B", ()):
        if "cw" in balance:
            asset = balance["a"]
            events.append(WalletChanged(asset, fields.amount(balance, "cw", "B", asset), ts_ms))
    for row in update.get("P", ()):
        margin_type = _MARGIN_TYPES.get(str(row.get("mt", "")).lower(), MarginType.ISOLATED)
        quantity = fields.quantity(row, "pa", "P")
        isolated = margin_type is MarginType.ISOLATED and quantity.raw != 0
        events.append(
            PositionChanged(
                symbol=row["s"],
                side=PositionSide(row.get("ps", "BOTH")),
                quantity=quantity,
                entry_price=Price(fields.decimal_raw(row.get("ep", "0"), "ep")),
                margin_type=margin_type,
                isolated_wallet=Decimal(str(row["iw"])) if isolated else None,
                ts_ms=ts_ms,
                break_even=_break_even(row.get("bep")),
            )
        )
    return events


def _break_even(text: Any) -> Price | None:
    """Read ``bep`` (absent or ``0``: unknown)."""
    if text in (None, ""):
        return None
    raw = fields.decimal_raw(text, "bep")
    return Price(raw) if raw > 0 else None


def _forced(order: Mapping[str, Any], ts_ms: int) -> ForcedOrder | None:
    client_id = str(order.get("c", ""))
    if order.get("o") == "LIQUIDATION" or client_id.startswith("autoclose-"):
        kind = ForcedKind.LIQUIDATION
    elif client_id.startswith("adl_autoclose") or order.get("ot") == "ADL":
        kind = ForcedKind.ADL
    else:
        return None
    return ForcedOrder(
        kind=kind,
        symbol=order["s"],
        side=order["S"],
        position_side=PositionSide(order.get("ps", "BOTH")),
        order_id=int(order["i"]),
        status=order["X"],
        quantity=Qty(fields.decimal_raw(order["q"], "q")),
        filled=Qty(fields.decimal_raw(order.get("z", "0"), "z")),
        average_price=Price(fields.decimal_raw(order.get("ap", "0"), "ap")),
        price=Price(fields.decimal_raw(order.get("p", "0"), "p")),
        ts_ms=int(order.get("T", ts_ms)),
    )


def _margin_call(body: Mapping[str, Any]) -> MarginCalled:
    rows = list(body.get("p", ()))
    return MarginCalled(
        symbols=tuple(str(row["s"]) for row in rows),
        maintenance=tuple(Decimal(str(row.get("mm", "0"))) for row in rows),
        ts_ms=int(body["E"]),
    )
