"""Forced orders like Binance's ``GET /fapi/v1/forceOrders``, and the ``<symbol>@forceOrder`` feed.

Derived from the events alone: a LIQUIDATION order (client id ``autoclose-…``) or an ADL order
(``adl_autoclose``) is announced by ``OrderAccepted``, filled by ``OrderTraded`` (the book, the
insurance fund's takeover and auto-deleveraging all fill it, at their prices), and finished by
``PositionLiquidated`` or ``AutoDeleveraged``. Binance shows these orders as ``type`` LIMIT,
``timeInForce`` IOC (liquidation) or GTC (ADL), ``reduceOnly`` false (as in Binance's example); so
does :meth:`ForceOrder.to_binance`. The rows live in a store beside the journal
(:class:`ForceOrderStore`); the public feed is the streams' (:func:`force_order_event`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from liquidator.core.exchange.events import (
    AutoDeleveraged,
    Event,
    OrderAccepted,
    OrderTraded,
    PositionLiquidated,
)
from liquidator.core.exchange.orders import OrderType
from liquidator.core.money.fixed import SCALE, trim_raw
from liquidator.read.history_filter import Window

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


class ForceOrderStore(Protocol):
    """Where finished forced orders are kept (and those in progress at a write)."""

    def force_orders(
        self, account: str, window: Window, *, symbol: str | None, auto_close_type: str | None
    ) -> list[ForceOrder]:
        """Return the last ``window.limit`` matching finished orders, newest first."""

    def force_orders_in_progress(self) -> list[ForceOrder]:
        """Return the forced orders accepted but not finished at the last write."""


class ForceOrders:
    """The forced orders of every account: finished ones in a store, the rest in memory.

    A forced order is finished within the command that accepted it, so ``open`` is empty
    between commands; it is written with the rest all the same (and read back on start), so a
    write that fell between acceptance and finish loses nothing.
    """

    def __init__(self, store: ForceOrderStore, sync: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.sync = sync  # writes what is pending, so that the store answers for everything
        self.open = {row.order_id: row for row in store.force_orders_in_progress()}
        self.new_rows: list[ForceOrder] = []  # finished rows to write

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
            elif isinstance(event, PositionLiquidated | AutoDeleveraged):
                self._finish(event.order_id)

    def written(self) -> None:
        self.new_rows = []

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

    def _finish(self, order_id: int) -> None:
        row = self.open.pop(order_id, None)
        if row is not None:
            status = "FILLED" if row.executed == row.quantity else "EXPIRED"
            self.new_rows.append(replace(row, status=status))

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
        self.sync()
        window = Window(start_ms, end_ms, limit)
        return self.store.force_orders(
            account, window, symbol=symbol, auto_close_type=auto_close_type
        )


def _int(value: object) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an int order field, got {value!r}")
    return value
