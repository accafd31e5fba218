"""The engine's live accounts: settings, positions, open orders and what those orders commit.

Wallet balances are not stored here: they are ledger balances (``Ledger``), so that every change
to them is an entry. A position keeps its exact cost ``sum(qty * price)`` (10**-16 units) so the
entry price and PnL never drift; the entry price is ``cost / quantity``.
"""

from __future__ import annotations

from liquidator.core.orders import Order, Side
from liquidator.core.position import MarginType, PositionSide

DEFAULT_LEVERAGE = 20  # Binance's default for a symbol never set


class PositionState:
    """A position of one account in one symbol and position side."""

    __slots__ = ("cost", "ledger_key", "quantity", "side", "symbol")

    def __init__(self, account: str, symbol: str, side: PositionSide) -> None:
        self.symbol = symbol
        self.side = side
        self.quantity = 0  # signed raw: long > 0
        self.cost = 0  # signed, 10**-16 units
        self.ledger_key = f"{account}/{symbol}/{side._value_}"  # its isolated wallet

    def entry_price(self) -> int:
        """Return ``cost / quantity`` (raw), half-even; 0 when flat."""
        if self.quantity == 0:
            return 0
        quotient, remainder = divmod(self.cost, self.quantity)
        twice = 2 * remainder
        if abs(twice) > abs(self.quantity) or (
            abs(twice) == abs(self.quantity) and quotient % 2 == 1
        ):
            quotient += 1
        return quotient

    def to_state(self) -> list[object]:
        return [self.symbol, self.side.value, self.quantity, self.cost]


class SymbolOrders:
    """The open orders of one account in one symbol and the exposure they add if filled.

    ``buy_qty``/``buy_cost`` (and sell) sum the remaining quantity and ``qty * price`` of orders
    that can open a position (not reduce-only, not hedge-mode closing orders).
    """

    __slots__ = (
        "algo",
        "buy_cost",
        "buy_qty",
        "by_client",
        "closing",
        "orders",
        "sell_cost",
        "sell_qty",
    )

    def __init__(self) -> None:
        self.orders: dict[int, Order] = {}
        self.by_client: dict[str, Order] = {}  # the same orders by client order id (unique)
        self.algo = 0  # conditional orders not yet triggered
        self.closing = 0  # resting orders that may only close (reduce-only, hedge closes)
        self.buy_qty = 0
        self.buy_cost = 0
        self.sell_qty = 0
        self.sell_cost = 0

    def put(self, order: Order) -> None:
        """Hold ``order`` as open (by id and by client order id)."""
        self.orders[order.order_id] = order
        self.by_client[order.client_order_id] = order

    def take(self, order: Order) -> None:
        """Forget the open ``order``."""
        del self.orders[order.order_id]
        if self.by_client.get(order.client_order_id) is order:
            del self.by_client[order.client_order_id]

    def add_exposure(self, order: Order, quantity: int) -> None:
        """Count ``quantity`` of a resting ``order`` (negative to release it)."""
        if order.side is Side.BUY:
            self.buy_qty += quantity
            self.buy_cost += quantity * order.price
        else:
            self.sell_qty += quantity
            self.sell_cost += quantity * order.price


class AccountState:
    """One trading account."""

    __slots__ = (
        "account",
        "hedge",
        "is_system",
        "leverage",
        "margin_type",
        "open_orders",
        "positions",
    )

    def __init__(self, account: str, *, is_system: bool = False) -> None:
        self.account = account
        self.is_system = is_system  # the venue's own market maker: no margin checks
        self.hedge = False
        self.leverage: dict[str, int] = {}
        self.margin_type: dict[str, MarginType] = {}
        self.positions: dict[tuple[str, PositionSide], PositionState] = {}
        self.open_orders: dict[str, SymbolOrders] = {}

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def margin_type_of(self, symbol: str) -> MarginType:
        return self.margin_type.get(symbol, MarginType.CROSS)

    def position(self, symbol: str, side: PositionSide) -> PositionState:
        """Return the position (created flat on first use)."""
        key = (symbol, side)
        position = self.positions.get(key)
        if position is None:
            position = self.positions[key] = PositionState(self.account, symbol, side)
        return position

    def symbol_orders(self, symbol: str) -> SymbolOrders:
        orders = self.open_orders.get(symbol)
        if orders is None:
            orders = self.open_orders[symbol] = SymbolOrders()
        return orders

    def has_open_orders(self, symbol: str | None = None) -> bool:
        if symbol is not None:
            orders = self.open_orders.get(symbol)
            return orders is not None and bool(orders.orders)
        return any(o.orders for o in self.open_orders.values())

    def has_position(self, symbol: str | None = None) -> bool:
        return any(p.quantity != 0 for p in self.positions.values() if symbol in (None, p.symbol))

    def open_positions(self) -> list[PositionState]:
        return [p for p in self.positions.values() if p.quantity != 0]

    def to_state(self) -> dict[str, object]:
        return {
            "account": self.account,
            "is_system": self.is_system,
            "hedge": self.hedge,
            "leverage": sorted(self.leverage.items()),
            "margin_type": sorted((s, m.value) for s, m in self.margin_type.items()),
            "positions": [
                p.to_state()
                for _, p in sorted(self.positions.items(), key=lambda i: (i[0][0], i[0][1].value))
                if p.quantity != 0
            ],
            "orders": sorted(o for so in self.open_orders.values() for o in so.orders),
        }
