"""Alerts at the trader's thresholds, each fired once per crossing (hysteresis), and the
forced closes that happened.

A threshold alert fires when a figure crosses it and re-arms only once the figure is back by
a tenth of the threshold: a margin-ratio alert at 80% re-arms below 72%, a distance alert at 5%
above 5.5%; an ADL alert at quantile 4 re-arms below 4 (quantiles move by whole steps). A cross
account's margin ratio is one alert for the account, not one per position. A liquidation or
ADL fires once per order; Binance's MARGIN_CALL once per ten minutes for the same positions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from liquidator.app.monitor.events import ForcedOrder, MarginCalled
from liquidator.app.monitor.figures import PositionLine
from liquidator.core.money.fixed import Rate

REARM_FRACTION = (9, 10)  # back below 90% of a ceiling (above 110% of a floor) re-arms it
MARGIN_CALL_QUIET_MS = 10 * 60_000
FINAL_STATUSES = ("FILLED", "EXPIRED", "CANCELED", "EXPIRED_IN_MATCH")


class AlertKind(Enum):
    MARGIN_RATIO = "MARGIN_RATIO"
    LIQUIDATION_DISTANCE = "LIQUIDATION_DISTANCE"
    ADL_QUANTILE = "ADL_QUANTILE"
    LIQUIDATION_PRICE_DIFFERS = "LIQUIDATION_PRICE_DIFFERS"
    MARGIN_CALL = "MARGIN_CALL"
    LIQUIDATION = "LIQUIDATION"
    ADL = "ADL"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What the trader asked to be told about (None: not asked)."""

    margin_ratio: Rate | None = None  # alert at or above this ratio (0.8 = 80%)
    distance: Rate | None = None  # alert at or below this distance to liquidation (0.05 = 5%)
    adl: int | None = None  # alert at or above this ADL quantile (1 to 4)


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: its kind, what it is about, a sentence, and the figures (decimal strings)."""

    kind: AlertKind
    message: str
    ts_ms: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "alert": self.kind.value,
            "time": self.ts_ms,
            "message": self.message,
            **self.details,
        }


def _percent(rate: Rate) -> str:
    return f"{rate.to_decimal() * 100:.2f}%"


class AlertGate:
    """Decides which alerts fire; remembers which are fired until they re-arm."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.fired: set[tuple[str, ...]] = set()
        self.forced_seen: set[tuple[str, int]] = set()
        self.margin_calls: dict[tuple[str, ...], int] = {}

    def check(self, lines: Iterable[PositionLine]) -> list[Alert]:
        """Return the threshold alerts that fire now (each once per crossing)."""
        alerts: list[Alert] = []
        for line in lines:
            alerts += self._margin_ratio(line)
            alerts += self._distance(line)
            alerts += self._adl(line)
            alerts += self._differs(line)
        return alerts

    def _gate(self, key: tuple[str, ...], crossed: bool, rearmed: bool) -> bool:
        """Return True the first time ``crossed`` holds; forget it once ``rearmed`` holds."""
        if key in self.fired:
            if rearmed:
                self.fired.discard(key)
            return False
        if crossed:
            self.fired.add(key)
            return True
        return False

    def _margin_ratio(self, line: PositionLine) -> list[Alert]:
        limit = self.thresholds.margin_ratio
        if limit is None:
            return []
        position = line.risk.position
        ratio = line.margin_ratio
        scope = ("cross", position.margin_asset) if position.is_cross else _scope(line)
        crossed = ratio is None or ratio.raw >= limit.raw
        rearmed = (
            ratio is not None and ratio.raw * REARM_FRACTION[1] < limit.raw * REARM_FRACTION[0]
        )
        if not self._gate((AlertKind.MARGIN_RATIO.value, *scope), crossed, rearmed):
            return []
        shown = _percent(ratio) if ratio is not None else "no margin balance left"
        where = f"cross {position.margin_asset} account" if position.is_cross else " ".join(scope)
        details = _about(line) | {
            "marginRatio": ratio.fixed() if ratio is not None else None,
            "threshold": limit.fixed(),
        }
        if position.is_cross:
            details |= {"marginType": "cross", "asset": position.margin_asset}
        message = f"margin ratio of the {where} is {shown} (alert at {_percent(limit)})"
        return [Alert(AlertKind.MARGIN_RATIO, message, line.ts_ms, details)]

    def _distance(self, line: PositionLine) -> list[Alert]:
        limit = self.thresholds.distance
        distance = line.risk.distance_to_liquidation()
        if limit is None or distance is None:
            return []
        crossed = distance.raw <= limit.raw
        rearmed = distance.raw * REARM_FRACTION[0] > limit.raw * REARM_FRACTION[1]
        if not self._gate((AlertKind.LIQUIDATION_DISTANCE.value, *_scope(line)), crossed, rearmed):
            return []
        price = line.liquidation
        message = (
            f"{' '.join(_scope(line))} is {_percent(distance)} from its liquidation price "
            f"{price} (alert at {_percent(limit)})"
        )
        details = _about(line) | {
            "liquidationDistance": distance.fixed(),
            "liquidationPrice": price.fixed() if price else "0",
            "threshold": limit.fixed(),
        }
        return [Alert(AlertKind.LIQUIDATION_DISTANCE, message, line.ts_ms, details)]

    def _adl(self, line: PositionLine) -> list[Alert]:
        limit = self.thresholds.adl
        if limit is None or line.adl is None:
            return []
        crossed = line.adl >= limit
        if not self._gate((AlertKind.ADL_QUANTILE.value, *_scope(line)), crossed, not crossed):
            return []
        message = f"{' '.join(_scope(line))} is in ADL quantile {line.adl} (alert at {limit})"
        details = _about(line) | {"adl": line.adl, "threshold": limit}
        return [Alert(AlertKind.ADL_QUANTILE, message, line.ts_ms, details)]

    def _differs(self, line: PositionLine) -> list[Alert]:
        key = (AlertKind.LIQUIDATION_PRICE_DIFFERS.value, *_scope(line))
        if not self._gate(key, line.differs, not line.differs):
            return []
        ours, theirs = line.liquidation, line.reported
        message = (
            f"{' '.join(_scope(line))}: Binance reports liquidation price {theirs or '--'}, "
            f"ours is {ours or '--'} (more than one tick apart)"
        )
        details = _about(line) | {
            "liquidationPrice": ours.fixed() if ours else "0",
            "binanceLiquidationPrice": theirs.fixed() if theirs else "0",
        }
        return [Alert(AlertKind.LIQUIDATION_PRICE_DIFFERS, message, line.ts_ms, details)]

    def forced(self, order: ForcedOrder) -> Alert | None:
        """Return the alert of a liquidation or ADL order, once, when it has ended (filled,
        expired or cancelled): its whole fill and average, not the first fill's (an IOC
        liquidation order sweeping the book ends within the same instant)."""
        if order.status not in FINAL_STATUSES:
            return None
        key = (order.kind.value, order.order_id)
        if key in self.forced_seen:
            return None
        self.forced_seen.add(key)
        what = "liquidated" if order.kind.value == "LIQUIDATION" else "auto-deleveraged"
        message = (
            f"{order.symbol} {order.position_side.value} {what}: {order.side} {order.filled} "
            f"of {order.quantity} at average {order.average_price} (order {order.order_id}, "
            f"{order.status})"
        )
        details = {
            "symbol": order.symbol,
            "positionSide": order.position_side.value,
            "orderId": order.order_id,
            "side": order.side,
            "status": order.status,
            "origQty": order.quantity.fixed(),
            "executedQty": order.filled.fixed(),
            "avgPrice": order.average_price.fixed(),
            "price": order.price.fixed(),
        }
        return Alert(AlertKind(order.kind.value), message, order.ts_ms, details)

    def margin_call(self, call: MarginCalled) -> Alert | None:
        """Return Binance's margin call as an alert, at most once per ten minutes per positions."""
        last = self.margin_calls.get(call.symbols)
        if last is not None and call.ts_ms - last < MARGIN_CALL_QUIET_MS:
            return None
        self.margin_calls[call.symbols] = call.ts_ms
        owed = ", ".join(str(amount) for amount in call.maintenance)
        message = "Binance margin call"
        if call.symbols:
            message += f" on {', '.join(call.symbols)} (maintenance {owed})"
        details = {
            "symbols": list(call.symbols),
            "maintMargin": [str(amount) for amount in call.maintenance],
        }
        return Alert(AlertKind.MARGIN_CALL, message, call.ts_ms, details)


def _scope(line: PositionLine) -> tuple[str, str]:
    return line.key[0], line.key[1].value


def _about(line: PositionLine) -> dict[str, Any]:
    position = line.risk.position
    return {
        "symbol": position.symbol,
        "positionSide": position.side.value,
        "markPrice": position.mark_price.fixed(),
    }
