"""``postmortem --json``: one object, a ``liquidations`` list, every amount a decimal string.

Each liquidation has Binance's names where Binance has one (``symbol``, ``time``, ``orderId``,
``liquidationPrice`` — ours —, ``executedPrice`` — Binance's average fill —, ``positionSide``)
and ours beside them (``bankruptcyPrice``, ``loss``, ``consistent``, ``differences``,
``survive``, ``rebuild``). Amounts are in the margin asset, named by ``loss.asset``.
"""

from __future__ import annotations

from typing import Any

from liquidator.core.money.fixed import trim_raw
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.analysis import Liquidation, Report
from liquidator.postmortem.records import ForcedOrder
from liquidator.postmortem.support import support_note


def report_json(report: Report) -> dict[str, Any]:
    return {
        "source": report.source,
        "account": report.account,
        "asset": report.asset,
        "liquidations": [liquidation_json(item) for item in report.liquidations],
        "adl": [_adl(order, report) for order in report.adl],
        "notes": report.notes,
    }


def told_orders(item: Liquidation) -> list[ForcedOrder]:
    """Return the liquidation's orders in the symbol that crashed (all, if none is)."""
    return [o for o in item.case.orders if o.symbol == item.symbol] or item.case.orders


def order_kinds(item: Liquidation) -> dict[int, str]:
    """Return "full" or "partial" per order: whether it was for all that was left of its leg."""
    left = {leg.key: abs(leg.quantity) for leg in item.case.legs}
    kinds = {}
    for order in item.case.orders:
        key = (order.symbol, order.position_side)
        kinds[order.order_id] = "full" if order.quantity >= left.get(key, 0) else "partial"
        left[key] = left.get(key, 0) - order.executed
    return kinds


def executed_price(item: Liquidation) -> int:
    """Return the average fill of the orders in the symbol that crashed (Binance's average:
    quantity-weighted, or for an inverse contract contract-weighted over the coin it paid, the
    harmonic mean)."""
    orders = told_orders(item)
    ids = {o.order_id for o in orders}
    pairs = [(f.quantity, f.price) for f in item.case.fills if f.order_id in ids]
    pairs = pairs or [(o.executed, o.average) for o in orders if o.executed]
    quantity = sum(q for q, _ in pairs)
    if not quantity:
        return 0
    leg = item.leg
    if not leg.coin16:
        return sum(q * p for q, p in pairs) // quantity
    return quantity * leg.coin16 // sum(leg.value16(q, p) for q, p in pairs)


def liquidation_json(item: Liquidation) -> dict[str, Any]:
    case, leg, loss = item.case, item.leg, item.loss
    first = told_orders(item)[0]
    kinds = order_kinds(item)
    return {
        "symbol": first.symbol,
        "time": first.time_ms,
        "orderId": first.order_id,
        "positionSide": first.position_side,
        "side": "LONG" if leg.quantity > 0 else "SHORT",
        "marginType": "isolated" if item.wallet.isolated else "cross",
        "positionAmt": trim_raw(leg.quantity),
        "entryPrice": trim_raw(leg.entry()),
        "wallet": trim_raw(item.wallet.amount),
        "walletSource": item.wallet.source,
        "leverage": item.wallet.leverage,
        "liquidationPrice": trim_raw(item.liquidation_price),
        "executedPrice": trim_raw(executed_price(item)),
        "bankruptcyPrice": trim_raw(item.bankruptcy_price),
        "markSymbol": item.symbol,
        "worstMark": trim_raw(item.survival.worst_mark),
        "orders": [
            {**_forced(order), "partial": kinds[order.order_id] == "partial"}
            for order in case.orders
        ],
        "positionLeft": [trim_raw(g.quantity) for g in case.left],
        "loss": {
            "asset": item.asset,
            "total": trim_raw(loss.total),
            "priceMove": trim_raw(loss.price_move),
            "toLiquidationPrice": trim_raw(loss.to_liquidation_price),
            "beyondLiquidationPrice": trim_raw(loss.beyond_liquidation_price),
            "funding": trim_raw(loss.funding),
            "commission": trim_raw(loss.commission),
            "clearanceFee": trim_raw(loss.clearance_fee),
            "insuranceCover": trim_raw(loss.insurance_cover),
        },
        "consistent": item.consistent,
        "differences": [
            {
                "rule": d.rule,
                "ours": d.ours,
                "binance": d.binance,
                "orderId": d.order_id,
                "time": d.time_ms,
            }
            for d in item.differences
        ],
        "supportNote": support_note(item) if item.differences else None,
        "survive": _survive(item),
        "rebuild": _rebuild(item),
    }


def _adl(order: ForcedOrder, report: Report) -> dict[str, Any]:
    return {**_forced(order), "realizedPnl": trim_raw(report.adl_realized.get(order.order_id, 0))}


def _forced(order: ForcedOrder) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "autoCloseType": order.kind,
        "side": order.side,
        "positionSide": order.position_side,
        "price": trim_raw(order.price),
        "avgPrice": trim_raw(order.average),
        "origQty": trim_raw(order.quantity),
        "executedQty": trim_raw(order.executed),
        "time": order.time_ms,
    }


def _survive(item: Liquidation) -> dict[str, Any]:
    saved = item.survival
    stop = saved.stop
    return {
        "worstMark": trim_raw(saved.worst_mark),
        "marginNeeded": trim_raw(saved.margin_needed),
        "extraMargin": trim_raw(saved.extra_margin),
        "maxLeverage": saved.max_leverage,
        "stop": None
        if stop is None
        else {
            "price": trim_raw(stop.price),
            "fill": trim_raw(stop.fill),
            "loss": trim_raw(stop.loss),
        },
        "gap": None if saved.gap is None else [trim_raw(saved.gap[0]), trim_raw(saved.gap[1])],
        "closestStop": None
        if saved.closest is None
        else {
            "price": trim_raw(saved.closest.price),
            "fill": trim_raw(saved.closest.fill),
            "loss": trim_raw(saved.closest.loss),
        },
    }


def _rebuild(item: Liquidation) -> dict[str, Any] | None:
    plan = item.rebuild
    if plan is None:
        return None
    return {
        "capital": trim_raw(plan.capital),
        "price": trim_raw(plan.price),
        "leverage": plan.leverage,
        "quantity": trim_raw(plan.quantity),
        "margin": trim_raw(plan.margin),
        "liquidationPrice": trim_raw(plan.liquidation_price),
        "stop": trim_raw(plan.stop),
        "lossAtStop": trim_raw(plan.loss_at_stop),
        "lossAtLiquidation": trim_raw(plan.loss_at_liquidation),
        "notional": trim_raw(item.leg.notional16(plan.quantity, plan.price) // SCALE),
    }
