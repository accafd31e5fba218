"""Forced orders like Binance's ``GET /fapi/v1/forceOrders``, and the ``<symbol>@forceOrder`` feed.

Derived from the events alone: a LIQUIDATION order (client id ``autoclose-…``) or an ADL order
(``adl_autoclose``) is announced by ``OrderAccepted``, filled by ``OrderTraded`` (the book, the
insurance fund's takeover and auto-deleveraging all fill it, at their prices), and finished by
``PositionLiquidated`` or ``AutoDeleveraged``. Binance shows these orders as ``type`` LIMIT,
``timeInForce`` IOC (liquidation) or GTC (ADL), ``reduceOnly`` false (as in Binance's example); so
does :meth:`ForceOrder.to_binance`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from liquidator.app.history_filter import select
from liquidator.core.events import (
    AutoDeleveraged,
    Event,
    OrderAccepted,
    OrderTraded,
    PositionLiquidated,
)
from liquidator.core.fixed import SCALE, trim_raw
from liquidator.core.orders import OrderType

LIQUIDATION = "LIQUIDATION"
ADL = "ADL"


@dataclass(frozen=True, slots=True)
class ForceOrder:
    """One forced order of one account (raw prices and quantities)."""

    account: str
    symbol: str
    order_id: int
    client_order_id: str
    side: str
    position_side: str
    price: int
    quantity: int
    executed: int
    cum_quote: int  # 10**-16
    status: str
    auto_close_type: str
    time_ms: int
    update_ms: int

    @property
    def average_price(self) -> int:
        return self.cum_quote // self.executed if self.executed else 0

    def to_binance(self) -> dict[str, object]:
        return {
            "orderId": self.order_id,
            "symbol": self.symbol,
            "status": self.status,
            "clientOrderId": self.client_order_id,
            "price": trim_raw(self.price),
            "avgPrice": trim_raw(self.average_price),
            "origQty": trim_raw(self.quantity),
            "executedQty": trim_raw(self.executed),
            "cumQuote": trim_raw(self.cum_quote // SCALE),
            "timeInForce": "IOC" if self.auto_close_type == LIQUIDATION else "GTC",
            "type": "LIMIT",
            "reduceOnly": False,  # as in Binance's own forceOrders example
            "closePosition": False,
            "side": self.side,
            "positionSide": self.position_side,
            "stopPrice": "0",
            "workingType": "CONTRACT_PRICE",
            "origType": "LIMIT",
            "time": self.time_ms,
            "updateTime": self.update_ms,
        }


def force_order_event(
    event: PositionLiquidated, executed: int, cum_quote: int
) -> dict[str, object]:
    """Return the public ``<symbol>@forceOrder`` message of a finished liquidation order."""
    average = cum_quote // executed if executed else 0
    return {
        "e": "forceOrder",
        "E": event.ts_ms,
        "o": {
            "s": event.symbol,
            "S": event.side,
            "o": "LIMIT",
            "f": "IOC",
            "q": trim_raw(event.quantity),
            "p": trim_raw(event.bankruptcy_price),
            "ap": trim_raw(average),
            "X": "FILLED" if executed == event.quantity else "EXPIRED",
            "l": trim_raw(executed),
            "z": trim_raw(executed),
            "T": event.ts_ms,
        },
    }


class ForceOrders:
    """The forced orders of every account, and the public liquidation feed, as they happen."""

    def __init__(self) -> None:
        self.open: dict[int, ForceOrder] = {}
        self.rows: dict[str, list[ForceOrder]] = {}
        self.feed: list[dict[str, object]] = []

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if isinstance(event, OrderAccepted):
                self._accepted(event)
            elif isinstance(event, OrderTraded) and event.order_id in self.open:
                row = self.open[event.order_id]
                self.open[event.order_id] = replace(
                    row,
                    executed=row.executed + event.quantity,
                    cum_quote=row.cum_quote + event.quantity * event.price,
                    update_ms=event.ts_ms,
                )
            elif isinstance(event, PositionLiquidated):
                done = self._finish(event.order_id)
                if done is not None:
                    self.feed.append(force_order_event(event, done.executed, done.cum_quote))
            elif isinstance(event, AutoDeleveraged):
                self._finish(event.order_id)

    def _accepted(self, event: OrderAccepted) -> None:
        kind = event.fields[6]
        if kind not in (OrderType.LIQUIDATION.value, OrderType.ADL.value):
            return
        self.open[event.order_id] = ForceOrder(
            event.account,
            event.symbol,
            event.order_id,
            str(event.fields[3]),
            str(event.fields[4]),
            str(event.fields[5]),
            _int(event.fields[10]),
            _int(event.fields[9]),
            0,
            0,
            "NEW",
            LIQUIDATION if kind == OrderType.LIQUIDATION.value else ADL,
            event.ts_ms,
            event.ts_ms,
        )

    def _finish(self, order_id: int) -> ForceOrder | None:
        row = self.open.pop(order_id, None)
        if row is None:
            return None
        status = "FILLED" if row.executed == row.quantity else "EXPIRED"
        row = replace(row, status=status)
        self.rows.setdefault(row.account, []).append(row)
        return row

    def query(
        self,
        account: str,
        *,
        symbol: str | None = None,
        auto_close_type: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 50,
    ) -> list[ForceOrder]:
        """Return up to ``limit`` of the account's forced orders, newest first, filtered."""
        return select(
            reversed(self.rows.get(account, [])),
            symbol=symbol,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=limit,
            keep=lambda row: auto_close_type is None or row.auto_close_type == auto_close_type,
        )


def _int(value: object) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an int order field, got {value!r}")
    return value
