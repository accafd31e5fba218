"""Every order and every fill of every user account, as the events tell them (a read model).

``GET /fapi/v1/order``, ``allOrders``, ``openAlgoOrders``, ``algoOrder`` and ``userTrades``
answer from here. An order record is a copy of the engine's :class:`Order`, rebuilt from
``OrderAccepted`` and moved on by ``OrderTraded``, ``OrderTriggered``, ``OrderAmended`` and
``OrderClosed``.

The records live in a store beside the journal (:class:`OrderStore`); memory holds only the
orders still open that were touched since the process started, and what changed since the
last write (``changed``, ``new_fills``), so it is bounded by the live state, not the history.
An order handed out stays the object later events move on while it is in memory: a route that
found an order, then cancelled it, shows it cancelled. System accounts' orders are not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from liquidator.core.exchange.events import (
    Event,
    OrderAccepted,
    OrderAmended,
    OrderClosed,
    OrderTraded,
    OrderTriggered,
)
from liquidator.core.exchange.orders import ExpiryReason, Order, OrderStatus
from liquidator.read.history_filter import Window, is_served


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill of one account's order (raw values)."""

    account: str
    symbol: str
    trade_id: int
    order_id: int
    side: str
    position_side: str
    price: int
    quantity: int
    commission: int
    commission_asset: str
    realized_pnl: int
    maker: bool
    ts_ms: int


class OrderStore(Protocol):
    """Where the order records and fills are kept, and how they are found."""

    def order(self, order_id: int) -> Order | None:
        """Return the record of ``order_id``, None if there is none."""

    def orders(
        self, account: str, symbol: str, window: Window, *, from_id: int | None
    ) -> list[Order]:
        """Return the last ``window.limit`` orders created in the window, oldest first."""

    def orders_by_client(self, account: str, client_order_id: str) -> list[Order]:
        """Return ``account``'s orders with ``client_order_id``, newest first."""

    def fills(
        self, account: str, symbol: str, window: Window, *, from_id: int | None
    ) -> list[Fill]:
        """Return the last ``window.limit`` fills in the window, oldest first."""


ORDER_EVENTS = frozenset({OrderAccepted, OrderTraded, OrderClosed, OrderTriggered, OrderAmended})


def is_triggered(order: Order) -> bool:
    """Tell whether a conditional order's trigger fired (it now works as its ``becomes``)."""
    return order.type is not order.orig_type


class OrderHistory:
    """Orders by id and fills, in the store; the open ones and the unwritten ones in memory."""

    def __init__(self, store: OrderStore, sync: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.sync = sync  # writes what is pending, so that the store answers for everything
        self.live: dict[int, Order] = {}  # open orders met so far, and every unwritten one
        self.changed: dict[int, Order] = {}  # records to write
        self.new_fills: list[Fill] = []  # fills to write

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            kind = type(event)
            if kind not in ORDER_EVENTS or not is_served(event.account):  # type: ignore[union-attr]
                continue
            if kind is OrderAccepted:
                self._accepted(event)  # type: ignore[arg-type]
            elif kind is OrderTraded:
                self._traded(event)  # type: ignore[arg-type]
            elif kind is OrderClosed:
                self._closed(event)  # type: ignore[arg-type]
            elif kind is OrderTriggered:
                self._triggered(event)  # type: ignore[arg-type]
            elif kind is OrderAmended:
                self._amended(event)  # type: ignore[arg-type]

    def written(self) -> None:
        """Forget what was written, and the finished orders among it."""
        for order_id, order in self.changed.items():
            if not order.status.is_open:
                self.live.pop(order_id, None)
        self.changed = {}
        self.new_fills = []

    def _accepted(self, event: OrderAccepted) -> None:
        if is_served(event.account):
            order = Order.from_state(list(event.fields))
            self.live[event.order_id] = self.changed[event.order_id] = order

    def _traded(self, event: OrderTraded) -> None:
        if not is_served(event.account):
            return
        self.new_fills.append(
            Fill(
                event.account,
                event.symbol,
                event.trade_id,
                event.order_id,
                event.side,
                event.position_side.value,
                event.price,
                event.quantity,
                event.commission,
                event.commission_asset,
                event.realized_pnl,
                event.maker,
                event.ts_ms,
            )
        )
        order = self._changing(event.account, event.order_id)
        if order is not None:
            order.executed = event.executed
            order.cum_quote = event.cum_quote
            order.updated_ms = event.ts_ms
            order.status = (
                OrderStatus.FILLED if order.remaining <= 0 else OrderStatus.PARTIALLY_FILLED
            )

    def _closed(self, event: OrderClosed) -> None:
        order = self._changing(event.account, event.order_id)
        if order is not None:
            order.status = OrderStatus(event.status)
            order.expiry_reason = ExpiryReason(event.expiry_reason)
            order.updated_ms = event.ts_ms

    def _amended(self, event: OrderAmended) -> None:
        order = self._changing(event.account, event.order_id)
        if order is not None:
            amended = Order.from_state(list(event.fields))
            order.price, order.quantity = amended.price, amended.quantity
            order.updated_ms = event.ts_ms

    def _triggered(self, event: OrderTriggered) -> None:
        order = self._changing(event.account, event.order_id)
        if order is not None:
            order.type = order.type.becomes
            order.updated_ms = event.ts_ms

    def _changing(self, account: str, order_id: int) -> Order | None:
        """Return the record an event moves on, marked to be written (None: not kept)."""
        if not is_served(account):
            return None
        order = self.order(account, order_id)
        if order is not None:
            self.changed[order_id] = order
        return order

    def order(self, account: str, order_id: int) -> Order | None:
        """Return ``account``'s order ``order_id``, None if it has none by that id."""
        order = self.live.get(order_id)
        if order is None:
            stored = self.store.order(order_id)
            order = None if stored is None else self._kept(stored)
        return order if order is not None and order.account == account else None

    def _kept(self, stored: Order) -> Order:
        """Return the object in memory for a stored record, keeping an open one there."""
        order = self.live.get(stored.order_id)
        if order is not None:
            return order
        if stored.status.is_open:
            self.live[stored.order_id] = stored  # later events move it on: one object
        return stored

    def by_client_id(
        self, account: str, client_id: str, *, symbol: str | None = None, conditional: bool = False
    ) -> Order | None:
        """Return ``account``'s newest order with ``client_id`` (in ``symbol``; conditional)."""
        self.sync()
        for stored in self.store.orders_by_client(account, client_id):
            order = self._kept(stored)
            if (symbol is None or order.symbol == symbol) and (
                not conditional or order.orig_type.is_conditional
            ):
                return order
        return None

    def history(
        self, account: str, symbol: str, window: Window, *, from_id: int | None = None
    ) -> list[Order]:
        """Return ``allOrders``: the last ``window.limit`` orders from ``from_id``, oldest first."""
        self.sync()
        found = self.store.orders(account, symbol, window, from_id=from_id)
        return [self._kept(order) for order in found]

    def fills(
        self, account: str, symbol: str, window: Window, *, from_id: int | None = None
    ) -> list[Fill]:
        """Return ``userTrades``: the last ``window.limit`` fills from ``from_id``, oldest first."""
        self.sync()
        return self.store.fills(account, symbol, window, from_id=from_id)

    @property
    def triggered(self) -> TriggeredOrders:
        """The conditional orders whose trigger fired (``order_id in history.triggered``)."""
        return TriggeredOrders(self)


class TriggeredOrders:
    """``order_id in`` it tells whether that conditional order's trigger fired."""

    def __init__(self, history: OrderHistory) -> None:
        self._history = history

    def __contains__(self, order_id: object) -> bool:
        if not isinstance(order_id, int):
            return False
        order = self._history.live.get(order_id) or self._history.store.order(order_id)
        return order is not None and is_triggered(order)
