"""Every order and every fill of every account, as the events tell them (a read model).

``GET /fapi/v1/order``, ``openOrders``, ``allOrders``, ``openAlgoOrders`` and ``userTrades``
answer from here; the engine's own state holds only the open orders. An order record is a copy
of the engine's :class:`Order`, rebuilt from ``OrderAccepted`` and moved on by ``OrderTraded``,
``OrderTriggered`` and ``OrderClosed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from liquidator.core.events import (
    Event,
    OrderAccepted,
    OrderClosed,
    OrderTraded,
    OrderTriggered,
)
from liquidator.core.orders import ExpiryReason, Order, OrderStatus

MAX_KEPT = 100_000  # finished orders kept per account (the oldest go first)


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


class OrderHistory:
    """Orders by (account, order id), in placement order per account, and fills."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[int, Order]] = {}
        self.fills: dict[str, list[Fill]] = {}
        self.triggered: set[int] = set()  # conditional orders whose trigger fired

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            kind = type(event)
            if kind is OrderAccepted:
                self._accepted(event)  # type: ignore[arg-type]
            elif kind is OrderTraded:
                self._traded(event)  # type: ignore[arg-type]
            elif kind is OrderClosed:
                self._closed(event)  # type: ignore[arg-type]
            elif kind is OrderTriggered:
                self._triggered(event)  # type: ignore[arg-type]

    def _accepted(self, event: OrderAccepted) -> None:
        order = Order.from_state(list(event.fields))
        orders = self.orders.setdefault(event.account, {})
        orders[event.order_id] = order
        if len(orders) > MAX_KEPT:
            oldest = next(iter(orders))
            del orders[oldest]

    def _traded(self, event: OrderTraded) -> None:
        order = self.order(event.account, event.order_id)
        if order is not None:
            order.executed = event.executed
            order.cum_quote = event.cum_quote
            order.updated_ms = event.ts_ms
            order.status = (
                OrderStatus.FILLED if order.remaining <= 0 else OrderStatus.PARTIALLY_FILLED
            )
        self.fills.setdefault(event.account, []).append(
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

    def _closed(self, event: OrderClosed) -> None:
        order = self.order(event.account, event.order_id)
        if order is not None:
            order.status = OrderStatus(event.status)
            order.expiry_reason = ExpiryReason(event.expiry_reason)
            order.updated_ms = event.ts_ms

    def _triggered(self, event: OrderTriggered) -> None:
        order = self.order(event.account, event.order_id)
        if order is not None:
            order.type = order.type.becomes
            order.updated_ms = event.ts_ms
        self.triggered.add(event.order_id)

    def order(self, account: str, order_id: int) -> Order | None:
        return self.orders.get(account, {}).get(order_id)

    def by_client_id(self, account: str, symbol: str, client_id: str) -> Order | None:
        """Return the newest order of ``account`` in ``symbol`` with ``client_id``."""
        for order in reversed(self.orders.get(account, {}).values()):
            if order.symbol == symbol and order.client_order_id == client_id:
                return order
        return None

    def of(self, account: str, symbol: str | None = None) -> list[Order]:
        """Return ``account``'s orders (optionally one symbol's), oldest first."""
        return [
            order
            for order in self.orders.get(account, {}).values()
            if symbol is None or order.symbol == symbol
        ]

    def fills_of(self, account: str, symbol: str) -> list[Fill]:
        return [fill for fill in self.fills.get(account, []) if fill.symbol == symbol]
