"""Binance's JSON rows (``userTrades``, ``forceOrders``, ``income``) as post-mortem records.

Binance sends prices and amounts as decimal strings; a client that parsed a JSON number into
a binary float (the brackets' rates) gets it back through its shortest ``repr``, the decimal
literal Binance wrote. A missing or malformed field is one :class:`PostmortemError` line.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from liquidator.adapters.input_files import NumberError, fixed_raw, whole_number
from liquidator.postmortem.records import (
    ADL,
    LIQUIDATION,
    Fill,
    ForcedOrder,
    Income,
    PostmortemError,
)


def decimal_text(value: Any) -> Any:
    """Return ``value`` with every float inside it as the Decimal of its shortest repr."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list):
        return [decimal_text(item) for item in value]
    if isinstance(value, dict):
        return {key: decimal_text(item) for key, item in value.items()}
    return value


def raw_of(value: Any, where: str) -> int:
    """Return the raw fixed-point integer of a Binance decimal."""
    try:
        return fixed_raw(decimal_text(value))
    except NumberError as error:
        raise PostmortemError(f"{where}: {str(value)[:40]!r} {error}") from None


def int_of(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return whole_number(str(value))
    except NumberError as error:
        raise PostmortemError(f"{where}: {str(value)[:40]!r} {error}") from None


def _field(row: Any, key: str, kind: str) -> Any:
    if not isinstance(row, Mapping) or row.get(key) is None:
        raise PostmortemError(f"{kind}: a row without {key!r}: {str(row)[:80]}")
    return row[key]


def fill_of(row: Any) -> Fill:
    def get(key: str) -> Any:
        return _field(row, key, "userTrades")

    return Fill(
        time_ms=int_of(get("time"), "userTrades.time"),
        symbol=str(get("symbol")),
        side=str(get("side")),
        position_side=str(row.get("positionSide") or "BOTH"),
        price=raw_of(get("price"), "userTrades.price"),
        quantity=raw_of(get("qty"), "userTrades.qty"),
        commission=raw_of(get("commission"), "userTrades.commission"),
        realized_pnl=raw_of(get("realizedPnl"), "userTrades.realizedPnl"),
        order_id=int_of(get("orderId"), "userTrades.orderId"),
        trade_id=int_of(get("id"), "userTrades.id"),
    )


def forced_of(row: Any) -> ForcedOrder:
    def get(key: str) -> Any:
        return _field(row, key, "forceOrders")

    client_id = str(row.get("clientOrderId", "")) if isinstance(row, Mapping) else ""
    return ForcedOrder(
        order_id=int_of(get("orderId"), "forceOrders.orderId"),
        symbol=str(get("symbol")),
        side=str(get("side")),
        position_side=str(row.get("positionSide") or "BOTH"),
        price=raw_of(get("price"), "forceOrders.price"),
        quantity=raw_of(get("origQty"), "forceOrders.origQty"),
        executed=raw_of(get("executedQty"), "forceOrders.executedQty"),
        average=raw_of(get("avgPrice"), "forceOrders.avgPrice"),
        time_ms=int_of(get("time"), "forceOrders.time"),
        kind=ADL if client_id.startswith("adl_") else LIQUIDATION,
    )


def income_of(row: Any) -> Income:
    def get(key: str) -> Any:
        return _field(row, key, "income")

    return Income(
        time_ms=int_of(get("time"), "income.time"),
        symbol=str(row.get("symbol") or ""),
        kind=str(get("incomeType")),
        amount=raw_of(get("income"), "income.income"),
        asset=str(get("asset")),
        tran_id=int_of(get("tranId"), "income.tranId"),
    )
