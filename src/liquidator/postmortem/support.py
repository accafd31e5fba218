"""Shared words of the reports: times, amounts with their asset, and the note for support."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from liquidator.core.money.fixed import trim_raw

if TYPE_CHECKING:
    from liquidator.postmortem.analysis import Liquidation


def when(ms: int) -> str:
    """Return ``ms`` as ``2024-01-01 00:00:18.000 UTC``."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def money(raw: int, asset: str, *, signed: bool = False) -> str:
    """Return ``raw`` with its asset: ``-2900 USDT``, ``+12.5 USDT`` when ``signed``."""
    text = trim_raw(raw)
    if signed and raw >= 0:
        text = "+" + text
    return f"{text} {asset}"


def support_note(item: Liquidation) -> str:
    """Return a short message for Binance's support: the orders, times, prices and figures."""
    case, leg = item.case, item.leg
    side = "LONG" if leg.quantity > 0 else "SHORT"
    orders = ", ".join(
        f"order {o.order_id} at {when(o.time_ms)} ({o.side} {trim_raw(o.quantity)} "
        f"{o.symbol} at {trim_raw(o.price)}, filled {trim_raw(o.executed)} at "
        f"{trim_raw(o.average)})"
        for o in case.orders
    )
    lines = [
        f"My {side} {trim_raw(abs(leg.quantity))} {leg.symbol} position (entry "
        f"{trim_raw(leg.entry())}, wallet {money(item.wallet.amount, item.asset)}) was "
        f"liquidated: {orders}.",
        "By Binance's published liquidation rules I find these differences:",
    ]
    lines += [f"- {d.rule}: expected {d.ours}, got {d.binance}" for d in item.differences]
    lines.append(
        f"By my records the liquidation cost {money(-item.loss.total, item.asset)} in all, "
        f"of which clearance fee {money(-item.loss.clearance_fee, item.asset)}. "
        "Please check these orders and tell me how the figures were computed."
    )
    return "\n".join(lines)
